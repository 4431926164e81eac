//! The report: the one serialisable result of a trace. Every renderer (table, wide, JSON,
//! YAML) prints this same structure, and its JSON form is a public interface: camelCase
//! like Kubernetes, `schemaVersion` bumped on any incompatible change.
//!
//! Evidence sources put their typed facts here (pods, jobs, events, backend, mongo, logs,
//! ...); the diagnosis adds `findings` and the `verdict`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnosis::Finding;
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
    /// Container logs read, with the lines that name the id.
    pub logs: Vec<LogSource>,
    /// Everything that happened, across layers, oldest first.
    pub timeline: Vec<TimelineEntry>,
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
