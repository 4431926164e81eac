//! Settings: the command line resolved once into the values a trace runs with. Every
//! default is decided here (and nowhere else), including whether to use colour. No
//! network: the kubeconfig is read later, in `cluster.rs`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::cli::{BackendArgs, ColorChoice, MongoArgs, OutputFormat, TraceArgs};
use crate::evidence::logs::LogSettings;
use crate::evidence::services::{InvalidServiceRef, ServiceRef};
use crate::jobid::{InvalidJobId, JobId};

/// Label key that carries the job id unless `--label-key` says otherwise.
pub const DEFAULT_LABEL_KEY: &str = "job_id";
/// Name patterns of the incident's layout unless `--name-pattern` says otherwise.
pub const DEFAULT_NAME_PATTERNS: [&str; 2] = ["grpc-job-{id}", "cleanup-job-{id}"];
/// Whole-run timeout unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// One API request's timeout unless `--request-timeout` says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How far back logs are read unless `--since` says otherwise.
pub const DEFAULT_LOG_SINCE: Duration = Duration::from_secs(3600);
/// Lines read per container unless `--tail` says otherwise.
pub const DEFAULT_LOG_TAIL: u32 = 2000;
/// Container logs read at once unless `--log-concurrency` says otherwise.
pub const DEFAULT_LOG_CONCURRENCY: usize = 8;
/// The backend's metadata path unless `--metadata-path` says otherwise.
pub const DEFAULT_METADATA_PATH: &str = "/metadata/{id}";
/// Time between backend polls under `--wait` unless `--interval` says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// How the backend is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendTarget {
    /// `--no-backend`.
    Off,
    /// `--backend-url`: asked directly, no port-forward.
    Url(url::Url),
    /// A Service: the one named by `--backend-service`, or detected when `None`.
    Service(Option<ServiceRef>),
}

/// The backend check, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendSettings {
    pub target: BackendTarget,
    /// Path template with exactly one `{id}` (validated), e.g. `/metadata/{id}`.
    pub metadata_path: String,
    /// Poll until 200 for this long (`--wait`); `None`: ask once.
    pub wait: Option<Duration>,
    pub interval: Duration,
    /// Show a live progress line on stderr while waiting (stderr is a terminal).
    pub progress: bool,
}

impl Default for BackendSettings {
    fn default() -> Self {
        Self {
            target: BackendTarget::Service(None),
            metadata_path: DEFAULT_METADATA_PATH.to_string(),
            wait: None,
            interval: DEFAULT_INTERVAL,
            progress: false,
        }
    }
}

/// Where the cluster is: kubeconfig, context and namespace as the user gave them.
#[derive(Debug, Clone, Default)]
pub struct KubeTarget {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// Everything a trace needs, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub job_id: JobId,
    pub kube: KubeTarget,
    /// Extra label selector ANDed into pod and Job lookups (validated by the apiserver).
    pub selector: Option<String>,
    /// Label keys expected to carry the id.
    pub label_keys: Vec<String>,
    /// Name patterns, each with exactly one `{id}`.
    pub name_patterns: Vec<String>,
    pub output: OutputFormat,
    pub color: bool,
    pub request_timeout: Duration,
    pub timeout: Duration,
    pub verbose: u8,
    /// Where MongoDB is and how to read it.
    pub mongo: MongoSettings,
    /// How logs are read; `None` with `--no-logs`.
    pub logs: Option<LogSettings>,
    /// The consumer service's Service name, when given.
    pub consumer_service: Option<String>,
    pub backend: BackendSettings,
}

