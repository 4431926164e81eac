#!/usr/bin/env bash
# Builds release archives of kubectl-jobtrace for Krew and renders the Krew manifest.
#
#   krew/package.sh [--profile NAME] [--out DIR] [--manifest PATH] [TARGET...]
#
# TARGET is a Rust target triple (default: the host's). For each target it builds the
# binary with the given cargo profile (default `release`: size-optimised, see Cargo.toml),
# and writes DIR/kubectl-jobtrace_v<version>_<os>_<arch>.tar.gz (DIR default `dist`)
# holding kubectl-jobtrace, the completion helper kubectl_complete-jobtrace and LICENSE,
# as regular files at the archive's root (Krew's untar handles nothing else). Archives are
# reproducible: sorted, owner 0, mtime of the last commit. It prints each archive's
# sha256, then renders the manifest (default krew/jobtrace.yaml) from .krew.yaml, the
# template krew-release-bot uses, the same way the bot does: `{{ .TagName }}` becomes
# v<version> and each `{{addURIAndSha "URL" .TagName }}` becomes `uri:` and `sha256:` of
# the local archive named like the URL. Platforms without a local archive are left out.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
profile=release
out="$repo/dist"
manifest="$repo/krew/jobtrace.yaml"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --manifest) manifest=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "package.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

# Variables cargo sets for a crate being built or tested (as when this runs from a test)
# are not ours: ring's build script reruns when CARGO_MANIFEST_DIR changes, which would
# rebuild half the dependency tree each time.
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(CARGO_(MANIFEST_|PKG_|CRATE_|BIN_|PRIMARY_|TARGET_TMPDIR)|OUT_DIR$)')

host=$(rustc -vV | sed -n 's/^host: //p')
[ ${#targets[@]} -gt 0 ] || targets=("$host")
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -1)
[ -n "$version" ] || { echo "package.sh: no version in Cargo.toml" >&2; exit 1; }
tag="v$version"
target_dir=${CARGO_TARGET_DIR:-$repo/target}
case "$profile" in dev|test) profile_dir=debug ;; bench) profile_dir=release ;; *) profile_dir=$profile ;; esac
# Best compression for what is published; fast for test builds (a debug binary is ~40 MB).
level=9; [ "$profile" = release ] || level=1
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Krew's os/arch (Go's GOOS/GOARCH) of a Rust target triple.
os_arch() {
  case "$1" in
    x86_64-unknown-linux-*) echo linux_amd64 ;;
    aarch64-unknown-linux-*) echo linux_arm64 ;;
    x86_64-apple-darwin) echo darwin_amd64 ;;
    aarch64-apple-darwin) echo darwin_arm64 ;;
    *) echo "package.sh: no Krew platform for target $1" >&2; return 1 ;;
  esac
}

for target in "${targets[@]}"; do
  platform=$(os_arch "$target")
  # The host's build goes to target/<profile>, shared with plain `cargo build`.
  target_args=() bin_dir="$target_dir/$profile_dir"
  if [ "$target" != "$host" ]; then
    target_args=(--target "$target") bin_dir="$target_dir/$target/$profile_dir"
  fi
  started=$(date +%s)
  (cd "$repo" && cargo build --locked --profile "$profile" --bin kubectl-jobtrace "${target_args[@]}")
  echo "package.sh: built $target ($profile) in $(( $(date +%s) - started ))s" >&2

  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  install -m 0755 "$bin_dir/kubectl-jobtrace" "$stage/kubectl-jobtrace"
  install -m 0755 "$repo/krew/kubectl_complete-jobtrace" "$stage/kubectl_complete-jobtrace"
  install -m 0644 "$repo/LICENSE" "$stage/LICENSE"
  archive="$out/kubectl-jobtrace_${tag}_${platform}.tar.gz"
  tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --format=ustar \
    -cf - kubectl-jobtrace kubectl_complete-jobtrace LICENSE | gzip -n "-$level" > "$archive"
  rm -rf "$stage"
  trap - EXIT
  (cd "$out" && sha256sum "$(basename "$archive")")
done

# Render the manifest as krew-release-bot would, from the local archives.
mkdir -p "$(dirname "$manifest")"
awk -v tag="$tag" -v out="$out" '
  function flush() {
    if (item != "" && !missing) printf "%s", item
    item = ""; missing = 0
  }
  BEGIN { print "# Rendered by krew/package.sh from .krew.yaml (edit that, not this) for " tag ";"
          print "# each sha256 is that of the archive built then." }
  {
    gsub(/\{\{ *\.TagName *\}\}/, tag)
    line = $0
    if (line ~ /^  platforms:/) { print line; in_platforms = 1; next }
    if (in_platforms && line ~ /^  - /) { flush(); item = line "\n"; next }
    if (in_platforms && line !~ /^    / && line !~ /^  - / && line != "") { flush(); in_platforms = 0 }
    if (!in_platforms) { print line; next }
    if (line ~ /\{\{ *addURIAndSha /) {
      indent = line; sub(/[^ ].*$/, "", indent)
      url = line; sub(/^[^"]*"/, "", url); sub(/".*$/, "", url)
      file = url; sub(/^.*\//, "", file); file = out "/" file
      if (system("test -f \"" file "\"") != 0) { missing = 1; next }
      cmd = "sha256sum \"" file "\""; cmd | getline sum; close(cmd); split(sum, parts, " ")
      item = item indent "uri: " url "\n" indent "sha256: " parts[1] "\n"
      next
    }
    item = item line "\n"
  }
  END { flush() }
' "$repo/.krew.yaml" > "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
echo "package.sh: wrote $manifest" >&2
