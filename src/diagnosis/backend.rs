//! Rules about the backend's answer for the job id: not found, no ready endpoints,
//! unreachable (refused, reset, timed out), the id unknown to it while the job's pods are
//! Ready (the incident's central symptom), and server errors or non-JSON answers.

use super::{Finding, Severity};
use crate::evidence::Evidence;
use crate::report::{BackendFacts, BackendPath, BackendProblem};

fn facts(ev: &Evidence) -> Option<&BackendFacts> {
    ev.backend.get()
}

fn service(f: &BackendFacts) -> &str {
    f.service.as_deref().unwrap_or("backend")
}

/// The request's path: `/metadata/19-7`.
fn path(f: &BackendFacts) -> &str {
    f.request.strip_prefix("GET ").unwrap_or(&f.request)
}

/// How to ask the backend by hand, as the tool did: a port-forward and a curl.
fn ask_by_hand(ev: &Evidence, f: &BackendFacts) -> Vec<String> {
    match (f.path_used, &f.url) {
        (Some(BackendPath::Url), Some(url)) => {
            vec![format!("curl -s {}{}", url.trim_end_matches('/'), path(f))]
        }
        _ => vec![
            format!(
                "kubectl -n {} port-forward svc/{} 8080:{}",
                ev.namespace,
                service(f),
                f.service_port.unwrap_or(80)
            ),
            format!("curl -s localhost:8080{}", path(f)),
        ],
    }
}

fn logs_of_pod(ev: &Evidence, f: &BackendFacts) -> Option<String> {
    f.pod.as_ref().map(|p| format!("kubectl -n {} logs {p} | grep -w -- {}", ev.namespace, ev.job_id))
}

fn timeline(f: &BackendFacts) -> Vec<String> {
    f.attempts.iter().map(|a| a.line(&f.request)).collect()
}

/// `backend-not-found`: no Service looks like the backend, or the named one does not
/// exist. An error when the user named it; information when detection found nothing
/// (a namespace without a backend is not a problem of the job).
pub fn check_backend_not_found(ev: &Evidence) -> Option<Finding> {
    let f = facts(ev)?;
    let Some(BackendProblem::NotFound { detail, explicit }) = &f.problem else { return None };
    let (severity, title) = if *explicit {
        (Severity::Error, format!("The backend Service given was not found in {}", ev.namespace))
    } else {
        (Severity::Info, format!("No backend Service found in namespace {}", ev.namespace))
    };
    Some(
        Finding::new(
            "backend-not-found",
            severity,
            title,
            format!("The backend was not asked about {}: {detail}.", ev.job_id),
        )
        .evidence([detail.clone()])
        .next([
            format!("kubectl -n {} get services --show-labels", ev.namespace),
            format!("kubectl jobtrace {} -n {} --backend-service NAME[:PORT]", ev.job_id, ev.namespace),
            format!("kubectl jobtrace {} -n {} --backend-url URL", ev.job_id, ev.namespace),
        ]),
    )
}

/// `backend-no-ready-endpoints`: the backend Service has no ready pod behind it.
pub fn check_backend_no_ready_endpoints(ev: &Evidence) -> Option<Finding> {
    let f = facts(ev)?;
    let Some(BackendProblem::NoReadyEndpoints { service, not_ready }) = &f.problem else { return None };
    let mut next = vec![
        format!("kubectl -n {} get endpoints {service} -o wide", ev.namespace),
        format!("kubectl -n {} describe service {service}", ev.namespace),
    ];
    next.extend(not_ready.first().map(|p| format!("kubectl -n {} describe pod {p}", ev.namespace)));
    Some(
        Finding::new(
            "backend-no-ready-endpoints",
            Severity::Error,
            format!("The backend Service {service} has no ready pod"),
            format!(
                "Nothing serves {service}: {}. No consumer can be created for {} until a backend pod is Ready.",
                if not_ready.is_empty() {
                    "its selector matches no pod".to_string()
                } else {
                    format!("{} not ready", not_ready.join(", "))
                },
                ev.job_id
            ),
        )
        .evidence(not_ready.iter().map(|p| format!("Pod/{p}: endpoint not ready")))
        .next(next),
    )
}

