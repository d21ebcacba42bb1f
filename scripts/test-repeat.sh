#!/usr/bin/env bash
# The flakiness figure of docs/TESTING.md: clones this checkout's HEAD (or REV) into a fresh folder
# and runs the README's test command there N times in a row, as CI does (CI=true, .ci/run). Prints
# one line per run (exit code, seconds, load average, the closing line, each step's result) and
# keeps each run's output in FOLDER-N.log. Run it with no other sandbox on the default ports.
#
#   bash scripts/test-repeat.sh [N=5] [REV=HEAD]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
rev=$(git -C "$root" rev-parse --short "${2:-HEAD}")
folder=$(mktemp -d "${TMPDIR:-/tmp}/kmw-repeat-$rev.XXXXXX")
git clone -q "$root" "$folder"
git -C "$folder" checkout -q "$rev"
echo "test-repeat: $runs runs of npm test on $rev in $folder"
for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  (cd "$folder" && CI=true bash .ci/run) > "$folder-$run.log" 2>&1
  code=$?
  echo "run $run: exit $code, $(( $(date +%s) - started )) s, load $(cut -d' ' -f1-3 /proc/loadavg), $(grep -E '^npm test:' "$folder-$run.log")"
  grep -E '^=== .*: (ok|FAILED) \(' "$folder-$run.log" | sed 's/^/    /'
done
