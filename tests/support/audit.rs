//! Reading the apiserver's audit log: the tool must never change the cluster.

use std::path::Path;

/// Users whose requests must never mutate anything.
/// (`no-*`: the fault matrix's users, each without one resource; see `cluster::Denied`.)
pub const READ_ONLY_USERS: [&str; 10] = [
    "reader",
    "restricted",
    "no-pods",
    "no-jobs",
    "no-events",
    "no-services",
    "no-endpoints",
    "no-pods-log",
    "no-pods-portforward",
    "no-secrets",
];

const MUTATING_VERBS: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

/// One audit event, in a line fit for a failure message.
fn describe(e: &serde_json::Value) -> String {
    let o = &e["objectRef"];
    format!(
        "{} {} {}{}{} {}/{} -> {} ({})",
        e["user"]["username"].as_str().unwrap_or("?"),
        e["verb"].as_str().unwrap_or("?"),
        o["resource"].as_str().unwrap_or("?"),
        if o["subresource"].is_string() { "/" } else { "" },
        o["subresource"].as_str().unwrap_or(""),
        o["namespace"].as_str().unwrap_or(""),
        o["name"].as_str().unwrap_or(""),
        e["responseStatus"]["code"],
        e["requestURI"].as_str().unwrap_or("?"),
    )
}

/// Requests in audit log `text` by `users` with a mutating verb, other than
/// `create pods/portforward`; each described on one line. Unparsable lines count too.
pub fn mutations_by(text: &str, users: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(e) = serde_json::from_str::<serde_json::Value>(line) else {
            found.push(format!("unparsable audit line: {line}"));
            continue;
        };
        let user = e["user"]["username"].as_str().unwrap_or_default();
        let verb = e["verb"].as_str().unwrap_or_default();
        if !users.contains(&user) || !MUTATING_VERBS.contains(&verb) {
            continue;
        }
        let o = &e["objectRef"];
        let port_forward = verb == "create" && o["resource"] == "pods" && o["subresource"] == "portforward";
        if !port_forward {
            found.push(describe(&e));
        }
    }
    found.dedup();
    found
}

/// Requests in the audit log at `path` by `users` (see [`mutations_by`]), and how many
/// events of those users the log holds.
pub fn check_file(path: &Path, users: &[&str]) -> Result<(usize, Vec<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let seen = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["user"]["username"].as_str().is_some_and(|u| users.contains(&u)))
        .count();
    Ok((seen, mutations_by(&text, users)))
}
