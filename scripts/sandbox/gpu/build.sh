#!/usr/bin/env bash
# Builds the sandbox node's simulated-GPU programs (static, CGO off) from this Go module:
#   nvidia-device-plugin  registers nvidia.com/gpu with the kubelet (--kubelet-socket, --node-name,
#                         --count, --product, --memory-mib, --nvidia-smi)
#   nvidia-smi            the stand-in the plugin mounts into GPU containers
#   dcgm-exporter         /metrics in DCGM's names, pods read from the kubelet's pod-resources socket
# into ${KMW_CACHE:-~/.cache/kube-ml-workbench}/bin/gpu-<hash of the sources>/ and prints
# `<program>\t<absolute path>` per program. Unchanged sources are not built again. Older builds
# are kept: a running device plugin mounts its nvidia-smi by path into every new GPU container.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}/bin"
key=$(cd "$HERE" && find . -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name build.sh | sort | xargs cat | sha256sum | cut -c1-16)
out="$CACHE/gpu-$key"
mkdir -p "$CACHE"
exec 9>"$CACHE/gpu-build.lock"
flock 9
programs=(nvidia-device-plugin nvidia-smi dcgm-exporter)
missing=0
for program in "${programs[@]}"; do [ -x "$out/$program" ] || missing=1; done
if [ "$missing" = 1 ]; then
  command -v go >/dev/null || { echo '[gpu] Go toolchain not found: install Go >= 1.24 and put go on PATH' >&2; exit 1; }
  work=$(mktemp -d "$CACHE/.gpu-build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$HERE" && GOFLAGS=-mod=mod GOTOOLCHAIN=local GOSUMDB="${GOSUMDB:-off}" CGO_ENABLED=0 \
    nice -n 15 go build -trimpath -o "$work/" "${programs[@]/#/./cmd/}")
  rm -rf "$out"
  chmod 0755 "$work"
  mv "$work" "$out"
fi
for program in "${programs[@]}"; do printf '%s\t%s\n' "$program" "$out/$program"; done
