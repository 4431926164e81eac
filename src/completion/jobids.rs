//! Job ids the cluster knows of, for completing `kubectl jobtrace <TAB>`: the values of
//! the configured label keys on pods and Jobs, and the ids found in their names by the
//! name patterns. Pure: works on object metadata (as `list_metadata` returns it).
//!
//! Reading an id out of a name by a pattern such as `grpc-job-{id}`: the id is what lies
//! between the pattern's prefix and its suffix, once the suffixes Kubernetes appends to
//! generated names are gone. A Job's name is its own (`grpc-job-19-7` -> `19-7`). A pod
//! of a Job is named `<job-name>-<5 random characters>`, so its Job's name is used when
//! the pod says it (the `job-name` label, the controlling Job owner); else its
//! `generateName`; else a last `-xxxxx` made of the characters Kubernetes draws random
//! suffixes from (`bcdfghjklmnpqrstvwxz2456789`), or a ReplicaSet pod's
//! `-<pod-template-hash>-xxxxx`, or a StatefulSet pod's `-<ordinal>`, is cut off. So
//! `grpc-job-19-7-8rlgb` gives `19-7`, never `19-7-8rlgb`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use kube::api::ObjectMeta;

use crate::jobid::JobId;

/// The kinds whose metadata is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pod,
    Job,
}

/// One job id with what was seen of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenId {
    pub id: String,
    pub pods: usize,
    pub jobs: usize,
    /// Creation time of its newest object.
    pub newest: Option<Timestamp>,
}

impl SeenId {
    /// `2 pods, 1 Job, 5m old` (the age of the newest object).
    pub fn describe(&self, now: Timestamp) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if self.jobs > 0 {
            parts.push(plural(self.jobs, "Job"));
        }
        if self.pods > 0 {
            parts.push(plural(self.pods, "pod"));
        }
        if let Some(t) = self.newest {
            parts.push(format!("newest {} old", short_age(now, t)));
        }
        parts.join(", ")
    }
}

/// The distinct job ids of `objects`, newest first (ties by id).
pub fn job_ids<'a>(
    objects: impl IntoIterator<Item = (Kind, &'a ObjectMeta)>,
    label_keys: &[String],
    name_patterns: &[String],
) -> Vec<SeenId> {
    let mut seen: BTreeMap<String, SeenId> = BTreeMap::new();
    for (kind, meta) in objects {
        let created = meta.creation_timestamp.as_ref().map(|t| t.0);
        let mut ids: Vec<String> = label_keys
            .iter()
            .filter_map(|k| meta.labels.as_ref()?.get(k))
            .filter(|v| JobId::parse(v).is_ok())
            .cloned()
            .collect();
        if let Some(base) = base_name(kind, meta) {
            ids.extend(name_patterns.iter().filter_map(|p| id_by_pattern(&base, p)));
        }
        ids.sort();
        ids.dedup();
        for id in ids {
            let entry = seen.entry(id.clone()).or_insert(SeenId { id, pods: 0, jobs: 0, newest: None });
            match kind {
                Kind::Pod => entry.pods += 1,
                Kind::Job => entry.jobs += 1,
            }
            entry.newest = entry.newest.max(created);
        }
    }
    let mut out: Vec<SeenId> = seen.into_values().collect();
    out.sort_by(|a, b| b.newest.cmp(&a.newest).then_with(|| a.id.cmp(&b.id)));
    out
}

/// The name the object was given by whoever created it, generated suffixes removed.
pub fn base_name(kind: Kind, meta: &ObjectMeta) -> Option<String> {
    let name = meta.name.as_deref()?;
    if kind == Kind::Job {
        return Some(name.to_string());
    }
    let labels = meta.labels.as_ref();
    let label = |k: &str| labels.and_then(|l| l.get(k).or_else(|| l.get(&format!("batch.kubernetes.io/{k}"))));
    let owner = meta.owner_references.iter().flatten().find(|o| o.controller == Some(true));
    if let Some(job) = label("job-name") {
        return Some(job.clone());
    }
    if let Some(o) = owner.filter(|o| o.kind == "Job") {
        return Some(o.name.clone());
    }
    if let Some(generate) = meta.generate_name.as_deref().filter(|g| name.starts_with(g) && !g.is_empty()) {
        return Some(generate.trim_end_matches('-').to_string());
    }
    let mut base = name;
    if owner.is_some_and(|o| o.kind == "StatefulSet") {
        if let Some((head, ordinal)) = base.rsplit_once('-') {
            if !ordinal.is_empty() && ordinal.bytes().all(|b| b.is_ascii_digit()) {
                return Some(head.to_string());
            }
        }
    }
    base = strip_random_suffix(base);
    if let Some(hash) = labels.and_then(|l| l.get("pod-template-hash")) {
        base = base.strip_suffix(hash.as_str()).and_then(|b| b.strip_suffix('-')).unwrap_or(base);
    }
    Some(base.to_string())
}

/// Cuts a last `-xxxxx` made of Kubernetes' random-suffix alphabet (no vowels, no 0, 1, 3).
fn strip_random_suffix(name: &str) -> &str {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    match name.rsplit_once('-') {
        Some((head, tail)) if !head.is_empty() && tail.len() == 5 && tail.bytes().all(|b| ALPHABET.contains(&b)) => {
            head
        }
        _ => name,
    }
}

