//! The config file end to end, through the built binary: `config init` then runs that use
//! it (on every tier), `config view` provenance and redaction, `config path`, bad files
//! (exit 2 with file:line:column, nothing applied), and the README documenting every flag
//! the help shows and every config key.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};

use jobtrace::sandbox::scenario::Scenario;
use libtest_mimic::Failed;
use serde_json::Value;
use support::suite::{ensure, PureCase, TierCase};
use support::{show, Backends, Ctx, Tier};

fn main() -> ExitCode {
    let pure: &[(&str, PureCase)] = &[
        ("init::writes_a_loadable_file_and_refuses_to_overwrite", init_writes_a_loadable_file_and_refuses_to_overwrite),
        ("path::default_flag_and_env", path_default_flag_and_env),
        ("view::provenance_of_each_layer", view_provenance_of_each_layer),
        ("view::secrets_are_redacted", view_secrets_are_redacted),
        ("bad::exit_2_with_file_line_and_column", bad_config_exit_2_with_file_line_and_column),
        ("bad::a_named_profile_must_exist", a_named_profile_must_exist),
        ("demo::profile_selected_by_namespace", demo_profile_selected_by_namespace),
        ("readme::documents_every_flag_and_key", readme_documents_every_flag_and_key),
    ];
    let tiered: &[(&str, TierCase)] = &[
        ("run::init_then_a_run_uses_the_profile", init_then_a_run_uses_the_profile),
        ("run::profile_selected_by_namespace_changes_the_trace", profile_selected_by_namespace_changes_the_trace),
        ("run::profile_selected_by_context", profile_selected_by_context),
        ("run::bad_config_applies_nothing", bad_config_applies_nothing),
    ];
    support::suite::run(pure, tiered)
}

const PASSWORD: &str = "hunter2-s3cret";

/// The plugin with nothing of the caller's environment: HOME is `home`.
fn plugin(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(support::tier::BIN);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", home).current_dir(home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    support::tier::output(cmd)
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Result<Value, Failed> {
    serde_json::from_slice(&o.stdout).map_err(|e| format!("stdout is not JSON ({e}):\n{}", show(o)).into())
}

fn default_path(home: &Path) -> PathBuf {
    home.join(".config/kubectl-jobtrace/config.yaml")
}

fn write(path: &Path, text: &str) -> Result<(), Failed> {
    std::fs::create_dir_all(path.parent().unwrap())?;
    std::fs::write(path, text)?;
    Ok(())
}

fn setting<'a>(view: &'a Value, key: &str) -> &'a Value {
    &view["settings"][key]
}

// --- cases without a cluster ---------------------------------------------------------------

fn init_writes_a_loadable_file_and_refuses_to_overwrite() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let o = plugin(home.path(), &[], &["config", "init"]);
    ensure(code(&o) == Some(0), || show(&o))?;
    let path = default_path(home.path());
    ensure(stdout(&o).contains(&path.display().to_string()), || show(&o))?;
    let text = std::fs::read_to_string(&path)?;
    ensure(text.starts_with("# kubectl-jobtrace configuration"), || text.clone())?;
    // a second init refuses, and leaves the file alone
    std::fs::write(&path, format!("{text}\n# edited\n"))?;
    let o = plugin(home.path(), &[], &["config", "init"]);
    ensure(code(&o) == Some(2) && stderr(&o).contains("--force"), || show(&o))?;
    ensure(std::fs::read_to_string(&path)?.ends_with("# edited\n"), || "init overwrote the file".into())?;
    let o = plugin(home.path(), &[], &["config", "init", "--force"]);
    ensure(code(&o) == Some(0) && std::fs::read_to_string(&path)? == text, || show(&o))?;
    // the written file loads, and its panda profile applies in namespace panda
    let o = plugin(home.path(), &[], &["config", "view", "-n", "panda", "-o", "json"]);
    ensure(code(&o) == Some(0), || show(&o))?;
    let v = json_of(&o)?;
    ensure(v["profile"]["name"] == "panda" && v["profile"]["reason"] == "namespace panda matches", || show(&o))?;
    ensure(setting(&v, "label-keys")["source"] == "profile:panda", || show(&o))?;
    // --config names another file, created with its folders
    let other = home.path().join("elsewhere/jt.yaml");
    let o = plugin(home.path(), &[], &["config", "init", "--config", other.to_str().unwrap()]);
    ensure(code(&o) == Some(0) && other.is_file(), || show(&o))
}

