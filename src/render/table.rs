//! The human-readable report: a verdict line, the findings with their evidence and next
//! steps, then tables of pods, Jobs, events and sources. comfy-table and owo-colors are
//! used here only; colour is decided once in `settings.rs` and passed in.

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, ContentArrangement, Table};
use owo_colors::{OwoColorize, Style as Paint};

use crate::diagnosis::Severity;
use crate::report::{Report, SourceState, VerdictStatus};

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
        "{} {}  namespace {}{}",
        style.bold("JOB"),
        style.bold(&r.job_id),
        r.namespace,
        r.context.as_deref().map(|c| format!("  context {c}")).unwrap_or_default()
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
}
