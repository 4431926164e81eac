//! Service resolution, shared by every source that talks to an in-cluster service (the
//! backend, MongoDB, the consumer service): which Service (named by the user, or detected
//! by a [`Detector`]), which of its ports, which ready endpoint pod behind it, and which
//! container port that pod listens on. Only pods can be port-forwarded, so this is the
//! path `kubectl port-forward svc/NAME` walks: Service -> EndpointSlices (falling back to
//! core/v1 Endpoints on clusters without `discovery.k8s.io/v1`, or when slices are
//! forbidden) -> ready address -> `targetRef` pod -> `targetPort`, a named port resolved
//! through the pod's container ports.
//!
//! The fetch is thin ([`resolve`]); ranking candidates, picking the endpoint and resolving
//! the port are pure functions unit-tested on YAML fixtures.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{Endpoints, Pod, Service, ServicePort};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::ListParams;
use kube::core::{Expression, Selector};
use kube::{Api, Client};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::OnceCell;

use super::{SourceError, TraceContext};

/// Label keys whose value names what a Service is, checked by a [`Detector`].
pub const APP_LABELS: [&str; 3] = ["app", "app.kubernetes.io/name", "app.kubernetes.io/component"];

/// The label EndpointSlices carry to name their Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// How many endpoint pods are fetched to apply pod-label preferences.
const MAX_PREFERENCE_FETCH: usize = 8;

/// A port of a Service as the user names it: a number or a port name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortSel {
    Number(u16),
    Name(String),
}

impl fmt::Display for PortSel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSel::Number(n) => write!(f, "{n}"),
            PortSel::Name(s) => f.write_str(s),
        }
    }
}

/// A Service named explicitly: `NAME[:PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub name: String,
    pub port: Option<PortSel>,
}

/// Why a `NAME[:PORT]` is not a Service reference.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid service {0:?}: expected NAME or NAME:PORT, NAME a Service name and PORT a number or port name")]
pub struct InvalidServiceRef(pub String);

impl ServiceRef {
    /// Parses `NAME[:PORT]` (no network; the name is checked as a DNS label).
    pub fn parse(text: &str) -> Result<Self, InvalidServiceRef> {
        let bad = || InvalidServiceRef(text.to_string());
        let (name, port) = match text.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (text, None),
        };
        if !crate::settings::is_dns_label(name) {
            return Err(bad());
        }
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(0) => return Err(bad()),
                Ok(n) => Some(PortSel::Number(n)),
                Err(_) if crate::settings::is_dns_label(p) && p.len() <= 15 => Some(PortSel::Name(p.to_string())),
                Err(_) => return Err(bad()),
            },
        };
        Ok(Self { name: name.to_string(), port })
    }
}

impl fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.port {
            Some(p) => write!(f, "{}:{p}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What a Service of a given role looks like, for auto-detection and for choosing among
/// its ports and endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detector {
    /// What is looked for, in messages: `backend`, `MongoDB`.
    pub role: String,
    /// Words that make a Service a candidate as its name or an [`APP_LABELS`] value, or as
    /// a `-`/`.`-separated token of them.
    pub keywords: Vec<String>,
    /// Service or target port numbers that make a Service a candidate (27017).
    pub ports: Vec<u16>,
    /// Port names preferred when a Service has several ports (`http`).
    pub port_names: Vec<String>,
    /// Pod labels that make an endpoint preferred, most preferred first (`role=primary`).
    pub prefer_pod_labels: Vec<(String, String)>,
    /// What to pass when detection fails, e.g. `--backend-service NAME[:PORT]`.
    pub flag: String,
}

impl Detector {
    /// The backend: a Service whose name or app label says `backend`; port `http` preferred.
    pub fn backend() -> Self {
        Self {
            role: "backend".into(),
            keywords: vec!["backend".into()],
            ports: Vec::new(),
            port_names: vec!["http".into(), "web".into()],
            prefer_pod_labels: Vec::new(),
            flag: "--backend-service NAME[:PORT]".into(),
        }
    }
}

/// What to resolve: an explicit Service, or whatever the detector finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    /// The Service the user named; `None` to detect.
    pub explicit: Option<ServiceRef>,
    /// Detects the Service when none is named, and breaks ties among ports and endpoints.
    pub detector: Detector,
}

/// A Service that could be the one looked for, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub name: String,
    pub score: u32,
    pub reasons: Vec<String>,
}

/// Where the endpoints came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EndpointSource {
    /// `discovery.k8s.io/v1` EndpointSlices.
    EndpointSlices,
    /// core/v1 Endpoints (clusters before 1.21, or slices forbidden).
    Endpoints,
}

