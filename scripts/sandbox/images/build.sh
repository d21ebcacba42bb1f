#!/usr/bin/env bash
# Builds the sandbox's container images as OCI archives, offline from Debian packages and PyPI,
# under the references the extension creates pods with.
#
#   bash scripts/sandbox/images/build.sh [NAME...]    (names: the files in recipes/; none = all)
#
# Prints one line per reference: `<full reference>\t<absolute archive path>`. Several references
# may share one archive (re-tagged presets); the first is the one written into it. import.sh
# builds and imports them into a containerd.
# An archive is cached under ${KMW_CACHE:-~/.cache/kube-ml-workbench}/images/, named by a hash of
# everything it is built from (these scripts, the recipe, its files and package versions), so a
# change to any of them builds it again and an unchanged one is reused. Logs go to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SANDBOX_SCRIPTS=$(dirname "$HERE")
IMAGES_CACHE="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}/images"
mkdir -p "$IMAGES_CACHE/rootfs" "$IMAGES_CACHE/debs"
RUN_DIR=$(mktemp -d)
trap 'rm -rf "$RUN_DIR"' EXIT
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# umoci writes the image (layers, config, manifest) from a folder; skopeo packs the layout into a
# single archive under its full reference. Both are Debian packages.
require_tools() {
  local missing=()
  command -v umoci >/dev/null || missing+=(umoci)
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

all_names() { find "$HERE/recipes" -name '*.sh' -printf '%f\n' | sed 's/\.sh$//' | sort; }

# Hash of everything an image is made from.
input_key() {
  local name=$1
  (
    # shellcheck source=/dev/null
    source "$HERE/recipes/$name.sh"
    cat "$HERE/build.sh" "$HERE/lib.sh" "$HERE/recipes/$name.sh"
    local file
    for file in "${IMAGE_FILES[@]}"; do cat "$SANDBOX_SCRIPTS/$file"; done
    image_inputs
  ) | sha256sum | cut -c1-16
}

build_archive() {
  local name=$1 archive=$2 started
  started=$(date +%s)
  local work; work=$(mktemp -d "$IMAGES_CACHE/.build-$name.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  (
    # shellcheck source=/dev/null
    source "$HERE/recipes/$name.sh"
    mkdir "$work/rootfs"
    image_rootfs "$work/rootfs"
    umoci init --layout "$work/oci"
    umoci new --image "$work/oci:build"
    nice -n 15 umoci insert --image "$work/oci:build" "$work/rootfs" / >&2
    umoci config --image "$work/oci:build" "${IMAGE_CONFIG[@]}"
    skopeo copy --quiet "oci:$work/oci:build" "oci-archive:$work/image.tar:${IMAGE_REFS[0]}"
  )
  mv "$work/image.tar" "$archive"
  log "$name: built in $(( $(date +%s) - started )) s, $(( $(stat -c %s "$archive") / 1024 / 1024 )) MiB ($archive)"
}

main() {
  local names=("$@")
  [ ${#names[@]} -gt 0 ] || mapfile -t names < <(all_names)
  local name
  for name in "${names[@]}"; do
    [ -f "$HERE/recipes/$name.sh" ] || { log "unknown image '$name'; known: $(all_names | paste -sd' ' -)"; exit 2; }
  done
  require_tools
  # Two sandboxes starting at once wait here instead of building the same image side by side.
  exec 9>"$IMAGES_CACHE/build.lock"
  flock 9
  for name in "${names[@]}"; do
    local archive; archive="$IMAGES_CACHE/$name-$(input_key "$name").oci.tar"
    if [ ! -f "$archive" ]; then
      build_archive "$name" "$archive"
      find "$IMAGES_CACHE" -maxdepth 1 -name "$name-*.oci.tar" ! -path "$archive" -delete
    fi
    (
      # shellcheck source=/dev/null
      source "$HERE/recipes/$name.sh"
      local ref
      for ref in "${IMAGE_REFS[@]}"; do printf '%s\t%s\n' "$ref" "$archive"; done
    )
  done
}

main "$@"
