//! The diagnosis: pure rules over the gathered [`Evidence`], each a small function that
//! returns a [`Finding`] when its case is present and `None` otherwise. `diagnose` runs
//! them all, ranks the findings (root causes first, then by severity) and writes the
//! verdict's one-sentence headline.
//!
//! Adding a rule: write `fn check_x(ev: &Evidence) -> Option<Finding>` in the module of
//! its evidence (with a unit test that shows it firing and one that shows it silent),
//! give it a stable kebab-case id, add it to [`RULES`], and place its id in
//! [`CAUSAL_ORDER`] above the findings it explains.

pub mod backend;
pub mod consumer;
pub mod logs;
pub mod mongo;
pub mod pods;
pub mod sources;
pub mod timing;

use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::report::{Verdict, VerdictStatus};

/// How bad a finding is. The order is explicit: `Error` outranks `Warning` outranks `Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn rank(self) -> u8 {
        match self {
            Severity::Error => 2,
            Severity::Warning => 1,
            Severity::Info => 0,
        }
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// One problem found, with what it rests on and what to run next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable kebab-case id, e.g. `missing-expected-label`.
    pub id: String,
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// A plain explanation.
    pub detail: String,
    /// The facts it rests on (objects, log lines, responses).
    pub evidence: Vec<String>,
    /// Concrete commands to run next.
    pub next_steps: Vec<String>,
}

impl Finding {
    pub fn new(id: &str, severity: Severity, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            id: id.to_string(),
            severity,
            title: title.into(),
            detail: detail.into(),
            evidence: Vec::new(),
            next_steps: Vec::new(),
        }
    }

    pub fn evidence(mut self, items: impl IntoIterator<Item = String>) -> Self {
        self.evidence.extend(items);
        self
    }

    pub fn next(mut self, steps: impl IntoIterator<Item = String>) -> Self {
        self.next_steps.extend(steps);
        self
    }
}

/// A rule: evidence in, at most one finding out.
pub type Rule = fn(&Evidence) -> Option<Finding>;

/// Every rule, in no particular order (ranking is by [`CAUSAL_ORDER`] and severity).
pub const RULES: &[Rule] = &[
    pods::check_no_pods_found,
    pods::check_job_failed,
    pods::check_pod_crashlooping,
    pods::check_pod_image_pull,
    pods::check_pod_oom_killed,
    pods::check_pod_failed,
    pods::check_pod_not_ready,
    pods::check_missing_expected_label,
    mongo::check_job_not_in_mongo,
    mongo::check_job_id_format_mismatch,
    mongo::check_consumer_record_missing,
    mongo::check_job_written_late,
    mongo::check_mongo_not_found,
    mongo::check_mongo_unreachable,
    mongo::check_mongo_auth_failed,
    mongo::check_mongo_credentials_unreadable,
    backend::check_backend_not_found,
    backend::check_backend_no_ready_endpoints,
    backend::check_backend_unreachable,
    backend::check_backend_invalid_job_id,
    backend::check_backend_error,
    logs::check_backend_log_errors,
    consumer::check_consumer_service_down,
    consumer::check_consumer_service_not_found,
    timing::check_backend_sync_delay,
    sources::check_source_unavailable,
];

/// Finding ids from most to least fundamental: a finding ranks above those it can explain.
pub const CAUSAL_ORDER: &[&str] = &[
    // nothing to trace, or the job itself failed
    "no-pods-found",
    "job-failed",
    // the job's pods cannot run
    "pod-image-pull-failed",
    "pod-oom-killed",
    "pod-crashlooping",
    "pod-failed",
    "pod-not-ready",
    // the records the backend and the consumer service look up (ranked above what the
    // backend answers about them, e.g. `backend-invalid-job-id`), and why they are missing
    "job-not-in-mongo",
    "job-id-format-mismatch",
    "backend-log-errors",
    // the services around the job (a down consumer service explains a missing consumer record)
    "consumer-service-down",
    "backend-no-ready-endpoints",
    "backend-unreachable",
    "backend-error",
    // symptoms the causes above explain
    "backend-invalid-job-id",
    "backend-sync-delay",
    "job-written-late",
    "consumer-record-missing",
    "missing-expected-label",
    // what could not be checked
    "mongo-unreachable",
    "mongo-auth-failed",
    "mongo-credentials-unreadable",
    "consumer-service-not-found",
    "mongo-not-found",
    "backend-not-found",
    "source-unavailable",
];

