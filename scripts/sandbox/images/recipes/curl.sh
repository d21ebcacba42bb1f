# The idle reaper's image: busybox (its shell and applets, as in the Alpine-based original) and
# curl with the shared libraries it loads and the CA bundle; no bash, no package manager.
# The curl is Debian's (this machine's), whatever its version: the tag names the original.
IMAGE_REFS=(docker.io/curlimages/curl:8.10.1)
IMAGE_FILES=()
IMAGE_CONFIG=(--config.cmd curl --config.user 100:101 --config.workingdir /home/curl_user
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
image_inputs() { debian_version busybox; dpkg-query -W curl libcurl4 ca-certificates; }
image_rootfs() {
  install_busybox "$1"
  install_minimal_etc "$1"
  install_with_libraries "$1" /usr/bin/curl
  mkdir -p "$1/etc/ssl/certs" "$1/home/curl_user"
  cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/"
  echo 'curl_user:x:100:101:curl_user:/home/curl_user:/sbin/nologin' >> "$1/etc/passwd"
  echo 'curl_group:x:101:' >> "$1/etc/group"
  chown 100:101 "$1/home/curl_user"
}
