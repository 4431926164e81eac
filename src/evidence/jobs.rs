//! batch/v1 Jobs of the job id: found by label and by name (see `discovery.rs`), and
//! their progress extracted into [`JobFacts`].

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use kube::Api;

use super::discovery::{by_labels, candidates_by_metadata, resolve, Matcher};
use super::SourceError;
use crate::report::{ConditionFacts, JobFacts};

/// Finds the job's Jobs: label lists and metadata pages at once, then the full objects of
/// name matches not already found by label.
pub async fn find(api: &Api<Job>, m: &Matcher, extra: Option<&str>) -> Result<Vec<JobFacts>, SourceError> {
    let (by_label, candidates) = tokio::try_join!(
        by_labels(api, m, extra, "list jobs"),
        candidates_by_metadata(api, m, extra, false, "list jobs (metadata)")
    )?;
    let named = candidates.into_iter().map(|c| (c.name, c.reasons)).collect();
    let found = resolve(api, by_label, named, "get job").await?;
    Ok(found.into_iter().map(|f| extract(&f.object, f.reasons)).collect())
}

/// A Job's facts.
pub fn extract(job: &Job, matched_by: Vec<String>) -> JobFacts {
    let meta = &job.metadata;
    let spec = job.spec.as_ref();
    let status = job.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| ConditionFacts {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.as_deref().map(super::one_line),
                    last_transition: c.last_transition_time.as_ref().map(|t| t.0),
                })
                .collect()
        })
        .unwrap_or_default();
    JobFacts {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        matched_by,
        active: status.and_then(|s| s.active).unwrap_or(0),
        succeeded: status.and_then(|s| s.succeeded).unwrap_or(0),
        failed: status.and_then(|s| s.failed).unwrap_or(0),
        completions: spec.and_then(|s| s.completions),
        parallelism: spec.and_then(|s| s.parallelism),
        backoff_limit: spec.and_then(|s| s.backoff_limit),
        conditions,
        created_at: meta.creation_timestamp.as_ref().map(|t| t.0),
        start_time: status.and_then(|s| s.start_time.as_ref()).map(|t| t.0),
        completion_time: status.and_then(|s| s.completion_time.as_ref()).map(|t| t.0),
        labels: meta.labels.clone().unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>(),
    }
}

impl JobFacts {
    /// The condition of this type whose status is True.
    pub fn true_condition(&self, type_: &str) -> Option<&ConditionFacts> {
        self.conditions.iter().find(|c| c.type_ == type_ && c.status == "True")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::pods::tests::incident_objects;

    #[test]
    fn incident_job_is_active() {
        let jobs: Vec<Job> = incident_objects("Job");
        let job = jobs.iter().find(|j| j.metadata.name.as_deref() == Some("grpc-job-19-7")).unwrap();
        let f = extract(job, vec!["name-token".into()]);
        assert_eq!(f.active, 1);
        assert_eq!(f.failed, 0);
        assert_eq!(f.completions, Some(1));
        assert_eq!(f.uid, "04d3d5a9-69e4-40f5-bae5-d77a3337fec0");
        assert!(f.true_condition("Failed").is_none());
    }

    #[test]
    fn failed_condition_is_read() {
        let job: Job = serde_yaml::from_str(
            r#"
metadata: {name: grpc-job-19-7, namespace: panda}
spec: {backoffLimit: 2, template: {spec: {containers: []}}}
status:
  failed: 3
  conditions:
    - {type: Failed, status: "True", reason: BackoffLimitExceeded, message: "Job has reached the specified backoff limit"}
"#,
        )
        .unwrap();
        let f = extract(&job, vec![]);
        assert_eq!(f.failed, 3);
        assert_eq!(f.true_condition("Failed").unwrap().reason.as_deref(), Some("BackoffLimitExceeded"));
    }
}
