#!/usr/bin/env bash
# `npm start`: the one command to see Kube ML Workbench working. Installs what is missing (npm
# packages, Node 24, code-server, chromium), builds and packages the extension, brings up the
# sandbox cluster (unless KUBECONFIG is set or --kubeconfig PATH names another cluster), and
# serves VS Code (code-server) on 127.0.0.1 with the packaged extension and a demo workspace.
# Ctrl-C stops everything this run started: code-server, and the sandbox if this run started it.
#
#   npm start                          # sandbox cluster
#   npm start -- --kubeconfig ~/.kube/config
#   npm start -- --port 9000
#   npm start -- --vsix other.vsix     # serve this package instead of building one
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
KMW_START_MS=$(date +%s%3N)
export KMW_START_MS
cache="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
kubeconfig="${KUBECONFIG:-}"
port=8080
workspace="$cache/demo-workspace"
vsix=

while [ $# -gt 0 ]; do
  case "$1" in
    --kubeconfig) kubeconfig=$2; shift 2 ;;
    --kubeconfig=*) kubeconfig=${1#*=}; shift ;;
    --port) port=$2; shift 2 ;;
    --port=*) port=${1#*=}; shift ;;
    --workspace) workspace=$2; shift 2 ;;
    --vsix) vsix=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "start: unknown argument $1 (see npm start -- --help)" >&2; exit 2 ;;
  esac
done

step() {
  local title=$1 began
  shift
  began=$(date +%s%3N)
  echo "start: $title"
  "$@"
  echo "start: $title: $(( ($(date +%s%3N) - began) / 1000 )) s"
}

started_sandbox=no
serve=
cleanup() {
  if [ -n "$serve" ] && kill -0 "$serve" 2>/dev/null; then
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
  fi
  if [ "$started_sandbox" = yes ]; then
    echo "start: stopping the sandbox cluster this run started"
    npm run --silent sandbox -- down || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

step "npm packages" bash scripts/bootstrap.sh
step "rig tools" bash scripts/rig/install.sh
if [ -z "$vsix" ]; then
  step "package" npm run --silent package
  vsix=dist/kube-ml-workbench.vsix
fi

if [ -z "$kubeconfig" ]; then
  if ! npm run --silent sandbox -- status >/dev/null 2>&1; then
    started_sandbox=yes
  fi
  step "sandbox cluster" npm run --silent sandbox -- up
  kubeconfig="$root/.sandbox/kubeconfig"
else
  [ -f "$kubeconfig" ] || { echo "start: $kubeconfig does not exist" >&2; exit 2; }
  echo "start: using the cluster in $kubeconfig (sandbox not started)"
fi

# A small ML project to open, written once; the user's edits are kept across runs.
if [ ! -e "$workspace/train.py" ]; then
  mkdir -p "$workspace"
  cp -R "$root/scripts/rig/demo-workspace/." "$workspace/"
fi

# In the background so that a signal reaches the trap at once (bash defers traps while a
# foreground child runs); the trap passes it on to serve.ts, which stops code-server's group.
bash scripts/with-node24.sh tsx scripts/rig/serve.ts --vsix "$vsix" \
  --kubeconfig "$kubeconfig" --workspace "$workspace" --port "$port" &
serve=$!
wait "$serve"
