//! The MongoDB step, end to end: the built plugin against each tier (sandbox and real), the
//! Mongo pod answered by SecantusDB through the port-forward relay; and, with no database
//! at all, against the sandbox whose Mongo pod is the wire-protocol stand-in (`stand_in::`). Job and consumer present, job absent, consumer absent,
//! the id stored as `19_7` or under `jobId`, authentication through the pod's env and a
//! Secret, a wrong password (never printed, even at -vvv), a Secret the user may not read,
//! no listener in the Mongo pod, two databases discovered, and an id that looks like a regex.

mod support;

use std::collections::BTreeMap;
use std::process::{ExitCode, Output};

use jobtrace::sandbox::scenario::{MongoData, PortAnswer, Scenario};
use jobtrace::sandbox::Sandbox;
use libtest_mimic::Failed;
use serde_json::Value;
use support::suite::{ensure, PureCase, TierCase};
use support::{show, Backends, Ctx, Tier, User};

/// The password of scenario `mongo-auth-19-7`, and a wrong one: neither may ever be printed.
const PASSWORD: &str = "s3cr3t-Mongo-pw";
const WRONG_PASSWORD: &str = "wr0ng-Mongo-pw";

fn main() -> ExitCode {
    let pure: &[(&str, PureCase)] = &[
        ("stand_in::incident_job_and_consumer_absent", sandbox_incident),
        ("stand_in::healthy_job_and_consumer_found", sandbox_healthy),
        ("stand_in::format_mismatch_19_7", sandbox_format),
        ("stand_in::auth_through_pod_env_and_secret", sandbox_auth),
        ("stand_in::secret_forbidden_says_pass_mongo_uri", sandbox_secret_forbidden),
        ("stand_in::no_mongo_skips_the_step", sandbox_no_mongo),
    ];
    let tiered: &[(&str, TierCase)] = &[
        ("mongo::healthy_job_and_consumer_found", healthy),
        ("mongo::job_absent", job_absent),
        ("mongo::consumer_absent", consumer_absent),
        ("mongo::job_stored_as_19_7", stored_as_19_7),
        ("mongo::job_stored_under_job_id_camel_case", stored_under_job_id),
        ("mongo::auth_through_pod_env_and_secret", auth_pod_env),
        ("mongo::auth_through_mongo_secret_flag", auth_secret_flag),
        ("mongo::wrong_password_is_auth_failed_and_never_shown", wrong_password),
        ("mongo::wrong_password_in_uri_env_is_never_shown", wrong_uri_password),
        ("mongo::secret_forbidden_for_the_restricted_user", secret_forbidden),
        ("mongo::no_listener_in_the_mongo_pod", no_listener),
        ("mongo::two_databases_discovered", two_databases),
        ("mongo::regex_looking_id_is_escaped", regex_looking_id),
        ("mongo::direct_uri_without_port_forward", direct_uri),
    ];
    support::suite::run(pure, tiered)
}

fn scenario(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap_or_else(|| panic!("built-in scenario {name}"))
}

/// The scenario's MongoDB data (its first `mongo:` port).
fn mongo_data(s: &mut Scenario) -> &mut MongoData {
    s.ports
        .iter_mut()
        .find_map(|p| match &mut p.answer {
            PortAnswer::Mongo(d) => Some(d),
            _ => None,
        })
        .expect("a mongo port in the scenario")
}

fn docs(v: Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

fn set_collection(s: &mut Scenario, db: &str, coll: &str, documents: Value) {
    mongo_data(s).databases.entry(db.into()).or_default().insert(coll.into(), docs(documents));
}

fn json_of(o: &Output) -> Result<Value, Failed> {
    serde_json::from_slice(&o.stdout).map_err(|e| format!("stdout is not JSON ({e}):\n{}", show(o)).into())
}

fn finding_ids(v: &Value) -> Vec<String> {
    v["findings"].as_array().into_iter().flatten().filter_map(|f| f["id"].as_str().map(String::from)).collect()
}

fn collection<'a>(v: &'a Value, db: &str, coll: &str) -> Option<&'a Value> {
    v["mongo"]["collections"].as_array()?.iter().find(|c| c["database"] == db && c["collection"] == coll)
}

