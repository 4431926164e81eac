//! An in-process `kubectl port-forward` to one pod port, the kube-rs way
//! (`Api::<Pod>::portforward` over the `ws` feature, as in kube-rs's
//! `examples/pod_portforward_bind.rs`): a listener on `127.0.0.1:0` whose every accepted
//! connection is bridged to a new port-forward stream. Clients that need a socket (the
//! MongoDB driver, reqwest) connect to [`LocalForward::addr`].
//!
//! The first stream is opened before [`forward`] returns, so a forbidden
//! `pods/portforward` (403) or a missing pod fails right away, typed. Afterwards the
//! error channel of each stream is raced against the bridge: a message there (the
//! kubelet's "connection refused" when nothing listens in the pod) is recorded and read
//! with [`LocalForward::error_within`]. Every step runs under a timeout; dropping the
//! forward aborts its tasks, and `join` errors (`SendAfterClosing` after the server's
//! close) are ignored, never unwrapped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::Portforwarder;
use kube::{Api, Client};
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Mutex};
use tokio::task::{JoinHandle, JoinSet};

use super::{error_chain, one_line};

/// Why a forward failed. Messages are one line and carry no credentials.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ForwardError {
    /// 403 on `pods/portforward`: the user may not port-forward (the service proxy may still work).
    #[error("port-forward forbidden: {message}")]
    Forbidden { message: String },
    /// The API refused the forward (404 pod not found, 400 pod not running, ...).
    #[error("port-forward to pod {pod}: the API answered {code}: {message}")]
    Api { pod: String, code: u16, message: String },
    /// The pod side failed: the kubelet's or container runtime's message on the error
    /// channel, e.g. `... dial tcp 127.0.0.1:8080: connect: connection refused`.
    #[error("port-forward to {pod}:{port} failed in the pod: {message}")]
    InPod { pod: String, port: u16, message: String },
    /// The websocket or the connection broke.
    #[error("port-forward to {pod}:{port}: {detail}")]
    Transport { pod: String, port: u16, detail: String },
    #[error("port-forward to {pod}:{port}: {step} timed out after {}", humantime::format_duration(*.after))]
    TimedOut { pod: String, port: u16, step: &'static str, after: Duration },
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(String),
}

impl ForwardError {
    /// True when nothing listens on the port in the pod.
    pub fn is_refused(&self) -> bool {
        matches!(self, ForwardError::InPod { message, .. } if message.to_ascii_lowercase().contains("refused"))
    }

    pub fn is_forbidden(&self) -> bool {
        matches!(self, ForwardError::Forbidden { .. })
    }
}

/// A running forward: connect to [`addr`](Self::addr). Dropping it stops everything.
pub struct LocalForward {
    addr: SocketAddr,
    pod: String,
    port: u16,
    errors: watch::Receiver<Option<ForwardError>>,
    accept: JoinHandle<()>,
}

impl LocalForward {
    /// The local address bridged to the pod port.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pod(&self) -> &str {
        &self.pod
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The last error a stream reported, if any.
    pub fn last_error(&self) -> Option<ForwardError> {
        self.errors.borrow().clone()
    }

    /// Waits up to `grace` for a stream to report an error: a client whose connection
    /// just broke calls this to learn why (the error channel may trail the close).
    pub async fn error_within(&self, grace: Duration) -> Option<ForwardError> {
        let mut rx = self.errors.clone();
        if let Some(e) = rx.borrow_and_update().clone() {
            return Some(e);
        }
        match tokio::time::timeout(grace, rx.changed()).await {
            Ok(Ok(())) => rx.borrow().clone(),
            _ => None,
        }
    }

    /// Stops accepting and aborts every bridge.
    pub fn close(&self) {
        self.accept.abort();
    }
}

