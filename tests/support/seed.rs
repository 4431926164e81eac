//! Seeding a scenario into the real apiserver, as the admin user.
//!
//! Several tests share one cluster, so every scenario namespace gets a per-test suffix
//! (`panda` -> `panda-t3`). No controllers run on the real tier, so the seeding does
//! their part: Jobs are created without a selector (1.20 generates its own
//! `controller-uid`) and their pods re-pointed at the new uids, statuses are written
//! through `/status`, and every pod is bound to the scenario's kubelet Node (see `kubelet`).
//! Times are shifted so that the scenario's `now` is the real present. The server sets
//! `metadata.creationTimestamp` itself, so ages computed from it are "just created".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jobtrace::sandbox::scenario::Scenario;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::{json, Value};

use super::cluster::{block_on, Cluster, User};

/// A scenario as it lives on the real apiserver.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub suffix: String,
    /// Scenario namespace -> real namespace.
    pub namespaces: BTreeMap<String, String>,
    /// The scenario as seeded: namespaces renamed, node names rewritten, times shifted,
    /// uids remapped (objects keep the scenario's uids in `metadata.uid`; see `uids`).
    pub scenario: Scenario,
    /// Scenario uid -> uid the apiserver gave the object.
    pub uids: BTreeMap<String, String>,
    /// The Node every pod is bound to (`spec.nodeName`).
    pub node: String,
}

impl Seeded {
    /// The real name of scenario namespace `name` (`panda` -> `panda-t3`).
    pub fn ns(&self, name: &str) -> String {
        self.namespaces.get(name).cloned().unwrap_or_else(|| panic!("scenario has no namespace {name:?}"))
    }
}

/// Seeds `scenario` into the shared cluster with namespaces suffixed by `-<ns_suffix>`.
/// Panics with the API error and the apiserver's log tail on failure.
pub fn seed(scenario: &Scenario, ns_suffix: &str) -> Seeded {
    let cluster = Cluster::shared();
    block_on(seed_into(cluster, scenario, ns_suffix))
        .unwrap_or_else(|e| panic!("seeding {} failed: {e:#}\n{}", scenario.name, cluster.log_tails(20)))
}

/// The pure part of seeding: renames namespaces, rewrites node names, shifts times.
pub fn rewrite(
    scenario: &Scenario,
    ns_suffix: &str,
    node: &str,
    now: jiff::Timestamp,
) -> (Scenario, BTreeMap<String, String>) {
    let mut s = scenario.clone();
    // Nodes are cluster-wide and shared by every test: this binary's kubelet stand-in is
    // the only Node pods are bound to, so a scenario's own Nodes are not seeded.
    s.objects.retain(|o| o["kind"] != "Node");
    // Whole seconds: most Kubernetes times have second precision.
    let shift = jiff::SignedDuration::from_secs(s.shift_to(now).as_secs());
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.insert(s.namespace.clone());
    for o in &s.objects {
        if o["kind"] == "Namespace" {
            names.extend(o["metadata"]["name"].as_str().map(str::to_string));
        }
        names.extend(o["metadata"]["namespace"].as_str().map(str::to_string));
    }
    names.extend(s.logs.keys().filter_map(|k| k.split('/').next().map(str::to_string)));
    names.extend(s.ports.iter().filter_map(|p| p.pod.split('/').next().map(str::to_string)));
    let map: BTreeMap<String, String> = names.into_iter().map(|n| (n.clone(), format!("{n}-{ns_suffix}"))).collect();
    let rename = |n: &str| map.get(n).cloned().unwrap_or_else(|| n.to_string());
    let rename_key = |k: &str| match k.split_once('/') {
        Some((ns, rest)) => format!("{}/{rest}", rename(ns)),
        None => k.to_string(),
    };

    s.namespace = rename(&s.namespace);
    for o in &mut s.objects {
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let meta = &mut o["metadata"];
        if kind == "Namespace" {
            if let Some(n) = meta["name"].as_str() {
                meta["name"] = json!(rename(n));
            }
        }
        if let Some(n) = meta["namespace"].as_str() {
            meta["namespace"] = json!(rename(n));
        }
        if o["spec"]["nodeName"].is_string() {
            o["spec"]["nodeName"] = json!(node);
        }
        if kind == "Endpoints" {
            for subset in o["subsets"].as_array_mut().into_iter().flatten() {
                for key in ["addresses", "notReadyAddresses"] {
                    for a in subset[key].as_array_mut().into_iter().flatten() {
                        if a["nodeName"].is_string() {
                            a["nodeName"] = json!(node);
                        }
                        if let Some(n) = a["targetRef"]["namespace"].as_str() {
                            a["targetRef"]["namespace"] = json!(rename(n));
                        }
                    }
                }
            }
        }
        if kind == "Event" {
            if let Some(n) = o["involvedObject"]["namespace"].as_str() {
                o["involvedObject"]["namespace"] = json!(rename(n));
            }
        }
        shift_json(o, shift);
    }
    s.logs = std::mem::take(&mut s.logs)
        .into_iter()
        .map(|(k, mut l)| {
            l.current = shift_log(&l.current, shift);
            l.previous = l.previous.map(|p| shift_log(&p, shift));
            (rename_key(&k), l)
        })
        .collect();
    for p in &mut s.ports {
        p.pod = rename_key(&p.pod);
        if let jobtrace::sandbox::scenario::PortAnswer::Mongo(m) = &mut p.answer {
            for docs in m.databases.values_mut().flat_map(|c| c.values_mut()) {
                docs.iter_mut().for_each(|d| shift_json(d, shift));
            }
        }
    }
    s.now = s.now.checked_add(shift).expect("shifted now is in range");
    (s, map)
}

