//! The real test tier's own tests: the harness (cluster, users, seeding, SecantusDB)
//! proven against a real kube-apiserver v1.20.2 with the real kubectl, then the audit
//! check that no read-only user ever mutated the cluster, after every other case.
//!
//! One cluster serves all cases (`harness = false`, libtest-mimic). Run one case with
//! `cargo test --test real_tier -- smoke::reader_lists_events`.

mod support;

use std::process::ExitCode;

use jobtrace::sandbox::scenario::{PortAnswer, Scenario};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{json, Value};
use support::suite::{self, ensure};
use support::{audit, env, seed, show, Backends, Cluster, Ctx, Tier, User};

type Case = fn() -> Result<(), Failed>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let skip = env::skip_real_tier();
    let pure: &[(&str, Case)] = &[
        ("seed::rewrite_renames_namespaces_nodes_and_times", rewrite_renames_namespaces_nodes_and_times),
        ("audit::flags_mutations_of_read_only_users", audit_flags_mutations_of_read_only_users),
    ];
    let real: &[(&str, Case)] = &[
        ("cluster::two_clusters_run_side_by_side", two_clusters_run_side_by_side),
        ("smoke::incident_seeded_with_remapped_uids", incident_seeded_with_remapped_uids),
        ("smoke::kubectl_reader_shows_job_pods_labels", kubectl_reader_shows_job_pods_labels),
        ("smoke::reader_lists_events_and_reads_secrets", reader_lists_events_and_reads_secrets),
        ("smoke::restricted_is_forbidden_events_and_secrets", restricted_is_forbidden_events_and_secrets),
        ("smoke::endpointslices_v1_answer_404", endpointslices_v1_answer_404),
        ("smoke::plugin_is_found_by_kubectl_hermetically", plugin_is_found_by_kubectl_hermetically),
        ("tier::the_plugin_traces_the_incident_on_every_tier", the_plugin_traces_the_incident_on_every_tier),
        ("kubelet::kubectl_logs_through_the_apiserver", kubectl_logs_through_the_apiserver),
        ("kubelet::port_forward_to_backend_and_mongo", port_forward_to_backend_and_mongo),
        ("kubelet::kubectl_port_forward_to_backend", kubectl_port_forward_to_backend),
        ("mongo::secantusdb_serves_seeded_documents", secantusdb_serves_seeded_documents),
        ("mongo::secantusdb_with_auth", secantusdb_with_auth),
    ];
    let mut trials: Vec<Trial> = pure.iter().map(|(name, f)| Trial::test(*name, *f)).collect();
    trials.extend(real.iter().map(|&(name, f)| Trial::test(name, with_log_tails(f)).with_ignored_flag(skip.is_some())));
    if let Some(reason) = &skip {
        eprintln!("real tier skipped: {reason}");
    }
    let cases = libtest_mimic::run(&args, trials);

    // After every case: the audit check, on the log of everything the cases did.
    let last = vec![Trial::test("audit::read_only_users_never_mutated_the_cluster", suite::audit_after_all_cases)
        .with_ignored_flag(skip.is_some())];
    let audit = libtest_mimic::run(&args, last);
    if let Some(c) = Cluster::started() {
        eprintln!("real tier: cluster started in {:.1?}", c.started_in);
        c.shutdown();
    }
    if cases.has_failed() || audit.has_failed() {
        ExitCode::from(101)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs a real-tier case; a failure (or panic) message ends with the tails of the
/// etcd and kube-apiserver logs.
fn with_log_tails(case: Case) -> impl FnOnce() -> Result<(), Failed> + Send + 'static {
    move || {
        let result = std::panic::catch_unwind(case).unwrap_or_else(|panic| {
            let msg =
                panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
            Err(format!("panicked: {}", msg.unwrap_or_default()).into())
        });
        result.map_err(|e| match Cluster::started() {
            Some(c) => format!("{}\n{}", e.message().unwrap_or("failed"), c.log_tails(15)).into(),
            None => e,
        })
    }
}

