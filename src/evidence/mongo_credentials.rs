//! MongoDB credentials: where they come from and how they are kept out of every output.
//!
//! The first source that applies wins: `--mongo-uri` / `JOBTRACE_MONGO_URI` (when it
//! carries a user), `--mongo-secret NAME[/KEY]`, the Mongo pod's own environment
//! (`MONGO_INITDB_ROOT_USERNAME`/`_PASSWORD`, `MONGODB_ROOT_USER`/`_PASSWORD`,
//! `MONGODB_USERNAME`/`_PASSWORD`, ...), following `valueFrom.secretKeyRef` and reading only
//! the referenced keys; else no authentication. A Secret that may not be read (403) is not
//! fatal: it is recorded as a problem that tells the user to pass `--mongo-uri`.
//!
//! Values live in [`Password`], whose `Debug` is redacted; the report only names the source
//! ([`Credentials::label`]: `uri-flag`, `secret:<name>/<key>`, `pod-env`, `none`). Any text
//! that may quote a credential (driver errors) goes through [`Credentials::scrub`].

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod, Secret};
use kube::Api;

use super::{SourceError, TraceContext};
use crate::settings::{redact_userinfo, SecretRef};

/// A password. `Debug` never shows it; [`Password::expose`] hands it to the driver only.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A user and password to authenticate with, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPassword {
    pub user: String,
    pub password: Password,
    /// The authentication database (`admin` unless the source says otherwise).
    pub auth_db: Option<String>,
}

/// What the trace logs in with.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub login: Option<UserPassword>,
    /// A connection string found in a Secret (used like `--mongo-uri`, host replaced).
    pub secret_uri: Option<Password>,
    /// `uri-flag`, `secret:<name>/<key>`, `pod-env` or `none`.
    pub label: String,
    /// Why a source that should have applied could not be read (no values in it).
    pub problem: Option<String>,
}

impl Credentials {
    pub fn none() -> Self {
        Self { label: "none".into(), ..Default::default() }
    }

    /// `text` with every credential value and URI user information replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = redact_userinfo(text);
        let mut secrets: Vec<&str> = Vec::new();
        if let Some(l) = &self.login {
            secrets.push(l.password.expose());
        }
        if let Some(u) = &self.secret_uri {
            secrets.push(u.expose());
        }
        for s in secrets.into_iter().filter(|s| s.len() >= 3) {
            out = out.replace(s, "***");
        }
        out
    }
}

/// Environment variable pairs (user, password) that official and common MongoDB images
/// read, most specific first; the user variable may be absent (Bitnami's root is `root`).
pub const ENV_PAIRS: &[(&str, &str, Option<&str>)] = &[
    ("MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD", None),
    ("MONGODB_ROOT_USER", "MONGODB_ROOT_PASSWORD", Some("root")),
    ("MONGODB_ROOT_USERNAME", "MONGODB_ROOT_PASSWORD", Some("root")),
    ("MONGODB_ADMIN_USER", "MONGODB_ADMIN_PASSWORD", Some("admin")),
    ("MONGODB_USERNAME", "MONGODB_PASSWORD", None),
    ("MONGODB_USER", "MONGODB_PASSWORD", None),
    ("MONGO_USERNAME", "MONGO_PASSWORD", None),
    ("MONGO_USER", "MONGO_PASSWORD", None),
];

/// Env variables naming the database a non-root user belongs to (its auth database).
const ENV_DATABASE: &[&str] = &["MONGODB_DATABASE", "MONGO_INITDB_DATABASE", "MONGO_DATABASE"];

/// Where an env variable's value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Literal(String),
    SecretKey { name: String, key: String },
}

/// The credential variables of a pod, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvCredentials {
    pub container: String,
    pub user: EnvValue,
    pub password: EnvValue,
    /// Set for non-root users: the database they authenticate against.
    pub auth_db: Option<EnvValue>,
}