/// `backend-unreachable`: the forward or the request failed (refused, reset, timed out).
pub fn check_backend_unreachable(ev: &Evidence) -> Option<Finding> {
    let f = facts(ev)?;
    let Some(BackendProblem::Unreachable { detail, refused, timed_out }) = &f.problem else { return None };
    let target = match (&f.pod, f.port) {
        (Some(pod), Some(port)) => format!("pod {pod} port {port}"),
        _ => f.url.clone().unwrap_or_else(|| service(f).to_string()),
    };
    let title = if *refused {
        format!("The backend refuses connections: nothing listens on {target}")
    } else if *timed_out {
        format!("The backend did not answer in time ({target})")
    } else {
        format!("The backend could not be reached ({target})")
    };
    let mut next = ask_by_hand(ev, f);
    if let Some(pod) = &f.pod {
        next.push(format!("kubectl -n {} logs {pod}", ev.namespace));
        next.push(format!("kubectl -n {} describe pod {pod}", ev.namespace));
    }
    Some(
        Finding::new(
            "backend-unreachable",
            Severity::Error,
            title,
            format!("{} could not be asked about {}: {detail}", f.request, ev.job_id),
        )
        .evidence(std::iter::once(detail.clone()).chain(timeline(f)))
        .next(next),
    )
}

/// True when the answer says the id is unknown: a 404 with a JSON body, or a 4xx whose
/// body names the id.
fn says_unknown_id(ev: &Evidence, f: &BackendFacts) -> bool {
    let Some(status) = f.last_status else { return false };
    let names_id = f.body.as_ref().is_some_and(|b| {
        let text = b.as_str().map(str::to_string).unwrap_or_else(|| b.to_string());
        ev.job_id.is_text_token_of(&text) || text.contains("job_id") || text.to_ascii_lowercase().contains("job id")
    });
    (status == 404 && f.body_is_json) || ((400..500).contains(&status) && names_id)
}

/// `backend-invalid-job-id`: the job's pods are Ready, yet the backend answers that it
/// does not know the id (404 `Invalid job_id`), the incident's central symptom.
pub fn check_backend_invalid_job_id(ev: &Evidence) -> Option<Finding> {
    let f = facts(ev)?;
    if f.problem.is_some() || f.healthy || !says_unknown_id(ev, f) {
        return None;
    }
    let pods = &ev.discovery.get()?.pods;
    if pods.is_empty() || !pods.iter().all(|p| p.ready) {
        return None;
    }
    let last = f.attempts.last().map(|a| a.outcome.clone()).unwrap_or_default();
    let tries: u32 = f.attempts.iter().map(|a| a.count).sum();
    let span = match (f.attempts.first(), f.attempts.last()) {
        (Some(a), Some(b)) if tries > 1 => {
            format!(" on all {tries} attempts over {:.1}s", b.until_ms as f64 / 1000.0 - a.at_ms as f64 / 1000.0)
        }
        _ => String::new(),
    };
    let mut next = ask_by_hand(ev, f);
    next.extend(logs_of_pod(ev, f));
    Some(
        Finding::new(
            "backend-invalid-job-id",
            Severity::Error,
            format!("The backend does not know {}: {} answers {last}", ev.job_id, f.request),
            format!(
                "The job's {} pod{} are Running and Ready, yet the backend answers {last}{span}. It has no record \
                 of {}: the job may never have been stored, or the backend expects another id format.",
                pods.len(),
                if pods.len() == 1 { "" } else { "s" },
                ev.job_id
            ),
        )
        .evidence(timeline(f).into_iter().chain(pods.iter().map(|p| format!("Pod/{}: {}, Ready", p.name, p.phase))))
        .next(next),
    )
}