/// One endpoint address of a Service, from either API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointAddr {
    pub ip: String,
    /// The pod behind it (`targetRef` of kind Pod).
    pub pod: Option<String>,
    pub hostname: Option<String>,
    pub node: Option<String>,
    pub ready: bool,
    /// The endpoint's ports: name (as the Service port's name) and number.
    pub ports: Vec<(Option<String>, u16)>,
}

/// A Service resolved down to a pod and a container port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedService {
    pub namespace: String,
    pub service: String,
    /// The Service port (what the service proxy and `kubectl port-forward svc/` take).
    pub service_port: u16,
    /// The Service port's name, if it has one.
    pub port_name: Option<String>,
    /// The Service's `targetPort` as declared (`http` or `8080`).
    pub target_port: String,
    /// The chosen ready endpoint pod.
    pub pod: String,
    /// The container port on that pod.
    pub pod_port: u16,
    pub endpoints_from: EndpointSource,
    pub ready_endpoints: usize,
    /// Pods of endpoints that are not ready.
    pub not_ready: Vec<String>,
    /// When the Service was detected: every candidate, best first.
    pub candidates: Vec<Candidate>,
    /// Why this Service and this pod were chosen, when there was a choice.
    pub choice: Option<String>,
}

/// Why a Service could not be resolved to a pod port.
#[derive(Debug, Error)]
pub enum ResolveError {
    #[error("no Service in namespace {namespace} looks like the {role} ({looked_at} Services looked at); pass {flag}")]
    NotFound { role: String, namespace: String, looked_at: usize, flag: String },
    #[error("Service {namespace}/{name} not found")]
    NoSuchService { namespace: String, name: String },
    #[error("Service {service} has no port {wanted} (it has {available})")]
    NoSuchPort { service: String, wanted: String, available: String },
    #[error("Service {service} has no ready endpoint pod{}", not_ready_text(.not_ready))]
    NoReadyEndpoints { service: String, not_ready: Vec<String>, from: EndpointSource },
    #[error("pod {pod} has no container port named {name} (Service {service} targets it)")]
    NoNamedPort { service: String, pod: String, name: String },
    #[error(transparent)]
    Source(#[from] SourceError),
}

fn not_ready_text(pods: &[String]) -> String {
    if pods.is_empty() {
        String::new()
    } else {
        format!(" (not ready: {})", pods.join(", "))
    }
}

impl From<ResolveError> for SourceError {
    fn from(e: ResolveError) -> Self {
        match e {
            ResolveError::Source(s) => s,
            other => SourceError::Other(other.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// fetch

/// One answer per key, shared by every caller that asks for it during a trace.
type Memo<T> = Mutex<HashMap<String, Arc<OnceCell<Result<T, SourceError>>>>>;

async fn memo<T, F>(map: &Memo<T>, key: String, fetch: impl FnOnce() -> F) -> Result<T, SourceError>
where
    T: Clone,
    F: Future<Output = Result<T, SourceError>>,
{
    let cell = map.lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_default().clone();
    cell.get_or_init(fetch).await.clone()
}

/// The trace's shared reads of Services and of the pods a Service selects. The backend,
/// MongoDB and consumer lookups each need the namespace's Services, and the backend's
/// logs need the very pods its resolution looks at: each is asked once, by whichever
/// caller comes first, and the others wait for that answer instead of asking again.
#[derive(Debug, Default)]
pub struct Lookups {
    services: Memo<Arc<Vec<Service>>>,
    service: Memo<Option<Service>>,
    pods: Memo<Arc<Vec<Pod>>>,
}

impl Lookups {
    /// Every Service of `namespace` (one list per trace).
    pub async fn services(&self, client: &Client, namespace: &str) -> Result<Arc<Vec<Service>>, SourceError> {
        memo(&self.services, namespace.to_string(), || async {
            let api: Api<Service> = Api::namespaced(client.clone(), namespace);
            let list =
                api.list(&ListParams::default()).await.map_err(|e| SourceError::from_kube("list services", e))?;
            Ok(Arc::new(list.items))
        })
        .await
    }

    /// The Service `name`: from the list when it was already read, else one GET per name.
    pub async fn service(&self, client: &Client, namespace: &str, name: &str) -> Result<Option<Service>, SourceError> {
        let listed = self.services.lock().unwrap_or_else(|e| e.into_inner()).get(namespace).cloned();
        if let Some(Ok(all)) = listed.as_deref().and_then(OnceCell::get) {
            return Ok(all.iter().find(|s| s.metadata.name.as_deref() == Some(name)).cloned());
        }
        memo(&self.service, format!("{namespace}/{name}"), || async {
            let api: Api<Service> = Api::namespaced(client.clone(), namespace);
            api.get_opt(name).await.map_err(|e| SourceError::from_kube("get service", e))
        })
        .await
    }

    /// Every pod `selector` picks in `namespace`, ready or not (one list per selector).
    pub async fn pods(&self, client: &Client, namespace: &str, selector: &str) -> Result<Arc<Vec<Pod>>, SourceError> {
        memo(&self.pods, format!("{namespace}/{selector}"), || async {
            let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
            let list = api
                .list(&ListParams::default().labels(selector))
                .await
                .map_err(|e| SourceError::from_kube("list service pods", e))?;
            Ok(Arc::new(list.items))
        })
        .await
    }
}

/// Resolves the spec in the trace's namespace.
pub async fn resolve(ctx: &TraceContext, spec: &ServiceSpec) -> Result<ResolvedService, ResolveError> {
    Ok(resolve_with(&ctx.cluster.client, ctx.namespace(), spec, &ctx.lookups).await?.0)
}

/// Resolves the spec in `namespace` with `client`, sharing nothing with other lookups.
pub async fn resolve_in(client: &Client, namespace: &str, spec: &ServiceSpec) -> Result<ResolvedService, ResolveError> {
    Ok(resolve_with(client, namespace, spec, &Lookups::default()).await?.0)
}

/// Resolves the spec, reading through `lookups`, and returns the chosen pod's object too
/// when it could be read (its env holds the MongoDB credentials).
///
/// The endpoints and the pods the Service selects both need only the Service, so they are
/// read at once; the chosen pod comes from that list (a GET only when the Service has no
/// selector or its pods may not be listed).
pub async fn resolve_with(
    client: &Client,
    namespace: &str,
    spec: &ServiceSpec,
    lookups: &Lookups,
) -> Result<(ResolvedService, Option<Pod>), ResolveError> {
    let (service, wanted_port, candidates) = match &spec.explicit {
        Some(r) => {
            let svc = lookups.service(client, namespace, &r.name).await?;
            let svc = svc.ok_or_else(|| ResolveError::NoSuchService {
                namespace: namespace.to_string(),
                name: r.name.clone(),
            })?;
            (svc, r.port.clone(), Vec::new())
        }
        None => {
            let list = lookups.services(client, namespace).await?;
            let ranked = rank_candidates(&list, &spec.detector);
            let Some(best) = ranked.first() else {
                return Err(ResolveError::NotFound {
                    role: spec.detector.role.clone(),
                    namespace: namespace.to_string(),
                    looked_at: list.len(),
                    flag: spec.detector.flag.clone(),
                });
            };
            let svc = list.iter().find(|s| s.metadata.name.as_deref() == Some(best.name.as_str())).cloned();
            (svc.unwrap_or_default(), None, ranked)
        }
    };
    let name = service.metadata.name.clone().unwrap_or_default();
    let sp = pick_service_port(&service, wanted_port.as_ref(), &spec.detector)?.clone();

    let selector = selector_of(&service);
    let (endpoints, selected) = tokio::join!(fetch_endpoints(client, namespace, &name), async {
        match &selector {
            Some(sel) => lookups.pods(client, namespace, sel).await.ok(),
            None => None,
        }
    });
    let (addrs, from) = endpoints?;
    let listed =
        |pod: &str| selected.iter().flat_map(|v| v.iter()).find(|p| p.metadata.name.as_deref() == Some(pod)).cloned();
    let not_ready: Vec<String> =
        addrs.iter().filter(|a| !a.ready).map(|a| a.pod.clone().unwrap_or_else(|| a.ip.clone())).collect();
    let ready: Vec<&EndpointAddr> = addrs.iter().filter(|a| a.ready && a.pod.is_some()).collect();
    if ready.is_empty() {
        return Err(ResolveError::NoReadyEndpoints { service: name, not_ready, from });
    }

    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut fetched: BTreeMap<String, Pod> = BTreeMap::new();
    if !spec.detector.prefer_pod_labels.is_empty() && ready.len() > 1 {
        for a in ready.iter().take(MAX_PREFERENCE_FETCH) {
            let pod = a.pod.clone().unwrap_or_default();
            if let Some(p) = listed(&pod) {
                fetched.insert(pod, p);
            } else if let Ok(Some(p)) = pods.get_opt(&pod).await {
                fetched.insert(pod, p);
            }
        }
    }
    let labels: BTreeMap<String, BTreeMap<String, String>> =
        fetched.iter().map(|(n, p)| (n.clone(), p.metadata.labels.clone().unwrap_or_default())).collect();
    let (chosen, pod_reason) = pick_endpoint(&ready, &labels, &spec.detector.prefer_pod_labels);
    let pod_name = chosen.pod.clone().unwrap_or_default();
    let pod = match fetched.remove(&pod_name).or_else(|| listed(&pod_name)) {
        Some(p) => Some(p),
        // A pod we may not read still has its endpoint port: resolution goes on without it.
        None => pods.get_opt(&pod_name).await.ok().flatten(),
    };
    let pod_port = resolve_target_port(&name, &sp, pod.as_ref(), chosen, &pod_name)?;

    let service_choice = explain_choice(&candidates, &spec.detector);
    let choice = match (service_choice, pod_reason) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    let resolved = ResolvedService {
        namespace: namespace.to_string(),
        service: name,
        service_port: u16::try_from(sp.port).unwrap_or_default(),
        port_name: sp.name.clone().filter(|n| !n.is_empty()),
        target_port: target_of(&sp).to_string(),
        pod: pod_name,
        pod_port,
        endpoints_from: from,
        ready_endpoints: ready.len(),
        not_ready,
        candidates,
        choice,
    };
    Ok((resolved, pod))
}

/// The Service's endpoint addresses: EndpointSlices first; core/v1 Endpoints when slices
/// are not served (404 on 1.20), forbidden, or absent.
pub async fn fetch_endpoints(
    client: &Client,
    namespace: &str,
    service: &str,
) -> Result<(Vec<EndpointAddr>, EndpointSource), SourceError> {
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), namespace);
    let selector = Selector::from(Expression::Equal(SERVICE_NAME_LABEL.into(), service.into())).to_string();
    match slices.list(&ListParams::default().labels(&selector)).await {
        Ok(list) if !list.items.is_empty() => {
            return Ok((endpoints_from_slices(&list.items), EndpointSource::EndpointSlices))
        }
        Ok(_) => {}
        Err(e) => {
            let e = SourceError::from_kube("list endpointslices", e);
            if !(e.is_not_found() || e.is_forbidden()) {
                return Err(e);
            }
            tracing::debug!(error = %e, "EndpointSlices unavailable, reading core/v1 Endpoints");
        }
    }
    let endpoints: Api<Endpoints> = Api::namespaced(client.clone(), namespace);
    let ep = endpoints.get_opt(service).await.map_err(|e| SourceError::from_kube("get endpoints", e))?;
    Ok((ep.as_ref().map(endpoints_from_core).unwrap_or_default(), EndpointSource::Endpoints))
}

// ---------------------------------------------------------------------------------------
// pure

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(['-', '.', '_'])
}

/// How well one Service fits the detector: 0 when not at all.
pub fn score(svc: &Service, det: &Detector) -> Candidate {
    let name = svc.metadata.name.clone().unwrap_or_default();
    let labels = svc.metadata.labels.clone().unwrap_or_default();
    let mut best_kw = (0u32, String::new());
    let mut consider = |s: u32, why: String| {
        if s > best_kw.0 {
            best_kw = (s, why);
        }
    };
    for kw in &det.keywords {
        if name == *kw {
            consider(100, format!("name is {kw}"));
        } else if tokens(&name).any(|t| t == kw) {
            consider(60, format!("name contains {kw}"));
        }
        for key in APP_LABELS {
            if let Some(v) = labels.get(key) {
                if v == kw {
                    consider(90, format!("label {key}={v}"));
                } else if tokens(v).any(|t| t == kw) {
                    consider(50, format!("label {key}={v}"));
                }
            }
        }
    }
    let mut reasons = Vec::new();
    let mut total = best_kw.0;
    if best_kw.0 > 0 {
        reasons.push(best_kw.1);
    }
    let ports = svc.spec.as_ref().and_then(|s| s.ports.as_ref()).cloned().unwrap_or_default();
    if let Some(p) = ports.iter().find(|p| {
        det.ports.iter().any(|w| i32::from(*w) == p.port || p.target_port == Some(IntOrString::Int(i32::from(*w))))
    }) {
        total += 70;
        reasons.push(format!("port {}", p.port));
    }
    Candidate { name, score: total, reasons }
}

/// The Services that fit the detector, best first (ties by name).
pub fn rank_candidates(services: &[Service], det: &Detector) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = services.iter().map(|s| score(s, det)).filter(|c| c.score > 0).collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.name.cmp(&b.name)));
    out
}

