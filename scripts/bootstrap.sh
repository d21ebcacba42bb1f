#!/usr/bin/env bash
# Installs the project's npm packages when they are missing or the lockfile changed; idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
mkdir -p "$cache"
cd "$root"
# shellcheck source=lib/npm-env.sh
source "$root/scripts/lib/npm-env.sh"
stamp=node_modules/.kmw-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (
    flock 9
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
      without_outer_npm npm ci --no-audit --no-fund --cache "$cache/npm"
      echo "$want" > "$stamp"
    fi
  ) 9>"$cache/npm-install.lock"
fi
bash scripts/with-node24.sh node -v >/dev/null
