#!/usr/bin/env bash
# Builds the sandbox images (build.sh) and imports them into a containerd's k8s.io namespace,
# where the kubelet's CRI finds them:
#
#   bash scripts/sandbox/images/import.sh --address <containerd socket> [NAME...]
#
# Each archive is imported once, under its first reference; the references that share it are
# tags of that image. Every image is labelled with its archive's file name, so an image already
# imported from the same archive is skipped, and a rebuilt archive replaces it. Prints
# `<reference>\t<imported|present>` per reference.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LABEL=sandbox.kube-ml.dev/archive

[ "${1:-}" = --address ] && [ -n "${2:-}" ] || { echo "usage: $0 --address <containerd socket> [NAME...]" >&2; exit 2; }
address=$2; shift 2
ctr_k8s() { ctr -a "$address" -n k8s.io "$@"; }

lines=$(bash "$HERE/build.sh" "$@")
present=$(ctr_k8s images ls)

# True when `reference` exists and carries the label of `archive`.
imported_from() {
  local reference=$1 archive=$2
  awk -v ref="$reference" -v label="$LABEL=$(basename "$archive")" \
    '$1 == ref && index($NF, label) { found = 1 } END { exit !found }' <<< "$present"
}

first_of_archive=""
current_archive=""
while IFS=$'\t' read -r reference archive; do
  if [ "$archive" != "$current_archive" ]; then
    current_archive=$archive
    first_of_archive=""
  fi
  if imported_from "$reference" "$archive"; then
    [ -n "$first_of_archive" ] || first_of_archive=$reference
    printf '%s\tpresent\n' "$reference"
    continue
  fi
  if [ -z "$first_of_archive" ]; then
    ctr_k8s images import --index-name "$reference" "$archive" >&2
    first_of_archive=$reference
  else
    ctr_k8s images tag --force "$first_of_archive" "$reference" >&2
  fi
  ctr_k8s images label "$reference" "$LABEL=$(basename "$archive")" >/dev/null
  printf '%s\timported\n' "$reference"
done <<< "$lines"
