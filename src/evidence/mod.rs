//! Evidence: what the trace gathers from the cluster, one file per source. Each source
//! has an async fetch that only talks to the API and a pure extract that turns API
//! objects into typed facts (unit-tested on fixtures). `collect` runs the sources
//! concurrently under the run's deadline; a source that fails is recorded as
//! `Unavailable` with a one-line reason, and the rest of the trace goes on.
//!
//! Adding a source: write `evidence/<name>.rs` with `fetch` + pure extraction, add a
//! field to [`Evidence`], and run it in [`collect`] through [`run_source`].

pub mod backend;
pub mod consumer;
pub mod discovery;
pub mod events;
pub mod jobs;
pub mod logs;
pub mod mongo;
pub mod mongo_credentials;
pub mod pods;
pub mod portforward;
pub mod services;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::time::Instant;

use crate::cluster::Cluster;
use crate::jobid::JobId;
use crate::report::{BackendFacts, EventFacts, MongoFacts, MongoStatus, SourceState, SourceStatus};
use crate::settings::{BackendTarget, Settings};

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
#[derive(Debug, Clone, Error)]
pub enum SourceError {
    #[error("forbidden: {message}")]
    Forbidden { message: String },
    #[error("{what}: the API answered {code} {reason}: {message}")]
    Api { what: String, code: u16, reason: String, message: String },
    #[error("{what}: {detail}")]
    Transport { what: String, detail: String },
    /// Cut by the run's deadline.
    #[error(
        "timed out after {} (the run's --timeout)",
        humantime::format_duration(Duration::from_millis(.0.as_millis() as u64))
    )]
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
            // kube's timeouts say "deadline has elapsed"; its other errors may quote a
            // credential plugin's output: scrubbed as the client's errors are.
            other => SourceError::Transport {
                what: what.to_string(),
                detail: crate::cluster::scrub(&other).replace("deadline has elapsed", "timed out (--request-timeout)"),
            },
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

pub use crate::text::one_line;

/// What every source gets: the client, the settings and the run's deadline.
#[derive(Clone)]
pub struct TraceContext {
    pub cluster: Cluster,
    pub settings: Arc<Settings>,
    /// The whole run must be done by then (`--timeout`).
    pub deadline: Instant,
    /// Log reads in flight across every group of logs (`--log-concurrency`).
    pub log_permits: Arc<tokio::sync::Semaphore>,
    /// Services and Service pods, each read once and shared by the sources.
    pub lookups: Arc<services::Lookups>,
}