fn result_of(v: &Value, db: &str, coll: &str) -> String {
    collection(v, db, coll).and_then(|c| c["result"].as_str()).unwrap_or("absent").to_string()
}

/// Traces 19-7 in the scenario's `panda` as `user`, JSON out, the backend left out.
fn trace(ctx: &Ctx, user: User, extra: &[&str]) -> Result<(Output, Value), Failed> {
    let ns = ctx.ns("panda");
    let mut args = vec!["19-7", "-n", &ns, "-o", "json", "--no-backend"];
    args.extend_from_slice(extra);
    let o = ctx.run_as(user, &args);
    let v = json_of(&o)?;
    Ok((o, v))
}

fn mongo_section(v: &Value) -> String {
    serde_json::to_string_pretty(&v["mongo"]).unwrap_or_default()
}

// --- real tier -----------------------------------------------------------------------------

fn healthy(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("healthy-19-7"), Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &[])?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(v["mongo"]["status"] == "searched", || mongo_section(&v))?;
    ensure(result_of(&v, "panda", "jobs") == "found", || mongo_section(&v))?;
    ensure(result_of(&v, "panda", "consumers") == "found", || mongo_section(&v))?;
    ensure(v["mongo"]["credentials"] == "none" && v["mongo"]["databaseFrom"] == "discovered", || mongo_section(&v))?;
    ensure(v["mongo"]["pod"].as_str().is_some_and(|p| p.starts_with("mongo-0")), || mongo_section(&v))?;
    let jobs = collection(&v, "panda", "jobs").unwrap();
    ensure(jobs["documents"][0]["fields"]["status"] == "configured", || mongo_section(&v))?;
    ensure(jobs["writtenAt"].is_string(), || mongo_section(&v))?;
    // and the table shows a MONGO section
    let ns = ctx.ns("panda");
    let t = ctx.run(&["19-7", "-n", &ns, "--no-backend", "--color", "never"]);
    let text = String::from_utf8_lossy(&t.stdout);
    ensure(text.contains("MONGO") && text.contains("panda.consumers"), || show(&t))
}

fn job_absent(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::All);
    let ns = ctx.ns("panda");
    let o = ctx.run(&["19-7", "-n", &ns, "-o", "json"]);
    let v = json_of(&o)?;
    ensure(o.status.code() == Some(1), || show(&o))?;
    let ids = finding_ids(&v);
    ensure(ids.contains(&"job-not-in-mongo".to_string()), || format!("{ids:?}\n{}", show(&o)))?;
    ensure(result_of(&v, "panda", "jobs") == "not-found", || mongo_section(&v))?;
    ensure(result_of(&v, "panda", "consumers") == "not-found", || mongo_section(&v))?;
    // ranked above what the backend answers about it and above the missing label
    let rank = |id: &str| ids.iter().position(|i| i == id);
    for below in ["backend-invalid-job-id", "missing-expected-label"] {
        ensure(rank(below).is_some_and(|b| rank("job-not-in-mongo") < Some(b)), || format!("{below}: {ids:?}"))?;
    }
    Ok(())
}

fn consumer_absent(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("healthy-19-7");
    set_collection(&mut s, "panda", "consumers", serde_json::json!([{"job_id": "20-1", "consumer": "consumer-20-1"}]));
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &[])?;
    ensure(finding_ids(&v).contains(&"consumer-record-missing".to_string()), || show(&o))?;
    ensure(!finding_ids(&v).contains(&"job-not-in-mongo".to_string()), || show(&o))?;
    ensure(result_of(&v, "panda", "jobs") == "found" && result_of(&v, "panda", "consumers") == "not-found", || {
        mongo_section(&v)
    })
}

