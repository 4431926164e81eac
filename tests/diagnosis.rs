//! The diagnosis end to end (logs, consumer service, timeline, verdict), on every tier:
//! the incident's verdict names the root cause backed by a log line and MongoDB, a
//! crash-looping consumer service, a backend logging errors about the id, logs only in
//! the previous container, 50 pods' logs under bounded concurrency, `--since`/`--tail`
//! sent to the API, and a forbidden `pods/log`.

mod support;

use std::process::{ExitCode, Output};

use jobtrace::sandbox::scenario::{ContainerLogs, Scenario};
use libtest_mimic::Failed;
use serde_json::{json, Value};
use support::suite::{ensure, PureCase, TierCase};
use support::{show, Backends, Ctx, Tier};

fn main() -> ExitCode {
    let pure: &[(&str, PureCase)] = &[];
    let tiered: &[(&str, TierCase)] = &[
        ("incident::verdict_names_the_root_cause", incident_verdict_names_the_root_cause),
        ("incident::timeline_spans_the_layers", incident_timeline_spans_the_layers),
        ("healthy::consumer_up_and_logs_read", healthy_consumer_up_and_logs_read),
        ("consumer::crashlooping_is_down", consumer_crashlooping_is_down),
        ("logs::backend_errors_naming_the_id", backend_errors_naming_the_id),
        ("logs::only_in_the_previous_container", logs_only_in_the_previous_container),
        ("logs::fifty_pods_with_bounded_concurrency", fifty_pods_with_bounded_concurrency),
        ("logs::since_and_tail_are_sent_to_the_api", since_and_tail_are_sent_to_the_api),
        ("logs::forbidden_logs_leave_the_trace_complete", forbidden_logs_leave_the_trace_complete),
    ];
    support::suite::run(pure, tiered)
}

fn scenario(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap_or_else(|| panic!("built-in scenario {name}"))
}

fn trace(ctx: &Ctx, extra: &[&str]) -> Result<(Output, Value), Failed> {
    let ns = ctx.ns("panda");
    let mut args = vec!["19-7", "-n", &ns, "-o", "json"];
    args.extend_from_slice(extra);
    let o = ctx.run(&args);
    let v = serde_json::from_slice(&o.stdout).map_err(|e| format!("not JSON ({e})\n{}", show(&o)))?;
    Ok((o, v))
}

fn ids(v: &Value) -> Vec<String> {
    v["findings"].as_array().into_iter().flatten().filter_map(|f| f["id"].as_str().map(String::from)).collect()
}

fn source<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v["sources"].as_array()?.iter().find(|s| s["name"] == name)
}

fn incident_verdict_names_the_root_cause(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    ensure(o.status.code() == Some(1), || show(&o))?;
    let headline = v["verdict"]["headline"].as_str().unwrap_or_default();
    ensure(headline.contains("never written to MongoDB") && headline.contains("persist job 19-7 failed"), || {
        format!("headline {headline:?}\n{}", show(&o))
    })?;
    let ids = ids(&v);
    ensure(ids.first().map(String::as_str) == Some("job-not-in-mongo"), || format!("{ids:?}"))?;
    let pos = |id: &str| ids.iter().position(|i| i == id);
    for id in ["backend-log-errors", "backend-invalid-job-id", "missing-expected-label"] {
        ensure(pos(id).is_some(), || format!("{id} missing from {ids:?}"))?;
    }
    ensure(pos("job-not-in-mongo") < pos("backend-invalid-job-id"), || format!("{ids:?}"))?;
    let evidence = v["findings"][0]["evidence"].to_string();
    ensure(evidence.contains("backend log") && evidence.contains("jobs"), || evidence.clone())?;
    // the consumer service is up: hypothesis 3 is ruled out, not reported
    ensure(v["consumer"]["ready"] == 1 && !ids.iter().any(|i| i.starts_with("consumer-service")), || show(&o))
}

