//! The backend check end to end: the built plugin asks `GET /metadata/<id>` through an
//! in-process port-forward (or the service proxy, or `--backend-url`) and reports what it
//! got. Every case runs on the sandbox (the in-process fake apiserver, here in this test
//! process); the cases a real cluster can serve also run on the real tier (kube-apiserver
//! 1.20 + the kubelet stand-in), whose `discovery.k8s.io/v1` 404 exercises the Endpoints
//! fallback. Cases build their scenario from `scenarios/backend-19-7.yaml` (or the
//! incident's) by changing the backend's script, its endpoints or what is forbidden.

mod support;

use std::process::{ExitCode, Output};
use std::time::{Duration, Instant};

use jobtrace::sandbox::scenario::{BackendScript, PortAnswer, Scenario};
use libtest_mimic::Failed;
use serde_json::{json, Value};
use support::suite::{ensure, PureCase};
use support::{show, Backends, Ctx, Tier};

type Case = fn(Tier) -> Result<(), Failed>;

fn main() -> ExitCode {
    // Cases a real cluster can serve run on every tier; the rest on the sandbox only.
    let tiered: &[(&str, Case)] = &[
        ("incident::invalid_job_id", incident_invalid_job_id),
        ("incident::table_has_the_backend_section", incident_table_has_the_backend_section),
        ("healthy::exit_0_named_target_port", healthy_exit_0_named_target_port),
        ("wait::turns_healthy_after_3s", wait_turns_healthy_after_3s),
        ("wait::never_healthy_folds_attempts", wait_never_healthy_folds_attempts),
        ("wait::progress_line_on_a_terminal_only", wait_progress_line_on_a_terminal_only),
        ("errors::server_error_500", server_error_500),
        ("errors::html_502_is_not_json", html_502_is_not_json),
        ("errors::ten_megabytes_are_capped", ten_megabytes_are_capped),
        ("errors::slow_backend_bounded_by_timeout", slow_backend_bounded_by_timeout),
        ("unreachable::no_listener_is_connection_refused", no_listener_is_connection_refused),
        ("unreachable::no_ready_endpoints", no_ready_endpoints),
        ("unreachable::hang_up_re_resolves_under_wait", hang_up_re_resolves_under_wait),
        ("id::dots_stay_one_path_segment", dots_stay_one_path_segment),
        ("paths::no_backend_skips_it", no_backend_skips_it),
        ("paths::backend_not_found_names_the_flag", backend_not_found_names_the_flag),
    ];
    // The service proxy needs a pod IP the apiserver can dial, and a user without
    // pods/portforward: the sandbox has both, the real tier neither.
    let sandbox_only: &[(&str, PureCase)] = &[
        ("sandbox::paths::backend_url_skips_the_forward", || backend_url_skips_the_forward(Tier::Sandbox)),
        ("sandbox::paths::forbidden_port_forward_uses_the_service_proxy", || {
            forbidden_port_forward_uses_service_proxy(Tier::Sandbox)
        }),
    ];
    support::suite::run(sandbox_only, tiered)
}

/// `<id> -n panda -o json` plus `extra`, parsed.
fn trace(ctx: &Ctx, id: &str, extra: &[&str]) -> Result<(Output, Value), Failed> {
    let ns = ctx.ns("panda");
    let mut args = vec![id, "-n", &ns, "-o", "json"];
    args.extend_from_slice(extra);
    let o = ctx.run(&args);
    let v: Value = serde_json::from_slice(&o.stdout).map_err(|e| format!("stdout is not JSON ({e}):\n{}", show(&o)))?;
    Ok((o, v))
}

fn setup(tier: Tier, scenario: &Scenario) -> Ctx {
    tier.setup(scenario, Backends::None)
}

// --- scenarios -------------------------------------------------------------------------------

fn builtin(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap_or_else(|| panic!("built-in scenario {name}"))
}