/// One sentence on the choice among several candidates; `None` when there was no choice.
pub fn explain_choice(ranked: &[Candidate], det: &Detector) -> Option<String> {
    let (best, rest) = ranked.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let list = ranked.iter().map(|c| format!("{} ({})", c.name, c.reasons.join(", "))).collect::<Vec<_>>().join(", ");
    let tie = if rest[0].score == best.score { ", a tie broken by name" } else { "" };
    Some(format!(
        "{} Services could be the {}: {list}; using {}{tie}; pass {} to choose",
        ranked.len(),
        det.role,
        best.name,
        det.flag
    ))
}

/// The Service port wanted (by number or name), or the detector's preference, or the only/first one.
pub fn pick_service_port<'a>(
    svc: &'a Service,
    wanted: Option<&PortSel>,
    det: &Detector,
) -> Result<&'a ServicePort, ResolveError> {
    let name = svc.metadata.name.clone().unwrap_or_default();
    let ports: &[ServicePort] = svc.spec.as_ref().and_then(|s| s.ports.as_deref()).unwrap_or(&[]);
    let available = || {
        let list: Vec<String> = ports
            .iter()
            .map(|p| match &p.name {
                Some(n) if !n.is_empty() => format!("{}/{n}", p.port),
                _ => p.port.to_string(),
            })
            .collect();
        if list.is_empty() {
            "no ports".to_string()
        } else {
            list.join(", ")
        }
    };
    let found = match wanted {
        Some(PortSel::Number(n)) => ports.iter().find(|p| p.port == i32::from(*n)),
        Some(PortSel::Name(s)) => ports.iter().find(|p| p.name.as_deref() == Some(s.as_str())),
        None => det
            .ports
            .iter()
            .find_map(|w| ports.iter().find(|p| p.port == i32::from(*w)))
            .or_else(|| det.port_names.iter().find_map(|w| ports.iter().find(|p| p.name.as_deref() == Some(w))))
            .or_else(|| ports.first()),
    };
    found.ok_or_else(|| ResolveError::NoSuchPort {
        service: name.clone(),
        wanted: wanted.map(|w| w.to_string()).unwrap_or_else(|| "at all".into()),
        available: available(),
    })
}

