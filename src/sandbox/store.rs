//! The sandbox's in-memory object store and the pure parts of the API it serves.
//!
//! [`Store::load`] turns a [`Scenario`] into the objects a cluster would hold right now: every
//! time (object timestamps and log line prefixes) is shifted by [`Scenario::shift_to`], every
//! object gets a `resourceVersion` and, if the file has none, a stable `uid`. The rest of the
//! module is pure and shared by the API server and the kubelet stand-in: label and field
//! selectors, pagination with an opaque `continue` token, pod log options, and the `Status`
//! errors the real apiserver answers with (same codes, reasons and message shapes).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::scenario::{ContainerLogs, Scenario};

/// The user the sandbox pretends the client authenticates as (in 403 messages).
pub const SANDBOX_USER: &str = "jobtrace-demo";

/// One resource type the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    /// API group, `""` for core.
    pub group: &'static str,
    pub version: &'static str,
    /// Plural resource name as it appears in URLs and RBAC (`pods`).
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

impl ResourceType {
    /// `v1` or `batch/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn core(plural: &'static str, kind: &'static str, namespaced: bool) -> ResourceType {
    ResourceType { group: "", version: "v1", plural, kind, namespaced }
}

pub const NAMESPACES: ResourceType = core("namespaces", "Namespace", false);
pub const NODES: ResourceType = core("nodes", "Node", false);
pub const PODS: ResourceType = core("pods", "Pod", true);
pub const SERVICES: ResourceType = core("services", "Service", true);
pub const ENDPOINTS: ResourceType = core("endpoints", "Endpoints", true);
pub const EVENTS: ResourceType = core("events", "Event", true);
pub const SECRETS: ResourceType = core("secrets", "Secret", true);
pub const JOBS: ResourceType =
    ResourceType { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true };

/// Every resource type the sandbox knows (the 1.20 test cluster has no `discovery.k8s.io/v1`).
pub const RESOURCES: &[ResourceType] = &[NAMESPACES, NODES, PODS, SERVICES, ENDPOINTS, EVENTS, SECRETS, JOBS];

/// The resource type served at `group`/`version`/`plural`, if any.
pub fn resource_type(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The resource type of an object's `apiVersion` and `kind`, if the sandbox serves it.
pub fn resource_type_of(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| r.api_version() == api_version && r.kind == kind)
}

/// An error answered as a Kubernetes `Status` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u16,
    /// `NotFound`, `Forbidden`, `BadRequest`, `MethodNotAllowed`, `ServiceUnavailable`.
    pub reason: &'static str,
    pub message: String,
    /// `details` of the Status: name, group, kind (the plural resource, as the apiserver sets it).
    pub details: Option<(String, String, String)>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { code: 400, reason: "BadRequest", message: message.into(), details: None }
    }

    /// `pods "x" not found`, with `details.name` and `details.kind` set like the apiserver's.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        Self {
            code: 404,
            reason: "NotFound",
            message: format!("{} \"{}\" not found", qualified(rt.plural, rt.group), name),
            details: Some((name.to_string(), rt.group.to_string(), rt.plural.to_string())),
        }
    }

    /// A 404 for a path the server does not serve at all.
    pub fn no_such_resource() -> Self {
        Self {
            code: 404,
            reason: "NotFound",
            message: "the server could not find the requested resource".to_string(),
            details: Some((String::new(), String::new(), String::new())),
        }
    }

    /// The RBAC denial, worded like the apiserver's: `resource` may be a subresource
    /// (`pods/log`); `name` is `None` for lists; `namespace` is `None` at the cluster scope.
    pub fn forbidden(verb: &str, group: &str, resource: &str, name: Option<&str>, namespace: Option<&str>) -> Self {
        let base = resource.split('/').next().unwrap_or(resource);
        let subject = match name {
            Some(n) => format!("{} \"{}\"", qualified(base, group), n),
            None => qualified(base, group),
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        Self {
            code: 403,
            reason: "Forbidden",
            message: format!(
                "{subject} is forbidden: User \"{SANDBOX_USER}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}"
            ),
            details: Some((name.unwrap_or_default().to_string(), group.to_string(), base.to_string())),
        }
    }

    pub fn method_not_allowed() -> Self {
        Self {
            code: 405,
            reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource (the sandbox is read-only)"
                .to_string(),
            details: Some((String::new(), String::new(), String::new())),
        }
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self { code: 503, reason: "ServiceUnavailable", message: message.into(), details: None }
    }

    /// The `Status` object the apiserver would send.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some((name, group, kind)) = &self.details {
            let mut details = Map::new();
            for (key, value) in [("name", name), ("group", group), ("kind", kind)] {
                if !value.is_empty() {
                    details.insert(key.to_string(), Value::String(value.clone()));
                }
            }
            status["details"] = Value::Object(details);
        }
        status
    }
}