/// Shifts every RFC 3339 timestamp string inside `v`, keeping its fractional digits.
fn shift_json(v: &mut Value, shift: jiff::SignedDuration) {
    match v {
        Value::String(s) => {
            if let Some(t) = shift_timestamp(s, shift) {
                *s = t;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| shift_json(x, shift)),
        Value::Object(o) => o.values_mut().for_each(|x| shift_json(x, shift)),
        _ => {}
    }
}

fn shift_timestamp(s: &str, shift: jiff::SignedDuration) -> Option<String> {
    let b = s.as_bytes();
    let looks_like =
        b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && s.ends_with('Z');
    if !looks_like {
        return None;
    }
    let t: jiff::Timestamp = s.parse().ok()?;
    let t = t.checked_add(shift).ok()?;
    let digits = s.find('.').map_or(0, |dot| s.len() - dot - 2);
    let mut out = t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    if digits > 0 {
        let frac = format!("{:09}", t.subsec_nanosecond());
        out.push('.');
        out.push_str(&frac[..digits.min(9)]);
    }
    out.push('Z');
    Some(out)
}

/// Shifts the RFC 3339 timestamp that starts each log line.
fn shift_log(text: &str, shift: jiff::SignedDuration) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.split_once(' ') {
            Some((first, rest)) => match shift_timestamp(first, shift) {
                Some(t) => {
                    out.push_str(&t);
                    out.push(' ');
                    out.push_str(rest);
                }
                None => out.push_str(line),
            },
            None => out.push_str(line),
        }
    }
    out
}

/// Which objects go first: namespaces, then Jobs (their new uids are needed by pods),
/// then pods (needed by Endpoints and Events), then the rest.
fn order(o: &Value) -> u8 {
    match o["kind"].as_str() {
        Some("Namespace") => 0,
        Some("Job") => 1,
        Some("Pod") => 2,
        Some("Event") => 4,
        _ => 3,
    }
}

const CONTROLLER_UID_LABELS: [&str; 2] = ["controller-uid", "batch.kubernetes.io/controller-uid"];

