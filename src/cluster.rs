//! The connection to the cluster: a `kube::Client` built from the kubeconfig the way
//! kubectl picks it (`--kubeconfig`, else `$KUBECONFIG` with several paths merged, else
//! `~/.kube/config`), with `--context` and `-n` applied and `--request-timeout` set on
//! every request.
//!
//! Errors carry text only, never the kubeconfig's or an exec plugin's content: YAML
//! parsers quote the offending line (a token, a password) and long quoted values are
//! cut out ([`scrub`]). `HTTPS_PROXY` is honoured as kubectl does: never for a loopback
//! server, nor for a server `NO_PROXY` names.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
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

/// Why no client could be built. The trace cannot run: exit 2. Details are scrubbed text
/// (see [`scrub`]), not the sources, whose messages may quote secrets.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("cannot read kubeconfig {}: {detail}", path.display())]
    ReadKubeconfig { path: PathBuf, detail: String },
    #[error("no kubeconfig found: {detail} (pass --kubeconfig or set KUBECONFIG)")]
    NoKubeconfig { detail: String },
    #[error("kubeconfig has no context named {0:?} (see `kubectl config get-contexts`)")]
    NoSuchContext(String),
    #[error("kubeconfig has no current context: pass --context")]
    NoCurrentContext,
    #[error("cannot use kubeconfig context {context:?}: {detail}")]
    BadContext { context: String, detail: String },
    #[error("cannot build a Kubernetes client: {0}")]
    Client(String),
}

/// An error's chain on one line with what may quote a kubeconfig or a credential plugin's
/// output removed: the source excerpts YAML and JSON parsers append (`--> <input>:4:2 |
/// ...`), and the values serde quotes (`invalid type: string "..."`).
pub fn scrub(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = crate::evidence::one_line(&e.to_string());
        let text = crate::text::redact_quoted_values(text.split(" --> ").next().unwrap_or_default());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// Whether kubectl would reach `server` without the proxy: a loopback host, or a host
/// `no_proxy` (`NO_PROXY`) names: `*`, the host, or a domain it ends in (`.corp`, `corp`).
pub fn bypasses_proxy(server: &http::Uri, no_proxy: &str) -> bool {
    let Some(host) = server.host() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback
        || no_proxy.split(',').map(|e| e.trim().to_ascii_lowercase()).filter(|e| !e.is_empty()).any(|e| {
            if e == "*" {
                return true;
            }
            let domain = e.split(':').next().unwrap_or_default().trim_start_matches('*').trim_start_matches('.');
            host == domain || (!domain.is_empty() && host.ends_with(&format!(".{domain}")))
        })
}

/// Reads the kubeconfig and builds a client. No request is sent yet.
pub async fn connect(target: &KubeTarget, request_timeout: Duration) -> Result<Cluster, ClusterError> {
    let kubeconfig = match &target.kubeconfig {
        Some(path) => Kubeconfig::read_from(path)
            .map_err(|e| ClusterError::ReadKubeconfig { path: path.clone(), detail: scrub(&e) })?,
        None => Kubeconfig::read().map_err(|e| ClusterError::NoKubeconfig { detail: scrub(&e) })?,
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
        .map_err(|e| ClusterError::BadContext { context: context.clone(), detail: scrub(&e) })?;
    if config.proxy_url.is_some() {
        let no_proxy = std::env::var("NO_PROXY").or_else(|_| std::env::var("no_proxy")).unwrap_or_default();
        if bypasses_proxy(&config.cluster_url, &no_proxy) {
            config.proxy_url = None;
        }
    }
    config.connect_timeout = Some(request_timeout);
    config.read_timeout = Some(request_timeout);
    config.write_timeout = Some(request_timeout);
    let namespace = target.namespace.clone().unwrap_or_else(|| config.default_namespace.clone());
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| ClusterError::Client(scrub(&e)))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_drops_excerpts_and_long_quotes() {
        let text = "failed to parse kubeconfig YAML: error: line 4 column 2: \"-\" is only valid inside a block \
                    --> <input>:4:2 | 3 | users: s3cr3t-token: : : | ^";
        let e = std::io::Error::other(text);
        let s = scrub(&e);
        assert!(!s.contains("s3cr3t"), "{s}");
        assert!(s.contains("line 4 column 2"), "{s}");
        let e = std::io::Error::other("invalid type: string \"s3cr3t-token\", expected a sequence");
        assert_eq!(scrub(&e), "invalid type: string \"...\", expected a sequence");
        let e = std::io::Error::other("failed to read kubeconfig from '\"/x/config\"'");
        assert!(scrub(&e).contains("/x/config"));
    }

    #[test]
    fn proxies_are_bypassed_as_kubectl_does() {
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert!(bypasses_proxy(&uri("https://127.0.0.1:6443"), ""));
        assert!(bypasses_proxy(&uri("https://localhost:6443"), ""));
        assert!(bypasses_proxy(&uri("https://[::1]:6443"), ""));
        assert!(!bypasses_proxy(&uri("https://api.corp.example:6443"), ""));
        assert!(bypasses_proxy(&uri("https://api.corp.example:6443"), "x.org, .corp.example"));
        assert!(bypasses_proxy(&uri("https://api.corp.example:6443"), "corp.example"));
        assert!(bypasses_proxy(&uri("https://api.corp.example:6443"), "*"));
        assert!(!bypasses_proxy(&uri("https://api.corp.example:6443"), "example.org,notcorp.example"));
    }
}
