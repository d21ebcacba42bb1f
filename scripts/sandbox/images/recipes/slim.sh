# A slim image as minimal application images are: the busybox image without its tar link, so a
# shell but no bash and no tar, and features that assume either meet an image without them.
# shellcheck source=busybox.sh
source "$HERE/recipes/busybox.sh"
IMAGE_REFS=(sandbox.kube-ml.dev/slim:1)
IMAGE_FILES=(images/recipes/busybox.sh)
image_rootfs() {
  install_busybox "$1"
  rm "$1/bin/tar"
  install_minimal_etc "$1"
}
