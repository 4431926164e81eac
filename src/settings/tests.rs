//! Unit tests of the settings: the layers and their precedence, profile selection,
//! provenance, the checks (naming the layer a bad value came from) and redaction.

use std::path::Path;

use super::*;
use crate::cli::{BackendArgs, LogArgs, MongoArgs};
use crate::config::{parse, Loaded};
use crate::layers::{self, Row};

const PANDA: &str = "profiles:
  panda:
    namespaces: [panda]
    label-keys: [job-name]
    timeout: 20s
    tail: 300
    mongo-uri: mongodb://admin:hunter2@mongo:27017/panda
  prod:
    contexts: [prod-eu]
    name-patterns: [\"worker-{id}\"]
    timeout: 40s
";

fn loaded(text: &str) -> Loaded {
    Loaded { path: "/cfg.yaml".into(), file: parse(Path::new("/cfg.yaml"), text).unwrap() }
}

fn location() -> config::Location {
    config::Location { path: Some("/cfg.yaml".into()), source: Source::Default }
}

fn view(ns: &str, ctx: &str) -> KubeView {
    KubeView { namespace: Some(ns.into()), context: Some(ctx.into()) }
}

fn effective(args: &TraceArgs, config: Option<&str>, kube: KubeView) -> Result<Effective, SettingsError> {
    let l = config.map(loaded);
    Effective::from_parts(args, location(), l.as_ref(), &kube, Terminal::default())
}

fn settings(args: &TraceArgs, config: Option<&str>, kube: KubeView) -> Result<Settings, SettingsError> {
    Settings::build(JobId::parse("19-7").unwrap(), &effective(args, config, kube)?)
}

fn with_env(mut args: TraceArgs, id: &str, var: &str) -> TraceArgs {
    args.from_env.insert(id.into(), var.into());
    args
}

fn row<'a>(rows: &'a [Row], key: &str) -> &'a Row {
    rows.iter().find(|r| r.key == key).unwrap_or_else(|| panic!("no row {key}"))
}

#[test]
fn defaults_fit_the_incident() {
    let s = settings(&TraceArgs::default(), None, KubeView::default()).unwrap();
    assert_eq!(s.label_keys, ["job_id"]);
    assert_eq!(s.name_patterns, ["grpc-job-{id}", "cleanup-job-{id}"]);
    assert_eq!(s.timeout, Duration::from_secs(30));
    assert_eq!(s.request_timeout, Duration::from_secs(10));
    assert_eq!(s.output, OutputFormat::Table);
    let logs = s.logs.unwrap();
    assert_eq!((logs.since, logs.tail, logs.concurrency), (Duration::from_secs(3600), 2000, 8));
    assert_eq!(s.backend.metadata_path, "/metadata/{id}");
    assert_eq!(s.backend.interval, Duration::from_secs(1));
    assert_eq!(s.backend.target, BackendTarget::Service(None));
    assert_eq!(s.mongo.collections, ["jobs", "consumers"]);
    assert_eq!(s.mongo.field, "job_id");
    assert!(s.mongo.enabled && s.profile.is_none());
}

#[test]
fn every_setting_with_a_default_is_set_by_the_defaults_layer() {
    let m = Merged::merge(&[(Source::Default, &Layer::defaults())], &Default::default());
    let unset: Vec<&str> = m.rows().iter().filter(|r| r.value.is_null()).map(|r| r.key).collect();
    // the ones without a default are detected at run time or simply not used
    assert_eq!(
        unset,
        [
            "selector",
            "consumer-service",
            "backend-service",
            "backend-url",
            "wait",
            "mongo-service",
            "mongo-uri",
            "mongo-secret",
            "mongo-db"
        ]
    );
}

#[test]
fn the_table_matches_the_command_line() {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    for (flag, id) in layers::FLAGS.iter().zip(layers::ARGS) {
        let arg = cmd.get_arguments().find(|a| a.get_id().as_str() == *id).unwrap_or_else(|| panic!("no arg {id}"));
        assert_eq!(format!("--{}", arg.get_long().unwrap()), *flag);
    }
}

/// Flags that are not settings of a profile: they say where the cluster and the config
/// are, or how chatty the tool is.
const NOT_IN_PROFILES: [&str; 8] =
    ["namespace", "context", "kubeconfig", "verbose", "config", "profile", "help", "version"];

#[test]
fn every_trace_flag_is_a_setting_or_explicitly_not() {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    let orphans: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !NOT_IN_PROFILES.contains(l) && !layers::FLAGS.contains(&format!("--{l}").as_str()))
        .map(str::to_string)
        .collect();
    assert!(orphans.is_empty(), "add these flags to the settings table in layers.rs: {orphans:?}");
}

