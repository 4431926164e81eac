//! Settings: the command line, the environment and the config file resolved once into
//! the values a trace runs with. Every default is decided here (the defaults layer of
//! `layers.rs`) and nowhere else, including whether to use colour.
//!
//! Resolution is two steps, both without network: [`Effective::gather`] locates and
//! reads the config file, reads the kubeconfig file for the namespace and context that
//! select a profile, and merges the layers (flag > env > profile > default) recording
//! where each value came from; [`Settings::build`] then checks every merged value and
//! turns it into its typed form. An error names the layer the bad value came from.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::cli::{ColorChoice, OutputFormat, TraceArgs};
use crate::config::{self, ConfigError, ConfigView, FileView, KubeView, Location, ProfileChoice};
use crate::evidence::logs::LogSettings;
use crate::evidence::services::ServiceRef;
use crate::jobid::{InvalidJobId, JobId};
use crate::layers::{Layer, Merged, Picked, Source};

/// Label key that carries the job id unless `--label-key` says otherwise.
pub const DEFAULT_LABEL_KEY: &str = "job_id";
/// Name patterns of the incident's layout unless `--name-pattern` says otherwise.
pub const DEFAULT_NAME_PATTERNS: [&str; 2] = ["grpc-job-{id}", "cleanup-job-{id}"];
/// Whole-run timeout unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT_TEXT: &str = "30s";
/// One API request's timeout unless `--request-timeout` says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT_TEXT: &str = "10s";
/// How far back logs are read unless `--since` says otherwise.
pub const DEFAULT_LOG_SINCE_TEXT: &str = "1h";
/// Lines read per container unless `--tail` says otherwise.
pub const DEFAULT_LOG_TAIL: u32 = 2000;
/// Container logs read at once unless `--log-concurrency` says otherwise.
pub const DEFAULT_LOG_CONCURRENCY: usize = 8;
/// The backend's metadata path unless `--metadata-path` says otherwise.
pub const DEFAULT_METADATA_PATH: &str = "/metadata/{id}";
/// Time between backend polls under `--wait` unless `--interval` says otherwise.
pub const DEFAULT_INTERVAL_TEXT: &str = "1s";
/// Collections searched unless `--mongo-collection` says otherwise.
pub const DEFAULT_MONGO_COLLECTIONS: [&str; 2] = ["jobs", "consumers"];
/// The field holding the job id unless `--mongo-field` says otherwise.
pub const DEFAULT_MONGO_FIELD: &str = "job_id";

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
    /// The config profile applied, and why.
    pub profile: Option<ProfileChoice>,
}

/// Input that cannot be turned into settings. Each message is one line.
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error(transparent)]
    JobId(#[from] InvalidJobId),
    #[error("no job id given: usage is `kubectl jobtrace JOB_ID [-n NAMESPACE]` (see --help)")]
    MissingJobId,
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `what` names the layer: `--timeout`, `JOBTRACE_TIMEOUT`, `timeout in profile panda`.
    #[error("invalid {what} {value:?}: {why}")]
    Invalid { what: String, value: String, why: String },
    /// A value that may hold a password is never repeated.
    #[error("invalid {what}: {why} (the value is not shown: it may hold a password)")]
    InvalidSecret { what: String, why: String },
    #[error("invalid --namespace {0:?}: expected a namespace name (lowercase letters, digits and '-')")]
    Namespace(String),
    #[error("{0} and {1} both given: pass one")]
    BackendConflict(String, String),
    #[error("{0} needs a Mongo URI (--mongo-uri, JOBTRACE_MONGO_URI or mongo-uri in a profile)")]
    DirectWithoutUri(String),
}

/// What the terminal and environment say about colour and progress lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
    /// NO_COLOR is set and not empty.
    pub no_color: bool,
}

