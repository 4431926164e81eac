//! The sandbox's Kubernetes API server: plain HTTP/1.1 on 127.0.0.1, read-only, serving a
//! [`Store`] the way a 1.20 kube-apiserver does for kube-rs clients.
//!
//! It serves discovery, lists (namespaced and across namespaces) and gets with label and field
//! selectors, pagination and metadata-only answers, pod logs, the port-forward websocket and
//! the service proxy; errors are `Status` objects with the real codes and messages (404 with
//! details, 403 for the scenario's `forbidden` resources, 405 for every mutating verb).
//! `discovery.k8s.io/v1` answers 404 as on the 1.20 test cluster, so clients must fall back
//! to core/v1 Endpoints. Every request is recorded ([`Sandbox::requests`]) so tests can count
//! API calls and check the query parameters sent.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinHandle};

use super::backend_standin::{full_body, BoxError, SandboxBody};
use super::portforward::{accept_portforward, parse_ports, PortTargets};
use super::scenario::Scenario;
use super::store::{
    paginate, parse_field_selector, parse_label_selector, resource_type, ApiError, LogOptions, ResourceType, Store,
    ENDPOINTS, PODS, RESOURCES, SERVICES,
};

/// The Kubernetes version the sandbox reports (that of the real-tier test cluster).
pub const SANDBOX_K8S_VERSION: (&str, &str) = ("1", "20");

/// API groups answered with 404 whatever the scenario: `discovery.k8s.io/v1` EndpointSlices
/// do not exist on the 1.20 test cluster.
pub const ABSENT_GROUPS: &[&str] = &["discovery.k8s.io"];

const METADATA_LIST_MIME: &str = "as=PartialObjectMetadataList";
const METADATA_MIME: &str = "as=PartialObjectMetadata";

/// One request the sandbox (or the kubelet stand-in) received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query exactly as sent (percent-encoded).
    pub path_and_query: String,
    pub accept: Option<String>,
}

/// A shared, append-only request log.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<RecordedRequest>>>);

