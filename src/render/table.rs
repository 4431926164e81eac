//! The human-readable report: a verdict line, the findings with their evidence and next
//! steps, then tables of pods, Jobs, events and sources. comfy-table and owo-colors are
//! used here only; colour is decided once in `settings.rs` and passed in.

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, ContentArrangement, Table};
use owo_colors::{OwoColorize, Style as Paint};

use crate::diagnosis::Severity;
use crate::report::{
    BackendFacts, BackendPath, BackendProblem, LookupResult, MongoFacts, MongoStatus, Report, SourceState,
    VerdictStatus,
};
use crate::text::excerpt;

/// How to draw.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// More columns: node, labels, owner, source timings.
    pub wide: bool,
}

impl Style {
    fn paint(&self, text: &str, style: Paint) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint(text, Paint::new().bold())
    }
    fn severity(&self, s: Severity) -> String {
        let (label, style) = match s {
            Severity::Error => ("ERROR", Paint::new().red().bold()),
            Severity::Warning => ("WARN", Paint::new().yellow().bold()),
            Severity::Info => ("INFO", Paint::new().cyan()),
        };
        self.paint(label, style)
    }
}

/// Writes the whole report.
pub fn render(r: &Report, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let now = jiff::Timestamp::now();
    writeln!(
        out,
        "{} {}  namespace {}{}{}",
        style.bold("JOB"),
        style.bold(&r.job_id),
        r.namespace,
        r.context.as_deref().map(|c| format!("  context {c}")).unwrap_or_default(),
        r.profile.as_ref().map(|p| format!("  profile {} ({})", p.name, p.reason)).unwrap_or_default()
    )?;
    let (mark, paint) = match r.verdict.status {
        VerdictStatus::Healthy => ("HEALTHY", Paint::new().green().bold()),
        VerdictStatus::Problems => ("PROBLEMS", Paint::new().red().bold()),
        VerdictStatus::Error => ("ERROR", Paint::new().red().bold()),
    };
    writeln!(out, "{} {}", style.paint(mark, paint), r.verdict.headline)?;

    if !r.findings.is_empty() {
        writeln!(out, "\n{}", style.bold("FINDINGS"))?;
        for (i, f) in r.findings.iter().enumerate() {
            writeln!(out, "{}. {} {} [{}]", i + 1, style.severity(f.severity), f.title, f.id)?;
            writeln!(out, "   {}", f.detail)?;
            for e in &f.evidence {
                writeln!(out, "   - {e}")?;
            }
            for n in &f.next_steps {
                writeln!(out, "   $ {n}")?;
            }
        }
    }

    writeln!(out, "\n{}", style.bold("PODS"))?;
    if r.pods.is_empty() {
        writeln!(out, "   (none)")?;
    } else {
        let mut header = vec!["NAME", "MATCHED BY", "PHASE", "READY", "RESTARTS", "AGE", "MISSING LABELS"];
        if style.wide {
            header.extend(["NODE", "OWNER", "LABELS"]);
        }
        let mut t = table(header);
        for p in &r.pods {
            let status = p
                .containers
                .iter()
                .find_map(|c| c.reason.clone().filter(|_| c.state != "running"))
                .filter(|reason| reason != "Completed")
                .map(|reason| format!(" ({reason})"))
                .unwrap_or_default();
            let mut row = vec![
                p.name.clone(),
                p.matched_by.join(","),
                format!("{}{status}", p.phase),
                format!("{}/{}", p.ready_containers, p.total_containers),
                p.restarts.to_string(),
                age(p.created_at, now),
                if p.missing_labels.is_empty() {
                    "-".into()
                } else {
                    style.paint(&p.missing_labels.join(","), Paint::new().yellow())
                },
            ];
            if style.wide {
                row.push(p.node.clone().unwrap_or_else(|| "-".into()));
                row.push(p.owner.clone().unwrap_or_else(|| "-".into()));
                row.push(p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","));
            }
            t.add_row(row.into_iter().map(Cell::new));
        }
        writeln!(out, "{t}")?;
    }

    if !r.jobs.is_empty() {
        writeln!(out, "\n{}", style.bold("JOBS"))?;
        let mut t =
            table(vec!["NAME", "MATCHED BY", "ACTIVE", "SUCCEEDED", "FAILED", "COMPLETIONS", "CONDITIONS", "AGE"]);
        for j in &r.jobs {
            let conditions = j
                .conditions
                .iter()
                .filter(|c| c.status == "True")
                .map(|c| match &c.reason {
                    Some(reason) => format!("{} ({reason})", c.type_),
                    None => c.type_.clone(),
                })
                .collect::<Vec<_>>()
                .join(",");
            t.add_row(vec![
                j.name.clone(),
                j.matched_by.join(","),
                j.active.to_string(),
                j.succeeded.to_string(),
                j.failed.to_string(),
                j.completions.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
                if conditions.is_empty() { "-".into() } else { conditions },
                age(j.created_at, now),
            ]);
        }
        writeln!(out, "{t}")?;
    }

    for check in r.labels.iter().filter(|c| !c.missing_on.is_empty()) {
        writeln!(
            out,
            "\n{} `{}`: missing on {} of {} pods{}",
            style.bold("LABEL"),
            check.key,
            check.missing_on.len(),
            r.pods.len(),
            if check.carried_instead.is_empty() {
                String::new()
            } else {
                format!("; they carry {} instead", check.carried_instead.join(", "))
            }
        )?;
    }

    if !r.elsewhere.is_empty() {
        writeln!(out, "\n{}", style.bold("FOUND IN OTHER NAMESPACES"))?;
        let mut t = table(vec!["NAMESPACE", "OBJECT", "MATCHED BY"]);
        for h in &r.elsewhere {
            t.add_row(vec![h.namespace.clone(), h.object.clone(), h.matched_by.join(",")]);
        }
        writeln!(out, "{t}")?;
    }

    if !r.events.is_empty() {
        writeln!(out, "\n{}", style.bold("WARNING EVENTS"))?;
        let mut t = table(vec!["LAST SEEN", "OBJECT", "REASON", "COUNT", "MESSAGE"]);
        for e in &r.events {
            t.add_row(vec![
                age(e.last_seen, now),
                e.object.clone(),
                e.reason.clone(),
                e.count.to_string(),
                e.message.clone(),
            ]);
        }
        writeln!(out, "{t}")?;
    }

    let hits: Vec<_> = r.logs.iter().filter(|l| !l.hits.is_empty()).collect();
    if !hits.is_empty() {
        writeln!(out, "\n{}", style.bold(&format!("LOG LINES NAMING {}", r.job_id)))?;
        for l in hits {
            writeln!(
                out,
                "{} {}/{}{}{}",
                l.role.as_str(),
                l.pod,
                l.container,
                if l.previous { " (previous)" } else { "" },
                if l.truncated { " (newest kept)" } else { "" }
            )?;
            for h in &l.hits {
                let paint = match h.level {
                    crate::evidence::logs::LogLevel::Error => Paint::new().red(),
                    crate::evidence::logs::LogLevel::Warn => Paint::new().yellow(),
                    crate::evidence::logs::LogLevel::Info => Paint::new(),
                };
                let at = h.at.map(|t| t.strftime("%H:%M:%S%.3f").to_string()).unwrap_or_else(|| "-".into());
                writeln!(out, "   {at} {}", style.paint(&h.text, paint))?;
            }
        }
    }

    if !r.timeline.is_empty() {
        writeln!(out, "\n{}", style.bold("TIMELINE"))?;
        let shown = if style.wide { r.timeline.len() } else { TIMELINE_ROWS.min(r.timeline.len()) };
        if shown < r.timeline.len() {
            writeln!(out, "   ({} earlier entries in -o wide / -o json)", r.timeline.len() - shown)?;
        }
        for e in &r.timeline[r.timeline.len() - shown..] {
            writeln!(out, "   {:>9}  {:<12} {}", offset(e.offset_ms), e.source, e.text)?;
        }
    }

    if let Some(b) = &r.backend {
        render_backend(b, style, out)?;
    }

    if let Some(m) = &r.mongo {
        render_mongo(m, style, out)?;
    }

    let troubled: Vec<_> = r.sources.iter().filter(|s| s.status != SourceState::Collected).collect();
    if style.wide || !troubled.is_empty() {
        writeln!(out, "\n{}", style.bold("SOURCES"))?;
        let mut t = table(vec!["SOURCE", "STATUS", "TIME", "REASON"]);
        for s in r.sources.iter().filter(|s| style.wide || s.status != SourceState::Collected) {
            let status = match s.status {
                SourceState::Collected => "collected",
                SourceState::Unavailable => "unavailable",
                SourceState::Skipped => "skipped",
            };
            t.add_row(vec![
                s.name.clone(),
                status.to_string(),
                format!("{}ms", s.duration_ms),
                s.reason.clone().unwrap_or_default(),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "\ntraced in {}ms", r.duration_ms)
}

/// Timeline rows shown by the plain table (the newest).
const TIMELINE_ROWS: usize = 25;

/// `+1.105s`, `+42.154s`, `+3m02s`.
fn offset(ms: i64) -> String {
    if ms < 120_000 {
        format!("+{}.{:03}s", ms / 1000, ms % 1000)
    } else {
        format!("+{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}

/// The MONGO section: where the trace looked, how it logged in, and per collection what it found.
fn render_mongo(m: &MongoFacts, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\n{}", style.bold("MONGO"))?;
    let status = match m.status {
        MongoStatus::Searched => "searched",
        MongoStatus::NotFound => "no MongoDB Service found",
        MongoStatus::Unreachable => "unreachable",
        MongoStatus::AuthFailed => "authentication failed",
        MongoStatus::Error => "error",
    };
    writeln!(
        out,
        "   service {}  pod {}  credentials {}  databases {} ({})  {status}",
        m.service.as_deref().unwrap_or("-"),
        m.pod.as_deref().unwrap_or("-"),
        m.credentials,
        if m.databases.is_empty() { "-".to_string() } else { m.databases.join(",") },
        m.database_from,
    )?;
    for p in m.problem.iter().chain(m.credentials_problem.iter()) {
        writeln!(out, "   {p}")?;
    }
    if m.collections.is_empty() {
        return Ok(());
    }
    let mut t = table(vec!["COLLECTION", "RESULT", "COUNT", "WRITTEN", "DETAIL"]);
    for c in &m.collections {
        let (result, paint) = match c.result {
            LookupResult::Found => ("found", Paint::new().green()),
            LookupResult::NotFound => ("not found", Paint::new().red()),
            LookupResult::FoundInAnotherFormat => ("other format", Paint::new().yellow()),
            LookupResult::NoCollection => ("no collection", Paint::new().dimmed()),
        };
        let detail = if let Some(d) = c.documents.first() {
            d.fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        } else {
            c.other_formats.iter().map(|o| format!("{}={:?}", o.field, o.value)).collect::<Vec<_>>().join(" ")
        };
        t.add_row(vec![
            format!("{}.{}", c.database, c.collection),
            style.paint(result, paint),
            c.count.to_string(),
            c.written_at.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
            if detail.is_empty() { "-".into() } else { detail },
        ]);
    }
    writeln!(out, "{t}")
}

/// The BACKEND section: where it was asked, the last answer, and the attempts as a timeline.
fn render_backend(b: &BackendFacts, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\n{}", style.bold("BACKEND"))?;
    let via = b.path_used.map(BackendPath::as_str).unwrap_or("-");
    let target = match (&b.url, &b.service, &b.pod) {
        (Some(url), _, _) => url.clone(),
        (None, Some(svc), Some(pod)) => format!(
            "svc/{svc}:{} -> pod/{pod}:{}",
            b.service_port.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            b.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into())
        ),
        (None, Some(svc), None) => format!("svc/{svc}"),
        _ => "-".into(),
    };
    writeln!(out, "   {}  via {via}  {target}", b.request)?;
    if let Some(choice) = &b.choice {
        writeln!(out, "   chosen: {choice}")?;
    }
    if let Some(fallback) = &b.fallback {
        writeln!(out, "   service proxy used: {fallback}")?;
    }
    if let Some(status) = b.last_status {
        let paint = match status {
            200 => Paint::new().green(),
            s if s >= 500 => Paint::new().red(),
            _ => Paint::new().yellow(),
        };
        writeln!(
            out,
            "   last answer: {} {}  {}  {}{}",
            style.paint(&status.to_string(), paint),
            b.content_type.as_deref().unwrap_or("-"),
            b.latency_ms.map(|l| format!("{l}ms")).unwrap_or_default(),
            human_bytes(b.body_bytes),
            if b.body_truncated { " (cut at 1 MiB)" } else { "" }
        )?;
        if let Some(body) = &b.body {
            let text = match body {
                serde_json::Value::String(s) if !b.body_is_json => s.clone(),
                v => v.to_string(),
            };
            writeln!(out, "   body: {}", excerpt(&text, 160))?;
        }
    }
    if let Some(problem) = &b.problem {
        let text = match problem {
            BackendProblem::NotFound { detail, .. } => detail.clone(),
            BackendProblem::NoReadyEndpoints { service, not_ready } => {
                format!("Service {service} has no ready endpoint pod ({})", not_ready.join(", "))
            }
            BackendProblem::Unreachable { detail, .. } => detail.clone(),
        };
        writeln!(out, "   {}: {text}", style.paint("problem", Paint::new().red()))?;
    }
    if !b.attempts.is_empty() {
        writeln!(out, "   timeline:")?;
        for a in &b.attempts {
            writeln!(out, "     {}", a.line(&b.request))?;
        }
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(NOTHING).set_content_arrangement(ContentArrangement::Disabled).set_header(header);
    t
}

/// kubectl-style age: 45s, 12m, 3h, 5d.
pub fn age(t: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    let Some(t) = t else { return "-".into() };
    let secs = now.duration_since(t).as_secs().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(offset(1105), "+1.105s");
        assert_eq!(offset(42_154), "+42.154s");
        assert_eq!(offset(182_000), "+3m02s");
    }

    #[test]
    fn ages_like_kubectl() {
        let now: jiff::Timestamp = "2025-11-13T10:00:00Z".parse().unwrap();
        let ago = |s: i64| Some(now - jiff::SignedDuration::from_secs(s));
        assert_eq!(age(ago(45), now), "45s");
        assert_eq!(age(ago(600), now), "10m");
        assert_eq!(age(ago(3 * 3600), now), "3h");
        assert_eq!(age(ago(5 * 86400), now), "5d");
        assert_eq!(age(None, now), "-");
    }

    #[test]
    fn mongo_section_shows_each_collection_and_no_secret() {
        use crate::report::{DocSummary, MongoCollectionFacts};
        let m = MongoFacts {
            service: Some("mongo:27017".into()),
            pod: Some("mongo-0:27017".into()),
            credentials: "secret:mongo-auth/password".into(),
            databases: vec!["panda".into()],
            database_from: "discovered".into(),
            field: "job_id".into(),
            collections: vec![
                MongoCollectionFacts {
                    database: "panda".into(),
                    collection: "jobs".into(),
                    result: LookupResult::Found,
                    count: 1,
                    documents: vec![DocSummary {
                        id: "1".into(),
                        fields: [("status".to_string(), "configured".to_string())].into(),
                    }],
                    ..Default::default()
                },
                MongoCollectionFacts { database: "panda".into(), collection: "consumers".into(), ..Default::default() },
            ],
            ..Default::default()
        };
        let mut out = Vec::new();
        render_mongo(&m, &Style { color: false, wide: false }, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("credentials secret:mongo-auth/password"), "{text}");
        assert!(text.contains("panda.jobs") && text.contains("status=configured"), "{text}");
        assert!(text.lines().any(|l| l.contains("panda.consumers") && l.contains("not found")), "{text}");
    }

    #[test]
    fn backend_section_shows_the_timeline() {
        use crate::report::BackendAttempt;
        let b = BackendFacts {
            service: Some("backend".into()),
            pod: Some("backend-1".into()),
            port: Some(8080),
            service_port: Some(80),
            path_used: Some(BackendPath::PortForward),
            request: "GET /metadata/19-7".into(),
            attempts: vec![BackendAttempt {
                at_ms: 0,
                until_ms: 2000,
                count: 3,
                status: Some(404),
                outcome: "404 Invalid job_id".into(),
                latency_ms: 3,
            }],
            last_status: Some(404),
            body: Some(serde_json::json!({"error": "Invalid job_id"})),
            body_is_json: true,
            body_bytes: 26,
            latency_ms: Some(3),
            content_type: Some("application/json".into()),
            ..Default::default()
        };
        let mut out = Vec::new();
        render_backend(&b, &Style { color: false, wide: false }, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("GET /metadata/19-7  via port-forward  svc/backend:80 -> pod/backend-1:8080"), "{text}");
        assert!(text.contains("last answer: 404 application/json  3ms  26 B"), "{text}");
        assert!(text.contains(r#"body: {"error":"Invalid job_id"}"#), "{text}");
        assert!(text.contains("x3 from 0.0s to 2.0s GET /metadata/19-7 -> 404 Invalid job_id"), "{text}");
    }
}
