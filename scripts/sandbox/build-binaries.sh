#!/usr/bin/env bash
# Builds the sandbox cluster's binaries from Go modules (pinned versions) into a cache outside
# the repo. A binary that is already there is not rebuilt, so a second run builds nothing.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
CACHE="${KMW_CACHE:-$HOME/.cache/kube-ml-workbench}"
BIN="$CACHE/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
mkdir -p "$BIN"
# Two sandboxes started at once (a second checkout, a scale run) wait here instead of building the
# same binaries side by side.
exec 9>"$CACHE/bin/build.lock"
flock 9
export GOFLAGS="${GOFLAGS:--mod=mod}" GOTOOLCHAIN=local CGO_ENABLED=0
export GOSUMDB="${GOSUMDB:-off}"

log() { printf '[build-binaries] %s\n' "$*" >&2; }
started=$(date +%s)

# kwok and kwokctl install cleanly with go install.
for tool in kwok kwokctl; do
  if [ ! -x "$BIN/$tool" ]; then
    log "building $tool $KWOK_VERSION"
    GOBIN="$BIN" go install "sigs.k8s.io/kwok/cmd/$tool@$KWOK_VERSION"
  fi
done

# etcd's server module uses replace directives, so build it from a throwaway wrapper module.
if [ ! -x "$BIN/etcd" ]; then
  log "building etcd $ETCD_VERSION"
  work=$(mktemp -d)
  (cd "$work" && go mod init local/etcdbuild >/dev/null 2>&1 \
    && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    && go build -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$work"
fi

# k8s.io/kubernetes replaces its staging modules with ./staging paths; a wrapper module maps each
# one to its published v0.Y.Z release, with the list read from kubernetes' own go.mod.
# The real node's kubelet comes from the same module and build cache as the control plane.
KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
need_kube=0
for component in "${KUBE_COMMANDS[@]}"; do
  [ -x "$BIN/$component" ] || need_kube=1
done
if [ "$need_kube" = 1 ]; then
  log "building ${KUBE_COMMANDS[*]} $KUBE_VERSION (each one missing)"
  work=$(mktemp -d)
  staging_version="v0.${KUBE_VERSION#v1.}"
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module local/kubebuild"
    echo "$(grep -m1 '^go ' "$gomod")"
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging/' "$gomod" \
      | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } > "$work/go.mod"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)"
  # Importing the commands' app packages lets `go mod tidy` pin every dependency at the
  # versions kubernetes' own go.mod asks for (without it tidy would drop the requirement).
  printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler/app"\n\t_ "k8s.io/kubernetes/cmd/kubelet/app"\n)\n' > "$work/tools.go"
  (cd "$work" && go mod tidy)
  for component in "${KUBE_COMMANDS[@]}"; do
    if [ ! -x "$BIN/$component" ]; then
      (cd "$work" && go build -ldflags "$ldflags" -o "$BIN/$component" "k8s.io/kubernetes/cmd/$component")
    fi
  done
  rm -rf "$work"
fi

log "binaries ready in $BIN ($(( $(date +%s) - started )) s)"
echo "$BIN"