fn incident() -> Scenario {
    Scenario::builtin("incident-19-7").expect("built-in scenario")
}

/// The incident plus a core/v1 Event about the grpc pod and a Secret, which the incident
/// lacks, so that event and secret seeding and permissions are tested too.
fn incident_with_event_and_secret() -> Scenario {
    let mut s = incident();
    s.objects.push(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "grpc-job-19-7-8rlgb.1", "namespace": "panda"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "grpc-job-19-7-8rlgb", "namespace": "panda",
                           "uid": "7b1e6d2f-2c8e-4d5f-8a6a-1e8f4d2b3c02"},
        "reason": "Started", "message": "Started container grpc", "type": "Normal", "count": 1,
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": "2025-11-13T10:00:00Z", "lastTimestamp": "2025-11-13T10:00:00Z",
    }));
    s.objects.push(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "mongo-credentials", "namespace": "panda"},
        "type": "Opaque", "stringData": {"username": "tracer", "password": "s3cret"},
    }));
    s
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

// --- pure ----------------------------------------------------------------------------------

fn rewrite_renames_namespaces_nodes_and_times() -> Result<(), Failed> {
    let s = incident();
    let now: jiff::Timestamp = "2030-01-02T03:04:05.5Z".parse().unwrap();
    let (r, map) = seed::rewrite(&s, "t9", "node-x", now);
    ensure(map["panda"] == "panda-t9" && map["staging"] == "staging-t9", || format!("{map:?}"))?;
    ensure(r.namespace == "panda-t9", || r.namespace.clone())?;
    ensure(r.now.to_string() == "2030-01-02T03:04:05Z", || format!("now {}", r.now))?;
    for o in &r.objects {
        let ns = o["metadata"]["namespace"].as_str();
        ensure(ns.is_none_or(|n| n.ends_with("-t9")), || format!("namespace of {o}"))?;
        if let Some(node) = o["spec"]["nodeName"].as_str() {
            ensure(node == "node-x", || format!("nodeName of {o}"))?;
        }
    }
    let grpc = r.objects.iter().find(|o| o["metadata"]["name"] == "grpc-job-19-7-8rlgb").unwrap();
    // 2025-11-13T10:00:00Z is one minute before the scenario's now.
    ensure(grpc["status"]["startTime"] == "2030-01-02T03:03:05Z", || format!("{}", grpc["status"]))?;
    let ep = r.objects.iter().find(|o| o["kind"] == "Endpoints").unwrap();
    let addr = &ep["subsets"][0]["addresses"][0];
    ensure(addr["targetRef"]["namespace"] == "panda-t9" && addr["nodeName"] == "node-x", || format!("{ep}"))?;
    let backend = &r.logs["panda-t9/backend-7c9d8f6b5-x2x9q/backend"].current;
    ensure(backend.starts_with("2030-01-02T03:01:05.412Z INFO POST /configure"), || backend.clone())?;
    ensure(r.ports.iter().all(|p| p.pod.starts_with("panda-t9/")), || format!("{:?}", r.ports))?;
    let mongo = r.ports.iter().find_map(|p| match &p.answer {
        PortAnswer::Mongo(m) => Some(m),
        _ => None,
    });
    let job = &mongo.unwrap().databases["panda"]["jobs"][0];
    ensure(job["created_at"]["$date"] == "2030-01-02T03:01:05.530Z", || format!("{job}"))
}

