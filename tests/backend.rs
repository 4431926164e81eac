//! The backend check end to end: the built plugin asks `GET /metadata/<id>` through an
//! in-process port-forward (or the service proxy, or `--backend-url`) and reports what it
//! got. Every case runs on the sandbox (the in-process fake apiserver, here in this test
//! process); the cases a real cluster can serve also run on the real tier (kube-apiserver
//! 1.20 + the kubelet stand-in), whose `discovery.k8s.io/v1` 404 exercises the Endpoints
//! fallback. Cases build their scenario from `scenarios/backend-19-7.yaml` (or the
//! incident's) by changing the backend's script, its endpoints or what is forbidden.

#[allow(unused_imports)]
mod support;

use std::path::PathBuf;
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use jobtrace::sandbox::scenario::{BackendScript, PortAnswer, Scenario};
use jobtrace::sandbox::Sandbox;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{json, Value};
use support::suite::ensure;
use support::{show, Backends, Ctx, Tier};

/// Where a case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Sandbox,
    Real,
}

/// A scenario served somewhere, and how to run the plugin against it. One per case: size is no concern.
#[allow(clippy::large_enum_variant)]
enum Served {
    Sandbox { rt: tokio::runtime::Runtime, sandbox: Option<Sandbox>, dir: tempfile::TempDir, kubeconfig: PathBuf },
    Real(Ctx),
}

impl Served {
    fn setup(w: Where, scenario: &Scenario) -> Served {
        match w {
            Where::Real => Served::Real(Tier::Real.setup(scenario, Backends::None)),
            Where::Sandbox => {
                let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
                let sandbox = rt.block_on(Sandbox::start(scenario.clone())).expect("sandbox starts");
                let dir = tempfile::tempdir().unwrap();
                let kubeconfig = sandbox.write_kubeconfig(dir.path()).expect("sandbox kubeconfig");
                Served::Sandbox { rt, sandbox: Some(sandbox), dir, kubeconfig }
            }
        }
    }

    fn ns(&self, name: &str) -> String {
        match self {
            Served::Sandbox { .. } => name.to_string(),
            Served::Real(ctx) => ctx.ns(name),
        }
    }

    /// Runs the plugin hermetically (no KUBECONFIG, JOBTRACE_*, proxies of the caller).
    fn run(&self, args: &[&str]) -> Output {
        match self {
            Served::Real(ctx) => ctx.run(args),
            Served::Sandbox { dir, kubeconfig, .. } => {
                let mut cmd = Command::new(support::tier::BIN);
                cmd.env_clear()
                    .env("PATH", "/usr/bin:/bin")
                    .env("HOME", dir.path())
                    .env("KUBECONFIG", kubeconfig)
                    .current_dir(dir.path())
                    .args(args);
                support::tier::output(cmd)
            }
        }
    }

    /// `19-7 -n panda -o json` plus `extra`, parsed.
    fn trace(&self, id: &str, extra: &[&str]) -> Result<(Output, Value), Failed> {
        let ns = self.ns("panda");
        let mut args = vec![id, "-n", &ns, "-o", "json"];
        args.extend_from_slice(extra);
        let o = self.run(&args);
        let v: Value =
            serde_json::from_slice(&o.stdout).map_err(|e| format!("stdout is not JSON ({e}):\n{}", show(&o)))?;
        Ok((o, v))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Served::Sandbox { rt, sandbox, .. } = self {
            if let Some(s) = sandbox.take() {
                rt.block_on(s.shutdown());
            }
        }
    }
}

type Case = fn(Where) -> Result<(), Failed>;