fn stored_as_19_7(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("mongo-format-19-7"), Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &[])?;
    ensure(finding_ids(&v).first().map(String::as_str) == Some("job-id-format-mismatch"), || show(&o))?;
    let jobs = collection(&v, "panda", "jobs").ok_or_else(|| mongo_section(&v))?;
    ensure(jobs["result"] == "found-in-another-format", || mongo_section(&v))?;
    ensure(jobs["otherFormats"][0]["field"] == "job_id" && jobs["otherFormats"][0]["value"] == "19_7", || {
        mongo_section(&v)
    })
}

fn stored_under_job_id(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("mongo-format-19-7");
    set_collection(&mut s, "panda", "jobs", serde_json::json!([{"jobId": "19-7", "status": "configured"}]));
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &[])?;
    ensure(finding_ids(&v).contains(&"job-id-format-mismatch".to_string()), || show(&o))?;
    let jobs = collection(&v, "panda", "jobs").ok_or_else(|| mongo_section(&v))?;
    ensure(jobs["otherFormats"][0]["field"] == "jobId" && jobs["otherFormats"][0]["value"] == "19-7", || {
        mongo_section(&v)
    })
}

/// No output stream of `o` holds either password.
fn no_password_in(o: &Output) -> Result<(), Failed> {
    for (name, stream) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let text = String::from_utf8_lossy(stream);
        for secret in [PASSWORD, WRONG_PASSWORD, "czNjcjN0LU1vbmdvLXB3"] {
            ensure(!text.contains(secret), || format!("{name} shows a password:\n{}", show(o)))?;
        }
    }
    Ok(())
}

fn auth_pod_env(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("mongo-auth-19-7"), Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &["-vvv"])?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(v["mongo"]["credentials"] == "pod-env", || mongo_section(&v))?;
    ensure(result_of(&v, "panda", "jobs") == "found" && result_of(&v, "panda", "consumers") == "found", || {
        mongo_section(&v)
    })?;
    let jobs = collection(&v, "panda", "jobs").unwrap();
    ensure(jobs["documents"][0]["fields"]["api_token"] == "<redacted>", || mongo_section(&v))?;
    ensure(!String::from_utf8_lossy(&o.stdout).contains("tok-never-shown"), || show(&o))?;
    no_password_in(&o)
}

fn auth_secret_flag(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("mongo-auth-19-7"), Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &["--mongo-secret", "mongo-auth/root-password", "--mongo-db", "panda"])?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(v["mongo"]["credentials"] == "secret:mongo-auth/root-password", || mongo_section(&v))?;
    ensure(v["mongo"]["databaseFrom"] == "flag", || mongo_section(&v))?;
    no_password_in(&o)
}

fn wrong_password(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("mongo-auth-19-7");
    for obj in &mut s.objects {
        if obj["kind"] == "Secret" {
            obj["data"]["root-password"] = Value::String("d3IwbmctTW9uZ28tcHc=".into());
            // wr0ng-Mongo-pw
        }
    }
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &["-vvv"])?;
    ensure(o.status.code() == Some(1), || show(&o))?;
    ensure(finding_ids(&v).contains(&"mongo-auth-failed".to_string()), || show(&o))?;
    ensure(v["mongo"]["status"] == "auth-failed" && v["mongo"]["credentials"] == "pod-env", || mongo_section(&v))?;
    no_password_in(&o)?;
    let ns = ctx.ns("panda");
    let t = ctx.run(&["19-7", "-n", &ns, "--no-backend", "-vvv", "-o", "wide"]);
    no_password_in(&t)
}

fn wrong_uri_password(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("mongo-auth-19-7"), Backends::All);
    let ns = ctx.ns("panda");
    let mut cmd = ctx.command(support::tier::BIN, User::Reader);
    cmd.args(["19-7", "-n", &ns, "-o", "json", "--no-backend", "-vvv"])
        .env("JOBTRACE_MONGO_URI", format!("mongodb://root:{WRONG_PASSWORD}@mongo.example:27017/panda"));
    let o = support::tier::output(cmd);
    let v = json_of(&o)?;
    ensure(v["mongo"]["credentials"] == "uri-flag" && v["mongo"]["status"] == "auth-failed", || show(&o))?;
    ensure(v["mongo"]["databaseFrom"] == "uri", || mongo_section(&v))?;
    no_password_in(&o)
}

