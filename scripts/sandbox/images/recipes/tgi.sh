# Hugging Face TGI as the serving flow starts it: `text-generation-launcher` (the original's
# entrypoint) on Debian's python3, serving the OpenAI-compatible Messages API, /info, /health and
# TGI's metrics from the shared stand-in core. No model is loaded.
IMAGE_REFS=(ghcr.io/huggingface/text-generation-inference:2.4.0)
IMAGE_FILES=(images/files/tgi/text-generation-launcher images/files/modelserver/openai_compat.py)
IMAGE_CONFIG=("${CUDA_IMAGE_ENV[@]}" --config.workingdir /usr/src
  --config.entrypoint text-generation-launcher --config.exposedports 80/tcp)
image_inputs() { dpkg-query -W debootstrap; }
image_rootfs() {
  python_rootfs "$1"
  install_openai_compat "$1"
  mkdir -p "$1/usr/src"
  install -m 0755 "$SANDBOX_SCRIPTS/images/files/tgi/text-generation-launcher" "$1/usr/local/bin/"
  strip_rootfs "$1"
}