fn audit_flags_mutations_of_read_only_users() -> Result<(), Failed> {
    let line = |user: &str, verb: &str, resource: &str, sub: Option<&str>| {
        let mut o = json!({"resource": resource, "namespace": "panda-t1", "name": "p"});
        if let Some(s) = sub {
            o["subresource"] = json!(s);
        }
        json!({"kind": "Event", "verb": verb, "user": {"username": user}, "objectRef": o,
               "requestURI": "/api/v1/...", "responseStatus": {"code": 201}})
        .to_string()
    };
    let log = [
        line("reader", "list", "pods", None),
        line("reader", "create", "pods", Some("portforward")),
        line("admin", "create", "pods", None),
        line("restricted", "get", "events", None),
    ]
    .join("\n");
    let found = audit::mutations_by(&log, &audit::READ_ONLY_USERS);
    ensure(found.is_empty(), || format!("false positives: {found:?}"))?;
    let bad = format!(
        "{log}\n{}\n{}",
        line("reader", "patch", "pods", None),
        line("restricted", "delete", "pods", Some("status"))
    );
    let found = audit::mutations_by(&bad, &audit::READ_ONLY_USERS);
    ensure(found.len() == 2 && found[0].starts_with("reader patch pods") && found[1].contains("pods/status"), || {
        format!("{found:?}")
    })
}

// --- the cluster ---------------------------------------------------------------------------

/// A second cluster beside the shared one (own ports and folder, removed on drop); its
/// audit log also proves the audit check catches a read-only user's mutation, even a
/// refused one.
fn two_clusters_run_side_by_side() -> Result<(), Failed> {
    let shared = Cluster::shared();
    let private = Cluster::start()?;
    ensure(private.url != shared.url && private.dir != shared.dir, || format!("{} vs {}", private.url, shared.url))?;
    let dir = private.dir.clone();
    let kubectl = |user: User, args: &[&str]| {
        let mut c = std::process::Command::new(support::tier::KUBECTL);
        c.env_clear().env("HOME", &dir).arg("--kubeconfig").arg(private.kubeconfig(user)).args(args);
        support::tier::output(c)
    };
    let answer = kubectl(User::Reader, &["get", "namespaces", "-o", "name"]);
    ensure(answer.status.success() && stdout(&answer).contains("namespace/default"), || show(&answer))?;
    let refused = kubectl(User::Reader, &["label", "namespace", "default", "touched=yes"]);
    ensure(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("Forbidden"), || {
        show(&refused)
    })?;
    let mut found = Vec::new();
    support::procs::wait_for("the refused patch in the audit log", std::time::Duration::from_secs(10), || {
        found = audit::check_file(&private.audit_log, &audit::READ_ONLY_USERS)?.1;
        Ok(!found.is_empty())
    })?;
    ensure(found.len() == 1 && found[0].starts_with("reader patch namespaces default/default -> 403"), || {
        format!("{found:?}")
    })?;
    drop(private);
    ensure(!dir.exists(), || format!("{} left behind", dir.display()))
}

