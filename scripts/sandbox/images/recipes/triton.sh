# NVIDIA Triton as the serving flow starts it (args `tritonserver --model-repository=...`): the
# original's entrypoint runs its arguments, and `tritonserver` on Debian's python3 answers the
# KServe v2 health, metadata and repository routes. No inference.
IMAGE_REFS=(nvcr.io/nvidia/tritonserver:24.10-py3)
IMAGE_FILES=(images/files/triton/tritonserver)
IMAGE_CONFIG=("${CUDA_IMAGE_ENV[@]}" --config.env PATH=/opt/tritonserver/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  --config.workingdir /opt/tritonserver --config.entrypoint /opt/nvidia/nvidia_entrypoint.sh
  --config.exposedports 8000/tcp --config.exposedports 8001/tcp --config.exposedports 8002/tcp)
image_inputs() { dpkg-query -W debootstrap; }
image_rootfs() {
  python_rootfs "$1"
  mkdir -p "$1/opt/tritonserver/bin" "$1/opt/nvidia"
  install -m 0755 "$SANDBOX_SCRIPTS/images/files/triton/tritonserver" "$1/opt/tritonserver/bin/"
  printf '#!/bin/bash\n# Runs the container arguments, as the original entrypoint does after its banner.\nexec "$@"\n' > "$1/opt/nvidia/nvidia_entrypoint.sh"
  chmod 0755 "$1/opt/nvidia/nvidia_entrypoint.sh"
  strip_rootfs "$1"
}
