//! Evidence: what the trace gathers from the cluster, one file per source. Each source
//! has an async fetch that only talks to the API and a pure extract that turns API
//! objects into typed facts (unit-tested on fixtures). `collect` runs the sources
//! concurrently under the run's deadline; a source that fails is recorded as
//! `Unavailable` with a one-line reason, and the rest of the trace goes on.
//!
//! Adding a source: write `evidence/<name>.rs` with `fetch` + pure extraction, add a
//! field to [`Evidence`], and run it in [`collect`] through [`run_source`].

pub mod discovery;
pub mod events;
pub mod jobs;
pub mod logs;
pub mod pods;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::time::Instant;

use crate::cluster::Cluster;
use crate::jobid::JobId;
use crate::report::{EventFacts, SourceState, SourceStatus};
use crate::settings::Settings;

/// What one source yielded.
#[derive(Debug, Clone, PartialEq)]
pub enum Collected<T> {
    /// The source answered; these are its facts.
    Collected(T),
    /// The source failed (forbidden, unreachable, timed out): the reason, one line.
    Unavailable { reason: String },
    /// The source was not asked (not needed, or turned off).
    Skipped { reason: String },
}

impl<T> Collected<T> {
    /// The facts, when the source answered.
    pub fn get(&self) -> Option<&T> {
        match self {
            Collected::Collected(v) => Some(v),
            _ => None,
        }
    }

    /// Why the source has no facts, when it has none.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Collected::Collected(_) => None,
            Collected::Unavailable { reason } | Collected::Skipped { reason } => Some(reason),
        }
    }

    pub fn state(&self) -> SourceState {
        match self {
            Collected::Collected(_) => SourceState::Collected,
            Collected::Unavailable { .. } => SourceState::Unavailable,
            Collected::Skipped { .. } => SourceState::Skipped,
        }
    }
}

/// Why a source failed. Messages are one line and carry no credentials.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error("forbidden: {message}")]
    Forbidden { message: String },
    #[error("{what}: the API answered {code} {reason}: {message}")]
    Api { what: String, code: u16, reason: String, message: String },
    #[error("{what}: {detail}")]
    Transport { what: String, detail: String },
    #[error("timed out after {}", humantime::format_duration(*.0))]
    TimedOut(Duration),
    #[error("{0}")]
    Other(String),
}

impl SourceError {
    /// Classifies a kube error for the request described by `what` (e.g. `list pods`).
    pub fn from_kube(what: &str, err: kube::Error) -> Self {
        match err {
            kube::Error::Api(status) if status.is_forbidden() => {
                SourceError::Forbidden { message: one_line(&status.message) }
            }
            kube::Error::Api(status) => SourceError::Api {
                what: what.to_string(),
                code: status.code,
                reason: status.reason.clone(),
                message: one_line(&status.message),
            },
            other => SourceError::Transport { what: what.to_string(), detail: error_chain(&other) },
        }
    }

    /// True for a 403 from the API.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, SourceError::Forbidden { .. })
    }

    /// True for a 404 from the API.
    pub fn is_not_found(&self) -> bool {
        matches!(self, SourceError::Api { code: 404, .. })
    }
}

/// An error and its sources on one line, `a: b: c`, repeated parts dropped.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = one_line(&e.to_string());
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// Collapses whitespace and newlines so a message fits one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What every source gets: the client, the settings and the run's deadline.
#[derive(Clone)]
pub struct TraceContext {
    pub cluster: Cluster,
    pub settings: Arc<Settings>,
    /// The whole run must be done by then (`--timeout`).
    pub deadline: Instant,
}

impl TraceContext {
    pub fn namespace(&self) -> &str {
        &self.cluster.namespace
    }

    pub fn job_id(&self) -> &JobId {
        &self.settings.job_id
    }
}

/// Everything gathered about one job id.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub job_id: JobId,
    pub namespace: String,
    pub context: Option<String>,
    pub label_keys: Vec<String>,
    pub started_at: jiff::Timestamp,
    /// The job's pods and Jobs, the label check, and hits in other namespaces.
    pub discovery: Collected<discovery::Discovery>,
    /// Warning events of the matched pods and Jobs.
    pub events: Collected<Vec<EventFacts>>,
    /// Logs of the job's, the backend's and the consumer service's pods.
    pub logs: Collected<Vec<logs::LogSource>>,
    /// How each source went, in the order they were registered.
    pub sources: Vec<SourceStatus>,
}

