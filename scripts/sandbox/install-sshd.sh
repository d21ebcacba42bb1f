#!/usr/bin/env bash
# Installs Debian's OpenSSH server and client, which the sandbox needs for Remote-SSH attach: the
# product starts sshd inside a dev pod over exec, and sandbox pods exec on this machine, so the
# "image" is this machine. Idempotent: when /usr/sbin/sshd, ssh and ssh-keygen exist it installs
# nothing and says so. Never starts a system sshd: the sandbox's sshds are per pod, on loopback.
set -euo pipefail
cache="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
packages=(openssh-server openssh-client)

present() { [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; }

if present; then
  echo "sshd: nothing to install ($(/usr/sbin/sshd -V 2>&1 | head -n 1 || true))"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/sshd-install.lock"
flock 9
if present; then
  echo "sshd: installed meanwhile by another run"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "sshd: /usr/sbin/sshd is missing and this machine has no apt-get." >&2
  echo "  Install OpenSSH's server and client with your package manager (sshd at /usr/sbin/sshd)," >&2
  echo "  then run this again. Without it, Remote-SSH attach tests fail; the rest of the sandbox works." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "sshd: apt-get needs root and sudo is not installed; run this as root." >&2; exit 1; }
  sudo=(sudo)
fi

# Package scripts must not start a system-wide sshd on 0.0.0.0:22: a policy-rc.d answering 101
# ("action forbidden") stops invoke-rc.d and deb-systemd-invoke. Only ours is removed afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# kube-ml-workbench: temporary, while installing openssh-server\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

install() {
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${packages[@]}"
}
echo "sshd: apt-get install ${packages[*]}"
started=$(date +%s)
if ! install; then
  echo "sshd: apt-get install failed; refreshing package lists and retrying"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update
  install || { echo "sshd: apt-get install ${packages[*]} failed (see above); Remote-SSH attach tests need it." >&2; exit 1; }
fi
present || { echo "sshd: installed ${packages[*]} but /usr/sbin/sshd, ssh or ssh-keygen is still missing" >&2; exit 1; }
echo "sshd: installed ${packages[*]} in $(( $(date +%s) - started )) s ($(/usr/sbin/sshd -V 2>&1 | head -n 1 || true))"
