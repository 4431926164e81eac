//! The server side of the port-forward websocket protocol (`v4.channel.k8s.io`), generic over
//! what each pod port connects to; shared by the sandbox's API server and the kubelet stand-in.
//!
//! Protocol (as kube-rs 5 speaks it): the i-th requested port uses data channel `2i` and error
//! channel `2i+1`; every websocket message is binary, one channel byte then payload. The
//! server first sends `[ch, port_lo, port_hi]` on both channels of every port, then relays
//! data as `[2i] + bytes`. When the target refuses, one UTF-8 message on `2i+1` carries the
//! kubelet's error text. The websocket is closed once every port's target has finished.
//!
//! What a port reaches is a [`Target`], resolved by [`PortTargets`] from the scenario's
//! `ports:` (a scripted backend, a MongoDB stand-in, or refused), with per-test TCP overrides.
//!
//! `mongo:` ports are served by [`MONGO_WIRE`], the wire-protocol stand-in of
//! `src/sandbox/mongo_wire.rs`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use http::{header, HeaderMap, Response, StatusCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::backend_standin::{full_body, BackendStandin, SandboxBody};
use super::scenario::{MongoData, PortAnswer, Scenario};
use super::store::{shift_extended_json_dates, shift_for};

/// The port-forward subprotocol the sandbox speaks (that of the 1.20 test cluster).
pub const PORT_FORWARD_PROTOCOL: &str = "v4.channel.k8s.io";

/// How long a relay to a TCP target may take to connect before the port reports an error.
const TCP_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves one connection to a pod port in-process, on one end of a duplex stream.
pub type ConnectionServer = Arc<dyn Fn(DuplexStream) -> BoxFuture<'static, ()> + Send + Sync>;

/// The MongoDB wire-protocol stand-in that serves `mongo:` ports (see the module header).
pub const MONGO_WIRE: Option<MongoWireServer> =
    Some(|s, data| Box::pin(crate::sandbox::mongo_wire::serve_connection(s, data)));

/// The signature of `crate::sandbox::mongo_wire::serve_connection`, boxed.
pub type MongoWireServer = fn(DuplexStream, Arc<MongoData>) -> BoxFuture<'static, ()>;

/// What a connection to a pod port reaches.
#[derive(Clone)]
pub enum Target {
    /// A server running in-process (scripted backend, MongoDB stand-in).
    Serve(ConnectionServer),
    /// A real listener (real-tier tests: SecantusDB, a backend on a TCP port).
    Tcp(SocketAddr),
    /// Nothing listens on the port inside the pod.
    Refused,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Serve(_) => f.write_str("Serve(..)"),
            Target::Tcp(addr) => write!(f, "Tcp({addr})"),
            Target::Refused => f.write_str("Refused"),
        }
    }
}

/// A byte stream to a target.
pub trait TargetIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> TargetIo for T {}

impl Target {
    /// Opens a connection; `Refused` (and a refused TCP connect) is `ConnectionRefused`.
    pub async fn connect(&self) -> std::io::Result<Box<dyn TargetIo>> {
        match self {
            Target::Serve(server) => {
                let (client, server_end) = tokio::io::duplex(64 * 1024);
                tokio::spawn(server(server_end));
                Ok(Box::new(client))
            }
            Target::Tcp(addr) => {
                let connect = tokio::net::TcpStream::connect(addr);
                match tokio::time::timeout(TCP_CONNECT_TIMEOUT, connect).await {
                    Ok(stream) => Ok(Box::new(stream?)),
                    Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
                }
            }
            Target::Refused => Err(std::io::ErrorKind::ConnectionRefused.into()),
        }
    }
}

/// Resolves `(namespace/pod, port)` to a [`Target`]: test overrides first, then the
/// scenario's `ports:`; a port the scenario does not name is refused.
#[derive(Clone, Default)]
pub struct PortTargets {
    targets: BTreeMap<(String, u16), Target>,
}

impl PortTargets {
    /// The scenario's targets, MongoDB documents' dates shifted so that the scenario's `now`
    /// is `now` (as [`Store::load`](super::store::Store::load) does for objects); backends
    /// count `healthyAfterMs` from `started`.
    pub fn from_scenario(scenario: &Scenario, now: jiff::Timestamp, started: Instant) -> Self {
        let shift = shift_for(scenario, now);
        let mut targets = BTreeMap::new();
        for port in &scenario.ports {
            let target = match &port.answer {
                PortAnswer::Backend(script) => {
                    let backend = BackendStandin::new(script.clone(), started);
                    let server: ConnectionServer = Arc::new(move |s| Box::pin(backend.clone().serve_connection(s)));
                    Target::Serve(server)
                }
                PortAnswer::Mongo(data) => {
                    let mut data = data.clone();
                    for docs in data.databases.values_mut().flat_map(|c| c.values_mut()) {
                        docs.iter_mut().for_each(|d| shift_extended_json_dates(d, shift));
                    }
                    Target::Serve(mongo_server(Arc::new(data)))
                }
                PortAnswer::Refused {} => Target::Refused,
            };
            targets.insert((port.pod.clone(), port.port), target);
        }
        Self { targets }
    }

