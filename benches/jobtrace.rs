//! Benchmarks of a trace on the real tier (kube-apiserver v1.20.2 + etcd, the kubelet
//! stand-in, SecantusDB), run on demand by `benches/run.sh`, never by the test suite:
//!
//! - `a` critical-path ratio: a latency proxy in front of the apiserver delays every
//!   flight the client sends by L; the trace's wall time over (critical-path flights x L);
//! - `b` the manual workflow (kubectl get/logs/grep, a Mongo query) against one trace,
//!   same scenario, same run;
//! - `c` scale: a namespace of N pods (20,000 by default), the trace against one raw
//!   `kubectl get pods -o json`, and the trace's peak RSS.
//!
//! It runs only when given `--bench` (as `cargo bench` does); under `cargo test` it
//! says so and exits. The binary measured is `JOBTRACE_BENCH_BIN` (the release build,
//! set by `benches/run.sh`). Figures are medians of `JOBTRACE_BENCH_RUNS` runs.

#[path = "../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use jobtrace::sandbox::scenario::Scenario;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::api::{Api, PostParams};
use support::kubelet::runtime;
use support::{Backends, Cluster, Ctx, Tier, User};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Client flights on the incident trace's critical path on the real tier: the MongoDB
/// chain, counted in BENCHMARKS.md ("How the critical path was counted").
const CRITICAL_PATH_FLIGHTS: u32 = 14;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("benchmarks run on demand: benches/run.sh (cargo bench --bench jobtrace)");
        return ExitCode::SUCCESS;
    }
    let which: Vec<&str> = args.iter().map(String::as_str).filter(|a| ["a", "b", "c"].contains(a)).collect();
    let wants = |p: &str| which.is_empty() || which.contains(&p);
    let bin = PathBuf::from(std::env::var("JOBTRACE_BENCH_BIN").unwrap_or_else(|_| support::tier::BIN.to_string()));
    let runs: usize = env_or("JOBTRACE_BENCH_RUNS", 5);
    println!("binary: {} ({} runs per figure)", bin.display(), runs);

    let cluster = Cluster::shared();
    println!("real tier started in {:.1} s", cluster.started_in.as_secs_f64());
    let incident = Scenario::builtin("incident-19-7").expect("incident scenario");
    let ctx = Tier::Real.setup(&incident, Backends::All);
    // One warm-up trace: the apiserver's first answers for a new namespace are slower.
    let _ = run_trace(&ctx, &bin, &ctx.kubeconfig(User::Reader), &[]);

    if wants("a") {
        critical_path(&ctx, &bin, runs);
    }
    if wants("b") {
        manual(&ctx, &bin, runs);
    }
    if wants("c") {
        scale(&ctx, &bin, runs.min(3));
    }
    ExitCode::SUCCESS
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `cmd`, returning its wall time; panics with its output when it did not run.
fn timed(mut cmd: Command) -> (Duration, Output) {
    let what = format!("{cmd:?}");
    let start = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    (start.elapsed(), out)
}

/// One trace of 19-7 as the reader with `kubeconfig`; exit 1 (findings) is expected.
fn run_trace(ctx: &Ctx, bin: &Path, kubeconfig: &Path, extra: &[&str]) -> (Duration, Output) {
    let mut cmd = ctx.command(bin.to_str().expect("utf-8 path"), User::Reader);
    cmd.env("KUBECONFIG", kubeconfig).args(["19-7", "-o", "json"]).args(extra);
    let (took, out) = timed(cmd);
    assert!(matches!(out.status.code(), Some(0 | 1)), "trace failed:\n{}", support::show(&out));
    (took, out)
}

// --- a: critical-path ratio ------------------------------------------------------------