/// `pods` or `jobs.batch`, as the apiserver names a resource in messages.
fn qualified(plural: &str, group: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

/// The object keys whose values are times, shifted when a scenario is loaded.
const TIME_KEYS: &[&str] = &[
    "creationTimestamp",
    "deletionTimestamp",
    "startTime",
    "completionTime",
    "lastTransitionTime",
    "lastProbeTime",
    "lastHeartbeatTime",
    "lastUpdateTime",
    "startedAt",
    "finishedAt",
    "lastTimestamp",
    "firstTimestamp",
    "eventTime",
];

/// Shifts `text` (an RFC 3339 time) by `shift`; kept to whole seconds unless it had a
/// fraction (Kubernetes `Time` vs `MicroTime`). `None` if `text` is not a time.
pub fn shift_time(text: &str, shift: jiff::SignedDuration) -> Option<String> {
    let ts: jiff::Timestamp = text.parse().ok()?;
    let shifted = ts.checked_add(shift).ok()?;
    Some(if text.contains('.') {
        shifted.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
    } else {
        shifted.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    })
}

fn shift_times(value: &mut Value, shift: jiff::SignedDuration) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if let Value::String(s) = v {
                    if TIME_KEYS.contains(&key.as_str()) {
                        if let Some(shifted) = shift_time(s, shift) {
                            *s = shifted;
                        }
                    }
                } else {
                    shift_times(v, shift);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_times(v, shift)),
        _ => {}
    }
}

/// The shift that moves `scenario`'s `now` to `now`, in whole seconds (most Kubernetes times
/// have second precision; the real tier's seeding rounds the same way).
pub fn shift_for(scenario: &Scenario, now: jiff::Timestamp) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(scenario.shift_to(now).as_secs())
}

/// Shifts MongoDB Extended JSON dates anywhere inside `value`: `{"$date": "<RFC 3339>"}`
/// (kept to milliseconds) and `{"$date": {"$numberLong": "<ms since the epoch>"}}`.
pub fn shift_extended_json_dates(value: &mut Value, shift: jiff::SignedDuration) {
    match value {
        Value::Object(map) => {
            if let Some(date) = map.get_mut("$date") {
                match date {
                    Value::String(text) => {
                        let shifted = text.parse::<jiff::Timestamp>().ok().and_then(|t| t.checked_add(shift).ok());
                        if let Some(t) = shifted {
                            *text = t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
                        }
                    }
                    Value::Object(long) => {
                        let ms = long.get("$numberLong").and_then(Value::as_str).and_then(|n| n.parse::<i64>().ok());
                        if let Some(ms) = ms {
                            let moved = ms.saturating_add(i64::try_from(shift.as_millis()).unwrap_or(0));
                            long.insert("$numberLong".into(), Value::String(moved.to_string()));
                        }
                    }
                    _ => {}
                }
                return;
            }
            map.values_mut().for_each(|v| shift_extended_json_dates(v, shift));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_extended_json_dates(v, shift)),
        _ => {}
    }
}

/// Shifts the RFC 3339 prefix of every log line; lines without one are kept as they are.
pub fn shift_log(text: &str, shift: jiff::SignedDuration) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        match split_log_line(line) {
            Some((ts, rest)) => match ts.checked_add(shift) {
                Ok(shifted) => {
                    out.push_str(&shifted.to_string());
                    out.push(' ');
                    out.push_str(rest);
                }
                Err(_) => out.push_str(line),
            },
            None => out.push_str(line),
        }
    }
    out
}

/// A log line's leading timestamp and the rest of the line (without the separating space).
fn split_log_line(line: &str) -> Option<(jiff::Timestamp, &str)> {
    let (head, rest) = line.split_once(' ')?;
    Some((head.parse().ok()?, rest))
}

