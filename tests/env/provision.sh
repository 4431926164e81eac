#!/usr/bin/env bash
# Provisions the real test tier's binaries, cached outside the repo and keyed by version:
#   kube-apiserver v1.20.2 (built from Debian's `kubernetes` source package with Debian's Go),
#   etcd (Debian's etcd-server), and SecantusDB (PyPI, pinned) in a venv.
# Prints `KEY=VALUE` lines (KUBE_APISERVER, ETCD, SECANTUSD) on stdout; progress goes to stderr.
#
# Needs only: bash, apt-get/dpkg (Debian bookworm mirror reachable), python3 (3.11) and
# PyPI; no system file is changed (packages are unpacked into the cache, not installed).
# A missing `make` is unpacked from Debian too, and a python3 without ensurepip gets pip
# from Debian's python3-pip-whl.
#
# Variables:
#   JOBTRACE_TESTENV_CACHE  cache folder (default ~/.cache/jobtrace-testenv)
#   KUBEBUILDER_ASSETS      folder with `kube-apiserver` and `etcd`: used as is, nothing built
# Safe to run concurrently: a lock serialises the builds; a finished step is never redone.
set -euo pipefail

K8S_VERSION=1.20.2
DEB_K8S_VERSION="1.20.5+really1.20.2"
SECANTUS_VERSION=0.7.0b3
CACHE="${JOBTRACE_TESTENV_CACHE:-$HOME/.cache/jobtrace-testenv}"
W="$CACHE/k8s-$K8S_VERSION"
V="$CACHE/secantusdb-$SECANTUS_VERSION"
START=$SECONDS