fn secret_forbidden(tier: Tier) -> Result<(), Failed> {
    // The sandbox has one user: it forbids what the real tier's restricted user lacks.
    let mut s = scenario("mongo-auth-19-7");
    if tier == Tier::Sandbox {
        s.forbidden = vec!["events".into(), "secrets".into()];
    }
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, User::Restricted, &[])?;
    let ids = finding_ids(&v);
    ensure(ids.contains(&"mongo-credentials-unreadable".to_string()), || show(&o))?;
    ensure(ids.contains(&"mongo-auth-failed".to_string()), || show(&o))?;
    let problem = v["mongo"]["credentialsProblem"].as_str().unwrap_or_default();
    ensure(problem.contains("mongo-auth") && problem.contains("--mongo-uri"), || mongo_section(&v))?;
    no_password_in(&o)
}

fn no_listener(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("healthy-19-7");
    for p in &mut s.ports {
        if matches!(p.answer, PortAnswer::Mongo(_)) {
            p.answer = PortAnswer::Refused {};
        }
    }
    let ctx = tier.setup(&s, Backends::All);
    let started = std::time::Instant::now();
    let (o, v) = trace(&ctx, User::Reader, &[])?;
    ensure(finding_ids(&v).contains(&"mongo-unreachable".to_string()), || show(&o))?;
    ensure(v["mongo"]["status"] == "unreachable", || mongo_section(&v))?;
    let problem = v["mongo"]["problem"].as_str().unwrap_or_default().to_ascii_lowercase();
    ensure(problem.contains("refused"), || mongo_section(&v))?;
    ensure(started.elapsed() < std::time::Duration::from_secs(20), || format!("took {:?}", started.elapsed()))
}

fn two_databases(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("healthy-19-7");
    set_collection(&mut s, "archive", "jobs", serde_json::json!([{"job_id": "19-7", "status": "archived"}]));
    set_collection(&mut s, "other", "misc", serde_json::json!([{"job_id": "19-7"}]));
    let ctx = tier.setup(&s, Backends::All);
    let (o, v) = trace(&ctx, User::Reader, &[])?;
    let dbs: Vec<&str> = v["mongo"]["databases"].as_array().into_iter().flatten().filter_map(|d| d.as_str()).collect();
    ensure(dbs == ["archive", "panda"], || format!("{dbs:?}\n{}", show(&o)))?;
    ensure(
        result_of(&v, "archive", "jobs") == "found" && result_of(&v, "archive", "consumers") == "no-collection",
        || mongo_section(&v),
    )?;
    ensure(result_of(&v, "panda", "jobs") == "found", || mongo_section(&v))
}

fn regex_looking_id(tier: Tier) -> Result<(), Failed> {
    let mut s = scenario("mongo-format-19-7");
    set_collection(&mut s, "panda", "jobs", serde_json::json!([{"job_id": "axb"}, {"job_id": "a_b"}]));
    let ctx = tier.setup(&s, Backends::All);
    let ns = ctx.ns("panda");
    let o = ctx.run(&["a.b", "-n", &ns, "-o", "json", "--no-backend"]);
    let v = json_of(&o)?;
    let jobs = collection(&v, "panda", "jobs").ok_or_else(|| show(&o))?;
    let values: Vec<&str> =
        jobs["otherFormats"].as_array().into_iter().flatten().filter_map(|f| f["value"].as_str()).collect();
    ensure(values == ["a_b"], || format!("{values:?}: `.` must match a dot or separator only\n{}", show(&o)))
}

