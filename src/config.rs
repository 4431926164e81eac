//! The config file: where it is, its format, how a profile is chosen, and `config init`.
//!
//! The file is `dirs::config_dir()/kubectl-jobtrace/config.yaml` unless `--config PATH` or
//! `JOBTRACE_CONFIG` names another. It holds named profiles; each profile has the
//! settings of [`crate::layers::KEYS`] (the long flags without `--`, repeatable ones as a
//! list) and what selects it automatically (`namespaces`, `contexts`). The whole file is
//! parsed and checked before anything uses it: unknown keys, wrong types and bad values
//! are errors with the file, line and column, and nothing of a bad file applies.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cli::TraceArgs;
use crate::layers::{Profile, Source};

/// The file name under the config folder.
pub const FILE: &str = "kubectl-jobtrace/config.yaml";

/// The config file's content.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// The profile used when neither `--profile` nor a namespace or context selects one.
    #[serde(default)]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// A config file that was read, and from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub path: PathBuf,
    pub file: ConfigFile,
}

/// Which file is used and who said so.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// `None` when there is no config folder (no HOME) and no `--config`.
    pub path: Option<PathBuf>,
    /// `flag` (`--config`), `env:JOBTRACE_CONFIG` or `default`.
    pub source: Source,
}

impl Location {
    /// `--config` / `JOBTRACE_CONFIG`, else the default path.
    pub fn of(args: &TraceArgs) -> Self {
        match args.config.as_ref().filter(|p| !p.as_os_str().is_empty()) {
            Some(path) => Self {
                path: Some(path.clone()),
                source: match args.from_env.get("config") {
                    Some(var) => Source::Env(var.clone()),
                    None => Source::Flag,
                },
            },
            None => Self { path: dirs::config_dir().map(|d| d.join(FILE)), source: Source::Default },
        }
    }

    /// Reads the file. A missing file is no config at the default path, and an error
    /// when the user named it.
    pub fn load(&self) -> Result<Option<Loaded>, ConfigError> {
        let Some(path) = &self.path else { return Ok(None) };
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(Loaded { path: path.clone(), file: parse(path, &text)? })),
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.source == Source::Default => Ok(None),
            Err(source) => Err(ConfigError::Read { path: path.clone(), source }),
        }
    }
}

/// Why the config cannot be used. Each message is one line naming the file.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("no profile {name:?} in {} (profiles: {})", path.display(), list(available))]
    NoSuchProfile { name: String, path: PathBuf, available: Vec<String> },
    #[error("--profile {0:?} given but there is no config file (see `kubectl jobtrace config path`)")]
    NoConfig(String),
    #[error("profiles {} in {} all match {what}: keep it in one, or pass --profile", list(names), path.display())]
    Ambiguous { names: Vec<String>, what: String, path: PathBuf },
    #[error("{} exists: pass --force to overwrite it", .0.display())]
    Exists(PathBuf),
    #[error("no config folder (HOME unset?): pass --config PATH")]
    NoPath,
    #[error("cannot write config file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Parses and checks a config file's text; `path` is for the messages.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    // a file of comments only (or nothing) is an empty config
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(ConfigFile::default());
    }
    let file: ConfigFile = serde_yaml::from_str(text).map_err(|e| located(path, &e))?;
    if let Some(name) = &file.default_profile {
        if !file.profiles.contains_key(name) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "default-profile {name:?} names no profile (profiles: {})",
                    list(&file.profiles.keys().cloned().collect::<Vec<_>>())
                ),
            });
        }
    }
    Ok(file)
}

/// serde_yaml's error as `file:line:column: message` (without serde_yaml's own
/// " at line L column C" suffix).
fn located(path: &Path, e: &serde_yaml::Error) -> ConfigError {
    let text = e.to_string();
    match e.location() {
        Some(loc) => {
            let suffix = format!(" at line {} column {}", loc.line(), loc.column());
            let message = text.replace(&suffix, "");
            ConfigError::Parse { path: path.to_path_buf(), line: loc.line(), column: loc.column(), message }
        }
        None => ConfigError::Invalid { path: path.to_path_buf(), message: text },
    }
}

