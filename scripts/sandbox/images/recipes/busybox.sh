# busybox:1.36 as the extension's model uploader uses it: Debian's busybox with every
# applet linked into /bin (tar and wget are busybox applets, as in the original), no bash.
IMAGE_REFS=(docker.io/library/busybox:1.36)
IMAGE_FILES=()
IMAGE_CONFIG=(--config.cmd sh --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
image_inputs() { debian_version busybox; }
image_rootfs() {
  install_busybox "$1"
  install_minimal_etc "$1"
}
