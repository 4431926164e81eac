//! Discovery: which pods and batch Jobs belong to the job id, and why.
//!
//! A pod or Job matches by `label:<key>` (server-side selector `<key>=<id>`), by
//! `name-token` (the id is a whole token of its name), by `pattern:<pattern>` (the name
//! starts with an expanded name pattern), and a pod also by `owned-by:<job>` (a pod of a
//! matched Job). Name matching reads metadata-only pages (`limit`/`continue`), keeping
//! only candidates, and full objects are fetched for the matches alone; so memory follows
//! the page size, not the namespace. When nothing matches, other namespaces are searched
//! (`elsewhere`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use futures::{stream, StreamExt, TryStreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, ObjectMeta};
use kube::core::{Expression, Selector};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;

use super::{jobs, pods, run_source, Collected, SourceError, TraceContext};
use crate::jobid::JobId;
use crate::report::{ElsewhereHit, JobFacts, LabelCheck, PodFacts, SourceStatus};

/// Metadata page size for name matching.
pub const PAGE_SIZE: u32 = 500;
/// How many full objects are fetched at once.
const GET_CONCURRENCY: usize = 16;

/// The job's objects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    pub pods: Vec<PodFacts>,
    pub jobs: Vec<JobFacts>,
    pub labels: Vec<LabelCheck>,
    pub elsewhere: Vec<ElsewhereHit>,
    /// Nothing matched and the namespace itself does not exist (a 404 on it; a typo in
    /// `-n`). False when it exists or could not be read.
    pub namespace_missing: bool,
}

impl Discovery {
    /// `(kind, name, uid)` of every matched object, for filtering events and logs.
    pub fn object_refs(&self) -> Vec<(String, String, String)> {
        let pods = self.pods.iter().map(|p| ("Pod".to_string(), p.name.clone(), p.uid.clone()));
        let jobs = self.jobs.iter().map(|j| ("Job".to_string(), j.name.clone(), j.uid.clone()));
        pods.chain(jobs).collect()
    }
}

/// What the matching rules need of the settings.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub id: JobId,
    pub label_keys: Vec<String>,
    pub name_patterns: Vec<String>,
}

impl Matcher {
    pub fn from_ctx(ctx: &TraceContext) -> Self {
        Self {
            id: ctx.job_id().clone(),
            label_keys: ctx.settings.label_keys.clone(),
            name_patterns: ctx.settings.name_patterns.clone(),
        }
    }

    /// The name-based reasons a name matches: `name-token`, `pattern:<pattern>`.
    pub fn name_reasons(&self, name: &str) -> Vec<String> {
        let mut reasons = Vec::new();
        if self.id.is_name_token_of(name) {
            reasons.push("name-token".to_string());
        }
        for pattern in &self.name_patterns {
            let prefix = pattern.replace("{id}", self.id.as_str());
            if let Some(rest) = name.strip_prefix(&prefix) {
                if rest.is_empty() || rest.starts_with(['-', '.']) {
                    reasons.push(format!("pattern:{pattern}"));
                }
            }
        }
        reasons
    }

    /// The label selector `<key>=<id>` (ANDed with the user's `-l`), built from typed parts.
    pub fn selector_for(&self, key: &str, extra: Option<&str>) -> String {
        let own = Selector::from(Expression::Equal(key.to_string(), self.id.as_str().to_string())).to_string();
        match extra {
            Some(extra) => format!("{own},{extra}"),
            None => own,
        }
    }
}

/// An object found so far, full, with why it matched.
#[derive(Debug, Clone)]
pub struct Found<K> {
    pub object: K,
    pub reasons: Vec<String>,
}

/// A metadata-only candidate kept from a page: matched by name, or owned by some Job.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub name: String,
    pub reasons: Vec<String>,
    /// `job-name` label, `controller-uid` label and the controlling Job owner (name, uid).
    pub job_hints: JobHints,
}

/// What ties a pod to a Job: the Job controller's labels and owner reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobHints {
    pub job_name_label: Option<String>,
    pub controller_uid_label: Option<String>,
    pub owner: Option<(String, String)>,
}

impl JobHints {
    pub fn from_meta(meta: &ObjectMeta) -> Self {
        let labels = meta.labels.as_ref();
        let label =
            |k: &str| labels.and_then(|l| l.get(k).or_else(|| l.get(&format!("batch.kubernetes.io/{k}")))).cloned();
        let owner = meta
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.kind == "Job" && o.controller == Some(true))
            .map(|o| (o.name.clone(), o.uid.clone()));
        Self { job_name_label: label("job-name"), controller_uid_label: label("controller-uid"), owner }
    }

    pub fn is_empty(&self) -> bool {
        self.job_name_label.is_none() && self.controller_uid_label.is_none() && self.owner.is_none()
    }

    /// The matched Job this pod belongs to, if any: by owner uid, controller-uid or job-name.
    pub fn owning_job<'a>(&self, jobs: &'a [JobFacts]) -> Option<&'a JobFacts> {
        jobs.iter().find(|j| {
            self.owner.as_ref().is_some_and(|(_, uid)| uid == &j.uid)
                || self.controller_uid_label.as_deref() == Some(j.uid.as_str())
                || self.job_name_label.as_deref() == Some(j.name.as_str())
        })
    }
}

