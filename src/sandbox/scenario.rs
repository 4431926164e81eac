//! The scenario format: one YAML file that describes a cluster's state for a test or for
//! `demo`, and seeds both test tiers (the embedded sandbox and the real kube-apiserver).
//!
//! A scenario holds Kubernetes objects exactly as `kubectl get -o yaml` dumps them, the
//! container logs the kubelet would serve, what answers a port-forward to each pod port
//! (a scripted HTTP backend, a MongoDB with documents, or nothing), and which resources
//! the tool's user is forbidden to read. Times in the file are relative to the
//! scenario's `now`; loaders shift every time so that `now` becomes the real present.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Short name, e.g. `incident-19-7`.
    pub name: String,
    /// One paragraph: what this scenario reproduces.
    #[serde(default)]
    pub description: String,
    /// The scenario's present. Every timestamp in objects, logs and documents is shifted
    /// by `real_now - now` when the scenario is loaded.
    pub now: jiff::Timestamp,
    /// The namespace `demo` traces in (and the default one of the written kubeconfig).
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Kubernetes objects (`apiVersion`, `kind`, `metadata`, ...), as dumped by kubectl.
    #[serde(default)]
    pub objects: Vec<serde_json::Value>,
    /// Container logs keyed by `namespace/pod/container`.
    #[serde(default)]
    pub logs: BTreeMap<String, ContainerLogs>,
    /// What answers a port-forward to a pod's port.
    #[serde(default)]
    pub ports: Vec<PortTarget>,
    /// Resources the tracing user may not read (`events`, `pods/log`, `pods/portforward`,
    /// `secrets`, `jobs`, ...): the sandbox answers 403 Forbidden for them.
    #[serde(default)]
    pub forbidden: Vec<String>,
    /// The sandbox answers each pod-log request only after this long, so that tests can
    /// see how many log reads a trace has in flight at once (0: at once).
    #[serde(default)]
    pub log_delay_ms: u64,
}

fn default_namespace() -> String {
    "default".to_string()
}

/// The logs of one container: the current instance and, if it restarted, the previous one.
/// Each line starts with an RFC 3339 timestamp, as `kubectl logs --timestamps` shows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerLogs {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub previous: Option<String>,
}

/// What a port-forward to `pod` (`namespace/name`) on `port` reaches.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortTarget {
    /// `namespace/name` of the pod.
    pub pod: String,
    /// The container port.
    pub port: u16,
    #[serde(flatten)]
    pub answer: PortAnswer,
}

/// The three kinds of listener a pod port can have in a scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PortAnswer {
    /// A scripted HTTP backend.
    Backend(BackendScript),
    /// A MongoDB server holding these databases.
    Mongo(MongoData),
    /// Nothing listens: the forward's error channel reports connection refused.
    Refused {},
}

/// A scripted HTTP backend: routes by exact path; anything else answers 404 `{"error":"not found"}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendScript {
    #[serde(default)]
    pub routes: Vec<BackendRoute>,
}

/// One scripted answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendRoute {
    /// Exact request path, percent-encoded as it arrives (e.g. `/metadata/19-7`).
    pub path: String,
    /// Status code to answer.
    pub status: u16,
    /// Body: a JSON value is sent as `application/json`; use `rawBody` for anything else.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// A raw body sent as is (with `contentType`, default `text/html`).
    #[serde(default)]
    pub raw_body: Option<String>,
    /// Repeat `rawBody` (or the JSON body's text) this many times (large-body tests).
    #[serde(default)]
    pub repeat: Option<usize>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Wait this long before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// After this long since the listener started, answer `healthy` instead.
    #[serde(default)]
    pub healthy_after_ms: Option<u64>,
    /// The answer once `healthyAfterMs` has passed (default: 200 with `{"job_id": <id>}`-like body given here).
    #[serde(default)]
    pub healthy: Option<Box<BackendRoute>>,
    /// Close the connection without answering.
    #[serde(default)]
    pub hang_up: bool,
}

/// Databases of a scripted MongoDB: database -> collection -> documents (MongoDB Extended
/// JSON, e.g. `{"$date": "2025-11-13T10:00:00Z"}` for dates).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MongoData {
    #[serde(default)]
    pub databases: BTreeMap<String, BTreeMap<String, Vec<serde_json::Value>>>,
    /// Users `{user, password}` that may authenticate (SCRAM-SHA-256); empty: no auth.
    #[serde(default)]
    pub users: Vec<MongoUser>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MongoUser {
    pub user: String,
    pub password: String,
}

impl Scenario {
    /// Parses a scenario file's text.
    pub fn from_yaml(text: &str) -> Result<Self, serde_yaml::Error> {
        serde_yaml::from_str(text)
    }

    /// The built-in scenarios, by name.
    pub fn builtin(name: &str) -> Option<Self> {
        let text = BUILTIN.iter().find(|(n, _)| *n == name)?.1;
        Some(Self::from_yaml(text).expect("built-in scenarios parse (checked by a unit test)"))
    }

    /// The seconds to add to every time in the scenario so that `now` is `real_now`.
    pub fn shift_to(&self, real_now: jiff::Timestamp) -> jiff::SignedDuration {
        real_now.duration_since(self.now)
    }
}