fn path_default_flag_and_env() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let o = plugin(home.path(), &[], &["config", "path"]);
    ensure(stdout(&o).trim() == default_path(home.path()).display().to_string(), || show(&o))?;
    let o = plugin(home.path(), &[("JOBTRACE_CONFIG", "/from/env.yaml")], &["config", "path"]);
    ensure(stdout(&o).trim() == "/from/env.yaml", || show(&o))?;
    let o = plugin(home.path(), &[("JOBTRACE_CONFIG", "/from/env.yaml")], &["config", "path", "--config", "/f.yaml"]);
    ensure(stdout(&o).trim() == "/f.yaml", || show(&o))?;
    let o = plugin(home.path(), &[("XDG_CONFIG_HOME", "/xdg")], &["config", "path"]);
    ensure(stdout(&o).trim() == "/xdg/kubectl-jobtrace/config.yaml", || show(&o))
}

const PANDA: &str = "profiles:
  panda:
    namespaces: [panda]
    label-keys: [job_id, jobId]
    timeout: 20s
    tail: 300
    since: 2h
    mongo-uri: mongodb://admin:hunter2-s3cret@mongo.panda:27017/panda?authSource=admin
";

fn view_provenance_of_each_layer() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    write(&default_path(home.path()), PANDA)?;
    let env = [("JOBTRACE_TIMEOUT", "25s"), ("JOBTRACE_REQUEST_TIMEOUT", "4s")];
    let args = ["config", "view", "-n", "panda", "--tail", "50", "--request-timeout", "3s", "-o", "json"];
    let o = plugin(home.path(), &env, &args);
    ensure(code(&o) == Some(0), || show(&o))?;
    let v = json_of(&o)?;
    let expect = [
        ("tail", serde_json::json!(50), "flag"),
        ("request-timeout", serde_json::json!("3s"), "flag"),
        ("timeout", serde_json::json!("25s"), "env:JOBTRACE_TIMEOUT"),
        ("since", serde_json::json!("2h"), "profile:panda"),
        ("label-keys", serde_json::json!(["job_id", "jobId"]), "profile:panda"),
        ("interval", serde_json::json!("1s"), "default"),
        ("mongo-db", Value::Null, "default"),
    ];
    for (key, value, source) in expect {
        let s = setting(&v, key);
        ensure(s["value"] == value && s["source"] == source, || format!("{key}: {s}\n{}", show(&o)))?;
    }
    ensure(v["configFile"]["found"] == true && v["configFile"]["source"] == "default", || show(&o))?;
    // the same as text and YAML
    let o = plugin(home.path(), &env, &["config", "view", "-n", "panda", "--tail", "50"]);
    let text = stdout(&o);
    ensure(text.contains("profile      panda (namespace panda matches)"), || show(&o))?;
    for (key, source) in [("tail", "flag"), ("timeout", "env:JOBTRACE_TIMEOUT"), ("since", "profile:panda")] {
        let line = text.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_default();
        ensure(line.trim_end().ends_with(source), || format!("{key} line {line:?}\n{}", show(&o)))?;
    }
    let o = plugin(home.path(), &env, &["config", "view", "-n", "panda", "-o", "yaml"]);
    let y: Value = serde_yaml::from_slice(&o.stdout)?;
    ensure(y["settings"]["timeout"]["source"] == "env:JOBTRACE_TIMEOUT", || show(&o))?;
    // another namespace: no profile, the defaults show through
    let o = plugin(home.path(), &[], &["config", "view", "-n", "other", "-o", "json"]);
    let v = json_of(&o)?;
    ensure(v["profile"].is_null() && setting(&v, "timeout")["source"] == "default", || show(&o))
}