log() { printf 'provision: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$CACHE" || die "cannot create the cache folder $CACHE"
exec 9>"$CACHE/.lock"
flock 9

# apt-get against private lists and caches in $1 (sources in $1/src.list); runs as root
# without the `_apt` sandbox user (which cannot read the cache under root's home).
apt_private() {
  local dir=$1; shift
  apt-get -o "Dir::Etc::sourcelist=$dir/src.list" -o Dir::Etc::sourceparts=- \
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" \
    -o APT::Sandbox::User=root -qq "$@"
}

# Writes $1/src.list for the machine's own Debian mirror and runs `apt-get update` once.
apt_setup() {
  local dir=$1 mirror keyring=""
  [ -f "$dir/lists/.updated" ] && return 0
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 | awk '{print $1}')
  [ -n "$mirror" ] || mirror=$(grep -hoE '^deb (\[[^]]*\] )?https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 | awk '{print $NF}')
  [ -n "$mirror" ] || die "cannot find the machine's Debian mirror in /etc/apt/sources.list*"
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
  printf 'deb-src %s%s bookworm main\ndeb %s%s bookworm main\n' "$keyring" "$mirror" "$keyring" "$mirror" >"$dir/src.list"
  apt_private "$dir" update >&2 || die "apt-get update against $mirror failed"
  touch "$dir/lists/.updated"
}

# --- kube-apiserver and etcd -------------------------------------------------------------
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  apiserver="$KUBEBUILDER_ASSETS/kube-apiserver"
  etcd="$KUBEBUILDER_ASSETS/etcd"
  [ -x "$apiserver" ] && [ -x "$etcd" ] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks an executable kube-apiserver or etcd"
  log "using KUBEBUILDER_ASSETS ($KUBEBUILDER_ASSETS); nothing to build"
else
  # The cache keeps only $W/bin and the stamp; sources, Go and the build tree (about
  # 2.5 GB) are deleted once the binaries are in place.
  apiserver="$W/bin/kube-apiserver"
  etcd="$W/bin/etcd"
  stamp="kube-apiserver $K8S_VERSION ($DEB_K8S_VERSION)"
  works() { "$apiserver" --version >/dev/null 2>&1 && "$etcd" --version >/dev/null 2>&1; }
  if [ ! -f "$W/.complete" ] || ! works; then
    rm -f "$W/.complete"
    built="$W/kubernetes-$K8S_VERSION/_output/bin/kube-apiserver"
    if [ -x "$built" ] && [ -x "$W/root/usr/bin/etcd" ] && "$built" --version >/dev/null 2>&1; then
      log "adopting the kube-apiserver built earlier in $W"
    else
      log "building kube-apiserver $K8S_VERSION into $W (first run on this machine: about 4-5 min on 2 cores)"
      mkdir -p "$W/root"
      cd "$W"
      apt_setup "$W"
      if [ ! -d "kubernetes-$K8S_VERSION" ]; then
        log "downloading Debian's kubernetes $DEB_K8S_VERSION source package"
        [ -f "kubernetes_${DEB_K8S_VERSION}.orig.tar.gz" ] || apt_private "$W" source --download-only kubernetes >&2 \
          || die "apt-get source kubernetes failed"
        rm -rf src.tmp && mkdir src.tmp
        tar xzf "kubernetes_${DEB_K8S_VERSION}.orig.tar.gz" -C src.tmp || die "cannot unpack the kubernetes sources"
        mv "src.tmp/kubernetes-$K8S_VERSION" . && rm -rf src.tmp
      fi
      if [ ! -f root/.unpacked ]; then
        pkgs=(golang-1.19-go golang-1.19-src etcd-server rsync libpopt0)
        command -v make >/dev/null || pkgs+=(make)
        log "downloading and unpacking (not installing) ${pkgs[*]}"
        mkdir -p debs && (cd debs && apt_private "$W" download "${pkgs[@]}" >&2) || die "apt-get download ${pkgs[*]} failed"
        for d in debs/*.deb; do dpkg -x "$d" root || die "dpkg -x $d failed"; done
        touch root/.unpacked
      fi
      export GOROOT=$W/root/usr/lib/go-1.19 PATH=$W/root/usr/lib/go-1.19/bin:$W/root/usr/bin:$PATH
      export GO111MODULE=off GOPROXY=off CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=
      export KUBE_GIT_VERSION=v$K8S_VERSION KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
      # the unpacked rsync needs the unpacked libpopt
      export LD_LIBRARY_PATH="$W/root/usr/lib/x86_64-linux-gnu:$W/root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      rm -rf "kubernetes-$K8S_VERSION/_output"
      log "compiling kube-apiserver (go build; progress below)"
      (cd "kubernetes-$K8S_VERSION" && make WHAT=cmd/kube-apiserver >&2) || die "make WHAT=cmd/kube-apiserver failed"
      [ -x "$built" ] || die "the kube-apiserver build produced no binary"
      fresh=1
    fi
    mkdir -p "$W/bin"
    cp -L "$built" "$apiserver.tmp" && mv "$apiserver.tmp" "$apiserver"
    cp -L "$W/root/usr/bin/etcd" "$etcd.tmp" && mv "$etcd.tmp" "$etcd"
    works || die "the cached kube-apiserver or etcd in $W/bin does not run"
    echo "$stamp, $("$etcd" --version | head -1)" >"$W/.complete"
    if [ -n "${fresh:-}" ]; then
      log "built $apiserver; removing the build tree"
      rm -rf "$W/kubernetes-$K8S_VERSION" "$W/root" "$W/debs" "$W/lists" "$W/cache" "$W"/kubernetes_*
    fi
  fi
fi

# --- SecantusDB ---------------------------------------------------------------------------
secantusd="$V/bin/secantusd-py"
if [ ! -f "$V/.complete" ] || [ ! -x "$secantusd" ]; then
  log "installing SecantusDB $SECANTUS_VERSION into $V"
  rm -rf "$V"
  if python3 -c 'import ensurepip' 2>/dev/null; then
    python3 -m venv "$V" || die "python3 -m venv failed"
    pip=("$V/bin/python" -m pip)
  else
    # Debian's python3 without python3-venv: bootstrap pip from Debian's pip wheel.
    P="$CACHE/pip-whl"
    mkdir -p "$P"
    apt_setup "$P"
    (cd "$P" && apt_private "$P" download python3-pip-whl python3-setuptools-whl >&2) || die "apt-get download python3-pip-whl failed"
    for d in "$P"/*.deb; do dpkg -x "$d" "$P/root"; done
    python3 -m venv --without-pip "$V" || die "python3 -m venv --without-pip failed"
    whl=$(ls "$P"/root/usr/share/python-wheels/pip-*.whl | head -1)
    pip=("$V/bin/python" "$whl/pip")
  fi
  "${pip[@]}" install -q --disable-pip-version-check "SecantusDB==$SECANTUS_VERSION" >&2 \
    || die "pip install SecantusDB==$SECANTUS_VERSION failed"
  [ -x "$secantusd" ] || die "SecantusDB installed no secantusd-py"
  echo "SecantusDB $SECANTUS_VERSION" >"$V/.complete"
fi

log "ready in $((SECONDS - START)) s (cache $CACHE)"
echo "KUBE_APISERVER=$apiserver"
echo "ETCD=$etcd"
echo "SECANTUSD=$secantusd"