/// The id in `base` by `pattern` (`grpc-job-{id}`), when it is a valid job id.
pub fn id_by_pattern(base: &str, pattern: &str) -> Option<String> {
    let (prefix, suffix) = pattern.split_once("{id}")?;
    let id = base.strip_prefix(prefix)?.strip_suffix(suffix)?;
    JobId::parse(id).ok().map(|_| id.to_string())
}

/// An age as kubectl prints it: `45s`, `12m`, `5h`, `3d`.
pub fn short_age(now: Timestamp, then: Timestamp) -> String {
    let secs = now.duration_since(then).as_secs().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::scenario::Scenario;

    fn meta(yaml: &str) -> ObjectMeta {
        serde_yaml::from_str(yaml).unwrap()
    }

    fn patterns() -> Vec<String> {
        vec!["grpc-job-{id}".into(), "cleanup-job-{id}".into()]
    }

    #[test]
    fn ids_from_names_by_pattern() {
        assert_eq!(id_by_pattern("grpc-job-19-7", "grpc-job-{id}").as_deref(), Some("19-7"));
        assert_eq!(id_by_pattern("x-19-7-worker", "x-{id}-worker").as_deref(), Some("19-7"));
        assert_eq!(id_by_pattern("grpc-job-", "grpc-job-{id}"), None);
        assert_eq!(id_by_pattern("cleanup-job-19-7", "grpc-job-{id}"), None);
    }

    #[test]
    fn generated_pod_suffixes_are_cut() {
        let bare = meta("{name: grpc-job-19-7-8rlgb}");
        assert_eq!(base_name(Kind::Pod, &bare).as_deref(), Some("grpc-job-19-7"));
        // the Job's name wins when the pod carries it
        let labelled = meta("{name: grpc-job-19-7-8rlgb, labels: {job-name: grpc-job-19-7}}");
        assert_eq!(base_name(Kind::Pod, &labelled).as_deref(), Some("grpc-job-19-7"));
        let owned = meta(
            "{name: grpc-job-19-7-8rlgb, ownerReferences: [{apiVersion: batch/v1, kind: Job, name: grpc-job-19-7, uid: u, controller: true}]}",
        );
        assert_eq!(base_name(Kind::Pod, &owned).as_deref(), Some("grpc-job-19-7"));
        let generated = meta("{name: grpc-job-19-7-abcde, generateName: grpc-job-19-7-}");
        assert_eq!(base_name(Kind::Pod, &generated).as_deref(), Some("grpc-job-19-7"));
        let replica = meta("{name: backend-7c9d8f6b5-x2x9q, labels: {pod-template-hash: 7c9d8f6b5}}");
        assert_eq!(base_name(Kind::Pod, &replica).as_deref(), Some("backend"));
        let stateful = meta(
            "{name: grpc-job-19-7-0, ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: grpc-job-19-7, uid: u, controller: true}]}",
        );
        assert_eq!(base_name(Kind::Pod, &stateful).as_deref(), Some("grpc-job-19-7"));
        // a last token with a vowel or of another length is part of the name
        assert_eq!(base_name(Kind::Pod, &meta("{name: grpc-job-19-7-audit}")).as_deref(), Some("grpc-job-19-7-audit"));
        assert_eq!(base_name(Kind::Pod, &meta("{name: grpc-job-19-7}")).as_deref(), Some("grpc-job-19-7"));
        // a Job's name is never cut
        assert_eq!(base_name(Kind::Job, &meta("{name: grpc-job-ab-bcdfg}")).as_deref(), Some("grpc-job-ab-bcdfg"));
    }

    #[test]
    fn the_incident_cluster_gives_its_ids_newest_first() {
        let scenario = Scenario::builtin("incident-19-7").unwrap();
        let objects: Vec<(Kind, ObjectMeta)> = scenario
            .objects
            .iter()
            .filter_map(|o| {
                let kind = match o.get("kind")?.as_str()? {
                    "Pod" => Kind::Pod,
                    "Job" => Kind::Job,
                    _ => return None,
                };
                Some((kind, serde_json::from_value(o.get("metadata")?.clone()).ok()?))
            })
            .collect();
        let ids = job_ids(objects.iter().map(|(k, m)| (*k, m)), &["job_id".to_string()], &patterns());
        let names: Vec<&str> = ids.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(names, ["19-7", "20-1", "119-7", "19-70"]);
        assert_eq!(ids[0].pods, 2);
        assert_eq!(ids[0].jobs, 2);
        let now: Timestamp = "2025-11-13T10:05:00Z".parse().unwrap();
        assert_eq!(ids[0].describe(now), "2 Jobs, 2 pods, newest 5m old");
    }

    #[test]
    fn label_values_that_are_not_ids_are_ignored() {
        let m = meta("{name: x, labels: {job_id: 'a b'}}");
        assert!(job_ids([(Kind::Pod, &m)], &["job_id".to_string()], &patterns()).is_empty());
    }

    #[test]
    fn ages() {
        let t: Timestamp = "2025-11-13T10:00:00Z".parse().unwrap();
        let at = |s: i64| t.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
        assert_eq!(short_age(at(45), t), "45s");
        assert_eq!(short_age(at(600), t), "10m");
        assert_eq!(short_age(at(5 * 3600), t), "5h");
        assert_eq!(short_age(at(3 * 86400), t), "3d");
        assert_eq!(short_age(t, at(10)), "0s");
    }
}