/// Lists `<key>=<id>` for each label key, concurrently; full objects.
pub async fn by_labels<K>(
    api: &Api<K>,
    m: &Matcher,
    extra: Option<&str>,
    what: &str,
) -> Result<Vec<Found<K>>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let lists = futures::future::try_join_all(m.label_keys.iter().map(|key| {
        let selector = m.selector_for(key, extra);
        async move {
            let items = list_all(api, &selector, what).await?;
            Ok::<_, SourceError>((key.clone(), items))
        }
    }))
    .await?;
    let mut found: Vec<Found<K>> = Vec::new();
    for (key, items) in lists {
        for obj in items {
            let reason = format!("label:{key}");
            match found.iter_mut().find(|f| f.object.meta().name == obj.meta().name) {
                Some(f) => f.reasons.push(reason),
                None => found.push(Found { object: obj, reasons: vec![reason] }),
            }
        }
    }
    Ok(found)
}

/// Lists page by page (`limit`/`continue`), keeping what `keep` makes of each object as
/// the page arrives, so memory follows what is kept, not the namespace.
pub async fn list_paged<K, T>(
    api: &Api<K>,
    lp: ListParams,
    what: &str,
    mut keep: impl FnMut(K) -> Option<T>,
) -> Result<Vec<T>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut out = Vec::new();
    let mut lp = lp.limit(PAGE_SIZE);
    loop {
        let page = api.list(&lp).await.map_err(|e| SourceError::from_kube(what, e))?;
        out.extend(page.items.into_iter().filter_map(&mut keep));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => return Ok(out),
        }
    }
}

/// [`list_paged`] over metadata-only pages (`PartialObjectMetadataList`).
pub async fn list_metadata_paged<K, T>(
    api: &Api<K>,
    lp: ListParams,
    what: &str,
    mut keep: impl FnMut(ObjectMeta) -> Option<T>,
) -> Result<Vec<T>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut out = Vec::new();
    let mut lp = lp.limit(PAGE_SIZE);
    loop {
        let page = api.list_metadata(&lp).await.map_err(|e| SourceError::from_kube(what, e))?;
        out.extend(page.items.into_iter().filter_map(|item| keep(item.metadata)));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => return Ok(out),
        }
    }
}

/// Lists every object of a selector, page by page.
async fn list_all<K>(api: &Api<K>, selector: &str, what: &str) -> Result<Vec<K>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    list_paged(api, ListParams::default().labels(selector), what, Some).await
}

/// Walks metadata-only pages and keeps the candidates: names that match, and (when
/// `keep_job_owned`) objects tied to some Job, for the `owned-by` rule.
pub async fn candidates_by_metadata<K>(
    api: &Api<K>,
    m: &Matcher,
    extra: Option<&str>,
    keep_job_owned: bool,
    what: &str,
) -> Result<Vec<Candidate>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut lp = ListParams::default();
    if let Some(extra) = extra {
        lp = lp.labels(extra);
    }
    list_metadata_paged(api, lp, what, |meta| {
        let name = meta.name.clone().unwrap_or_default();
        let reasons = m.name_reasons(&name);
        let job_hints = if keep_job_owned { JobHints::from_meta(&meta) } else { JobHints::default() };
        (!reasons.is_empty() || !job_hints.is_empty()).then_some(Candidate { name, reasons, job_hints })
    })
    .await
}

/// Fetches full objects by name, a bounded number at a time. A name that vanished in
/// between (404) is skipped.
pub async fn get_all<K>(api: &Api<K>, names: Vec<String>, what: &str) -> Result<Vec<K>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    stream::iter(names)
        .map(|name| async move {
            match api.get_opt(&name).await {
                Ok(obj) => Ok(obj),
                Err(e) => Err(SourceError::from_kube(what, e)),
            }
        })
        .buffer_unordered(GET_CONCURRENCY)
        .try_filter_map(|o| async move { Ok(o) })
        .try_collect()
        .await
}