    /// Sends connections to `pod` (`namespace/name`) on `port` to `target` instead.
    pub fn set(&mut self, pod: &str, port: u16, target: Target) {
        self.targets.insert((pod.to_string(), port), target);
    }

    /// Relays connections to `pod` on `port` to a TCP address (real-tier tests).
    pub fn with_tcp(mut self, pod: &str, port: u16, addr: SocketAddr) -> Self {
        self.set(pod, port, Target::Tcp(addr));
        self
    }

    /// What `pod` (`namespace/name`) on `port` reaches.
    pub fn resolve(&self, pod: &str, port: u16) -> Target {
        self.targets.get(&(pod.to_string(), port)).cloned().unwrap_or(Target::Refused)
    }
}

fn mongo_server(data: Arc<MongoData>) -> ConnectionServer {
    match MONGO_WIRE {
        Some(serve) => Arc::new(move |s| serve(s, data.clone())),
        None => Arc::new(|s| {
            Box::pin(async move {
                tracing::warn!("the MongoDB wire stand-in is not built in yet: closing the connection");
                drop(s);
            })
        }),
    }
}

/// The error the kubelet (docker shim + socat) reports when nothing listens on the port.
pub fn refused_message(port: u16, pod_uid: &str) -> String {
    let now = jiff::Timestamp::now().strftime("%Y/%m/%d %H:%M:%S");
    format!(
        "error forwarding port {port} to pod {pod_uid}, uid : exit status 1: {now} socat[{pid}] E connect(5, AF=2 127.0.0.1:{port}, 16): Connection refused\n",
        pid = 4000 + u32::from(port) % 1000,
    )
}

/// Checks a port-forward request is a websocket upgrade offering [`PORT_FORWARD_PROTOCOL`]
/// and builds the `101 Switching Protocols` answer; `Err` is the reason for a 400.
pub fn upgrade_response(headers: &HeaderMap) -> Result<Response<SandboxBody>, String> {
    let has = |name: header::HeaderName, want: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(want))
    };
    if !has(header::UPGRADE, "websocket") || !has(header::CONNECTION, "upgrade") {
        return Err("Upgrade request required".to_string());
    }
    if !has(header::SEC_WEBSOCKET_PROTOCOL, PORT_FORWARD_PROTOCOL) {
        return Err(format!("unable to upgrade: the client must offer the {PORT_FORWARD_PROTOCOL} subprotocol"));
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or_else(|| "unable to upgrade: missing Sec-WebSocket-Key".to_string())?;
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::UPGRADE, "websocket")
        .header(header::CONNECTION, "Upgrade")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .header(header::SEC_WEBSOCKET_PROTOCOL, PORT_FORWARD_PROTOCOL)
        .body(full_body(Bytes::new()))
        .map_err(|e| e.to_string())?;
    Ok(response)
}

/// Parses the `ports` (apiserver) or `port` (kubelet) query values: comma-separated numbers.
pub fn parse_ports<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for part in values.into_iter().flat_map(|v| v.split(',')) {
        let port: u16 = part
            .trim()
            .parse()
            .map_err(|_| format!("invalid port {part:?}: ports must be numbers between 1 and 65535"))?;
        if port == 0 {
            return Err("invalid port 0: ports must be numbers between 1 and 65535".to_string());
        }
        ports.push(port);
    }
    if ports.is_empty() {
        return Err("query parameter \"port\" is required".to_string());
    }
    Ok(ports)
}

/// Accepts a port-forward request: checks the upgrade, and returns the `101` answer and the
/// future (to spawn) that runs the protocol once hyper hands the connection over.
pub fn accept_portforward<B>(
    req: &mut http::Request<B>,
    ports: Vec<(u16, Target)>,
    pod_uid: String,
) -> Result<(Response<SandboxBody>, BoxFuture<'static, ()>), String> {
    let response = upgrade_response(req.headers())?;
    let on_upgrade = hyper::upgrade::on(req);
    let run = async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let io = hyper_util::rt::TokioIo::new(upgraded);
                let ws =
                    WebSocketStream::from_raw_socket(io, tokio_tungstenite::tungstenite::protocol::Role::Server, None)
                        .await;
                serve_portforward(ws, ports, pod_uid).await;
            }
            Err(e) => tracing::debug!("port-forward upgrade failed: {e}"),
        }
    };
    Ok((response, Box::pin(run)))
}

enum Event {
    /// Bytes a target sent, for channel `ch`.
    FromTarget(u8, Bytes),
    /// A port's target is finished (refused, EOF or error).
    Done,
}

