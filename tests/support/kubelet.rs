//! The kubelet stand-in behind the real apiserver: `jobtrace::sandbox::kubelet` serving a
//! seeded scenario's container logs and port-forwards over HTTPS, and the Node that
//! points the apiserver at it (InternalIP 127.0.0.1, kubelet port = the stand-in's).
//!
//! One stand-in and one Node per seeded scenario (`jobtrace-kubelet-<pid>-<suffix>`):
//! a stand-in serves one scenario's routes, and tests seed scenarios concurrently.
//!
//! In front of the sandbox's stand-in sits a small TLS dispatcher: kubectl's SPDY
//! port-forward (`POST` + `Upgrade: SPDY/3.1`) is served here (see `spdy`); every other
//! request is passed through, bytes for bytes, to the sandbox's stand-in.

use std::sync::{Arc, Mutex, OnceLock};

use jobtrace::sandbox::apiserver::RecordedRequest;
use jobtrace::sandbox::kubelet::{serve_kubelet, KubeletRoutes};
use jobtrace::sandbox::portforward::PortTargets;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

use super::cluster::{block_on, Cluster, User};
use super::spdy;

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
/// unless told to); HTTP/1.1 only, as websocket upgrades need. Also returns a connector
/// that trusts it (the dispatcher's way to the sandbox's stand-in).
fn tls() -> Result<(tokio_rustls::TlsAcceptor, tokio_rustls::TlsConnector), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .map_err(|e| format!("kubelet certificate: {e}"))?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .map_err(|e| format!("kubelet TLS config: {e}"))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).map_err(|e| e.to_string())?;
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(server)), tokio_rustls::TlsConnector::from(Arc::new(client))))
}

/// A running stand-in and its registered Node; the server stops on drop.
pub struct Kubelet {
    pub node: String,
    pub port: u16,
    /// What the sandbox's stand-in serves; `routes.requests()` lists what it received.
    pub routes: KubeletRoutes,
    /// kubectl's SPDY port-forward requests, served by the dispatcher.
    spdy_requests: Arc<Mutex<Vec<RecordedRequest>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Kubelet {
    /// Serves `routes` (port targets: `targets`, the same as the routes') on a free port
    /// and registers Node `node` pointing at it, Ready.
    pub fn start(
        cluster: &Cluster,
        node: &str,
        routes: KubeletRoutes,
        targets: PortTargets,
    ) -> Result<Kubelet, String> {
        let (acceptor, connector) = tls()?;
        let served = routes.clone();
        let spdy_requests = Arc::new(Mutex::new(Vec::new()));
        let log = spdy_requests.clone();
        let (tasks, port) = runtime().block_on(async move {
            let inner = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
            let inner_addr = inner.local_addr().map_err(|e| e.to_string())?;
            let front = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
            let port = front.local_addr().map_err(|e| e.to_string())?.port();
            let sandbox_kubelet = serve_kubelet(inner, acceptor.clone(), served).await;
            let dispatcher = tokio::spawn(dispatch(front, acceptor, connector, inner_addr, targets, log));
            Ok::<_, String>((vec![dispatcher, sandbox_kubelet], port))
        })?;
        let kubelet = Kubelet { node: node.to_string(), port, routes, spdy_requests, tasks };
        block_on(register_node(cluster, node, port))
            .map_err(|e| format!("register Node {node}: {e:#}\n{}", cluster.log_tails(20)))?;
        Ok(kubelet)
    }

    /// Every request the stand-in received (logs, websocket and SPDY port-forwards).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        let mut all = self.routes.requests();
        all.extend(self.spdy_requests.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned());
        all
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// Reads an HTTP/1.1 request head (up to the blank line, at most 64 KiB).
async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || s.read(&mut byte).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// The TLS front of the stand-in: SPDY port-forwards here, everything else to `inner`.
async fn dispatch(
    front: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    connector: tokio_rustls::TlsConnector,
    inner: std::net::SocketAddr,
    targets: PortTargets,
    log: Arc<Mutex<Vec<RecordedRequest>>>,
) {
    let mut conns = tokio::task::JoinSet::new();
    while let Ok((tcp, _)) = front.accept().await {
        let (acceptor, connector, targets, log) = (acceptor.clone(), connector.clone(), targets.clone(), log.clone());
        conns.spawn(async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else { return };
            let Ok(head) = read_head(&mut tls).await else { return };
            let text = String::from_utf8_lossy(&head);
            let mut lines = text.split("\r\n");
            let mut first = lines.next().unwrap_or_default().split(' ');
            let (method, path) = (first.next().unwrap_or_default(), first.next().unwrap_or_default());
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            if spdy::is_spdy_portforward(method, path, &headers) {
                log.lock().unwrap_or_else(|e| e.into_inner()).push(RecordedRequest {
                    method: method.to_string(),
                    path_and_query: path.to_string(),
                    accept: None,
                });
                let mut parts = path.trim_start_matches("/portForward/").split(['/', '?']);
                let pod = format!("{}/{}", parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
                if tls.write_all(spdy::UPGRADE_RESPONSE).await.is_ok() && tls.flush().await.is_ok() {
                    spdy::serve(tls, pod, targets).await;
                }
                return;
            }
            let Ok(tcp) = TcpStream::connect(inner).await else { return };
            let name = rustls::pki_types::ServerName::try_from("localhost").expect("a valid name");
            let Ok(mut upstream) = connector.connect(name, tcp).await else { return };
            if upstream.write_all(&head).await.is_ok() {
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            }
        });
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