fn direct_uri(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("mongo-auth-19-7"), Backends::All);
    let uri = ctx.mongo("panda/mongo-0", 27017).ok_or("no SecantusDB for panda/mongo-0")?.uri();
    let ns = ctx.ns("panda");
    let mut cmd = ctx.command(support::tier::BIN, User::Reader);
    cmd.args(["19-7", "-n", &ns, "-o", "json", "--no-backend", "--mongo-direct", "--mongo-db", "panda", "-vvv"])
        .env("JOBTRACE_MONGO_URI", &uri);
    let o = support::tier::output(cmd);
    let v = json_of(&o)?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(v["mongo"]["credentials"] == "uri-flag" && v["mongo"]["service"].is_null(), || mongo_section(&v))?;
    ensure(result_of(&v, "panda", "jobs") == "found", || mongo_section(&v))?;
    no_password_in(&o)
}

// --- the wire-protocol stand-in (no cluster, no database) ---------------------------------

/// Runs the plugin against an in-process sandbox serving `scenario`.
fn sandbox_run(scenario: Scenario, args: &[&str]) -> Result<(Output, Value), Failed> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let sandbox = rt.block_on(Sandbox::start(scenario)).map_err(|e| format!("sandbox: {e:#}"))?;
    let dir = tempfile::tempdir()?;
    let kubeconfig = sandbox.write_kubeconfig(dir.path()).map_err(|e| format!("kubeconfig: {e:#}"))?;
    let mut cmd = std::process::Command::new(support::tier::BIN);
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("KUBECONFIG", &kubeconfig)
        .args(["19-7", "-n", "panda", "-o", "json", "--no-backend"])
        .args(args);
    let o = support::tier::output(cmd);
    rt.block_on(sandbox.shutdown());
    let v = json_of(&o)?;
    Ok((o, v))
}

fn sandbox_incident() -> Result<(), Failed> {
    let (o, v) = sandbox_run(scenario("incident-19-7"), &[])?;
    ensure(finding_ids(&v).first().map(String::as_str) == Some("job-not-in-mongo"), || show(&o))?;
    ensure(result_of(&v, "panda", "jobs") == "not-found" && result_of(&v, "panda", "consumers") == "not-found", || {
        mongo_section(&v)
    })
}

fn sandbox_healthy() -> Result<(), Failed> {
    let (o, v) = sandbox_run(scenario("healthy-19-7"), &[])?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(result_of(&v, "panda", "jobs") == "found" && result_of(&v, "panda", "consumers") == "found", || {
        mongo_section(&v)
    })
}

fn sandbox_format() -> Result<(), Failed> {
    let (o, v) = sandbox_run(scenario("mongo-format-19-7"), &[])?;
    ensure(finding_ids(&v).first().map(String::as_str) == Some("job-id-format-mismatch"), || show(&o))?;
    ensure(collection(&v, "panda", "jobs").is_some_and(|j| j["otherFormats"][0]["value"] == "19_7"), || {
        mongo_section(&v)
    })
}

fn sandbox_auth() -> Result<(), Failed> {
    let (o, v) = sandbox_run(scenario("mongo-auth-19-7"), &["-vvv"])?;
    ensure(o.status.code() == Some(0), || show(&o))?;
    ensure(v["mongo"]["credentials"] == "pod-env" && result_of(&v, "panda", "consumers") == "found", || {
        mongo_section(&v)
    })?;
    no_password_in(&o)
}

fn sandbox_secret_forbidden() -> Result<(), Failed> {
    let mut s = scenario("mongo-auth-19-7");
    s.forbidden.push("secrets".into());
    let (o, v) = sandbox_run(s, &[])?;
    ensure(finding_ids(&v).contains(&"mongo-credentials-unreadable".to_string()), || show(&o))?;
    ensure(v["mongo"]["status"] == "auth-failed", || mongo_section(&v))?;
    no_password_in(&o)
}

fn sandbox_no_mongo() -> Result<(), Failed> {
    let (o, v) = sandbox_run(scenario("incident-19-7"), &["--no-mongo"])?;
    ensure(v.get("mongo").is_none(), || show(&o))?;
    let sources: BTreeMap<String, String> = v["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["status"].as_str()?.to_string())))
        .collect();
    ensure(sources.get("mongo").map(String::as_str) == Some("skipped"), || show(&o))
}
