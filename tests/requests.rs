//! The API requests of one trace, counted: the incident scenario (`incident-19-7`, what
//! `demo` serves) traced on the sandbox, whose apiserver records every request. Each
//! kind of request has an expected count written down with the reason it is needed;
//! a change that adds a redundant request (a second list of the same thing, a GET of an
//! object already read in full) fails here with the whole request log.

mod support;

use std::collections::BTreeMap;
use std::process::ExitCode;

use jobtrace::sandbox::apiserver::RecordedRequest;
use jobtrace::sandbox::scenario::Scenario;
use libtest_mimic::Failed;
use support::suite::{ensure, PureCase, TierCase};
use support::{show, Backends, Ctx, Tier, User};

fn main() -> ExitCode {
    let pure: &[(&str, PureCase)] = &[
        ("incident::requests_per_kind_are_as_expected", incident_requests_per_kind),
        ("incident::nothing_is_asked_twice", incident_nothing_is_asked_twice),
    ];
    let tiered: &[(&str, TierCase)] = &[];
    support::suite::run(pure, tiered)
}

/// What the incident trace needs, kind by kind, and why.
const EXPECTED: &[(&str, usize, &str)] = &[
    ("list events", 1, "Warning events of the namespace, once, filtered to the matched objects locally"),
    ("list jobs (label)", 1, "Jobs labelled job_id=19-7 (one label key configured)"),
    ("list jobs (metadata)", 1, "name matching of Jobs on metadata-only pages (one page here)"),
    ("get job", 2, "full objects of the two Jobs matched by name only (they lack the label)"),
    ("list pods (label)", 1, "pods labelled job_id=19-7"),
    ("list pods (metadata)", 1, "name matching of pods on metadata-only pages (one page here)"),
    ("get pod", 2, "full objects of the two job pods matched by name only"),
    (
        "list pods (service selector)",
        3,
        "the pods of the backend, MongoDB and consumer Services, each listed once and shared: the backend's \
         resolution and its logs read one list, MongoDB's pod (port, env credentials) comes from its list",
    ),
    ("list services", 1, "one list shared by the backend, MongoDB and consumer detection"),
    ("list endpointslices", 2, "backend and MongoDB endpoints (discovery.k8s.io/v1 answers 404 on 1.20)"),
    ("get endpoints", 2, "the core/v1 fallback for the same two Services"),
    ("portforward backend", 1, "GET /metadata/19-7 through one forward"),
    (
        "portforward mongo",
        2,
        "the MongoDB driver opens two connections (its monitor and one pooled connection), each a forward",
    ),
    ("pod log", 4, "one container each: the two job pods, the backend's pod and the consumer's pod"),
];

/// The kind of one request, e.g. `list pods (metadata)` or `portforward mongo`.
fn kind(r: &RecordedRequest) -> String {
    let (path, query) = r.path_and_query.split_once('?').unwrap_or((&r.path_and_query, ""));
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // api/v1/namespaces/NS/RES[/NAME[/SUB]] or apis/GROUP/VERSION/namespaces/NS/RES[/NAME[/SUB]]
    let rest: &[&str] = match parts.as_slice() {
        ["api", "v1", "namespaces", _ns, rest @ ..] => rest,
        ["apis", _group, _version, "namespaces", _ns, rest @ ..] => rest,
        _ => return format!("{} {path}", r.method),
    };
    let metadata = r.accept.as_deref().is_some_and(|a| a.contains("as=PartialObjectMetadata"));
    let singular = |res: &str| res.trim_end_matches('s').to_string();
    match rest {
        [res] if metadata => format!("list {res} (metadata)"),
        [res] if *res == "pods" && query.contains("labelSelector=job_id") => "list pods (label)".into(),
        [res] if *res == "pods" && query.contains("labelSelector=") => "list pods (service selector)".into(),
        [res] if *res == "jobs" && query.contains("labelSelector=") => "list jobs (label)".into(),
        [res] => format!("list {res}"),
        ["endpoints", _name] => "get endpoints".into(),
        [res, _name] => format!("get {}", singular(res)),
        ["pods", name, "portforward"] => format!("portforward {}", name.split('-').next().unwrap_or_default()),
        ["pods", _name, "log"] => "pod log".into(),
        _ => format!("{} {path}", r.method),
    }
}

fn incident_requests() -> Result<Vec<RecordedRequest>, Failed> {
    let ctx: Ctx = Tier::Sandbox.setup(&Scenario::builtin("incident-19-7").expect("incident scenario"), Backends::None);
    let o = ctx.run_as(User::Reader, &["19-7", "-o", "json"]);
    // Exit 1: the incident has findings; the trace itself must have run.
    ensure(o.status.code() == Some(1), || show(&o))?;
    let requests = ctx.requests();
    ensure(requests.iter().all(|r| r.method == "GET"), || format!("a non-GET request: {requests:#?}"))?;
    Ok(requests)
}

fn log_text(requests: &[RecordedRequest]) -> String {
    requests
        .iter()
        .map(|r| format!("  {} {:<32} {}", r.method, kind(r), r.path_and_query))
        .collect::<Vec<_>>()
        .join("\n")
}

fn incident_requests_per_kind() -> Result<(), Failed> {
    let requests = incident_requests()?;
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for r in &requests {
        *got.entry(kind(r)).or_default() += 1;
    }
    let want: BTreeMap<String, usize> = EXPECTED.iter().map(|(k, n, _)| (k.to_string(), *n)).collect();
    let total: usize = want.values().sum();
    ensure(got == want, || {
        let mut diff = String::new();
        for k in got.keys().chain(want.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (g, w) = (got.get(k).copied().unwrap_or(0), want.get(k).copied().unwrap_or(0));
            if g != w {
                let why = EXPECTED.iter().find(|(e, _, _)| e == k).map(|(_, _, why)| *why).unwrap_or("not expected");
                diff.push_str(&format!("  {k}: {g} requests, expected {w} ({why})\n"));
            }
        }
        format!("request counts differ:\n{diff}all {} requests:\n{}", requests.len(), log_text(&requests))
    })?;
    ensure(requests.len() == total, || log_text(&requests))
}

/// No request is sent twice with the same path and query, except port-forwards (one per
/// connection the client opens), and no pod is fetched by name that a full list returned.
fn incident_nothing_is_asked_twice() -> Result<(), Failed> {
    let requests = incident_requests()?;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for r in requests.iter().filter(|r| !r.path_and_query.contains("/portforward")) {
        *seen.entry(r.path_and_query.as_str()).or_default() += 1;
    }
    let twice: Vec<&str> = seen.iter().filter(|(_, n)| **n > 1).map(|(p, _)| *p).collect();
    ensure(twice.is_empty(), || format!("asked more than once: {twice:#?}\n{}", log_text(&requests)))?;
    // The backend's and MongoDB's pods are read through their Services' pod lists.
    let gets: Vec<&str> = requests.iter().filter(|r| kind(r) == "get pod").map(|r| r.path_and_query.as_str()).collect();
    ensure(gets.iter().all(|p| p.contains("-job-19-7-")), || format!("a service pod was fetched by name: {gets:#?}"))
}
