//! The scripted HTTP backend a scenario puts behind a pod port ([`BackendScript`]).
//!
//! It answers by exact path, with JSON or raw bodies, optional delays, a "healthy after"
//! switch (time counted from when the sandbox started), hang-ups without an answer, and large
//! bodies streamed from one repeated chunk. The same server runs over any byte stream: one end
//! of a `tokio::io::duplex` inside the sandbox (port-forward and service proxy), or a real TCP
//! listener ([`listen`]) for the real-tier tests' kubelet stand-in.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::scenario::{BackendRoute, BackendScript};

/// Errors carried by response bodies served or relayed by the sandbox.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type of every response the sandbox serves.
pub type SandboxBody = BoxBody<Bytes, BoxError>;

/// A body holding `bytes` as is.
pub fn full_body(bytes: impl Into<Bytes>) -> SandboxBody {
    Full::new(bytes.into()).map_err(|never: Infallible| match never {}).boxed()
}

/// Bodies are streamed in chunks of about this size when a route repeats its text.
const CHUNK: usize = 64 * 1024;

/// The hang-up marker: the service fails, and hyper closes the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("scripted hang-up: connection closed without an answer")]
pub struct HangUp;

/// One scripted backend, shared by all its connections.
#[derive(Debug)]
pub struct BackendStandin {
    script: BackendScript,
    started: Instant,
}

impl BackendStandin {
    /// A backend whose `healthyAfterMs` clocks start at `started` (the sandbox's start).
    pub fn new(script: BackendScript, started: Instant) -> Arc<Self> {
        Arc::new(Self { script, started })
    }

    /// Serves HTTP/1.1 on `stream` until the client closes it (or a route hangs up).
    pub async fn serve_connection<S>(self: Arc<Self>, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            let me = self.clone();
            async move { me.answer(req.uri().path()).await }
        });
        let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        if let Err(e) = conn.await {
            tracing::debug!("backend stand-in connection ended: {e}");
        }
    }

    /// The scripted answer to `GET path` (after the route's delay), or a hang-up.
    pub async fn answer(&self, path: &str) -> Result<Response<SandboxBody>, HangUp> {
        let Some(route) = self.script.routes.iter().find(|r| r.path == path) else {
            return Ok(json_response(StatusCode::NOT_FOUND, Bytes::from_static(br#"{"error":"not found"}"#)));
        };
        let route = self.effective(route);
        if route.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(route.delay_ms)).await;
        }
        if route.hang_up {
            return Err(HangUp);
        }
        Ok(route_response(&route))
    }

    /// The route itself, or its `healthy` answer once `healthyAfterMs` has passed.
    fn effective(&self, route: &BackendRoute) -> BackendRoute {
        match route.healthy_after_ms {
            Some(ms) if self.started.elapsed() >= Duration::from_millis(ms) => match &route.healthy {
                Some(healthy) => BackendRoute { path: route.path.clone(), ..(**healthy).clone() },
                None => BackendRoute {
                    path: route.path.clone(),
                    status: 200,
                    body: Some(serde_json::json!({"status": "ok"})),
                    ..BackendRoute::default()
                },
            },
            _ => route.clone(),
        }
    }
}