impl Drop for LocalForward {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Classifies the failure of opening a port-forward stream.
fn classify(pod: &str, port: u16, err: kube::Error) -> ForwardError {
    match err {
        kube::Error::Api(status) if status.is_forbidden() => {
            ForwardError::Forbidden { message: one_line(&status.message) }
        }
        kube::Error::Api(status) => {
            ForwardError::Api { pod: pod.to_string(), code: status.code, message: one_line(&status.message) }
        }
        other => ForwardError::Transport { pod: pod.to_string(), port, detail: error_chain(&other) },
    }
}

/// Opens one port-forward stream under `timeout`.
async fn open(api: &Api<Pod>, pod: &str, port: u16, timeout: Duration) -> Result<Portforwarder, ForwardError> {
    match tokio::time::timeout(timeout, api.portforward(pod, &[port])).await {
        Ok(Ok(pf)) => Ok(pf),
        Ok(Err(e)) => Err(classify(pod, port, e)),
        Err(_) => {
            Err(ForwardError::TimedOut { pod: pod.to_string(), port, step: "opening the stream", after: timeout })
        }
    }
}

/// Forwards `127.0.0.1:<random>` to `pod`:`port` in `namespace`. Each step (opening a
/// stream, binding) is bounded by `timeout`.
pub async fn forward(
    client: &Client,
    namespace: &str,
    pod: &str,
    port: u16,
    timeout: Duration,
) -> Result<LocalForward, ForwardError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let first = open(&api, pod, port, timeout).await?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| ForwardError::Bind(e.to_string()))?;
    let addr = listener.local_addr().map_err(|e| ForwardError::Bind(e.to_string()))?;
    let (tx, rx) = watch::channel(None);
    let tx = Arc::new(tx);
    let ctx = Bridge { api, pod: pod.to_string(), port, timeout, errors: tx };
    let accept = tokio::spawn(accept_loop(listener, ctx, Arc::new(Mutex::new(Some(first)))));
    tracing::debug!(%addr, pod, port, "port-forward listening");
    Ok(LocalForward { addr, pod: pod.to_string(), port, errors: rx, accept })
}

#[derive(Clone)]
struct Bridge {
    api: Api<Pod>,
    pod: String,
    port: u16,
    timeout: Duration,
    errors: Arc<watch::Sender<Option<ForwardError>>>,
}

impl Bridge {
    fn report(&self, e: ForwardError) {
        tracing::debug!(error = %e, "port-forward stream failed");
        self.errors.send_replace(Some(e));
    }
}

async fn accept_loop(listener: TcpListener, ctx: Bridge, first: Arc<Mutex<Option<Portforwarder>>>) {
    // The bridges live in this set: aborting the accept task drops it, which aborts them.
    let mut bridges = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((conn, _)) => {
                    // Small request/response exchanges: no Nagle delay on the local leg.
                    let _ = conn.set_nodelay(true);
                    let pre = first.lock().await.take();
                    bridges.spawn(bridge(conn, ctx.clone(), pre));
                }
                Err(e) => {
                    ctx.report(ForwardError::Bind(e.to_string()));
                    return;
                }
            },
            Some(_) = bridges.join_next(), if !bridges.is_empty() => {}
        }
    }
}

/// Aborts the port-forward task unless it was joined.
struct Guard(Option<Portforwarder>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(pf) = self.0.take() {
            pf.abort();
        }
    }
}