/// Runs a source under the run's deadline and records how it went.
pub async fn run_source<T, F>(name: &str, deadline: Instant, fut: F) -> (Collected<T>, SourceStatus)
where
    F: Future<Output = Result<T, SourceError>>,
{
    let start = Instant::now();
    let outcome = match tokio::time::timeout_at(deadline, fut).await {
        Ok(Ok(v)) => Collected::Collected(v),
        Ok(Err(e)) => Collected::Unavailable { reason: e.to_string() },
        Err(_) => Collected::Unavailable {
            reason: SourceError::TimedOut(deadline.saturating_duration_since(start)).to_string(),
        },
    };
    let status = status_of(name, &outcome, start.elapsed());
    tracing::info!(source = name, state = ?outcome.state(), ms = status.duration_ms, "source done");
    (outcome, status)
}

/// The report entry for a source's outcome.
pub fn status_of<T>(name: &str, outcome: &Collected<T>, took: Duration) -> SourceStatus {
    SourceStatus {
        name: name.to_string(),
        status: outcome.state(),
        reason: outcome.reason().map(str::to_string),
        duration_ms: took.as_millis() as u64,
    }
}

/// Gathers all evidence, sources running concurrently.
pub async fn collect(ctx: &TraceContext) -> Evidence {
    let started_at = jiff::Timestamp::now();
    // Warning events are listed once for the namespace, at the same time as discovery,
    // and filtered to the matched objects afterwards: one round trip, off the critical path.
    let events_fut = run_source("events", ctx.deadline, events::fetch_warnings(ctx));
    // The job pods' logs are read as soon as discovery has found the pods.
    let discovery_then_logs = async {
        let (discovery, sources) = discovery::discover(ctx).await;
        let targets: Vec<logs::LogTarget> = discovery
            .get()
            .map(|d| d.pods.iter().map(|p| logs::LogTarget::of_pod(logs::LogRole::Job, p)).collect())
            .unwrap_or_default();
        let logs = read_logs(ctx, targets).await;
        (discovery, sources, logs)
    };
    let ((events_raw, events_status), (discovery, mut sources, (logs, logs_status))) =
        tokio::join!(events_fut, discovery_then_logs);
    sources.push(logs_status);

    let events = match (&discovery, events_raw) {
        (Collected::Collected(d), Collected::Collected(raw)) => {
            Collected::Collected(events::for_objects(&raw, &d.object_refs()))
        }
        (_, Collected::Collected(_)) => Collected::Collected(Vec::new()),
        (_, Collected::Unavailable { reason }) => Collected::Unavailable { reason },
        (_, Collected::Skipped { reason }) => Collected::Skipped { reason },
    };
    sources.push(events_status);

    Evidence {
        job_id: ctx.job_id().clone(),
        namespace: ctx.namespace().to_string(),
        context: ctx.cluster.context.clone(),
        label_keys: ctx.settings.label_keys.clone(),
        started_at,
        discovery,
        events,
        logs,
        sources,
    }
}

/// Reads the targets' logs as the `logs` source (skipped with `--no-logs`).
async fn read_logs(
    ctx: &TraceContext,
    targets: Vec<logs::LogTarget>,
) -> (Collected<Vec<logs::LogSource>>, SourceStatus) {
    match &ctx.settings.logs {
        None => {
            let skipped = Collected::Skipped { reason: "--no-logs".into() };
            let status = status_of("logs", &skipped, Duration::ZERO);
            (skipped, status)
        }
        Some(s) => run_source("logs", ctx.deadline, async { logs::fetch(ctx, &targets, s).await }).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }

    #[tokio::test]
    async fn a_slow_source_times_out_as_unavailable() {
        let deadline = Instant::now() + Duration::from_millis(20);
        let (c, s) = run_source::<(), _>("slow", deadline, async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        })
        .await;
        assert!(matches!(c, Collected::Unavailable { .. }));
        assert_eq!(s.status, SourceState::Unavailable);
        assert!(s.reason.unwrap().starts_with("timed out"));
    }

    #[tokio::test]
    async fn a_failed_source_keeps_its_reason() {
        let deadline = Instant::now() + Duration::from_secs(1);
        let (c, _) = run_source::<(), _>("x", deadline, async {
            Err(SourceError::Forbidden { message: "events is forbidden".into() })
        })
        .await;
        assert_eq!(c.reason(), Some("forbidden: events is forbidden"));
    }
}