fn view_secrets_are_redacted() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    write(&default_path(home.path()), PANDA)?;
    for format in ["table", "json", "yaml"] {
        let o = plugin(home.path(), &[], &["config", "view", "-n", "panda", "-o", format]);
        ensure(code(&o) == Some(0), || show(&o))?;
        ensure(!stdout(&o).contains(PASSWORD) && !stderr(&o).contains(PASSWORD), || show(&o))?;
        ensure(stdout(&o).contains("mongodb://***@mongo.panda:27017/panda?authSource=admin"), || show(&o))?;
    }
    // from the environment and a flag too
    let uri = format!("mongodb://u:{PASSWORD}@db:27017/x");
    let backend = format!("http://user:{PASSWORD}@backend:8080");
    let o = plugin(
        home.path(),
        &[("JOBTRACE_MONGO_URI", &uri)],
        &["config", "view", "-o", "json", "--backend-url", &backend],
    );
    let v = json_of(&o)?;
    ensure(!stdout(&o).contains(PASSWORD), || show(&o))?;
    ensure(setting(&v, "mongo-uri")["source"] == "env:JOBTRACE_MONGO_URI", || show(&o))?;
    ensure(setting(&v, "backend-url")["value"] == "http://***@backend:8080", || show(&o))?;
    // a bad URI in the file is refused without quoting it
    write(&default_path(home.path()), &format!("profiles:\n  p:\n    mongo-uri: 'http://u:{PASSWORD}@x'\n"))?;
    let o = plugin(home.path(), &[], &["config", "view"]);
    ensure(code(&o) == Some(2) && !stderr(&o).contains(PASSWORD), || show(&o))
}

fn bad_config_exit_2_with_file_line_and_column() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let cases = [
        (
            "unknown key",
            "profiles:\n  panda:\n    namespaces: [panda]\n    colour: never\n",
            "4:5",
            "unknown field `colour`",
        ),
        ("unknown top key", "profile:\n  panda: {}\n", "1:1", "unknown field `profile`"),
        ("wrong type", "profiles:\n  panda:\n    tail: many\n", "3:11", "invalid type"),
        ("list expected", "profiles:\n  panda:\n    label-keys: job_id\n", "3:17", "invalid type"),
        ("bad duration", "profiles:\n  panda:\n    timeout: soon\n", "3:14", "expected a duration"),
        ("bad enum", "profiles:\n  panda:\n    output: html\n", "3:13", "unknown variant `html`"),
        ("bad label key", "profiles:\n  panda:\n    label-keys: [ok, 'not ok']\n", "3:22", "expected a label key"),
        ("a profile not a map", "profiles:\n  panda: [\n", "2:10", "invalid type: sequence"),
        ("bad yaml", "profiles:\n  panda:\n    timeout: '5s\n", "4:1", "unexpected end of stream"),
    ];
    for (what, text, at, says) in cases {
        let path = home.path().join(format!("{}.yaml", what.replace(' ', "-")));
        std::fs::write(&path, text)?;
        let file = path.to_str().unwrap();
        let runs =
            [vec!["19-7", "--config", file], vec!["config", "view", "--config", file], vec!["demo", "--config", file]];
        for args in runs {
            let o = plugin(home.path(), &[], &args);
            let err = stderr(&o);
            ensure(code(&o) == Some(2), || format!("{what}: {args:?}: expected exit 2\n{}", show(&o)))?;
            ensure(err.contains(&format!("{file}:{at}: ")) && err.contains(says), || {
                format!("{what}: expected {file}:{at}: ... {says}\n{}", show(&o))
            })?;
            ensure(err.trim_end().lines().count() == 1 && o.stdout.is_empty(), || format!("{what}\n{}", show(&o)))?;
        }
    }
    // a file named but missing is an error; the default path missing is not
    let o = plugin(home.path(), &[], &["config", "view", "--config", "/nonexistent/jt.yaml"]);
    ensure(code(&o) == Some(2) && stderr(&o).contains("/nonexistent/jt.yaml"), || show(&o))?;
    let o = plugin(home.path(), &[], &["config", "view"]);
    ensure(code(&o) == Some(0), || show(&o))
}

fn a_named_profile_must_exist() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let o = plugin(home.path(), &[], &["config", "view", "--profile", "panda"]);
    ensure(code(&o) == Some(2) && stderr(&o).contains("no config file"), || show(&o))?;
    write(&default_path(home.path()), PANDA)?;
    let o = plugin(home.path(), &[("JOBTRACE_PROFILE", "prod")], &["19-7"]);
    ensure(code(&o) == Some(2) && stderr(&o).contains("no profile \"prod\"") && stderr(&o).contains("panda"), || {
        show(&o)
    })
}