/// The base scenario with the backend's script replaced by `routes` (scenario YAML).
fn with_routes(routes: Value) -> Scenario {
    let mut s = builtin("backend-19-7");
    let script: BackendScript = serde_json::from_value(json!({ "routes": routes })).expect("routes parse");
    s.ports[0].answer = PortAnswer::Backend(script);
    s
}

fn object_mut<'a>(s: &'a mut Scenario, kind: &str, name: &str) -> &'a mut Value {
    s.objects
        .iter_mut()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind} {name} in the scenario"))
}

// --- helpers ---------------------------------------------------------------------------------

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn finding_ids(v: &Value) -> Vec<String> {
    v["findings"].as_array().into_iter().flatten().filter_map(|f| f["id"].as_str().map(String::from)).collect()
}

fn finding<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    v["findings"].as_array()?.iter().find(|f| f["id"] == id)
}

fn attempts(v: &Value) -> Vec<Value> {
    v["backend"]["attempts"].as_array().cloned().unwrap_or_default()
}

fn has(o: &Output, v: &Value, id: &str) -> Result<(), Failed> {
    ensure(finding_ids(v).contains(&id.to_string()), || format!("expected finding {id}\n{}", show(o)))
}

// --- cases -----------------------------------------------------------------------------------

fn incident_invalid_job_id(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("incident-19-7"));
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    let b = &v["backend"];
    ensure(b["lastStatus"] == 404 && b["body"]["error"] == "Invalid job_id" && b["bodyIsJson"] == true, || show(&o))?;
    ensure(b["pathUsed"] == "port-forward" && b["service"] == "backend", || show(&o))?;
    ensure(b["pod"] == "backend-7c9d8f6b5-x2x9q" && b["port"] == 8080 && b["servicePort"] == 80, || show(&o))?;
    // both tiers answer 404 for discovery.k8s.io/v1 (as 1.20 does): core/v1 Endpoints were read
    ensure(b["endpointsFrom"] == "endpoints", || show(&o))?;
    ensure(b["request"] == "GET /metadata/19-7" && b["contentType"] == "application/json", || show(&o))?;
    ensure(b["latencyMs"].is_u64(), || show(&o))?;
    let f = finding(&v, "backend-invalid-job-id").ok_or_else(|| show(&o))?;
    ensure(f["title"].as_str().unwrap_or_default().contains("does not know 19-7"), || show(&o))?;
    let steps: Vec<&str> = f["nextSteps"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let ns = ctx.ns("panda");
    ensure(steps.contains(&format!("kubectl -n {ns} port-forward svc/backend 8080:80").as_str()), || show(&o))?;
    ensure(steps.contains(&"curl -s localhost:8080/metadata/19-7"), || show(&o))?;
    let backend_source = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "backend").cloned();
    ensure(backend_source.is_some_and(|s| s["status"] == "collected"), || show(&o))?;
    ensure(v["timeline"].as_array().unwrap().iter().any(|e| e["source"] == "backend"), || show(&o))
}

fn incident_table_has_the_backend_section(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("incident-19-7"));
    let ns = ctx.ns("panda");
    let o = ctx.run(&["19-7", "-n", &ns]);
    let out = String::from_utf8_lossy(&o.stdout);
    ensure(code(&o) == Some(1), || show(&o))?;
    for needle in [
        "BACKEND",
        "GET /metadata/19-7  via port-forward  svc/backend:80 -> pod/backend-7c9d8f6b5-x2x9q:8080",
        "last answer: 404 application/json",
        r#"body: {"error":"Invalid job_id"}"#,
        "0.000s GET /metadata/19-7 -> 404 Invalid job_id",
        "[backend-invalid-job-id]",
    ] {
        ensure(out.contains(needle), || format!("table lacks {needle:?}\n{}", show(&o)))?;
    }
    let backend_at = out.find("\nBACKEND").unwrap_or(0);
    ensure(out.find("\nSOURCES").is_none_or(|s| s > backend_at), || show(&o))
}

