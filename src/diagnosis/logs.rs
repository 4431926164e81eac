//! Rules about log lines that name the id.

use super::{Finding, Severity};
use crate::evidence::logs::{LogLevel, LogRole};
use crate::evidence::Evidence;

/// Error lines naming the id in the logs of pods of `role`, as `pod/container: text`.
pub fn error_lines(ev: &Evidence, role: LogRole) -> Vec<String> {
    ev.logs
        .get()
        .map(|logs| {
            logs.iter()
                .filter(|l| l.role == role)
                .flat_map(|l| {
                    l.hits.iter().filter(|h| h.level == LogLevel::Error).map(move |h| {
                        let at = h.at.map(|t| format!("{t} ")).unwrap_or_default();
                        format!("{}/{}: {at}{}", l.pod, l.container, h.text)
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The message of an [`error_lines`] entry: without `pod/container:`, the timestamp and a
/// leading level word (a title already says it is an error); cut at `max` characters.
pub fn message_of(line: &str, max: usize) -> String {
    let text = line.split_once(": ").map(|(_, t)| t).unwrap_or(line);
    let text =
        text.split_once(' ').filter(|(t, _)| t.parse::<jiff::Timestamp>().is_ok()).map(|(_, r)| r).unwrap_or(text);
    let text = text
        .split_once(' ')
        .filter(|(w, _)| {
            matches!(w.trim_matches(['[', ']', ':']).to_ascii_uppercase().as_str(), "ERROR" | "ERR" | "FATAL")
        })
        .map(|(_, r)| r)
        .unwrap_or(text);
    crate::text::excerpt(text, max)
}

/// `backend-log-errors`: the backend logged errors that name the id.
pub fn check_backend_log_errors(ev: &Evidence) -> Option<Finding> {
    let lines = error_lines(ev, LogRole::Backend);
    let first = lines.first()?;
    let pod = first.split('/').next().unwrap_or_default().to_string();
    let text = message_of(first, 120);
    Some(
        Finding::new(
            "backend-log-errors",
            Severity::Error,
            format!("The backend logged an error for {}: {text}", ev.job_id),
            format!("{} error line(s) in the backend's logs name job {}.", lines.len(), ev.job_id),
        )
        .evidence(lines.iter().take(10).cloned())
        .next([format!("kubectl -n {} logs {pod} --timestamps | grep -w -- {}", ev.namespace, ev.job_id)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::evidence;
    use crate::evidence::logs::{LogHit, LogSource};
    use crate::evidence::Collected;

    fn source(role: LogRole, level: LogLevel, text: &str) -> LogSource {
        LogSource {
            role,
            pod: "backend-x".into(),
            container: "backend".into(),
            previous: false,
            lines_scanned: 10,
            hits: vec![LogHit { at: Some("2025-11-13T09:59:59.801Z".parse().unwrap()), level, text: text.into() }],
            truncated: false,
            error: None,
        }
    }

    #[test]
    fn message_drops_place_time_and_level() {
        assert_eq!(
            message_of("backend-x/backend: 2025-11-13T09:59:59.801Z ERROR persist job 19-7 failed", 100),
            "persist job 19-7 failed"
        );
        assert_eq!(message_of("p/c: [error] x y", 100), "x y");
        assert_eq!(message_of("p/c: no level here", 5), "no le...");
    }

    #[test]
    fn fires_on_backend_error_lines_only() {
        let mut ev = evidence(Default::default());
        ev.logs =
            Collected::Collected(vec![source(LogRole::Backend, LogLevel::Error, "ERROR persist job 19-7 failed")]);
        let f = check_backend_log_errors(&ev).unwrap();
        assert_eq!(f.title, "The backend logged an error for 19-7: persist job 19-7 failed");
        assert!(f.evidence[0].starts_with("backend-x/backend: 2025-11-13T09:59:59.801Z ERROR"));
        ev.logs = Collected::Collected(vec![
            source(LogRole::Backend, LogLevel::Warn, "WARN slow 19-7"),
            source(LogRole::Job, LogLevel::Error, "ERROR 19-7"),
        ]);
        assert!(check_backend_log_errors(&ev).is_none());
    }
}
