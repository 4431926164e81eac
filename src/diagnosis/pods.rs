//! Rules about the job's pods and Jobs: nothing found, failed Jobs, crashing, failed or
//! unready pods, and missing expected labels (hypothesis 5 of the incident).

use super::{Finding, Severity};
use crate::evidence::discovery::Discovery;
use crate::evidence::Evidence;
use crate::report::PodFacts;

fn discovery(ev: &Evidence) -> Option<&Discovery> {
    ev.discovery.get()
}

fn ns_flag(ev: &Evidence) -> String {
    format!("-n {}", ev.namespace)
}

/// Pods whose containers match `pred`, with the container.
fn pods_with(d: &Discovery, pred: impl Fn(&crate::report::ContainerFacts) -> bool) -> Vec<&PodFacts> {
    d.pods.iter().filter(|p| p.containers.iter().any(&pred)).collect()
}

/// `no-pods-found`: neither pods nor Jobs match the id in the namespace.
pub fn check_no_pods_found(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    if !d.pods.is_empty() || !d.jobs.is_empty() {
        return None;
    }
    let mut f = Finding::new(
        "no-pods-found",
        Severity::Error,
        format!("No pod or Job of job {} in namespace {}", ev.job_id, ev.namespace),
        format!(
            "Nothing in {} carries the label {} or has {} as a token of its name.",
            ev.namespace,
            ev.label_keys.iter().map(|k| format!("{k}={}", ev.job_id)).collect::<Vec<_>>().join(" or "),
            ev.job_id
        ),
    );
    if d.namespace_missing {
        f.title = format!("Namespace {} does not exist", ev.namespace);
        f.detail = format!(
            "There is no namespace {} in this cluster{}, so nothing of job {} is there: check -n.",
            ev.namespace,
            ev.context.as_deref().map(|c| format!(" (context {c})")).unwrap_or_default(),
            ev.job_id
        );
    }
    if d.elsewhere.is_empty() {
        f = f.next([
            format!("kubectl get pods,jobs -A --show-labels | grep -w -- {}", ev.job_id),
            format!("kubectl jobtrace {} -n <namespace>", ev.job_id),
        ]);
    } else {
        let mut namespaces: Vec<&str> = d.elsewhere.iter().map(|h| h.namespace.as_str()).collect();
        namespaces.dedup();
        f.detail.push_str(&format!(" It was found in namespace {} instead.", namespaces.join(", ")));
        f = f
            .evidence(d.elsewhere.iter().map(|h| format!("{}/{} ({})", h.namespace, h.object, h.matched_by.join(", "))))
            .next(namespaces.iter().map(|ns| format!("kubectl jobtrace {} -n {ns}", ev.job_id)));
    }
    Some(f)
}

/// `job-failed`: a matched Job has a true Failed condition (BackoffLimitExceeded,
/// DeadlineExceeded, ...).
pub fn check_job_failed(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let failed: Vec<_> = d.jobs.iter().filter_map(|j| Some((j, j.true_condition("Failed")?))).collect();
    let (first, cond) = failed.first()?;
    Some(
        Finding::new(
            "job-failed",
            Severity::Error,
            format!("Job {} failed: {}", first.name, cond.reason.as_deref().unwrap_or("Failed")),
            "A Job of this id gave up: its pods will not be retried.",
        )
        .evidence(failed.iter().map(|(j, c)| {
            format!(
                "Job/{}: {} ({}), failed {}, succeeded {}, backoffLimit {}",
                j.name,
                c.reason.as_deref().unwrap_or("Failed"),
                c.message.as_deref().unwrap_or(""),
                j.failed,
                j.succeeded,
                j.backoff_limit.map(|b| b.to_string()).unwrap_or_else(|| "-".into())
            )
        }))
        .next([
            format!("kubectl {} describe job {}", ns_flag(ev), first.name),
            format!("kubectl {} logs job/{} --all-containers", ns_flag(ev), first.name),
        ]),
    )
}

