//! Logs: the lines of the job's pods, the backend's and the consumer service's that name
//! the job id, as `kubectl logs <pod> | grep <id>` would find them, for every container
//! (and the previous instance of a restarted one).
//!
//! `--since` and `--tail` are sent to the API (`sinceSeconds`, `tailLines`) rather than
//! applied after download, `timestamps=true` gives each line its time, and fetches run a
//! bounded number at a time. Matching uses the id's whole-token rule for text, so `19-7`
//! does not match `19-70`.

use std::time::Duration;

use futures::{stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::LogParams;
use kube::Api;
use serde::{Deserialize, Serialize};

use super::{SourceError, TraceContext};
use crate::jobid::JobId;
use crate::report::PodFacts;

/// Most lines kept per container log.
pub const MAX_HITS_PER_SOURCE: usize = 50;
/// Most bytes read of one container log.
const LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// Whose pod a log belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LogRole {
    Job,
    Backend,
    Consumer,
}

impl LogRole {
    pub fn as_str(self) -> &'static str {
        match self {
            LogRole::Job => "job",
            LogRole::Backend => "backend",
            LogRole::Consumer => "consumer",
        }
    }
}

/// How logs are read.
#[derive(Debug, Clone)]
pub struct LogSettings {
    pub since: Duration,
    pub tail: u32,
    pub concurrency: usize,
}

/// One pod whose logs are read.
#[derive(Debug, Clone, PartialEq)]
pub struct LogTarget {
    pub role: LogRole,
    pub pod: String,
    /// Containers, and whether each restarted (then its previous log is read too).
    pub containers: Vec<(String, bool)>,
}

impl LogTarget {
    /// All containers of a pod, init containers included.
    pub fn of_pod(role: LogRole, pod: &PodFacts) -> Self {
        Self {
            role,
            pod: pod.name.clone(),
            containers: pod
                .containers
                .iter()
                .map(|c| (c.name.clone(), c.restarts > 0 || c.last_termination.is_some()))
                .collect(),
        }
    }
}

/// A log line that names the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogHit {
    pub at: Option<jiff::Timestamp>,
    pub level: LogLevel,
    /// The line without its timestamp, cut at 500 characters.
    pub text: String,
}

/// A line's level, detected from its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

/// What one container's log gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSource {
    pub role: LogRole,
    pub pod: String,
    pub container: String,
    /// The previous (terminated) instance's log.
    pub previous: bool,
    pub lines_scanned: usize,
    /// Lines naming the id, oldest first, at most [`MAX_HITS_PER_SOURCE`].
    pub hits: Vec<LogHit>,
    /// More lines named the id than were kept.
    pub truncated: bool,
    /// Why this log could not be read (forbidden, not found, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Reads every target's logs, at most `--log-concurrency` at a time across the whole run
/// (the context's permits are shared by the job's, backend's and consumer's logs). A
/// container whose log cannot be read is recorded with its error; the whole source fails
/// only when every read was forbidden (no `pods/log` permission).
pub async fn fetch(ctx: &TraceContext, targets: &[LogTarget], s: &LogSettings) -> Result<Vec<LogSource>, SourceError> {
    let api: Api<Pod> = Api::namespaced(ctx.cluster.client.clone(), ctx.namespace());
    let jobs: Vec<(LogRole, String, String, bool)> = targets
        .iter()
        .flat_map(|t| {
            t.containers.iter().flat_map(move |(c, restarted)| {
                let current = (t.role, t.pod.clone(), c.clone(), false);
                let previous = restarted.then(|| (t.role, t.pod.clone(), c.clone(), true));
                std::iter::once(current).chain(previous)
            })
        })
        .collect();
    let id = ctx.job_id().clone();
    let results: Vec<(LogSource, bool)> = stream::iter(jobs)
        .map(|(role, pod, container, previous)| {
            let api = api.clone();
            let id = id.clone();
            async move {
                let lp = LogParams {
                    container: Some(container.clone()),
                    previous,
                    since_seconds: Some(s.since.as_secs().max(1) as i64),
                    tail_lines: Some(i64::from(s.tail)),
                    timestamps: true,
                    limit_bytes: Some(LIMIT_BYTES),
                    ..Default::default()
                };
                let mut source = LogSource {
                    role,
                    pod: pod.clone(),
                    container,
                    previous,
                    lines_scanned: 0,
                    hits: Vec::new(),
                    truncated: false,
                    error: None,
                };
                // one permit per read, shared by every group of logs of the run
                let permit = ctx.log_permits.acquire().await;
                let answer = api.logs(&pod, &lp).await;
                drop(permit);
                match answer {
                    Ok(text) => {
                        let scan = scan(&text, &id, MAX_HITS_PER_SOURCE);
                        source.lines_scanned = scan.lines;
                        source.hits = scan.hits;
                        source.truncated = scan.truncated;
                        (source, false)
                    }
                    Err(e) => {
                        let err = SourceError::from_kube("read logs", e);
                        let forbidden = err.is_forbidden();
                        source.error = Some(err.to_string());
                        (source, forbidden)
                    }
                }
            }
        })
        .buffer_unordered(s.concurrency.max(1))
        .collect()
        .await;
    if !results.is_empty() && results.iter().all(|(_, forbidden)| *forbidden) {
        let reason = results[0].0.error.clone().unwrap_or_default();
        return Err(SourceError::Forbidden { message: reason.trim_start_matches("forbidden: ").to_string() });
    }
    let mut sources: Vec<LogSource> = results.into_iter().map(|(s, _)| s).collect();
    sources.sort_by(|a, b| {
        (a.role.as_str(), &a.pod, &a.container, a.previous).cmp(&(b.role.as_str(), &b.pod, &b.container, b.previous))
    });
    Ok(sources)
}

