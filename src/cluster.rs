//! The connection to the cluster: a `kube::Client` built from the kubeconfig the way
//! kubectl picks it (`--kubeconfig`, else `$KUBECONFIG` with several paths merged, else
//! `~/.kube/config`), with `--context` and `-n` applied and `--request-timeout` set on
//! every request.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};
use thiserror::Error;

use crate::settings::KubeTarget;

/// A client, and where it points.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    /// The namespace to trace in: `-n`, else the context's, else `default`.
    pub namespace: String,
    /// The kubeconfig context in use, if any.
    pub context: Option<String>,
    /// The API server's URL (no credentials).
    pub server: String,
}

/// Why no client could be built. The trace cannot run: exit 2.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("cannot read kubeconfig {}: {source}", path.display())]
    ReadKubeconfig {
        path: PathBuf,
        #[source]
        source: KubeconfigError,
    },
    #[error("no kubeconfig found: {source} (pass --kubeconfig or set KUBECONFIG)")]
    NoKubeconfig {
        #[source]
        source: KubeconfigError,
    },
    #[error("kubeconfig has no context named {0:?} (see `kubectl config get-contexts`)")]
    NoSuchContext(String),
    #[error("kubeconfig has no current context: pass --context")]
    NoCurrentContext,
    #[error("cannot use kubeconfig context {context:?}: {source}")]
    BadContext {
        context: String,
        #[source]
        source: KubeconfigError,
    },
    #[error("cannot build a Kubernetes client: {0}")]
    Client(#[source] kube::Error),
}

/// Reads the kubeconfig and builds a client. No request is sent yet.
pub async fn connect(target: &KubeTarget, request_timeout: Duration) -> Result<Cluster, ClusterError> {
    let kubeconfig = match &target.kubeconfig {
        Some(path) => {
            Kubeconfig::read_from(path).map_err(|source| ClusterError::ReadKubeconfig { path: path.clone(), source })?
        }
        None => Kubeconfig::read().map_err(|source| ClusterError::NoKubeconfig { source })?,
    };
    let context = match &target.context {
        Some(name) => {
            if !kubeconfig.contexts.iter().any(|c| &c.name == name) {
                return Err(ClusterError::NoSuchContext(name.clone()));
            }
            name.clone()
        }
        None => kubeconfig.current_context.clone().ok_or(ClusterError::NoCurrentContext)?,
    };
    let options = KubeConfigOptions { context: Some(context.clone()), ..Default::default() };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|source| ClusterError::BadContext { context: context.clone(), source })?;
    config.connect_timeout = Some(request_timeout);
    config.read_timeout = Some(request_timeout);
    config.write_timeout = Some(request_timeout);
    let namespace = target.namespace.clone().unwrap_or_else(|| config.default_namespace.clone());
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(ClusterError::Client)?;
    Ok(Cluster { client, namespace, context: Some(context), server })
}

/// The context and namespace a run will use, read from the kubeconfig file alone (no
/// network, no exec plugin): what config profiles are selected by. A kubeconfig that
/// cannot be read says nothing here; [`connect`] reports it.
pub fn view(target: &KubeTarget) -> crate::config::KubeView {
    let kubeconfig = match &target.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).ok(),
        None => Kubeconfig::read().ok(),
    };
    let context = target.context.clone().or_else(|| kubeconfig.as_ref().and_then(|k| k.current_context.clone()));
    let context_namespace = || {
        let (k, name) = (kubeconfig.as_ref()?, context.as_ref()?);
        k.contexts.iter().find(|c| &c.name == name)?.context.as_ref()?.namespace.clone()
    };
    let namespace = target.namespace.clone().or_else(context_namespace).or_else(|| Some("default".to_string()));
    crate::config::KubeView { context, namespace }
}