fn incident_timeline_spans_the_layers(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    let timeline = v["timeline"].as_array().cloned().unwrap_or_default();
    let sources: Vec<&str> = timeline.iter().filter_map(|e| e["source"].as_str()).collect();
    for s in ["pod", "job", "log:backend", "log:job", "log:consumer", "backend"] {
        ensure(sources.contains(&s), || format!("timeline lacks {s}: {sources:?}\n{}", show(&o)))?;
    }
    let offsets: Vec<i64> = timeline.iter().filter_map(|e| e["offsetMs"].as_i64()).collect();
    ensure(offsets.first() == Some(&0) && offsets.windows(2).all(|w| w[0] <= w[1]), || format!("{offsets:?}"))?;
    let table = ctx.run(&["19-7", "-n", &ctx.ns("panda")]);
    let out = String::from_utf8_lossy(&table.stdout);
    ensure(out.contains("TIMELINE") && out.contains("LOG LINES NAMING 19-7"), || show(&table))
}

fn healthy_consumer_up_and_logs_read(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("healthy-19-7"), Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(v["verdict"]["headline"].as_str().unwrap_or_default().contains("healthy"), || show(&o))?;
    ensure(source(&v, "logs").is_some_and(|s| s["status"] == "collected"), || show(&o))?;
    ensure(source(&v, "consumer").is_some_and(|s| s["status"] == "collected"), || show(&o))?;
    ensure(v["consumer"]["ready"] == v["consumer"]["total"], || show(&o))
}

/// The healthy scenario with its consumer-service pod crash-looping.
fn with_crashlooping_consumer() -> Scenario {
    let mut s = scenario("healthy-19-7");
    for o in &mut s.objects {
        if o["kind"] == "Pod" && o["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("consumer-service")) {
            o["status"]["conditions"] = json!([{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]);
            o["status"]["containerStatuses"][0]["ready"] = json!(false);
            o["status"]["containerStatuses"][0]["restartCount"] = json!(9);
            o["status"]["containerStatuses"][0]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}});
            o["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {
                "exitCode": 1, "reason": "Error", "startedAt": "2025-11-13T09:59:00Z", "finishedAt": "2025-11-13T09:59:02Z"}});
        }
    }
    s
}

fn consumer_crashlooping_is_down(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&with_crashlooping_consumer(), Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    ensure(o.status.code() == Some(1), || show(&o))?;
    ensure(ids(&v).contains(&"consumer-service-down".to_string()), || show(&o))?;
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["id"] == "consumer-service-down").unwrap();
    ensure(f["title"].as_str().unwrap_or_default().contains("0/1 pods ready"), || show(&o))?;
    ensure(v["consumer"]["restarts"] == 9 && v["consumer"]["lastTermination"] == "Error", || show(&o))
}

fn backend_errors_naming_the_id(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("healthy-19-7");
    let key = s.logs.keys().find(|k| k.contains("/backend-")).cloned().expect("a backend log");
    let log = s.logs.get_mut(&key).unwrap();
    log.current.push_str("2025-11-13T10:00:30.000Z ERROR unknown job 19-7: no such key in cache\n");
    log.current.push_str("2025-11-13T10:00:31.000Z ERROR unknown job 19-70: unrelated\n");
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    ensure(o.status.code() == Some(1), || show(&o))?;
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["id"] == "backend-log-errors").cloned();
    let f = f.ok_or_else(|| format!("no backend-log-errors\n{}", show(&o)))?;
    ensure(f["title"].as_str().unwrap_or_default().contains("unknown job 19-7: no such key"), || show(&o))?;
    ensure(f["evidence"].as_array().map(Vec::len) == Some(1), || format!("19-70 must not match\n{}", show(&o)))
}

fn logs_only_in_the_previous_container(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("crashloop-19-7"), Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    let logs = v["logs"].as_array().cloned().unwrap_or_default();
    let previous = logs.iter().find(|l| l["pod"] == "grpc-job-19-7-8rlgb" && l["previous"] == true);
    let previous = previous.ok_or_else(|| format!("no previous log read\n{}", show(&o)))?;
    let hits = previous["hits"].as_array().cloned().unwrap_or_default();
    ensure(
        hits.iter().any(|h| h["level"] == "ERROR" && h["text"].as_str().unwrap_or("").contains("CONSUMER_ENDPOINT")),
        || show(&o),
    )
}

