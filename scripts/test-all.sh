#!/usr/bin/env bash
# `npm test`: everything CI checks, in order. Each step's output is shown; a failed step is named
# at the end and makes the run fail, but later independent steps still run so one red run tells
# the whole story. The sandbox cluster started here is stopped on exit.
# Each step's output is also kept, and a failed step's last lines are shown again at the very end:
# CI keeps only the tail of a run, where an early step's failure would otherwise be cut away.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
failed=()
logs=$(mktemp -d "${TMPDIR:-/tmp}/kmw-test-all.XXXXXX")
step() {
  local name=$1
  shift
  local started=$(date +%s)
  printf '\n=== %s ===\n' "$name"
  if "$@" 2>&1 | tee "$logs/$name.log"; then
    printf '=== %s: ok (%d s) ===\n' "$name" $(( $(date +%s) - started ))
  else
    printf '=== %s: FAILED (%d s) ===\n' "$name" $(( $(date +%s) - started ))
    failed+=("$name")
  fi
}
replay_failures() {
  local name
  for name in "${failed[@]}"; do
    printf '\n=== %s: its last 60 lines again (whole output in %s) ===\n' "$name" "$logs/$name.log"
    tail -n 60 "$logs/$name.log"
  done
}
cleanup() { npm run --silent sandbox -- down >/dev/null 2>&1 || true; }
trap cleanup EXIT

step bootstrap bash scripts/bootstrap.sh || true
[ ${#failed[@]} -eq 0 ] || { replay_failures; echo "npm test: bootstrap failed"; exit 1; }
# Before the sandbox starts: its agent gives pods the sshd that Remote-SSH attach starts in them.
step sshd bash scripts/sandbox/install-sshd.sh
# The sandbox's real node runs Debian's containerd, runc and CNI plugins.
step node-runtime bash scripts/sandbox/install-node-runtime.sh
step typecheck npm run --silent typecheck
step lint npm run --silent lint
step build npm run --silent build
step unit npm run --silent test:unit
# kubectl and our resolver on each kubeconfig case, against local test servers (no sandbox).
step conformance npm run --silent test:conformance
step sandbox npm run --silent sandbox -- up
step cluster npm run --silent test:cluster
step security npm run --silent test:security
step faults npm run --silent test:faults
step rig bash scripts/rig/install.sh
step vscode npm run --silent test:vscode
step e2e npm run --silent test:e2e
step cold-install bash scripts/rig/check-cold-install.sh

if [ ${#failed[@]} -eq 0 ]; then
  echo "npm test: all steps passed"
else
  replay_failures
  echo "npm test: failed steps: ${failed[*]}"
  exit 1
fi