/// `pod-crashlooping`: a container is waiting in CrashLoopBackOff.
pub fn check_pod_crashlooping(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let pods = pods_with(d, |c| c.reason.as_deref() == Some("CrashLoopBackOff"));
    let first = pods.first()?;
    Some(
        Finding::new(
            "pod-crashlooping",
            Severity::Error,
            format!("Pod {} is crash-looping", first.name),
            "A container keeps exiting and the kubelet backs off restarting it.",
        )
        .evidence(pods.iter().flat_map(|p| {
            p.containers.iter().filter(|c| c.reason.as_deref() == Some("CrashLoopBackOff")).map(move |c| {
                let last = c
                    .last_termination
                    .as_ref()
                    .map(|t| format!(", last exit {} ({})", t.exit_code, t.reason.as_deref().unwrap_or("?")))
                    .unwrap_or_default();
                format!("Pod/{} container {}: CrashLoopBackOff, {} restarts{last}", p.name, c.name, c.restarts)
            })
        }))
        .next([
            format!("kubectl {} logs {} --previous", ns_flag(ev), first.name),
            format!("kubectl {} describe pod {}", ns_flag(ev), first.name),
        ]),
    )
}

/// `pod-image-pull-failed`: a container cannot pull its image.
pub fn check_pod_image_pull(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let bad = |c: &crate::report::ContainerFacts| {
        matches!(c.reason.as_deref(), Some("ImagePullBackOff" | "ErrImagePull" | "InvalidImageName"))
    };
    let pods = pods_with(d, bad);
    let first = pods.first()?;
    Some(
        Finding::new(
            "pod-image-pull-failed",
            Severity::Error,
            format!("Pod {} cannot pull its image", first.name),
            "The container never started: its image cannot be pulled (wrong name or tag, or missing pull secret).",
        )
        .evidence(pods.iter().flat_map(|p| {
            p.containers.iter().filter(|c| bad(c)).map(move |c| {
                format!(
                    "Pod/{} container {}: {} {}",
                    p.name,
                    c.name,
                    c.reason.as_deref().unwrap_or(""),
                    c.message.as_deref().unwrap_or("")
                )
            })
        }))
        .next([format!("kubectl {} describe pod {}", ns_flag(ev), first.name)]),
    )
}

/// `pod-oom-killed`: a container was killed for exceeding its memory limit.
pub fn check_pod_oom_killed(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let oom = |c: &crate::report::ContainerFacts| {
        c.reason.as_deref() == Some("OOMKilled")
            || c.last_termination.as_ref().and_then(|t| t.reason.as_deref()) == Some("OOMKilled")
    };
    let pods = pods_with(d, oom);
    let first = pods.first()?;
    Some(
        Finding::new(
            "pod-oom-killed",
            Severity::Error,
            format!("Pod {} was OOMKilled", first.name),
            "A container used more memory than its limit and was killed (exit 137).",
        )
        .evidence(pods.iter().map(|p| format!("Pod/{}: OOMKilled, {} restarts", p.name, p.restarts)))
        .next([format!("kubectl {} describe pod {}", ns_flag(ev), first.name)]),
    )
}

/// `pod-failed`: a pod ended in phase Failed, or a container terminated with a non-zero exit.
pub fn check_pod_failed(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let pods: Vec<&PodFacts> = d
        .pods
        .iter()
        .filter(|p| {
            p.phase == "Failed" || p.containers.iter().any(|c| c.state == "terminated" && c.exit_code.unwrap_or(0) != 0)
        })
        .collect();
    let first = pods.first()?;
    Some(
        Finding::new(
            "pod-failed",
            Severity::Error,
            format!("Pod {} failed", first.name),
            "A pod of this job ended in failure.",
        )
        .evidence(pods.iter().map(|p| {
            let why = p
                .containers
                .iter()
                .filter(|c| c.state == "terminated")
                .map(|c| {
                    format!("{} exited {} ({})", c.name, c.exit_code.unwrap_or(0), c.reason.as_deref().unwrap_or("?"))
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "Pod/{}: phase {}{}",
                p.name,
                p.phase,
                if why.is_empty() { String::new() } else { format!(", {why}") }
            )
        }))
        .next([format!("kubectl {} logs {} --all-containers", ns_flag(ev), first.name)]),
    )
}

/// `pod-not-ready`: a Pending or Running pod that is not Ready (and not explained by a
/// crash loop, image pull or OOM, which have rules of their own).
pub fn check_pod_not_ready(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let explained = |p: &PodFacts| {
        p.containers.iter().any(|c| {
            matches!(
                c.reason.as_deref(),
                Some("CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" | "OOMKilled")
            )
        })
    };
    let pods: Vec<&PodFacts> = d
        .pods
        .iter()
        .filter(|p| matches!(p.phase.as_str(), "Pending" | "Running" | "Unknown") && !p.ready && !explained(p))
        .collect();
    let first = pods.first()?;
    Some(
        Finding::new(
            "pod-not-ready",
            Severity::Warning,
            format!("Pod {} is not Ready", first.name),
            "The pod exists but is not Ready, so nothing should expect it to serve yet.",
        )
        .evidence(pods.iter().map(|p| {
            let waiting = p
                .containers
                .iter()
                .filter_map(|c| c.reason.as_ref().map(|r| format!("{} {}", c.name, r)))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "Pod/{}: {} {}/{} ready{}",
                p.name,
                p.phase,
                p.ready_containers,
                p.total_containers,
                if waiting.is_empty() { String::new() } else { format!(", {waiting}") }
            )
        }))
        .next([format!("kubectl {} describe pod {}", ns_flag(ev), first.name)]),
    )
}

