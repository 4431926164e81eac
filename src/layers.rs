//! The settings table: every setting a flag, an environment variable or a config profile
//! can give, declared once in [`settings_table!`]. From that one line per setting come
//! the [`Layer`] (one source's values), the config file's [`Profile`] (the same keys,
//! checked while parsing so a bad value is reported with its line and column), the
//! built-in [`Layer::defaults`], and the [`Merged`] values with their [`Source`].
//!
//! Precedence, highest first: flag > environment variable > profile > default. The merge
//! is field by field: the first layer that sets a setting wins, and the winner's source
//! is recorded for `config view` and for error messages.
//!
//! Adding a setting: add its flag to `cli.rs` (with `env = "JOBTRACE_..."` if an
//! environment variable makes sense), add one line below, and read it in
//! `Settings::build`. The README check (`tests/config.rs`) then asks for its docs.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::cli::{ColorChoice, OutputFormat, TraceArgs};
use crate::settings::checks;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The command line.
    Flag,
    /// An environment variable (its name).
    Env(String),
    /// A profile of the config file (its name).
    Profile(String),
    /// The built-in default.
    Default,
}

impl Source {
    /// Precedence: lower wins.
    pub fn rank(&self) -> u8 {
        match self {
            Source::Flag => 0,
            Source::Env(_) => 1,
            Source::Profile(_) => 2,
            Source::Default => 3,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(var) => write!(f, "env:{var}"),
            Source::Profile(name) => write!(f, "profile:{name}"),
            Source::Default => f.write_str("default"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A merged value, where it came from, and how to name it in an error message
/// (`--timeout`, `JOBTRACE_TIMEOUT`, `timeout in profile panda`).
#[derive(Debug, Clone, PartialEq)]
pub struct Picked<T> {
    pub value: T,
    pub source: Source,
    pub what: String,
}

/// How the text of one setting is checked; shared by every layer.
pub type Check = fn(&str) -> Result<(), String>;

/// A type a setting can have, with its checked deserialisation (the check runs inside
/// the deserializer's visitor, so serde_yaml attaches the value's line and column).
pub trait SettingValue: Sized + Clone + Serialize {
    fn deserialize_checked<'de, D: Deserializer<'de>>(d: D, check: Check, secret: bool) -> Result<Self, D::Error>;
}

struct StrVisitor {
    check: Check,
    secret: bool,
}

impl<'de> Visitor<'de> for StrVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        (self.check)(v).map_err(|why| {
            if self.secret {
                E::custom(format!("invalid value (not shown): {why}"))
            } else {
                E::custom(format!("invalid value {v:?}: {why}"))
            }
        })?;
        Ok(v.to_string())
    }

    // numbers are accepted as text (`timeout: 30` is 30 seconds)
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.visit_str(&v.to_string())
    }
}

impl SettingValue for String {
    fn deserialize_checked<'de, D: Deserializer<'de>>(d: D, check: Check, secret: bool) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor { check, secret })
    }
}

struct CheckedStr(Check);

impl<'de> de::DeserializeSeed<'de> for CheckedStr {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(StrVisitor { check: self.0, secret: false })
    }
}

struct ListVisitor(Check);

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(CheckedStr(self.0))? {
            out.push(item);
        }
        if out.is_empty() {
            return Err(de::Error::custom("an empty list: leave the key out for the default"));
        }
        Ok(out)
    }
}

impl SettingValue for Vec<String> {
    fn deserialize_checked<'de, D: Deserializer<'de>>(d: D, check: Check, _: bool) -> Result<Self, D::Error> {
        d.deserialize_seq(ListVisitor(check))
    }
}

struct NumVisitor<T>(Check, PhantomData<T>);

impl<'de, T: TryFrom<u64>> Visitor<'de> for NumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        (self.0)(&v.to_string()).map_err(|why| E::custom(format!("invalid value {v}: {why}")))?;
        T::try_from(v).map_err(|_| E::custom(format!("invalid value {v}: too large")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Err(E::custom(format!("invalid value {v}: expected a whole number of at least 0")))
    }
}