fn env_value(env: &[EnvVar], name: &str) -> Option<EnvValue> {
    let var = env.iter().find(|e| e.name == name)?;
    if let Some(v) = &var.value {
        return Some(EnvValue::Literal(v.clone()));
    }
    let r = var.value_from.as_ref()?.secret_key_ref.as_ref()?;
    Some(EnvValue::SecretKey { name: r.name.clone(), key: r.key.clone() })
}

/// Finds credential variables in the pod's containers (the one serving `port` first).
pub fn env_credentials(pod: &Pod, port: u16) -> Option<EnvCredentials> {
    let spec = pod.spec.as_ref()?;
    let serves = |c: &Container| c.ports.iter().flatten().any(|p| p.container_port == i32::from(port));
    let mut containers: Vec<&Container> = spec.containers.iter().collect();
    containers.sort_by_key(|c| !serves(c));
    containers.into_iter().find_map(|c| {
        let env = c.env.as_deref().unwrap_or_default();
        ENV_PAIRS.iter().find_map(|(user_var, pw_var, default_user)| {
            let password = env_value(env, pw_var)?;
            let user = env_value(env, user_var).or_else(|| default_user.map(|u| EnvValue::Literal(u.to_string())))?;
            let root = user_var.contains("ROOT") || user_var.contains("ADMIN");
            let auth_db = if root { None } else { ENV_DATABASE.iter().find_map(|v| env_value(env, v)) };
            Some(EnvCredentials { container: c.name.clone(), user, password, auth_db })
        })
    })
}

/// Secret keys that hold a whole connection string.
pub const URI_KEYS: &[&str] =
    &["uri", "connectionString", "connection-string", "connection_string", "MONGO_URI", "MONGODB_URI", "mongodb-uri"];
/// Secret keys that hold a user name.
pub const USER_KEYS: &[&str] = &[
    "username",
    "user",
    "MONGO_INITDB_ROOT_USERNAME",
    "MONGODB_ROOT_USER",
    "MONGODB_USERNAME",
    "mongodb-root-user",
    "mongodb-username",
];
/// Secret keys that hold a password.
pub const PASSWORD_KEYS: &[&str] = &[
    "password",
    "MONGO_INITDB_ROOT_PASSWORD",
    "MONGODB_ROOT_PASSWORD",
    "MONGODB_PASSWORD",
    "mongodb-root-password",
    "mongodb-password",
];

/// What a Secret (already fetched) yields for `--mongo-secret NAME[/KEY]`: a connection
/// string, or a user and password. Only the named or well-known keys are decoded.
pub fn from_secret(secret_ref: &SecretRef, data: &BTreeMap<String, Vec<u8>>) -> Result<Credentials, String> {
    let text = |key: &str| -> Option<String> {
        data.get(key).map(|v| String::from_utf8_lossy(v).trim_end_matches(['\n', '\r']).to_string())
    };
    let first = |keys: &[&str]| keys.iter().find_map(|k| text(k).map(|v| (k.to_string(), v)));
    let label = |key: &str| format!("secret:{}/{key}", secret_ref.name);
    let (key, value) = match &secret_ref.key {
        Some(k) => (k.clone(), text(k).ok_or_else(|| format!("Secret {} has no key {k}", secret_ref.name))?),
        None => first(URI_KEYS).or_else(|| first(PASSWORD_KEYS)).ok_or_else(|| {
            format!(
                "Secret {} has none of the keys {} or {}: pass --mongo-secret {}/KEY",
                secret_ref.name,
                URI_KEYS.join(", "),
                PASSWORD_KEYS.join(", "),
                secret_ref.name
            )
        })?,
    };
    if value.starts_with("mongodb://") || value.starts_with("mongodb+srv://") {
        return Ok(Credentials { secret_uri: Some(Password::new(value)), label: label(&key), ..Default::default() });
    }
    let user = first(USER_KEYS).map(|(_, u)| u).unwrap_or_else(|| "root".to_string());
    Ok(Credentials {
        login: Some(UserPassword { user, password: Password::new(value), auth_db: None }),
        label: label(&key),
        ..Default::default()
    })
}

