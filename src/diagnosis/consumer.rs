//! Rules about the consumer service (hypothesis 3 of the incident: is it running?).

use super::{Finding, Severity};
use crate::evidence::Evidence;

/// `consumer-service-down`: the consumer service has no ready pod, or one crash-loops.
pub fn check_consumer_service_down(ev: &Evidence) -> Option<Finding> {
    let c = ev.consumer.get()?;
    if !c.is_down() {
        return None;
    }
    let service = c.service.clone().unwrap_or_default();
    let first = c.pods.iter().find(|p| !p.ready).or(c.pods.first());
    let mut f = Finding::new(
        "consumer-service-down",
        Severity::Error,
        format!("The consumer service {service} is down: {}/{} pods ready", c.ready, c.total),
        format!(
            "No consumer can be created while the consumer service has no ready pod{}.",
            c.last_termination.as_deref().map(|r| format!(" (its containers last ended with {r})")).unwrap_or_default()
        ),
    )
    .evidence(c.pods.iter().map(|p| {
        let why = p
            .containers
            .iter()
            .filter_map(|c| c.reason.as_ref().map(|r| format!("{} {r}", c.name)))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "Pod/{}: {} {}/{} ready, {} restarts{}",
            p.name,
            p.phase,
            p.ready_containers,
            p.total_containers,
            p.restarts,
            if why.is_empty() { String::new() } else { format!(", {why}") }
        )
    }));
    if c.pods.is_empty() {
        f.evidence.push(format!(
            "Service/{service} selects no pod ({})",
            c.selector.as_deref().unwrap_or("it has no selector")
        ));
    }
    f = f.next(match first {
        Some(p) => vec![
            format!("kubectl -n {} logs {} --previous", ev.namespace, p.name),
            format!("kubectl -n {} describe pod {}", ev.namespace, p.name),
        ],
        None => {
            vec![format!("kubectl -n {} get deploy,rs,pods -l {}", ev.namespace, c.selector.as_deref().unwrap_or(""))]
        }
    });
    Some(f)
}

/// `consumer-service-not-found`: no Service looks like the consumer service. Information
/// only: not every layout has one, and a named `--consumer-service` that is missing makes
/// the source unavailable instead.
pub fn check_consumer_service_not_found(ev: &Evidence) -> Option<Finding> {
    let c = ev.consumer.get()?;
    if c.service.is_some() {
        return None;
    }
    Some(
        Finding::new(
            "consumer-service-not-found",
            Severity::Info,
            format!("No consumer service found in {}", ev.namespace),
            "No Service's name or app label says consumer, so whether consumers can be created was not checked.",
        )
        .next([
            format!("kubectl -n {} get svc,pods | grep -i consumer", ev.namespace),
            format!("kubectl jobtrace {} -n {} --consumer-service NAME", ev.job_id, ev.namespace),
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::{evidence, running_pod};
    use crate::evidence::consumer::ConsumerFacts;
    use crate::evidence::Collected;

    fn with(c: ConsumerFacts) -> Evidence {
        let mut ev = evidence(Default::default());
        ev.consumer = Collected::Collected(c);
        ev
    }

    #[test]
    fn down_fires_on_no_ready_pod() {
        let mut p = running_pod("consumer-service-1");
        p.ready = false;
        p.restarts = 7;
        p.containers[0].reason = Some("CrashLoopBackOff".into());
        let c = ConsumerFacts {
            service: Some("consumer-service".into()),
            ready: 0,
            total: 1,
            pods: vec![p],
            ..Default::default()
        };
        let f = check_consumer_service_down(&with(c)).unwrap();
        assert!(f.title.contains("0/1 pods ready"));
        assert!(f.evidence[0].contains("CrashLoopBackOff"));
        assert!(f.next_steps[0].contains("--previous"));
    }

    #[test]
    fn up_and_not_found_are_told_apart() {
        let up = ConsumerFacts {
            service: Some("consumer-service".into()),
            ready: 1,
            total: 1,
            pods: vec![running_pod("consumer-service-1")],
            ..Default::default()
        };
        assert!(check_consumer_service_down(&with(up.clone())).is_none());
        assert!(check_consumer_service_not_found(&with(up)).is_none());
        let none = ConsumerFacts::default();
        assert!(check_consumer_service_down(&with(none.clone())).is_none());
        assert_eq!(check_consumer_service_not_found(&with(none)).unwrap().severity, Severity::Info);
        // not asked: silent
        assert!(check_consumer_service_not_found(&evidence(Default::default())).is_none());
    }
}