fn incident_seeded_with_remapped_uids() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident_with_event_and_secret(), Backends::None);
    let ns = ctx.ns("panda");
    let get = |path: &str| -> Value {
        let o = ctx.kubectl(User::Admin, &["get", "--raw", path]);
        assert!(o.status.success(), "{}", show(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let job = get(&format!("/apis/batch/v1/namespaces/{ns}/jobs/grpc-job-19-7"));
    let job_uid = job["metadata"]["uid"].as_str().unwrap();
    ensure(job_uid != "04d3d5a9-69e4-40f5-bae5-d77a3337fec0" && job["status"]["active"] == 1, || format!("{job}"))?;
    ensure(job["spec"]["selector"]["matchLabels"]["controller-uid"] == job_uid, || format!("{job}"))?;
    let pod = get(&format!("/api/v1/namespaces/{ns}/pods/grpc-job-19-7-8rlgb"));
    ensure(pod["metadata"]["labels"]["controller-uid"] == job_uid, || format!("{}", pod["metadata"]))?;
    ensure(pod["metadata"]["ownerReferences"][0]["uid"] == job_uid, || format!("{}", pod["metadata"]))?;
    ensure(pod["metadata"]["labels"].get("job_id").is_none(), || format!("{}", pod["metadata"]))?;
    ensure(pod["spec"]["nodeName"] == ctx.seeded().unwrap().node.as_str(), || format!("{}", pod["spec"]))?;
    ensure(pod["status"]["phase"] == "Running" && pod["status"]["podIP"] == "10.244.1.18", || {
        format!("{}", pod["status"])
    })?;
    let ready =
        pod["status"]["conditions"].as_array().unwrap().iter().any(|c| c["type"] == "Ready" && c["status"] == "True");
    ensure(ready, || format!("{}", pod["status"]))?;
    let pod_uid = pod["metadata"]["uid"].as_str().unwrap();
    ensure(ctx.seeded().unwrap().uids["7b1e6d2f-2c8e-4d5f-8a6a-1e8f4d2b3c02"] == pod_uid, || {
        format!("{:?}", ctx.seeded().unwrap().uids)
    })?;
    let ev = get(&format!("/api/v1/namespaces/{ns}/events/grpc-job-19-7-8rlgb.1"));
    ensure(ev["involvedObject"]["uid"] == pod_uid && ev["involvedObject"]["namespace"] == ns.as_str(), || {
        format!("{ev}")
    })?;
    let eps = get(&format!("/api/v1/namespaces/{ns}/endpoints/backend"));
    let target = &eps["subsets"][0]["addresses"][0]["targetRef"];
    let backend_pod = get(&format!("/api/v1/namespaces/{ns}/pods/backend-7c9d8f6b5-x2x9q"));
    ensure(target["uid"] == backend_pod["metadata"]["uid"], || format!("{eps}"))?;
    let svc = get(&format!("/api/v1/namespaces/{ns}/services/backend"));
    ensure(svc["spec"]["ports"][0]["targetPort"] == "http", || format!("{svc}"))?;
    let staging = ctx.kubectl(User::Admin, &["get", "namespace", &ctx.ns("staging")]);
    ensure(staging.status.success(), || show(&staging))
}

fn kubectl_reader_shows_job_pods_labels() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident(), Backends::None);
    let o = ctx.kubectl(User::Reader, &["get", "pods", "-n", &ctx.ns("panda"), "--show-labels"]);
    let out = stdout(&o);
    ensure(o.status.success(), || show(&o))?;
    for (pod, job) in [("cleanup-job-19-7-2tj8z", "cleanup-job-19-7"), ("grpc-job-19-7-8rlgb", "grpc-job-19-7")] {
        let line = out.lines().find(|l| l.starts_with(pod)).ok_or_else(|| format!("no {pod}:\n{out}"))?;
        ensure(line.contains("Running") && line.contains(&format!("job-name={job}")), || line.to_string())?;
        ensure(!line.contains("job_id="), || line.to_string())?;
    }
    Ok(())
}

fn reader_lists_events_and_reads_secrets() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident_with_event_and_secret(), Backends::None);
    let o = ctx.kubectl(User::Reader, &["get", "events", "-o", "name"]);
    ensure(o.status.success() && stdout(&o).contains("event/grpc-job-19-7-8rlgb.1"), || show(&o))?;
    let o = ctx.kubectl(User::Reader, &["get", "secret", "mongo-credentials", "-o", "jsonpath={.data.username}"]);
    ensure(o.status.success() && stdout(&o) == "dHJhY2Vy", || show(&o))
}

fn restricted_is_forbidden_events_and_secrets() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident_with_event_and_secret(), Backends::None);
    let o = ctx.kubectl(User::Restricted, &["get", "events", "-n", &ctx.ns("panda")]);
    let err = String::from_utf8_lossy(&o.stderr);
    ensure(!o.status.success() && err.contains("Forbidden") && err.contains("\"events\""), || show(&o))?;
    let o = ctx.kubectl(User::Restricted, &["get", "secret", "mongo-credentials"]);
    ensure(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("Forbidden"), || show(&o))?;
    let o = ctx.kubectl(User::Restricted, &["get", "pods", "-o", "name"]);
    ensure(o.status.success() && stdout(&o).contains("pod/grpc-job-19-7-8rlgb"), || show(&o))
}

