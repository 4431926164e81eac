//! A kubelet stand-in for the real-tier tests: the real kube-apiserver proxies `pods/log` and
//! `pods/portforward` to the kubelet of the pod's node, and this serves those two kubelet
//! endpoints over HTTPS from a scenario's logs and port targets.
//!
//! - `GET /containerLogs/{ns}/{pod}/{container}?tailLines=&sinceSeconds=&sinceTime=&timestamps=&previous=&limitBytes=`
//!   answers the log as text; errors are plain text with the status code (the apiserver turns
//!   them into `Status` errors).
//! - `GET /portForward/{ns}/{pod}?port=N` (the apiserver rewrites `ports` to `port`): the
//!   websocket port-forward of [`super::portforward`], each port relayed to the scenario's
//!   target or to a TCP override (e.g. `("panda/mongo-0", 27017) -> 127.0.0.1:<secantusdb>`).
//!
//! The TLS acceptor (certificate made by the test harness) should not offer `h2` in ALPN: the
//! stand-in speaks HTTP/1.1, which websocket upgrades need anyway.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::{header, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::apiserver::{percent_decode, query_pairs, RecordedRequest, RequestLog, Tasks};
use super::backend_standin::{full_body, SandboxBody};
use super::portforward::{accept_portforward, parse_ports, PortTargets, Target};
use super::scenario::Scenario;
use super::store::{ApiError, LogOptions, Store, PODS};

/// What the kubelet stand-in serves: a scenario's pods and logs, port targets, a request log.
#[derive(Clone)]
pub struct KubeletRoutes {
    store: Arc<Store>,
    targets: PortTargets,
    requests: RequestLog,
}

impl KubeletRoutes {
    /// Routes for `scenario`, its times shifted so that its `now` is the present.
    pub fn new(scenario: &Scenario) -> Self {
        Self::at(scenario, jiff::Timestamp::now())
    }

    /// Routes for `scenario` with its `now` shifted to `now`. For the real tier, pass the
    /// scenario as seeded (namespaces renamed, times already shifted) and its own `now`:
    /// `KubeletRoutes::at(&seeded.scenario, seeded.scenario.now)`, so nothing moves twice.
    pub fn at(scenario: &Scenario, now: jiff::Timestamp) -> Self {
        Self {
            store: Arc::new(Store::load(scenario, now)),
            targets: PortTargets::from_scenario(scenario, now, Instant::now()),
            requests: RequestLog::default(),
        }
    }

    /// Relays port-forwards to `pod` (`namespace/name`) on `port` to a TCP address.
    pub fn with_tcp(mut self, pod: &str, port: u16, addr: SocketAddr) -> Self {
        self.targets.set(pod, port, Target::Tcp(addr));
        self
    }

    /// Replaces what `pod` on `port` reaches.
    pub fn with_target(mut self, pod: &str, port: u16, target: Target) -> Self {
        self.targets.set(pod, port, target);
        self
    }

    /// Every request received so far (shared by clones of these routes).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.snapshot()
    }
}

/// Serves the kubelet endpoints over TLS on `listener` until the returned task is aborted
/// (aborting it also ends open connections and port-forwards).
pub async fn serve_kubelet(listener: TcpListener, tls: TlsAcceptor, routes: KubeletRoutes) -> JoinHandle<()> {
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        let tasks = Tasks::default();
        let _abort_on_exit = AbortOnDrop(tasks.clone());
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("kubelet stand-in accept failed: {e}");
                    continue;
                }
            };
            // small request/response exchanges: do not wait for Nagle (adds ~40 ms a round trip)
            let _ = stream.set_nodelay(true);
            let (tls, routes, conn_tasks) = (tls.clone(), routes.clone(), tasks.clone());
            tasks.spawn(async move {
                let stream = match tls.accept(stream).await {
                    Ok(stream) => stream,
                    Err(e) => {
                        tracing::debug!("kubelet stand-in TLS handshake failed: {e}");
                        return;
                    }
                };
                let service = hyper::service::service_fn(move |req| {
                    let (routes, tasks) = (routes.clone(), conn_tasks.clone());
                    async move { Ok::<_, Infallible>(handle(&routes, &tasks, req)) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades();
                if let Err(e) = conn.await {
                    tracing::debug!("kubelet stand-in connection ended: {e}");
                }
            });
        }
    })
}

struct AbortOnDrop(Tasks);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort_all();
    }
}

