#!/usr/bin/env bash
# Builds the sandbox node's simulated-GPU programs (static, CGO off) from this Go module:
#   nvidia-device-plugin  registers nvidia.com/gpu with the kubelet (--kubelet-socket, --node-name,
#                         --count, --product, --memory-mib, --nvidia-smi)
#   nvidia-smi            the stand-in the plugin mounts into GPU containers
# into ${KMW_CACHE:-~/.cache/kube-ml-workbench}/bin/gpu-<hash of the sources>/ and prints
# `<program>\t<absolute path>` per program. Unchanged sources are not built again.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}/bin"
key=$(cd "$HERE" && find . -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name build.sh | sort | xargs cat | sha256sum | cut -c1-16)
out="$CACHE/gpu-$key"
mkdir -p "$CACHE"
exec 9>"$CACHE/gpu-build.lock"
flock 9
if [ ! -x "$out/nvidia-smi" ] || [ ! -x "$out/nvidia-device-plugin" ]; then
  command -v go >/dev/null || { echo '[gpu] Go toolchain not found: install Go >= 1.24 and put go on PATH' >&2; exit 1; }
  work=$(mktemp -d "$CACHE/.gpu-build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$HERE" && GOFLAGS=-mod=mod GOTOOLCHAIN=local GOSUMDB="${GOSUMDB:-off}" CGO_ENABLED=0 \
    nice -n 15 go build -trimpath -o "$work/" ./cmd/nvidia-device-plugin ./cmd/nvidia-smi)
  rm -rf "$out"
  chmod 0755 "$work"
  mv "$work" "$out"
  find "$CACHE" -maxdepth 1 -name 'gpu-*' -type d ! -path "$out" -exec rm -rf {} +
fi
printf 'nvidia-device-plugin\t%s\n' "$out/nvidia-device-plugin"
printf 'nvidia-smi\t%s\n' "$out/nvidia-smi"