fn endpointslices_v1_answer_404() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident(), Backends::None);
    let ns = ctx.ns("panda");
    let v1 = ctx
        .kubectl(User::Reader, &["get", "--raw", &format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices")]);
    let err = String::from_utf8_lossy(&v1.stderr);
    ensure(!v1.status.success() && err.contains("NotFound"), || show(&v1))?;
    let beta = ctx.kubectl(
        User::Reader,
        &["get", "--raw", &format!("/apis/discovery.k8s.io/v1beta1/namespaces/{ns}/endpointslices")],
    );
    ensure(beta.status.success() && stdout(&beta).contains("EndpointSliceList"), || show(&beta))?;
    let eps = ctx.kubectl(User::Reader, &["get", "endpoints", "backend", "-o", "jsonpath={.subsets[0].ports[0].port}"]);
    ensure(eps.status.success() && stdout(&eps) == "8080", || show(&eps))
}

fn plugin_is_found_by_kubectl_hermetically() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident(), Backends::None);
    let o = ctx.kubectl(User::Reader, &["plugin", "list", "--name-only"]);
    ensure(stdout(&o).lines().any(|l| l == "kubectl-jobtrace"), || show(&o))?;
    let o = ctx.kubectl(
        User::Reader,
        &["config", "view", "--minify", "-o", "jsonpath={.contexts[0].name} {.contexts[0].context.namespace}"],
    );
    ensure(stdout(&o) == format!("real-reader {}", ctx.ns("panda")), || show(&o))
}

/// The shape of every trace test: the same case on each tier, the plugin run as a user
/// would run it, its JSON report parsed back.
fn the_plugin_traces_the_incident_on_every_tier() -> Result<(), Failed> {
    for tier in Tier::all() {
        let ctx = tier.setup(&incident(), Backends::None);
        let o = ctx.run(&["19-7", "-o", "json"]);
        let report: Value =
            serde_json::from_slice(&o.stdout).map_err(|e| format!("{}: {e}\n{}", tier.name(), show(&o)))?;
        let text = report.to_string();
        for pod in ["grpc-job-19-7-8rlgb", "cleanup-job-19-7-2tj8z"] {
            ensure(text.contains(pod), || format!("{}: no {pod} in the report\n{}", tier.name(), show(&o)))?;
        }
        ensure(!text.contains("grpc-job-19-70-x9k2p"), || format!("{}: the 19-70 decoy was matched", tier.name()))?;
        ensure(o.status.code() == Some(1), || format!("{}: problems found must exit 1\n{}", tier.name(), show(&o)))?;
        let via_kubectl = ctx.kubectl(User::Reader, &["jobtrace", "19-7", "-n", &ctx.ns("panda"), "-o", "json"]);
        ensure(via_kubectl.status.code() == Some(1), || format!("{}: {}", tier.name(), show(&via_kubectl)))?;
    }
    Ok(())
}

// --- the kubelet stand-in ------------------------------------------------------------------

const BACKEND_POD: &str = "backend-7c9d8f6b5-x2x9q";

fn kubectl_logs_through_the_apiserver() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident(), Backends::None);
    let o = ctx.kubectl(User::Reader, &["logs", BACKEND_POD, "--tail=2"]);
    let out = stdout(&o);
    ensure(o.status.success() && out.lines().count() == 2, || show(&o))?;
    ensure(out.lines().all(|l| l.contains("/metadata/19-")), || show(&o))?;
    let o = ctx.kubectl(User::Restricted, &["logs", "-n", &ctx.ns("panda"), "grpc-job-19-7-8rlgb", "-c", "grpc"]);
    ensure(o.status.success() && stdout(&o).contains("waiting for consumer of job 19-7"), || show(&o))?;
    let seen = ctx.requests();
    let path = format!("/containerLogs/{}/{BACKEND_POD}/backend", ctx.ns("panda"));
    ensure(seen.iter().any(|r| r.path_and_query.starts_with(&path) && r.path_and_query.contains("tailLines=2")), || {
        format!("{seen:?}")
    })
}

