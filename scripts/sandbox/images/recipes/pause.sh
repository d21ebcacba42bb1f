# The pod sandbox ("pause") image containerd's CRI starts first in every pod: a shell loop that
# exits on TERM, on Debian's busybox.
IMAGE_REFS=(registry.k8s.io/pause:3.10)
IMAGE_FILES=(images/files/pause.sh)
IMAGE_CONFIG=(--config.entrypoint /pause --config.user 65535:65535)
image_inputs() { debian_version busybox; }
image_rootfs() {
  install_busybox "$1" sh sleep
  install -m 0755 "$SANDBOX_SCRIPTS/images/files/pause.sh" "$1/pause"
}
