//! Rules about the evidence sources themselves: a source that could not be read is
//! reported (as information: the other evidence still decides the verdict).

use super::{Finding, Severity};
use crate::evidence::Evidence;
use crate::report::SourceState;

/// `source-unavailable`: one or more sources failed (forbidden, unreachable, timed out).
pub fn check_source_unavailable(ev: &Evidence) -> Option<Finding> {
    let failed: Vec<_> = ev.sources.iter().filter(|s| s.status == SourceState::Unavailable).collect();
    let first = failed.first()?;
    let forbidden = failed.iter().any(|s| s.reason.as_deref().is_some_and(|r| r.starts_with("forbidden")));
    let mut f = Finding::new(
        "source-unavailable",
        Severity::Info,
        format!("{} could not be read", failed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")),
        format!("The trace went on without them; the first reason: {}", first.reason.as_deref().unwrap_or("unknown")),
    )
    .evidence(failed.iter().map(|s| format!("{}: {}", s.name, s.reason.as_deref().unwrap_or("unknown"))));
    if forbidden {
        f = f.next([format!("kubectl auth can-i --list -n {}", ev.namespace)]);
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::evidence;
    use crate::report::SourceStatus;

    #[test]
    fn fires_for_unavailable_sources_only() {
        let mut ev = evidence(Default::default());
        ev.sources.push(SourceStatus {
            name: "pods".into(),
            status: SourceState::Collected,
            reason: None,
            duration_ms: 1,
        });
        assert!(check_source_unavailable(&ev).is_none());
        ev.sources.push(SourceStatus {
            name: "events".into(),
            status: SourceState::Unavailable,
            reason: Some("forbidden: events is forbidden".into()),
            duration_ms: 1,
        });
        let f = check_source_unavailable(&ev).unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert!(f.title.starts_with("events"));
        assert!(f.next_steps[0].contains("auth can-i"));
    }
}
