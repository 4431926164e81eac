//! `config view`: the effective settings as an aligned text table, JSON or YAML, written
//! to any `Write`. The values arrive redacted ([`ConfigView`]); nothing is decided here.

use std::io::{self, Write};

use crate::cli::OutputFormat;
use crate::config::ConfigView;

/// Writes the view in the chosen format (`table` and `wide` are the same text).
pub fn render(view: &ConfigView, format: OutputFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, view).map_err(io::Error::other)?;
            writeln!(out)
        }
        OutputFormat::Yaml => out.write_all(serde_yaml::to_string(view).map_err(io::Error::other)?.as_bytes()),
        OutputFormat::Table | OutputFormat::Wide => text(view, out),
    }
}

fn text(view: &ConfigView, out: &mut dyn Write) -> io::Result<()> {
    let file = &view.config_file;
    match &file.path {
        Some(path) => writeln!(
            out,
            "config file  {} ({}, {})",
            path.display(),
            file.source,
            if file.found { "read" } else { "not found" }
        )?,
        None => writeln!(out, "config file  none (no config folder)")?,
    }
    match &view.profile {
        Some(p) => writeln!(out, "profile      {} ({})", p.name, p.reason)?,
        None => writeln!(out, "profile      none")?,
    }
    writeln!(out)?;
    let shown: Vec<(&str, String, String)> =
        view.settings.iter().map(|r| (r.key, value_text(&r.value), r.source.to_string())).collect();
    let key_w = shown.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0).max("SETTING".len());
    let val_w = shown.iter().map(|(_, v, _)| v.chars().count()).max().unwrap_or(0).max("VALUE".len());
    writeln!(out, "{:key_w$}  {:val_w$}  SOURCE", "SETTING", "VALUE")?;
    for (k, v, s) in shown {
        writeln!(out, "{k:key_w$}  {v:val_w$}  {s}")?;
    }
    Ok(())
}

/// A value as one line: lists comma-separated, unset as `-`.
fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileView;
    use crate::layers::{Row, Source};

    fn view() -> ConfigView {
        ConfigView {
            config_file: FileView { path: Some("/c.yaml".into()), source: Source::Flag, found: true },
            profile: Some(crate::config::ProfileChoice {
                name: "panda".into(),
                reason: "namespace panda matches".into(),
            }),
            settings: vec![
                Row {
                    key: "label-keys",
                    value: serde_json::json!(["job_id", "app"]),
                    source: Source::Profile("panda".into()),
                },
                Row { key: "timeout", value: serde_json::json!("5s"), source: Source::Env("JOBTRACE_TIMEOUT".into()) },
                Row { key: "mongo-db", value: serde_json::Value::Null, source: Source::Default },
            ],
        }
    }

    #[test]
    fn text_lists_every_setting_with_its_source() {
        let mut out = Vec::new();
        render(&view(), OutputFormat::Table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("config file  /c.yaml (flag, read)"), "{text}");
        assert!(text.contains("profile      panda (namespace panda matches)"), "{text}");
        assert!(text.contains("label-keys  job_id, app  profile:panda"), "{text}");
        assert!(text.contains("timeout     5s           env:JOBTRACE_TIMEOUT"), "{text}");
        assert!(text.contains("mongo-db    -            default"), "{text}");
    }

    #[test]
    fn json_keys_settings_by_name() {
        let mut out = Vec::new();
        render(&view(), OutputFormat::Json, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["settings"]["timeout"]["source"], "env:JOBTRACE_TIMEOUT");
        assert_eq!(v["settings"]["label-keys"]["value"][1], "app");
        assert_eq!(v["profile"]["name"], "panda");
        assert_eq!(v["configFile"]["path"], "/c.yaml");
        let mut out = Vec::new();
        render(&view(), OutputFormat::Yaml, &mut out).unwrap();
        let y: serde_json::Value = serde_yaml::from_slice(&out).unwrap();
        assert_eq!(y, v);
    }
}