/// The Service port's target as declared: its `targetPort`, else its `port`.
pub fn target_of(sp: &ServicePort) -> IntOrStringText {
    match &sp.target_port {
        Some(IntOrString::Int(n)) => IntOrStringText::Int(*n),
        Some(IntOrString::String(s)) => IntOrStringText::Name(s.clone()),
        None => IntOrStringText::Int(sp.port),
    }
}

/// A `targetPort` (a number or a port name), printable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrStringText {
    Int(i32),
    Name(String),
}

impl fmt::Display for IntOrStringText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrStringText::Int(n) => write!(f, "{n}"),
            IntOrStringText::Name(s) => f.write_str(s),
        }
    }
}

/// Addresses of EndpointSlices. A missing `ready` condition counts as ready (as the API
/// documents); a terminating endpoint does not.
pub fn endpoints_from_slices(slices: &[EndpointSlice]) -> Vec<EndpointAddr> {
    let mut out = Vec::new();
    for slice in slices {
        let ports: Vec<(Option<String>, u16)> = slice
            .ports
            .iter()
            .flatten()
            .filter_map(|p| Some((p.name.clone().filter(|n| !n.is_empty()), u16::try_from(p.port?).ok()?)))
            .collect();
        for e in &slice.endpoints {
            let cond = e.conditions.clone().unwrap_or_default();
            let ready = cond.ready.unwrap_or(true) && !cond.terminating.unwrap_or(false);
            out.push(EndpointAddr {
                ip: e.addresses.first().cloned().unwrap_or_default(),
                pod: pod_ref(e.target_ref.as_ref()),
                hostname: e.hostname.clone(),
                node: e.node_name.clone(),
                ready,
                ports: ports.clone(),
            });
        }
    }
    out
}