fn main() -> ExitCode {
    // (name, case, also on the real tier)
    let cases: &[(&str, Case, bool)] = &[
        ("incident::invalid_job_id", incident_invalid_job_id, true),
        ("incident::table_has_the_backend_section", incident_table_has_the_backend_section, true),
        ("healthy::exit_0_named_target_port", healthy_exit_0_named_target_port, true),
        ("wait::turns_healthy_after_3s", wait_turns_healthy_after_3s, true),
        ("wait::never_healthy_folds_attempts", wait_never_healthy_folds_attempts, true),
        ("errors::server_error_500", server_error_500, true),
        ("errors::html_502_is_not_json", html_502_is_not_json, true),
        ("errors::ten_megabytes_are_capped", ten_megabytes_are_capped, true),
        ("errors::slow_backend_bounded_by_timeout", slow_backend_bounded_by_timeout, true),
        ("unreachable::no_listener_is_connection_refused", no_listener_is_connection_refused, true),
        ("unreachable::no_ready_endpoints", no_ready_endpoints, true),
        ("unreachable::hang_up_re_resolves_under_wait", hang_up_re_resolves_under_wait, true),
        ("id::dots_stay_one_path_segment", dots_stay_one_path_segment, true),
        ("paths::backend_url_skips_the_forward", backend_url_skips_the_forward, false),
        ("paths::forbidden_port_forward_uses_the_service_proxy", forbidden_port_forward_uses_service_proxy, false),
        ("paths::no_backend_skips_it", no_backend_skips_it, false),
        ("paths::backend_not_found_names_the_flag", backend_not_found_names_the_flag, false),
    ];
    let args = Arguments::from_args();
    let skip = support::env::skip_real_tier();
    let mut trials = Vec::new();
    for (name, f, _) in cases {
        let f = *f;
        trials.push(Trial::test(format!("sandbox::{name}"), move || f(Where::Sandbox)));
    }
    for (name, f, real) in cases {
        if *real {
            let f = *f;
            trials.push(Trial::test(format!("real::{name}"), move || f(Where::Real)).with_ignored_flag(skip.is_some()));
        }
    }
    if let Some(reason) = &skip {
        eprintln!("real tier skipped: {reason}");
    }
    let ran = libtest_mimic::run(&args, trials);
    let audit =
        vec![Trial::test("audit::read_only_users_never_mutated_the_cluster", support::suite::audit_after_all_cases)
            .with_ignored_flag(skip.is_some())];
    let audited = libtest_mimic::run(&args, audit);
    if let Some(c) = support::Cluster::started() {
        c.shutdown();
    }
    if ran.has_failed() || audited.has_failed() {
        ExitCode::from(101)
    } else {
        ExitCode::SUCCESS
    }
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

fn incident_invalid_job_id(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("incident-19-7"));
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    let b = &v["backend"];
    ensure(b["lastStatus"] == 404 && b["body"]["error"] == "Invalid job_id" && b["bodyIsJson"] == true, || show(&o))?;
    ensure(b["pathUsed"] == "port-forward" && b["service"] == "backend", || show(&o))?;
    ensure(b["pod"] == "backend-7c9d8f6b5-x2x9q" && b["port"] == 8080 && b["servicePort"] == 80, || show(&o))?;
    ensure(b["request"] == "GET /metadata/19-7" && b["contentType"] == "application/json", || show(&o))?;
    ensure(b["latencyMs"].is_u64(), || show(&o))?;
    let f = finding(&v, "backend-invalid-job-id").ok_or_else(|| show(&o))?;
    ensure(f["title"].as_str().unwrap_or_default().contains("does not know 19-7"), || show(&o))?;
    let steps: Vec<&str> = f["nextSteps"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let ns = served.ns("panda");
    ensure(steps.contains(&format!("kubectl -n {ns} port-forward svc/backend 8080:80").as_str()), || show(&o))?;
    ensure(steps.contains(&"curl -s localhost:8080/metadata/19-7"), || show(&o))?;
    let backend_source = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "backend").cloned();
    ensure(backend_source.is_some_and(|s| s["status"] == "collected"), || show(&o))?;
    ensure(v["timeline"].as_array().unwrap().iter().any(|e| e["source"] == "backend"), || show(&o))
}

