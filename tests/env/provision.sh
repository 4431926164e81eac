#!/usr/bin/env bash
# Provisions the real test tier's binaries, cached outside the repo and keyed by version:
#   kube-apiserver v1.20.2 (built from Debian's `kubernetes` source package with Debian's Go),
#   etcd (Debian's etcd-server), and SecantusDB (PyPI, pinned) in a venv.
# Prints `KEY=VALUE` lines (KUBE_APISERVER, ETCD, SECANTUSD) on stdout; progress goes to stderr.
# If KUBEBUILDER_ASSETS names a folder with `kube-apiserver` and `etcd`, those are used and
# nothing is built. Safe to run concurrently: a lock serialises the builds.
set -euo pipefail

K8S_VERSION=1.20.2
DEB_K8S_VERSION="1.20.5+really1.20.2"
SECANTUS_VERSION=0.7.0b3
CACHE="${JOBTRACE_TESTENV_CACHE:-$HOME/.cache/jobtrace-testenv}"
W="$CACHE/k8s-$K8S_VERSION"
V="$CACHE/secantusdb-$SECANTUS_VERSION"
mkdir -p "$CACHE"

log() { printf 'provision: %s\n' "$*" >&2; }

exec 9>"$CACHE/.lock"
flock 9

# --- kube-apiserver and etcd -------------------------------------------------------------
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  apiserver="$KUBEBUILDER_ASSETS/kube-apiserver"
  etcd="$KUBEBUILDER_ASSETS/etcd"
  [ -x "$apiserver" ] && [ -x "$etcd" ] || { log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks kube-apiserver or etcd"; exit 1; }
  log "using KUBEBUILDER_ASSETS ($KUBEBUILDER_ASSETS)"
else
  apiserver="$W/kubernetes-$K8S_VERSION/_output/bin/kube-apiserver"
  etcd="$W/root/usr/bin/etcd"
  if [ ! -x "$apiserver" ] || [ ! -x "$etcd" ]; then
    log "building kube-apiserver $K8S_VERSION into $W (first run on this machine: about 4-5 min)"
    mkdir -p "$W/root" "$W/lists" "$W/cache/archives/partial"
    cd "$W"
    M=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    [ -n "$M" ] || M=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    [ -n "$M" ] || { log "cannot find the machine's Debian mirror"; exit 1; }
    echo "deb-src $M bookworm main" > src.list
    echo "deb $M bookworm main" >> src.list
    O=(-o "Dir::Etc::sourcelist=$W/src.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$W/lists" -o "Dir::Cache=$W/cache")
    apt-get "${O[@]}" -qq update >&2
    [ -f "kubernetes_${DEB_K8S_VERSION}.orig.tar.gz" ] || apt-get "${O[@]}" -qq source --download-only kubernetes >&2
    [ -d "kubernetes-$K8S_VERSION" ] || tar xzf "kubernetes_${DEB_K8S_VERSION}.orig.tar.gz"
    apt-get "${O[@]}" -qq download golang-1.19-go golang-1.19-src etcd-server rsync libpopt0 >&2
    for d in *.deb; do dpkg -x "$d" root; done
    export GOROOT=$W/root/usr/lib/go-1.19 PATH=$W/root/usr/lib/go-1.19/bin:$W/root/usr/bin:$PATH
    export GO111MODULE=off GOPROXY=off CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=
    export KUBE_GIT_VERSION=v$K8S_VERSION KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
    export GOCACHE="$W/gocache"
    # the unpacked rsync needs the unpacked libpopt
    export LD_LIBRARY_PATH="$W/root/usr/lib/x86_64-linux-gnu:$W/root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    rm -rf "kubernetes-$K8S_VERSION/_output"
    (cd "kubernetes-$K8S_VERSION" && make WHAT=cmd/kube-apiserver >&2)
    [ -x "$apiserver" ] || { log "kube-apiserver build produced no binary"; exit 1; }
    log "built $apiserver"
  fi
fi

# --- SecantusDB ---------------------------------------------------------------------------
secantusd="$V/bin/secantusd-py"
if [ ! -f "$V/.complete" ]; then
  log "installing SecantusDB $SECANTUS_VERSION into $V"
  rm -rf "$V"
  python3 -m venv "$V"
  "$V/bin/pip" install -q --disable-pip-version-check "SecantusDB==$SECANTUS_VERSION" >&2
  touch "$V/.complete"
fi
[ -f "$V/.complete" ] || { log "SecantusDB venv at $V is incomplete"; exit 1; }

echo "KUBE_APISERVER=$apiserver"
echo "ETCD=$etcd"
echo "SECANTUSD=$secantusd"
