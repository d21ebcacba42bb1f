# The ML images the dev-pod presets and training jobs start: Debian's python3 and bash, with numpy,
# JupyterLab and TensorBoard from PyPI (no torch, no CUDA: nothing here can use a GPU), and no
# sshd, as none of the originals has one. The presets' other images are re-tagged from it.
IMAGE_REFS=(
  docker.io/pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime
  docker.io/pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
  nvcr.io/nvidia/jax:24.04-py3
  docker.io/huggingface/transformers-pytorch-gpu:4.41.2
  docker.io/nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
)
PIP_PACKAGES=(numpy==1.26.4 jupyterlab==4.2.5 tensorboard==2.17.1)
IMAGE_FILES=()
IMAGE_CONFIG=("${CUDA_IMAGE_ENV[@]}" --config.env PYTORCH_VERSION=2.4.1 --config.workingdir /workspace --config.cmd /bin/bash)
image_inputs() { dpkg-query -W debootstrap; }
pip_rootfs() {
  python_rootfs "$1"
  in_rootfs "$1" python3 -m pip install --break-system-packages --no-cache-dir "${PIP_PACKAGES[@]}"
}
image_rootfs() {
  cached_rootfs "$1" "$(declare -f python_rootfs) ${PIP_PACKAGES[*]}" pip_rootfs
  strip_rootfs "$1"
  mkdir -p "$1/workspace"
}