impl RequestLog {
    pub fn record<B>(&self, req: &Request<B>) {
        let entry = RecordedRequest {
            method: req.method().to_string(),
            path_and_query: req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default(),
            accept: req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(str::to_string),
        };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Spawned tasks (connections, port-forwards), aborted together on shutdown.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tasks(Arc<Mutex<Vec<AbortHandle>>>);

impl Tasks {
    pub(crate) fn spawn<F>(&self, future: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(future).abort_handle();
        let mut tasks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }

    pub(crate) fn abort_all(&self) {
        for task in self.0.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            task.abort();
        }
    }
}

/// A `Status` error response.
pub fn status_response(err: &ApiError) -> Response<SandboxBody> {
    let mut response = json_response(&err.to_status());
    *response.status_mut() = StatusCode::from_u16(err.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

fn json_response(value: &Value) -> Response<SandboxBody> {
    let mut response = Response::new(full_body(value.to_string()));
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

fn text_response(text: String) -> Response<SandboxBody> {
    let mut response = Response::new(full_body(text));
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
    response
}

/// Decodes `%XX` escapes of a path segment.
pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = segment.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded query pairs of a request.
pub(crate) fn query_pairs<B>(req: &Request<B>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn query_value<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// How many pod-log requests are being answered now, and the most there ever were at once.
#[derive(Debug, Default)]
struct InFlight {
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
}

impl InFlight {
    fn enter(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.max.fetch_max(now, SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

struct State {
    store: Store,
    log_delay: std::time::Duration,
    logs_in_flight: Arc<InFlight>,
    forbidden: Vec<String>,
    targets: PortTargets,
    requests: RequestLog,
    tasks: Tasks,
}

impl State {
    fn check(
        &self,
        verb: &str,
        rt: &ResourceType,
        sub: Option<&str>,
        name: Option<&str>,
        ns: Option<&str>,
    ) -> Result<(), ApiError> {
        let resource = match sub {
            Some(sub) => format!("{}/{}", rt.plural, sub),
            None => rt.plural.to_string(),
        };
        if self.forbidden.contains(&resource) {
            Err(ApiError::forbidden(verb, rt.group, &resource, name, ns))
        } else {
            Ok(())
        }
    }
}

async fn handle(state: Arc<State>, mut req: Request<Incoming>) -> Result<Response<SandboxBody>, Infallible> {
    state.requests.record(&req);
    let response = match route(&state, &mut req).await {
        Ok(response) => response,
        Err(err) => status_response(&err),
    };
    Ok(response)
}

async fn route(state: &Arc<State>, req: &mut Request<Incoming>) -> Result<Response<SandboxBody>, ApiError> {
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let is_portforward = segments.len() == 7 && segments[4] == "pods" && segments[6] == "portforward";
    let read = req.method() == Method::GET || req.method() == Method::HEAD;
    let portforward_post = is_portforward && req.method() == Method::POST;
    if !(read || portforward_post) {
        return Err(ApiError::method_not_allowed());
    }
    match segments.as_slice() {
        ["version"] => Ok(json_response(&json!({
            "major": SANDBOX_K8S_VERSION.0,
            "minor": SANDBOX_K8S_VERSION.1,
            "gitVersion": format!("v{}.{}.2", SANDBOX_K8S_VERSION.0, SANDBOX_K8S_VERSION.1),
            "gitCommit": "faecb196815e248d3ecfb03c680a4507229c2a56",
            "gitTreeState": "clean",
            "buildDate": "2021-01-13T13:20:00Z",
            "goVersion": "go1.15.5",
            "compiler": "gc",
            "platform": "linux/amd64"
        }))),
        ["api"] => Ok(json_response(&json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]
        }))),
        ["healthz" | "readyz" | "livez"] => Ok(text_response("ok".to_string())),
        ["apis"] => Ok(json_response(&api_group_list())),
        ["api", "v1"] => Ok(json_response(&resource_list(""))),
        ["apis", group] if !ABSENT_GROUPS.contains(group) && has_group(group) => Ok(json_response(&api_group(group))),
        ["apis", group, "v1"] if !ABSENT_GROUPS.contains(group) && has_group(group) => {
            Ok(json_response(&resource_list(group)))
        }
        ["api", "v1", rest @ ..] => resource(state, req, "", "v1", rest).await,
        ["apis", group, version, rest @ ..] if !ABSENT_GROUPS.contains(group) => {
            resource(state, req, group, version, rest).await
        }
        _ => Err(ApiError::no_such_resource()),
    }
}

fn has_group(group: &str) -> bool {
    RESOURCES.iter().any(|r| r.group == group)
}

fn api_group(group: &str) -> Value {
    let version = json!({"groupVersion": format!("{group}/v1"), "version": "v1"});
    json!({"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": [version], "preferredVersion": version})
}

fn api_group_list() -> Value {
    let mut groups: Vec<&str> = RESOURCES.iter().map(|r| r.group).filter(|g| !g.is_empty()).collect();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|g| {
            let mut group = api_group(g);
            if let Some(o) = group.as_object_mut() {
                o.remove("kind");
                o.remove("apiVersion");
            }
            group
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The discovery document of a group version (subresources included, read verbs only).
fn resource_list(group: &str) -> Value {
    let mut resources = Vec::new();
    for rt in RESOURCES.iter().filter(|r| r.group == group) {
        let entry = |name: String, kind: &str, verbs: &[&str]| json!({"name": name, "singularName": "", "namespaced": rt.namespaced, "kind": kind, "verbs": verbs});
        resources.push(entry(rt.plural.to_string(), rt.kind, &["get", "list"]));
        match rt.plural {
            "pods" => {
                resources.push(entry("pods/log".into(), "Pod", &["get"]));
                resources.push(entry("pods/portforward".into(), "PodPortForwardOptions", &["create", "get"]));
            }
            "services" => resources.push(entry("services/proxy".into(), "ServiceProxyOptions", &["get"])),
            _ => {}
        }
    }
    let group_version = if group.is_empty() { "v1".to_string() } else { format!("{group}/v1") };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

async fn resource(
    state: &Arc<State>,
    req: &mut Request<Incoming>,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Response<SandboxBody>, ApiError> {
    let lookup = |plural: &str| resource_type(group, version, plural).ok_or_else(ApiError::no_such_resource);
    let decoded: Vec<String> = rest.iter().map(|s| percent_decode(s)).collect();
    let rest: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match rest.as_slice() {
        [plural] => {
            let rt = lookup(plural)?;
            list(state, req, rt, None)
        }
        ["namespaces", name] => get(state, req, lookup("namespaces")?, None, name),
        [plural, name] => {
            let rt = lookup(plural)?;
            if rt.namespaced {
                return Err(ApiError::no_such_resource());
            }
            get(state, req, rt, None, name)
        }
        ["namespaces", ns, plural] => {
            let rt = namespaced(lookup(plural)?)?;
            list(state, req, rt, Some(ns))
        }
        ["namespaces", ns, plural, name] => {
            let rt = namespaced(lookup(plural)?)?;
            get(state, req, rt, Some(ns), name)
        }
        ["namespaces", ns, "pods", name, "log"] if group.is_empty() => {
            state.logs_in_flight.enter();
            tokio::time::sleep(state.log_delay).await;
            let answer = pod_log(state, req, ns, name);
            state.logs_in_flight.leave();
            answer
        }
        ["namespaces", ns, "pods", name, "portforward"] if group.is_empty() => portforward(state, req, ns, name),
        ["namespaces", ns, "services", name, "proxy", ..] if group.is_empty() => {
            let path = proxied_path(req.uri().path());
            service_proxy(state, req, ns, name, &path).await
        }
        _ => Err(ApiError::no_such_resource()),
    }
}

/// What follows `/api/v1/namespaces/{ns}/services/{name}/proxy` in the raw request path,
/// still percent-encoded and with its slashes as sent (proxied paths are passed on as is).
fn proxied_path(raw: &str) -> String {
    let rest = raw.trim_start_matches('/').splitn(8, '/').nth(7).unwrap_or_default();
    format!("/{rest}")
}

fn namespaced(rt: &'static ResourceType) -> Result<&'static ResourceType, ApiError> {
    if rt.namespaced {
        Ok(rt)
    } else {
        Err(ApiError::no_such_resource())
    }
}

fn wants_metadata<B>(req: &Request<B>, mime: &str) -> bool {
    req.headers().get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains(mime))
}

fn metadata_only(object: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"]})
}

fn list(
    state: &State,
    req: &Request<Incoming>,
    rt: &ResourceType,
    ns: Option<&str>,
) -> Result<Response<SandboxBody>, ApiError> {
    state.check("list", rt, None, None, ns)?;
    let query = query_pairs(req);
    if query_value(&query, "watch").is_some_and(|w| w == "true" || w == "1") {
        return Err(ApiError {
            message: "the sandbox serves a fixed snapshot: watch is not supported".to_string(),
            ..ApiError::method_not_allowed()
        });
    }
    let labels = parse_label_selector(query_value(&query, "labelSelector").unwrap_or_default())?;
    let fields = parse_field_selector(query_value(&query, "fieldSelector").unwrap_or_default(), rt)?;
    let limit = match query_value(&query, "limit").filter(|l| !l.is_empty()) {
        Some(l) => Some(l.parse::<usize>().map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?),
        None => None,
    };
    let items: Vec<&Value> =
        state.store.list(rt, ns).into_iter().filter(|o| labels.matches_object(o) && fields.matches(o)).collect();
    let rv = state.store.resource_version();
    let page = paginate(items, limit, query_value(&query, "continue"), rv)?;
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(token) = &page.continue_token {
        meta["continue"] = json!(token);
        // Like the apiserver: the count is only known when no selector filters the list.
        if labels.0.is_empty() && fields.0.is_empty() {
            meta["remainingItemCount"] = json!(page.remaining);
        }
    }
    let body = if wants_metadata(req, METADATA_MIME) {
        let items: Vec<Value> = page.items.iter().map(|o| metadata_only(o)).collect();
        json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items})
    } else {
        let items: Vec<Value> = page
            .items
            .iter()
            .map(|o| {
                let mut item = (*o).clone();
                if let Some(map) = item.as_object_mut() {
                    map.remove("apiVersion");
                    map.remove("kind");
                }
                item
            })
            .collect();
        json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(), "metadata": meta, "items": items})
    };
    Ok(json_response(&body))
}

fn get(
    state: &State,
    req: &Request<Incoming>,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
) -> Result<Response<SandboxBody>, ApiError> {
    state.check("get", rt, None, Some(name), ns)?;
    let object = state.store.get(rt, ns, name).ok_or_else(|| ApiError::not_found(rt, name))?;
    if wants_metadata(req, METADATA_MIME) && !wants_metadata(req, METADATA_LIST_MIME) {
        Ok(json_response(&metadata_only(object)))
    } else {
        Ok(json_response(object))
    }
}

fn pod_log(state: &State, req: &Request<Incoming>, ns: &str, name: &str) -> Result<Response<SandboxBody>, ApiError> {
    state.check("get", &PODS, Some("log"), Some(name), Some(ns))?;
    let opts = LogOptions::from_query(&query_pairs(req))?;
    Ok(text_response(state.store.pod_log(ns, name, &opts)?))
}

fn portforward(
    state: &State,
    req: &mut Request<Incoming>,
    ns: &str,
    name: &str,
) -> Result<Response<SandboxBody>, ApiError> {
    let verb = if req.method() == Method::POST { "create" } else { "get" };
    state.check(verb, &PODS, Some("portforward"), Some(name), Some(ns))?;
    let pod = state.store.get(&PODS, Some(ns), name).ok_or_else(|| ApiError::not_found(&PODS, name))?;
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default().to_string();
    let query = query_pairs(req);
    let ports = parse_ports(query.iter().filter(|(k, _)| k == "ports" || k == "port").map(|(_, v)| v.as_str()))
        .map_err(ApiError::bad_request)?;
    let pod_key = format!("{ns}/{name}");
    let targets = ports.iter().map(|&p| (p, state.targets.resolve(&pod_key, p))).collect();
    let (response, run) = accept_portforward(req, targets, uid).map_err(ApiError::bad_request)?;
    state.tasks.spawn(run);
    Ok(response)
}

/// `GET /api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}`: Service ->
/// port -> Endpoints -> pod and port -> the scripted target, answered as it answers.
async fn service_proxy(
    state: &State,
    req: &Request<Incoming>,
    ns: &str,
    spec: &str,
    path: &str,
) -> Result<Response<SandboxBody>, ApiError> {
    let (services, endpoints) = (&SERVICES, &ENDPOINTS);
    let parts: Vec<&str> = spec.split(':').collect();
    let (name, port_spec) = match parts.as_slice() {
        [name] => (*name, ""),
        [name, port] => (*name, *port),
        [_scheme, name, port] => (*name, *port),
        _ => return Err(ApiError::bad_request(format!("invalid service request {spec:?}"))),
    };
    state.check("get", services, Some("proxy"), Some(spec), Some(ns))?;
    let service = state.store.get(services, Some(ns), name).ok_or_else(|| ApiError::not_found(services, name))?;
    let ports = service["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let service_port = ports
        .iter()
        .find(|p| {
            port_spec.is_empty() && ports.len() == 1
                || p["name"].as_str() == Some(port_spec)
                || p["port"].as_u64().map(|n| n.to_string()).as_deref() == Some(port_spec)
        })
        .ok_or_else(|| ApiError::service_unavailable(format!("no endpoints available for service \"{spec}\"")))?;
    let port_name = service_port["name"].as_str().unwrap_or_default();
    let unavailable = || ApiError::service_unavailable(format!("no endpoints available for service \"{name}\""));
    let eps = state.store.get(endpoints, Some(ns), name).ok_or_else(unavailable)?;
    let (pod, ip, port) = eps["subsets"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|subset| {
            let port =
                subset["ports"].as_array()?.iter().find(|p| p["name"].as_str().unwrap_or_default() == port_name)?
                    ["port"]
                    .as_u64()?;
            let address = subset["addresses"].as_array()?.first()?;
            let pod = address["targetRef"]["name"].as_str()?.to_string();
            let ip = address["ip"].as_str().unwrap_or_default().to_string();
            Some((pod, ip, u16::try_from(port).ok()?))
        })
        .ok_or_else(unavailable)?;
    let target = state.targets.resolve(&format!("{ns}/{pod}"), port);
    let reach = |why: String| ApiError::service_unavailable(format!("error trying to reach service: {why}"));
    let io = target.connect().await.map_err(|_| reach(format!("dial tcp {ip}:{port}: connect: connection refused")))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| reach(e.to_string()))?;
    tokio::spawn(conn);
    let path_and_query = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let upstream = Request::builder()
        .method(req.method())
        .uri(path_and_query)
        .header(header::HOST, format!("{ip}:{port}"))
        .body(Empty::<Bytes>::new())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let answer = sender.send_request(upstream).await.map_err(|_| reach("EOF".to_string()))?;
    Ok(answer.map(|body| body.map_err(|e| -> BoxError { Box::new(e) }).boxed()))
}

/// A running sandbox cluster; dropping it (or [`Sandbox::shutdown`]) stops it.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    url: String,
    name: String,
    namespace: String,
    requests: RequestLog,
    logs_in_flight: Arc<InFlight>,
    tasks: Tasks,
    accept: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts the sandbox for `scenario` on 127.0.0.1 (a free port), with every time shifted so
    /// the scenario's `now` is the present.
    pub async fn start(scenario: Scenario) -> anyhow::Result<Sandbox> {
        let now = jiff::Timestamp::now();
        let targets = PortTargets::from_scenario(&scenario, now, Instant::now());
        Self::start_at(scenario, now, targets).await
    }

    /// Like [`Sandbox::start`], with the port targets given (e.g. TCP overrides); build them
    /// with [`PortTargets::from_scenario`] at the same `now`.
    pub async fn start_at(scenario: Scenario, now: jiff::Timestamp, targets: PortTargets) -> anyhow::Result<Sandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding the sandbox API server")?;
        let addr = listener.local_addr()?;
        let tasks = Tasks::default();
        let requests = RequestLog::default();
        let logs_in_flight = Arc::new(InFlight::default());
        let state = Arc::new(State {
            store: Store::load(&scenario, now),
            log_delay: std::time::Duration::from_millis(scenario.log_delay_ms),
            logs_in_flight: logs_in_flight.clone(),
            forbidden: scenario.forbidden.clone(),
            targets,
            requests: requests.clone(),
            tasks: tasks.clone(),
        });
        let accept_tasks = tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("sandbox accept failed: {e}");
                        continue;
                    }
                };
                // small request/response exchanges: do not wait for Nagle (adds ~40 ms a round trip)
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                accept_tasks.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades();
                    if let Err(e) = conn.await {
                        tracing::debug!("sandbox connection ended: {e}");
                    }
                });
            }
        });
        Ok(Sandbox {
            addr,
            url: format!("http://{addr}"),
            name: scenario.name,
            namespace: scenario.namespace,
            requests,
            logs_in_flight,
            tasks,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The context name in the written kubeconfig: `sandbox-<scenario name>`.
    pub fn context_name(&self) -> String {
        format!("sandbox-{}", self.name)
    }

    /// Writes `dir/kubeconfig` with one context pointing at the sandbox (namespace = the
    /// scenario's, a dummy token user) and returns its path.
    pub fn write_kubeconfig(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let context = self.context_name();
        let config = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": super::store::SANDBOX_USER, "user": {"token": "sandbox-token"}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": super::store::SANDBOX_USER, "namespace": self.namespace}}],
            "current-context": context,
        });
        let path = dir.join("kubeconfig");
        std::fs::write(&path, serde_yaml::to_string(&config)?)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.snapshot()
    }

    /// The most pod-log requests that were ever being answered at once.
    pub fn max_concurrent_logs(&self) -> usize {
        self.logs_in_flight.max.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops accepting, ends every open connection and port-forward.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }

    fn stop(&mut self) {
        if let Some(accept) = &self.accept {
            accept.abort();
        }
        self.tasks.abort_all();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Counts of requests by method and path (without query), for tests.
pub fn request_counts(requests: &[RecordedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in requests {
        let path = r.path_and_query.split('?').next().unwrap_or_default();
        *counts.entry(format!("{} {}", r.method, path)).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::backend_standin::tests::get as http_get;
    use k8s_openapi::api::core::v1::{Event, Pod};
    use kube::api::{ListParams, LogParams};
    use kube::{Api, Client};

    async fn client_for(sandbox: &Sandbox, dir: &Path) -> Client {
        let path = sandbox.write_kubeconfig(dir).unwrap();
        let kubeconfig = kube::config::Kubeconfig::read_from(&path).unwrap();
        let options = kube::config::KubeConfigOptions { context: Some(sandbox.context_name()), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.unwrap();
        assert_eq!(config.default_namespace, "panda");
        Client::try_from(config).unwrap()
    }

    async fn incident(forbidden: &[&str]) -> (Sandbox, Client, tempfile::TempDir) {
        let mut scenario = Scenario::builtin("incident-19-7").unwrap();
        scenario.forbidden = forbidden.iter().map(|s| s.to_string()).collect();
        let sandbox = Sandbox::start(scenario).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let client = client_for(&sandbox, dir.path()).await;
        (sandbox, client, dir)
    }

    fn api_code(err: kube::Error) -> (u16, String) {
        match err {
            kube::Error::Api(status) => (status.code, status.reason.clone()),
            other => panic!("expected an API error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn lists_gets_and_discovery_through_kube() {
        let (sandbox, client, _dir) = incident(&[]).await;
        let version = client.apiserver_version().await.unwrap();
        assert_eq!((version.major.as_str(), version.minor.as_str()), ("1", "20"));
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        let lp = ListParams::default().labels("job-name in (grpc-job-19-7, cleanup-job-19-7)");
        let list = pods.list(&lp).await.unwrap();
        let names: Vec<_> = list.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
        assert_eq!(names, ["cleanup-job-19-7-2tj8z", "grpc-job-19-7-8rlgb"]);
        let list = pods.list(&ListParams::default().labels("job_id=19-7")).await.unwrap();
        assert!(list.items.is_empty());
        let running = pods.list(&ListParams::default().fields("status.phase=Succeeded")).await.unwrap();
        assert_eq!(running.items.len(), 1);
        let all: Api<Pod> = Api::all(client.clone());
        assert_eq!(all.list(&ListParams::default()).await.unwrap().items.len(), 8);
        let pod = pods.get("grpc-job-19-7-8rlgb").await.unwrap();
        assert_eq!(pod.status.unwrap().phase.as_deref(), Some("Running"));
        let meta = pods.get_metadata("grpc-job-19-7-8rlgb").await.unwrap();
        assert_eq!(meta.metadata.labels.unwrap()["job-name"], "grpc-job-19-7");
        let bad = pods.list(&ListParams::default().labels("job_id in 19-7")).await.unwrap_err();
        assert_eq!(api_code(bad), (400, "BadRequest".to_string()));
        let discovery = kube::Discovery::new(client.clone()).run().await.unwrap();
        assert!(discovery.has_group("batch"));
        assert!(!discovery.has_group("discovery.k8s.io"));
        let slices = client
            .request_text(
                http::Request::get("/apis/discovery.k8s.io/v1/namespaces/panda/endpointslices").body(vec![]).unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(api_code(slices).0, 404);
        let delete = pods.delete("grpc-job-19-7-8rlgb", &Default::default()).await.unwrap_err();
        assert_eq!(api_code(delete), (405, "MethodNotAllowed".to_string()));
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn metadata_lists_paginate() {
        let (sandbox, client, _dir) = incident(&[]).await;
        let pods: Api<Pod> = Api::default_namespaced(client);
        let mut names = Vec::new();
        let mut lp = ListParams::default().limit(2);
        loop {
            let page = pods.list_metadata(&lp).await.unwrap();
            assert!(page.items.len() <= 2);
            names.extend(page.items.iter().filter_map(|p| p.metadata.name.clone()));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => {
                    assert!(page.metadata.remaining_item_count.unwrap() > 0);
                    lp = lp.continue_token(&token);
                }
                None => break,
            }
        }
        let full: Vec<_> = pods
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|p| p.metadata.name)
            .collect();
        assert_eq!(names, full);
        let requests = sandbox.requests();
        let metadata_calls = requests
            .iter()
            .filter(|r| r.accept.as_deref() == Some("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"))
            .count();
        assert_eq!(metadata_calls, full.len().div_ceil(2));
        assert!(requests.iter().any(|r| r.path_and_query.contains("continue=")));
    }

    #[tokio::test]
    async fn not_found_and_forbidden_are_api_errors() {
        let (_sandbox, client, _dir) = incident(&["events", "pods/log"]).await;
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        let err = pods.get("grpc-job-19-7-nope").await.unwrap_err();
        let kube::Error::Api(status) = err else { panic!("not an API error") };
        assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
        assert!(status.is_not_found());
        assert_eq!(status.message, "pods \"grpc-job-19-7-nope\" not found");
        let events: Api<Event> = Api::default_namespaced(client.clone());
        let err = events.list(&ListParams::default()).await.unwrap_err();
        let kube::Error::Api(status) = err else { panic!("not an API error") };
        assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
        assert_eq!(
            status.message,
            "events is forbidden: User \"jobtrace-demo\" cannot list resource \"events\" in API group \"\" in the namespace \"panda\""
        );
        let err = pods.logs("grpc-job-19-7-8rlgb", &LogParams::default()).await.unwrap_err();
        assert_eq!(api_code(err).0, 403);
    }

    #[tokio::test]
    async fn logs_honour_tail_and_since() {
        let (sandbox, client, _dir) = incident(&[]).await;
        let pods: Api<Pod> = Api::default_namespaced(client);
        let pod = "backend-7c9d8f6b5-x2x9q";
        let tail = pods.logs(pod, &LogParams { tail_lines: Some(2), ..Default::default() }).await.unwrap();
        assert_eq!(tail.lines().count(), 2);
        assert!(tail.starts_with("INFO GET /metadata/19-70") || tail.starts_with("WARN"), "{tail}");
        let lp = LogParams { since_seconds: Some(60), timestamps: true, ..Default::default() };
        let since = pods.logs(pod, &lp).await.unwrap();
        assert_eq!(since.lines().count(), 5, "{since}");
        assert!(since.lines().all(|l| l.parse::<jiff::Timestamp>().is_err()
            && l.split(' ').next().unwrap().parse::<jiff::Timestamp>().is_ok()));
        let previous = LogParams { previous: true, ..Default::default() };
        let err = pods.logs(pod, &previous).await.unwrap_err();
        assert_eq!(api_code(err).0, 400);
        let requests = sandbox.requests();
        assert!(requests.iter().any(|r| r.path_and_query.contains("tailLines=2")));
        assert!(requests.iter().any(|r| r.path_and_query.contains("sinceSeconds=60")));
    }

    #[tokio::test]
    async fn portforward_reaches_the_scripted_backend() {
        let (_sandbox, client, _dir) = incident(&[]).await;
        let pods: Api<Pod> = Api::default_namespaced(client);
        let mut forward = pods.portforward("backend-7c9d8f6b5-x2x9q", &[8080]).await.unwrap();
        let stream = forward.take_stream(8080).unwrap();
        let (status, body) = http_get(stream, "/metadata/19-7").await.unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"Invalid job_id"}"#));
        forward.abort();
        let mut forward = pods.portforward("backend-7c9d8f6b5-x2x9q", &[8080]).await.unwrap();
        let (status, body) = http_get(forward.take_stream(8080).unwrap(), "/elsewhere").await.unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"not found"}"#));
        forward.abort();
    }

    #[tokio::test]
    async fn portforward_several_ports_and_mongo_placeholder() {
        let (_sandbox, client, _dir) = incident(&[]).await;
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        let mut forward = pods.portforward("backend-7c9d8f6b5-x2x9q", &[9090, 8080]).await.unwrap();
        let refused = forward.take_error(9090).unwrap();
        let (status, _) = http_get(forward.take_stream(8080).unwrap(), "/metadata/20-1").await.unwrap();
        assert_eq!(status, 200);
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), refused).await.unwrap().unwrap();
        assert!(message.contains("127.0.0.1:9090, 16): Connection refused"), "{message}");
        forward.abort();
        if crate::sandbox::portforward::MONGO_WIRE.is_none() {
            use tokio::io::AsyncReadExt;
            let mut forward = pods.portforward("mongo-0", &[27017]).await.unwrap();
            let mut stream = forward.take_stream(27017).unwrap();
            let mut buf = Vec::new();
            let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
            assert_eq!(read.unwrap().unwrap(), 0);
        }
    }

    #[tokio::test]
    async fn large_bodies_stream_through_portforward_and_shutdown_closes_the_port() {
        let mut scenario = Scenario::builtin("incident-19-7").unwrap();
        let script: crate::sandbox::scenario::BackendScript = serde_json::from_value(serde_json::json!({
            "routes": [{"path": "/big", "status": 200, "rawBody": "0123456789", "repeat": 1_000_000, "contentType": "text/plain"}]
        }))
        .unwrap();
        scenario.ports[0].answer = crate::sandbox::scenario::PortAnswer::Backend(script);
        let sandbox = Sandbox::start(scenario).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pods: Api<Pod> = Api::default_namespaced(client_for(&sandbox, dir.path()).await);
        let mut forward = pods.portforward("backend-7c9d8f6b5-x2x9q", &[8080]).await.unwrap();
        let (status, body) = http_get(forward.take_stream(8080).unwrap(), "/big").await.unwrap();
        assert_eq!((status, body.len()), (200, 10_000_000));
        forward.abort();
        let addr = sandbox.addr();
        sandbox.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn portforward_to_a_closed_port_reports_refused() {
        let (_sandbox, client, _dir) = incident(&[]).await;
        let pods: Api<Pod> = Api::default_namespaced(client);
        let mut forward = pods.portforward("grpc-job-19-7-8rlgb", &[50051]).await.unwrap();
        let error = forward.take_error(50051).unwrap();
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), error).await.unwrap().unwrap();
        assert!(
            message.contains("error forwarding port 50051 to pod 7b1e6d2f-2c8e-4d5f-8a6a-1e8f4d2b3c02"),
            "{message}"
        );
        assert!(message.contains("Connection refused"), "{message}");
        let _ = forward.join().await;
    }

    #[tokio::test]
    async fn portforward_forbidden_or_missing_pod() {
        let (_sandbox, client, _dir) = incident(&["pods/portforward"]).await;
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        let err = pods.portforward("backend-7c9d8f6b5-x2x9q", &[8080]).await.err().unwrap();
        assert_eq!(api_code(err).0, 403);
        let (_sandbox, client, _dir) = incident(&[]).await;
        let pods: Api<Pod> = Api::default_namespaced(client);
        let err = pods.portforward("nope", &[8080]).await.err().unwrap();
        assert_eq!(api_code(err).0, 404);
    }

    async fn scenario(name: &str) -> (Sandbox, Client, tempfile::TempDir) {
        let sandbox = Sandbox::start(Scenario::builtin(name).unwrap()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let client = client_for(&sandbox, dir.path()).await;
        (sandbox, client, dir)
    }

    #[tokio::test]
    async fn builtin_scenarios_tell_their_story() {
        use k8s_openapi::api::batch::v1::Job;
        let by_job_id = ListParams::default().labels("job_id=19-7");

        let (_sandbox, client, _dir) = scenario("healthy-19-7").await;
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        assert_eq!(pods.list(&by_job_id).await.unwrap().items.len(), 2);
        let mut forward = pods.portforward("backend-7c9d8f6b5-x2x9q", &[8080]).await.unwrap();
        let (status, body) = http_get(forward.take_stream(8080).unwrap(), "/metadata/19-7").await.unwrap();
        assert_eq!(status, 200, "{body}");
        forward.abort();

        let (_sandbox, client, _dir) = scenario("crashloop-19-7").await;
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        let pod = pods.get("grpc-job-19-7-8rlgb").await.unwrap();
        let status = &pod.status.unwrap().container_statuses.unwrap()[0];
        assert_eq!(status.restart_count, 6);
        let waiting = status.state.as_ref().unwrap().waiting.as_ref().unwrap();
        assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
        let previous = LogParams { previous: true, ..Default::default() };
        assert!(pods.logs("grpc-job-19-7-8rlgb", &previous).await.unwrap().contains("exiting with status 1"));
        assert!(pods.logs("grpc-job-19-7-8rlgb", &LogParams::default()).await.unwrap().is_empty());
        let events: Api<Event> = Api::default_namespaced(client.clone());
        let lp = ListParams::default().fields("involvedObject.name=grpc-job-19-7-8rlgb,type=Warning");
        let warnings = events.list(&lp).await.unwrap();
        assert_eq!(warnings.items.len(), 1);
        assert_eq!(warnings.items[0].reason.as_deref(), Some("BackOff"));

        let (_sandbox, client, _dir) = scenario("job-failed-19-7").await;
        let jobs: Api<Job> = Api::default_namespaced(client.clone());
        let job = jobs.get("grpc-job-19-7").await.unwrap().status.unwrap();
        assert_eq!(job.failed, Some(3));
        assert_eq!(job.conditions.unwrap()[0].reason.as_deref(), Some("BackoffLimitExceeded"));
        let pods: Api<Pod> = Api::default_namespaced(client.clone());
        let failed = pods
            .list(&ListParams::default().labels("job-name=grpc-job-19-7").fields("status.phase=Failed"))
            .await
            .unwrap();
        assert_eq!(failed.items.len(), 3);

        let (_sandbox, client, _dir) = scenario("elsewhere-19-7").await;
        let panda: Api<Pod> = Api::default_namespaced(client.clone());
        assert!(panda.list(&by_job_id).await.unwrap().items.is_empty());
        let everywhere: Api<Pod> = Api::all(client.clone());
        let found = everywhere.list(&by_job_id).await.unwrap();
        assert_eq!(found.items.len(), 2);
        assert!(found.items.iter().all(|p| p.metadata.namespace.as_deref() == Some("staging")));
    }

    #[test]
    fn proxied_paths_keep_their_shape() {
        let p = |raw: &str| proxied_path(raw);
        assert_eq!(p("/api/v1/namespaces/panda/services/backend:http/proxy/metadata/19-7"), "/metadata/19-7");
        assert_eq!(p("/api/v1/namespaces/panda/services/backend:http/proxy/a%2Fb//c/"), "/a%2Fb//c/");
        assert_eq!(p("/api/v1/namespaces/panda/services/backend/proxy"), "/");
        assert_eq!(p("/api/v1/namespaces/panda/services/backend/proxy/"), "/");
    }

    #[tokio::test]
    async fn service_proxy_answers_from_the_backend() {
        let (sandbox, _client, _dir) = incident(&[]).await;
        let stream = tokio::net::TcpStream::connect(sandbox.addr()).await.unwrap();
        let path = "/api/v1/namespaces/panda/services/backend:http/proxy/metadata/19-7";
        let (status, body) = http_get(stream, path).await.unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"Invalid job_id"}"#));
        let stream = tokio::net::TcpStream::connect(sandbox.addr()).await.unwrap();
        let (status, body) = http_get(stream, "/api/v1/namespaces/panda/services/mongo:27017/proxy/").await.unwrap();
        assert_eq!(status, 503, "{body}");
        let stream = tokio::net::TcpStream::connect(sandbox.addr()).await.unwrap();
        let (status, _) = http_get(stream, "/api/v1/namespaces/panda/services/nope:80/proxy/").await.unwrap();
        assert_eq!(status, 404);
    }
}