/// Seeds `scenario` into `cluster` (see the module header).
pub async fn seed_into(cluster: &Cluster, scenario: &Scenario, ns_suffix: &str) -> anyhow::Result<Seeded> {
    let client = cluster.client(User::Admin).await?;
    let node = cluster.node_name(ns_suffix);
    let (s, namespaces) = rewrite(scenario, ns_suffix, &node, jiff::Timestamp::now());
    let mut objects = s.objects.clone();
    // Namespaces that are only referenced still have to exist.
    for real in namespaces.values() {
        if !objects.iter().any(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == real.as_str()) {
            objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": real}}));
        }
    }
    objects.sort_by_key(order);

    let mut uids: BTreeMap<String, String> = BTreeMap::new();
    let mut resources: HashMap<String, (ApiResource, ApiCapabilities)> = HashMap::new();
    for mut o in objects {
        let api_version = o["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let name = o["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let what = format!("{kind} {}/{name}", o["metadata"]["namespace"].as_str().unwrap_or(""));
        let key = format!("{api_version}/{kind}");
        if !resources.contains_key(&key) {
            let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
            let gvk = kube::api::GroupVersionKind::gvk(group, version, &kind);
            let found = kube::discovery::pinned_kind(&client, &gvk)
                .await
                .map_err(|e| anyhow::anyhow!("{what}: no such resource on the apiserver: {e}"))?;
            resources.insert(key.clone(), found);
        }
        let (ar, caps) = &resources[&key];

        let old_uid = o["metadata"]["uid"].as_str().map(str::to_string);
        let status = o.as_object_mut().and_then(|m| m.remove("status"));
        prepare(&mut o, &kind, &uids);
        let api: Api<DynamicObject> = match (&caps.scope, o["metadata"]["namespace"].as_str()) {
            (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), ns, ar),
            (Scope::Namespaced, None) => {
                anyhow::bail!("{what}: namespaced kind without metadata.namespace")
            }
            (Scope::Cluster, _) => Api::all_with(client.clone(), ar),
        };
        let obj: DynamicObject = serde_json::from_value(o)?;
        let created =
            api.create(&PostParams::default(), &obj).await.map_err(|e| anyhow::anyhow!("create {what}: {e}"))?;
        if let (Some(old), Some(new)) = (old_uid, created.metadata.uid.clone()) {
            uids.insert(old, new);
        }
        let status_is_empty = status.as_ref().is_none_or(|s| s.as_object().is_some_and(|m| m.is_empty()));
        if !status_is_empty && caps.subresources.iter().any(|(r, _)| r.plural == "status") {
            api.patch_status(&name, &PatchParams::default(), &Patch::Merge(json!({ "status": status })))
                .await
                .map_err(|e| anyhow::anyhow!("write the status of {what}: {e}"))?;
        }
    }
    Ok(Seeded { suffix: ns_suffix.to_string(), namespaces, scenario: s, uids, node })
}

/// Makes a dumped object creatable: drops server-set metadata, lets 1.20 generate Job
/// selectors, remaps uids of objects created before it, drops Service cluster IPs.
fn prepare(o: &mut Value, kind: &str, uids: &BTreeMap<String, String>) {
    let remap = |v: &mut Value| {
        if let Some(new) = v.as_str().and_then(|u| uids.get(u)) {
            *v = json!(new);
        }
    };
    if let Some(meta) = o["metadata"].as_object_mut() {
        for k in ["uid", "resourceVersion", "creationTimestamp", "selfLink", "managedFields", "generation"] {
            meta.remove(k);
        }
    }
    for r in o["metadata"]["ownerReferences"].as_array_mut().into_iter().flatten() {
        remap(&mut r["uid"]);
    }
    match kind {
        "Job" => {
            if let Some(spec) = o["spec"].as_object_mut() {
                spec.remove("selector");
                spec.remove("manualSelector");
            }
            if let Some(labels) = o["spec"]["template"]["metadata"]["labels"].as_object_mut() {
                CONTROLLER_UID_LABELS.iter().for_each(|k| drop(labels.remove(*k)));
            }
        }
        "Pod" => {
            for k in CONTROLLER_UID_LABELS {
                remap(&mut o["metadata"]["labels"][k]);
            }
            if let Some(labels) = o["metadata"]["labels"].as_object_mut() {
                labels.retain(|_, v| !v.is_null());
            }
        }
        "Service" => {
            if let Some(spec) = o["spec"].as_object_mut() {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
        }
        "Endpoints" => {
            for subset in o["subsets"].as_array_mut().into_iter().flatten() {
                for key in ["addresses", "notReadyAddresses"] {
                    for a in subset[key].as_array_mut().into_iter().flatten() {
                        remap(&mut a["targetRef"]["uid"]);
                    }
                }
            }
        }
        "Event" => remap(&mut o["involvedObject"]["uid"]),
        _ => {}
    }
}