/// Merges label matches and name candidates into the final list of full objects.
pub async fn resolve<K>(
    api: &Api<K>,
    mut found: Vec<Found<K>>,
    named: Vec<(String, Vec<String>)>,
    what: &str,
) -> Result<Vec<Found<K>>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, reasons) in named {
        match found.iter_mut().find(|f| f.object.meta().name.as_deref() == Some(name.as_str())) {
            Some(f) => f.reasons.extend(reasons),
            None => missing.entry(name).or_default().extend(reasons),
        }
    }
    let fetched = get_all(api, missing.keys().cloned().collect(), what).await?;
    for obj in fetched {
        let name = obj.meta().name.clone().unwrap_or_default();
        let reasons = missing.remove(&name).unwrap_or_default();
        found.push(Found { object: obj, reasons });
    }
    for f in &mut found {
        let mut seen = BTreeSet::new();
        f.reasons.retain(|r| seen.insert(r.clone()));
    }
    found.sort_by(|a, b| a.object.meta().name.cmp(&b.object.meta().name));
    Ok(found)
}

/// Finds the job's Jobs and pods, checks labels, and looks elsewhere when nothing matched.
pub async fn discover(ctx: &TraceContext) -> (Collected<Discovery>, Vec<SourceStatus>) {
    let m = Matcher::from_ctx(ctx);
    let extra = ctx.settings.selector.as_deref();
    let ns = ctx.namespace();
    let job_api: Api<Job> = Api::namespaced(ctx.cluster.client.clone(), ns);
    let pod_api: Api<Pod> = Api::namespaced(ctx.cluster.client.clone(), ns);

    // Jobs, and the pods' label matches and metadata pages, all at once.
    let pods_started = tokio::time::Instant::now();
    let pods_first = async {
        tokio::try_join!(
            by_labels(&pod_api, &m, extra, "list pods"),
            candidates_by_metadata(&pod_api, &m, extra, true, "list pods (metadata)")
        )
    };
    let ((jobs, jobs_status), pods_first) = tokio::join!(
        run_source("jobs", ctx.deadline, jobs::find(&job_api, &m, extra)),
        tokio::time::timeout_at(ctx.deadline, pods_first)
    );

    // Then the owned-by rule, which needs the Jobs, and the full objects of the rest.
    let job_facts: Vec<JobFacts> = jobs.get().cloned().unwrap_or_default();
    let (pods, mut pods_status) = run_source("pods", ctx.deadline, async {
        let (by_label, candidates) =
            pods_first.map_err(|_| SourceError::TimedOut(ctx.deadline.saturating_duration_since(pods_started)))??;
        let named = pods::named_and_owned(&candidates, &job_facts);
        let found = resolve(&pod_api, by_label, named, "get pod").await?;
        Ok(found.into_iter().map(|f| pods::extract(&f.object, f.reasons, &m, &job_facts)).collect::<Vec<_>>())
    })
    .await;
    pods_status.duration_ms = pods_started.elapsed().as_millis() as u64;

    let mut sources = vec![jobs_status, pods_status];
    let discovery = match (pods, jobs) {
        (Collected::Collected(pods), jobs) => {
            let jobs = jobs.get().cloned().unwrap_or_default();
            let labels = pods::label_checks(&pods, &m);
            let mut d = Discovery { pods, jobs, labels, ..Default::default() };
            if d.pods.is_empty() && d.jobs.is_empty() {
                let ((hits, status), missing) = tokio::join!(
                    run_source("elsewhere", ctx.deadline, elsewhere(ctx, &m)),
                    tokio::time::timeout_at(ctx.deadline, namespace_missing(ctx)),
                );
                d.elsewhere = hits.get().cloned().unwrap_or_default();
                d.namespace_missing = missing.unwrap_or(false);
                sources.push(status);
            }
            Collected::Collected(d)
        }
        (Collected::Unavailable { reason }, _) => Collected::Unavailable { reason },
        (Collected::Skipped { reason }, _) => Collected::Skipped { reason },
    };
    (discovery, sources)
}

/// True when the traced namespace answers 404 (any other outcome, a 403 included, says
/// nothing: false).
async fn namespace_missing(ctx: &TraceContext) -> bool {
    let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(ctx.cluster.client.clone());
    matches!(api.get_metadata(ctx.namespace()).await, Err(kube::Error::Api(s)) if s.code == 404)
}

