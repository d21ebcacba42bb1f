#!/usr/bin/env bash
# Builds the sandbox images (build.sh) and imports them into a containerd's k8s.io namespace,
# where the kubelet's CRI finds them:
#
#   bash scripts/sandbox/images/import.sh --address <containerd socket> [NAME...]
#
# Each archive is imported once, under the reference written into it (its first); the references
# that share it become tags of that image. A reference whose image already has the archive's
# manifest digest is skipped, so a rebuilt archive replaces its image. Prints
# `<reference>\t<imported|present>` per reference.
#
# Not `ctr images import --index-name`: with containerd 1.6.20 that sometimes fails with
# "content digest <index>: not found" for the index it writes, here when an archive was rebuilt.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

[ "${1:-}" = --address ] && [ -n "${2:-}" ] || { echo "usage: $0 --address <containerd socket> [NAME...]" >&2; exit 2; }
address=$2; shift 2
ctr_k8s() { ctr -a "$address" -n k8s.io "$@"; }

lines=$(bash "$HERE/build.sh" "$@")
present=$(ctr_k8s images ls)

manifest_digest() { tar -xOf "$1" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -n1 | cut -d'"' -f4; }

# True when `reference` exists with the target `digest`.
has_digest() {
  awk -v ref="$1" -v digest="$2" '$1 == ref && $3 == digest { found = 1 } END { exit !found }' <<< "$present"
}

current_archive=""
while IFS=$'\t' read -r reference archive; do
  if [ "$archive" != "$current_archive" ]; then
    current_archive=$archive
    digest=$(manifest_digest "$archive")
    first_of_archive=$reference
    if ! has_digest "$reference" "$digest"; then
      ctr_k8s images import "$archive" >&2
      printf '%s\timported\n' "$reference"
    else
      printf '%s\tpresent\n' "$reference"
    fi
  elif has_digest "$reference" "$digest"; then
    printf '%s\tpresent\n' "$reference"
  else
    ctr_k8s images tag --force "$first_of_archive" "$reference" >&2
    printf '%s\timported\n' "$reference"
  fi
done <<< "$lines"