/// Why a Secret could not be used. Messages name the Secret, never its values.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("reading Secret {name} is forbidden: pass the credentials with --mongo-uri (or JOBTRACE_MONGO_URI)")]
    Forbidden { name: String },
    #[error("Secret {name}: {detail}")]
    Other { name: String, detail: String },
}

/// Reads the Secret `name` (one GET) and returns its data.
pub async fn fetch_secret(ctx: &TraceContext, name: &str) -> Result<BTreeMap<String, Vec<u8>>, SecretError> {
    let api: Api<Secret> = Api::namespaced(ctx.cluster.client.clone(), ctx.namespace());
    match api.get(name).await {
        Ok(s) => Ok(s.data.unwrap_or_default().into_iter().map(|(k, v)| (k, v.0)).collect()),
        Err(e) => {
            let e = SourceError::from_kube(&format!("get secret {name}"), e);
            if e.is_forbidden() {
                Err(SecretError::Forbidden { name: name.to_string() })
            } else {
                Err(SecretError::Other { name: name.to_string(), detail: e.to_string() })
            }
        }
    }
}

/// Reads one env value, from the Secrets already read when it references one (only `key` is used).
fn read_env(secrets: &BTreeMap<&str, BTreeMap<String, Vec<u8>>>, v: &EnvValue) -> Result<String, SecretError> {
    match v {
        EnvValue::Literal(s) => Ok(s.clone()),
        EnvValue::SecretKey { name, key } => {
            let data = secrets
                .get(name.as_str())
                .ok_or_else(|| SecretError::Other { name: name.clone(), detail: "was not read".into() })?;
            data.get(key)
                .map(|v| String::from_utf8_lossy(v).to_string())
                .ok_or_else(|| SecretError::Other { name: name.clone(), detail: format!("has no key {key}") })
        }
    }
}

