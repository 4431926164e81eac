//! The consumer service: is it running? Its Service is named by `--consumer-service` or
//! detected (a Service whose name or app label says `consumer`), and ALL the pods its
//! selector picks are read, ready or not, because a crash-looping consumer drops out of
//! the endpoints but is exactly what the incident's hypothesis 3 asks about.

use k8s_openapi::api::core::v1::{Pod, Service};
use serde::{Deserialize, Serialize};

use super::services::{explain_choice, pods_selected, rank_candidates, selector_of, Detector};
use super::{pods, SourceError, TraceContext};
use crate::report::PodFacts;

/// What a consumer-service Service looks like.
pub fn detector() -> Detector {
    Detector {
        role: "consumer service".into(),
        keywords: vec!["consumer".into(), "consumers".into()],
        ports: Vec::new(),
        port_names: vec!["http".into()],
        prefer_pod_labels: Vec::new(),
        flag: "--consumer-service NAME".into(),
    }
}

/// The consumer service's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerFacts {
    /// The Service; `None` when none was found.
    pub service: Option<String>,
    /// Why this Service, when it was detected among several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// The Service's selector, `k=v,...`.
    pub selector: Option<String>,
    pub ready: u32,
    pub total: u32,
    pub restarts: u32,
    /// Its pods (all of them, ready or not).
    pub pods: Vec<PodFacts>,
    /// The most recent termination reason of any container (`Error`, `OOMKilled`, ...).
    pub last_termination: Option<String>,
}

impl ConsumerFacts {
    /// No pod ready, or a container crash-looping.
    pub fn is_down(&self) -> bool {
        self.service.is_some()
            && (self.ready == 0
                || self
                    .pods
                    .iter()
                    .any(|p| p.containers.iter().any(|c| c.reason.as_deref() == Some("CrashLoopBackOff"))))
    }
}

/// Finds the consumer Service and reads its pods.
pub async fn fetch(ctx: &TraceContext) -> Result<ConsumerFacts, SourceError> {
    let (client, ns) = (&ctx.cluster.client, ctx.namespace());
    let det = detector();
    let (service, choice) = match &ctx.settings.consumer_service {
        Some(name) => match ctx.lookups.service(client, ns, name).await? {
            Some(s) => (s, None),
            None => return Err(SourceError::Other(format!("Service {ns}/{name} not found"))),
        },
        None => {
            let list = ctx.lookups.services(client, ns).await?;
            let ranked = rank_candidates(&list, &det);
            let Some(best) = ranked.first() else {
                return Ok(ConsumerFacts::default());
            };
            let svc = list.iter().find(|s| s.metadata.name.as_deref() == Some(best.name.as_str())).cloned();
            (svc.unwrap_or_default(), explain_choice(&ranked, &det))
        }
    };
    let selector = selector_of(&service);
    let pods = pods_selected(ctx, selector.as_deref()).await?;
    Ok(extract(&service, choice, selector, &pods))
}

/// The consumer's facts from its Service and pods.
pub fn extract(service: &Service, choice: Option<String>, selector: Option<String>, pods: &[Pod]) -> ConsumerFacts {
    let facts: Vec<PodFacts> = pods.iter().map(pods::facts_of_other_pod).collect();
    let last_termination = facts
        .iter()
        .flat_map(|p| &p.containers)
        .filter_map(|c| c.last_termination.as_ref())
        .max_by_key(|t| t.finished_at)
        .and_then(|t| t.reason.clone());
    ConsumerFacts {
        service: service.metadata.name.clone(),
        choice,
        selector,
        ready: facts.iter().filter(|p| p.ready).count() as u32,
        total: facts.len() as u32,
        restarts: facts.iter().map(|p| p.restarts).sum(),
        pods: facts,
        last_termination,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::pods::tests::incident_objects;

    fn consumer_service() -> Service {
        incident_objects::<Service>("Service")
            .into_iter()
            .find(|s| s.metadata.name.as_deref() == Some("consumer-service"))
            .unwrap()
    }

    #[test]
    fn detects_the_incident_consumer_service() {
        let services: Vec<Service> = incident_objects("Service");
        let ranked = rank_candidates(&services, &detector());
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].name, "consumer-service");
    }

    #[test]
    fn incident_consumer_is_up() {
        let svc = consumer_service();
        let pods: Vec<Pod> = incident_objects::<Pod>("Pod")
            .into_iter()
            .filter(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with("consumer-service")))
            .collect();
        let f = extract(&svc, None, selector_of(&svc), &pods);
        assert_eq!(f.selector.as_deref(), Some("app=consumer-service"));
        assert_eq!((f.ready, f.total, f.restarts), (1, 1, 0));
        assert!(!f.is_down());
    }

    #[test]
    fn crashlooping_consumer_is_down() {
        let svc = consumer_service();
        let pod: Pod = serde_yaml::from_str(
            r#"
metadata: {name: consumer-service-1, namespace: panda}
spec: {containers: [{name: c, image: x}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
    - name: c
      image: x
      imageID: ""
      ready: false
      restartCount: 7
      state: {waiting: {reason: CrashLoopBackOff}}
      lastState: {terminated: {exitCode: 1, reason: Error, finishedAt: "2025-11-13T10:00:00Z"}}
"#,
        )
        .unwrap();
        let f = extract(&svc, None, selector_of(&svc), &[pod]);
        assert!(f.is_down());
        assert_eq!(f.restarts, 7);
        assert_eq!(f.last_termination.as_deref(), Some("Error"));
        assert!(!ConsumerFacts::default().is_down(), "not found is not down");
    }
}