fn healthy_exit_0_named_target_port(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("backend-19-7"));
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(0), || format!("expected exit 0\n{}", show(&o)))?;
    let b = &v["backend"];
    ensure(b["healthy"] == true && b["lastStatus"] == 200 && b["body"]["job_id"] == "19-7", || show(&o))?;
    // The Service's targetPort is the name `http`: resolved through the pod to 8080.
    ensure(b["port"] == 8080 && b["servicePort"] == 80, || show(&o))?;
    ensure(!finding_ids(&v).iter().any(|id| id.starts_with("backend")), || show(&o))
}

fn wait_turns_healthy_after_3s(tier: Tier) -> Result<(), Failed> {
    let scenario = with_routes(json!([{
        "path": "/metadata/19-7", "status": 404, "body": {"error": "Invalid job_id"},
        "healthyAfterMs": 3000,
        "healthy": {"path": "/metadata/19-7", "status": 200, "body": {"job_id": "19-7", "consumer": "consumer-19-7"}}
    }]));
    let ctx = setup(tier, &scenario);
    let started = Instant::now();
    let (o, v) = trace(&ctx, "19-7", &["--wait", "10s", "--interval", "500ms"])?;
    let took = started.elapsed();
    ensure(code(&o) == Some(0), || format!("expected exit 0 once healthy\n{}", show(&o)))?;
    ensure(took < Duration::from_secs(9), || format!("took {took:?}: it should stop at the first 200\n{}", show(&o)))?;
    let a = attempts(&v);
    ensure(a.len() == 2, || format!("expected 404s folded then one 200\n{}", show(&o)))?;
    ensure(a[0]["status"] == 404 && a[0]["count"].as_u64().unwrap_or(0) >= 2, || show(&o))?;
    ensure(a[1]["status"] == 200 && a[1]["count"] == 1, || show(&o))?;
    ensure(a[1]["atMs"].as_u64().unwrap_or(0) >= 1000, || show(&o))?;
    let texts: Vec<String> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "backend")
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect();
    ensure(texts.len() == 2 && texts[0].contains("404 Invalid job_id (x") && texts[1].ends_with("-> 200"), || {
        format!("timeline {texts:?}\n{}", show(&o))
    })
}

fn wait_never_healthy_folds_attempts(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("incident-19-7"));
    let started = Instant::now();
    let (o, v) = trace(&ctx, "19-7", &["--wait", "2s", "--interval", "400ms"])?;
    let took = started.elapsed();
    ensure(code(&o) == Some(1), || show(&o))?;
    ensure(took >= Duration::from_millis(1500) && took < Duration::from_secs(8), || format!("took {took:?}"))?;
    let a = attempts(&v);
    ensure(a.len() == 1 && a[0]["count"].as_u64().unwrap_or(0) >= 3, || {
        format!("expected one folded entry\n{}", show(&o))
    })?;
    ensure(a[0]["outcome"] == "404 Invalid job_id" && a[0]["untilMs"].as_u64().unwrap_or(0) >= 1000, || show(&o))?;
    ensure(v["backend"]["waitMs"] == 2000, || show(&o))?;
    let f = finding(&v, "backend-invalid-job-id").ok_or_else(|| show(&o))?;
    ensure(f["evidence"][0].as_str().unwrap_or_default().starts_with('x'), || show(&o))?;
    ensure(f["detail"].as_str().unwrap_or_default().contains("on all"), || show(&o))?;
    // piped, as here: no live progress line on stderr
    ensure(!String::from_utf8_lossy(&o.stderr).contains("waiting for the backend"), || show(&o))
}