/// A stable pseudo-uid for objects that have none in the scenario file.
fn stable_uid(seed: &str) -> String {
    // FNV-1a, twice with different offsets, laid out like a UUID.
    let fnv = |offset: u64| seed.bytes().fold(offset, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// The loaded cluster state: objects per resource type, sorted by namespace/name, and logs.
#[derive(Debug, Clone, Default)]
pub struct Store {
    objects: BTreeMap<&'static str, Vec<Value>>,
    logs: BTreeMap<String, ContainerLogs>,
    resource_version: u64,
    now: jiff::Timestamp,
    /// Objects in the scenario whose kind the sandbox does not serve (kept out of the store).
    pub skipped: Vec<String>,
}

impl Store {
    /// Loads `scenario` with every time shifted so that the scenario's `now` is `now`.
    pub fn load(scenario: &Scenario, now: jiff::Timestamp) -> Store {
        let shift = shift_for(scenario, now);
        let mut store = Store { now, ..Store::default() };
        for object in &scenario.objects {
            let api_version = object["apiVersion"].as_str().unwrap_or_default();
            let kind = object["kind"].as_str().unwrap_or_default();
            let Some(rt) = resource_type_of(api_version, kind) else {
                store.skipped.push(format!("{api_version} {kind}"));
                continue;
            };
            let mut object = object.clone();
            shift_times(&mut object, shift);
            store.resource_version += 1;
            let rv = store.resource_version;
            if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
                if !meta.contains_key("uid") {
                    let seed = format!("{}/{}/{}", kind, meta_str(meta, "namespace"), meta_str(meta, "name"));
                    meta.insert("uid".into(), Value::String(stable_uid(&seed)));
                }
                if !meta.contains_key("creationTimestamp") {
                    meta.insert(
                        "creationTimestamp".into(),
                        Value::String(now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    );
                }
            }
            store.objects.entry(rt.plural).or_default().push(object);
        }
        for list in store.objects.values_mut() {
            list.sort_by_key(object_key);
        }
        store.logs = scenario
            .logs
            .iter()
            .map(|(key, logs)| {
                let shifted = ContainerLogs {
                    current: shift_log(&logs.current, shift),
                    previous: logs.previous.as_deref().map(|p| shift_log(p, shift)),
                };
                (key.clone(), shifted)
            })
            .collect();
        store
    }

    /// The real time the store was loaded at (the scenario's `now`, shifted).
    pub fn now(&self) -> jiff::Timestamp {
        self.now
    }

    /// The store's current resourceVersion (that of lists).
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// All objects of a type, sorted by namespace/name; `namespace` narrows to one.
    pub fn list(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<&Value> {
        self.objects
            .get(rt.plural)
            .map(|items| {
                items
                    .iter()
                    .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"].as_str() == Some(ns)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One object by namespace (ignored for cluster-scoped types) and name.
    pub fn get(&self, rt: &ResourceType, namespace: Option<&str>, name: &str) -> Option<&Value> {
        self.list(rt, if rt.namespaced { namespace } else { None })
            .into_iter()
            .find(|o| o["metadata"]["name"].as_str() == Some(name))
    }

    /// The shifted logs of `namespace/pod/container`, if the scenario has any.
    pub fn logs(&self, namespace: &str, pod: &str, container: &str) -> Option<&ContainerLogs> {
        self.logs.get(&format!("{namespace}/{pod}/{container}"))
    }

    /// Serves a pod's log like the kubelet behind `pods/log`: picks the container, checks it
    /// exists, then applies `previous`, `tailLines`, `sinceSeconds`/`sinceTime`, `timestamps`
    /// and `limitBytes` in the kubelet's order.
    pub fn pod_log(&self, namespace: &str, pod_name: &str, opts: &LogOptions) -> Result<String, ApiError> {
        let pod = self.get(&PODS, Some(namespace), pod_name).ok_or_else(|| ApiError::not_found(&PODS, pod_name))?;
        let containers: Vec<&str> = pod["spec"]["containers"]
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        let container = match opts.container.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => {
                let init = pod["spec"]["initContainers"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|i| i["name"].as_str() == Some(c)));
                if !containers.contains(&c) && !init {
                    return Err(ApiError::bad_request(format!("container {c} is not valid for pod {pod_name}")));
                }
                c.to_string()
            }
            None => match containers.as_slice() {
                [only] => only.to_string(),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                        containers.join(" ")
                    )))
                }
            },
        };
        let status = pod["status"]["containerStatuses"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"].as_str() == Some(&container)));
        let logs = self.logs(namespace, pod_name, &container);
        let text = if opts.previous {
            match logs.and_then(|l| l.previous.as_deref()) {
                Some(p) => p,
                None => {
                    return Err(ApiError::bad_request(format!(
                        "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
                    )))
                }
            }
        } else {
            if let Some(status) = status {
                let waiting = &status["state"]["waiting"];
                let never_ran =
                    status["restartCount"].as_i64().unwrap_or(0) == 0 && status["lastState"]["terminated"].is_null();
                if waiting.is_object() && never_ran && logs.is_none_or(|l| l.current.is_empty()) {
                    let reason = waiting["reason"].as_str().unwrap_or("ContainerCreating");
                    return Err(ApiError::bad_request(format!(
                        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
                    )));
                }
            }
            logs.map(|l| l.current.as_str()).unwrap_or_default()
        };
        Ok(filter_log(text, opts, self.now))
    }
}

fn meta_str<'a>(meta: &'a Map<String, Value>, key: &str) -> &'a str {
    meta.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn object_key(o: &Value) -> (String, String) {
    let meta = &o["metadata"];
    (meta["namespace"].as_str().unwrap_or_default().to_string(), meta["name"].as_str().unwrap_or_default().to_string())
}

