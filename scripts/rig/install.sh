#!/usr/bin/env bash
# Installs the tools of the VS Code test rig: Debian's chromium (headless browser), libkrb5-dev
# (code-server's native modules compile from source), code-server (the real VS Code workbench and
# extension host, run on Node 24) and playwright-core (drives chromium). They are tools of the rig,
# not dependencies of the extension, so they live in a cache folder outside the repo.
# Idempotent: a second run finds everything in place, installs nothing and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
code_server_version=4.139.1
playwright_version=1.65.1
apt_packages=(chromium libkrb5-dev)
# shellcheck source=../lib/npm-env.sh
source "$root/scripts/lib/npm-env.sh"

started=$(date +%s%N)
installed=()
mkdir -p "$cache"
exec 9>"$cache/rig-install.lock"
flock 9

elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

# Node 24 (with-node24.sh installs it on first use) is the Node code-server runs on.
node24_bin=$(bash "$root/scripts/with-node24.sh" sh -c 'dirname "$(command -v node)"')
node24_dir=$(dirname "$node24_bin")

missing_apt=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing_apt+=("$pkg")
done
if [ ${#missing_apt[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "rig: apt-get install ${missing_apt[*]}"
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing_apt[@]}"; then
    echo "rig: apt-get install failed; refreshing package lists and retrying"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing_apt[@]}"
  fi
  installed+=("${missing_apt[@]}")
fi

# A stamp is written only after a complete install, so an interrupted install is retried.
npm_tool() {
  local name=$1 version=$2 prefix="$cache/$1"
  local stamp="$prefix/.kmw-installed"
  [ "$(cat "$stamp" 2>/dev/null)" = "$version" ] && return 0
  echo "rig: installing $name@$version into $prefix"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # The machine's npmrc may point nodedir at another Node's headers: native modules must be
  # built against the Node 24 that runs them. The outer npm's variables must not reach it either.
  without_outer_npm PATH="$node24_bin:$PATH" npm_config_nodedir="$node24_dir" \
    npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
    --cache "$cache/npm" "$name@$version"
  echo "$version" > "$stamp"
  installed+=("$name@$version")
}
npm_tool code-server "$code_server_version"
npm_tool playwright-core "$playwright_version"

if [ ${#installed[@]} -eq 0 ]; then
  echo "rig: nothing to install, all tools present in $cache ($(elapsed))"
else
  echo "rig: installed ${installed[*]} ($(elapsed))"
fi