/// Under `script` stderr is a terminal: the live progress line appears there.
fn wait_progress_line_on_a_terminal_only(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("incident-19-7"));
    let line = format!("{} 19-7 -n {} --wait 2s --interval 400ms", support::tier::BIN, ctx.ns("panda"));
    let mut cmd = ctx.command("/usr/bin/script", support::User::Reader);
    cmd.args(["-qec", &line, "/dev/null"]);
    let o = support::tier::output(cmd);
    let terminal = String::from_utf8_lossy(&o.stdout);
    ensure(terminal.contains("waiting for the backend: GET /metadata/19-7 -> 404 Invalid job_id (attempt"), || {
        show(&o)
    })?;
    ensure(o.status.code() == Some(1), || show(&o))
}

fn server_error_500(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &with_routes(json!([{"path": "/metadata/19-7", "status": 500, "body": {"error": "boom"}}])));
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-error")?;
    ensure(v["backend"]["lastStatus"] == 500, || show(&o))?;
    ensure(!finding_ids(&v).contains(&"backend-invalid-job-id".to_string()), || show(&o))
}

fn html_502_is_not_json(tier: Tier) -> Result<(), Failed> {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    let ctx = setup(
        tier,
        &with_routes(json!([{"path": "/metadata/19-7", "status": 502, "rawBody": html, "contentType": "text/html"}])),
    );
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-error")?;
    let b = &v["backend"];
    ensure(b["bodyIsJson"] == false && b["body"].as_str().unwrap_or_default().contains("Bad Gateway"), || show(&o))?;
    ensure(b["contentType"].as_str().unwrap_or_default().starts_with("text/html"), || show(&o))?;
    ensure(attempts(&v)[0]["outcome"].as_str().unwrap_or_default().starts_with("502 non-JSON text/html"), || show(&o))
}

