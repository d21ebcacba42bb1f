# vllm/vllm-openai as the serving flow starts it: Debian's python3 running an OpenAI-compatible
# server (standard library only) installed as vllm.entrypoints.openai.api_server, the original's
# entrypoint, so the extension's arguments reach it unchanged. No torch, no model is loaded.
IMAGE_REFS=(docker.io/vllm/vllm-openai:v0.6.3)
IMAGE_FILES=(images/files/vllm/api_server.py images/files/modelserver/openai_compat.py)
IMAGE_CONFIG=("${CUDA_IMAGE_ENV[@]}" --config.workingdir /vllm-workspace
  --config.entrypoint python3 --config.entrypoint -m --config.entrypoint vllm.entrypoints.openai.api_server
  --config.exposedports 8000/tcp)
image_inputs() { dpkg-query -W debootstrap; }
image_rootfs() {
  python_rootfs "$1"
  install_openai_compat "$1"
  local package="$1$PYTHON_SITE/vllm"
  mkdir -p "$package/entrypoints/openai" "$1/vllm-workspace"
  touch "$package/__init__.py" "$package/entrypoints/__init__.py" "$package/entrypoints/openai/__init__.py"
  cp "$SANDBOX_SCRIPTS/images/files/vllm/api_server.py" "$package/entrypoints/openai/api_server.py"
  strip_rootfs "$1"
}