/// The query of `pods/{name}/log` (and of the kubelet's `containerLogs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    pub container: Option<String>,
    pub tail_lines: Option<usize>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<jiff::Timestamp>,
    pub timestamps: bool,
    pub previous: bool,
    pub limit_bytes: Option<usize>,
}

impl LogOptions {
    /// Parses the query string's log parameters; malformed numbers are a 400 like the apiserver's.
    pub fn from_query(query: &[(String, String)]) -> Result<LogOptions, ApiError> {
        let mut opts = LogOptions::default();
        for (key, value) in query {
            let number = |v: &str| {
                v.parse::<i64>().map_err(|_| ApiError::bad_request(format!("invalid value for {key}: {v:?}")))
            };
            match key.as_str() {
                "container" => opts.container = Some(value.clone()),
                "tailLines" => opts.tail_lines = Some(usize::try_from(number(value)?.max(0)).unwrap_or(0)),
                "sinceSeconds" => {
                    let n = number(value)?;
                    if n < 1 {
                        return Err(ApiError::bad_request("sinceSeconds: Invalid value: must be greater than 0"));
                    }
                    opts.since_seconds = Some(n);
                }
                "sinceTime" => {
                    opts.since_time = Some(
                        value
                            .parse()
                            .map_err(|_| ApiError::bad_request(format!("invalid value for sinceTime: {value:?}")))?,
                    )
                }
                "limitBytes" => opts.limit_bytes = Some(usize::try_from(number(value)?.max(0)).unwrap_or(0)),
                "timestamps" => opts.timestamps = value == "true" || value == "1",
                "previous" => opts.previous = value == "true" || value == "1",
                _ => {}
            }
        }
        Ok(opts)
    }
}

/// Applies tail, since, timestamps and limitBytes to a log's text (lines with an RFC 3339 prefix).
pub fn filter_log(text: &str, opts: &LogOptions, now: jiff::Timestamp) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = opts.tail_lines.map_or(0, |n| lines.len().saturating_sub(n));
    let since = match (opts.since_seconds, opts.since_time) {
        (Some(s), _) => now.checked_sub(jiff::SignedDuration::from_secs(s)).ok(),
        (None, t) => t,
    };
    let mut out = String::new();
    for line in &lines[start..] {
        let parsed = split_log_line(line);
        if let (Some(since), Some((ts, _))) = (since, parsed) {
            if ts < since {
                continue;
            }
        }
        match parsed {
            Some((_, rest)) if !opts.timestamps => out.push_str(rest),
            _ => out.push_str(line),
        }
    }
    if let Some(limit) = opts.limit_bytes {
        if out.len() > limit {
            let mut cut = limit;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Requirement {
    /// Whether `labels` satisfy this requirement (`!=` and `notin` hold when the key is absent).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

/// A parsed label selector: every requirement must hold (comma = AND). Empty matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<Requirement>);

impl LabelSelector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| r.matches(labels))
    }

    /// Whether an object's `metadata.labels` satisfy the selector.
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches(&labels_of(object))
    }
}

/// An object's `metadata.labels`.
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    object["metadata"]["labels"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect())
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Eq,
    DoubleEq,
    NotEq,
    Bang,
    Open,
    Close,
    Comma,
}

fn lex(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '=' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    tokens.push(Token::DoubleEq);
                } else {
                    tokens.push(Token::Eq);
                }
            }
            '!' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    tokens.push(Token::NotEq);
                } else {
                    tokens.push(Token::Bang);
                }
            }
            _ => {
                let mut ident = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()=!,".contains(c) {
                        break;
                    }
                    ident.push(c);
                    chars.next();
                }
                tokens.push(Token::Ident(ident));
            }
        }
    }
    Ok(tokens)
}