/// What `GET path` over a port-forward to `pod:port` answers, as the tool's kube-rs sees it.
async fn http_over_port_forward(
    client: kube::Client,
    ns: &str,
    pod: &str,
    port: u16,
    path: &str,
) -> Result<String, BoxError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, ns);
    let mut pf = pods.portforward(pod, &[port]).await?;
    let mut stream = pf.take_stream(port).ok_or("no stream")?;
    stream.write_all(format!("GET {path} HTTP/1.1\r\nhost: backend\r\nconnection: close\r\n\r\n").as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    drop(stream);
    let _ = pf.join().await;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

fn port_forward_to_backend_and_mongo() -> Result<(), Failed> {
    let ctx = Tier::Real.setup(&incident(), Backends::All);
    let ns = ctx.ns("panda");
    let result: Result<(), BoxError> = support::cluster::block_on(async {
        let client = Cluster::shared().client(User::Reader).await?;
        let answer = http_over_port_forward(client.clone(), &ns, BACKEND_POD, 8080, "/metadata/19-7").await?;
        check(answer.starts_with("HTTP/1.1 404") && answer.ends_with(r#"{"error":"Invalid job_id"}"#), || {
            answer.clone()
        })?;
        let answer = http_over_port_forward(client.clone(), &ns, BACKEND_POD, 8080, "/metadata/20-1").await?;
        check(answer.starts_with("HTTP/1.1 200") && answer.contains("consumer-20-1"), || answer.clone())?;

        // Mongo: a local listener bridged to port-forwards of mongo-0:27017 (relayed by the
        // stand-in to SecantusDB), one per driver connection, as the tool does.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let local = listener.local_addr()?;
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, &ns);
        let bridge = tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let pods = pods.clone();
                tokio::spawn(async move {
                    let Ok(mut pf) = pods.portforward("mongo-0", &[27017]).await else { return };
                    if let Some(mut up) = pf.take_stream(27017) {
                        let _ = tokio::io::copy_bidirectional(&mut conn, &mut up).await;
                    }
                    let _ = pf.join().await;
                });
            }
        });
        let uri = format!("mongodb://{local}/?directConnection=true&serverSelectionTimeoutMS=20000");
        let mongo = mongodb::Client::with_uri_str(uri).await?;
        use mongodb::bson::{doc, Document};
        let jobs = mongo.database("panda").collection::<Document>("jobs");
        let job =
            tokio::time::timeout(std::time::Duration::from_secs(30), jobs.find_one(doc! {"job_id": "20-1"})).await;
        bridge.abort();
        let job = job.map_err(|_| "find_one over the port-forward timed out")??;
        check(job.is_some_and(|j| j.get_str("status") == Ok("configured")), || "job 20-1 over the port-forward".into())
    });
    result.map_err(|e| {
        let m = ctx.mongo("panda/mongo-0", 27017).map(|m| m.log_tail(10)).unwrap_or_default();
        Failed::from(format!("{e}\nkubelet saw: {:?}\n{m}\n{}", ctx.requests(), Cluster::shared().log_tails(10)))
    })
}

