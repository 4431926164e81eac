//! The report: the one serialisable result of a trace. Every renderer (table, wide, JSON,
//! YAML) prints this same structure, and its JSON form is a public interface: camelCase
//! like Kubernetes, `schemaVersion` bumped on any incompatible change.
//!
//! Evidence sources put their typed facts here (pods, jobs, events, backend, mongo, logs,
//! ...); the diagnosis adds `findings` and the `verdict`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnosis::Finding;
use crate::evidence::consumer::ConsumerFacts;
use crate::evidence::logs::LogSource;

/// Bumped on any incompatible change of the JSON form.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole result of tracing one job id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub job_id: String,
    pub namespace: String,
    pub context: Option<String>,
    /// The config profile applied, and why (absent when none did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::config::ProfileChoice>,
    /// When the trace started.
    pub started_at: jiff::Timestamp,
    pub verdict: Verdict,
    /// Ranked: root causes first, then by severity.
    pub findings: Vec<Finding>,
    pub pods: Vec<PodFacts>,
    pub jobs: Vec<JobFacts>,
    /// Warning events of the matched pods and Jobs, newest first.
    pub events: Vec<EventFacts>,
    /// One entry per expected label key: which matched pods lack it.
    pub labels: Vec<LabelCheck>,
    /// When nothing matched in the namespace: where the id was found instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elsewhere: Vec<ElsewhereHit>,
    /// What MongoDB holds for the id (absent when the step was skipped or failed early).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mongo: Option<MongoFacts>,
    /// Container logs read, with the lines that name the id.
    pub logs: Vec<LogSource>,
    /// Everything that happened, across layers, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The consumer service: its Service and pods (absent when it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<ConsumerFacts>,
    /// What the backend answered for the id (absent with `--no-backend` or when it could not be asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendFacts>,
    /// How each evidence source went.
    pub sources: Vec<SourceStatus>,
    /// Wall time of the whole trace.
    pub duration_ms: u64,
}

/// The one-line answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub status: VerdictStatus,
    /// One sentence naming the most likely cause (or saying all is well).
    pub headline: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum VerdictStatus {
    /// Everything found is healthy: exit 0.
    Healthy,
    /// Problems were found: exit 1.
    Problems,
    /// The trace could not run (no cluster, nothing readable): exit 2.
    Error,
}

/// A pod that belongs to the job id, and how it is doing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodFacts {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    /// Why this pod belongs to the job: `label:<key>`, `name-token`, `pattern:<pattern>`,
    /// `owned-by:<job>`.
    pub matched_by: Vec<String>,
    /// Pending, Running, Succeeded, Failed or Unknown.
    pub phase: String,
    /// The pod's Ready condition is True.
    pub ready: bool,
    pub ready_containers: u32,
    pub total_containers: u32,
    pub restarts: u32,
    /// Per-container state (init containers first).
    pub containers: Vec<ContainerFacts>,
    pub created_at: Option<jiff::Timestamp>,
    pub started_at: Option<jiff::Timestamp>,
    /// When the Ready condition last became True.
    pub ready_since: Option<jiff::Timestamp>,
    pub node: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Expected label keys (`--label-key`) this pod does not carry.
    pub missing_labels: Vec<String>,
    /// The controlling owner, `Kind/name`.
    pub owner: Option<String>,
}

/// One container's state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerFacts {
    pub name: String,
    pub init: bool,
    pub ready: bool,
    pub restarts: u32,
    /// running, waiting, terminated or unknown.
    pub state: String,
    /// The waiting or terminated reason (CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, Completed, ...).
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i32>,
    /// Why the previous instance ended, when the container restarted.
    pub last_termination: Option<Termination>,
}

/// How a container instance ended.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Termination {
    pub reason: Option<String>,
    pub exit_code: i32,
    pub finished_at: Option<jiff::Timestamp>,
}

/// A batch/v1 Job that belongs to the job id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobFacts {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub matched_by: Vec<String>,
    pub active: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub completions: Option<i32>,
    pub parallelism: Option<i32>,
    pub backoff_limit: Option<i32>,
    pub conditions: Vec<ConditionFacts>,
    pub created_at: Option<jiff::Timestamp>,
    pub start_time: Option<jiff::Timestamp>,
    pub completion_time: Option<jiff::Timestamp>,
    pub labels: BTreeMap<String, String>,
}