/// Credentials from `--mongo-secret`, else from the Mongo pod's env (`pod`: the object the
/// Service resolution read, and the port it serves); `has_uri_login` says the URI already
/// carries a user (then nothing is read).
pub async fn resolve(
    ctx: &TraceContext,
    has_uri_login: bool,
    secret: Option<&SecretRef>,
    pod: Option<(&Pod, u16)>,
) -> Credentials {
    if has_uri_login {
        return Credentials { label: "uri-flag".into(), ..Default::default() };
    }
    if let Some(secret_ref) = secret {
        return match fetch_secret(ctx, &secret_ref.name).await {
            Ok(data) => from_secret(secret_ref, &data)
                .unwrap_or_else(|problem| Credentials { problem: Some(problem), ..Credentials::none() }),
            Err(e) => Credentials { problem: Some(e.to_string()), ..Credentials::none() },
        };
    }
    let Some((pod, port)) = pod else {
        tracing::debug!("mongo: the Mongo pod could not be read, so neither could its env");
        return Credentials::none();
    };
    let Some(env) = env_credentials(pod, port) else { return Credentials::none() };
    tracing::debug!(container = %env.container, "mongo: credentials from the pod's env");
    let read = async {
        // Each Secret the variables name is read once, all at once (user and password
        // usually come from the same one).
        let mut names: Vec<&str> = [Some(&env.user), Some(&env.password), env.auth_db.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|v| match v {
                EnvValue::SecretKey { name, .. } => Some(name.as_str()),
                EnvValue::Literal(_) => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        let fetched = futures::future::try_join_all(names.iter().map(|n| fetch_secret(ctx, n))).await?;
        let secrets: BTreeMap<&str, BTreeMap<String, Vec<u8>>> = names.into_iter().zip(fetched).collect();
        let user = read_env(&secrets, &env.user)?;
        let password = read_env(&secrets, &env.password)?;
        let auth_db = env.auth_db.as_ref().map(|v| read_env(&secrets, v)).transpose()?;
        Ok::<_, SecretError>(UserPassword { user, password: Password::new(password), auth_db })
    };
    match read.await {
        Ok(login) => Credentials { login: Some(login), label: "pod-env".into(), ..Default::default() },
        Err(e) => Credentials { problem: Some(e.to_string()), ..Credentials::none() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn env_credentials_follow_secret_refs() {
        let p = pod(r#"
metadata: {name: mongo-0}
spec:
  containers:
    - name: sidecar
      env: [{name: MONGODB_PASSWORD, value: not-this}]
    - name: mongo
      ports: [{containerPort: 27017}]
      env:
        - {name: MONGO_INITDB_ROOT_USERNAME, value: root}
        - name: MONGO_INITDB_ROOT_PASSWORD
          valueFrom: {secretKeyRef: {name: mongo-auth, key: root-password}}
"#);
        let c = env_credentials(&p, 27017).unwrap();
        assert_eq!(c.container, "mongo");
        assert_eq!(c.user, EnvValue::Literal("root".into()));
        assert_eq!(c.password, EnvValue::SecretKey { name: "mongo-auth".into(), key: "root-password".into() });
        assert_eq!(c.auth_db, None);
    }

    #[test]
    fn bitnami_root_defaults_to_root_and_app_users_to_their_db() {
        let p = pod(r#"
spec:
  containers:
    - name: mongodb
      env:
        - {name: MONGODB_ROOT_PASSWORD, value: x}
"#);
        assert_eq!(env_credentials(&p, 27017).unwrap().user, EnvValue::Literal("root".into()));
        let p = pod(r#"
spec:
  containers:
    - name: mongodb
      env:
        - {name: MONGODB_USERNAME, value: app}
        - {name: MONGODB_PASSWORD, value: x}
        - {name: MONGODB_DATABASE, value: panda}
"#);
        assert_eq!(env_credentials(&p, 27017).unwrap().auth_db, Some(EnvValue::Literal("panda".into())));
        assert!(env_credentials(&pod("spec: {containers: [{name: m, env: [{name: X, value: y}]}]}"), 1).is_none());
    }

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect()
    }

    #[test]
    fn secrets_yield_a_uri_or_a_login_and_name_the_key() {
        let r = SecretRef { name: "mongo-auth".into(), key: None };
        let c = from_secret(&r, &data(&[("username", "app"), ("password", "pw-1\n"), ("other", "x")])).unwrap();
        assert_eq!(c.label, "secret:mongo-auth/password");
        let login = c.login.unwrap();
        assert_eq!((login.user.as_str(), login.password.expose()), ("app", "pw-1"));
        let c = from_secret(&r, &data(&[("uri", "mongodb://u:p@h/db")])).unwrap();
        assert_eq!(c.label, "secret:mongo-auth/uri");
        assert!(c.secret_uri.is_some());
        let keyed = SecretRef { name: "s".into(), key: Some("pw".into()) };
        assert_eq!(from_secret(&keyed, &data(&[("pw", "x")])).unwrap().login.unwrap().user, "root");
        let err = from_secret(&keyed, &data(&[("other", "secret-value")])).unwrap_err();
        assert!(!err.contains("secret-value"));
        assert!(from_secret(&r, &data(&[("token", "x")])).unwrap_err().contains("--mongo-secret mongo-auth/KEY"));
    }

    #[test]
    fn nothing_shows_a_password() {
        let c = Credentials {
            login: Some(UserPassword { user: "root".into(), password: Password::new("hunter2"), auth_db: None }),
            label: "pod-env".into(),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(
            c.scrub("auth failed for mongodb://root:hunter2@127.0.0.1:5/ (hunter2)"),
            "auth failed for mongodb://***@127.0.0.1:5/ (***)"
        );
    }
}