/// Addresses of core/v1 Endpoints: `addresses` are ready, `notReadyAddresses` are not.
pub fn endpoints_from_core(ep: &Endpoints) -> Vec<EndpointAddr> {
    let mut out = Vec::new();
    for subset in ep.subsets.iter().flatten() {
        let ports: Vec<(Option<String>, u16)> = subset
            .ports
            .iter()
            .flatten()
            .filter_map(|p| Some((p.name.clone().filter(|n| !n.is_empty()), u16::try_from(p.port).ok()?)))
            .collect();
        let both = [(subset.addresses.as_ref(), true), (subset.not_ready_addresses.as_ref(), false)];
        for (addrs, ready) in both {
            for a in addrs.into_iter().flatten() {
                out.push(EndpointAddr {
                    ip: a.ip.clone(),
                    pod: pod_ref(a.target_ref.as_ref()),
                    hostname: a.hostname.clone(),
                    node: a.node_name.clone(),
                    ready,
                    ports: ports.clone(),
                });
            }
        }
    }
    out
}

fn pod_ref(r: Option<&k8s_openapi::api::core::v1::ObjectReference>) -> Option<String> {
    let r = r?;
    if r.kind.as_deref().is_none_or(|k| k == "Pod") {
        r.name.clone()
    } else {
        None
    }
}