/// Input that cannot be turned into settings. Each message is one line.
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error(transparent)]
    JobId(#[from] InvalidJobId),
    #[error("no job id given: usage is `kubectl jobtrace JOB_ID [-n NAMESPACE]` (see --help)")]
    MissingJobId,
    #[error("invalid {flag} {value:?}: expected a duration such as 500ms, 5s, 2m or a number of seconds")]
    Duration { flag: &'static str, value: String },
    #[error("invalid --label-key {0:?}: expected a label key such as job_id or example.com/job-id")]
    LabelKey(String),
    #[error("invalid --name-pattern {0:?}: it must contain {{id}} once and otherwise only lowercase letters, digits, '-' and '.'")]
    NamePattern(String),
    #[error("invalid --namespace {0:?}: expected a namespace name (lowercase letters, digits and '-')")]
    Namespace(String),
    #[error("invalid {flag} {value:?}: {expected}")]
    Mongo { flag: &'static str, value: String, expected: &'static str },
    /// The URI itself is never shown: it may hold a password.
    #[error("invalid --mongo-uri: {0} (the value is not shown: it may hold a password)")]
    MongoUri(&'static str),
    #[error("invalid {flag} {value}: {why}")]
    Number { flag: &'static str, value: String, why: &'static str },
    #[error("invalid --consumer-service {0:?}: expected a Service name")]
    ServiceName(String),
    #[error("invalid --backend-service: {0}")]
    BackendService(#[from] InvalidServiceRef),
    /// The URL itself is not repeated: it may carry credentials.
    #[error("invalid --backend-url: {0}")]
    BackendUrl(String),
    #[error("--backend-service and --backend-url both given: pass one")]
    BackendConflict,
    #[error(
        "invalid --metadata-path {0:?}: it must start with '/', contain {{id}} exactly once, and have no '?' or '#'"
    )]
    MetadataPath(String),
}

impl Settings {
    /// Resolves the trace flags and the raw job id.
    pub fn resolve(raw_id: Option<&str>, args: &TraceArgs) -> Result<Self, SettingsError> {
        let job_id = JobId::parse(raw_id.ok_or(SettingsError::MissingJobId)?)?;
        let label_keys =
            if args.label_keys.is_empty() { vec![DEFAULT_LABEL_KEY.to_string()] } else { args.label_keys.clone() };
        if let Some(bad) = label_keys.iter().find(|k| !is_label_key(k)) {
            return Err(SettingsError::LabelKey(bad.clone()));
        }
        let name_patterns = if args.name_patterns.is_empty() {
            DEFAULT_NAME_PATTERNS.iter().map(|p| p.to_string()).collect()
        } else {
            args.name_patterns.clone()
        };
        if let Some(bad) = name_patterns.iter().find(|p| !is_name_pattern(p)) {
            return Err(SettingsError::NamePattern(bad.clone()));
        }
        if let Some(ns) = &args.namespace {
            if !is_dns_label(ns) {
                return Err(SettingsError::Namespace(ns.clone()));
            }
        }
        Ok(Self {
            job_id,
            kube: KubeTarget {
                kubeconfig: args.kubeconfig.clone(),
                context: args.context.clone(),
                namespace: args.namespace.clone(),
            },
            selector: args.selector.clone().filter(|s| !s.trim().is_empty()),
            label_keys,
            name_patterns,
            output: args.output.unwrap_or(OutputFormat::Table),
            color: decide_color(
                args.color.unwrap_or(ColorChoice::Auto),
                std::io::stdout().is_terminal(),
                std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ),
            request_timeout: parse_duration("--request-timeout", args.request_timeout.as_deref())?
                .unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            timeout: parse_duration("--timeout", args.timeout.as_deref())?.unwrap_or(DEFAULT_TIMEOUT),
            verbose: args.verbose,
            mongo: MongoSettings::resolve(&args.mongo)?,
            logs: resolve_logs(&args.logs)?,
            consumer_service: match &args.logs.consumer_service {
                Some(name) if !is_dns_label(name) => return Err(SettingsError::ServiceName(name.clone())),
                other => other.clone(),
            },
            backend: resolve_backend(&args.backend, std::io::stderr().is_terminal())?,
        })
    }
}

/// Collections searched unless `--mongo-collection` says otherwise.
pub const DEFAULT_MONGO_COLLECTIONS: [&str; 2] = ["jobs", "consumers"];
/// The field holding the job id unless `--mongo-field` says otherwise.
pub const DEFAULT_MONGO_FIELD: &str = "job_id";

/// Where MongoDB is and how to read it, resolved from the `--mongo-*` flags.
#[derive(Debug, Clone)]
pub struct MongoSettings {
    /// False with `--no-mongo`.
    pub enabled: bool,
    /// `--mongo-service NAME[:PORT]`.
    pub service: Option<ServiceRef>,
    /// `--mongo-uri` / `JOBTRACE_MONGO_URI`; shown redacted.
    pub uri: Option<MongoUri>,
    /// Connect to the URI's hosts as they are (no port-forward).
    pub direct: bool,
    /// `--mongo-secret NAME[/KEY]`.
    pub secret: Option<SecretRef>,
    /// `--mongo-db`.
    pub database: Option<String>,
    pub collections: Vec<String>,
    pub field: String,
}

impl Default for MongoSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            service: None,
            uri: None,
            direct: false,
            secret: None,
            database: None,
            collections: DEFAULT_MONGO_COLLECTIONS.iter().map(|c| c.to_string()).collect(),
            field: DEFAULT_MONGO_FIELD.to_string(),
        }
    }
}