fn ten_megabytes_are_capped(tier: Tier) -> Result<(), Failed> {
    let kib = "x".repeat(1024);
    let ctx = setup(
        tier,
        &with_routes(json!([
            {"path": "/metadata/19-7", "status": 200, "rawBody": kib, "repeat": 10240, "contentType": "text/plain"},
            {"path": "/metadata/20-1", "status": 200, "rawBody": kib, "contentType": "text/plain"}
        ])),
    );
    let started = Instant::now();
    let ns = ctx.ns("panda");
    let (o, big_rss) = run_measured(&ctx, &["19-7", "-n", &ns, "-o", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).map_err(|e| format!("{e}\n{}", show(&o)))?;
    // The same run with a 1 KiB body: reading 10 MB must cost about the 1 MiB cap, not 10 MB.
    let (small, small_rss) = run_measured(&ctx, &["20-1", "-n", &ns, "-o", "json"]);
    ensure(small.status.code().is_some(), || show(&small))?;
    eprintln!("10 MB body: max RSS {big_rss} KiB; 1 KiB body: {small_rss} KiB");
    ensure(big_rss < small_rss + 6 * 1024, || format!("max RSS {big_rss} KiB vs {small_rss} KiB for a small body"))?;
    let b = &v["backend"];
    ensure(b["bodyTruncated"] == true && b["bodyBytes"] == 1024 * 1024, || format!("{b}\n{}", show(&o)))?;
    ensure(b["body"].as_str().map(str::len) == Some(1024), || "the report keeps an excerpt only".to_string())?;
    ensure(o.stdout.len() < 64 * 1024, || format!("report of {} bytes", o.stdout.len()))?;
    ensure(started.elapsed() < Duration::from_secs(20), || format!("took {:?}", started.elapsed()))?;
    has(&o, &v, "backend-error")
}

/// Runs the plugin like `ctx.run` and returns its peak resident memory (KiB), from `wait4`
/// (which reaps the child: clippy cannot see that).
#[allow(clippy::zombie_processes)]
fn run_measured(ctx: &Ctx, args: &[&str]) -> (Output, i64) {
    use std::os::unix::process::ExitStatusExt;
    let mut cmd = ctx.command(support::tier::BIN, support::User::Reader);
    cmd.args(args);
    let (child, out, err) = support::tier::spawn_reading(&mut cmd).expect("run the plugin");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child spawned above, which nothing else waits for.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    (output, usage.ru_maxrss)
}

fn slow_backend_bounded_by_timeout(tier: Tier) -> Result<(), Failed> {
    let ctx =
        setup(tier, &with_routes(json!([{"path": "/metadata/19-7", "status": 200, "body": {}, "delayMs": 30000}])));
    let started = Instant::now();
    let (o, v) = trace(&ctx, "19-7", &["--timeout", "3s"])?;
    let took = started.elapsed();
    ensure(took < Duration::from_secs(7), || format!("took {took:?} with --timeout 3s\n{}", show(&o)))?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-unreachable")?;
    let p = &v["backend"]["problem"];
    ensure(p["kind"] == "unreachable" && p["timedOut"] == true, || show(&o))
}

fn no_listener_is_connection_refused(tier: Tier) -> Result<(), Failed> {
    let mut s = builtin("backend-19-7");
    s.ports[0].answer = PortAnswer::Refused {};
    let ctx = setup(tier, &s);
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-unreachable")?;
    let p = &v["backend"]["problem"];
    let refused = |s: &Value| s.as_str().unwrap_or_default().to_ascii_lowercase().contains("connection refused");
    ensure(p["refused"] == true && refused(&p["detail"]), || show(&o))?;
    let f = finding(&v, "backend-unreachable").unwrap();
    ensure(refused(&f["evidence"][0]) && f["title"].as_str().unwrap_or_default().contains("refuses"), || show(&o))
}

fn no_ready_endpoints(tier: Tier) -> Result<(), Failed> {
    let mut s = builtin("backend-19-7");
    let ep = object_mut(&mut s, "Endpoints", "backend");
    let addresses = ep["subsets"][0]["addresses"].take();
    ep["subsets"][0]["notReadyAddresses"] = addresses;
    ep["subsets"][0].as_object_mut().unwrap().remove("addresses");
    let pod = object_mut(&mut s, "Pod", "backend-7c9d8f6b5-x2x9q");
    pod["status"]["conditions"][0]["status"] = json!("False");
    let ctx = setup(tier, &s);
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-no-ready-endpoints")?;
    let p = &v["backend"]["problem"];
    ensure(p["kind"] == "noReadyEndpoints" && p["notReady"][0] == "backend-7c9d8f6b5-x2x9q", || show(&o))
}

fn dots_stay_one_path_segment(tier: Tier) -> Result<(), Failed> {
    let ctx =
        setup(tier, &with_routes(json!([{"path": "/metadata/19.7.1", "status": 200, "body": {"job_id": "19.7.1"}}])));
    let (o, v) = trace(&ctx, "19.7.1", &[])?;
    let b = &v["backend"];
    ensure(b["request"] == "GET /metadata/19.7.1" && b["lastStatus"] == 200, || show(&o))?;
    ensure(b["body"]["job_id"] == "19.7.1", || show(&o))
}

fn backend_url_skips_the_forward(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("backend-19-7"));
    let rt = support::kubelet::runtime();
    let script: BackendScript = serde_json::from_value(json!({"routes": [
        {"path": "/api/metadata/19-7", "status": 404, "body": {"error": "Invalid job_id"}}
    ]}))?;
    let (addr, task) = rt
        .block_on(jobtrace::sandbox::backend_standin::listen(script, "127.0.0.1:0".parse().unwrap()))
        .map_err(|e| e.to_string())?;
    let url = format!("http://{addr}/api");
    let (o, v) = trace(&ctx, "19-7", &["--backend-url", &url])?;
    task.abort();
    let b = &v["backend"];
    ensure(b["pathUsed"] == "url" && b["url"] == format!("http://{addr}/api"), || show(&o))?;
    ensure(b["request"] == "GET /metadata/19-7" && b["lastStatus"] == 404, || show(&o))?;
    ensure(b["pod"].is_null() && b["port"] == addr.port(), || show(&o))?;
    has(&o, &v, "backend-invalid-job-id")?;
    let f = finding(&v, "backend-invalid-job-id").unwrap();
    ensure(f["nextSteps"][0] == format!("curl -s http://{addr}/api/metadata/19-7"), || show(&o))
}