/// `missing-expected-label`: matched pods lack an expected label key, so a `<key>=<id>`
/// selector (such as a backend's) does not find them.
pub fn check_missing_expected_label(ev: &Evidence) -> Option<Finding> {
    let d = discovery(ev)?;
    let check = d.labels.iter().find(|c| !c.missing_on.is_empty())?;
    let all = check.missing_on.len() == d.pods.len();
    let ready_running =
        d.pods.iter().filter(|p| check.missing_on.contains(&p.name) && p.ready && p.phase == "Running").count();
    let detail = format!(
        "{} of {} pods of job {} have no `{}` label{}, so the selector {}={} finds {}. Anything that selects the job's pods by that label (the backend, a consumer) does not see them.{}",
        check.missing_on.len(),
        d.pods.len(),
        ev.job_id,
        check.key,
        if ready_running > 0 { format!(" ({ready_running} of them Running and Ready)") } else { String::new() },
        check.key,
        ev.job_id,
        if all { "none of them".to_string() } else { format!("only {}", check.present_on.join(", ")) },
        if check.carried_instead.is_empty() {
            String::new()
        } else {
            format!(" They carry {} instead.", check.carried_instead.join(", "))
        }
    );
    Some(
        Finding::new(
            "missing-expected-label",
            Severity::Warning,
            format!("Pods of job {} lack the `{}` label", ev.job_id, check.key),
            detail,
        )
        .evidence(check.missing_on.iter().map(|name| {
            let labels = d
                .pods
                .iter()
                .find(|p| &p.name == name)
                .map(|p| p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            format!("Pod/{name}: labels {labels}")
        }))
        .next([
            format!("kubectl {} get pods -l {}={} --show-labels", ns_flag(ev), check.key, ev.job_id),
            format!("kubectl {} get pods --show-labels | grep -w -- {}", ns_flag(ev), ev.job_id),
            format!(
                "add `{}: \"{}\"` to the job's pod template labels (spec.template.metadata.labels)",
                check.key, ev.job_id
            ),
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::{evidence, running_pod};
    use crate::evidence::discovery::Discovery;
    use crate::report::{ConditionFacts, ContainerFacts, ElsewhereHit, JobFacts, LabelCheck, Termination};

    fn with_pods(pods: Vec<PodFacts>) -> Evidence {
        evidence(Discovery { pods, ..Default::default() })
    }

    #[test]
    fn no_pods_found_fires_only_when_empty_and_names_other_namespaces() {
        let empty = evidence(Discovery {
            elsewhere: vec![ElsewhereHit {
                namespace: "staging".into(),
                object: "Pod/grpc-job-19-7-abc".into(),
                matched_by: vec!["name-token".into()],
            }],
            ..Default::default()
        });
        let f = check_no_pods_found(&empty).unwrap();
        assert!(f.detail.contains("staging"));
        assert!(f.next_steps.iter().any(|s| s == "kubectl jobtrace 19-7 -n staging"));
        assert!(check_no_pods_found(&with_pods(vec![running_pod("a-19-7")])).is_none());
    }

    #[test]
    fn a_missing_namespace_is_named_as_the_cause() {
        let f = check_no_pods_found(&evidence(Discovery { namespace_missing: true, ..Default::default() })).unwrap();
        assert_eq!(f.title, "Namespace panda does not exist");
        assert!(f.detail.contains("check -n"), "{}", f.detail);
    }

    #[test]
    fn job_failed_fires_on_failed_condition() {
        let mut job = JobFacts { name: "grpc-job-19-7".into(), failed: 3, ..Default::default() };
        let ev = |job: &JobFacts| evidence(Discovery { jobs: vec![job.clone()], ..Default::default() });
        assert!(check_job_failed(&ev(&job)).is_none());
        job.conditions.push(ConditionFacts {
            type_: "Failed".into(),
            status: "True".into(),
            reason: Some("BackoffLimitExceeded".into()),
            ..Default::default()
        });
        let f = check_job_failed(&ev(&job)).unwrap();
        assert!(f.title.contains("BackoffLimitExceeded"));
    }

    #[test]
    fn crashloop_fires_with_last_exit() {
        let mut p = running_pod("grpc-job-19-7-8rlgb");
        assert!(check_pod_crashlooping(&with_pods(vec![p.clone()])).is_none());
        p.ready = false;
        p.containers[0] = ContainerFacts {
            name: "grpc".into(),
            state: "waiting".into(),
            reason: Some("CrashLoopBackOff".into()),
            restarts: 6,
            last_termination: Some(Termination { reason: Some("Error".into()), exit_code: 1, finished_at: None }),
            ..Default::default()
        };
        let ev = with_pods(vec![p]);
        let f = check_pod_crashlooping(&ev).unwrap();
        assert!(f.evidence[0].contains("6 restarts, last exit 1 (Error)"), "{:?}", f.evidence);
        assert!(check_pod_not_ready(&ev).is_none(), "crash loop explains not-ready");
    }

    #[test]
    fn image_pull_and_oom() {
        let mut p = running_pod("x-19-7");
        p.containers[0].reason = Some("ImagePullBackOff".into());
        assert!(check_pod_image_pull(&with_pods(vec![p.clone()])).is_some());
        assert!(check_pod_oom_killed(&with_pods(vec![p.clone()])).is_none());
        p.containers[0].reason = None;
        p.containers[0].last_termination =
            Some(Termination { reason: Some("OOMKilled".into()), exit_code: 137, finished_at: None });
        assert!(check_pod_oom_killed(&with_pods(vec![p])).is_some());
    }

    #[test]
    fn failed_pod() {
        let mut p = running_pod("x-19-7");
        assert!(check_pod_failed(&with_pods(vec![p.clone()])).is_none());
        p.phase = "Failed".into();
        p.containers[0].state = "terminated".into();
        p.containers[0].exit_code = Some(2);
        p.containers[0].reason = Some("Error".into());
        let f = check_pod_failed(&with_pods(vec![p])).unwrap();
        assert!(f.evidence[0].contains("exited 2 (Error)"));
    }

    #[test]
    fn not_ready_pending_pod() {
        let mut p = running_pod("x-19-7");
        p.phase = "Pending".into();
        p.ready = false;
        assert_eq!(check_pod_not_ready(&with_pods(vec![p])).unwrap().severity, Severity::Warning);
        assert!(check_pod_not_ready(&with_pods(vec![running_pod("y-19-7")])).is_none());
    }

    #[test]
    fn missing_label_says_selector_finds_none() {
        let mut a = running_pod("grpc-job-19-7-8rlgb");
        a.labels = [("job-name".to_string(), "grpc-job-19-7".to_string())].into();
        let d = Discovery {
            pods: vec![a],
            labels: vec![LabelCheck {
                key: "job_id".into(),
                missing_on: vec!["grpc-job-19-7-8rlgb".into()],
                carried_instead: vec!["job-name=grpc-job-19-7".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let f = check_missing_expected_label(&evidence(d)).unwrap();
        assert!(f.detail.contains("job_id=19-7 finds none of them"), "{}", f.detail);
        assert!(f.detail.contains("Running and Ready"));
        assert!(f.detail.contains("job-name=grpc-job-19-7"));
        let healthy = Discovery {
            pods: vec![running_pod("a")],
            labels: vec![LabelCheck { key: "job_id".into(), present_on: vec!["a".into()], ..Default::default() }],
            ..Default::default()
        };
        assert!(check_missing_expected_label(&evidence(healthy)).is_none());
    }
}