macro_rules! number_setting {
    ($($t:ty),*) => {$(
        impl SettingValue for $t {
            fn deserialize_checked<'de, D: Deserializer<'de>>(d: D, check: Check, _: bool) -> Result<Self, D::Error> {
                d.deserialize_u64(NumVisitor::<$t>(check, PhantomData))
            }
        }
    )*};
}
number_setting!(u32, usize);

macro_rules! plain_setting {
    ($($t:ty),*) => {$(
        impl SettingValue for $t {
            fn deserialize_checked<'de, D: Deserializer<'de>>(d: D, _: Check, _: bool) -> Result<Self, D::Error> {
                <$t>::deserialize(d)
            }
        }
    )*};
}
plain_setting!(bool, OutputFormat, ColorChoice);

/// A profile's value of one setting, checked while it is parsed (`C` names the setting).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<T, C>(pub T, PhantomData<C>);

/// The check and secrecy of one setting, as a type (one per setting, made by the macro).
pub trait SettingCheck {
    const CHECK: Check;
    const SECRET: bool;
}

impl<'de, T: SettingValue, C: SettingCheck> Deserialize<'de> for Checked<T, C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_checked(d, C::CHECK, C::SECRET).map(|v| Checked(v, PhantomData))
    }
}

/// One row of the effective settings, for `config view`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub key: &'static str,
    /// The value as JSON, secrets redacted; `null` when unset (detected at run time, or
    /// not used).
    pub value: serde_json::Value,
    pub source: Source,
}

/// The JSON form of a value, with any `user:password@` in its text redacted (in every
/// setting, not only the secret ones: a selector or a URL may quote one too).
fn shown<T: Serialize>(value: &T) -> serde_json::Value {
    fn redact(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => serde_json::Value::String(crate::settings::redact_userinfo(&s)),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(redact).collect()),
            other => other,
        }
    }
    redact(serde_json::to_value(value).unwrap_or(serde_json::Value::Null))
}

/// Declares the settings; see the module header.
macro_rules! settings_table {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident: $ty:ty = $default:expr;
            key $key:literal, flag $flag:literal, arg $arg:literal, check $check:path, secret $secret:literal,
            from |$a:ident| $get:expr;
    )*) => {
        /// One source's values: `None` where it says nothing.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Layer {
            $($(#[doc = $doc])* pub $field: Option<$ty>,)*
        }

        /// The check of each setting, as a type, for [`Checked`].
        #[allow(non_camel_case_types)]
        pub mod setting_checks {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[derive(Debug, Clone, PartialEq)]
                pub struct $field;
                impl super::SettingCheck for $field {
                    const CHECK: super::Check = $check;
                    const SECRET: bool = $secret;
                }
            )*
        }

        /// A profile of the config file: what selects it, and its settings (the keys of
        /// [`KEYS`]). Unknown keys, wrong types and bad values fail the parse.
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Profile {
            /// Selected automatically when the namespace traced is one of these.
            #[serde(default)]
            pub namespaces: Vec<String>,
            /// Selected automatically when the kubeconfig context is one of these.
            #[serde(default)]
            pub contexts: Vec<String>,
            $(
                #[serde(rename = $key, default)]
                pub $field: Option<Checked<$ty, setting_checks::$field>>,
            )*
        }

        /// The config keys, in the table's order.
        pub const KEYS: &[&str] = &[$($key),*];
        /// The long flags, in the table's order (`--label-key`, ...).
        pub const FLAGS: &[&str] = &[$($flag),*];
        /// The clap ids of the flags, in the table's order.
        pub const ARGS: &[&str] = &[$($arg),*];

        /// Every setting, each with the value and source of the layer that won.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Merged {
            $(pub $field: Option<Picked<$ty>>,)*
        }

        impl Layer {
            /// The built-in defaults: they fit the incident's layout (`panda`).
            pub fn defaults() -> Self {
                Self { $($field: $default,)* }
            }

            /// The profile's values.
            pub fn from_profile(p: &Profile) -> Self {
                Self { $($field: p.$field.as_ref().map(|c| c.0.clone()),)* }
            }

            /// The command line split by where clap took each value from: the flag
            /// itself, or its environment variable (`args.from_env`).
            pub fn from_args(args: &TraceArgs) -> (Self, Self) {
                let (mut flags, mut env) = (Self::default(), Self::default());
                $(
                    let value: Option<$ty> = { let $a = args; $get };
                    if args.from_env.contains_key($arg) {
                        env.$field = value;
                    } else {
                        flags.$field = value;
                    }
                )*
                (flags, env)
            }
        }

        impl Merged {
            /// Field by field, the first layer (highest precedence first) that sets a value wins.
            pub fn merge(layers: &[(Source, &Layer)], env_vars: &BTreeMap<String, String>) -> Self {
                let what = |source: &Source, key: &str, flag: &str, arg: &str| match source {
                    Source::Flag => flag.to_string(),
                    Source::Env(_) => env_vars.get(arg).cloned().unwrap_or_else(|| flag.to_string()),
                    Source::Profile(p) => format!("{key} in profile {p}"),
                    Source::Default => format!("default {key}"),
                };
                Self {$(
                    $field: layers.iter().find_map(|(source, layer)| {
                        layer.$field.clone().map(|value| Picked {
                            value,
                            source: match source {
                                Source::Env(_) => Source::Env(env_vars.get($arg).cloned().unwrap_or_default()),
                                other => other.clone(),
                            },
                            what: what(source, $key, $flag, $arg),
                        })
                    }),
                )*}
            }

            /// Every setting as a row: key, shown value (secrets redacted), source.
            pub fn rows(&self) -> Vec<Row> {
                vec![$(
                    Row {
                        key: $key,
                        value: self.$field.as_ref().map(|p| shown(&p.value)).unwrap_or(serde_json::Value::Null),
                        source: self.$field.as_ref().map_or(Source::Default, |p| p.source.clone()),
                    },
                )*]
            }
        }
    };
}