/// The profile in use and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChoice {
    pub name: String,
    /// Why: `--profile`, `JOBTRACE_PROFILE`, `namespace panda matches`, ...
    pub reason: String,
}

/// The namespace and context a run will use, as far as the kubeconfig file says (read
/// without any network); what profiles are selected by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeView {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// Chooses the profile: the one asked for (`requested`: name and who asked), else the
/// one listing the namespace, else the one listing the context, else `default-profile`.
pub fn select(
    config: Option<&Loaded>,
    requested: Option<(&str, String)>,
    kube: &KubeView,
) -> Result<Option<ProfileChoice>, ConfigError> {
    let Some(Loaded { path, file }) = config else {
        return match requested {
            Some((name, _)) => Err(ConfigError::NoConfig(name.to_string())),
            None => Ok(None),
        };
    };
    if let Some((name, why)) = requested {
        if !file.profiles.contains_key(name) {
            return Err(ConfigError::NoSuchProfile {
                name: name.to_string(),
                path: path.clone(),
                available: file.profiles.keys().cloned().collect(),
            });
        }
        return Ok(Some(ProfileChoice { name: name.to_string(), reason: why }));
    }
    type Listed = fn(&Profile) -> &Vec<String>;
    let by: [(&str, Option<&String>, Listed); 2] = [
        ("namespace", kube.namespace.as_ref(), |p| &p.namespaces),
        ("context", kube.context.as_ref(), |p| &p.contexts),
    ];
    for (kind, value, listed) in by {
        let Some(value) = value else { continue };
        let names: Vec<String> =
            file.profiles.iter().filter(|(_, p)| listed(p).contains(value)).map(|(n, _)| n.clone()).collect();
        match names.as_slice() {
            [] => {}
            [one] => return Ok(Some(ProfileChoice { name: one.clone(), reason: format!("{kind} {value} matches") })),
            _ => return Err(ConfigError::Ambiguous { names, what: format!("{kind} {value}"), path: path.clone() }),
        }
    }
    Ok(file
        .default_profile
        .as_ref()
        .map(|name| ProfileChoice { name: name.clone(), reason: "default-profile of the config file".into() }))
}

/// What `config view` shows: the file, the profile and why, every setting with its value
/// (secrets redacted) and source. Serialised as JSON/YAML with `settings` keyed by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigView {
    pub config_file: FileView,
    pub profile: Option<ProfileChoice>,
    #[serde(serialize_with = "rows_as_map")]
    pub settings: Vec<crate::layers::Row>,
}

/// The config file in use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileView {
    pub path: Option<PathBuf>,
    /// `flag`, `env:JOBTRACE_CONFIG` or `default`.
    pub source: Source,
    pub found: bool,
}

fn rows_as_map<S: serde::Serializer>(rows: &[crate::layers::Row], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    #[derive(Serialize)]
    struct Entry<'a> {
        value: &'a serde_json::Value,
        source: &'a Source,
    }
    let mut map = s.serialize_map(Some(rows.len()))?;
    for r in rows {
        map.serialize_entry(r.key, &Entry { value: &r.value, source: &r.source })?;
    }
    map.end()
}