/// The incident with 50 more pods of job 19-7, each with a log line naming it.
fn with_fifty_job_pods() -> Scenario {
    let mut s = scenario("incident-19-7");
    let template =
        s.objects.iter().find(|o| o["metadata"]["name"] == "grpc-job-19-7-8rlgb").cloned().expect("the grpc pod");
    for i in 0..50 {
        let name = format!("grpc-job-19-7-w{i:02}");
        let mut pod = template.clone();
        pod["metadata"]["name"] = json!(name);
        pod["metadata"]["uid"] = json!(format!("5f0a0000-0000-4000-8000-0000000000{i:02}"));
        s.objects.push(pod);
        s.logs.insert(
            format!("panda/{name}/grpc"),
            ContainerLogs {
                current: format!("2025-11-13T10:00:0{}.000Z INFO worker {i} of job 19-7 ready\n", i % 10),
                previous: None,
            },
        );
    }
    s
}

fn fifty_pods_with_bounded_concurrency(tier: Tier) -> Result<(), Failed> {
    let mut s = with_fifty_job_pods();
    // the sandbox holds each log answer a while, so reads overlap and can be counted
    s.log_delay_ms = 40;
    let ctx = tier.setup(&s, Backends::None);
    let (o, v) = trace(&ctx, &["--log-concurrency", "4", "--no-backend", "--no-mongo"])?;
    let job_logs: Vec<&Value> =
        v["logs"].as_array().map(|a| a.iter().filter(|l| l["role"] == "job").collect()).unwrap_or_default();
    let with_hits = job_logs.iter().filter(|l| l["hits"].as_array().is_some_and(|h| !h.is_empty())).count();
    ensure(v["pods"].as_array().map(Vec::len) == Some(52), || show(&o))?;
    ensure(job_logs.len() == 52 && with_hits == 52, || {
        format!("{} job logs, {with_hits} with hits\n{}", job_logs.len(), show(&o))
    })?;
    let is_log = |p: &str| p.contains("/log?") || p.contains("/containerLogs/");
    let log_requests = ctx
        .requests()
        .iter()
        .filter(|r| r.path_and_query.contains("/grpc-job-19-7-w") && is_log(&r.path_and_query))
        .count();
    ensure(log_requests == 50, || format!("{log_requests} log requests for the 50 workers, expected one each"))?;
    if let Some(sandbox) = ctx.sandbox() {
        let peak = sandbox.max_concurrent_logs();
        ensure((2..=4).contains(&peak), || format!("{peak} log reads at once with --log-concurrency 4"))?;
    }
    Ok(())
}

fn since_and_tail_are_sent_to_the_api(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let (o, _) = trace(&ctx, &["--since", "10m", "--tail", "50", "--no-backend", "--no-mongo"])?;
    let logs: Vec<String> = ctx
        .requests()
        .into_iter()
        .map(|r| r.path_and_query)
        .filter(|p| p.contains("/log?") || p.contains("/containerLogs/"))
        .collect();
    ensure(!logs.is_empty(), || format!("no log request seen\n{}", show(&o)))?;
    ensure(logs.iter().all(|p| p.contains("sinceSeconds=600") && p.contains("tailLines=50")), || format!("{logs:#?}"))
}

fn forbidden_logs_leave_the_trace_complete(tier: Tier) -> Result<(), Failed> {
    // The sandbox forbids pods/log by scenario; on the real tier every test user may read
    // logs, so the same scenario there shows the logs collected.
    let mut s = scenario("incident-19-7");
    s.forbidden = vec!["pods/log".into()];
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, &[])?;
    ensure(o.status.code() == Some(1), || show(&o))?;
    ensure(!String::from_utf8_lossy(&o.stderr).contains("panicked"), || show(&o))?;
    let logs = source(&v, "logs").cloned().unwrap_or_default();
    if tier == Tier::Sandbox {
        ensure(logs["status"] == "unavailable", || format!("{logs}\n{}", show(&o)))?;
        ensure(logs["reason"].as_str().unwrap_or_default().contains("forbidden"), || logs.to_string())?;
    }
    ensure(v["pods"].as_array().map(Vec::len) == Some(2) && ids(&v).contains(&"job-not-in-mongo".to_string()), || {
        show(&o)
    })
}
