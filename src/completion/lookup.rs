//! The look-ups behind dynamic candidates: contexts from the kubeconfig (no network),
//! namespaces and job ids from the cluster. Every cluster look-up runs under one short
//! deadline and any failure (no kubeconfig, unreachable, forbidden, slow) yields no
//! candidates: completion must never hang a shell or print an error on it.

use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{ListParams, ObjectMeta};
use kube::config::Kubeconfig;
use kube::Api;

use super::answer::Candidate;
use super::jobids::{self, Kind};
use crate::cluster::{self, Cluster};
use crate::settings::KubeTarget;

/// The most a cluster look-up may take, whole, before completion gives up on it.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);
/// Objects read per kind for job ids: one metadata page, to stay fast on big namespaces.
pub const JOB_ID_PAGE: u32 = 500;

/// The contexts of the kubeconfig kubectl would read (`--kubeconfig`, `$KUBECONFIG`,
/// `~/.kube/config`), the current one first.
pub fn contexts(kubeconfig: Option<&PathBuf>) -> Vec<Candidate> {
    let config = match kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    config.map(|c| context_candidates(&c)).unwrap_or_default()
}

/// Pure part of [`contexts`].
pub fn context_candidates(config: &Kubeconfig) -> Vec<Candidate> {
    let current = config.current_context.as_deref();
    let mut out: Vec<(bool, Candidate)> = config
        .contexts
        .iter()
        .map(|named| {
            let mut description = Vec::new();
            if Some(named.name.as_str()) == current {
                description.push("current".to_string());
            }
            if let Some(ctx) = &named.context {
                description.push(format!("cluster {}", ctx.cluster));
                if let Some(ns) = &ctx.namespace {
                    description.push(format!("namespace {ns}"));
                }
            }
            (Some(named.name.as_str()) == current, Candidate::new(&named.name, description.join(", ")))
        })
        .collect();
    out.sort_by_key(|(is_current, _)| !is_current);
    out.into_iter().map(|(_, c)| c).collect()
}

/// The cluster's namespaces, the target's own first.
pub async fn namespaces(target: &KubeTarget) -> Vec<Candidate> {
    let work = async {
        let cluster = connect(target).await?;
        let api: Api<Namespace> = Api::all(cluster.client.clone());
        let list = api.list_metadata(&ListParams::default()).await.ok()?;
        let now = jiff::Timestamp::now();
        let mut out: Vec<(bool, Candidate)> = list
            .items
            .into_iter()
            .filter_map(|ns| {
                let name = ns.metadata.name?;
                let own = name == cluster.namespace;
                let mut description = Vec::new();
                if own {
                    description.push("the context's namespace".to_string());
                }
                if let Some(t) = ns.metadata.creation_timestamp {
                    description.push(format!("{} old", jobids::short_age(now, t.0)));
                }
                Some((own, Candidate::new(name, description.join(", "))))
            })
            .collect();
        out.sort_by_key(|(own, _)| !own);
        Some(out.into_iter().map(|(_, c)| c).collect())
    };
    bounded(work).await
}

/// The job ids seen on pods and Jobs of the target's namespace, newest first.
pub async fn job_ids(target: &KubeTarget, label_keys: &[String], name_patterns: &[String]) -> Vec<Candidate> {
    let work = async {
        let cluster = connect(target).await?;
        let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let jobs: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let lp = ListParams::default().limit(JOB_ID_PAGE);
        // Either list may be forbidden; the other still gives ids.
        let (pods, jobs) = tokio::join!(pods.list_metadata(&lp), jobs.list_metadata(&lp));
        let pods: Vec<ObjectMeta> = pods.map(|l| l.items.into_iter().map(|p| p.metadata).collect()).unwrap_or_default();
        let jobs: Vec<ObjectMeta> = jobs.map(|l| l.items.into_iter().map(|j| j.metadata).collect()).unwrap_or_default();
        let objects = pods.iter().map(|m| (Kind::Pod, m)).chain(jobs.iter().map(|m| (Kind::Job, m)));
        let now = jiff::Timestamp::now();
        let seen = jobids::job_ids(objects, label_keys, name_patterns);
        Some(seen.into_iter().map(|s| Candidate::new(s.id.clone(), s.describe(now))).collect())
    };
    bounded(work).await
}

async fn connect(target: &KubeTarget) -> Option<Cluster> {
    cluster::connect(target, LOOKUP_TIMEOUT).await.ok()
}

async fn bounded(work: impl std::future::Future<Output = Option<Vec<Candidate>>>) -> Vec<Candidate> {
    tokio::time::timeout(LOOKUP_TIMEOUT, work).await.ok().flatten().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_current_first_with_cluster_and_namespace() {
        let config = Kubeconfig::from_yaml(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: dev\n  context: {cluster: c1, user: u}\n- name: prod\n  context: {cluster: c2, user: u, namespace: panda}\n",
        )
        .unwrap();
        let c = context_candidates(&config);
        assert_eq!(c[0], Candidate::new("prod", "current, cluster c2, namespace panda"));
        assert_eq!(c[1], Candidate::new("dev", "cluster c1"));
    }

    #[tokio::test]
    async fn an_unreachable_cluster_gives_nothing_quickly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        // a port nothing listens on
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        std::fs::write(
            &path,
            format!("apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\nclusters:\n- name: c\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: t}}\n"),
        )
        .unwrap();
        let target = KubeTarget { kubeconfig: Some(path), ..Default::default() };
        let started = std::time::Instant::now();
        assert!(namespaces(&target).await.is_empty());
        assert!(job_ids(&target, &["job_id".into()], &[]).await.is_empty());
        assert!(started.elapsed() < LOOKUP_TIMEOUT * 2 + Duration::from_millis(500));
        let missing = KubeTarget { kubeconfig: Some(dir.path().join("nope")), ..Default::default() };
        assert!(namespaces(&missing).await.is_empty());
    }
}