/// `backend-error`: the backend answers 5xx, or something that is not JSON.
pub fn check_backend_error(ev: &Evidence) -> Option<Finding> {
    let f = facts(ev)?;
    let status = f.last_status?;
    if f.problem.is_some() {
        return None;
    }
    let non_json = f.body.is_some() && !f.body_is_json;
    let server_error = status >= 500;
    let fires = server_error || (non_json && !says_unknown_id(ev, f));
    if !fires {
        return None;
    }
    let last = f.attempts.last().map(|a| a.outcome.clone()).unwrap_or_default();
    let detail = if server_error {
        format!("The backend fails on {} with {status}: its log should say why.", f.request)
    } else {
        format!(
            "The backend answers {status} with {} instead of JSON: is {} the backend's metadata path, and is this the backend?",
            f.content_type.as_deref().unwrap_or("no content type"),
            path(f)
        )
    };
    let mut next = ask_by_hand(ev, f);
    if let Some(last) = next.last_mut() {
        *last = last.replacen("curl -s", "curl -si", 1);
    }
    if let Some(pod) = &f.pod {
        next.push(format!("kubectl -n {} logs {pod} --tail=100", ev.namespace));
    }
    Some(
        Finding::new(
            "backend-error",
            Severity::Error,
            format!("The backend fails: {} answers {last}", f.request),
            detail,
        )
        .evidence(timeline(f))
        .next(next),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::{evidence, running_pod};
    use crate::evidence::discovery::Discovery;
    use crate::evidence::Collected;
    use crate::report::BackendAttempt;
    use serde_json::json;

    fn incident() -> Evidence {
        evidence(Discovery {
            pods: vec![running_pod("cleanup-job-19-7-2tj8z"), running_pod("grpc-job-19-7-8rlgb")],
            ..Default::default()
        })
    }

    fn answered(status: u16, body: serde_json::Value, json: bool, outcome: &str) -> BackendFacts {
        BackendFacts {
            service: Some("backend".into()),
            pod: Some("backend-7c9d8f6b5-x2x9q".into()),
            port: Some(8080),
            service_port: Some(80),
            path_used: Some(BackendPath::PortForward),
            request: "GET /metadata/19-7".into(),
            attempts: vec![BackendAttempt {
                at_ms: 0,
                until_ms: 41_049,
                count: 37,
                status: Some(status),
                outcome: outcome.into(),
                latency_ms: 4,
            }],
            last_status: Some(status),
            body: Some(body),
            body_is_json: json,
            healthy: status == 200,
            ..Default::default()
        }
    }

    fn with(mut ev: Evidence, f: BackendFacts) -> Evidence {
        ev.backend = Collected::Collected(f);
        ev
    }

    fn ids(ev: &Evidence) -> Vec<String> {
        crate::diagnosis::diagnose(ev).into_iter().map(|f| f.id).filter(|id| id.starts_with("backend")).collect()
    }

    #[test]
    fn the_incident_is_an_unknown_id() {
        let ev = with(incident(), answered(404, json!({"error": "Invalid job_id"}), true, "404 Invalid job_id"));
        let f = check_backend_invalid_job_id(&ev).unwrap();
        assert_eq!(f.title, "The backend does not know 19-7: GET /metadata/19-7 answers 404 Invalid job_id");
        assert!(f.detail.contains("2 pods are Running and Ready"), "{}", f.detail);
        assert!(f.detail.contains("on all 37 attempts over 41.0s"), "{}", f.detail);
        assert_eq!(f.evidence[0], "x37 from 0.0s to 41.0s GET /metadata/19-7 -> 404 Invalid job_id");
        assert_eq!(f.next_steps[0], "kubectl -n panda port-forward svc/backend 8080:80");
        assert_eq!(f.next_steps[1], "curl -s localhost:8080/metadata/19-7");
        assert_eq!(f.next_steps[2], "kubectl -n panda logs backend-7c9d8f6b5-x2x9q | grep -w -- 19-7");
        assert_eq!(ids(&ev), ["backend-invalid-job-id"]);
    }

    #[test]
    fn an_error_body_naming_the_id_counts() {
        let ev = with(incident(), answered(400, json!("unknown job 19-7"), false, "400 non-JSON: unknown job 19-7"));
        assert!(check_backend_invalid_job_id(&ev).is_some());
        assert!(check_backend_error(&ev).is_none());
        let other = with(incident(), answered(400, json!({"error": "bad request"}), true, "400 bad request"));
        assert!(check_backend_invalid_job_id(&other).is_none());
    }

    #[test]
    fn unknown_id_is_silent_when_healthy_or_pods_not_ready() {
        let ok = with(incident(), answered(200, json!({"job_id": "19-7"}), true, "200"));
        assert!(ids(&ok).is_empty());
        let mut pod = running_pod("grpc-job-19-7-8rlgb");
        pod.ready = false;
        let ev = with(
            evidence(Discovery { pods: vec![pod], ..Default::default() }),
            answered(404, json!({"error": "Invalid job_id"}), true, "404"),
        );
        assert!(check_backend_invalid_job_id(&ev).is_none());
        let none = with(evidence(Discovery::default()), answered(404, json!({"error": "x"}), true, "404"));
        assert!(check_backend_invalid_job_id(&none).is_none());
    }

    #[test]
    fn server_errors_and_non_json() {
        let e500 = with(incident(), answered(500, json!({"error": "boom"}), true, "500 boom"));
        let f = check_backend_error(&e500).unwrap();
        assert_eq!(f.title, "The backend fails: GET /metadata/19-7 answers 500 boom");
        assert_eq!(f.next_steps[1], "curl -si localhost:8080/metadata/19-7");
        let html = answered(502, json!("<html>Bad Gateway</html>"), false, "502 non-JSON text/html: <html>");
        assert_eq!(ids(&with(incident(), html)), ["backend-error"]);
        let mut html200 = answered(200, json!("<html>login</html>"), false, "200 non-JSON");
        html200.content_type = Some("text/html".into());
        html200.healthy = true;
        let f = check_backend_error(&with(incident(), html200)).unwrap();
        assert!(f.detail.contains("text/html instead of JSON"), "{}", f.detail);
        assert!(check_backend_error(&with(incident(), answered(404, json!({"error": "x"}), true, "404 x"))).is_none());
    }

    #[test]
    fn problems_map_to_their_rules() {
        let base = BackendFacts { request: "GET /metadata/19-7".into(), ..Default::default() };
        let nf = |explicit| BackendFacts {
            problem: Some(BackendProblem::NotFound { detail: "no Service looks like the backend".into(), explicit }),
            ..base.clone()
        };
        let f = check_backend_not_found(&with(incident(), nf(false))).unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert!(f.next_steps.iter().any(|s| s.contains("--backend-service NAME[:PORT]")));
        assert_eq!(check_backend_not_found(&with(incident(), nf(true))).unwrap().severity, Severity::Error);

        let ne = BackendFacts {
            problem: Some(BackendProblem::NoReadyEndpoints {
                service: "backend".into(),
                not_ready: vec!["backend-1".into()],
            }),
            ..base.clone()
        };
        let f = check_backend_no_ready_endpoints(&with(incident(), ne)).unwrap();
        assert_eq!(f.title, "The backend Service backend has no ready pod");
        assert!(f.next_steps.contains(&"kubectl -n panda describe pod backend-1".to_string()));

        let refused =
            "port-forward to backend-1:8080 failed in the pod: dial tcp 127.0.0.1:8080: connect: connection refused";
        let un = BackendFacts {
            pod: Some("backend-1".into()),
            port: Some(8080),
            service: Some("backend".into()),
            service_port: Some(80),
            problem: Some(BackendProblem::Unreachable { detail: refused.into(), refused: true, timed_out: false }),
            ..base.clone()
        };
        let ev = with(incident(), un);
        let f = check_backend_unreachable(&ev).unwrap();
        assert_eq!(f.title, "The backend refuses connections: nothing listens on pod backend-1 port 8080");
        assert!(f.evidence[0].contains("connection refused"));
        assert_eq!(ids(&ev), ["backend-unreachable"]);
    }

    #[test]
    fn silent_without_backend_facts() {
        let ev = incident();
        assert!(ids(&ev).is_empty());
    }

    #[test]
    fn url_mode_suggests_curl_on_the_url() {
        let mut f = answered(500, json!({"error": "boom"}), true, "500 boom");
        f.path_used = Some(BackendPath::Url);
        f.url = Some("http://localhost:9000/".into());
        let finding = check_backend_error(&with(incident(), f)).unwrap();
        assert_eq!(finding.next_steps[0], "curl -si http://localhost:9000/metadata/19-7");
    }
}
