//! The timeline: one sorted list of what happened across layers (pods and Jobs created,
//! started and Ready, Warning events, log lines naming the id, ...), each entry with its
//! offset from the first. Pure: built from the gathered evidence.

use crate::evidence::Evidence;
use crate::report::TimelineEntry;

/// Most entries kept (the newest win when there are more).
pub const MAX_ENTRIES: usize = 400;

/// Builds the sorted timeline.
pub fn build(ev: &Evidence) -> Vec<TimelineEntry> {
    let mut raw: Vec<(jiff::Timestamp, String, String)> = Vec::new();
    let mut push = |at: Option<jiff::Timestamp>, source: &str, text: String| {
        if let Some(at) = at {
            raw.push((at, source.to_string(), text));
        }
    };
    if let Some(d) = ev.discovery.get() {
        for j in &d.jobs {
            push(j.created_at, "job", format!("Job {} created", j.name));
            push(j.start_time, "job", format!("Job {} started", j.name));
            push(j.completion_time, "job", format!("Job {} completed", j.name));
            for c in j.conditions.iter().filter(|c| c.status == "True" && c.type_ != "Complete") {
                push(
                    c.last_transition,
                    "job",
                    format!(
                        "Job {} {}{}",
                        j.name,
                        c.type_,
                        c.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                    ),
                );
            }
        }
        for p in &d.pods {
            push(p.created_at, "pod", format!("Pod {} created", p.name));
            push(p.started_at, "pod", format!("Pod {} started", p.name));
            push(p.ready_since, "pod", format!("Pod {} Ready", p.name));
            for c in &p.containers {
                if let Some(t) = &c.last_termination {
                    push(
                        t.finished_at,
                        "pod",
                        format!(
                            "Pod {} container {} exited {} ({})",
                            p.name,
                            c.name,
                            t.exit_code,
                            t.reason.as_deref().unwrap_or("?")
                        ),
                    );
                }
            }
        }
    }
    if let Some(events) = ev.events.get() {
        for e in events {
            push(e.last_seen, "event", format!("{} {}: {} (x{})", e.object, e.reason, e.message, e.count));
        }
    }
    if let Some(logs) = ev.logs.get() {
        for l in logs {
            for h in &l.hits {
                push(
                    h.at,
                    &format!("log:{}", l.role.as_str()),
                    format!("{}/{}{}: {}", l.pod, l.container, if l.previous { " (previous)" } else { "" }, h.text),
                );
            }
        }
    }
    if let Some(b) = ev.backend.get() {
        if let Some(first) = b.first_attempt_at {
            for a in &b.attempts {
                let at = first.checked_add(jiff::SignedDuration::from_millis(a.at_ms as i64)).ok();
                push(at, "backend", a.summary(&b.request));
            }
        }
    }
    if let Some(m) = ev.mongo.get() {
        for c in &m.collections {
            let what = match c.result {
                crate::report::LookupResult::Found => {
                    format!("{}.{} record of the job written", c.database, c.collection)
                }
                crate::report::LookupResult::FoundInAnotherFormat => format!(
                    "{}.{} record written as {}",
                    c.database,
                    c.collection,
                    c.other_formats.iter().map(|o| format!("{}={:?}", o.field, o.value)).collect::<Vec<_>>().join(", ")
                ),
                _ => continue,
            };
            push(c.written_at, "mongo", what);
        }
    }
    raw.sort_by_key(|r| r.0);
    if raw.len() > MAX_ENTRIES {
        raw.drain(..raw.len() - MAX_ENTRIES);
    }
    let first = raw.first().map(|r| r.0);
    raw.into_iter()
        .map(|(at, source, text)| TimelineEntry {
            at,
            offset_ms: first.map(|f| at.duration_since(f).as_millis() as i64).unwrap_or(0),
            source,
            text,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::{evidence, running_pod};
    use crate::evidence::discovery::Discovery;
    use crate::evidence::logs::{LogHit, LogLevel, LogRole, LogSource};
    use crate::evidence::Collected;

    #[test]
    fn sorted_across_layers_with_offsets() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let mut pod = running_pod("grpc-job-19-7-8rlgb");
        pod.created_at = Some(t("2025-11-13T10:00:00Z"));
        pod.ready_since = Some(t("2025-11-13T10:00:02Z"));
        let mut ev = evidence(Discovery { pods: vec![pod], ..Default::default() });
        ev.logs = Collected::Collected(vec![LogSource {
            role: LogRole::Backend,
            pod: "backend-x".into(),
            container: "backend".into(),
            previous: false,
            lines_scanned: 3,
            hits: vec![LogHit {
                at: Some(t("2025-11-13T10:00:01.105Z")),
                level: LogLevel::Warn,
                text: "GET /metadata/19-7 -> 404".into(),
            }],
            truncated: false,
            error: None,
        }]);
        let tl = build(&ev);
        let texts: Vec<(&str, i64)> = tl.iter().map(|e| (e.source.as_str(), e.offset_ms)).collect();
        assert_eq!(texts, [("pod", 0), ("log:backend", 1105), ("pod", 2000)]);
        assert!(tl[1].text.contains("backend-x/backend: GET /metadata/19-7"));
    }

    #[test]
    fn backend_attempts_join_the_timeline() {
        use crate::report::{BackendAttempt, BackendFacts};
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let mut ev = evidence(Discovery::default());
        let attempt = |at_ms, until_ms, count, outcome: &str| BackendAttempt {
            at_ms,
            until_ms,
            count,
            status: Some(404),
            outcome: outcome.into(),
            latency_ms: 3,
        };
        ev.backend = Collected::Collected(BackendFacts {
            request: "GET /metadata/19-7".into(),
            first_attempt_at: Some(t("2025-11-13T10:00:01.105Z")),
            attempts: vec![attempt(0, 41_049, 37, "404 Invalid job_id"), attempt(42_000, 42_000, 1, "200")],
            ..Default::default()
        });
        let tl = build(&ev);
        let texts: Vec<(&str, i64, &str)> =
            tl.iter().map(|e| (e.source.as_str(), e.offset_ms, e.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                ("backend", 0, "GET /metadata/19-7 -> 404 Invalid job_id (x37 until +41.0s)"),
                ("backend", 42_000, "GET /metadata/19-7 -> 200"),
            ]
        );
    }

    #[test]
    fn mongo_records_are_dated() {
        use crate::report::{LookupResult, MongoCollectionFacts, MongoFacts};
        let mut ev = evidence(Discovery::default());
        let written = "2025-11-13T10:00:05Z".parse().unwrap();
        ev.mongo = Collected::Collected(MongoFacts {
            collections: vec![
                MongoCollectionFacts {
                    database: "panda".into(),
                    collection: "jobs".into(),
                    result: LookupResult::Found,
                    written_at: Some(written),
                    ..Default::default()
                },
                MongoCollectionFacts { collection: "consumers".into(), ..Default::default() },
            ],
            ..Default::default()
        });
        let t = build(&ev);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].source.as_str(), t[0].at), ("mongo", written));
        assert!(t[0].text.contains("panda.jobs"));
    }
}