fn incident_table_has_the_backend_section(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("incident-19-7"));
    let ns = served.ns("panda");
    let o = served.run(&["19-7", "-n", &ns]);
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

fn healthy_exit_0_named_target_port(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("backend-19-7"));
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(0), || format!("expected exit 0\n{}", show(&o)))?;
    let b = &v["backend"];
    ensure(b["healthy"] == true && b["lastStatus"] == 200 && b["body"]["job_id"] == "19-7", || show(&o))?;
    // The Service's targetPort is the name `http`: resolved through the pod to 8080.
    ensure(b["port"] == 8080 && b["servicePort"] == 80, || show(&o))?;
    ensure(!finding_ids(&v).iter().any(|id| id.starts_with("backend")), || show(&o))
}

fn wait_turns_healthy_after_3s(w: Where) -> Result<(), Failed> {
    let scenario = with_routes(json!([{
        "path": "/metadata/19-7", "status": 404, "body": {"error": "Invalid job_id"},
        "healthyAfterMs": 3000,
        "healthy": {"path": "/metadata/19-7", "status": 200, "body": {"job_id": "19-7", "consumer": "consumer-19-7"}}
    }]));
    let served = Served::setup(w, &scenario);
    let started = Instant::now();
    let (o, v) = served.trace("19-7", &["--wait", "10s", "--interval", "500ms"])?;
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

fn wait_never_healthy_folds_attempts(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("incident-19-7"));
    let started = Instant::now();
    let (o, v) = served.trace("19-7", &["--wait", "2s", "--interval", "400ms"])?;
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
    ensure(f["detail"].as_str().unwrap_or_default().contains("on all"), || show(&o))
}

fn server_error_500(w: Where) -> Result<(), Failed> {
    let served =
        Served::setup(w, &with_routes(json!([{"path": "/metadata/19-7", "status": 500, "body": {"error": "boom"}}])));
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-error")?;
    ensure(v["backend"]["lastStatus"] == 500, || show(&o))?;
    ensure(!finding_ids(&v).contains(&"backend-invalid-job-id".to_string()), || show(&o))
}

fn html_502_is_not_json(w: Where) -> Result<(), Failed> {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    let served = Served::setup(
        w,
        &with_routes(json!([{"path": "/metadata/19-7", "status": 502, "rawBody": html, "contentType": "text/html"}])),
    );
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-error")?;
    let b = &v["backend"];
    ensure(b["bodyIsJson"] == false && b["body"].as_str().unwrap_or_default().contains("Bad Gateway"), || show(&o))?;
    ensure(b["contentType"].as_str().unwrap_or_default().starts_with("text/html"), || show(&o))?;
    ensure(attempts(&v)[0]["outcome"].as_str().unwrap_or_default().starts_with("502 non-JSON text/html"), || show(&o))
}

fn ten_megabytes_are_capped(w: Where) -> Result<(), Failed> {
    let kib = "x".repeat(1024);
    let served = Served::setup(
        w,
        &with_routes(
            json!([{"path": "/metadata/19-7", "status": 200, "rawBody": kib, "repeat": 10240, "contentType": "text/plain"}]),
        ),
    );
    let started = Instant::now();
    let (o, v) = served.trace("19-7", &[])?;
    let b = &v["backend"];
    ensure(b["bodyTruncated"] == true && b["bodyBytes"] == 1024 * 1024, || format!("{b}\n{}", show(&o)))?;
    ensure(b["body"].as_str().map(str::len) == Some(1024), || "the report keeps an excerpt only".to_string())?;
    ensure(o.stdout.len() < 64 * 1024, || format!("report of {} bytes", o.stdout.len()))?;
    ensure(started.elapsed() < Duration::from_secs(20), || format!("took {:?}", started.elapsed()))?;
    has(&o, &v, "backend-error")
}