fn json_response(status: StatusCode, body: Bytes) -> Response<SandboxBody> {
    let mut response = Response::new(full_body(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

/// Builds a route's response; a repeated body is streamed from one pre-built chunk.
fn route_response(route: &BackendRoute) -> Response<SandboxBody> {
    let (text, content_type) = match (&route.raw_body, &route.body) {
        (Some(raw), _) => (raw.clone(), route.content_type.clone().unwrap_or_else(|| "text/html".into())),
        (None, Some(json)) => {
            (json.to_string(), route.content_type.clone().unwrap_or_else(|| "application/json".into()))
        }
        (None, None) => (String::new(), route.content_type.clone().unwrap_or_else(|| "text/plain".into())),
    };
    let times = route.repeat.unwrap_or(1);
    let total = text.len().saturating_mul(times);
    let body = if times <= 1 || text.is_empty() {
        full_body(text.repeat(times.min(1)))
    } else {
        let per_chunk = (CHUNK / text.len()).max(1);
        let chunk = Bytes::from(text.repeat(per_chunk.min(times)));
        let rest = Bytes::from(text.repeat(times % per_chunk));
        let chunks = std::iter::repeat_n(chunk, times / per_chunk)
            .chain((!rest.is_empty()).then_some(rest))
            .map(|b| Ok::<_, BoxError>(Frame::data(b)));
        BodyExt::boxed(StreamBody::new(futures::stream::iter(chunks)))
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(route.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(total));
    response
}

/// Serves `script` on a TCP listener bound to `addr` (port 0 picks one); returns the bound
/// address and the accept loop's task (abort it to stop).
pub async fn listen(script: BackendScript, addr: SocketAddr) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let backend = BackendStandin::new(script, Instant::now());
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    connections.spawn(backend.clone().serve_connection(stream));
                }
                Err(e) => tracing::warn!("backend stand-in accept failed: {e}"),
            }
            while connections.try_join_next().is_some() {}
        }
    });
    Ok((local, task))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use http_body_util::Empty;

    /// Sends `GET path` over a fresh HTTP/1.1 connection on `stream`.
    pub(crate) async fn get<S>(stream: S, path: &str) -> Result<(u16, String), hyper::Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let req = Request::get(path).header("host", "backend").body(Empty::<Bytes>::new()).unwrap();
        let response = sender.send_request(req).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    fn script() -> BackendScript {
        serde_yaml::from_str(
            r#"
routes:
  - {path: /metadata/19-7, status: 404, body: {error: Invalid job_id}}
  - {path: /big, status: 200, rawBody: "0123456789", repeat: 100000, contentType: text/plain}
  - {path: /slow, status: 200, body: {ok: true}, delayMs: 150}
  - {path: /gone, status: 200, hangUp: true}
  - path: /later
    status: 503
    body: {status: starting}
    healthyAfterMs: 200
    healthy: {path: "", status: 200, body: {status: ready}}
"#,
        )
        .unwrap()
    }

    async fn over_duplex(backend: &Arc<BackendStandin>, path: &str) -> Result<(u16, String), hyper::Error> {
        let (client, server) = tokio::io::duplex(16 * 1024);
        tokio::spawn(backend.clone().serve_connection(server));
        get(client, path).await
    }

    #[tokio::test]
    async fn scripted_answers_in_process() {
        let backend = BackendStandin::new(script(), Instant::now());
        let (status, body) = over_duplex(&backend, "/metadata/19-7").await.unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"Invalid job_id"}"#));
        let (status, body) = over_duplex(&backend, "/nope").await.unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"not found"}"#));
        let (status, body) = over_duplex(&backend, "/big").await.unwrap();
        assert_eq!((status, body.len()), (200, 1_000_000));
        assert!(body.starts_with("01234567890123"));
        let started = Instant::now();
        assert_eq!(over_duplex(&backend, "/slow").await.unwrap().0, 200);
        assert!(started.elapsed() >= Duration::from_millis(150));
        assert!(over_duplex(&backend, "/gone").await.is_err());
        let (status, body) = over_duplex(&backend, "/later").await.unwrap();
        assert_eq!((status, body.as_str()), (503, r#"{"status":"starting"}"#));
        tokio::time::sleep(Duration::from_millis(220)).await;
        let (status, body) = over_duplex(&backend, "/later").await.unwrap();
        assert_eq!((status, body.as_str()), (200, r#"{"status":"ready"}"#));
    }

    #[tokio::test]
    async fn scripted_answers_over_tcp() {
        let (addr, task) = listen(script(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (status, body) = get(stream, "/metadata/19-7").await.unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"Invalid job_id"}"#));
        task.abort();
    }
}