impl Terminal {
    pub fn detect() -> Self {
        Self {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// The merged layers before checking: every setting's value and source, the config file
/// and the profile. What `config view` shows; what [`Settings::build`] checks.
#[derive(Debug, Clone)]
pub struct Effective {
    pub config: Location,
    /// Whether the config file was found and read.
    pub config_found: bool,
    pub profile: Option<ProfileChoice>,
    pub merged: Merged,
    pub kube: KubeTarget,
    pub verbose: u8,
    pub terminal: Terminal,
}

impl Effective {
    /// Reads the config file and the kubeconfig file (no network) and merges the layers.
    pub fn gather(args: &TraceArgs) -> Result<Self, SettingsError> {
        let location = Location::of(args);
        let loaded = location.load()?;
        let target = kube_target(args);
        // the profile is needed before the namespace is: it comes from the kubeconfig file
        let view = if loaded.is_some() { crate::cluster::view(&target) } else { KubeView::default() };
        Self::from_parts(args, location, loaded.as_ref(), &view, Terminal::detect())
    }

    /// The merge, from inputs already read (pure; the unit tests' entry point).
    pub fn from_parts(
        args: &TraceArgs,
        location: Location,
        loaded: Option<&config::Loaded>,
        view: &KubeView,
        terminal: Terminal,
    ) -> Result<Self, SettingsError> {
        let requested = args.profile.as_deref().filter(|p| !p.is_empty()).map(|name| {
            let why = args.from_env.get("profile").cloned().unwrap_or_else(|| "--profile".to_string());
            (name, why)
        });
        let profile = config::select(loaded, requested, view)?;
        let profile_layer = match (&profile, loaded) {
            (Some(choice), Some(l)) => Layer::from_profile(&l.file.profiles[&choice.name]),
            _ => Layer::default(),
        };
        let (flags, env) = Layer::from_args(args);
        let profile_source = Source::Profile(profile.as_ref().map(|p| p.name.clone()).unwrap_or_default());
        let merged = Merged::merge(
            &[
                (Source::Flag, &flags),
                (Source::Env(String::new()), &env),
                (profile_source, &profile_layer),
                (Source::Default, &Layer::defaults()),
            ],
            &args.from_env,
        );
        Ok(Self {
            config: location,
            config_found: loaded.is_some(),
            profile,
            merged,
            kube: kube_target(args),
            verbose: args.verbose,
            terminal,
        })
    }

    /// Checks every value, as a trace would (`config view` refuses what a trace refuses).
    pub fn check(&self) -> Result<(), SettingsError> {
        Settings::build(JobId::parse("config-check").expect("a valid id"), self).map(drop)
    }

    /// The output format chosen (for `config view` itself).
    pub fn output_format(&self) -> OutputFormat {
        must(&self.merged.output).value
    }

    /// What `config view` shows: every setting, its value (secrets redacted) and source.
    pub fn view(&self) -> ConfigView {
        ConfigView {
            config_file: FileView {
                path: self.config.path.clone(),
                source: self.config.source.clone(),
                found: self.config_found,
            },
            profile: self.profile.clone(),
            settings: self.merged.rows(),
        }
    }
}

fn kube_target(args: &TraceArgs) -> KubeTarget {
    KubeTarget { kubeconfig: args.kubeconfig.clone(), context: args.context.clone(), namespace: args.namespace.clone() }
}

/// The value of a setting the defaults layer always sets.
fn must<T>(p: &Option<Picked<T>>) -> &Picked<T> {
    p.as_ref().expect("the defaults layer sets every setting that has a default")
}

fn check_text(p: &Picked<String>, check: checks::Check, secret: bool) -> Result<(), SettingsError> {
    check(&p.value).map_err(|why| match secret {
        true => SettingsError::InvalidSecret { what: p.what.clone(), why },
        false => SettingsError::Invalid { what: p.what.clone(), value: p.value.clone(), why },
    })
}

fn check_list(p: &Picked<Vec<String>>, check: checks::Check) -> Result<(), SettingsError> {
    for v in &p.value {
        check(v).map_err(|why| SettingsError::Invalid { what: p.what.clone(), value: v.clone(), why })?;
    }
    Ok(())
}

fn duration(p: &Picked<String>) -> Result<Duration, SettingsError> {
    parse_duration(&p.value).map_err(|why| SettingsError::Invalid { what: p.what.clone(), value: p.value.clone(), why })
}

fn number<T: ToString>(p: &Picked<T>, check: checks::Check) -> Result<(), SettingsError> {
    let text = p.value.to_string();
    check(&text).map_err(|why| SettingsError::Invalid { what: p.what.clone(), value: text, why })
}

impl Settings {
    /// Resolves everything for a trace of `raw_id`: reads the config and kubeconfig files
    /// (no network), merges the layers, checks the values.
    pub fn resolve(raw_id: Option<&str>, args: &TraceArgs) -> Result<Self, SettingsError> {
        let job_id = JobId::parse(raw_id.ok_or(SettingsError::MissingJobId)?)?;
        Self::build(job_id, &Effective::gather(args)?)
    }

    /// Checks the merged values and turns them into settings.
    pub fn build(job_id: JobId, eff: &Effective) -> Result<Self, SettingsError> {
        let m = &eff.merged;
        if let Some(ns) = &eff.kube.namespace {
            if !is_dns_label(ns) {
                return Err(SettingsError::Namespace(ns.clone()));
            }
        }
        let label_keys = must(&m.label_keys);
        check_list(label_keys, checks::label_key)?;
        let name_patterns = must(&m.name_patterns);
        check_list(name_patterns, checks::name_pattern)?;
        let consumer_service = match &m.consumer_service {
            Some(p) => Some(check_text(p, checks::service_name, false).map(|_| p.value.clone())?),
            None => None,
        };
        Ok(Self {
            job_id,
            kube: eff.kube.clone(),
            selector: m.selector.as_ref().map(|p| p.value.clone()).filter(|s| !s.trim().is_empty()),
            label_keys: label_keys.value.clone(),
            name_patterns: name_patterns.value.clone(),
            output: must(&m.output).value,
            color: decide_color(must(&m.color).value, eff.terminal.stdout, eff.terminal.no_color),
            request_timeout: duration(must(&m.request_timeout))?,
            timeout: duration(must(&m.timeout))?,
            verbose: eff.verbose,
            mongo: mongo(m)?,
            logs: logs(m)?,
            consumer_service,
            backend: backend(m, eff.terminal.stderr)?,
            profile: eff.profile.clone(),
        })
    }

    /// How the report is printed.
    pub fn rendering(&self) -> (OutputFormat, bool) {
        (self.output, self.color)
    }
}

fn logs(m: &Merged) -> Result<Option<LogSettings>, SettingsError> {
    if must(&m.no_logs).value {
        return Ok(None);
    }
    let tail = must(&m.tail);
    number(tail, checks::tail)?;
    let concurrency = must(&m.log_concurrency);
    number(concurrency, checks::log_concurrency)?;
    Ok(Some(LogSettings { since: duration(must(&m.since))?, tail: tail.value, concurrency: concurrency.value }))
}

fn backend(m: &Merged, stderr_is_terminal: bool) -> Result<BackendSettings, SettingsError> {
    // a URL and a Service from different layers: the higher layer wins; from one: a conflict
    let (url, service) = match (&m.backend_url, &m.backend_service) {
        (Some(u), Some(s)) if u.source == s.source => {
            return Err(SettingsError::BackendConflict(s.what.clone(), u.what.clone()))
        }
        (Some(u), Some(s)) if u.source.rank() < s.source.rank() => (Some(u), None),
        (Some(_), Some(s)) => (None, Some(s)),
        (u, s) => (u.as_ref(), s.as_ref()),
    };
    let target = if must(&m.no_backend).value {
        BackendTarget::Off
    } else if let Some(u) = url {
        check_text(u, checks::backend_url, true)?;
        BackendTarget::Url(parse_backend_url(&u.value).expect("checked"))
    } else if let Some(s) = service {
        check_text(s, checks::service_ref, false)?;
        BackendTarget::Service(Some(ServiceRef::parse(&s.value).expect("checked")))
    } else {
        BackendTarget::Service(None)
    };
    let metadata_path = must(&m.metadata_path);
    check_text(metadata_path, checks::metadata_path, false)?;
    Ok(BackendSettings {
        target,
        metadata_path: metadata_path.value.clone(),
        wait: m.wait.as_ref().map(duration).transpose()?,
        interval: duration(must(&m.interval))?,
        progress: stderr_is_terminal,
    })
}

fn mongo(m: &Merged) -> Result<MongoSettings, SettingsError> {
    let service = match &m.mongo_service {
        Some(p) => {
            check_text(p, checks::service_ref, false)?;
            Some(ServiceRef::parse(&p.value).expect("checked"))
        }
        None => None,
    };
    let uri = match &m.mongo_uri {
        Some(p) => {
            check_text(p, checks::mongo_uri, true)?;
            Some(MongoUri::parse(&p.value).expect("checked"))
        }
        None => None,
    };
    let direct = must(&m.mongo_direct);
    if direct.value && uri.is_none() {
        return Err(SettingsError::DirectWithoutUri(direct.what.clone()));
    }
    let secret = match &m.mongo_secret {
        Some(p) => {
            check_text(p, checks::secret_ref, false)?;
            Some(parse_secret_ref(&p.value).expect("checked"))
        }
        None => None,
    };
    if let Some(p) = &m.mongo_db {
        check_text(p, checks::mongo_db, false)?;
    }
    let collections = must(&m.mongo_collections);
    check_list(collections, checks::mongo_collection)?;
    let field = must(&m.mongo_field);
    check_text(field, checks::mongo_field, false)?;
    Ok(MongoSettings {
        enabled: !must(&m.no_mongo).value,
        service,
        uri,
        direct: direct.value,
        secret,
        database: m.mongo_db.as_ref().map(|p| p.value.clone()),
        collections: collections.value.clone(),
        field: field.value.clone(),
    })
}

/// How each setting's text is checked. Shared by every layer: the config file runs them
/// while parsing (for line and column), [`Settings::build`] on the merged values.
pub mod checks {
    use super::*;

    /// A check: `Err` holds what was expected.
    pub type Check = crate::layers::Check;

    pub fn any(_: &str) -> Result<(), String> {
        Ok(())
    }

    fn expect(ok: bool, why: &str) -> Result<(), String> {
        if ok {
            Ok(())
        } else {
            Err(why.to_string())
        }
    }

    pub fn label_key(s: &str) -> Result<(), String> {
        expect(is_label_key(s), "expected a label key such as job_id or example.com/job-id")
    }

    pub fn name_pattern(s: &str) -> Result<(), String> {
        expect(
            is_name_pattern(s),
            "it must contain {id} once and otherwise only lowercase letters, digits, '-' and '.'",
        )
    }

    pub fn duration(s: &str) -> Result<(), String> {
        parse_duration(s).map(drop)
    }

    pub fn tail(s: &str) -> Result<(), String> {
        expect(s.parse::<u32>().is_ok_and(|n| n >= 1), "expected at least 1 line")
    }

    pub fn log_concurrency(s: &str) -> Result<(), String> {
        expect(s.parse::<usize>().is_ok_and(|n| (1..=64).contains(&n)), "expected a number from 1 to 64")
    }

    pub fn service_name(s: &str) -> Result<(), String> {
        expect(is_dns_label(s), "expected a Service name")
    }

    pub fn service_ref(s: &str) -> Result<(), String> {
        expect(
            ServiceRef::parse(s).is_ok(),
            "expected NAME or NAME:PORT, NAME a Service name and PORT a number or port name",
        )
    }

    pub fn backend_url(s: &str) -> Result<(), String> {
        parse_backend_url(s).map(drop)
    }

    pub fn metadata_path(s: &str) -> Result<(), String> {
        expect(is_metadata_path(s), "it must start with '/', contain {id} exactly once, and have no '?' or '#'")
    }

    pub fn mongo_uri(s: &str) -> Result<(), String> {
        MongoUri::parse(s).map(drop).map_err(|e| e.to_string())
    }

    pub fn secret_ref(s: &str) -> Result<(), String> {
        parse_secret_ref(s).map(drop)
    }

    pub fn mongo_db(s: &str) -> Result<(), String> {
        expect(is_mongo_db_name(s), "expected a database name (no spaces, '/', '\\', '.', '\"' or '$')")
    }

    pub fn mongo_collection(s: &str) -> Result<(), String> {
        expect(is_mongo_name(s), "expected a collection name (not empty, no '$', not system.*)")
    }

    pub fn mongo_field(s: &str) -> Result<(), String> {
        expect(
            is_mongo_name(s) && !s.split('.').any(str::is_empty),
            "expected a field name such as job_id (no '$', no empty path part)",
        )
    }
}

/// `NAME` or `NAME/KEY` of a Secret.
fn parse_secret_ref(text: &str) -> Result<SecretRef, String> {
    let (name, key) = match text.split_once('/') {
        Some((n, k)) => (n, Some(k)),
        None => (text, None),
    };
    let key_ok = key.is_none_or(|k| {
        !k.is_empty() && k.len() <= 253 && k.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    });
    if !name.split('.').all(is_dns_label) || name.len() > 253 || !key_ok {
        return Err("expected NAME or NAME/KEY, e.g. mongo-auth/password".into());
    }
    Ok(SecretRef { name: name.to_string(), key: key.map(str::to_string) })
}

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

/// Why a Mongo URI is refused (the URI itself is never quoted: it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct InvalidMongoUri(pub &'static str);

/// A MongoDB connection string. Its text is reachable only through [`MongoUri::expose`];
/// `Debug` and `Display` show it with the user information replaced by `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct MongoUri(String);

impl MongoUri {
    pub fn parse(text: &str) -> Result<Self, InvalidMongoUri> {
        let text = text.trim();
        if !(text.starts_with("mongodb://") || text.starts_with("mongodb+srv://")) {
            return Err(InvalidMongoUri("it must start with mongodb:// or mongodb+srv://"));
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InvalidMongoUri("it holds spaces or control characters"));
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

fn parse_backend_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a base URL takes no query or fragment".into());
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

/// Parses `5s`, `500ms`, `2m`, `1h30m` or a bare number of seconds (as kubectl accepts);
/// `Err` says what was expected.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let bad = || "expected a duration such as 500ms, 5s, 2m or a number of seconds".to_string();
    let text = value.trim();
    let parsed = match text.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(text).map_err(|_| bad())?,
    };
    if parsed.is_zero() {
        return Err(bad());
    }
    Ok(parsed)
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
mod tests;