fn slow_backend_bounded_by_timeout(w: Where) -> Result<(), Failed> {
    let served = Served::setup(
        w,
        &with_routes(json!([{"path": "/metadata/19-7", "status": 200, "body": {}, "delayMs": 30000}])),
    );
    let started = Instant::now();
    let (o, v) = served.trace("19-7", &["--timeout", "3s"])?;
    let took = started.elapsed();
    ensure(took < Duration::from_secs(7), || format!("took {took:?} with --timeout 3s\n{}", show(&o)))?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-unreachable")?;
    let p = &v["backend"]["problem"];
    ensure(p["kind"] == "unreachable" && p["timedOut"] == true, || show(&o))
}

fn no_listener_is_connection_refused(w: Where) -> Result<(), Failed> {
    let mut s = builtin("backend-19-7");
    s.ports[0].answer = PortAnswer::Refused {};
    let served = Served::setup(w, &s);
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-unreachable")?;
    let p = &v["backend"]["problem"];
    let refused = |s: &Value| s.as_str().unwrap_or_default().to_ascii_lowercase().contains("connection refused");
    ensure(p["refused"] == true && refused(&p["detail"]), || show(&o))?;
    let f = finding(&v, "backend-unreachable").unwrap();
    ensure(refused(&f["evidence"][0]) && f["title"].as_str().unwrap_or_default().contains("refuses"), || show(&o))
}

fn no_ready_endpoints(w: Where) -> Result<(), Failed> {
    let mut s = builtin("backend-19-7");
    let ep = object_mut(&mut s, "Endpoints", "backend");
    let addresses = ep["subsets"][0]["addresses"].take();
    ep["subsets"][0]["notReadyAddresses"] = addresses;
    ep["subsets"][0].as_object_mut().unwrap().remove("addresses");
    let pod = object_mut(&mut s, "Pod", "backend-7c9d8f6b5-x2x9q");
    pod["status"]["conditions"][0]["status"] = json!("False");
    let served = Served::setup(w, &s);
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-no-ready-endpoints")?;
    let p = &v["backend"]["problem"];
    ensure(p["kind"] == "noReadyEndpoints" && p["notReady"][0] == "backend-7c9d8f6b5-x2x9q", || show(&o))
}

fn dots_stay_one_path_segment(w: Where) -> Result<(), Failed> {
    let served = Served::setup(
        w,
        &with_routes(json!([{"path": "/metadata/19.7.1", "status": 200, "body": {"job_id": "19.7.1"}}])),
    );
    let (o, v) = served.trace("19.7.1", &[])?;
    let b = &v["backend"];
    ensure(b["request"] == "GET /metadata/19.7.1" && b["lastStatus"] == 200, || show(&o))?;
    ensure(b["body"]["job_id"] == "19.7.1", || show(&o))
}

fn backend_url_skips_the_forward(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("backend-19-7"));
    let Served::Sandbox { rt, .. } = &served else { return Ok(()) };
    let script: BackendScript = serde_json::from_value(json!({"routes": [
        {"path": "/api/metadata/19-7", "status": 404, "body": {"error": "Invalid job_id"}}
    ]}))?;
    let (addr, task) = rt
        .block_on(jobtrace::sandbox::backend_standin::listen(script, "127.0.0.1:0".parse().unwrap()))
        .map_err(|e| e.to_string())?;
    let url = format!("http://{addr}/api");
    let (o, v) = served.trace("19-7", &["--backend-url", &url])?;
    task.abort();
    let b = &v["backend"];
    ensure(b["pathUsed"] == "url" && b["url"] == format!("http://{addr}/api"), || show(&o))?;
    ensure(b["request"] == "GET /metadata/19-7" && b["lastStatus"] == 404, || show(&o))?;
    ensure(b["pod"].is_null() && b["port"] == addr.port(), || show(&o))?;
    has(&o, &v, "backend-invalid-job-id")?;
    let f = finding(&v, "backend-invalid-job-id").unwrap();
    ensure(f["nextSteps"][0] == format!("curl -s http://{addr}/api/metadata/19-7"), || show(&o))
}

