//! Warning events: listed once for the namespace (`type=Warning`, paginated) while
//! discovery runs, then kept for the matched pods and Jobs only. Each page is cut down
//! as it arrives to the Pod and Job events' few fields the facts use, so a namespace
//! with many warnings costs a few hundred bytes per event, not whole Event objects.

use k8s_openapi::api::core::v1::{Event, ObjectReference};
use kube::api::{ListParams, ObjectMeta};
use kube::Api;

use super::discovery::list_paged;
use super::{SourceError, TraceContext};
use crate::report::EventFacts;

/// Lists the namespace's Warning events.
pub async fn fetch_warnings(ctx: &TraceContext) -> Result<Vec<Event>, SourceError> {
    let api: Api<Event> = Api::namespaced(ctx.cluster.client.clone(), ctx.namespace());
    list_paged(&api, ListParams::default().fields("type=Warning"), "list events", slim).await
}

/// A Pod or Job event reduced to what [`for_objects`] and [`extract`] read; `None` for
/// events about other kinds, which no trace matches.
fn slim(e: Event) -> Option<Event> {
    let o = e.involved_object;
    if !matches!(o.kind.as_deref(), Some("Pod" | "Job")) {
        return None;
    }
    Some(Event {
        metadata: ObjectMeta { creation_timestamp: e.metadata.creation_timestamp, ..Default::default() },
        involved_object: ObjectReference { kind: o.kind, name: o.name, uid: o.uid, ..Default::default() },
        type_: e.type_,
        reason: e.reason,
        message: e.message,
        count: e.count,
        last_timestamp: e.last_timestamp,
        event_time: e.event_time,
        first_timestamp: e.first_timestamp,
        ..Default::default()
    })
}

/// The Warning events about the given `(kind, name, uid)` objects, newest first.
pub fn for_objects(events: &[Event], objects: &[(String, String, String)]) -> Vec<EventFacts> {
    let mut out: Vec<EventFacts> = events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter(|e| {
            let o = &e.involved_object;
            objects.iter().any(|(kind, name, uid)| {
                o.kind.as_deref() == Some(kind.as_str())
                    && (o.uid.as_deref() == Some(uid.as_str()) || o.name.as_deref() == Some(name.as_str()))
            })
        })
        .map(extract)
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    out
}

/// One event's facts.
pub fn extract(e: &Event) -> EventFacts {
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0));
    EventFacts {
        object: format!(
            "{}/{}",
            e.involved_object.kind.clone().unwrap_or_default(),
            e.involved_object.name.clone().unwrap_or_default()
        ),
        type_: e.type_.clone().unwrap_or_default(),
        reason: e.reason.clone().unwrap_or_default(),
        message: super::one_line(e.message.as_deref().unwrap_or_default()),
        count: e.count.unwrap_or(1),
        last_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, name: &str, uid: &str, type_: &str, reason: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("{name}.1"), "namespace": "panda"},
            "involvedObject": {"kind": kind, "name": name, "uid": uid},
            "type": type_, "reason": reason, "message": "Back-off restarting\nfailed container", "count": 6,
            "lastTimestamp": "2025-11-13T10:00:30Z"
        }))
        .unwrap()
    }

    #[test]
    fn keeps_warnings_of_matched_objects_only() {
        let events = vec![
            event("Pod", "grpc-job-19-7-8rlgb", "u1", "Warning", "BackOff"),
            event("Pod", "grpc-job-19-70-x9k2p", "u2", "Warning", "BackOff"),
            event("Pod", "grpc-job-19-7-8rlgb", "u1", "Normal", "Pulled"),
            event("Job", "grpc-job-19-7", "j1", "Warning", "BackoffLimitExceeded"),
        ];
        let objects = vec![
            ("Pod".to_string(), "grpc-job-19-7-8rlgb".to_string(), "u1".to_string()),
            ("Job".to_string(), "grpc-job-19-7".to_string(), "j1".to_string()),
        ];
        let got = for_objects(&events, &objects);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].object, "Pod/grpc-job-19-7-8rlgb");
        assert_eq!(got[0].message, "Back-off restarting failed container");
        assert_eq!(got[0].count, 6);
        assert_eq!(got[1].reason, "BackoffLimitExceeded");
    }

    #[test]
    fn pages_keep_only_what_the_facts_use() {
        let mut e = event("Pod", "grpc-job-19-7-8rlgb", "u1", "Warning", "BackOff");
        e.metadata.managed_fields = Some(vec![Default::default()]);
        let kept = slim(e.clone()).unwrap();
        assert!(kept.metadata.managed_fields.is_none() && kept.metadata.name.is_none());
        assert_eq!(extract(&kept), extract(&e));
        assert!(slim(event("Node", "n1", "u9", "Warning", "NodeNotReady")).is_none());
    }
}