/// A Secret and optionally one of its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub name: String,
    pub key: Option<String>,
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}/{key}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A MongoDB connection string. Its text is reachable only through [`MongoUri::expose`];
/// `Debug` and `Display` show it with the user information replaced by `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct MongoUri(String);

impl MongoUri {
    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        let text = text.trim();
        if !(text.starts_with("mongodb://") || text.starts_with("mongodb+srv://")) {
            return Err(SettingsError::MongoUri("it must start with mongodb:// or mongodb+srv://"));
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(SettingsError::MongoUri("it holds spaces or control characters"));
        }
        Ok(Self(text.to_string()))
    }

    /// The full text, credentials included: only for the driver.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The text with any `user:password@` replaced by `***@`.
    pub fn redacted(&self) -> String {
        redact_userinfo(&self.0)
    }
}

impl std::fmt::Debug for MongoUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MongoUri({:?})", self.redacted())
    }
}

impl std::fmt::Display for MongoUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Replaces the user information of every `scheme://user:password@host` in `text` by
/// `***`. Used on the URI and on any text (driver errors) that may quote one.
pub fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // the authority ends at the first '/', '?', '#' or whitespace; its userinfo at the last '@'
        let end = tail.find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace()).unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

impl MongoSettings {
    /// Validates the `--mongo-*` flags.
    pub fn resolve(args: &MongoArgs) -> Result<Self, SettingsError> {
        let bad = |flag: &'static str, value: &str, expected: &'static str| SettingsError::Mongo {
            flag,
            value: value.to_string(),
            expected,
        };
        let service =
            match &args.mongo_service {
                Some(svc) => Some(ServiceRef::parse(svc).map_err(|_| {
                    bad("--mongo-service", svc, "expected NAME or NAME:PORT, e.g. mongo or mongo:27017")
                })?),
                None => None,
            };
        let uri = args.mongo_uri.as_deref().filter(|u| !u.trim().is_empty()).map(MongoUri::parse).transpose()?;
        let secret = match &args.mongo_secret {
            None => None,
            Some(text) => {
                let (name, key) = match text.split_once('/') {
                    Some((n, k)) => (n, Some(k)),
                    None => (text.as_str(), None),
                };
                let key_ok = key.is_none_or(|k| {
                    !k.is_empty() && k.len() <= 253 && k.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
                });
                if !name.split('.').all(is_dns_label) || name.len() > 253 || !key_ok {
                    return Err(bad("--mongo-secret", text, "expected NAME or NAME/KEY, e.g. mongo-auth/password"));
                }
                Some(SecretRef { name: name.to_string(), key: key.map(str::to_string) })
            }
        };
        if let Some(db) = &args.mongo_db {
            if !is_mongo_db_name(db) {
                return Err(bad("--mongo-db", db, "expected a database name (no spaces, '/', '\\', '.', '\"' or '$')"));
            }
        }
        let collections = if args.mongo_collections.is_empty() {
            DEFAULT_MONGO_COLLECTIONS.iter().map(|c| c.to_string()).collect()
        } else {
            args.mongo_collections.clone()
        };
        if let Some(c) = collections.iter().find(|c| !is_mongo_name(c)) {
            return Err(bad("--mongo-collection", c, "expected a collection name (not empty, no '$', not system.*)"));
        }
        let field = args.mongo_field.clone().unwrap_or_else(|| DEFAULT_MONGO_FIELD.to_string());
        if !is_mongo_name(&field) || field.split('.').any(str::is_empty) {
            return Err(bad(
                "--mongo-field",
                &field,
                "expected a field name such as job_id (no '$', no empty path part)",
            ));
        }
        Ok(Self {
            enabled: !args.no_mongo,
            service,
            uri,
            direct: args.mongo_direct,
            secret,
            database: args.mongo_db.clone(),
            collections,
            field,
        })
    }
}