/// Validates a label key: an optional DNS-subdomain prefix and a name of at most 63 characters.
fn validate_key(key: &str) -> Result<(), String> {
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            let ok = !prefix.is_empty()
                && prefix.len() <= 253
                && prefix.split('.').all(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                });
            if !ok {
                return Err(format!("{key:?}: prefix part must be a lowercase RFC 1123 subdomain"));
            }
            name
        }
        None => key,
    };
    if name.is_empty() || name.len() > 63 || !valid_label_chars(name) {
        return Err(format!(
            "Invalid value: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', \
             and must start and end with an alphanumeric character"
        ));
    }
    Ok(())
}

fn valid_label_chars(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    s.chars().all(|c| alnum(c) || "-_.".contains(c))
        && s.chars().next().is_some_and(alnum)
        && s.chars().last().is_some_and(alnum)
}

fn validate_value(value: &str) -> Result<(), String> {
    if value.is_empty() || (value.len() <= 63 && valid_label_chars(value)) {
        Ok(())
    } else {
        Err(format!(
            "Invalid value: {value:?}: a valid label must be an empty string or consist of alphanumeric \
             characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ))
    }
}

/// Parses a label selector as the apiserver does; errors are 400 BadRequest Status errors.
pub fn parse_label_selector(input: &str) -> Result<LabelSelector, ApiError> {
    let bad = |why: String| ApiError::bad_request(format!("unable to parse requirement: {why}"));
    let tokens = lex(input).map_err(bad)?;
    let mut requirements = Vec::new();
    let mut i = 0;
    let ident = |t: Option<&Token>| match t {
        Some(Token::Ident(s)) => Some(s.clone()),
        _ => None,
    };
    while i < tokens.len() {
        let requirement = if tokens[i] == Token::Bang {
            let key = ident(tokens.get(i + 1)).ok_or_else(|| bad("found '!', expected: identifier".into()))?;
            validate_key(&key).map_err(bad)?;
            i += 2;
            Requirement::DoesNotExist(key)
        } else {
            let key =
                ident(tokens.get(i)).ok_or_else(|| bad(format!("found {:?}, expected: !, identifier", tokens[i])))?;
            validate_key(&key).map_err(bad)?;
            i += 1;
            match tokens.get(i) {
                None | Some(Token::Comma) => Requirement::Exists(key),
                Some(op @ (Token::Eq | Token::DoubleEq | Token::NotEq)) => {
                    let value = match tokens.get(i + 1) {
                        Some(Token::Ident(v)) => {
                            i += 2;
                            v.clone()
                        }
                        None | Some(Token::Comma) => {
                            i += 1;
                            String::new()
                        }
                        Some(other) => return Err(bad(format!("found {other:?}, expected: identifier"))),
                    };
                    validate_value(&value).map_err(bad)?;
                    if *op == Token::NotEq {
                        Requirement::NotEquals(key, value)
                    } else {
                        Requirement::Equals(key, value)
                    }
                }
                Some(Token::Ident(op)) if op == "in" || op == "notin" => {
                    let notin = op == "notin";
                    i += 1;
                    if tokens.get(i) != Some(&Token::Open) {
                        return Err(bad("found missing '(', expected: '('".into()));
                    }
                    i += 1;
                    let mut values = Vec::new();
                    loop {
                        match tokens.get(i) {
                            Some(Token::Ident(v)) => {
                                validate_value(v).map_err(bad)?;
                                values.push(v.clone());
                                i += 1;
                            }
                            Some(Token::Close) if !values.is_empty() || notin => {
                                i += 1;
                                break;
                            }
                            other => return Err(bad(format!("found {other:?}, expected: ',', ')' or identifier"))),
                        }
                        match tokens.get(i) {
                            Some(Token::Comma) => i += 1,
                            Some(Token::Close) => {
                                i += 1;
                                break;
                            }
                            other => return Err(bad(format!("found {other:?}, expected: ',' or ')'"))),
                        }
                    }
                    values.sort();
                    if notin {
                        Requirement::NotIn(key, values)
                    } else {
                        Requirement::In(key, values)
                    }
                }
                Some(other) => return Err(bad(format!("found {other:?}, expected: in, notin, =, ==, !=, gt, lt"))),
            }
        };
        requirements.push(requirement);
        match tokens.get(i) {
            None => {}
            Some(Token::Comma) if i + 1 < tokens.len() => i += 1,
            Some(other) => return Err(bad(format!("found {other:?}, expected: ','"))),
        }
    }
    Ok(LabelSelector(requirements))
}

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

/// One `field=value` (or `!=`) term of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub value: String,
    pub negated: bool,
}

/// A parsed field selector; comma = AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<FieldRequirement>);

/// The fields each resource type may be selected by (beyond `metadata.name/namespace`).
fn supported_fields(plural: &str) -> &'static [&'static str] {
    match plural {
        "pods" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "events" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "secrets" => &["type"],
        "namespaces" => &["status.phase"],
        "nodes" => &["spec.unschedulable"],
        "jobs" => &["status.successful"],
        _ => &[],
    }
}