#[test]
fn each_layer_overrides_the_next() {
    let cfg = Some(PANDA);
    let panda = || view("panda", "dev");
    // default < profile
    let s = settings(&TraceArgs::default(), cfg, panda()).unwrap();
    assert_eq!(s.timeout, Duration::from_secs(20));
    // profile < env
    let env = with_env(TraceArgs { timeout: Some("25s".into()), ..Default::default() }, "timeout", "JOBTRACE_TIMEOUT");
    assert_eq!(settings(&env, cfg, panda()).unwrap().timeout, Duration::from_secs(25));
    // env < flag: clap gives one value per flag; the flag layer wins over the env layer
    let eff = effective(&env, cfg, panda()).unwrap();
    assert_eq!(row(&eff.view().settings, "timeout").source, Source::Env("JOBTRACE_TIMEOUT".into()));
    let (flags, env_layer) = Layer::from_args(&env);
    assert_eq!((flags.timeout, env_layer.timeout.as_deref()), (None, Some("25s")));
    let both = Merged::merge(
        &[
            (Source::Flag, &Layer { timeout: Some("5s".into()), ..Default::default() }),
            (Source::Env(String::new()), &env_layer),
            (Source::Profile("panda".into()), &Layer { timeout: Some("20s".into()), ..Default::default() }),
            (Source::Default, &Layer::defaults()),
        ],
        &env.from_env,
    );
    assert_eq!(both.timeout.as_ref().map(|p| (p.value.as_str(), &p.source)), Some(("5s", &Source::Flag)));
    let flag = TraceArgs { timeout: Some("5s".into()), ..Default::default() };
    assert_eq!(settings(&flag, cfg, panda()).unwrap().timeout, Duration::from_secs(5));
    // a list from a flag replaces the profile's list (not appended)
    let keys = TraceArgs { label_keys: vec!["job_id".into()], ..Default::default() };
    assert_eq!(settings(&keys, cfg, panda()).unwrap().label_keys, ["job_id"]);
    assert_eq!(settings(&TraceArgs::default(), cfg, panda()).unwrap().label_keys, ["job-name"]);
}

#[test]
fn profiles_are_selected_by_namespace_context_or_name() {
    let cfg = Some(PANDA);
    let s = settings(&TraceArgs::default(), cfg, view("panda", "prod-eu")).unwrap();
    let p = s.profile.unwrap();
    assert_eq!((p.name.as_str(), p.reason.as_str()), ("panda", "namespace panda matches"));
    let s = settings(&TraceArgs::default(), cfg, view("default", "prod-eu")).unwrap();
    assert_eq!(s.profile.unwrap().reason, "context prod-eu matches");
    assert_eq!(s.name_patterns, ["worker-{id}"]);
    assert_eq!(s.timeout, Duration::from_secs(40));
    assert!(settings(&TraceArgs::default(), cfg, view("default", "dev")).unwrap().profile.is_none());
    let by_name = TraceArgs { profile: Some("prod".into()), ..Default::default() };
    let s = settings(&by_name, cfg, view("panda", "dev")).unwrap();
    assert_eq!(s.profile.unwrap(), ProfileChoice { name: "prod".into(), reason: "--profile".into() });
    let by_env = with_env(by_name, "profile", "JOBTRACE_PROFILE");
    assert_eq!(settings(&by_env, cfg, view("panda", "dev")).unwrap().profile.unwrap().reason, "JOBTRACE_PROFILE");
    let missing = TraceArgs { profile: Some("nope".into()), ..Default::default() };
    let err = settings(&missing, cfg, view("panda", "dev")).unwrap_err().to_string();
    assert!(err.contains("nope") && err.contains("panda, prod"), "{err}");
}

#[test]
fn provenance_of_every_layer() {
    let args = TraceArgs {
        logs: LogArgs { since: Some("2h".into()), ..Default::default() },
        request_timeout: Some("3s".into()),
        ..Default::default()
    };
    let args = with_env(args, "request_timeout", "JOBTRACE_REQUEST_TIMEOUT");
    let rows = effective(&args, Some(PANDA), view("panda", "x")).unwrap().view().settings;
    assert_eq!(row(&rows, "since").source, Source::Flag);
    assert_eq!(row(&rows, "request-timeout").source, Source::Env("JOBTRACE_REQUEST_TIMEOUT".into()));
    assert_eq!(row(&rows, "timeout").source, Source::Profile("panda".into()));
    assert_eq!(row(&rows, "tail").value, serde_json::json!(300));
    assert_eq!(row(&rows, "interval").source, Source::Default);
    assert_eq!(
        row(&rows, "mongo-db"),
        &Row { key: "mongo-db", value: serde_json::Value::Null, source: Source::Default }
    );
    assert_eq!(rows.len(), layers::KEYS.len());
}