/// A database name mongod accepts: 1-63 bytes, none of `/\. "$` and no NUL.
pub fn is_mongo_db_name(s: &str) -> bool {
    !s.is_empty() && s.len() < 64 && !s.chars().any(|c| "/\\. \"$*<>:|?".contains(c) || c.is_control())
}

/// A collection or field name: not empty, no `$` at the start, no NUL or control
/// character, not a `system.` collection, at most 255 bytes.
pub fn is_mongo_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with('$')
        && !s.contains('$')
        && !s.starts_with("system.")
        && !s.chars().any(|c| c.is_control())
}

fn resolve_logs(args: &crate::cli::LogArgs) -> Result<Option<LogSettings>, SettingsError> {
    if args.no_logs {
        return Ok(None);
    }
    let tail = args.tail.unwrap_or(DEFAULT_LOG_TAIL);
    if tail == 0 {
        return Err(SettingsError::Number { flag: "--tail", value: "0".into(), why: "at least 1 line" });
    }
    let concurrency = args.log_concurrency.unwrap_or(DEFAULT_LOG_CONCURRENCY);
    if !(1..=64).contains(&concurrency) {
        return Err(SettingsError::Number {
            flag: "--log-concurrency",
            value: concurrency.to_string(),
            why: "from 1 to 64",
        });
    }
    Ok(Some(LogSettings {
        since: parse_duration("--since", args.since.as_deref())?.unwrap_or(DEFAULT_LOG_SINCE),
        tail,
        concurrency,
    }))
}

/// Resolves the backend flags (no network).
pub fn resolve_backend(args: &BackendArgs, stderr_is_terminal: bool) -> Result<BackendSettings, SettingsError> {
    let url = args.backend_url.as_deref().filter(|u| !u.trim().is_empty());
    let target = match (args.no_backend, url, args.backend_service.as_deref()) {
        (true, _, _) => BackendTarget::Off,
        (false, Some(_), Some(_)) => return Err(SettingsError::BackendConflict),
        (false, Some(u), None) => BackendTarget::Url(parse_backend_url(u)?),
        (false, None, Some(svc)) => BackendTarget::Service(Some(ServiceRef::parse(svc)?)),
        (false, None, None) => BackendTarget::Service(None),
    };
    let metadata_path = args.metadata_path.clone().unwrap_or_else(|| DEFAULT_METADATA_PATH.to_string());
    if !is_metadata_path(&metadata_path) {
        return Err(SettingsError::MetadataPath(metadata_path));
    }
    Ok(BackendSettings {
        target,
        metadata_path,
        wait: parse_duration("--wait", args.wait.as_deref())?,
        interval: parse_duration("--interval", args.interval.as_deref())?.unwrap_or(DEFAULT_INTERVAL),
        progress: stderr_is_terminal,
    })
}

fn parse_backend_url(text: &str) -> Result<url::Url, SettingsError> {
    let url = url::Url::parse(text.trim()).map_err(|e| SettingsError::BackendUrl(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SettingsError::BackendUrl(format!("scheme {:?} is not http or https", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SettingsError::BackendUrl("no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(SettingsError::BackendUrl("a base URL takes no query or fragment".into()));
    }
    Ok(url)
}

/// A metadata path template: absolute, `{id}` exactly once, no query or fragment.
pub fn is_metadata_path(p: &str) -> bool {
    p.starts_with('/') && p.matches("{id}").count() == 1 && !p.contains(['?', '#'])
}

/// `auto` colours only a terminal, and never when NO_COLOR is set (https://no-color.org).
pub fn decide_color(choice: ColorChoice, stdout_is_terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && !no_color,
    }
}

/// Parses `5s`, `500ms`, `2m`, `1h30m` or a bare number of seconds (as kubectl accepts).
pub fn parse_duration(flag: &'static str, value: Option<&str>) -> Result<Option<Duration>, SettingsError> {
    let Some(value) = value else { return Ok(None) };
    let bad = || SettingsError::Duration { flag, value: value.to_string() };
    let text = value.trim();
    let parsed = match text.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(text).map_err(|_| bad())?,
    };
    if parsed.is_zero() {
        return Err(bad());
    }
    Ok(Some(parsed))
}

/// A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at
/// most 63 characters of `[A-Za-z0-9._-]` starting and ending alphanumeric.
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| p.len() <= 253 && !p.is_empty() && p.split('.').all(is_dns_label));
    name_ok && prefix_ok
}