/// Looks for the id in every namespace the user may list: label matches and name tokens
/// of pods and Jobs, across all namespaces at once (or namespace by namespace when the
/// cluster-wide list is forbidden).
async fn elsewhere(ctx: &TraceContext, m: &Matcher) -> Result<Vec<ElsewhereHit>, SourceError> {
    let client = ctx.cluster.client.clone();
    let all_pods: Api<Pod> = Api::all(client.clone());
    let all_jobs: Api<Job> = Api::all(client.clone());
    let wide = tokio::try_join!(elsewhere_in(&all_pods, m, "Pod"), elsewhere_in(&all_jobs, m, "Job"));
    let mut hits = match wide {
        Ok((mut p, j)) => {
            p.extend(j);
            p
        }
        Err(e) if e.is_forbidden() => {
            let ns_api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
            let namespaces = ns_api
                .list_metadata(&ListParams::default())
                .await
                .map_err(|e| SourceError::from_kube("list namespaces", e))?;
            let names: Vec<String> = namespaces.items.into_iter().filter_map(|n| n.metadata.name).collect();
            let per_ns = stream::iter(names)
                .map(|ns| {
                    let client = client.clone();
                    async move {
                        let p: Api<Pod> = Api::namespaced(client.clone(), &ns);
                        let j: Api<Job> = Api::namespaced(client, &ns);
                        let (mut a, b) = tokio::join!(elsewhere_in(&p, m, "Pod"), elsewhere_in(&j, m, "Job"));
                        let mut out = a.take_ok();
                        out.extend(b.unwrap_or_default());
                        out
                    }
                })
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await;
            per_ns.into_iter().flatten().collect()
        }
        Err(e) => return Err(e),
    };
    hits.retain(|h| h.namespace != ctx.namespace());
    hits.sort_by(|a, b| (&a.namespace, &a.object).cmp(&(&b.namespace, &b.object)));
    Ok(hits)
}

trait TakeOk<T> {
    fn take_ok(&mut self) -> T;
}

impl<T: Default, E> TakeOk<T> for Result<T, E> {
    fn take_ok(&mut self) -> T {
        match self {
            Ok(v) => std::mem::take(v),
            Err(_) => T::default(),
        }
    }
}

async fn elsewhere_in<K>(api: &Api<K>, m: &Matcher, kind: &str) -> Result<Vec<ElsewhereHit>, SourceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let what = format!("list {kind}s in all namespaces");
    let (labelled, named) = tokio::try_join!(
        by_labels(api, m, None, &what),
        list_metadata_paged(api, ListParams::default(), &what, |meta| {
            let reasons = m.name_reasons(meta.name.as_deref().unwrap_or_default());
            (!reasons.is_empty()).then_some((meta, reasons))
        })
    )?;
    let mut hits: Vec<ElsewhereHit> = Vec::new();
    let labelled = labelled.into_iter().map(|f| (f.object.meta().clone(), f.reasons));
    for (meta, reasons) in labelled.chain(named) {
        let namespace = meta.namespace.clone().unwrap_or_default();
        let object = format!("{kind}/{}", meta.name.clone().unwrap_or_default());
        match hits.iter_mut().find(|h| h.namespace == namespace && h.object == object) {
            Some(h) => h.matched_by.extend(reasons),
            None => hits.push(ElsewhereHit { namespace, object, matched_by: reasons }),
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        Matcher {
            id: JobId::parse("19-7").unwrap(),
            label_keys: vec!["job_id".into()],
            name_patterns: vec!["grpc-job-{id}".into(), "cleanup-job-{id}".into()],
        }
    }

    #[test]
    fn name_reasons_as_in_the_incident() {
        let m = matcher();
        assert_eq!(m.name_reasons("grpc-job-19-7-8rlgb"), ["name-token", "pattern:grpc-job-{id}"]);
        assert_eq!(m.name_reasons("cleanup-job-19-7-2tj8z"), ["name-token", "pattern:cleanup-job-{id}"]);
        assert_eq!(m.name_reasons("cleanup-job-19-7"), ["name-token", "pattern:cleanup-job-{id}"]);
        assert!(m.name_reasons("grpc-job-19-70-x9k2p").is_empty());
        assert!(m.name_reasons("report-119-7-q8w2e").is_empty());
        assert_eq!(m.name_reasons("other-19-7"), ["name-token"]);
    }

    #[test]
    fn selectors_are_built_from_typed_parts() {
        let m = matcher();
        assert_eq!(m.selector_for("job_id", None), "job_id=19-7");
        assert_eq!(m.selector_for("job_id", Some("team=panda")), "job_id=19-7,team=panda");
    }

    #[test]
    fn job_hints_tie_pods_to_jobs() {
        let job = JobFacts { name: "grpc-job-19-7".into(), uid: "u1".into(), ..Default::default() };
        let by_label = JobHints { job_name_label: Some("grpc-job-19-7".into()), ..Default::default() };
        let by_uid = JobHints { controller_uid_label: Some("u1".into()), ..Default::default() };
        let by_owner = JobHints { owner: Some(("x".into(), "u1".into())), ..Default::default() };
        let other = JobHints { job_name_label: Some("grpc-job-19-70".into()), ..Default::default() };
        for h in [by_label, by_uid, by_owner] {
            assert_eq!(h.owning_job(std::slice::from_ref(&job)).map(|j| j.name.as_str()), Some("grpc-job-19-7"));
        }
        assert!(other.owning_job(&[job]).is_none());
    }
}