#[test]
fn secrets_are_redacted_in_the_view_and_in_debug() {
    let eff = effective(&TraceArgs::default(), Some(PANDA), view("panda", "x")).unwrap();
    let v = eff.view();
    assert_eq!(row(&v.settings, "mongo-uri").value, "mongodb://***@mongo:27017/panda");
    for shown in [serde_json::to_string(&v).unwrap(), serde_yaml::to_string(&v).unwrap()] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    let s = Settings::build(JobId::parse("19-7").unwrap(), &eff).unwrap();
    assert_eq!(s.mongo.uri.as_ref().unwrap().expose(), "mongodb://admin:hunter2@mongo:27017/panda");
    assert!(!format!("{s:?}").contains("hunter2"));
    let url = TraceArgs {
        backend: BackendArgs { backend_url: Some("http://u:tok3n@backend:8080".into()), ..Default::default() },
        ..Default::default()
    };
    let v = effective(&url, None, KubeView::default()).unwrap().view();
    assert_eq!(row(&v.settings, "backend-url").value, "http://***@backend:8080");
}

#[test]
fn bad_values_name_the_layer_they_came_from() {
    let err = |args: &TraceArgs, cfg: Option<&str>| settings(args, cfg, view("panda", "x")).unwrap_err().to_string();
    let flag = TraceArgs { timeout: Some("soon".into()), ..Default::default() };
    assert_eq!(
        err(&flag, None),
        "invalid --timeout \"soon\": expected a duration such as 500ms, 5s, 2m or a number of seconds"
    );
    let env = with_env(flag, "timeout", "JOBTRACE_TIMEOUT");
    assert!(err(&env, None).starts_with("invalid JOBTRACE_TIMEOUT \"soon\""));
    let keys = TraceArgs { label_keys: vec!["a b".into()], ..Default::default() };
    assert!(err(&keys, None).starts_with("invalid --label-key \"a b\""));
    let uri = TraceArgs {
        mongo: MongoArgs { mongo_uri: Some("http://u:hunter2@x".into()), ..Default::default() },
        ..Default::default()
    };
    let e = err(&uri, None);
    assert!(e.contains("--mongo-uri") && !e.contains("hunter2"), "{e}");
    let ns = TraceArgs { namespace: Some("Panda!".into()), ..Default::default() };
    assert!(matches!(settings(&ns, None, KubeView::default()), Err(SettingsError::Namespace(_))));
    let direct = TraceArgs { mongo: MongoArgs { mongo_direct: true, ..Default::default() }, ..Default::default() };
    assert!(err(&direct, None).contains("--mongo-direct needs a Mongo URI"));
    // a URI from the profile satisfies --mongo-direct
    assert!(settings(&direct, Some(PANDA), view("panda", "x")).unwrap().mongo.direct);
}

#[test]
fn job_id_is_checked_first() {
    assert!(matches!(Settings::resolve(None, &TraceArgs::default()), Err(SettingsError::MissingJobId)));
    assert!(matches!(Settings::resolve(Some("a,b!=c"), &TraceArgs::default()), Err(SettingsError::JobId(_))));
}

#[test]
fn colour_rules() {
    assert!(decide_color(ColorChoice::Auto, true, false));
    assert!(!decide_color(ColorChoice::Auto, true, true));
    assert!(!decide_color(ColorChoice::Auto, false, false));
    assert!(decide_color(ColorChoice::Always, false, true));
    assert!(!decide_color(ColorChoice::Never, true, false));
    let never = TraceArgs { color: Some(ColorChoice::Always), ..Default::default() };
    assert!(settings(&never, None, KubeView::default()).unwrap().color);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
    for bad in ["soon", "0s", "-1s", ""] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn label_keys_and_name_patterns() {
    for ok in ["job_id", "jobId", "app.kubernetes.io/name", "example.com/job-id"] {
        assert!(is_label_key(ok), "{ok}");
    }
    for bad in ["", "a b", "-x", "x/", "/x", "Exa mple/x", "a=b", "job,id"] {
        assert!(!is_label_key(bad), "{bad}");
    }
    assert!(is_name_pattern("grpc-job-{id}"));
    assert!(!is_name_pattern("grpc-job"));
    assert!(!is_name_pattern("{id}-{id}"));
    assert!(!is_name_pattern("Grpc-{id}"));
}

fn mongo_of(args: MongoArgs) -> Result<MongoSettings, SettingsError> {
    settings(&TraceArgs { mongo: args, ..Default::default() }, None, KubeView::default()).map(|s| s.mongo)
}

#[test]
fn mongo_flags_are_validated() {
    assert!(!mongo_of(MongoArgs { no_mongo: true, ..Default::default() }).unwrap().enabled);
    let ok = MongoArgs {
        mongo_service: Some("mongo:27017".into()),
        mongo_secret: Some("mongo-auth/mongodb-root-password".into()),
        mongo_db: Some("panda".into()),
        mongo_collections: vec!["jobs".into()],
        mongo_field: Some("meta.job_id".into()),
        ..Default::default()
    };
    let m = mongo_of(ok).unwrap();
    assert_eq!(m.secret, Some(SecretRef { name: "mongo-auth".into(), key: Some("mongodb-root-password".into()) }));
    assert_eq!(m.database.as_deref(), Some("panda"));
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
        assert!(mongo_of(args).is_err(), "{svc} {secret:?} {db:?} {coll:?} {field:?}");
    }
}