/// An RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, <= 63.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A name pattern holds `{id}` exactly once and otherwise characters of object names.
pub fn is_name_pattern(p: &str) -> bool {
    p.matches("{id}").count() == 1
        && p.replace("{id}", "").chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_rules() {
        assert!(decide_color(ColorChoice::Auto, true, false));
        assert!(!decide_color(ColorChoice::Auto, true, true));
        assert!(!decide_color(ColorChoice::Auto, false, false));
        assert!(decide_color(ColorChoice::Always, false, true));
        assert!(!decide_color(ColorChoice::Never, true, false));
    }

    #[test]
    fn durations() {
        let d = |v| parse_duration("--timeout", Some(v));
        assert_eq!(d("5s").unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(d("500ms").unwrap(), Some(Duration::from_millis(500)));
        assert_eq!(d("2m").unwrap(), Some(Duration::from_secs(120)));
        assert_eq!(d("7").unwrap(), Some(Duration::from_secs(7)));
        assert!(d("soon").is_err());
        assert!(d("0s").is_err());
        assert!(d("-1s").is_err());
    }

    #[test]
    fn label_keys() {
        for ok in ["job_id", "jobId", "app.kubernetes.io/name", "example.com/job-id"] {
            assert!(is_label_key(ok), "{ok}");
        }
        for bad in ["", "a b", "-x", "x/", "/x", "Exa mple/x", "a=b", "job,id"] {
            assert!(!is_label_key(bad), "{bad}");
        }
    }

    #[test]
    fn name_patterns() {
        assert!(is_name_pattern("grpc-job-{id}"));
        assert!(!is_name_pattern("grpc-job"));
        assert!(!is_name_pattern("{id}-{id}"));
        assert!(!is_name_pattern("Grpc-{id}"));
    }

    #[test]
    fn defaults_fit_the_incident() {
        let s = Settings::resolve(Some("19-7"), &TraceArgs::default()).unwrap();
        assert_eq!(s.label_keys, ["job_id"]);
        assert_eq!(s.name_patterns, ["grpc-job-{id}", "cleanup-job-{id}"]);
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.output, OutputFormat::Table);
    }

    #[test]
    fn rejects_bad_input_before_use() {
        assert!(matches!(Settings::resolve(None, &TraceArgs::default()), Err(SettingsError::MissingJobId)));
        assert!(matches!(Settings::resolve(Some("a,b!=c"), &TraceArgs::default()), Err(SettingsError::JobId(_))));
        let args = TraceArgs { namespace: Some("Panda!".into()), ..Default::default() };
        assert!(matches!(Settings::resolve(Some("19-7"), &args), Err(SettingsError::Namespace(_))));
    }

    fn mongo(args: MongoArgs) -> Result<MongoSettings, SettingsError> {
        MongoSettings::resolve(&args)
    }

    #[test]
    fn mongo_defaults() {
        let m = mongo(MongoArgs::default()).unwrap();
        assert!(m.enabled);
        assert_eq!(m.collections, ["jobs", "consumers"]);
        assert_eq!(m.field, "job_id");
        assert!(!mongo(MongoArgs { no_mongo: true, ..Default::default() }).unwrap().enabled);
    }

    #[test]
    fn mongo_flags_are_validated() {
        let ok = MongoArgs {
            mongo_service: Some("mongo:27017".into()),
            mongo_secret: Some("mongo-auth/mongodb-root-password".into()),
            mongo_db: Some("panda".into()),
            mongo_collections: vec!["jobs".into()],
            mongo_field: Some("meta.job_id".into()),
            ..Default::default()
        };
        let m = mongo(ok).unwrap();
        assert_eq!(m.secret, Some(SecretRef { name: "mongo-auth".into(), key: Some("mongodb-root-password".into()) }));
        for (svc, secret, db, coll, field) in [
            ("Mongo", None, None, None, None),
            ("mongo:0", None, None, None, None),
            ("mongo", Some("a/b/c"), None, None, None),
            ("mongo", None, Some("pan.da"), None, None),
            ("mongo", None, Some("$x"), None, None),
            ("mongo", None, None, Some("$cmd"), None),
            ("mongo", None, None, Some(""), None),
            ("mongo", None, None, None, Some("$where")),
            ("mongo", None, None, None, Some("a..b")),
        ] {
            let args = MongoArgs {
                mongo_service: Some(svc.into()),
                mongo_secret: secret.map(Into::into),
                mongo_db: db.map(Into::into),
                mongo_collections: coll.map(|c: &str| vec![c.to_string()]).unwrap_or_default(),
                mongo_field: field.map(Into::into),
                ..Default::default()
            };
            assert!(mongo(args).is_err(), "{svc} {secret:?} {db:?} {coll:?} {field:?}");
        }
    }

    #[test]
    fn mongo_uri_never_shows_its_password() {
        let uri = MongoUri::parse("mongodb://admin:hunter2@db-0.db:27017,db-1.db/panda?authSource=admin").unwrap();
        for shown in [
            format!("{uri}"),
            format!("{uri:?}"),
            format!("{:?}", mongo(MongoArgs { mongo_uri: Some(uri.expose().into()), ..Default::default() }).unwrap()),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("admin:"), "{shown}");
        }
        assert_eq!(uri.redacted(), "mongodb://***@db-0.db:27017,db-1.db/panda?authSource=admin");
        let err = MongoUri::parse("http://u:hunter2@x").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn userinfo_is_redacted_in_free_text() {
        assert_eq!(
            redact_userinfo("error connecting to mongodb://u:p%40ss@h:1/?x=1: refused, also mongodb+srv://a:b@c"),
            "error connecting to mongodb://***@h:1/?x=1: refused, also mongodb+srv://***@c"
        );
        assert_eq!(redact_userinfo("mongodb://host:27017/db"), "mongodb://host:27017/db");
        assert_eq!(redact_userinfo("no uri here"), "no uri here");
        assert_eq!(redact_userinfo("mongodb://u:p@ss@h/x"), "mongodb://***@h/x");
    }

    #[test]
    fn backend_defaults_and_flags() {
        let b = resolve_backend(&BackendArgs::default(), false).unwrap();
        assert_eq!(b, BackendSettings::default());
        let args = BackendArgs {
            backend_service: Some("backend:http".into()),
            wait: Some("10s".into()),
            interval: Some("250ms".into()),
            metadata_path: Some("/v2/jobs/{id}/meta".into()),
            ..Default::default()
        };
        let b = resolve_backend(&args, true).unwrap();
        assert_eq!(b.target, BackendTarget::Service(Some(ServiceRef::parse("backend:http").unwrap())));
        assert_eq!(b.wait, Some(Duration::from_secs(10)));
        assert_eq!(b.interval, Duration::from_millis(250));
        assert!(b.progress);
        let off = BackendArgs { no_backend: true, backend_service: Some("x".into()), ..Default::default() };
        assert_eq!(resolve_backend(&off, false).unwrap().target, BackendTarget::Off);
        let url = BackendArgs { backend_url: Some("http://localhost:8080/api".into()), ..Default::default() };
        assert!(matches!(resolve_backend(&url, false).unwrap().target, BackendTarget::Url(_)));
    }

    #[test]
    fn backend_flags_are_validated() {
        let bad = |args: BackendArgs| resolve_backend(&args, false).unwrap_err().to_string();
        let both = BackendArgs {
            backend_url: Some("http://x".into()),
            backend_service: Some("b".into()),
            ..Default::default()
        };
        assert!(bad(both).contains("both given"));
        let secret = BackendArgs { backend_url: Some("ftp://user:hunter2@x".into()), ..Default::default() };
        let msg = bad(secret);
        assert!(msg.contains("ftp") && !msg.contains("hunter2"), "{msg}");
        assert!(
            bad(BackendArgs { backend_url: Some("not a url".into()), ..Default::default() }).contains("--backend-url")
        );
        assert!(bad(BackendArgs { backend_service: Some("Back End".into()), ..Default::default() })
            .contains("--backend-service"));
        for p in ["metadata/{id}", "/metadata", "/m/{id}/{id}", "/m/{id}?x=1"] {
            let args = BackendArgs { metadata_path: Some(p.into()), ..Default::default() };
            assert!(bad(args).contains("--metadata-path"), "{p}");
        }
        assert!(bad(BackendArgs { wait: Some("soon".into()), ..Default::default() }).contains("--wait"));
    }
}