/// Parses a field selector and checks its fields are selectable for `rt` (400 otherwise).
pub fn parse_field_selector(input: &str, rt: &ResourceType) -> Result<FieldSelector, ApiError> {
    let mut terms = Vec::new();
    for term in input.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (field, value, negated) = if let Some((f, v)) = term.split_once("!=") {
            (f, v, true)
        } else if let Some((f, v)) = term.split_once("==") {
            (f, v, false)
        } else if let Some((f, v)) = term.split_once('=') {
            (f, v, false)
        } else {
            return Err(ApiError::bad_request(format!("invalid selector: '{input}'; can't understand '{term}'")));
        };
        let field = field.trim();
        if field != "metadata.name" && field != "metadata.namespace" && !supported_fields(rt.plural).contains(&field) {
            return Err(ApiError::bad_request(format!("field label not supported: {field}")));
        }
        terms.push(FieldRequirement { field: field.to_string(), value: value.trim().to_string(), negated });
    }
    Ok(FieldSelector(terms))
}

impl FieldSelector {
    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|r| {
            let actual = field_value(object, &r.field);
            (actual == r.value) != r.negated
        })
    }
}

/// The value of a selectable field (`source` is the event's `source.component`).
fn field_value(object: &Value, field: &str) -> String {
    let path = if field == "source" { "source.component" } else { field };
    let mut v = object;
    for part in path.split('.') {
        v = &v[part];
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The token for the next page, `None` on the last one.
    pub continue_token: Option<String>,
    /// How many items follow this page (only when there is a next page).
    pub remaining: Option<usize>,
}

/// Cuts `items` (sorted by namespace/name) into the page starting after `continue_token`.
/// The token is opaque to clients: hex of `{"rv":N,"start":"ns/name"}` naming the next item.
pub fn paginate<'a>(
    items: Vec<&'a Value>,
    limit: Option<usize>,
    continue_token: Option<&str>,
    resource_version: u64,
) -> Result<Page<&'a Value>, ApiError> {
    let start = match continue_token.filter(|t| !t.is_empty()) {
        Some(token) => {
            let decoded = decode_continue(token).ok_or_else(|| {
                ApiError::bad_request(format!("continue key is not valid: {token:?} is not a token this server issued"))
            })?;
            items
                .iter()
                .position(|o| {
                    let (ns, name) = object_key(o);
                    format!("{ns}/{name}") >= decoded
                })
                .unwrap_or(items.len())
        }
        None => 0,
    };
    let rest = &items[start..];
    match limit.filter(|&l| l > 0 && l < rest.len()) {
        Some(limit) => {
            let (ns, name) = object_key(rest[limit]);
            let token = json!({"rv": resource_version, "start": format!("{ns}/{name}")}).to_string();
            Ok(Page {
                items: rest[..limit].to_vec(),
                continue_token: Some(token.bytes().map(|b| format!("{b:02x}")).collect()),
                remaining: Some(rest.len() - limit),
            })
        }
        None => Ok(Page { items: rest.to_vec(), continue_token: None, remaining: None }),
    }
}