/// Picks a ready endpoint: the first pod carrying the most preferred label (when pod
/// labels are known), else the first by pod name. Returns why, when there was a choice.
pub fn pick_endpoint<'a>(
    ready: &[&'a EndpointAddr],
    pod_labels: &BTreeMap<String, BTreeMap<String, String>>,
    prefer: &[(String, String)],
) -> (&'a EndpointAddr, Option<String>) {
    let mut sorted: Vec<&'a EndpointAddr> = ready.to_vec();
    sorted.sort_by(|a, b| a.pod.cmp(&b.pod));
    for (k, v) in prefer {
        let hit = sorted
            .iter()
            .find(|a| a.pod.as_ref().and_then(|p| pod_labels.get(p)).and_then(|l| l.get(k)).is_some_and(|x| x == v));
        if let Some(a) = hit {
            let why = (sorted.len() > 1).then(|| {
                format!(
                    "pod {} chosen among {} ready: it is labelled {k}={v}",
                    a.pod.as_deref().unwrap_or("?"),
                    sorted.len()
                )
            });
            return (a, why);
        }
    }
    let first = sorted[0];
    let why = (sorted.len() > 1 && !prefer.is_empty()).then(|| {
        format!(
            "pod {} chosen among {} ready: none is labelled {}",
            first.pod.as_deref().unwrap_or("?"),
            sorted.len(),
            prefer.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" or ")
        )
    });
    (first, why)
}

/// The container port the Service port reaches on this pod: a numeric `targetPort` as
/// is; a named one through the pod's container ports, else through the endpoint's port
/// of the same Service-port name (the endpoints controller resolved it already).
pub fn resolve_target_port(
    service: &str,
    sp: &ServicePort,
    pod: Option<&Pod>,
    endpoint: &EndpointAddr,
    pod_name: &str,
) -> Result<u16, ResolveError> {
    let by_endpoint = || {
        let want = sp.name.clone().filter(|n| !n.is_empty());
        endpoint.ports.iter().find(|(n, _)| *n == want).or(if endpoint.ports.len() == 1 {
            endpoint.ports.first()
        } else {
            None
        })
    };
    match target_of(sp) {
        IntOrStringText::Int(n) => u16::try_from(n).map_err(|_| ResolveError::NoSuchPort {
            service: service.to_string(),
            wanted: n.to_string(),
            available: "ports 1-65535".into(),
        }),
        IntOrStringText::Name(name) => {
            if let Ok(n) = name.parse::<u16>() {
                return Ok(n);
            }
            let from_pod = pod.and_then(|p| p.spec.as_ref()).and_then(|s| {
                s.containers
                    .iter()
                    .flat_map(|c| c.ports.iter().flatten())
                    .find(|cp| cp.name.as_deref() == Some(name.as_str()))
                    .and_then(|cp| u16::try_from(cp.container_port).ok())
            });
            from_pod.or_else(|| by_endpoint().map(|(_, n)| *n)).ok_or_else(|| ResolveError::NoNamedPort {
                service: service.to_string(),
                pod: pod_name.to_string(),
                name,
            })
        }
    }
}

/// Every pod a Service's selector picks (ready or not); none without a selector. Read
/// through the trace's shared lookups, so a Service's pods are listed once.
pub async fn pods_selected(ctx: &TraceContext, selector: Option<&str>) -> Result<Vec<Pod>, SourceError> {
    let Some(sel) = selector else { return Ok(Vec::new()) };
    Ok(ctx.lookups.pods(&ctx.cluster.client, ctx.namespace(), sel).await?.to_vec())
}

/// The pods behind a named Service, for reading their logs: the backend's resolution has
/// already read both the Service and its pods, so this asks the API nothing more.
pub async fn pods_of_service(ctx: &TraceContext, name: &str) -> Result<Vec<crate::report::PodFacts>, SourceError> {
    let Some(svc) = ctx.lookups.service(&ctx.cluster.client, ctx.namespace(), name).await? else {
        return Ok(Vec::new());
    };
    let pods = pods_selected(ctx, selector_of(&svc).as_deref()).await?;
    Ok(pods.iter().map(super::pods::facts_of_other_pod).collect())
}

/// `k=v,...` from a Service's selector, built from typed parts; `None` without one.
pub fn selector_of(svc: &Service) -> Option<String> {
    let sel = svc.spec.as_ref()?.selector.as_ref().filter(|s| !s.is_empty())?;
    let exprs: Vec<Expression> = sel.iter().map(|(k, v)| Expression::Equal(k.clone(), v.clone())).collect();
    Some(Selector::from_iter(exprs).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(yaml: &str) -> Service {
        serde_yaml::from_str(yaml).unwrap()
    }

    const BACKEND: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: panda, labels: {app: backend}}
spec:
  selector: {app: backend}
  ports:
    - {name: http, port: 80, protocol: TCP, targetPort: http}
"#;

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: backend-7c9d8f6b5-x2x9q, namespace: panda, labels: {app: backend}}
spec:
  containers:
    - name: backend
      image: b
      ports: [{name: http, containerPort: 8080}]