/// Runs the port-forward protocol on an upgraded websocket: `targets[i]` serves the i-th
/// requested port of the pod whose uid is `pod_uid` (used in the refusal message).
pub async fn serve_portforward<S>(ws: WebSocketStream<S>, ports: Vec<(u16, Target)>, pod_uid: String)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    for (i, (port, _)) in ports.iter().enumerate() {
        let [lo, hi] = port.to_le_bytes();
        for ch in [2 * i as u8, 2 * i as u8 + 1] {
            if sink.send(Message::binary(vec![ch, lo, hi])).await.is_err() {
                return;
            }
        }
    }
    let (events, mut inbox) = mpsc::channel::<Event>(16);
    // Writes to each target go through its own task, so a target that is slow to read never
    // stops the loop below from relaying what targets send back (no relay deadlock).
    let mut writers: Vec<Option<mpsc::UnboundedSender<Bytes>>> = Vec::new();
    for (i, (port, target)) in ports.iter().enumerate() {
        let ch = 2 * i as u8;
        match target.connect().await {
            Ok(io) => {
                let (mut reader, mut writer) = tokio::io::split(io);
                let (to_target, mut outbox) = mpsc::unbounded_channel::<Bytes>();
                writers.push(Some(to_target));
                tokio::spawn(async move {
                    while let Some(data) = outbox.recv().await {
                        if writer.write_all(&data).await.is_err() {
                            return;
                        }
                    }
                    let _ = writer.shutdown().await;
                });
                let events = events.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 32 * 1024];
                    loop {
                        match reader.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                let data = Bytes::copy_from_slice(&buf[..n]);
                                if events.send(Event::FromTarget(ch, data)).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    let _ = events.send(Event::Done).await;
                });
            }
            Err(e) => {
                writers.push(None);
                let message = if e.kind() == std::io::ErrorKind::ConnectionRefused {
                    refused_message(*port, &pod_uid)
                } else {
                    format!("error forwarding port {port} to pod {pod_uid}, uid : {e}")
                };
                let mut frame = vec![ch + 1];
                frame.extend_from_slice(message.as_bytes());
                if sink.send(Message::binary(frame)).await.is_err() {
                    return;
                }
                let _ = events.send(Event::Done).await;
            }
        }
    }
    drop(events);
    let mut finished = 0;
    while finished < ports.len() {
        tokio::select! {
            event = inbox.recv() => match event {
                Some(Event::FromTarget(ch, data)) => {
                    let mut frame = Vec::with_capacity(data.len() + 1);
                    frame.push(ch);
                    frame.extend_from_slice(&data);
                    if sink.send(Message::binary(frame)).await.is_err() {
                        return;
                    }
                }
                Some(Event::Done) => finished += 1,
                None => break,
            },
            message = stream.next() => match message {
                Some(Ok(Message::Binary(data))) if data.len() > 1 => {
                    let ch = usize::from(data[0]);
                    if ch % 2 == 0 {
                        if let Some(slot @ Some(_)) = writers.get_mut(ch / 2) {
                            if slot.as_ref().is_some_and(|w| w.send(data.slice(1..)).is_err()) {
                                *slot = None;
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    // Dropping the senders ends the writer tasks, which shut the targets' write halves.
    drop(writers);
    let _ = sink.send(Message::Close(None)).await;
    let _ = sink.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_parsed_like_the_kubelet() {
        assert_eq!(parse_ports(["8080"]).unwrap(), vec![8080]);
        assert_eq!(parse_ports(["80,1234"]).unwrap(), vec![80, 1234]);
        assert_eq!(parse_ports(["80", "81"]).unwrap(), vec![80, 81]);
        assert!(parse_ports([]).is_err());
        assert!(parse_ports(["x"]).is_err());
        assert!(parse_ports(["0"]).is_err());
    }

    #[test]
    fn targets_follow_the_scenario_and_overrides() {
        let scenario = Scenario::builtin("incident-19-7").unwrap();
        let targets = PortTargets::from_scenario(&scenario, jiff::Timestamp::now(), Instant::now());
        assert!(matches!(targets.resolve("panda/backend-7c9d8f6b5-x2x9q", 8080), Target::Serve(_)));
        assert!(matches!(targets.resolve("panda/backend-7c9d8f6b5-x2x9q", 9090), Target::Refused));
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let targets = targets.with_tcp("panda/mongo-0", 27017, addr);
        assert!(matches!(targets.resolve("panda/mongo-0", 27017), Target::Tcp(a) if a == addr));
    }

    #[test]
    fn refusal_reads_like_the_kubelet() {
        let m = refused_message(8080, "uid-1");
        assert!(m.starts_with("error forwarding port 8080 to pod uid-1, uid : exit status 1: "));
        assert!(m.contains("E connect(5, AF=2 127.0.0.1:8080, 16): Connection refused"));
    }
}