fn text(code: u16, message: String) -> Response<SandboxBody> {
    let mut response = Response::new(full_body(message));
    *response.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

fn error(err: ApiError) -> Response<SandboxBody> {
    text(err.code, err.message)
}

fn handle(routes: &KubeletRoutes, tasks: &Tasks, mut req: Request<Incoming>) -> Response<SandboxBody> {
    routes.requests.record(&req);
    if req.method() != http::Method::GET && req.method() != http::Method::POST {
        return text(405, "405: Method Not Allowed".to_string());
    }
    let path = req.uri().path().to_string();
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["containerLogs", ns, pod, container] => {
            let mut opts = match LogOptions::from_query(&query_pairs(&req)) {
                Ok(opts) => opts,
                Err(err) => return error(err),
            };
            opts.container = Some(container.to_string());
            match routes.store.pod_log(ns, pod, &opts) {
                Ok(log) => text(200, log),
                Err(err) => error(err),
            }
        }
        ["portForward", ns, pod] | ["portForward", ns, pod, _] => {
            let Some(object) = routes.store.get(&PODS, Some(ns), pod) else {
                return text(404, format!("pod {ns}/{pod} not found"));
            };
            let uid = object["metadata"]["uid"].as_str().unwrap_or_default().to_string();
            let query = query_pairs(&req);
            let values = query.iter().filter(|(k, _)| k == "port" || k == "ports").map(|(_, v)| v.as_str());
            let ports = match parse_ports(values) {
                Ok(ports) => ports,
                Err(e) => return text(400, e),
            };
            let key = format!("{ns}/{pod}");
            let targets = ports.iter().map(|&p| (p, routes.targets.resolve(&key, p))).collect();
            match accept_portforward(&mut req, targets, uid) {
                Ok((response, run)) => {
                    tasks.spawn(run);
                    response
                }
                Err(e) => text(400, e),
            }
        }
        _ => text(404, "404 page not found\n".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures::{SinkExt, StreamExt};
    use http_body_util::{BodyExt, Empty};
    use tokio::io::{AsyncRead, AsyncWrite};
    use tokio_rustls::rustls;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    struct Tls {
        acceptor: TlsAcceptor,
        connector: tokio_rustls::TlsConnector,
    }

    fn tls() -> Tls {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let der = cert.cert.der().clone();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der.clone()], key)
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Tls {
            acceptor: TlsAcceptor::from(Arc::new(server)),
            connector: tokio_rustls::TlsConnector::from(Arc::new(client)),
        }
    }

    async fn connect(tls: &Tls, addr: SocketAddr) -> impl AsyncRead + AsyncWrite + Unpin + Send + 'static {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        tls.connector.connect(name, tcp).await.unwrap()
    }

    async fn start(routes: KubeletRoutes) -> (Tls, SocketAddr, JoinHandle<()>) {
        let tls = tls();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = serve_kubelet(listener, tls.acceptor.clone(), routes).await;
        (tls, addr, task)
    }

    async fn get(tls: &Tls, addr: SocketAddr, path: &str) -> (u16, String) {
        let stream = connect(tls, addr).await;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let req = Request::get(path).header("host", "localhost").body(Empty::<Bytes>::new()).unwrap();
        let response = sender.send_request(req).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn container_logs_over_tls() {
        let routes = KubeletRoutes::new(&Scenario::builtin("incident-19-7").unwrap());
        let (tls, addr, task) = start(routes.clone()).await;
        let (status, body) = get(&tls, addr, "/containerLogs/panda/backend-7c9d8f6b5-x2x9q/backend?tailLines=1").await;
        assert_eq!(status, 200);
        assert!(body.starts_with("WARN GET /metadata/19-7 -> 404"), "{body}");
        let path = "/containerLogs/panda/backend-7c9d8f6b5-x2x9q/backend?previous=true";
        let (status, body) = get(&tls, addr, path).await;
        assert_eq!(status, 400);
        assert!(body.contains("previous terminated container \"backend\""), "{body}");
        assert_eq!(get(&tls, addr, "/pods").await.0, 404);
        let requests = routes.requests();
        assert_eq!(requests.len(), 3);
        assert!(requests[0].path_and_query.ends_with("tailLines=1"));
        task.abort();
    }

    #[tokio::test]
    async fn port_forward_relays_to_a_tcp_override() {
        let scenario = Scenario::builtin("incident-19-7").unwrap();
        let script = match &scenario.ports[0].answer {
            crate::sandbox::scenario::PortAnswer::Backend(script) => script.clone(),
            other => panic!("the incident's first port is the backend, not {other:?}"),
        };
        let (backend, backend_task) =
            crate::sandbox::backend_standin::listen(script, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let routes = KubeletRoutes::new(&scenario).with_tcp("panda/mongo-0", 27017, backend);
        let (tls, addr, task) = start(routes).await;
        let stream = connect(&tls, addr).await;
        let mut request = "wss://localhost/portForward/panda/mongo-0?port=27017".into_client_request().unwrap();
        request.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, "v4.channel.k8s.io".parse().unwrap());
        let (mut ws, response) = tokio_tungstenite::client_async(request, stream).await.unwrap();
        assert_eq!(response.headers()[header::SEC_WEBSOCKET_PROTOCOL], "v4.channel.k8s.io");
        let [lo, hi] = 27017u16.to_le_bytes();
        for ch in [0u8, 1] {
            let frame = ws.next().await.unwrap().unwrap();
            assert_eq!(frame.into_data().as_ref(), &[ch, lo, hi]);
        }
        let mut send = vec![0u8];
        send.extend_from_slice(b"GET /metadata/19-7 HTTP/1.1\r\nhost: backend\r\nconnection: close\r\n\r\n");
        ws.send(Message::binary(send)).await.unwrap();
        let mut received = Vec::new();
        while let Some(Ok(message)) = ws.next().await {
            match message {
                Message::Binary(data) => {
                    assert_eq!(data[0], 0);
                    received.extend_from_slice(&data[1..]);
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        let received = String::from_utf8_lossy(&received);
        assert!(received.starts_with("HTTP/1.1 404"), "{received}");
        assert!(received.ends_with(r#"{"error":"Invalid job_id"}"#), "{received}");
        task.abort();
        backend_task.abort();
    }
}
