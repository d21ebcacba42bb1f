#!/usr/bin/env bash
# Installs Debian's containerd, runc and CNI reference plugins, which the sandbox's real node runs
# (scripts/sandbox/realNode.ts): the sandbox starts its own containerd with its own config, socket
# and folders inside a network namespace, so the package's system containerd is never started.
# Idempotent: when containerd, ctr, runc and the bridge plugin exist it installs nothing.
set -euo pipefail
cache="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
packages=(containerd runc containernetworking-plugins)
cni_bin=/usr/lib/cni

present() {
  command -v containerd >/dev/null && command -v ctr >/dev/null && command -v runc >/dev/null \
    && [ -x "$cni_bin/bridge" ] && [ -x "$cni_bin/host-local" ] && [ -x "$cni_bin/loopback" ]
}
versions() { echo "$(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), CNI plugins in $cni_bin"; }

if present; then
  echo "node runtime: nothing to install (containerd $(versions))"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/node-runtime-install.lock"
flock 9
if present; then
  echo "node runtime: installed meanwhile by another run"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "node runtime: containerd, runc or the CNI plugins are missing and this machine has no apt-get." >&2
  echo "  Install containerd (with ctr), runc and the CNI reference plugins (bridge, host-local, loopback in $cni_bin)" >&2
  echo "  with your package manager, then run this again. Without them the sandbox's real node cannot start." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "node runtime: apt-get needs root and sudo is not installed; run this as root." >&2; exit 1; }
  sudo=(sudo)
fi

# The package's scripts must not start a system-wide containerd: a policy-rc.d answering 101
# ("action forbidden") stops invoke-rc.d and deb-systemd-invoke. Only ours is removed afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# kube-ml-workbench: temporary, while installing containerd\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

install() {
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${packages[@]}"
}
echo "node runtime: apt-get install ${packages[*]}"
started=$(date +%s)
if ! install; then
  echo "node runtime: apt-get install failed; refreshing package lists and retrying"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update
  install || { echo "node runtime: apt-get install ${packages[*]} failed (see above); the sandbox's real node needs it." >&2; exit 1; }
fi
present || { echo "node runtime: installed ${packages[*]} but containerd, ctr, runc or $cni_bin/{bridge,host-local,loopback} is still missing" >&2; exit 1; }
echo "node runtime: installed ${packages[*]} in $(( $(date +%s) - started )) s (containerd $(versions))"