/// A TCP proxy that holds every chunk the client sends for `delay` before passing it on
/// (answers pass at once), so each client flight costs `delay`: TLS passes through as
/// bytes. Returns its address and the count of chunks delayed.
fn latency_proxy(upstream: SocketAddr, delay: Duration) -> (SocketAddr, Arc<AtomicU64>) {
    let flights = Arc::new(AtomicU64::new(0));
    let listener = runtime().block_on(TcpListener::bind("127.0.0.1:0")).expect("proxy listener");
    let addr = listener.local_addr().expect("proxy address");
    let counter = flights.clone();
    runtime().spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else { return };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = cr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        counter.fetch_add(1, Ordering::Relaxed);
                        // Each chunk leaves `delay` after it arrived: a flight is delayed
                        // once, however many chunks it spans.
                        if tx.send((tokio::time::Instant::now() + delay, buf[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some((at, data)) = rx.recv().await {
                        tokio::time::sleep_until(at).await;
                        if sw.write_all(&data).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                });
                let _ = tokio::io::copy(&mut sr, &mut cw).await;
            });
        }
    });
    (addr, flights)
}

/// The reader's kubeconfig with the server replaced by `addr` (same CA: the apiserver's
/// certificate names 127.0.0.1 whatever the port).
fn kubeconfig_via(ctx: &Ctx, addr: SocketAddr, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(ctx.kubeconfig(User::Reader)).expect("reader kubeconfig");
    let text = text.replace(&Cluster::shared().url, &format!("https://{addr}"));
    let path = ctx.home().join(name);
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

fn critical_path(ctx: &Ctx, bin: &Path, runs: usize) {
    let l = Duration::from_millis(env_or("JOBTRACE_BENCH_LATENCY_MS", 50));
    let upstream: SocketAddr = Cluster::shared().url.trim_start_matches("https://").parse().expect("apiserver address");
    let (fast, _) = latency_proxy(upstream, Duration::ZERO);
    let (slow, flights) = latency_proxy(upstream, l);
    let (slower, _) = latency_proxy(upstream, l * 2);
    let kc_fast = kubeconfig_via(ctx, fast, "kubeconfig-proxy-0");
    let kc_slow = kubeconfig_via(ctx, slow, "kubeconfig-proxy-l");
    let kc_slower = kubeconfig_via(ctx, slower, "kubeconfig-proxy-2l");
    let mut base = Vec::new();
    let mut delayed = Vec::new();
    let mut delayed2 = Vec::new();
    let mut flight_counts = Vec::new();
    let mut sources = String::new();
    for _ in 0..runs {
        base.push(run_trace(ctx, bin, &kc_fast, &[]).0);
        delayed2.push(run_trace(ctx, bin, &kc_slower, &[]).0);
        let before = flights.load(Ordering::Relaxed);
        let (took, out) = run_trace(ctx, bin, &kc_slow, &[]);
        flight_counts.push(flights.load(Ordering::Relaxed) - before);
        delayed.push(took);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let unavailable: Vec<&str> = report["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["status"] == "unavailable")
            .filter_map(|s| s["name"].as_str())
            .collect();
        assert!(unavailable.is_empty(), "sources unavailable behind the proxy: {unavailable:?}");
        sources = report["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| format!("{} {}ms", s["name"].as_str().unwrap_or("?"), s["durationMs"]))
            .collect::<Vec<_>>()
            .join(", ");
    }
    let (b, d, d2) = (median(base), median(delayed), median(delayed2));
    flight_counts.sort();
    let n = CRITICAL_PATH_FLIGHTS;
    let ideal = l * n;
    println!("\n== a. critical-path ratio (L = {}) ==", ms(l));
    println!("trace through the proxy, L = 0:      {}", ms(b));
    println!("trace through the proxy, L = {}:   {}", ms(l), ms(d));
    println!("client flights per trace (median):   {}", flight_counts[flight_counts.len() / 2]);
    println!("critical path:                       {n} flights x {} = {}", ms(l), ms(ideal));
    println!("trace through the proxy, 2L:         {}", ms(d2));
    println!(
        "critical-path flights, measured:     {:.1} (slope: (wall(2L) - wall(L)) / L)",
        d2.saturating_sub(d).as_secs_f64() / l.as_secs_f64()
    );
    println!("sources (last run):                  {sources}");
    println!("RATIO wall / (critical path x L):    {:.2} (goal <= 1.5)", d.as_secs_f64() / ideal.as_secs_f64());
}

// --- b: the manual workflow --------------------------------------------------------------

fn manual(ctx: &Ctx, bin: &Path, runs: usize) {
    let ns = ctx.ns("panda");
    let python = support::env::binaries().secantusd.with_file_name("python");
    // `kubectl port-forward` in the background, its port read from its first line, then
    // the client, then the forward stopped: what a person does in two terminals.
    let forward = |target: &str, port: u16, client: &str| {
        format!(
            "kubectl port-forward {target} :{port} > pf.out 2>&1 & pf=$!; i=0; \
             until grep -q Forwarding pf.out; do i=$((i+1)); [ $i -lt 1000 ] || exit 1; sleep 0.01; done; \
             PORT=$(sed -n 's/^Forwarding from 127.0.0.1:\\([0-9]*\\).*/\\1/p' pf.out | head -1); \
             {client}; status=$?; kill $pf; exit $status"
        )
    };
    let query = "import pymongo, os; c = pymongo.MongoClient('127.0.0.1', int(os.environ['PORT']), directConnection=True); \
                 print(c.panda.jobs.find_one({'job_id': '19-7'})); print(c.panda.consumers.find_one({'job_id': '19-7'}))";
    let steps: Vec<(&str, String)> = vec![
        ("kubectl get pods --show-labels", "kubectl get pods --show-labels".into()),
        ("kubectl get jobs", "kubectl get jobs".into()),
        ("kubectl get events", "kubectl get events --field-selector type=Warning".into()),
        ("kubectl logs grpc | grep", "kubectl logs grpc-job-19-7-8rlgb | grep -w 19-7".into()),
        ("kubectl logs cleanup | grep", "kubectl logs cleanup-job-19-7-2tj8z | grep -w 19-7".into()),
        ("kubectl logs backend | grep", "kubectl logs backend-7c9d8f6b5-x2x9q | grep -w 19-7".into()),
        (
            "port-forward backend + curl",
            forward("pod/backend-7c9d8f6b5-x2x9q", 8080, "curl -s http://127.0.0.1:$PORT/metadata/19-7"),
        ),
        (
            "port-forward mongo + pymongo find x2",
            forward("pod/mongo-0", 27017, &format!("PORT=$PORT {} -c \"{query}\"", python.display())),
        ),
    ];
    println!("\n== b. manual workflow vs one trace (namespace {ns}) ==");
    let mut manual_totals = Vec::new();
    let mut trace_times = Vec::new();
    let mut per_step: Vec<Vec<Duration>> = vec![Vec::new(); steps.len()];
    for _ in 0..runs {
        let start = Instant::now();
        for (i, (_, script)) in steps.iter().enumerate() {
            let mut cmd = ctx.command("/bin/sh", User::Reader);
            cmd.args(["-c", script]).stdout(Stdio::null());
            let (took, out) = timed(cmd);
            assert!(out.status.success() || i == 2, "{script:?}:\n{}", support::show(&out));
            per_step[i].push(took);
        }
        manual_totals.push(start.elapsed());
        trace_times.push(run_trace(ctx, bin, &ctx.kubeconfig(User::Reader), &[]).0);
    }
    for ((name, _), times) in steps.iter().zip(per_step) {
        println!("  {name:<40} {}", ms(median(times)));
    }
    let (m, t) = (median(manual_totals), median(trace_times));
    println!("manual steps, end to end:            {}", ms(m));
    println!("one kubectl-jobtrace:                {}", ms(t));
    println!("RATIO manual / trace:                {:.1}x (goal >= 10x)", m.as_secs_f64() / t.as_secs_f64());
}

// --- c: scale ----------------------------------------------------------------------------

/// `n` filler pods (one in ten labelled as some other Job's), three of job 19-7's (one
/// labelled, two matched by name only) and a Warning event for one filler pod in ten,
/// created concurrently as the admin.
async fn seed_big(ns: &str, n: usize) -> anyhow::Result<Duration> {
    let client = Cluster::shared().client(User::Admin).await?;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(&PostParams::default(), &serde_json::from_value(serde_json::json!({"metadata": {"name": ns}}))?)
        .await?;
    let pods: Api<Pod> = Api::namespaced(client, ns);
    let mut specs: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut labels = serde_json::json!({"app": "filler", "tier": "batch"});
            if i % 10 == 0 {
                labels["job-name"] = serde_json::json!(format!("nightly-{}", i / 10));
            }
            serde_json::json!({"metadata": {"name": format!("filler-{i:05}"), "labels": labels}})
        })
        .collect();
    specs.push(serde_json::json!({"metadata": {"name": "grpc-job-19-7-8rlgb", "labels": {"job_id": "19-7"}}}));
    specs.push(serde_json::json!({"metadata": {"name": "cleanup-job-19-7-2tj8z"}}));
    specs.push(serde_json::json!({"metadata": {"name": "report-job-19-7-q8w2e"}}));
    let start = Instant::now();
    let results: Vec<anyhow::Result<()>> = stream::iter(specs)
        .map(|mut p| {
            let pods = pods.clone();
            async move {
                p["spec"] = serde_json::json!({"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}]});
                pods.create(&PostParams::default(), &serde_json::from_value(p)?).await?;
                Ok(())
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let events: Api<Event> = Api::namespaced(Cluster::shared().client(User::Admin).await?, ns);
    let results: Vec<anyhow::Result<()>> = stream::iter((0..n).step_by(10))
        .map(|i| {
            let events = events.clone();
            async move {
                let e = serde_json::json!({
                    "metadata": {"name": format!("filler-{i:05}.warn")},
                    "involvedObject": {"kind": "Pod", "name": format!("filler-{i:05}"), "namespace": ns},
                    "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
                    "count": 3
                });
                events.create(&PostParams::default(), &serde_json::from_value(e)?).await?;
                Ok(())
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    Ok(start.elapsed())
}

/// Wall time and peak RSS (KiB) of `program args` as the reader, through /usr/bin/time.
fn time_rss(ctx: &Ctx, program: &str, args: &[&str]) -> (Duration, u64) {
    let report = ctx.home().join("time.out");
    let mut cmd = ctx.command("/usr/bin/time", User::Reader);
    cmd.arg("-o").arg(&report).args(["-f", "%M", program]).args(args).stdout(Stdio::null());
    let (took, out) = timed(cmd);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{program} {args:?}:\n{}", support::show(&out));
    let text = std::fs::read_to_string(&report).expect("time report");
    let kib = text.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    (took, kib)
}

fn scale(ctx: &Ctx, bin: &Path, runs: usize) {
    let n: usize = env_or("JOBTRACE_BENCH_PODS", 20_000);
    let ns = format!("bench-big-{}", std::process::id());
    let seeding = runtime().block_on(seed_big(&ns, n)).unwrap_or_else(|e| panic!("seeding {n} pods: {e:#}"));
    println!("\n== c. scale: {} pods and {} Warning events in namespace {ns} ==", n + 3, n.div_ceil(10));
    println!(
        "seeding (64 concurrent creates):     {:.1} s ({:.0} objects/s)",
        seeding.as_secs_f64(),
        (n + n.div_ceil(10)) as f64 / seeding.as_secs_f64()
    );
    let bin = bin.to_str().expect("utf-8 path");
    let mut raw = Vec::new();
    let mut raw_rss = Vec::new();
    let mut trace = Vec::new();
    let mut trace_rss = Vec::new();
    for _ in 0..runs {
        let (t, r) = time_rss(ctx, "/usr/bin/kubectl", &["get", "pods", "-n", &ns, "-o", "json"]);
        raw.push(t);
        raw_rss.push(r);
        let (t, r) = time_rss(ctx, bin, &["19-7", "-n", &ns, "-o", "json"]);
        trace.push(t);
        trace_rss.push(r);
    }
    raw_rss.sort();
    trace_rss.sort();
    let (r, t) = (median(raw), median(trace));
    println!("kubectl get pods -o json:            {} (peak RSS {} MiB)", ms(r), raw_rss[raw_rss.len() / 2] / 1024);
    println!("kubectl-jobtrace 19-7:               {}", ms(t));
    println!("RATIO trace / raw list:              {:.2} (goal < 2)", t.as_secs_f64() / r.as_secs_f64());
    println!(
        "PEAK RSS of the trace:               {:.1} MiB (goal < 150 MB)",
        trace_rss[trace_rss.len() / 2] as f64 / 1024.0
    );
}