fn decode_continue(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..token.len()).step_by(2).map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok()).collect();
    let value: Value = serde_json::from_slice(&bytes?).ok()?;
    value["start"].as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn incident() -> (Scenario, Store) {
        let scenario = Scenario::builtin("incident-19-7").unwrap();
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let store = Store::load(&scenario, now);
        (scenario, store)
    }

    #[test]
    fn label_selector_operators() {
        let l = labels(&[("app", "grpc-job-19-7"), ("job_id", "19-7")]);
        let ok = |s: &str| parse_label_selector(s).unwrap().matches(&l);
        assert!(ok(""));
        assert!(ok("job_id=19-7"));
        assert!(ok("job_id==19-7"));
        assert!(!ok("job_id=19-70"));
        assert!(ok("job_id!=19-70"));
        assert!(ok("missing!=x"));
        assert!(ok("job_id"));
        assert!(!ok("!job_id"));
        assert!(ok("!missing"));
        assert!(ok("job_id in (19-7, 20-1)"));
        assert!(!ok("job_id notin (19-7,20-1)"));
        assert!(ok("missing notin (a)"));
        assert!(ok("app=grpc-job-19-7,job_id in (19-7)"));
        assert!(!ok("app=grpc-job-19-7,job_id in (20-1)"));
        assert!(ok("example.com/tier notin (a), app"));
    }

    #[test]
    fn invalid_label_selectors_are_bad_requests() {
        for bad in ["a b", "job_id in 19-7", "job_id in (19-7", "=x", "a=b,", "a=(b)", "a=b=c", "-a=b", "a=b c"] {
            let err = parse_label_selector(bad).expect_err(bad);
            assert_eq!((err.code, err.reason), (400, "BadRequest"), "{bad}");
            assert!(err.message.starts_with("unable to parse requirement"), "{}", err.message);
        }
    }

    #[test]
    fn field_selectors() {
        let pods = resource_type("", "v1", "pods").unwrap();
        let events = resource_type("", "v1", "events").unwrap();
        let pod = json!({"metadata": {"name": "p", "namespace": "panda"}, "spec": {"nodeName": "node-a"}, "status": {"phase": "Running"}});
        let sel = |s: &str| parse_field_selector(s, pods).unwrap().matches(&pod);
        assert!(sel("metadata.name=p,status.phase=Running"));
        assert!(sel("spec.nodeName==node-a"));
        assert!(!sel("status.phase!=Running"));
        assert!(sel("metadata.namespace!=staging"));
        let event = json!({"type": "Warning", "involvedObject": {"kind": "Pod", "name": "p", "uid": "u"}});
        let f = parse_field_selector(
            "involvedObject.name=p,involvedObject.kind=Pod,involvedObject.uid=u,type=Warning",
            events,
        )
        .unwrap();
        assert!(f.matches(&event));
        let err = parse_field_selector("spec.bogus=1", pods).unwrap_err();
        assert_eq!(err.code, 400);
        assert_eq!(err.message, "field label not supported: spec.bogus");
        assert!(parse_field_selector("involvedObject.name=p", pods).is_err());
    }

    #[test]
    fn load_shifts_times_and_assigns_versions() {
        let (scenario, store) = incident();
        let pods = resource_type("", "v1", "pods").unwrap();
        let pod = store.get(pods, Some("panda"), "grpc-job-19-7-8rlgb").unwrap();
        // The scenario's now is 10:01:00, the pod was created at 10:00:00: one minute ago.
        assert_eq!(pod["metadata"]["creationTimestamp"], "2025-12-31T23:59:00Z");
        assert_eq!(pod["status"]["conditions"][1]["lastTransitionTime"], "2025-12-31T23:59:00Z");
        assert_eq!(pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"], "2025-12-31T23:59:00Z");
        assert!(pod["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().is_ok());
        assert_eq!(store.resource_version() as usize, scenario.objects.len());
        // Objects without a uid get a stable one.
        let services = resource_type("", "v1", "services").unwrap();
        let a = store.get(services, Some("panda"), "backend").unwrap()["metadata"]["uid"].clone();
        let b = incident().1.get(services, Some("panda"), "backend").unwrap()["metadata"]["uid"].clone();
        assert_eq!(a, b);
        assert_eq!(a.as_str().unwrap().len(), 36);
        // Lists are sorted by namespace/name.
        let names: Vec<_> = store.list(pods, None).iter().map(|p| object_key(p)).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        let logs = store.logs("panda", "backend-7c9d8f6b5-x2x9q", "backend").unwrap();
        assert!(logs.current.starts_with("2025-12-31T23:57:00.412Z INFO POST /configure"), "{}", logs.current);
    }

    #[test]
    fn mongo_dates_are_shifted() {
        let shift = jiff::SignedDuration::from_secs(3600);
        let mut doc = json!({"a": [{"created_at": {"$date": "2025-11-13T09:58:00.530Z"}}],
                             "b": {"$date": {"$numberLong": "1000"}}, "c": "2025-11-13T09:58:00Z"});
        shift_extended_json_dates(&mut doc, shift);
        assert_eq!(doc["a"][0]["created_at"]["$date"], "2025-11-13T10:58:00.530Z");
        assert_eq!(doc["b"]["$date"]["$numberLong"], "3601000");
        assert_eq!(doc["c"], "2025-11-13T09:58:00Z");
    }

    #[test]
    fn shift_keeps_precision() {
        let shift = jiff::SignedDuration::from_secs(90);
        assert_eq!(shift_time("2025-11-13T10:00:00Z", shift).unwrap(), "2025-11-13T10:01:30Z");
        assert_eq!(shift_time("2025-11-13T10:00:00.5Z", shift).unwrap(), "2025-11-13T10:01:30.500000Z");
        assert_eq!(shift_time("not a time", shift), None);
        assert_eq!(shift_log("no time here\n", shift), "no time here\n");
    }

    #[test]
    fn pod_logs_follow_the_kubelet() {
        let (_, store) = incident();
        let pod = "backend-7c9d8f6b5-x2x9q";
        let all = store.pod_log("panda", pod, &LogOptions::default()).unwrap();
        assert_eq!(all.lines().count(), 9);
        assert!(all.starts_with("INFO POST /configure job_id=20-1"));
        let opts = LogOptions { tail_lines: Some(2), timestamps: true, ..Default::default() };
        let tail = store.pod_log("panda", pod, &opts).unwrap();
        assert_eq!(tail.lines().count(), 2);
        assert!(tail.lines().last().unwrap().contains("WARN GET /metadata/19-7"));
        assert!(tail.starts_with("2025-12-31T23:59:"));
        // sinceSeconds=60 keeps the lines from 10:00:00 on (scenario time).
        let opts = LogOptions { since_seconds: Some(60), ..Default::default() };
        assert_eq!(store.pod_log("panda", pod, &opts).unwrap().lines().count(), 5);
        let opts = LogOptions { previous: true, ..Default::default() };
        let err = store.pod_log("panda", pod, &opts).unwrap_err();
        assert_eq!(
            err.message,
            "previous terminated container \"backend\" in pod \"backend-7c9d8f6b5-x2x9q\" not found"
        );
        let opts = LogOptions { container: Some("nope".into()), ..Default::default() };
        assert_eq!(store.pod_log("panda", pod, &opts).unwrap_err().code, 400);
        assert_eq!(store.pod_log("panda", "nope", &LogOptions::default()).unwrap_err().code, 404);
        let opts = LogOptions { limit_bytes: Some(4), ..Default::default() };
        assert_eq!(store.pod_log("panda", pod, &opts).unwrap(), "INFO");
    }

    #[test]
    fn several_containers_need_a_name() {
        let mut scenario = Scenario::builtin("incident-19-7").unwrap();
        scenario.objects.push(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two", "namespace": "panda"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]}
        }));
        let store = Store::load(&scenario, jiff::Timestamp::now());
        let err = store.pod_log("panda", "two", &LogOptions::default()).unwrap_err();
        assert_eq!(err.message, "a container name must be specified for pod two, choose one of: [a b]");
    }

    #[test]
    fn pagination_walks_every_item_once() {
        let (_, store) = incident();
        let pods = resource_type("", "v1", "pods").unwrap();
        let all = store.list(pods, Some("panda"));
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = paginate(all.clone(), Some(2), token.as_deref(), 7).unwrap();
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|o| object_key(o)));
            match page.continue_token {
                Some(t) => {
                    assert_eq!(page.remaining, Some(all.len() - seen.len()));
                    token = Some(t);
                }
                None => break,
            }
        }
        assert_eq!(seen, all.iter().map(|o| object_key(o)).collect::<Vec<_>>());
        assert_eq!(paginate(all.clone(), Some(2), Some("zz"), 7).unwrap_err().code, 400);
        assert_eq!(paginate(all.clone(), None, None, 7).unwrap().items.len(), all.len());
    }

    #[test]
    fn status_errors_look_like_the_apiserver() {
        let pods = resource_type("", "v1", "pods").unwrap();
        let s = ApiError::not_found(pods, "x").to_status();
        assert_eq!(s["details"], json!({"name": "x", "kind": "pods"}));
        assert_eq!(s["message"], "pods \"x\" not found");
        let f = ApiError::forbidden("list", "", "pods", None, Some("panda"));
        assert_eq!(
            f.message,
            "pods is forbidden: User \"jobtrace-demo\" cannot list resource \"pods\" in API group \"\" in the namespace \"panda\""
        );
        let f = ApiError::forbidden("get", "", "pods/log", Some("x"), Some("panda"));
        assert!(f.message.starts_with("pods \"x\" is forbidden"));
        let jobs = resource_type("batch", "v1", "jobs").unwrap();
        assert_eq!(ApiError::not_found(jobs, "j").message, "jobs.batch \"j\" not found");
    }
}
