//! The trace core, end to end: the built plugin (and the real kubectl running it as a
//! plugin) against each tier serving the built-in scenarios: the incident's pods and
//! reasons, the missing label, healthy, crash-looping, failed Job, nothing found with the
//! other-namespace hint, a forbidden source, bad input, and the output formats.

mod support;

use std::process::{ExitCode, Output};

use jobtrace::sandbox::scenario::Scenario;
use libtest_mimic::Failed;
use serde_json::Value;
use support::suite::{ensure, PureCase, TierCase};
use support::{show, Backends, Ctx, Tier, User};

fn main() -> ExitCode {
    let pure: &[(&str, PureCase)] = &[
        ("input::invalid_ids_exit_2_with_one_line", invalid_ids_exit_2_with_one_line),
        ("input::missing_kubeconfig_exits_2", missing_kubeconfig_exits_2),
        ("input::unknown_context_exits_2", unknown_context_exits_2),
        ("demo::incident_table_and_json", demo_incident_table_and_json),
        ("demo::id_equal_to_a_subcommand_after_double_dash", id_equal_to_a_subcommand_after_double_dash),
    ];
    let tiered: &[(&str, TierCase)] = &[
        ("incident::pods_reasons_and_missing_label", incident_pods_reasons_and_missing_label),
        ("incident::table_names_both_pods_and_the_label", incident_table_names_both_pods_and_the_label),
        ("incident::yaml_is_the_same_report", incident_yaml_is_the_same_report),
        ("incident::selector_is_anded", incident_selector_is_anded),
        ("incident::through_real_kubectl_as_a_plugin", incident_through_real_kubectl_as_a_plugin),
        ("incident::restricted_user_marks_events_unavailable", restricted_user_marks_events_unavailable),
        ("output::no_ansi_when_piped_or_no_color", no_ansi_when_piped_or_no_color),
        ("healthy::exit_0", healthy_exit_0),
        ("kubeconfig::several_paths_merged_like_kubectl", several_kubeconfig_paths_merged),
        ("output::verbose_traces_go_to_stderr_only", verbose_traces_go_to_stderr_only),
        ("crashloop::finding_and_exit_1", crashloop_finding_and_exit_1),
        ("job_failed::finding_and_exit_1", job_failed_finding_and_exit_1),
        ("elsewhere::nothing_here_but_found_in_staging", nothing_here_but_found_in_staging),
    ];
    support::suite::run(pure, tiered)
}

fn scenario(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap_or_else(|| panic!("built-in scenario {name}"))
}