/// A status condition.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConditionFacts {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition: Option<jiff::Timestamp>,
}

/// A Warning event about a matched pod or Job.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventFacts {
    /// `Pod/name` or `Job/name`.
    pub object: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    pub last_seen: Option<jiff::Timestamp>,
}

/// The expected-label check for one key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LabelCheck {
    pub key: String,
    /// Matched pods that carry `key=<id>`.
    pub present_on: Vec<String>,
    /// Matched pods without the key.
    pub missing_on: Vec<String>,
    /// What the pods without it carry instead that names the job (`job-name=...`, `app=...`).
    pub carried_instead: Vec<String>,
}

/// Where the id was found outside the traced namespace.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ElsewhereHit {
    pub namespace: String,
    /// `Pod/name` or `Job/name`.
    pub object: String,
    pub matched_by: Vec<String>,
}

/// How one evidence source went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    pub name: String,
    pub status: SourceState,
    /// Why it is unavailable or skipped (one line, no secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum SourceState {
    Collected,
    Unavailable,
    Skipped,
}

/// What MongoDB holds for the job id: where it looked, how it logged in, what it found.
/// Credentials are described by where they came from, never by value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MongoFacts {
    /// How far the step got.
    pub status: MongoStatus,
    /// One line on why, when the status is not `searched` (no credentials in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The Service, `name:port`; absent with `--mongo-direct`.
    pub service: Option<String>,
    /// The pod forwarded to, `name:port`.
    pub pod: Option<String>,
    /// Why this Service and pod, when there was a choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// `uri-flag`, `secret:<name>/<key>`, `pod-env` or `none`.
    pub credentials: String,
    /// A credential that could not be read (e.g. the Secret is forbidden), with the flag to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_problem: Option<String>,
    /// The databases searched.
    pub databases: Vec<String>,
    /// `flag`, `uri` or `discovered` (every database holding one of the collections).
    pub database_from: String,
    /// The field the id is expected in.
    pub field: String,
    /// One entry per database and collection searched.
    pub collections: Vec<MongoCollectionFacts>,
}

/// How far the MongoDB step got.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MongoStatus {
    /// The collections were searched.
    #[default]
    Searched,
    /// No MongoDB Service was found (pass `--mongo-service` or `--mongo-uri`).
    NotFound,
    /// MongoDB could not be reached (forward refused, no answer, timeout).
    Unreachable,
    /// MongoDB refused the credentials, or requires some and none were found.
    AuthFailed,
    /// MongoDB answered with an error.
    Error,
}

/// The lookup of the id in one collection.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MongoCollectionFacts {
    pub database: String,
    pub collection: String,
    pub result: LookupResult,
    /// Documents whose field equals the id (at most the lookup limit).
    pub count: u64,
    /// Those documents, summarised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocSummary>,
    /// When nothing matched exactly: the id under another field or in another spelling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_formats: Vec<OtherFormat>,
    /// The earliest time field of the found documents (when the record was written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_at: Option<jiff::Timestamp>,
}

/// Whether the id was found in a collection.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LookupResult {
    Found,
    #[default]
    NotFound,
    /// Not under the field as the id, but under another field or spelling.
    FoundInAnotherFormat,
    /// The database has no such collection.
    NoCollection,
}

/// The id found in another form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OtherFormat {
    /// The field that holds it (`jobId`, `_id`, or the expected field with another value).
    pub field: String,
    /// The value found there, as text.
    pub value: String,
    pub document: DocSummary,
}

/// A document in brief: its `_id`, id-like, status-like and time fields; values of keys
/// that look secret are replaced by `<redacted>`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DocSummary {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

/// One moment of the timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: jiff::Timestamp,
    /// Milliseconds since the first entry.
    pub offset_ms: i64,
    /// Where it comes from: `pod`, `job`, `event`, `log:<role>`, `mongo`, `backend`.
    pub source: String,
    pub text: String,
}

/// How the backend was reached.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum BackendPath {
    /// An in-process port-forward to a ready pod of the Service.
    PortForward,
    /// The apiserver's service proxy (port-forward was forbidden).
    ServiceProxy,
    /// `--backend-url`.
    Url,
}

