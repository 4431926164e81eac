//! kubectl-jobtrace: trace one job id across a cluster and say what is wrong.
//!
//! The flow is collect -> diagnose -> render: [`trace`] turns [`settings::Settings`] into
//! a client, gathers [`evidence`] from every source concurrently, runs the
//! [`diagnosis`] rules over it and returns one [`report::Report`]; `render` prints it.

pub mod cli;
pub mod cluster;
pub mod completion;
pub mod config;
pub mod diagnosis;
pub mod evidence;
pub mod exit;
pub mod jobid;
pub mod layers;
pub mod render;
pub mod report;
pub mod sandbox;
pub mod settings;
pub mod text;
pub mod timeline;

use thiserror::Error;

use crate::cluster::{Cluster, ClusterError};
use crate::evidence::{Evidence, TraceContext};
use crate::report::{Report, SCHEMA_VERSION};
use crate::settings::Settings;

/// Why a trace could not run at all (exit 2).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("{0}")]
    Other(String),
}

/// Connects to the cluster the settings name and traces the job id.
pub async fn trace(settings: Settings) -> Result<Report, RunError> {
    let started = tokio::time::Instant::now();
    let deadline = started + settings.timeout;
    let cluster = cluster::connect(&settings.kube, settings.request_timeout).await?;
    Ok(trace_with(cluster, settings, deadline).await)
}

/// Traces with a ready client: collect, diagnose, assemble the report.
pub async fn trace_with(cluster: Cluster, settings: Settings, deadline: tokio::time::Instant) -> Report {
    let started = tokio::time::Instant::now();
    let profile = settings.profile.clone();
    let ctx = TraceContext::new(cluster, settings, deadline);
    let evidence = evidence::collect(&ctx).await;
    let findings = diagnosis::diagnose(&evidence);
    let verdict = diagnosis::verdict(&evidence, &findings);
    Report { profile, ..assemble(evidence, findings, verdict, started.elapsed().as_millis() as u64) }
}

fn assemble(ev: Evidence, findings: Vec<diagnosis::Finding>, verdict: report::Verdict, duration_ms: u64) -> Report {
    let d = ev.discovery.get().cloned().unwrap_or_default();
    let timeline = timeline::build(&ev);
    Report {
        schema_version: SCHEMA_VERSION,
        job_id: ev.job_id.to_string(),
        namespace: ev.namespace,
        context: ev.context,
        profile: None,
        started_at: ev.started_at,
        verdict,
        findings,
        pods: d.pods,
        jobs: d.jobs,
        events: ev.events.get().cloned().unwrap_or_default(),
        labels: d.labels,
        elsewhere: d.elsewhere,
        mongo: ev.mongo.get().cloned(),
        logs: ev.logs.get().cloned().unwrap_or_default(),
        timeline,
        backend: ev.backend.get().cloned(),
        consumer: ev.consumer.get().cloned(),
        sources: ev.sources,
        duration_ms,
    }
}
