//! Pods: the pure part of pod discovery (which candidates match, and why) and the
//! extraction of a pod's health into [`PodFacts`]. The fetching lives in `discovery.rs`,
//! shared with Jobs.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::discovery::{Candidate, JobHints, Matcher};
use crate::jobid::JobId;
use crate::report::{ContainerFacts, JobFacts, LabelCheck, PodFacts, Termination};

/// Labels that name a pod's job when the expected key is missing.
const TELLING_LABELS: [&str; 4] = ["job-name", "batch.kubernetes.io/job-name", "app", "app.kubernetes.io/name"];

/// The candidates that match by name, or belong to a matched Job, with their reasons.
pub fn named_and_owned(candidates: &[Candidate], jobs: &[JobFacts]) -> Vec<(String, Vec<String>)> {
    candidates
        .iter()
        .filter_map(|c| {
            let mut reasons = c.reasons.clone();
            if let Some(job) = c.job_hints.owning_job(jobs) {
                reasons.push(format!("owned-by:{}", job.name));
            }
            (!reasons.is_empty()).then(|| (c.name.clone(), reasons))
        })
        .collect()
}

/// A pod's facts. `reasons` are the discovery reasons found so far; a pod found by label
/// or name that also belongs to a matched Job gets `owned-by` too.
pub fn extract(pod: &Pod, mut reasons: Vec<String>, m: &Matcher, jobs: &[JobFacts]) -> PodFacts {
    let meta = &pod.metadata;
    if let Some(job) = JobHints::from_meta(meta).owning_job(jobs) {
        let r = format!("owned-by:{}", job.name);
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    let labels: BTreeMap<String, String> = meta.labels.clone().unwrap_or_default().into_iter().collect();
    let status = pod.status.as_ref();
    let spec = pod.spec.as_ref();
    let condition = |t: &str| status.and_then(|s| s.conditions.as_ref()?.iter().find(|c| c.type_ == t).cloned());
    let ready_cond = condition("Ready");
    let ready = ready_cond.as_ref().is_some_and(|c| c.status == "True");

    let init_statuses = status.and_then(|s| s.init_container_statuses.clone()).unwrap_or_default();
    let statuses = status.and_then(|s| s.container_statuses.clone()).unwrap_or_default();
    let mut containers: Vec<ContainerFacts> = init_statuses.iter().map(|c| container_facts(c, true)).collect();
    containers.extend(statuses.iter().map(|c| container_facts(c, false)));
    // containers the kubelet has not reported yet still count as not ready
    for c in spec.map(|s| s.containers.as_slice()).unwrap_or_default() {
        if !statuses.iter().any(|s| s.name == c.name) {
            containers.push(ContainerFacts { name: c.name.clone(), state: "unknown".into(), ..Default::default() });
        }
    }
    let app_containers = containers.iter().filter(|c| !c.init);
    let total_containers = app_containers.clone().count() as u32;
    let ready_containers = app_containers.filter(|c| c.ready).count() as u32;
    let restarts = containers.iter().map(|c| c.restarts).sum();

    let missing_labels = m.label_keys.iter().filter(|k| !labels.contains_key(k.as_str())).cloned().collect();
    let owner = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{}/{}", o.kind, o.name));

    PodFacts {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        matched_by: reasons,
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".into()),
        ready,
        ready_containers,
        total_containers,
        restarts,
        containers,
        created_at: meta.creation_timestamp.as_ref().map(|t| t.0),
        started_at: status.and_then(|s| s.start_time.as_ref()).map(|t| t.0),
        ready_since: ready_cond.filter(|c| c.status == "True").and_then(|c| c.last_transition_time).map(|t| t.0),
        node: spec.and_then(|s| s.node_name.clone()),
        labels,
        missing_labels,
        owner,
    }
}

/// The facts of a pod that is not the job's (a backend or consumer-service pod): no
/// discovery reasons, no expected labels.
pub fn facts_of_other_pod(pod: &Pod) -> PodFacts {
    let none =
        Matcher { id: JobId::parse("x").expect("a valid id"), label_keys: Vec::new(), name_patterns: Vec::new() };
    extract(pod, Vec::new(), &none, &[])
}

fn container_facts(c: &ContainerStatus, init: bool) -> ContainerFacts {
    let state = c.state.as_ref();
    let (state_name, reason, message, exit_code) = match state {
        Some(s) if s.running.is_some() => ("running", None, None, None),
        Some(s) if s.waiting.is_some() => {
            let w = s.waiting.as_ref().expect("checked above");
            ("waiting", w.reason.clone(), w.message.clone(), None)
        }
        Some(s) if s.terminated.is_some() => {
            let t = s.terminated.as_ref().expect("checked above");
            ("terminated", t.reason.clone(), t.message.clone(), Some(t.exit_code))
        }
        _ => ("unknown", None, None, None),
    };
    let last_termination = c.last_state.as_ref().and_then(|l| l.terminated.as_ref()).map(|t| Termination {
        reason: t.reason.clone(),
        exit_code: t.exit_code,
        finished_at: t.finished_at.as_ref().map(|f| f.0),
    });
    ContainerFacts {
        name: c.name.clone(),
        init,
        ready: c.ready,
        restarts: c.restart_count.max(0) as u32,
        state: state_name.to_string(),
        reason,
        message: message.map(|m| super::one_line(&m)),
        exit_code,
        last_termination,
    }
}

/// For each expected key: which pods carry `key=<id>`, which lack the key, and what the
/// latter carry instead that names their job.
pub fn label_checks(pods: &[PodFacts], m: &Matcher) -> Vec<LabelCheck> {
    m.label_keys
        .iter()
        .map(|key| {
            let mut check = LabelCheck { key: key.clone(), ..Default::default() };
            for pod in pods {
                match pod.labels.get(key) {
                    Some(v) if v == m.id.as_str() => check.present_on.push(pod.name.clone()),
                    Some(_) => {}
                    None => {
                        check.missing_on.push(pod.name.clone());
                        for telling in TELLING_LABELS {
                            if let Some(v) = pod.labels.get(telling) {
                                let pair = format!("{telling}={v}");
                                if !check.carried_instead.contains(&pair) {
                                    check.carried_instead.push(pair);
                                }
                            }
                        }
                    }
                }
            }
            check
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::jobid::JobId;
    use crate::sandbox::scenario::Scenario;

    pub fn incident_objects<K: serde::de::DeserializeOwned>(kind: &str) -> Vec<K> {
        let s = Scenario::builtin("incident-19-7").unwrap();
        s.objects.into_iter().filter(|o| o["kind"] == kind).map(|o| serde_json::from_value(o).unwrap()).collect()
    }

    fn pod(name: &str) -> Pod {
        incident_objects::<Pod>("Pod").into_iter().find(|p| p.metadata.name.as_deref() == Some(name)).unwrap()
    }

    fn matcher() -> Matcher {
        Matcher {
            id: JobId::parse("19-7").unwrap(),
            label_keys: vec!["job_id".into()],
            name_patterns: vec!["grpc-job-{id}".into(), "cleanup-job-{id}".into()],
        }
    }

    fn grpc_job() -> JobFacts {
        JobFacts {
            name: "grpc-job-19-7".into(),
            uid: "04d3d5a9-69e4-40f5-bae5-d77a3337fec0".into(),
            ..Default::default()
        }
    }

    #[test]
    fn incident_pod_is_running_ready_and_lacks_job_id() {
        let m = matcher();
        let f = extract(&pod("grpc-job-19-7-8rlgb"), vec!["name-token".into()], &m, &[grpc_job()]);
        assert_eq!(f.phase, "Running");
        assert!(f.ready);
        assert_eq!((f.ready_containers, f.total_containers, f.restarts), (1, 1, 0));
        assert_eq!(f.missing_labels, ["job_id"]);
        assert_eq!(f.matched_by, ["name-token", "owned-by:grpc-job-19-7"]);
        assert_eq!(f.owner.as_deref(), Some("Job/grpc-job-19-7"));
        assert_eq!(f.node.as_deref(), Some("node-a"));
        assert!(f.ready_since.is_some());
    }

    #[test]
    fn label_check_says_what_pods_carry_instead() {
        let m = matcher();
        let pods: Vec<PodFacts> = ["grpc-job-19-7-8rlgb", "cleanup-job-19-7-2tj8z"]
            .iter()
            .map(|n| extract(&pod(n), vec![], &m, &[]))
            .collect();
        let checks = label_checks(&pods, &m);
        assert_eq!(checks.len(), 1);
        assert!(checks[0].present_on.is_empty());
        assert_eq!(checks[0].missing_on, ["grpc-job-19-7-8rlgb", "cleanup-job-19-7-2tj8z"]);
        assert!(checks[0].carried_instead.contains(&"job-name=grpc-job-19-7".to_string()));
        assert!(checks[0].carried_instead.contains(&"app=cleanup-job-19-7".to_string()));
    }

    #[test]
    fn terminated_containers_keep_reason_and_exit_code() {
        let m = matcher();
        let f = extract(&pod("grpc-job-19-70-x9k2p"), vec![], &m, &[]);
        assert_eq!(f.phase, "Succeeded");
        assert_eq!(f.containers[0].state, "terminated");
        assert_eq!(f.containers[0].reason.as_deref(), Some("Completed"));
        assert_eq!(f.containers[0].exit_code, Some(0));
        assert!(f.missing_labels.is_empty());
    }

    #[test]
    fn owned_candidates_are_kept_and_others_dropped() {
        let jobs = [grpc_job()];
        let cands = vec![
            Candidate {
                name: "worker-abc".into(),
                reasons: vec![],
                job_hints: JobHints { job_name_label: Some("grpc-job-19-7".into()), ..Default::default() },
            },
            Candidate {
                name: "worker-def".into(),
                reasons: vec![],
                job_hints: JobHints { job_name_label: Some("grpc-job-19-70".into()), ..Default::default() },
            },
            Candidate { name: "x-19-7".into(), reasons: vec!["name-token".into()], job_hints: JobHints::default() },
        ];
        let got = named_and_owned(&cands, &jobs);
        assert_eq!(
            got,
            vec![
                ("worker-abc".to_string(), vec!["owned-by:grpc-job-19-7".to_string()]),
                ("x-19-7".to_string(), vec!["name-token".to_string()]),
            ]
        );
    }
}