impl BackendPath {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendPath::PortForward => "port-forward",
            BackendPath::ServiceProxy => "service-proxy",
            BackendPath::Url => "url",
        }
    }
}

/// What the backend said about the id: `GET <metadata path>`, once or polled under `--wait`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackendFacts {
    pub service: Option<String>,
    pub pod: Option<String>,
    /// The port asked: the pod's container port (port-forward), the Service port
    /// (service-proxy) or the URL's port.
    pub port: Option<u16>,
    /// The Service port, when a Service was used.
    pub service_port: Option<u16>,
    pub path_used: Option<BackendPath>,
    /// The request, e.g. `GET /metadata/19-7`.
    pub request: String,
    /// The base URL of `--backend-url`, without credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the first attempt was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt_at: Option<jiff::Timestamp>,
    /// Every attempt, identical consecutive outcomes folded into one entry.
    pub attempts: Vec<BackendAttempt>,
    pub last_status: Option<u16>,
    /// The last answer's body: its JSON value, or (when not JSON) a text excerpt as a string.
    pub body: Option<serde_json::Value>,
    pub body_is_json: bool,
    /// The body was longer than the cap (1 MiB) and was cut there.
    pub body_truncated: bool,
    /// Bytes of the body read.
    pub body_bytes: u64,
    /// Latency of the last answered request.
    pub latency_ms: Option<u64>,
    pub content_type: Option<String>,
    /// The last answer was 200.
    pub healthy: bool,
    /// Why the backend could not be asked, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<BackendProblem>,
    /// How the Service and pod were chosen, when there was a choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// Where the Service's endpoints were read: `endpointSlices`, or `endpoints` (core/v1,
    /// on clusters without `discovery.k8s.io/v1` or when slices are forbidden).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints_from: Option<crate::evidence::services::EndpointSource>,
    /// Why the service proxy was used instead of a port-forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// `--wait`, when polling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<u64>,
}

/// One attempt, or several identical consecutive ones folded (`x37 from 1.1s to 42.1s`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackendAttempt {
    /// Offset of the first of these attempts from the first attempt of the run.
    pub at_ms: u64,
    /// Offset of the last of these attempts (equal to `atMs` for one).
    pub until_ms: u64,
    pub count: u32,
    /// The HTTP status, when the backend answered.
    pub status: Option<u16>,
    /// `404 Invalid job_id`, `200`, `connection refused: ...`.
    pub outcome: String,
    /// Latency of the last of these attempts.
    pub latency_ms: u64,
}

impl BackendAttempt {
    /// The timeline line: `1.105s GET /metadata/19-7 -> 404 Invalid job_id`, or
    /// `x37 from 1.1s to 42.1s GET ... -> ...` when folded.
    pub fn line(&self, request: &str) -> String {
        let secs = |ms: u64| format!("{:.3}s", ms as f64 / 1000.0);
        let short = |ms: u64| format!("{:.1}s", ms as f64 / 1000.0);
        if self.count > 1 {
            format!(
                "x{} from {} to {} {request} -> {}",
                self.count,
                short(self.at_ms),
                short(self.until_ms),
                self.outcome
            )
        } else {
            format!("{} {request} -> {}", secs(self.at_ms), self.outcome)
        }
    }

    /// The timeline text, without the offset: `GET /metadata/19-7 -> 404 Invalid job_id
    /// (x37 until +42.1s)`.
    pub fn summary(&self, request: &str) -> String {
        let folded = if self.count > 1 {
            format!(" (x{} until +{:.1}s)", self.count, self.until_ms as f64 / 1000.0)
        } else {
            String::new()
        };
        format!("{request} -> {}{folded}", self.outcome)
    }
}

/// Why the backend could not be asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BackendProblem {
    /// No Service looks like the backend (or the named one does not exist).
    #[serde(rename_all = "camelCase")]
    NotFound { detail: String, explicit: bool },
    /// The Service has no ready endpoint pod.
    #[serde(rename_all = "camelCase")]
    NoReadyEndpoints { service: String, not_ready: Vec<String> },
    /// The forward or the request failed: refused, reset, timed out (the kube text).
    #[serde(rename_all = "camelCase")]
    Unreachable { detail: String, refused: bool, timed_out: bool },
}