fn demo_profile_selected_by_namespace() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let o = plugin(home.path(), &[], &["config", "init"]);
    ensure(code(&o) == Some(0), || show(&o))?;
    let o = plugin(home.path(), &[], &["demo", "-o", "json", "--no-mongo", "--no-backend", "--no-logs"]);
    let v = json_of(&o)?;
    ensure(v["profile"]["name"] == "panda" && v["profile"]["reason"] == "namespace panda matches", || show(&o))?;
    let o = plugin(home.path(), &[], &["demo", "--no-mongo", "--no-backend", "--no-logs", "--color", "never"]);
    ensure(stdout(&o).lines().next().unwrap_or_default().contains("profile panda (namespace panda matches)"), || {
        show(&o)
    })
}

/// Every `--flag` in `text`.
fn long_flags(text: &str) -> Vec<String> {
    let mut flags: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2 && w.as_bytes()[2].is_ascii_lowercase())
        .map(str::to_string)
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

fn readme_documents_every_flag_and_key() -> Result<(), Failed> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))?;
    let documented = long_flags(&readme);
    let home = tempfile::tempdir()?;
    let helps: [&[&str]; 8] = [
        &["--help"],
        &["demo", "--help"],
        &["completion", "--help"],
        &["config", "--help"],
        &["config", "init", "--help"],
        &["config", "view", "--help"],
        &["config", "path", "--help"],
        &["help", "config"],
    ];
    let mut missing = Vec::new();
    for args in helps {
        let o = plugin(home.path(), &[], args);
        ensure(code(&o) == Some(0), || format!("{args:?}\n{}", show(&o)))?;
        for flag in long_flags(&stdout(&o)) {
            if !documented.contains(&flag) && !missing.contains(&flag) {
                missing.push(flag);
            }
        }
    }
    ensure(missing.is_empty(), || format!("README.md does not mention {missing:?}"))?;
    let keys: Vec<&str> =
        jobtrace::layers::KEYS.iter().copied().filter(|k| !readme.contains(&format!("`{k}`"))).collect();
    ensure(keys.is_empty(), || format!("README.md does not document the config keys {keys:?}"))?;
    for s in ["demo", "completion", "config init", "config view", "config path"] {
        ensure(readme.contains(&format!("jobtrace {s}")), || format!("README.md does not show `{s}`"))?;
    }
    let ids: Vec<&str> =
        jobtrace::diagnosis::CAUSAL_ORDER.iter().copied().filter(|id| !readme.contains(&format!("`{id}`"))).collect();
    ensure(ids.is_empty(), || format!("README.md does not list the finding ids {ids:?}"))?;
    // the example config loads as it is
    let example = readme
        .split("```yaml\n")
        .find(|block| block.starts_with("default-profile:"))
        .and_then(|block| block.split("```").next())
        .ok_or("README.md has no example config (a yaml block starting with default-profile:)")?;
    let file = jobtrace::config::parse(Path::new("README.md"), example).map_err(|e| e.to_string())?;
    ensure(file.profiles.contains_key("panda"), || "the README's example has no panda profile".into())
}

// --- cases on every tier --------------------------------------------------------------------

fn scenario(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap_or_else(|| panic!("built-in scenario {name}"))
}

/// Runs the plugin in the tier's hermetic environment, with extra variables.
fn run(ctx: &Ctx, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = ctx.command(support::tier::BIN, support::User::Reader);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    support::tier::output(cmd)
}