impl TraceContext {
    /// A context for a run with these settings, ending by `deadline`.
    pub fn new(cluster: Cluster, settings: Settings, deadline: Instant) -> Self {
        let permits = settings.logs.as_ref().map_or(1, |l| l.concurrency.max(1));
        Self {
            cluster,
            settings: Arc::new(settings),
            deadline,
            log_permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            lookups: Default::default(),
        }
    }

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
    /// The job's and consumer's records in MongoDB.
    pub mongo: Collected<MongoFacts>,
    /// Logs of the job's, the backend's and the consumer service's pods.
    pub logs: Collected<Vec<logs::LogSource>>,
    /// What the backend answers for the id.
    pub backend: Collected<BackendFacts>,
    /// The consumer service's Service and pods.
    pub consumer: Collected<consumer::ConsumerFacts>,
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

/// A source turned off (`--no-backend`, ...): skipped, with the flag as the reason.
pub fn skipped<T>(name: &str, reason: &str) -> (Collected<T>, SourceStatus) {
    let outcome = Collected::Skipped { reason: reason.to_string() };
    let status = status_of(name, &outcome, Duration::ZERO);
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
    let logs_started = Instant::now();
    // Each group of logs is read as soon as its pods are known: the job's after
    // discovery, the backend's after the backend was asked, the consumer's after its
    // Service was found.
    let discovery_branch = async {
        let (discovery, sources) = discovery::discover(ctx).await;
        let targets: Vec<logs::LogTarget> = discovery
            .get()
            .map(|d| d.pods.iter().map(|p| logs::LogTarget::of_pod(logs::LogRole::Job, p)).collect())
            .unwrap_or_default();
        let logs = read_logs(ctx, targets).await;
        (discovery, sources, logs)
    };
    // The backend needs only its Service and endpoints, not the job's pods: it runs beside discovery.
    let backend_branch = async {
        let (backend, status) = if ctx.settings.backend.target == BackendTarget::Off {
            skipped("backend", "--no-backend")
        } else {
            run_source("backend", ctx.deadline, backend::collect(ctx)).await
        };
        let logs = match backend.get().and_then(|b| b.service.clone()) {
            Some(service) if ctx.settings.logs.is_some() => {
                match tokio::time::timeout_at(ctx.deadline, services::pods_of_service(ctx, &service)).await {
                    Ok(Ok(pods)) => {
                        let targets = pods.iter().map(|p| logs::LogTarget::of_pod(logs::LogRole::Backend, p)).collect();
                        read_logs(ctx, targets).await
                    }
                    Ok(Err(e)) => Some(Err(e)),
                    Err(_) => Some(Err(SourceError::TimedOut(logs_started.elapsed()))),
                }
            }
            _ => read_logs(ctx, Vec::new()).await,
        };
        (backend, status, logs)
    };
    let consumer_branch = async {
        let (consumer, status) = run_source("consumer", ctx.deadline, consumer::fetch(ctx)).await;
        let targets = consumer
            .get()
            .map(|c| c.pods.iter().map(|p| logs::LogTarget::of_pod(logs::LogRole::Consumer, p)).collect())
            .unwrap_or_default();
        let logs = read_logs(ctx, targets).await;
        (consumer, status, logs)
    };
    // MongoDB needs only its Service and credentials: it runs beside discovery too; the
    // pods' times are compared with its records by the rules afterwards.
    let mongo_branch = async {
        if !ctx.settings.mongo.enabled {
            skipped("mongo", "--no-mongo")
        } else {
            let (outcome, status) = run_source("mongo", ctx.deadline, mongo::collect(ctx)).await;
            let status = mongo_status(&outcome, status);
            (outcome, status)
        }
    };
    let (
        (events_raw, events_status),
        (discovery, mut sources, job_logs),
        (backend, backend_status, backend_logs),
        (consumer, consumer_status, consumer_logs),
        (mongo, mongo_status),
    ) = tokio::join!(events_fut, discovery_branch, backend_branch, consumer_branch, mongo_branch);
    let (logs, logs_status) = combine_logs([job_logs, backend_logs, consumer_logs], logs_started.elapsed());

    let events = match (&discovery, events_raw) {
        (Collected::Collected(d), Collected::Collected(raw)) => {
            Collected::Collected(events::for_objects(&raw, &d.object_refs()))
        }
        (_, Collected::Collected(_)) => Collected::Collected(Vec::new()),
        (_, Collected::Unavailable { reason }) => Collected::Unavailable { reason },
        (_, Collected::Skipped { reason }) => Collected::Skipped { reason },
    };
    sources.extend([events_status, backend_status, mongo_status, consumer_status, logs_status]);

    Evidence {
        job_id: ctx.job_id().clone(),
        namespace: ctx.namespace().to_string(),
        context: ctx.cluster.context.clone(),
        label_keys: ctx.settings.label_keys.clone(),
        started_at,
        discovery,
        events,
        mongo,
        logs,
        backend,
        consumer,
        sources,
    }
}

/// Reads one group of logs under the run's deadline; `None` with `--no-logs`.
async fn read_logs(
    ctx: &TraceContext,
    targets: Vec<logs::LogTarget>,
) -> Option<Result<Vec<logs::LogSource>, SourceError>> {
    let s = ctx.settings.logs.as_ref()?;
    let start = Instant::now();
    Some(match tokio::time::timeout_at(ctx.deadline, logs::fetch(ctx, &targets, s)).await {
        Ok(r) => r,
        Err(_) => Err(SourceError::TimedOut(start.elapsed())),
    })
}

/// The `logs` source from its groups: collected when any group was read (the others'
/// errors are dropped), unavailable when every group failed, skipped with `--no-logs`.
fn combine_logs(
    groups: [Option<Result<Vec<logs::LogSource>, SourceError>>; 3],
    took: Duration,
) -> (Collected<Vec<logs::LogSource>>, SourceStatus) {
    let outcome = if groups.iter().all(Option::is_none) {
        Collected::Skipped { reason: "--no-logs".into() }
    } else {
        let results: Vec<Result<Vec<logs::LogSource>, SourceError>> = groups.into_iter().flatten().collect();
        if results.iter().all(Result::is_err) {
            let reason = results.into_iter().find_map(Result::err).map(|e| e.to_string()).unwrap_or_default();
            Collected::Unavailable { reason }
        } else {
            Collected::Collected(results.into_iter().filter_map(Result::ok).flatten().collect())
        }
    };
    let status = status_of("logs", &outcome, took);
    (outcome, status)
}

/// The `mongo` source's status: the facts may say it failed past the Service lookup.
fn mongo_status(outcome: &Collected<MongoFacts>, mut status: SourceStatus) -> SourceStatus {
    if let Collected::Collected(m) = outcome {
        match m.status {
            MongoStatus::Searched => {}
            MongoStatus::NotFound => {
                status.status = SourceState::Skipped;
                status.reason = m.problem.clone();
            }
            _ => {
                status.status = SourceState::Unavailable;
                status.reason = m.problem.clone();
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

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