fn forbidden_port_forward_uses_service_proxy(tier: Tier) -> Result<(), Failed> {
    let mut s = builtin("incident-19-7");
    s.forbidden = vec!["pods/portforward".into()];
    let ctx = setup(tier, &s);
    let (o, v) = trace(&ctx, "19-7", &[])?;
    let b = &v["backend"];
    ensure(b["pathUsed"] == "service-proxy" && b["port"] == 80, || show(&o))?;
    ensure(b["fallback"].as_str().unwrap_or_default().contains("forbidden"), || show(&o))?;
    ensure(b["lastStatus"] == 404 && b["body"]["error"] == "Invalid job_id", || show(&o))?;
    has(&o, &v, "backend-invalid-job-id")?;
    let proxied = ctx.requests().iter().any(|r| r.path_and_query.contains("/services/backend:80/proxy/metadata/19-7"));
    ensure(proxied, || format!("no service proxy request in {:#?}", ctx.requests()))
}

fn no_backend_skips_it(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("incident-19-7"));
    let (o, v) = trace(&ctx, "19-7", &["--no-backend"])?;
    ensure(v.get("backend").is_none(), || show(&o))?;
    let s = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "backend").cloned().unwrap_or_default();
    ensure(s["status"] == "skipped", || show(&o))?;
    if tier == Tier::Sandbox {
        // (MongoDB is still asked through its own forward)
        let to_backend = |p: &str| p.contains("/pods/backend-") && p.contains("/portforward");
        ensure(!ctx.requests().iter().any(|r| to_backend(&r.path_and_query)), || "port-forward sent".into())?;
    }
    Ok(())
}

fn backend_not_found_names_the_flag(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &builtin("backend-19-7"));
    let (o, v) = trace(&ctx, "19-7", &["--backend-service", "api:8080"])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    let f = finding(&v, "backend-not-found").ok_or_else(|| show(&o))?;
    ensure(f["severity"] == "error", || show(&o))?;
    ensure(f["nextSteps"].to_string().contains("--backend-service NAME[:PORT]"), || show(&o))?;
    // Detected, not named: a namespace without a backend is information only (exit 0).
    let mut s = builtin("backend-19-7");
    s.objects.retain(|o| o["metadata"]["name"] != "backend");
    let ctx = setup(tier, &s);
    let (o, v) = trace(&ctx, "19-7", &[])?;
    ensure(code(&o) == Some(0), || show(&o))?;
    ensure(finding(&v, "backend-not-found").is_some_and(|f| f["severity"] == "info"), || show(&o))
}

fn hang_up_re_resolves_under_wait(tier: Tier) -> Result<(), Failed> {
    let ctx = setup(tier, &with_routes(json!([{"path": "/metadata/19-7", "status": 200, "hangUp": true}])));
    let (o, v) = trace(&ctx, "19-7", &["--wait", "1500ms", "--interval", "500ms"])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-unreachable")?;
    let a = attempts(&v);
    ensure(a.iter().map(|a| a["count"].as_u64().unwrap_or(0)).sum::<u64>() >= 2, || show(&o))?;
    ensure(a.iter().all(|a| a["status"].is_null()), || show(&o))?;
    if tier == Tier::Sandbox {
        // a broken forward makes the next attempt resolve the Service and its pod again
        let endpoint_reads = ctx.requests().iter().filter(|r| r.path_and_query.contains("/endpoints/backend")).count();
        ensure(endpoint_reads >= 2, || format!("endpoints read {endpoint_reads} times"))?;
    }
    Ok(())
}