fn reasons(v: &Value, prefix: &str) -> Vec<String> {
    let pods = v["pods"].as_array().into_iter().flatten();
    let pod = pods.clone().find(|p| p["name"].as_str().is_some_and(|n| n.starts_with(prefix)));
    pod.map(|p| p["matchedBy"].as_array().into_iter().flatten().filter_map(|r| r.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

const QUICK: [&str; 3] = ["--no-mongo", "--no-backend", "--no-logs"];

fn init_then_a_run_uses_the_profile(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let ns = ctx.ns("panda");
    let o = run(&ctx, &[], &["config", "init"]);
    ensure(code(&o) == Some(0) && default_path(ctx.home()).is_file(), || show(&o))?;
    let mut args = vec!["19-7", "-n", &ns, "-o", "json", "--profile", "panda"];
    args.extend(QUICK);
    let o = run(&ctx, &[], &args);
    ensure(code(&o) == Some(1), || show(&o))?;
    let v = json_of(&o)?;
    ensure(v["profile"]["name"] == "panda" && v["profile"]["reason"] == "--profile", || show(&o))?;
    let ids: Vec<&str> = v["findings"].as_array().into_iter().flatten().filter_map(|f| f["id"].as_str()).collect();
    ensure(ids.contains(&"missing-expected-label"), || show(&o))?;
    ensure(v["pods"].as_array().map(Vec::len) == Some(2), || show(&o))?;
    // JOBTRACE_PROFILE selects it the same way
    let o = run(&ctx, &[("JOBTRACE_PROFILE", "panda")], &args[..5]);
    let v = json_of(&o)?;
    ensure(v["profile"]["reason"] == "JOBTRACE_PROFILE", || show(&o))
}

fn profile_selected_by_namespace_changes_the_trace(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let ns = ctx.ns("panda");
    write(
        &default_path(ctx.home()),
        &format!("profiles:\n  narrow:\n    namespaces: [{ns}]\n    name-patterns: [\"grpc-job-{{id}}\"]\n    output: json\n"),
    )?;
    let mut args = vec!["19-7", "-n", &ns];
    args.extend(QUICK);
    let o = run(&ctx, &[], &args);
    let v = json_of(&o)?; // output: json came from the profile
    ensure(v["profile"]["name"] == "narrow" && v["profile"]["reason"] == format!("namespace {ns} matches"), || {
        show(&o)
    })?;
    ensure(reasons(&v, "grpc-job-19-7").contains(&"pattern:grpc-job-{id}".to_string()), || show(&o))?;
    ensure(!reasons(&v, "cleanup-job-19-7").iter().any(|r| r.starts_with("pattern:")), || show(&o))?;
    // a flag beats the profile
    args.extend(["--name-pattern", "cleanup-job-{id}", "-o", "json"]);
    let o = run(&ctx, &[], &args);
    let v = json_of(&o)?;
    ensure(reasons(&v, "cleanup-job-19-7").contains(&"pattern:cleanup-job-{id}".to_string()), || show(&o))?;
    ensure(!reasons(&v, "grpc-job-19-7").iter().any(|r| r.starts_with("pattern:")), || show(&o))
}

fn profile_selected_by_context(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let mut args = vec!["19-7", "-o", "json"];
    args.extend(QUICK);
    let o = run(&ctx, &[], &args);
    let v = json_of(&o)?;
    let context = v["context"].as_str().ok_or_else(|| format!("no context in the report\n{}", show(&o)))?.to_string();
    ensure(v["profile"].is_null(), || show(&o))?;
    write(
        &default_path(ctx.home()),
        &format!("profiles:\n  other:\n    namespaces: [elsewhere]\n  here:\n    contexts: [{context}]\n    label-keys: [team]\n"),
    )?;
    // no -n: the namespace comes from the kubeconfig context, as it will for the trace
    let o = run(&ctx, &[], &args);
    let v = json_of(&o)?;
    ensure(v["profile"]["name"] == "here" && v["profile"]["reason"] == format!("context {context} matches"), || {
        show(&o)
    })?;
    ensure(v["labels"][0]["key"] == "team", || show(&o))?;
    let o = run(&ctx, &[], &["config", "view", "-o", "json"]);
    let view = json_of(&o)?;
    ensure(setting(&view, "label-keys")["source"] == "profile:here", || show(&o))
}

fn bad_config_applies_nothing(tier: Tier) -> Result<(), Failed> {
    let ctx = tier.setup(&scenario("incident-19-7"), Backends::None);
    let ns = ctx.ns("panda");
    let path = default_path(ctx.home());
    write(&path, &format!("profiles:\n  p:\n    namespaces: [{ns}]\n    output: json\n    wait: forever\n"))?;
    let o = run(&ctx, &[], &["19-7", "-n", &ns]);
    ensure(code(&o) == Some(2) && o.stdout.is_empty(), || show(&o))?;
    ensure(stderr(&o).contains(&format!("{}:5:11: ", path.display())), || show(&o))?;
    // nothing reached the cluster
    let sent = ctx.requests();
    ensure(sent.is_empty(), || format!("requests despite a bad config: {sent:?}"))
}