fn json_of(o: &Output) -> Result<Value, Failed> {
    serde_json::from_slice(&o.stdout).map_err(|e| format!("stdout is not JSON ({e}):\n{}", show(o)).into())
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn trace_json(ctx: &Ctx, extra: &[&str]) -> Result<(Output, Value), Failed> {
    let ns = ctx.ns("panda");
    let mut args = vec!["19-7", "-n", &ns, "-o", "json"];
    args.extend_from_slice(extra);
    let o = ctx.run(&args);
    let v = json_of(&o)?;
    Ok((o, v))
}

fn finding_ids(v: &Value) -> Vec<String> {
    v["findings"].as_array().into_iter().flatten().filter_map(|f| f["id"].as_str().map(String::from)).collect()
}

fn pod<'a>(v: &'a Value, prefix: &str) -> Option<&'a Value> {
    v["pods"].as_array()?.iter().find(|p| p["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect()
}

// --- cases without a cluster ---------------------------------------------------------------

fn plugin() -> std::process::Command {
    let mut cmd = std::process::Command::new(support::tier::BIN);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", std::env::temp_dir());
    cmd
}

fn invalid_ids_exit_2_with_one_line() -> Result<(), Failed> {
    let long = "a".repeat(300);
    for id in ["a,b!=c", "19-7)(", "../x", "{\"$ne\":1}", ".*", long.as_str(), "é", "", " ", "-19"] {
        let o = support::tier::output({
            let mut c = plugin();
            c.args(["-n", "panda", "--", id]);
            c
        });
        ensure(code(&o) == Some(2), || format!("id {id:?}: expected exit 2\n{}", show(&o)))?;
        let err = String::from_utf8_lossy(&o.stderr);
        ensure(err.trim_end().lines().count() == 1 && err.contains("job id"), || {
            format!("id {id:?}: expected one line naming the job id\n{}", show(&o))
        })?;
        ensure(!err.contains("panicked"), || show(&o))?;
    }
    Ok(())
}

fn missing_kubeconfig_exits_2() -> Result<(), Failed> {
    let o = support::tier::output({
        let mut c = plugin();
        c.args(["19-7", "--kubeconfig", "/nonexistent/kubeconfig"]);
        c
    });
    ensure(code(&o) == Some(2), || show(&o))?;
    ensure(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/kubeconfig"), || show(&o))
}

fn unknown_context_exits_2() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let kc = dir.path().join("config");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n\
         users: [{name: u, user: {token: t}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n",
    )?;
    let o = support::tier::output({
        let mut c = plugin();
        c.args(["19-7", "--kubeconfig"]).arg(&kc).args(["--context", "nope"]);
        c
    });
    ensure(code(&o) == Some(2), || show(&o))?;
    ensure(String::from_utf8_lossy(&o.stderr).contains("no context named \"nope\""), || show(&o))
}

fn demo_incident_table_and_json() -> Result<(), Failed> {
    let o = support::tier::output({
        let mut c = plugin();
        c.arg("demo");
        c
    });
    ensure(code(&o) == Some(1), || show(&o))?;
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in ["grpc-job-19-7-8rlgb", "cleanup-job-19-7-2tj8z", "missing-expected-label"] {
        ensure(out.contains(needle), || format!("demo lacks {needle}:\n{}", show(&o)))?;
    }
    let o = support::tier::output({
        let mut c = plugin();
        c.args(["demo", "-o", "json"]);
        c
    });
    let v = json_of(&o)?;
    ensure(v["schemaVersion"] == 1 && v["jobId"] == "19-7" && v["namespace"] == "panda", || show(&o))?;
    ensure(finding_ids(&v).contains(&"missing-expected-label".to_string()), || show(&o))
}

fn id_equal_to_a_subcommand_after_double_dash() -> Result<(), Failed> {
    let o = support::tier::output({
        let mut c = plugin();
        c.args(["--kubeconfig", "/nonexistent/kubeconfig", "--", "demo"]);
        c
    });
    // traced as a job id (so it needs the kubeconfig), not run as the demo
    ensure(code(&o) == Some(2) && String::from_utf8_lossy(&o.stderr).contains("kubeconfig"), || show(&o))
}

// --- cases on every tier --------------------------------------------------------------------

fn incident_pods_reasons_and_missing_label(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let (o, v) = trace_json(&ctx, &[])?;
    ensure(code(&o) == Some(1), || format!("expected exit 1 (problems)\n{}", show(&o)))?;
    ensure(v["verdict"]["status"] == "problems", || show(&o))?;
    let names: Vec<String> = v["pods"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().into()).collect();
    ensure(names == ["cleanup-job-19-7-2tj8z", "grpc-job-19-7-8rlgb"], || format!("pods {names:?}\n{}", show(&o)))?;
    let grpc = pod(&v, "grpc-job-19-7").unwrap();
    ensure(grpc["phase"] == "Running" && grpc["ready"] == true, || show(&o))?;
    ensure(strs(&grpc["missingLabels"]) == ["job_id"], || show(&o))?;
    let reasons = strs(&grpc["matchedBy"]);
    for r in ["name-token", "pattern:grpc-job-{id}", "owned-by:grpc-job-19-7"] {
        ensure(reasons.contains(&r.to_string()), || format!("grpc pod lacks reason {r}: {reasons:?}"))?;
    }
    ensure(grpc["labels"]["job-name"] == "grpc-job-19-7", || show(&o))?;
    let jobs: Vec<&str> = v["jobs"].as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    ensure(jobs == ["cleanup-job-19-7", "grpc-job-19-7"], || format!("jobs {jobs:?}"))?;
    ensure(finding_ids(&v).contains(&"missing-expected-label".to_string()), || show(&o))?;
    let label = &v["labels"][0];
    ensure(label["key"] == "job_id" && strs(&label["presentOn"]).is_empty(), || show(&o))?;
    ensure(strs(&label["carriedInstead"]).contains(&"job-name=grpc-job-19-7".to_string()), || show(&o))?;
    for s in v["sources"].as_array().unwrap() {
        if ["pods", "jobs", "events"].contains(&s["name"].as_str().unwrap_or_default()) {
            ensure(s["status"] == "collected", || format!("source {s}\n{}", show(&o)))?;
        }
    }
    Ok(())
}

fn incident_table_names_both_pods_and_the_label(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let ns = ctx.ns("panda");
    let o = ctx.run(&["19-7", "-n", &ns]);
    let out = String::from_utf8_lossy(&o.stdout);
    ensure(code(&o) == Some(1), || show(&o))?;
    for needle in ["grpc-job-19-7-8rlgb", "cleanup-job-19-7-2tj8z", "lack the `job_id` label", "finds none of them"] {
        ensure(out.contains(needle), || format!("table lacks {needle:?}\n{}", show(&o)))?;
    }
    ensure(!out.contains("19-70"), || format!("a decoy leaked into the table\n{}", show(&o)))?;
    let wide = ctx.run(&["19-7", "-n", &ns, "-o", "wide"]);
    ensure(String::from_utf8_lossy(&wide.stdout).contains("OWNER"), || show(&wide))
}

fn incident_yaml_is_the_same_report(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let ns = ctx.ns("panda");
    let o = ctx.run(&["19-7", "-n", &ns, "-o", "yaml"]);
    let v: Value = serde_yaml::from_slice(&o.stdout).map_err(|e| format!("not YAML: {e}\n{}", show(&o)))?;
    ensure(v["jobId"] == "19-7" && v["pods"].as_array().map(Vec::len) == Some(2), || show(&o))
}

fn incident_selector_is_anded(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let (o, v) = trace_json(&ctx, &["-l", "app=grpc-job-19-7"])?;
    let names: Vec<&str> = v["pods"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    ensure(names == ["grpc-job-19-7-8rlgb"], || format!("{names:?}\n{}", show(&o)))
}

fn incident_through_real_kubectl_as_a_plugin(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let list = ctx.kubectl(User::Reader, &["plugin", "list"]);
    ensure(String::from_utf8_lossy(&list.stdout).contains("kubectl-jobtrace"), || show(&list))?;
    let ns = ctx.ns("panda");
    let o = ctx.kubectl(User::Reader, &["jobtrace", "19-7", "-n", &ns, "-o", "json"]);
    ensure(code(&o) == Some(1), || show(&o))?;
    let v = json_of(&o)?;
    ensure(v["pods"].as_array().map(Vec::len) == Some(2), || show(&o))
}

fn restricted_user_marks_events_unavailable(tier: Tier) -> Result<(), Failed> {
    // The sandbox has one user: it forbids what the real tier's restricted user lacks.
    let mut s = scenario("incident-19-7");
    if tier == Tier::Sandbox {
        s.forbidden = vec!["events".into(), "secrets".into()];
    }
    let ctx = tier.setup(&s, Backends::None);
    let ns = ctx.ns("panda");
    let o = ctx.run_as(User::Restricted, &["19-7", "-n", &ns, "-o", "json"]);
    ensure(matches!(code(&o), Some(0 | 1)), || format!("expected 0 or 1\n{}", show(&o)))?;
    ensure(!String::from_utf8_lossy(&o.stderr).contains("panicked"), || show(&o))?;
    let v = json_of(&o)?;
    let events = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "events").cloned().unwrap_or_default();
    ensure(events["status"] == "unavailable", || format!("events source {events}\n{}", show(&o)))?;
    ensure(events["reason"].as_str().unwrap_or_default().contains("forbidden"), || show(&o))?;
    ensure(v["pods"].as_array().map(Vec::len) == Some(2), || show(&o))
}

fn no_ansi_when_piped_or_no_color(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let ns = ctx.ns("panda");
    let piped = ctx.run(&["19-7", "-n", &ns]);
    ensure(!piped.stdout.contains(&0x1b), || format!("ANSI escape in piped output\n{}", show(&piped)))?;
    let mut cmd = ctx.command(support::tier::BIN, User::Reader);
    cmd.args(["19-7", "-n", &ns, "--color", "auto"]).env("NO_COLOR", "1");
    let no_color = support::tier::output(cmd);
    ensure(!no_color.stdout.contains(&0x1b), || show(&no_color))?;
    let forced = ctx.run(&["19-7", "-n", &ns, "--color", "always"]);
    ensure(forced.stdout.contains(&0x1b), || format!("--color always gave no colour\n{}", show(&forced)))
}

fn healthy_exit_0(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("healthy-19-7"), Backends::All);
    let (o, v) = trace_json(&ctx, &[])?;
    ensure(code(&o) == Some(0), || format!("expected exit 0\n{}", show(&o)))?;
    ensure(v["verdict"]["status"] == "healthy", || show(&o))?;
    ensure(v["verdict"]["headline"].as_str().unwrap_or_default().contains("healthy"), || show(&o))
}

fn crashloop_finding_and_exit_1(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("crashloop-19-7"), Backends::None);
    let (o, v) = trace_json(&ctx, &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    ensure(finding_ids(&v).first().map(String::as_str) == Some("pod-crashlooping"), || show(&o))?;
    let f = &v["findings"][0];
    ensure(strs(&f["nextSteps"]).iter().any(|s| s.contains("--previous")), || show(&o))
}

fn job_failed_finding_and_exit_1(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("job-failed-19-7"), Backends::None);
    let (o, v) = trace_json(&ctx, &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    ensure(finding_ids(&v).first().map(String::as_str) == Some("job-failed"), || show(&o))?;
    ensure(v["findings"][0]["title"].as_str().unwrap_or_default().contains("BackoffLimitExceeded"), || show(&o))
}

fn nothing_here_but_found_in_staging(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("elsewhere-19-7"), Backends::None);
    let (o, v) = trace_json(&ctx, &[])?;
    ensure(code(&o) == Some(1), || show(&o))?;
    ensure(finding_ids(&v).first().map(String::as_str) == Some("no-pods-found"), || show(&o))?;
    let staging = ctx.ns("staging");
    // (other cases' namespaces on the shared real cluster hold 19-7 too: look for ours)
    let hits = v["elsewhere"].as_array().cloned().unwrap_or_default();
    ensure(hits.iter().any(|h| h["namespace"] == staging.as_str()), || show(&o))?;
    ensure(!hits.iter().any(|h| h["namespace"] == ctx.ns("panda").as_str()), || show(&o))?;
    let steps = strs(&v["findings"][0]["nextSteps"]);
    ensure(steps.iter().any(|s| s.contains(&format!("-n {staging}"))), || show(&o))
}