use crate::settings as s;

fn owned(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|x| x.to_string()).collect())
}

fn text(v: &Option<String>) -> Option<String> {
    v.clone()
}

fn list(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn on(v: bool) -> Option<bool> {
    v.then_some(true)
}

settings_table! {
    /// Extra label selector ANDed into pod and Job lookups.
    selector: String = None;
        key "selector", flag "--selector", arg "selector", check checks::any, secret false,
        from |a| text(&a.selector);
    /// Label keys expected to carry the job id.
    label_keys: Vec<String> = owned(&[s::DEFAULT_LABEL_KEY]);
        key "label-keys", flag "--label-key", arg "label_keys", check checks::label_key, secret false,
        from |a| list(&a.label_keys);
    /// Name patterns with one `{id}`.
    name_patterns: Vec<String> = owned(&s::DEFAULT_NAME_PATTERNS);
        key "name-patterns", flag "--name-pattern", arg "name_patterns", check checks::name_pattern, secret false,
        from |a| list(&a.name_patterns);
    /// Output format.
    output: OutputFormat = Some(OutputFormat::Table);
        key "output", flag "--output", arg "output", check checks::any, secret false,
        from |a| a.output;
    /// When to colour.
    color: ColorChoice = Some(ColorChoice::Auto);
        key "color", flag "--color", arg "color", check checks::any, secret false,
        from |a| a.color;
    /// One API request's timeout.
    request_timeout: String = Some(s::DEFAULT_REQUEST_TIMEOUT_TEXT.into());
        key "request-timeout", flag "--request-timeout", arg "request_timeout", check checks::duration, secret false,
        from |a| text(&a.request_timeout);
    /// The whole run's timeout.
    timeout: String = Some(s::DEFAULT_TIMEOUT_TEXT.into());
        key "timeout", flag "--timeout", arg "timeout", check checks::duration, secret false,
        from |a| text(&a.timeout);
    /// How far back logs are read.
    since: String = Some(s::DEFAULT_LOG_SINCE_TEXT.into());
        key "since", flag "--since", arg "since", check checks::duration, secret false,
        from |a| text(&a.logs.since);
    /// Lines read per container.
    tail: u32 = Some(s::DEFAULT_LOG_TAIL);
        key "tail", flag "--tail", arg "tail", check checks::tail, secret false,
        from |a| a.logs.tail;
    /// Container logs read at once.
    log_concurrency: usize = Some(s::DEFAULT_LOG_CONCURRENCY);
        key "log-concurrency", flag "--log-concurrency", arg "log_concurrency", check checks::log_concurrency,
        secret false, from |a| a.logs.log_concurrency;
    /// Read no logs.
    no_logs: bool = Some(false);
        key "no-logs", flag "--no-logs", arg "no_logs", check checks::any, secret false,
        from |a| on(a.logs.no_logs);
    /// The consumer service's Service name (detected when unset).
    consumer_service: String = None;
        key "consumer-service", flag "--consumer-service", arg "consumer_service", check checks::service_name,
        secret false, from |a| text(&a.logs.consumer_service);
    /// The backend Service (detected when unset).
    backend_service: String = None;
        key "backend-service", flag "--backend-service", arg "backend_service", check checks::service_ref,
        secret false, from |a| text(&a.backend.backend_service);
    /// The backend's base URL (instead of a port-forward).
    backend_url: String = None;
        key "backend-url", flag "--backend-url", arg "backend_url", check checks::backend_url, secret true,
        from |a| text(&a.backend.backend_url).filter(|u| !u.trim().is_empty());
    /// The metadata path template.
    metadata_path: String = Some(s::DEFAULT_METADATA_PATH.into());
        key "metadata-path", flag "--metadata-path", arg "metadata_path", check checks::metadata_path, secret false,
        from |a| text(&a.backend.metadata_path);
    /// Poll the backend this long (ask once when unset).
    wait: String = None;
        key "wait", flag "--wait", arg "wait", check checks::duration, secret false,
        from |a| text(&a.backend.wait);
    /// Time between polls.
    interval: String = Some(s::DEFAULT_INTERVAL_TEXT.into());
        key "interval", flag "--interval", arg "interval", check checks::duration, secret false,
        from |a| text(&a.backend.interval);
    /// Do not ask the backend.
    no_backend: bool = Some(false);
        key "no-backend", flag "--no-backend", arg "no_backend", check checks::any, secret false,
        from |a| on(a.backend.no_backend);
    /// The MongoDB Service (detected when unset).
    mongo_service: String = None;
        key "mongo-service", flag "--mongo-service", arg "mongo_service", check checks::service_ref, secret false,
        from |a| text(&a.mongo.mongo_service);
    /// The Mongo connection string (shown redacted).
    mongo_uri: String = None;
        key "mongo-uri", flag "--mongo-uri", arg "mongo_uri", check checks::mongo_uri, secret true,
        from |a| text(&a.mongo.mongo_uri).filter(|u| !u.trim().is_empty());
    /// Connect to the URI's hosts as they are.
    mongo_direct: bool = Some(false);
        key "mongo-direct", flag "--mongo-direct", arg "mongo_direct", check checks::any, secret false,
        from |a| on(a.mongo.mongo_direct);
    /// The Secret holding the Mongo credentials.
    mongo_secret: String = None;
        key "mongo-secret", flag "--mongo-secret", arg "mongo_secret", check checks::secret_ref, secret false,
        from |a| text(&a.mongo.mongo_secret);
    /// The database to search (all holding the collections when unset).
    mongo_db: String = None;
        key "mongo-db", flag "--mongo-db", arg "mongo_db", check checks::mongo_db, secret false,
        from |a| text(&a.mongo.mongo_db);
    /// The collections to look the id up in.
    mongo_collections: Vec<String> = owned(&s::DEFAULT_MONGO_COLLECTIONS);
        key "mongo-collections", flag "--mongo-collection", arg "mongo_collections", check checks::mongo_collection,
        secret false, from |a| list(&a.mongo.mongo_collections);
    /// The field holding the job id.
    mongo_field: String = Some(s::DEFAULT_MONGO_FIELD.into());
        key "mongo-field", flag "--mongo-field", arg "mongo_field", check checks::mongo_field, secret false,
        from |a| text(&a.mongo.mongo_field);
    /// Do not look in MongoDB.
    no_mongo: bool = Some(false);
        key "no-mongo", flag "--no-mongo", arg "no_mongo", check checks::any, secret false,
        from |a| on(a.mongo.no_mongo);
}
