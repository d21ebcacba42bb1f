# NVIDIA's dcgm-exporter as the GPU operator runs it (a DaemonSet pod serving :9400/metrics): the
# sandbox's exporter (scripts/sandbox/gpu, static Go) on busybox. It needs the kubelet's
# pod-resources socket mounted at /var/lib/kubelet/pod-resources/kubelet.sock, as the original does.
IMAGE_REFS=(nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04)
IMAGE_FILES=()
IMAGE_CONFIG=(--config.entrypoint /usr/bin/dcgm-exporter --config.exposedports 9400/tcp
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
dcgm_exporter() { bash "$SANDBOX_SCRIPTS/gpu/build.sh" | sed -n 's/^dcgm-exporter\t//p'; }
# The program's folder is named by the hash of its sources, so a change to them rebuilds the image.
image_inputs() { debian_version busybox; basename "$(dirname "$(dcgm_exporter)")"; }
image_rootfs() {
  install_busybox "$1"
  install_minimal_etc "$1"
  mkdir -p "$1/usr/bin"
  install -m 0755 "$(dcgm_exporter)" "$1/usr/bin/dcgm-exporter"
}