/// kubectl (1.32) port-forwards with SPDY/3.1: first tunnelled in a websocket (refused by
/// the stand-in), then a `POST` upgraded to `SPDY/3.1`, which the 1.20 apiserver passes
/// through to the stand-in's SPDY front (`support::spdy`).
fn kubectl_port_forward_to_backend() -> Result<(), Failed> {
    use std::io::BufRead;
    let ctx = Tier::Real.setup(&incident(), Backends::None);
    let mut cmd = ctx.command(support::tier::KUBECTL, User::Reader);
    cmd.args(["port-forward", &format!("pod/{BACKEND_POD}"), ":8080"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn()?;
    let guard = KillOnDrop(&mut child);
    let out = guard.0.stdout.take().unwrap();
    // "Forwarding from 127.0.0.1:40123 -> 8080"; kubectl prints it once listening.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(20)) else {
        drop(guard);
        let mut err = String::new();
        let _ = child.stderr.take().map(|mut e| std::io::Read::read_to_string(&mut e, &mut err));
        return Err(format!("kubectl port-forward did not start:\n{err}\nkubelet saw: {:?}", ctx.requests()).into());
    };
    let port: u16 = line
        .strip_prefix("Forwarding from 127.0.0.1:")
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("unexpected kubectl output: {line}"))?;
    let answer = support::cluster::block_on(async {
        let r = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()?
            .get(format!("http://127.0.0.1:{port}/metadata/19-7"))
            .send()
            .await?;
        Ok::<_, reqwest::Error>((r.status().as_u16(), r.text().await?))
    });
    drop(guard);
    let mut err = String::new();
    use std::io::Read;
    let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
    let (status, body) =
        answer.map_err(|e| format!("{e}\nkubectl stderr:\n{err}\nkubelet saw: {:?}", ctx.requests()))?;
    ensure(status == 404 && body == r#"{"error":"Invalid job_id"}"#, || format!("{status} {body}\n{err}"))
}

struct KillOnDrop<'a>(&'a mut std::process::Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// --- SecantusDB ----------------------------------------------------------------------------

fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), BoxError> {
    if cond {
        Ok(())
    } else {
        Err(msg().into())
    }
}

fn secantusdb_serves_seeded_documents() -> Result<(), Failed> {
    let ctx: Ctx = Tier::Real.setup(&incident(), Backends::All);
    let m = ctx.mongo("panda/mongo-0", 27017).ok_or("no SecantusDB for panda/mongo-0")?;
    let result: Result<(), BoxError> = support::cluster::block_on(async {
        use mongodb::bson::{doc, Document};
        let client = mongodb::Client::with_uri_str(m.uri()).await?;
        let jobs = client.database("panda").collection::<Document>("jobs");
        let found = jobs.find_one(doc! {"job_id": "20-1"}).await?.ok_or("no job 20-1")?;
        let created = found.get_datetime("created_at")?;
        let age = jiff::Timestamp::now().as_millisecond() - created.timestamp_millis();
        // 09:58:00.530 is 179.47 s before the scenario's now.
        check((179_000..240_000).contains(&age), || format!("created_at {created} is {age} ms old"))?;
        check(jobs.find_one(doc! {"job_id": "19-7"}).await?.is_none(), || "job 19-7 must be missing".into())?;
        let consumers = client.database("panda").collection::<Document>("consumers");
        check(consumers.count_documents(doc! {}).await? == 1, || "one consumer".into())
    });
    result.map_err(|e| Failed::from(format!("{e}\n{}", m.log_tail(20))))
}

fn secantusdb_with_auth() -> Result<(), Failed> {
    let mut s = incident();
    for p in &mut s.ports {
        if let PortAnswer::Mongo(m) = &mut p.answer {
            m.users.push(jobtrace::sandbox::scenario::MongoUser { user: "tracer".into(), password: "s3cret".into() });
        }
    }
    let ctx = Tier::Real.setup(&s, Backends::All);
    let m = ctx.mongo("panda/mongo-0", 27017).ok_or("no SecantusDB for panda/mongo-0")?;
    let result: Result<(), BoxError> = support::cluster::block_on(async {
        use mongodb::bson::{doc, Document};
        let client = mongodb::Client::with_uri_str(m.uri()).await?;
        let jobs = client.database("panda").collection::<Document>("jobs");
        check(jobs.find_one(doc! {"job_id": "20-1"}).await?.is_some(), || "job 20-1 with credentials".into())?;
        let anonymous = mongodb::Client::with_uri_str(m.uri_without_credentials()).await?;
        let denied = anonymous.database("panda").collection::<Document>("jobs").find_one(doc! {}).await;
        check(denied.is_err(), || format!("read without credentials succeeded: {denied:?}"))
    });
    result.map_err(|e| Failed::from(format!("{e}\n{}", m.log_tail(20))))
}