fn causal_rank(id: &str) -> usize {
    CAUSAL_ORDER.iter().position(|c| *c == id).unwrap_or(CAUSAL_ORDER.len())
}

/// Runs every rule and ranks the findings.
pub fn diagnose(ev: &Evidence) -> Vec<Finding> {
    let mut findings: Vec<Finding> = RULES.iter().filter_map(|rule| rule(ev)).collect();
    rank(&mut findings);
    findings
}

/// Root causes first; within the same place, the more severe first.
pub fn rank(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let is_info = |f: &Finding| f.severity == Severity::Info;
        is_info(a).cmp(&is_info(b)).then(causal_rank(&a.id).cmp(&causal_rank(&b.id))).then(b.severity.cmp(&a.severity))
    });
}

/// The verdict: healthy when no finding is a warning or an error; else the headline
/// names the first-ranked finding.
pub fn verdict(ev: &Evidence, findings: &[Finding]) -> Verdict {
    if let Some(reason) = ev.discovery.reason() {
        return Verdict {
            status: VerdictStatus::Error,
            headline: format!("Could not trace {} in {}: {reason}", ev.job_id, ev.namespace),
        };
    }
    match findings.iter().find(|f| f.severity >= Severity::Warning) {
        Some(top) => Verdict { status: VerdictStatus::Problems, headline: format!("Most likely cause: {}", top.title) },
        None => {
            let pods = ev.discovery.get().map(|d| d.pods.len()).unwrap_or(0);
            Verdict {
                status: VerdictStatus::Healthy,
                headline: format!(
                    "Job {} looks healthy: {pods} pod{} found, no problems",
                    ev.job_id,
                    if pods == 1 { "" } else { "s" }
                ),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Evidence fixtures for the rules' unit tests.
    use crate::evidence::discovery::Discovery;
    use crate::evidence::{Collected, Evidence};
    use crate::jobid::JobId;
    use crate::report::{ContainerFacts, PodFacts};

    pub fn evidence(discovery: Discovery) -> Evidence {
        Evidence {
            job_id: JobId::parse("19-7").unwrap(),
            namespace: "panda".into(),
            context: None,
            label_keys: vec!["job_id".into()],
            started_at: jiff::Timestamp::now(),
            discovery: Collected::Collected(discovery),
            events: Collected::Collected(vec![]),
            mongo: Collected::Skipped { reason: "--no-mongo".into() },
            logs: Collected::Collected(vec![]),
            backend: Collected::Skipped { reason: "--no-backend".into() },
            consumer: Collected::Skipped { reason: "not asked".into() },
            sources: vec![],
        }
    }

    pub fn running_pod(name: &str) -> PodFacts {
        PodFacts {
            name: name.into(),
            namespace: "panda".into(),
            matched_by: vec!["name-token".into()],
            phase: "Running".into(),
            ready: true,
            ready_containers: 1,
            total_containers: 1,
            containers: vec![ContainerFacts {
                name: "main".into(),
                ready: true,
                state: "running".into(),
                ..Default::default()
            }],
            labels: [("job_id".to_string(), "19-7".to_string())].into(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_is_explicit() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Warning > Severity::Info);
    }

    #[test]
    fn ranking_puts_causes_first_and_info_last() {
        let mut f = vec![
            Finding::new("source-unavailable", Severity::Info, "i", ""),
            Finding::new("missing-expected-label", Severity::Warning, "w", ""),
            Finding::new("pod-crashlooping", Severity::Error, "e", ""),
            Finding::new("no-pods-found", Severity::Error, "n", ""),
        ];
        rank(&mut f);
        let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["no-pods-found", "pod-crashlooping", "missing-expected-label", "source-unavailable"]);
    }

    #[test]
    fn mongo_records_rank_below_failing_pods_and_above_the_backend() {
        let pos = |id: &str| CAUSAL_ORDER.iter().position(|c| *c == id).unwrap();
        assert!(pos("pod-crashlooping") < pos("consumer-record-missing"));
        assert!(pos("job-not-in-mongo") < pos("backend-invalid-job-id"));
        assert!(pos("job-not-in-mongo") < pos("missing-expected-label"));
        assert!(pos("job-id-format-mismatch") < pos("backend-invalid-job-id"));
    }

    #[test]
    fn every_rule_id_is_ranked() {
        for id in CAUSAL_ORDER {
            assert!(id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{id}");
        }
    }
}