fn several_kubeconfig_paths_merged(tier: Tier) -> Result<(), Failed> {
    // Split the user's kubeconfig in two: clusters and users in one file, contexts and
    // the current context in the other; KUBECONFIG=a:b merges them, as kubectl does.
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let full: Value = serde_yaml::from_slice(&std::fs::read(ctx.kubeconfig(User::Reader))?)?;
    let mut a = full.clone();
    let mut b = full.clone();
    for k in ["contexts", "current-context"] {
        a.as_object_mut().unwrap().remove(k);
    }
    for k in ["clusters", "users"] {
        b.as_object_mut().unwrap().remove(k);
    }
    let dir = tempfile::tempdir()?;
    let (pa, pb) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::write(&pa, serde_yaml::to_string(&a)?)?;
    std::fs::write(&pb, serde_yaml::to_string(&b)?)?;
    let mut cmd = ctx.command(support::tier::BIN, User::Reader);
    cmd.env("KUBECONFIG", format!("{}:{}", pa.display(), pb.display())).args([
        "19-7",
        "-n",
        &ctx.ns("panda"),
        "-o",
        "json",
    ]);
    let o = support::tier::output(cmd);
    let v = json_of(&o)?;
    ensure(code(&o) == Some(1) && v["pods"].as_array().map(Vec::len) == Some(2), || show(&o))?;
    ensure(v["context"] == full["current-context"], || show(&o))
}

fn verbose_traces_go_to_stderr_only(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let (o, v) = trace_json(&ctx, &["-vv", "--no-backend", "--no-mongo"])?;
    ensure(v["jobId"] == "19-7", || show(&o))?;
    let err = String::from_utf8_lossy(&o.stderr);
    ensure(err.contains("source done") && err.contains("pods"), || format!("no trace on stderr\n{}", show(&o)))
}
