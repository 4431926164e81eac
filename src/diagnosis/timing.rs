//! Rules about time across layers: hypothesis 1 of the incident, a delay between the
//! job's pods being Ready and the backend knowing the job.

use super::{Finding, Severity};
use crate::evidence::Evidence;

/// A backend that needs longer than this after the pods are Ready is reported.
pub const SYNC_DELAY_THRESHOLD: jiff::SignedDuration = jiff::SignedDuration::from_secs(10);

/// `backend-sync-delay`: the backend answered 200 for the id only long after every pod
/// of the job was Ready (seen under `--wait`: earlier attempts failed). Information: the
/// backend does know the job now (so the run can be healthy, exit 0), but the window in
/// which it did not explains the failures of anything that called it in between.
pub fn check_backend_sync_delay(ev: &Evidence) -> Option<Finding> {
    let d = ev.discovery.get()?;
    let b = ev.backend.get()?;
    if d.pods.is_empty() || !d.pods.iter().all(|p| p.ready) {
        return None;
    }
    let ready_at = d.pods.iter().filter_map(|p| p.ready_since).max()?;
    let first = b.first_attempt_at?;
    let ok_index = b.attempts.iter().position(|a| a.status == Some(200))?;
    if ok_index == 0 {
        return None;
    }
    let known_at = first.checked_add(jiff::SignedDuration::from_millis(b.attempts[ok_index].at_ms as i64)).ok()?;
    let delay = known_at.duration_since(ready_at);
    if delay <= SYNC_DELAY_THRESHOLD {
        return None;
    }
    Some(
        Finding::new(
            "backend-sync-delay",
            Severity::Info,
            format!("The backend knew job {} only {:.1}s after its pods were Ready", ev.job_id, delay.as_secs_f64()),
            "The pods were Running and Ready, but the backend answered for the id only much later: whatever feeds \
             the backend (its watch of the cluster, a queue, a periodic sync) lags behind. Anything that calls the \
             backend as soon as the pods are Ready fails in that window.",
        )
        .evidence(
            std::iter::once(format!("all {} pods Ready by {ready_at}", d.pods.len()))
                .chain(b.attempts.iter().map(|a| a.line(&b.request)))
                .chain(std::iter::once(format!("first 200 at {known_at}"))),
        )
        .next([
            format!(
                "kubectl -n {} logs {} --timestamps | grep -w -- {}",
                ev.namespace,
                b.pod.as_deref().unwrap_or("deploy/<backend>"),
                ev.job_id
            ),
            format!("kubectl jobtrace {} -n {} --wait 60s", ev.job_id, ev.namespace),
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::{evidence, running_pod};
    use crate::evidence::discovery::Discovery;
    use crate::evidence::Collected;
    use crate::report::{BackendAttempt, BackendFacts};

    fn ev(first_ok_ms: u64) -> Evidence {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let mut pod = running_pod("grpc-job-19-7-8rlgb");
        pod.ready_since = Some(t("2025-11-13T10:00:00Z"));
        let mut ev = evidence(Discovery { pods: vec![pod], ..Default::default() });
        ev.backend = Collected::Collected(BackendFacts {
            request: "GET /metadata/19-7".into(),
            first_attempt_at: Some(t("2025-11-13T10:00:01.105Z")),
            attempts: vec![
                BackendAttempt {
                    at_ms: 0,
                    until_ms: first_ok_ms - 1000,
                    count: 3,
                    status: Some(404),
                    outcome: "404 Invalid job_id".into(),
                    latency_ms: 5,
                },
                BackendAttempt {
                    at_ms: first_ok_ms,
                    until_ms: first_ok_ms,
                    count: 1,
                    status: Some(200),
                    outcome: "200".into(),
                    latency_ms: 5,
                },
            ],
            last_status: Some(200),
            healthy: true,
            ..Default::default()
        });
        ev
    }

    #[test]
    fn fires_when_the_backend_lags_behind_ready_pods() {
        let f = check_backend_sync_delay(&ev(41_049)).unwrap();
        assert_eq!(f.title, "The backend knew job 19-7 only 42.2s after its pods were Ready");
        assert!(f.evidence.iter().any(|e| e.contains("x3")), "{:?}", f.evidence);
    }

    #[test]
    fn silent_for_a_short_lag_or_an_immediate_answer() {
        assert!(check_backend_sync_delay(&ev(3_000)).is_none());
        let mut immediate = ev(41_049);
        if let Collected::Collected(b) = &mut immediate.backend {
            b.attempts.remove(0);
        }
        assert!(check_backend_sync_delay(&immediate).is_none());
    }
}