fn forbidden_port_forward_uses_service_proxy(w: Where) -> Result<(), Failed> {
    let mut s = builtin("incident-19-7");
    s.forbidden = vec!["pods/portforward".into()];
    let served = Served::setup(w, &s);
    let (o, v) = served.trace("19-7", &[])?;
    let b = &v["backend"];
    ensure(b["pathUsed"] == "service-proxy" && b["port"] == 80, || show(&o))?;
    ensure(b["fallback"].as_str().unwrap_or_default().contains("forbidden"), || show(&o))?;
    ensure(b["lastStatus"] == 404 && b["body"]["error"] == "Invalid job_id", || show(&o))?;
    has(&o, &v, "backend-invalid-job-id")?;
    if let Served::Sandbox { sandbox: Some(sb), .. } = &served {
        let proxied =
            sb.requests().iter().any(|r| r.path_and_query.contains("/services/backend:80/proxy/metadata/19-7"));
        ensure(proxied, || format!("no service proxy request in {:#?}", sb.requests()))?;
    }
    Ok(())
}

fn no_backend_skips_it(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("incident-19-7"));
    // --no-mongo too: MongoDB is reached through a port-forward of its own
    let (o, v) = served.trace("19-7", &["--no-backend", "--no-mongo"])?;
    ensure(v.get("backend").is_none(), || show(&o))?;
    let s = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "backend").cloned().unwrap_or_default();
    ensure(s["status"] == "skipped", || show(&o))?;
    if let Served::Sandbox { sandbox: Some(sb), .. } = &served {
        // (MongoDB is still asked through its own forward)
        let to_backend = |p: &str| p.contains("/pods/backend-") && p.contains("/portforward");
        ensure(!sb.requests().iter().any(|r| to_backend(&r.path_and_query)), || "port-forward sent".into())?;
    }
    Ok(())
}

fn backend_not_found_names_the_flag(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &builtin("backend-19-7"));
    let (o, v) = served.trace("19-7", &["--backend-service", "api:8080"])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    let f = finding(&v, "backend-not-found").ok_or_else(|| show(&o))?;
    ensure(f["severity"] == "error", || show(&o))?;
    ensure(f["nextSteps"].to_string().contains("--backend-service NAME[:PORT]"), || show(&o))?;
    // Detected, not named: a namespace without a backend is information only (exit 0).
    let mut s = builtin("backend-19-7");
    s.objects.retain(|o| o["metadata"]["name"] != "backend");
    let served = Served::setup(w, &s);
    let (o, v) = served.trace("19-7", &[])?;
    ensure(code(&o) == Some(0), || show(&o))?;
    ensure(finding(&v, "backend-not-found").is_some_and(|f| f["severity"] == "info"), || show(&o))
}

fn hang_up_re_resolves_under_wait(w: Where) -> Result<(), Failed> {
    let served = Served::setup(w, &with_routes(json!([{"path": "/metadata/19-7", "status": 200, "hangUp": true}])));
    let (o, v) = served.trace("19-7", &["--wait", "1500ms", "--interval", "500ms"])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    has(&o, &v, "backend-unreachable")?;
    let a = attempts(&v);
    ensure(a.iter().map(|a| a["count"].as_u64().unwrap_or(0)).sum::<u64>() >= 2, || show(&o))?;
    ensure(a.iter().all(|a| a["status"].is_null()), || show(&o))?;
    if let Served::Sandbox { sandbox: Some(sb), .. } = &served {
        // a broken forward makes the next attempt resolve the Service and its pod again
        let endpoint_reads = sb.requests().iter().filter(|r| r.path_and_query.contains("/endpoints/backend")).count();
        ensure(endpoint_reads >= 2, || format!("endpoints read {endpoint_reads} times"))?;
    }
    Ok(())
}