/// The result of scanning one log.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub lines: usize,
    pub hits: Vec<LogHit>,
    pub truncated: bool,
}

/// Keeps the lines naming the id as a whole token; the newest `cap` when there are more.
pub fn scan(text: &str, id: &JobId, cap: usize) -> Scan {
    let mut hits = Vec::new();
    let mut lines = 0;
    let mut matched = 0;
    for line in text.lines() {
        lines += 1;
        let (at, rest) = split_timestamp(line);
        if id.is_text_token_of(rest) {
            matched += 1;
            hits.push(LogHit { at, level: detect_level(rest), text: crate::text::excerpt(rest.trim(), 500) });
        }
    }
    let truncated = matched > cap;
    if truncated {
        hits.drain(..hits.len() - cap);
    }
    Scan { lines, hits, truncated }
}

/// Splits the RFC 3339 timestamp `timestamps=true` puts before each line.
pub fn split_timestamp(line: &str) -> (Option<jiff::Timestamp>, &str) {
    if let Some((first, rest)) = line.split_once(' ') {
        if let Ok(t) = first.parse::<jiff::Timestamp>() {
            return (Some(t), rest);
        }
    }
    (None, line)
}

/// ERROR, WARN or INFO from the line's words (`level=error`, `[ERROR]`, `E1113`, ...).
pub fn detect_level(text: &str) -> LogLevel {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> =
        upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).take(12).collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    if has(&["ERROR", "ERR", "FATAL", "PANIC", "CRITICAL", "EXCEPTION", "TRACEBACK"]) {
        LogLevel::Error
    } else if has(&["WARN", "WARNING"]) {
        LogLevel::Warn
    } else if text.starts_with('E') && text.get(1..5).is_some_and(|d| d.chars().all(|c| c.is_ascii_digit())) {
        // klog: E1113 10:00:01.105 ...
        LogLevel::Error
    } else if text.starts_with('W') && text.get(1..5).is_some_and(|d| d.chars().all(|c| c.is_ascii_digit())) {
        LogLevel::Warn
    } else {
        LogLevel::Info
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ContainerFacts;
    use crate::sandbox::scenario::Scenario;

    fn id() -> JobId {
        JobId::parse("19-7").unwrap()
    }

    #[test]
    fn scans_the_incident_backend_log() {
        let s = Scenario::builtin("incident-19-7").unwrap();
        let log = &s.logs["panda/backend-7c9d8f6b5-x2x9q/backend"].current;
        let scan = scan(log, &id(), 50);
        assert_eq!(scan.lines, 9);
        assert_eq!(scan.hits.len(), 6, "{:#?}", scan.hits);
        assert!(!scan.hits.iter().any(|h| h.text.contains("19-70 ")));
        assert_eq!(scan.hits[1].level, LogLevel::Error);
        assert!(scan.hits[1].text.starts_with("ERROR persist job 19-7 failed"));
        assert_eq!(scan.hits[2].level, LogLevel::Warn);
        assert_eq!(scan.hits[0].at.unwrap().to_string(), "2025-11-13T09:59:59.774Z");
    }

    #[test]
    fn keeps_the_newest_when_capped() {
        let log: String = (0..10).map(|i| format!("2025-11-13T10:00:0{i}Z INFO job 19-7 step {i}\n")).collect();
        let scan = scan(&log, &id(), 3);
        assert!(scan.truncated);
        assert_eq!(scan.hits.len(), 3);
        assert!(scan.hits[2].text.ends_with("step 9"));
    }

    #[test]
    fn levels() {
        assert_eq!(detect_level("ERROR persist failed"), LogLevel::Error);
        assert_eq!(detect_level("level=error msg=x"), LogLevel::Error);
        assert_eq!(detect_level("[WARN] slow"), LogLevel::Warn);
        assert_eq!(detect_level("E1113 10:00:01.105 x"), LogLevel::Error);
        assert_eq!(detect_level("INFO fine"), LogLevel::Info);
        assert_eq!(detect_level("errors=0 all good"), LogLevel::Info);
    }

    #[test]
    fn lines_without_timestamps_are_kept() {
        let scan = scan("job 19-7 started\n", &id(), 5);
        assert_eq!(scan.hits[0].at, None);
        assert_eq!(scan.hits[0].text, "job 19-7 started");
    }

    #[test]
    fn restarted_containers_read_previous_too() {
        let pod = PodFacts {
            name: "p".into(),
            containers: vec![
                ContainerFacts { name: "a".into(), restarts: 2, ..Default::default() },
                ContainerFacts { name: "b".into(), ..Default::default() },
            ],
            ..Default::default()
        };
        let t = LogTarget::of_pod(LogRole::Job, &pod);
        assert_eq!(t.containers, vec![("a".to_string(), true), ("b".to_string(), false)]);
    }
}
