# Helpers the image recipes share (sourced by build.sh). A recipe fills a root file system with
# these, and build.sh turns the folder into an OCI image with umoci and skopeo.

log() { printf '[images] %s\n' "$*" >&2; }

# The version apt would install of a Debian package (part of an image's inputs). apt-cache takes
# a second or two, so each package is asked once per run (RUN_DIR is build.sh's own temp folder).
debian_version() {
  local memo="$RUN_DIR/version-$1"
  [ -f "$memo" ] || apt-cache show --no-all-versions "$1" | sed -n 's/^Version: //p' | head -n1 > "$memo"
  cat "$memo"
}

# A Debian package's files, unpacked (not installed) into a folder under the cache; prints it.
debian_package() {
  local package=$1 version; version=$(debian_version "$package")
  [ -n "$version" ] || { log "apt knows no package $package (run apt-get update)"; return 1; }
  local dir="$IMAGES_CACHE/debs/${package}_$version"
  if [ ! -d "$dir" ]; then
    local work; work=$(mktemp -d "$IMAGES_CACHE/debs/.$package.XXXXXX")
    (cd "$work" && apt-get download -o APT::Sandbox::User=root "$package=$version" >&2)
    dpkg-deb -x "$work"/*.deb "$work/files"
    mv "$work/files" "$dir"
    rm -rf "$work"
  fi
  echo "$dir"
}

# Puts Debian's busybox (the dynamically linked build, whose shell runs an applet only through its
# link in PATH, as in busybox images) at /bin/busybox and links the given applets (all when none
# is given) into /bin.
install_busybox() {
  local rootfs=$1; shift
  local busybox; busybox="$(debian_package busybox)/bin/busybox"
  install_with_libraries "$rootfs" "$busybox" /bin/busybox
  local applets=("$@")
  [ ${#applets[@]} -gt 0 ] || mapfile -t applets < <("$busybox" --list)
  local applet
  for applet in "${applets[@]}"; do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
}

# Copies a dynamically linked executable (to `target`, default its own path) and every shared
# library it loads, as ldd resolves them on this machine, so it runs in an image without a
# distribution.
install_with_libraries() {
  local rootfs=$1 binary=$2 target=${3:-$2} library
  mkdir -p "$rootfs$(dirname "$target")"
  cp -L "$binary" "$rootfs$target"
  while read -r library; do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
  done < <(ldd "$binary" | grep -oE '/[^ ]+' | sort -u)
}

# The Debian mirror apt uses on this machine (KMW_DEBIAN_MIRROR overrides it).
debian_mirror() {
  if [ -n "${KMW_DEBIAN_MIRROR:-}" ]; then echo "$KMW_DEBIAN_MIRROR"; return; fi
  local found
  found=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE '^(URIs: |deb )[^ ]+' | grep -v security | head -n1 | sed -E 's/^(URIs: |deb )//')
  [ -n "$found" ] || { log "no Debian mirror in /etc/apt sources; set KMW_DEBIAN_MIRROR"; return 1; }
  echo "$found"
}

# Fills $1 with the result of `$3 ROOTFS [ARGS...]`, kept as a tarball under the cache and named by
# a hash of `$2` (everything that step depends on): slow steps (debootstrap, pip) run once.
cached_rootfs() {
  local rootfs=$1 inputs=$2 step=$3; shift 3
  local tarball; tarball="$IMAGES_CACHE/rootfs/$step-$(printf '%s' "$inputs" | sha256sum | cut -c1-16).tar"
  if [ ! -f "$tarball" ]; then
    local work; work=$(mktemp -d "$IMAGES_CACHE/rootfs/.$step.XXXXXX")
    mkdir "$work/rootfs"
    "$step" "$work/rootfs" "$@"
    tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
    mv "$work/rootfs.tar" "$tarball"
    rm -rf "$work"
  fi
  tar --numeric-owner -C "$rootfs" -xf "$tarball"
}

# debootstrap's minimal Debian (bash, coreutils, tar, apt) of `suite` plus the given packages.
debootstrap_rootfs() {
  local rootfs=$1 suite=$2 packages=$3
  local mirror; mirror=$(debian_mirror)
  log "debootstrap $suite (minbase + $packages) from $mirror"
  nice -n 15 debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >&2
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
}

# Extracts a minimal Debian root file system with the given packages into $1 (cached).
debian_rootfs() {
  local rootfs=$1 suite=$2; shift 2
  local packages; packages=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
  cached_rootfs "$rootfs" "$suite $packages" debootstrap_rootfs "$suite" "$packages"
}

# Runs a command inside a Debian root file system with the network and this machine's CA bundle
# (pip reaches PyPI), then removes what the run added for itself.
in_rootfs() {
  local rootfs=$1; shift
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/build-ca.crt"
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/build-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 \
    nice -n 15 chroot "$rootfs" "$@" >&2
  rm -f "$rootfs/build-ca.crt"
  : > "$rootfs/etc/resolv.conf"
}

# Leaves out what a runtime provides (device nodes, /proc) and what images do not ship.
strip_rootfs() {
  local rootfs=$1
  rm -rf "$rootfs/dev/"* "$rootfs/proc/"* "$rootfs/sys/"* "$rootfs/run/"* "$rootfs/tmp/"* \
    "$rootfs/var/cache/apt/"* "$rootfs/var/lib/apt/lists/"* "$rootfs/var/log/"* \
    "$rootfs/usr/share/doc/"* "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"* "$rootfs/root/.cache"
}

# /etc/passwd, /etc/group, /tmp and /root as a distribution-less image has them.
install_minimal_etc() {
  local rootfs=$1
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
}

# Debian with python3 and pip: the base of the Python images (one debootstrap for all of them).
python_rootfs() {
  debian_rootfs "$1" bookworm python3 python3-pip ca-certificates
}

# Environment the NVIDIA CUDA images set: the NVIDIA container runtime reads these and, on a GPU
# node, adds the driver's tools (nvidia-smi) and libraries to the container.
CUDA_IMAGE_ENV=(
  --config.env PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  --config.env NVIDIA_VISIBLE_DEVICES=all
  --config.env NVIDIA_DRIVER_CAPABILITIES=compute,utility
  --config.env LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64
  --config.env LANG=C.UTF-8
)

# The site-packages folder of the Debian python3 in the Python images.
PYTHON_SITE=/usr/local/lib/python3.11/dist-packages

# Installs the OpenAI-compatible core the model-server stand-ins share as kmw_openai_compat.
install_openai_compat() {
  mkdir -p "$1$PYTHON_SITE"
  cp "$SANDBOX_SCRIPTS/images/files/modelserver/openai_compat.py" "$1$PYTHON_SITE/kmw_openai_compat.py"
}