/// Bridges one accepted connection to a port-forward stream until either side closes or
/// the error channel speaks.
async fn bridge(mut conn: TcpStream, ctx: Bridge, pre: Option<Portforwarder>) {
    let pf = match pre {
        Some(pf) => pf,
        None => match open(&ctx.api, &ctx.pod, ctx.port, ctx.timeout).await {
            Ok(pf) => pf,
            Err(e) => return ctx.report(e),
        },
    };
    let mut guard = Guard(Some(pf));
    let Some(pf) = guard.0.as_mut() else { return };
    let (Some(mut upstream), Some(error)) = (pf.take_stream(ctx.port), pf.take_error(ctx.port)) else {
        return ctx.report(ForwardError::Transport {
            pod: ctx.pod.clone(),
            port: ctx.port,
            detail: "the port-forward stream was already taken".into(),
        });
    };
    tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut conn, &mut upstream) => {
            if let Err(e) = copied {
                ctx.report(ForwardError::Transport { pod: ctx.pod.clone(), port: ctx.port, detail: e.to_string() });
            }
        }
        Some(message) = error => {
            ctx.report(ForwardError::InPod { pod: ctx.pod.clone(), port: ctx.port, message: one_line(&message) });
        }
    }
    drop(upstream);
    drop(conn);
    if let Some(pf) = guard.0.take() {
        // After the server's close, `join` may answer SendAfterClosing: not our problem.
        match tokio::time::timeout(Duration::from_secs(1), pf.join()).await {
            Ok(Err(e)) => tracing::trace!(error = %e, "port-forward join"),
            Ok(Ok(())) => {}
            Err(_) => tracing::trace!("port-forward join timed out"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_is_recognised_from_the_kubelet_text() {
        let e = ForwardError::InPod {
            pod: "backend-1".into(),
            port: 8080,
            message: "error forwarding port 8080 to pod abc: failed to connect to localhost:8080 inside namespace: dial tcp 127.0.0.1:8080: connect: connection refused".into(),
        };
        assert!(e.is_refused());
        assert!(e.to_string().starts_with("port-forward to backend-1:8080 failed in the pod: error forwarding"));
        let t = ForwardError::TimedOut {
            pod: "p".into(),
            port: 1,
            step: "opening the stream",
            after: Duration::from_secs(2),
        };
        assert!(!t.is_refused());
        assert_eq!(t.to_string(), "port-forward to p:1: opening the stream timed out after 2s");
    }

    /// The incident's sandbox, a client for it, and the folder of its kubeconfig.
    async fn sandbox(forbidden: &[&str]) -> (crate::sandbox::Sandbox, Client, tempfile::TempDir) {
        let mut scenario = crate::sandbox::scenario::Scenario::builtin("incident-19-7").unwrap();
        scenario.forbidden = forbidden.iter().map(|s| s.to_string()).collect();
        let sandbox = crate::sandbox::Sandbox::start(scenario).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = sandbox.write_kubeconfig(dir.path()).unwrap();
        let kubeconfig = kube::config::Kubeconfig::read_from(&path).unwrap();
        let options = kube::config::KubeConfigOptions { context: Some(sandbox.context_name()), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.unwrap();
        (sandbox, Client::try_from(config).unwrap(), dir)
    }

    async fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), reqwest::Error> {
        let http = reqwest::Client::builder().no_proxy().build()?;
        let resp = http.get(format!("http://{addr}{path}")).send().await?;
        Ok((resp.status().as_u16(), resp.text().await?))
    }

    #[tokio::test]
    async fn a_local_listener_reaches_the_pod_for_every_connection() {
        let (_sandbox, client, _dir) = sandbox(&[]).await;
        let t = Duration::from_secs(5);
        let fwd = forward(&client, "panda", "backend-7c9d8f6b5-x2x9q", 8080, t).await.unwrap();
        assert!(fwd.addr().ip().is_loopback());
        for _ in 0..3 {
            let (status, body) = get(fwd.addr(), "/metadata/19-7").await.unwrap();
            assert_eq!((status, body.as_str()), (404, r#"{"error":"Invalid job_id"}"#));
        }
        assert_eq!(get(fwd.addr(), "/metadata/20-1").await.unwrap().0, 200);
        assert!(fwd.last_error().is_none());
        let addr = fwd.addr();
        drop(fwd);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "the listener closes on drop");
    }

    #[tokio::test]
    async fn nothing_listening_is_a_typed_refusal() {
        let (_sandbox, client, _dir) = sandbox(&[]).await;
        let fwd = forward(&client, "panda", "grpc-job-19-7-8rlgb", 50051, Duration::from_secs(5)).await.unwrap();
        assert!(get(fwd.addr(), "/").await.is_err());
        let e = fwd.error_within(Duration::from_secs(2)).await.expect("the error channel speaks");
        assert!(e.is_refused(), "{e}");
        assert!(e.to_string().contains("error forwarding port 50051"), "{e}");
    }

    #[tokio::test]
    async fn forbidden_and_missing_pods_fail_at_once() {
        let (_sandbox, client, _dir) = sandbox(&["pods/portforward"]).await;
        let e = forward(&client, "panda", "backend-7c9d8f6b5-x2x9q", 8080, Duration::from_secs(5)).await.err().unwrap();
        assert!(e.is_forbidden(), "{e}");
        let (_sandbox, client, _dir) = sandbox(&[]).await;
        let e = forward(&client, "panda", "nope", 8080, Duration::from_secs(5)).await.err().unwrap();
        assert!(matches!(e, ForwardError::Api { code: 404, .. }), "{e}");
    }

    #[tokio::test]
    async fn services_resolve_to_the_pod_port_through_endpoints() {
        use crate::evidence::services::{resolve_in, Detector, EndpointSource, ServiceRef, ServiceSpec};
        let (_sandbox, client, _dir) = sandbox(&[]).await;
        let spec = ServiceSpec { explicit: None, detector: Detector::backend() };
        let r = resolve_in(&client, "panda", &spec).await.unwrap();
        assert_eq!((r.service.as_str(), r.pod.as_str()), ("backend", "backend-7c9d8f6b5-x2x9q"));
        assert_eq!((r.service_port, r.pod_port, r.target_port.as_str()), (80, 8080, "http"));
        // the sandbox answers 404 for discovery.k8s.io/v1, as 1.20 does
        assert_eq!(r.endpoints_from, EndpointSource::Endpoints);
        let mongo = Detector {
            role: "MongoDB".into(),
            keywords: vec!["mongo".into()],
            ports: vec![27017],
            port_names: vec![],
            prefer_pod_labels: vec![("role".into(), "primary".into())],
            flag: "--mongo-service".into(),
        };
        let r = resolve_in(&client, "panda", &ServiceSpec { explicit: None, detector: mongo }).await.unwrap();
        assert_eq!((r.pod.as_str(), r.pod_port), ("mongo-0", 27017));
        let named = ServiceSpec { explicit: Some(ServiceRef::parse("nope").unwrap()), detector: Detector::backend() };
        let e = resolve_in(&client, "panda", &named).await.unwrap_err();
        assert_eq!(e.to_string(), "Service panda/nope not found");
    }
}