#[test]
fn mongo_uri_never_shows_its_password() {
    let uri = MongoUri::parse("mongodb://admin:hunter2@db-0.db:27017,db-1.db/panda?authSource=admin").unwrap();
    for shown in [format!("{uri}"), format!("{uri:?}")] {
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

fn backend_of(args: BackendArgs, profile: Option<&str>) -> Result<BackendSettings, SettingsError> {
    let args = TraceArgs { backend: args, profile: profile.map(|_| "b".to_string()), ..Default::default() };
    settings(&args, profile, KubeView::default()).map(|s| s.backend)
}

#[test]
fn backend_defaults_and_flags() {
    let args = BackendArgs {
        backend_service: Some("backend:http".into()),
        wait: Some("10s".into()),
        interval: Some("250ms".into()),
        metadata_path: Some("/v2/jobs/{id}/meta".into()),
        ..Default::default()
    };
    let b = backend_of(args, None).unwrap();
    assert_eq!(b.target, BackendTarget::Service(Some(ServiceRef::parse("backend:http").unwrap())));
    assert_eq!(b.wait, Some(Duration::from_secs(10)));
    assert_eq!(b.interval, Duration::from_millis(250));
    let off = BackendArgs { no_backend: true, backend_service: Some("x".into()), ..Default::default() };
    assert_eq!(backend_of(off, None).unwrap().target, BackendTarget::Off);
    let url = BackendArgs { backend_url: Some("http://localhost:8080/api".into()), ..Default::default() };
    assert!(matches!(backend_of(url, None).unwrap().target, BackendTarget::Url(_)));
}

#[test]
fn backend_url_and_service_from_different_layers_the_higher_wins() {
    let cfg = "profiles:\n  b:\n    backend-service: backend:8080\n";
    let url = BackendArgs { backend_url: Some("http://localhost:8080".into()), ..Default::default() };
    assert!(matches!(backend_of(url, Some(cfg)).unwrap().target, BackendTarget::Url(_)));
    let cfg = "profiles:\n  b:\n    backend-url: http://localhost:8080\n";
    let svc = BackendArgs { backend_service: Some("api".into()), ..Default::default() };
    assert!(matches!(backend_of(svc, Some(cfg)).unwrap().target, BackendTarget::Service(Some(_))));
    let cfg = "profiles:\n  b:\n    backend-url: http://localhost:8080\n    backend-service: api\n";
    let e = backend_of(BackendArgs::default(), Some(cfg)).unwrap_err().to_string();
    assert_eq!(e, "backend-service in profile b and backend-url in profile b both given: pass one");
}

#[test]
fn backend_flags_are_validated() {
    let bad = |args: BackendArgs| backend_of(args, None).unwrap_err().to_string();
    let both =
        BackendArgs { backend_url: Some("http://x".into()), backend_service: Some("b".into()), ..Default::default() };
    assert!(bad(both).contains("both given"));
    let secret = BackendArgs { backend_url: Some("ftp://user:hunter2@x".into()), ..Default::default() };
    let msg = bad(secret);
    assert!(msg.contains("ftp") && !msg.contains("hunter2"), "{msg}");
    assert!(bad(BackendArgs { backend_url: Some("not a url".into()), ..Default::default() }).contains("--backend-url"));
    assert!(bad(BackendArgs { backend_service: Some("Back End".into()), ..Default::default() })
        .contains("--backend-service"));
    for p in ["metadata/{id}", "/metadata", "/m/{id}/{id}", "/m/{id}?x=1"] {
        let args = BackendArgs { metadata_path: Some(p.into()), ..Default::default() };
        assert!(bad(args).contains("--metadata-path"), "{p}");
    }
    assert!(bad(BackendArgs { wait: Some("soon".into()), ..Default::default() }).contains("--wait"));
}