/// Writes the commented starter file, refusing to overwrite one without `force`.
pub fn init(location: &Location, force: bool) -> Result<PathBuf, ConfigError> {
    let path = location.path.clone().ok_or(ConfigError::NoPath)?;
    if path.exists() && !force {
        return Err(ConfigError::Exists(path));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Write { path: path.clone(), source })?;
    }
    std::fs::write(&path, TEMPLATE).map_err(|source| ConfigError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// What `config init` writes: the incident's layout as a profile, every key documented.
pub const TEMPLATE: &str = r#"# kubectl-jobtrace configuration, written by `kubectl jobtrace config init`.
#
# A profile holds the settings of one layout of services, labels and collections.
# One profile is used per run: --profile NAME (or JOBTRACE_PROFILE), else the profile
# whose `namespaces` lists the namespace traced, else the one whose `contexts` lists the
# kubeconfig context, else `default-profile`. For each setting the order is:
#   flag > environment variable (JOBTRACE_*) > profile > built-in default.
# Keys are the long flags without `--`; repeatable flags take a list (label-keys, ...).
# Durations: 500ms, 5s, 2m, 1h30m or a number of seconds.
# See what applies, and where each value comes from: `kubectl jobtrace config view`.

# default-profile: panda

profiles:
  # The layout of incident 19-7 (namespace panda). The values set are the defaults.
  panda:
    namespaces: [panda]
    # contexts: [prod-eu]

    # --- which pods and Jobs belong to a job id
    label-keys: [job_id]
    name-patterns: ["grpc-job-{id}", "cleanup-job-{id}"]
    # selector: team=panda

    # --- the backend: GET <metadata-path> through a port-forward to the Service
    # backend-service: backend:8080
    # backend-url: http://localhost:8080     # instead of a port-forward
    metadata-path: /metadata/{id}
    # wait: 30s                              # poll until 200 for this long
    # interval: 1s
    # no-backend: true
    # consumer-service: consumer

    # --- MongoDB: the job and consumer records
    # mongo-service: mongo:27017
    # mongo-secret: mongo-auth/mongodb-root-password
    # mongo-uri: mongodb://user:password@mongo:27017/panda   # always shown redacted
    # mongo-direct: true                     # connect to the URI's hosts, no port-forward
    # mongo-db: panda
    mongo-collections: [jobs, consumers]
    mongo-field: job_id
    # no-mongo: true

    # --- logs
    # since: 1h
    # tail: 2000
    # log-concurrency: 8
    # no-logs: true

    # --- the run
    # request-timeout: 10s
    # timeout: 30s
    # output: table                          # table, wide, json or yaml
    # color: auto                            # auto, always or never
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Layer, KEYS};

    fn parse_err(text: &str) -> String {
        parse(Path::new("/etc/jt.yaml"), text).unwrap_err().to_string()
    }

    #[test]
    fn the_template_loads_and_documents_every_key() {
        let file = parse(Path::new("t"), TEMPLATE).unwrap();
        let panda = &file.profiles["panda"];
        assert_eq!(panda.namespaces, ["panda"]);
        let layer = Layer::from_profile(panda);
        assert_eq!(layer.label_keys.as_deref(), Some(&["job_id".to_string()][..]));
        for key in KEYS {
            assert!(TEMPLATE.contains(&format!(" {key}: ")), "the template lacks {key}");
        }
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_configs() {
        assert_eq!(parse(Path::new("x"), "").unwrap(), ConfigFile::default());
        assert_eq!(parse(Path::new("x"), "# nothing\n\n  # here\n").unwrap(), ConfigFile::default());
    }

    #[test]
    fn unknown_keys_name_file_line_and_column() {
        let msg = parse_err("profiles:\n  panda:\n    namespaces: [panda]\n    label-key: [x]\n");
        assert!(msg.starts_with("/etc/jt.yaml:4:"), "{msg}");
        assert!(msg.contains("unknown field `label-key`"), "{msg}");
        let msg = parse_err("profile:\n  panda: {}\n");
        assert!(msg.starts_with("/etc/jt.yaml:1:1:"), "{msg}");
    }

    #[test]
    fn wrong_types_name_file_line_and_column() {
        let msg = parse_err("profiles:\n  panda:\n    tail: lots\n");
        assert!(msg.starts_with("/etc/jt.yaml:3:11:"), "{msg}");
        let msg = parse_err("profiles:\n  panda:\n    label-keys: job_id\n");
        assert!(msg.starts_with("/etc/jt.yaml:3:17:"), "{msg}");
        let msg = parse_err("profiles:\n  panda:\n    output: html\n");
        assert!(msg.starts_with("/etc/jt.yaml:3:13:") && msg.contains("html"), "{msg}");
    }

    #[test]
    fn bad_values_name_file_line_and_column() {
        let msg = parse_err("profiles:\n  panda:\n    timeout: soon\n");
        assert_eq!(
            msg,
            "/etc/jt.yaml:3:14: profiles.panda.timeout: invalid value \"soon\": expected a duration such as \
             500ms, 5s, 2m or a number of seconds"
        );
        let msg = parse_err("profiles:\n  panda:\n    label-keys: [job_id, 'a b']\n");
        assert!(msg.starts_with("/etc/jt.yaml:3:26:") && msg.contains("\"a b\""), "{msg}");
        let msg = parse_err("profiles:\n  panda:\n    tail: 0\n");
        assert!(msg.starts_with("/etc/jt.yaml:3:11:"), "{msg}");
        let msg = parse_err("profiles:\n  p:\n    mongo-uri: 'http://u:hunter2@x'\n");
        assert!(msg.starts_with("/etc/jt.yaml:3:16:") && !msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn default_profile_must_exist() {
        let msg = parse_err("default-profile: nope\nprofiles:\n  panda: {}\n");
        assert!(msg.contains("nope") && msg.contains("panda"), "{msg}");
    }

    fn loaded(text: &str) -> Loaded {
        Loaded { path: "/c.yaml".into(), file: parse(Path::new("/c.yaml"), text).unwrap() }
    }

    #[test]
    fn profile_selection_order() {
        let c = loaded(
            "default-profile: base\nprofiles:\n  base: {}\n  panda: {namespaces: [panda]}\n  prod: {contexts: [prod]}\n",
        );
        let view = |ns: &str, ctx: &str| KubeView { namespace: Some(ns.into()), context: Some(ctx.into()) };
        let pick = |req: Option<(&str, String)>, v: KubeView| select(Some(&c), req, &v).unwrap().unwrap();
        assert_eq!(
            pick(None, view("panda", "prod")),
            ProfileChoice { name: "panda".into(), reason: "namespace panda matches".into() }
        );
        assert_eq!(pick(None, view("other", "prod")).reason, "context prod matches");
        assert_eq!(pick(None, view("other", "dev")).name, "base");
        assert_eq!(pick(Some(("prod", "--profile".into())), view("panda", "dev")).name, "prod");
        assert!(matches!(
            select(Some(&c), Some(("nope", "--profile".into())), &view("a", "b")),
            Err(ConfigError::NoSuchProfile { .. })
        ));
        assert!(matches!(
            select(None, Some(("x", "--profile".into())), &KubeView::default()),
            Err(ConfigError::NoConfig(_))
        ));
        assert_eq!(select(None, None, &KubeView::default()).unwrap(), None);
        let two = loaded("profiles:\n  a: {namespaces: [panda]}\n  b: {namespaces: [panda]}\n");
        let err = select(Some(&two), None, &view("panda", "x")).unwrap_err().to_string();
        assert!(err.contains("a, b") && err.contains("namespace panda"), "{err}");
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location { path: Some(dir.path().join("sub/config.yaml")), source: Source::Flag };
        let path = init(&loc, false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
        assert!(matches!(init(&loc, false), Err(ConfigError::Exists(_))));
        std::fs::write(&path, "x").unwrap();
        init(&loc, true).unwrap();
        assert!(loc.load().unwrap().unwrap().file.profiles.contains_key("panda"));
    }

    #[test]
    fn a_missing_file_is_an_error_only_when_named() {
        let missing = PathBuf::from("/nonexistent/jobtrace.yaml");
        assert_eq!(Location { path: Some(missing.clone()), source: Source::Default }.load().unwrap(), None);
        let err = Location { path: Some(missing), source: Source::Flag }.load().unwrap_err();
        assert!(err.to_string().contains("/nonexistent/jobtrace.yaml"), "{err}");
    }
}