/// Built-in scenarios shipped in the binary (used by `demo` and the fast tests).
pub const BUILTIN: &[(&str, &str)] = &[
    ("incident-19-7", include_str!("../../scenarios/incident-19-7.yaml")),
    ("healthy-19-7", include_str!("../../scenarios/healthy-19-7.yaml")),
    ("crashloop-19-7", include_str!("../../scenarios/crashloop-19-7.yaml")),
    ("job-failed-19-7", include_str!("../../scenarios/job-failed-19-7.yaml")),
    ("elsewhere-19-7", include_str!("../../scenarios/elsewhere-19-7.yaml")),
    ("mongo-format-19-7", include_str!("../../scenarios/mongo-format-19-7.yaml")),
    ("mongo-auth-19-7", include_str!("../../scenarios/mongo-auth-19-7.yaml")),
    ("backend-19-7", include_str!("../../scenarios/backend-19-7.yaml")),
];

/// Checks a scenario's internal consistency; returns one line per problem (empty: fine).
///
/// Every object has `apiVersion`, `kind` and `metadata.name` (and a namespace when the kind is
/// namespaced), is of a kind the sandbox serves, is not duplicated, and lives in a namespace
/// the scenario declares; every `ports` entry names an existing pod; every log key
/// (`namespace/pod/container`) names an existing container; `forbidden` names known resources.
pub fn validate(scenario: &Scenario) -> Vec<String> {
    use crate::sandbox::store::{resource_type_of, RESOURCES};
    use std::collections::BTreeSet;

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut pods: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let namespaces: BTreeSet<&str> = scenario
        .objects
        .iter()
        .filter(|o| o["kind"] == "Namespace")
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    for (i, object) in scenario.objects.iter().enumerate() {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default();
        let what = format!("object #{i} ({kind} {namespace}/{name})");
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            problems.push(format!("{what}: apiVersion, kind and metadata.name are required"));
            continue;
        }
        let Some(rt) = resource_type_of(api_version, kind) else {
            problems.push(format!("{what}: {api_version} {kind} is not served by the sandbox"));
            continue;
        };
        if rt.namespaced && namespace.is_empty() {
            problems.push(format!("{what}: a {kind} needs metadata.namespace"));
        }
        if rt.namespaced && !namespace.is_empty() && !namespaces.contains(namespace) {
            problems.push(format!("{what}: namespace {namespace:?} has no Namespace object"));
        }
        if !seen.insert((kind, namespace, name)) {
            problems.push(format!("{what}: duplicate object"));
        }
        if kind == "Pod" {
            let containers = ["containers", "initContainers"]
                .iter()
                .filter_map(|key| object["spec"][*key].as_array())
                .flatten()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect();
            pods.insert(format!("{namespace}/{name}"), containers);
        }
    }
    for port in &scenario.ports {
        if !pods.contains_key(&port.pod) {
            problems.push(format!("ports: pod {:?} (port {}) does not exist", port.pod, port.port));
        }
    }
    for key in scenario.logs.keys() {
        let parts: Vec<&str> = key.split('/').collect();
        let [namespace, pod, container] = parts.as_slice() else {
            problems.push(format!("logs: key {key:?} is not namespace/pod/container"));
            continue;
        };
        match pods.get(&format!("{namespace}/{pod}")) {
            None => problems.push(format!("logs: pod {namespace}/{pod} does not exist")),
            Some(containers) if !containers.iter().any(|c| c == container) => {
                problems.push(format!("logs: pod {namespace}/{pod} has no container {container:?}"))
            }
            Some(_) => {}
        }
    }
    for resource in &scenario.forbidden {
        let base = resource.split('/').next().unwrap_or_default();
        if !RESOURCES.iter().any(|r| r.plural == base) {
            problems.push(format!("forbidden: unknown resource {resource:?}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_scenarios_parse() {
        for (name, _) in BUILTIN {
            let s = Scenario::builtin(name).unwrap();
            assert_eq!(&s.name, name);
            assert!(!s.objects.is_empty());
        }
    }

    #[test]
    fn builtin_scenarios_are_consistent() {
        for (name, _) in BUILTIN {
            let problems = validate(&Scenario::builtin(name).unwrap());
            assert!(problems.is_empty(), "{name}: {problems:#?}");
        }
    }

    #[test]
    fn validate_reports_dangling_references() {
        let mut s = Scenario::builtin("incident-19-7").unwrap();
        s.objects.push(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "panda"}}));
        s.objects.push(serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "panda"}}));
        s.objects.push(
            serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "nowhere"}}),
        );
        s.logs.insert("panda/mongo-0/sidecar".into(), ContainerLogs::default());
        s.logs.insert("panda/ghost/c".into(), ContainerLogs::default());
        s.ports.push(PortTarget { pod: "panda/ghost".into(), port: 1, answer: PortAnswer::Refused {} });
        s.forbidden.push("widgets".into());
        let problems = validate(&s);
        assert_eq!(problems.len(), 7, "{problems:#?}");
        for needle in [
            "metadata.name are required",
            "not served",
            "no Namespace object",
            "no container \"sidecar\"",
            "logs: pod panda/ghost does not exist",
            "panda/ghost\" (port 1)",
            "widgets",
        ] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:#?}");
        }
    }
}