"#;

    const ENDPOINTS: &str = r#"
apiVersion: v1
kind: Endpoints
metadata: {name: backend, namespace: panda}
subsets:
  - addresses:
      - ip: 10.244.1.10
        targetRef: {kind: Pod, name: backend-7c9d8f6b5-x2x9q, namespace: panda}
    notReadyAddresses:
      - ip: 10.244.1.11
        targetRef: {kind: Pod, name: backend-7c9d8f6b5-zzzzz, namespace: panda}
    ports:
      - {name: http, port: 8080, protocol: TCP}
"#;

    const SLICE: &str = r#"
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: backend-abc, namespace: panda, labels: {kubernetes.io/service-name: backend}}
addressType: IPv4
endpoints:
  - addresses: [10.244.1.10]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: backend-1}
  - addresses: [10.244.1.11]
    conditions: {ready: false}
    targetRef: {kind: Pod, name: backend-2}
  - addresses: [10.244.1.12]
    targetRef: {kind: Pod, name: backend-3}
  - addresses: [10.244.1.13]
    conditions: {ready: true, terminating: true}
    targetRef: {kind: Pod, name: backend-4}
ports:
  - {name: http, port: 8080, protocol: TCP}
"#;

    fn named(name: &str, labels: &str, ports: &str) -> Service {
        svc(&format!("metadata: {{name: {name}, labels: {labels}}}\nspec: {{ports: {ports}}}"))
    }

    #[test]
    fn service_refs_parse() {
        assert_eq!(ServiceRef::parse("backend").unwrap(), ServiceRef { name: "backend".into(), port: None });
        assert_eq!(ServiceRef::parse("backend:80").unwrap().port, Some(PortSel::Number(80)));
        assert_eq!(ServiceRef::parse("backend:http").unwrap().port, Some(PortSel::Name("http".into())));
        for bad in ["", "Backend", "backend:", "backend:0", "backend:99999x!", "a b", "backend:80:81"] {
            assert!(ServiceRef::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ServiceRef::parse("backend:http").unwrap().to_string(), "backend:http");
    }

    #[test]
    fn one_candidate_is_used_without_explanation() {
        let services = [svc(BACKEND), named("mongo", "{app: mongo}", "[{port: 27017}]")];
        let ranked = rank_candidates(&services, &Detector::backend());
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].name, "backend");
        assert_eq!(ranked[0].reasons, ["name is backend"]);
        assert!(explain_choice(&ranked, &Detector::backend()).is_none());
    }

    #[test]
    fn several_candidates_are_ranked_and_explained() {
        let services = [
            named("backend-admin", "{}", "[{port: 80}]"),
            named("api", "{app.kubernetes.io/component: backend}", "[{port: 80}]"),
            named("panda-backend", "{app: panda-backend}", "[{port: 80}]"),
            named("consumer-service", "{app: consumer-service}", "[{port: 80}]"),
        ];
        let det = Detector::backend();
        let ranked = rank_candidates(&services, &det);
        let names: Vec<&str> = ranked.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["api", "backend-admin", "panda-backend"]);
        let why = explain_choice(&ranked, &det).unwrap();
        assert!(
            why.starts_with("3 Services could be the backend: api (label app.kubernetes.io/component=backend)"),
            "{why}"
        );
        assert!(why.contains("using api; pass --backend-service"), "{why}");
        assert!(!why.contains("tie"));
    }

    #[test]
    fn none_and_substrings_are_not_candidates() {
        let services = [named("backends2", "{app: mybackend}", "[{port: 80}]")];
        assert!(rank_candidates(&services, &Detector::backend()).is_empty());
    }

    #[test]
    fn mongo_like_detector_by_port() {
        let det = Detector {
            role: "MongoDB".into(),
            keywords: vec!["mongo".into(), "mongodb".into()],
            ports: vec![27017],
            port_names: vec![],
            prefer_pod_labels: vec![("role".into(), "primary".into())],
            flag: "--mongo-service".into(),
        };
        let services = [named("db", "{}", "[{port: 27017}]"), named("mongo", "{app: mongo}", "[{port: 27017}]")];
        let ranked = rank_candidates(&services, &det);
        assert_eq!(ranked[0].name, "mongo");
        assert_eq!(ranked[0].reasons, ["name is mongo", "port 27017"]);
        assert_eq!(ranked[1].reasons, ["port 27017"]);
    }

    #[test]
    fn ports_are_picked_by_number_name_preference_or_first() {
        let s = named("b", "{}", "[{name: metrics, port: 9090}, {name: http, port: 80, targetPort: 8080}]");
        let det = Detector::backend();
        assert_eq!(pick_service_port(&s, None, &det).unwrap().port, 80);
        assert_eq!(pick_service_port(&s, Some(&PortSel::Number(9090)), &det).unwrap().port, 9090);
        assert_eq!(pick_service_port(&s, Some(&PortSel::Name("metrics".into())), &det).unwrap().port, 9090);
        let err = pick_service_port(&s, Some(&PortSel::Number(81)), &det).unwrap_err();
        assert_eq!(err.to_string(), "Service b has no port 81 (it has 9090/metrics, 80/http)");
        let other = Detector { port_names: vec![], ..det };
        assert_eq!(pick_service_port(&s, None, &other).unwrap().port, 9090);
    }

    #[test]
    fn core_endpoints_split_ready_and_not_ready() {
        let ep: Endpoints = serde_yaml::from_str(ENDPOINTS).unwrap();
        let addrs = endpoints_from_core(&ep);
        assert_eq!(addrs.len(), 2);
        assert!(addrs[0].ready);
        assert_eq!(addrs[0].pod.as_deref(), Some("backend-7c9d8f6b5-x2x9q"));
        assert_eq!(addrs[0].ports, [(Some("http".to_string()), 8080)]);
        assert!(!addrs[1].ready);
    }

    #[test]
    fn slices_read_conditions() {
        let s: EndpointSlice = serde_yaml::from_str(SLICE).unwrap();
        let addrs = endpoints_from_slices(&[s]);
        let ready: Vec<_> = addrs.iter().map(|a| (a.pod.as_deref().unwrap(), a.ready)).collect();
        assert_eq!(ready, [("backend-1", true), ("backend-2", false), ("backend-3", true), ("backend-4", false)]);
    }

    #[test]
    fn endpoint_preference_by_pod_label() {
        let a = EndpointAddr { pod: Some("mongo-0".into()), ready: true, ..Default::default() };
        let b = EndpointAddr { pod: Some("mongo-1".into()), ready: true, ..Default::default() };
        let prefer = vec![("role".to_string(), "primary".to_string())];
        let mut labels = BTreeMap::new();
        labels.insert("mongo-1".to_string(), BTreeMap::from([("role".to_string(), "primary".to_string())]));
        let (chosen, why) = pick_endpoint(&[&a, &b], &labels, &prefer);
        assert_eq!(chosen.pod.as_deref(), Some("mongo-1"));
        assert_eq!(why.unwrap(), "pod mongo-1 chosen among 2 ready: it is labelled role=primary");
        let (chosen, why) = pick_endpoint(&[&b, &a], &BTreeMap::new(), &prefer);
        assert_eq!(chosen.pod.as_deref(), Some("mongo-0"));
        assert!(why.unwrap().contains("none is labelled role=primary"));
        let (_, why) = pick_endpoint(&[&a, &b], &BTreeMap::new(), &[]);
        assert!(why.is_none());
    }

    #[test]
    fn named_target_port_resolves_through_the_pod() {
        let s = svc(BACKEND);
        let sp = &s.spec.as_ref().unwrap().ports.as_ref().unwrap()[0];
        let pod: Pod = serde_yaml::from_str(POD).unwrap();
        let ep = EndpointAddr { ports: vec![(Some("http".into()), 8081)], ..Default::default() };
        assert_eq!(resolve_target_port("backend", sp, Some(&pod), &ep, "p").unwrap(), 8080);
        // without the pod, the endpoint's port of the same name
        assert_eq!(resolve_target_port("backend", sp, None, &ep, "p").unwrap(), 8081);
        let err = resolve_target_port("backend", sp, None, &EndpointAddr::default(), "p").unwrap_err();
        assert_eq!(err.to_string(), "pod p has no container port named http (Service backend targets it)");
    }

    #[test]
    fn numeric_and_defaulted_target_ports() {
        let s = named("b", "{}", "[{port: 80, targetPort: 8080}, {port: 9000}]");
        let ports = s.spec.as_ref().unwrap().ports.as_ref().unwrap();
        let ep = EndpointAddr::default();
        assert_eq!(resolve_target_port("b", &ports[0], None, &ep, "p").unwrap(), 8080);
        assert_eq!(resolve_target_port("b", &ports[1], None, &ep, "p").unwrap(), 9000);
        assert_eq!(target_of(&ports[1]).to_string(), "9000");
    }

    #[test]
    fn errors_become_source_errors() {
        let e = ResolveError::NoReadyEndpoints {
            service: "backend".into(),
            not_ready: vec!["backend-2".into()],
            from: EndpointSource::Endpoints,
        };
        assert_eq!(
            SourceError::from(e).to_string(),
            "Service backend has no ready endpoint pod (not ready: backend-2)"
        );
    }
}
