//! The kubelet stand-in behind the real apiserver: `jobtrace::sandbox::kubelet` serving a
//! seeded scenario's container logs and port-forwards over HTTPS, and the Node that
//! points the apiserver at it (InternalIP 127.0.0.1, kubelet port = the stand-in's).
//!
//! One stand-in and one Node per seeded scenario (`jobtrace-kubelet-<pid>-<suffix>`):
//! a stand-in serves one scenario's routes, and tests seed scenarios concurrently.

use std::sync::{Arc, OnceLock};

use jobtrace::sandbox::kubelet::{serve_kubelet, KubeletRoutes};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

use super::cluster::{block_on, Cluster, User};

/// The runtime the stand-ins (and sandboxes) run on, for the life of the test process.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kubelet-standin")
            .enable_all()
            .build()
            .expect("kubelet stand-in runtime")
    })
}

/// A self-signed certificate for 127.0.0.1 (1.20 does not verify kubelet certificates
/// unless told to); HTTP/1.1 only, as websocket upgrades need.
fn tls_acceptor() -> Result<tokio_rustls::TlsAcceptor, String> {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .map_err(|e| format!("kubelet certificate: {e}"))?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .map_err(|e| format!("kubelet TLS config: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// A running stand-in and its registered Node; the server stops on drop.
pub struct Kubelet {
    pub node: String,
    pub port: u16,
    /// What the stand-in serves; `routes.requests()` lists what it received.
    pub routes: KubeletRoutes,
    task: JoinHandle<()>,
}

impl Kubelet {
    /// Serves `routes` on a free port and registers Node `node` pointing at it, Ready.
    pub fn start(cluster: &Cluster, node: &str, routes: KubeletRoutes) -> Result<Kubelet, String> {
        let tls = tls_acceptor()?;
        let served = routes.clone();
        let (task, port) = runtime().block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
            let port = listener.local_addr().map_err(|e| e.to_string())?.port();
            Ok::<_, String>((serve_kubelet(listener, tls, served).await, port))
        })?;
        let kubelet = Kubelet { node: node.to_string(), port, routes, task };
        block_on(register_node(cluster, node, port))
            .map_err(|e| format!("register Node {node}: {e:#}\n{}", cluster.log_tails(20)))?;
        Ok(kubelet)
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn register_node(cluster: &Cluster, name: &str, port: u16) -> anyhow::Result<()> {
    let nodes: Api<Node> = Api::all(cluster.client(User::Admin).await?);
    let node = json!({
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
    });
    nodes.create(&PostParams::default(), &serde_json::from_value(node)?).await?;
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let status = json!({"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "jobtrace kubelet stand-in", "lastHeartbeatTime": now, "lastTransitionTime": now}],
        "nodeInfo": {"kubeletVersion": "v1.20.2", "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux",
                     "architecture": "amd64", "containerRuntimeVersion": "jobtrace://stand-in", "osImage": "",
                     "kernelVersion": "", "machineID": "", "systemUUID": "", "bootID": ""},
    }});
    nodes.patch_status(name, &PatchParams::default(), &Patch::Merge(status)).await?;
    Ok(())
}
