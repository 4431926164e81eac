#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md, on demand (never part of tests/run.sh):
#   benches/run.sh            all figures: a (critical path), b (manual workflow),
#                             c (20,000 pods), d (start-up and size)
#   benches/run.sh a c        only some
# On a fresh machine it provisions the real tier (tests/env/provision.sh: kube-apiserver
# built from Debian's source package, etcd, SecantusDB; cached), builds the release
# binary (the one measured) and runs benches/jobtrace.rs against it.
#
# Variables: JOBTRACE_BENCH_RUNS (5), JOBTRACE_BENCH_LATENCY_MS (50),
# JOBTRACE_BENCH_PODS (20000).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'bench: %s\n' "$*" >&2; }

parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(a b c d)
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB memory, load $(cut -d' ' -f1-3 /proc/loadavg)"

log "provisioning the real tier (cached after the first time)"
eval "$(bash tests/env/provision.sh | sed -n 's/^\(KUBE_APISERVER\|ETCD\|SECANTUSD\)=/export &/p')"

log "building the release binary (the one measured)"
cargo build --release --quiet --bin kubectl-jobtrace
BIN="$PWD/target/release/kubectl-jobtrace"

if want d; then
  echo
  echo "== d. start-up and size =="
  if ! command -v hyperfine >/dev/null; then
    apt-get install -y -qq hyperfine >/dev/null 2>&1 || log "hyperfine unavailable: timing a loop instead"
  fi
  if command -v hyperfine >/dev/null; then
    json=$(mktemp)
    hyperfine -N --warmup 5 --runs 200 --export-json "$json" "$BIN --version" >&2
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; \
print(f\"--version wall time: median {r['median']*1000:.1f} ms, mean {r['mean']*1000:.1f} ms \
+- {r['stddev']*1000:.1f} ms (goal < 20 ms; hyperfine, 200 runs)\")" "$json"
    rm -f "$json"
  else
    python3 - "$BIN" <<'EOF'
import subprocess, sys, time, statistics
t = []
for _ in range(200):
    s = time.perf_counter(); subprocess.run([sys.argv[1], "--version"], stdout=subprocess.DEVNULL); t.append(time.perf_counter() - s)
print(f"--version wall time: median {statistics.median(t)*1000:.1f} ms (goal < 20 ms; loop of 200)")
EOF
  fi
  size=$(stat -c %s "$BIN")
  python3 -c "import sys; b=int(sys.argv[1]); print(f'release binary: {b} bytes = {b/1e6:.1f} MB (goal < 15 MB)')" "$size"
fi

rest=()
for p in a b c; do want "$p" && rest+=("$p"); done
if [ ${#rest[@]} -gt 0 ]; then
  log "running benches/jobtrace.rs (${rest[*]})"
  # The harness (cluster, seeding, proxy) is built with the dev profile: it is not what is
  # measured, and the release profile's LTO would only make it slower to build.
  JOBTRACE_BENCH_BIN="$BIN" cargo bench --quiet --profile dev --bench jobtrace -- "${rest[@]}"
fi
