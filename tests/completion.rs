//! Completion end to end: the committed scripts under `completions/` match what the
//! binary generates; the bash script works in a real bash; and kubectl's own plugin
//! completion (`kubectl __complete jobtrace ...`, the real /usr/bin/kubectl) reaches the
//! helper installed by `completion --install` and gets flags, formats, and, from a
//! cluster (each tier of `support`: the sandbox and the real apiserver), namespaces and
//! job ids.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use jobtrace::cli::CompletionShell;
use jobtrace::completion;
use jobtrace::sandbox::scenario::Scenario;
use libtest_mimic::Failed;
use support::suite::{ensure, PureCase, TierCase};
use support::{show, Backends, Ctx, Tier, User};

const KUBECTL: &str = "/usr/bin/kubectl";
const BIN: &str = env!("CARGO_BIN_EXE_kubectl-jobtrace");

fn main() -> ExitCode {
    let pure: &[(&str, PureCase)] = &[
        ("scripts::committed_scripts_are_current", committed_completion_scripts_are_current),
        ("scripts::bash_completes_subcommands_flags_and_values", bash_script_completes_subcommands_flags_and_values),
        ("kubectl::output_formats_with_descriptions", kubectl_completes_output_formats_with_descriptions),
        ("kubectl::flags_and_subcommands_without_a_cluster", kubectl_completes_flags_and_subcommands_without_a_cluster),
        ("kubectl::nothing_when_the_cluster_is_silent", kubectl_falls_back_to_nothing_when_the_cluster_is_silent),
    ];
    let tiered: &[(&str, TierCase)] = &[("kubectl::namespaces_and_job_ids", kubectl_completes_from_a_tier)];
    support::suite::run(pure, tiered)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed_completion_scripts_are_current() -> Result<(), Failed> {
    let bless = std::env::var_os("JOBTRACE_BLESS").is_some();
    let mut stale = Vec::new();
    for shell in [CompletionShell::Bash, CompletionShell::Zsh, CompletionShell::Fish, CompletionShell::Powershell] {
        let path = repo().join("completions").join(completion::script_file_name(shell));
        let fresh = completion::script(shell);
        if std::fs::read(&path).ok().as_deref() != Some(fresh.as_slice()) {
            if bless {
                std::fs::write(&path, &fresh).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    ensure(stale.is_empty(), || {
        format!(
            "stale completion scripts (the CLI changed): {}\nrefresh them with `JOBTRACE_BLESS=1 cargo test --test \
             completion` (or `kubectl-jobtrace completion SHELL > completions/FILE`) and commit them",
            stale.join(", ")
        )
    })
}

/// Runs the committed bash script the way bash's programmable completion does and
/// returns COMPREPLY.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = r#"
source "$SCRIPT"
fn=$(complete -p kubectl-jobtrace | sed -E 's/.* -F ([^ ]+) .*/\1/')
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("bash")
        .args(words)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("SCRIPT", repo().join("completions/kubectl-jobtrace.bash"))
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "bash failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn bash_script_completes_subcommands_flags_and_values() -> Result<(), Failed> {
    let top = bash_complete(&["kubectl-jobtrace", ""]);
    for sub in ["demo", "completion", "help", "--namespace", "-o"] {
        assert!(top.iter().any(|c| c == sub), "{sub} missing from {top:?}");
    }
    assert_eq!(bash_complete(&["kubectl-jobtrace", "d"]), ["demo"]);
    assert_eq!(bash_complete(&["kubectl-jobtrace", "comp"]), ["completion"]);
    assert_eq!(bash_complete(&["kubectl-jobtrace", "-o", ""]), ["table", "wide", "json", "yaml"]);
    assert_eq!(bash_complete(&["kubectl-jobtrace", "--col"]), ["--color"]);
    // after a subcommand (broken upstream for hyphenated bin names, fixed in completion.rs)
    assert_eq!(bash_complete(&["kubectl-jobtrace", "completion", "z"]), ["zsh"]);
    assert_eq!(bash_complete(&["kubectl-jobtrace", "demo", "--sc"]), ["--scenario"]);
    Ok(())
}

/// A PATH folder holding the plugin (a link to the test binary) and the helper placed by
/// `completion --install DIR`, as a user's PATH would after installing.
struct PluginPath {
    dir: tempfile::TempDir,
}

impl PluginPath {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(BIN, dir.path().join("kubectl-jobtrace")).unwrap();
        let out = Command::new(dir.path().join("kubectl-jobtrace"))
            .args(["completion", "--install"])
            .arg(dir.path())
            .env_clear()
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let helper = dir.path().join("kubectl_complete-jobtrace");
        assert_eq!(std::fs::read_link(&helper).unwrap(), Path::new("kubectl-jobtrace"));
        Self { dir }
    }

    /// `kubectl __complete jobtrace WORDS...` with only this folder and the system's on
    /// PATH, and `kubeconfig` (or a missing file) as KUBECONFIG.
    fn kubectl_complete(&self, kubeconfig: Option<&Path>, words: &[&str]) -> (Output, Duration) {
        let home = self.dir.path().join("home");
        let kubeconfig = kubeconfig.map(Path::to_path_buf).unwrap_or_else(|| home.join("no-kubeconfig"));
        let started = Instant::now();
        let out = Command::new(KUBECTL)
            .args(["__complete", "jobtrace"])
            .args(words)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", self.dir.path().display()))
            .env("HOME", &home)
            .env("KUBECONFIG", kubeconfig)
            .output()
            .expect("kubectl runs");
        (out, started.elapsed())
    }
}

/// Candidate values and the directive line of kubectl's answer.
fn parse(out: &Output) -> (Vec<(String, String)>, String) {
    assert!(out.status.success(), "kubectl failed: {}", show(out));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<&str> = text.lines().collect();
    let directive = lines.pop().unwrap_or_default().to_string();
    let candidates = lines
        .into_iter()
        .map(|l| match l.split_once('\t') {
            Some((v, d)) => (v.to_string(), d.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect();
    (candidates, directive)
}

/// Nothing of ours on stderr, which kubectl passes to the terminal. (kubectl's
/// `__complete` writes its own `[Debug]` lines and the directive there; the shell's
/// completion function drops them.)
fn assert_quiet(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("[Debug]") && !l.starts_with("Completion ended with directive"))
        .collect();
    assert!(ours.is_empty(), "unexpected stderr: {ours:?}");
}

fn values(c: &[(String, String)]) -> Vec<&str> {
    c.iter().map(|(v, _)| v.as_str()).collect()
}

fn kubectl_completes_output_formats_with_descriptions() -> Result<(), Failed> {
    let plugin = PluginPath::new();
    let (out, _) = plugin.kubectl_complete(None, &["-o", ""]);
    let (candidates, directive) = parse(&out);
    assert_eq!(values(&candidates), ["table", "wide", "json", "yaml"]);
    assert_eq!(candidates[2].1, "The report as JSON (a stable interface, schemaVersion 1)");
    assert_eq!(directive, ":4");
    let (out, _) = plugin.kubectl_complete(None, &["--color", "n"]);
    assert_eq!(values(&parse(&out).0), ["never"]);
    Ok(())
}

fn kubectl_completes_flags_and_subcommands_without_a_cluster() -> Result<(), Failed> {
    let plugin = PluginPath::new();
    let (out, _) = plugin.kubectl_complete(None, &["--name"]);
    let (candidates, directive) = parse(&out);
    assert_eq!(values(&candidates), ["--namespace", "--name-pattern"]);
    assert_eq!(directive, ":4");
    // no kubeconfig at all: the subcommands still come, nothing is printed on stderr
    let (out, elapsed) = plugin.kubectl_complete(None, &[""]);
    let (candidates, directive) = parse(&out);
    assert!(values(&candidates).contains(&"demo"), "{candidates:?}");
    assert!(values(&candidates).contains(&"completion"), "{candidates:?}");
    assert_eq!(directive, ":4");
    assert_quiet(&out);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let (out, _) = plugin.kubectl_complete(None, &["-n", ""]);
    let (candidates, directive) = parse(&out);
    assert!(candidates.is_empty(), "{candidates:?}");
    assert_eq!(directive, ":4");
    assert_quiet(&out);
    Ok(())
}

fn kubectl_falls_back_to_nothing_when_the_cluster_is_silent() -> Result<(), Failed> {
    // a server that accepts connections and never answers
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let plugin = PluginPath::new();
    let kubeconfig = plugin.dir.path().join("silent.yaml");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: silent\ncontexts:\n- name: silent\n  context: {{cluster: silent, user: u, namespace: panda}}\nclusters:\n- name: silent\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: t}}\n"
        ),
    )
    .unwrap();
    let (out, _) = plugin.kubectl_complete(Some(&kubeconfig), &["-n", ""]);
    let (candidates, directive) = parse(&out);
    assert!(candidates.is_empty(), "{candidates:?}");
    assert_eq!(directive, ":4");
    assert_quiet(&out);
    // The helper gives up after its look-up timeout. (kubectl's own time is not ours: the
    // packaged kubectl here is a version dispatcher that asks the server for its version
    // first, with a 5 s timeout.)
    for words in [&["-n", ""][..], &[""], &["--context", "silent", "19"]] {
        let started = Instant::now();
        let out = Command::new(plugin.dir.path().join("kubectl_complete-jobtrace"))
            .args(words)
            .env_clear()
            .env("KUBECONFIG", &kubeconfig)
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        assert!(out.status.success());
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(elapsed < Duration::from_secs(3), "{words:?} took {elapsed:?}");
    }
    // contexts come from the kubeconfig, without the cluster (asked of the helper: through
    // kubectl, each call here waits for the dispatcher's 5 s version probe)
    let out = Command::new(plugin.dir.path().join("kubectl_complete-jobtrace"))
        .args(["--context", ""])
        .env_clear()
        .env("KUBECONFIG", &kubeconfig)
        .output()?;
    assert_eq!(values(&parse(&out).0), ["silent"]);
    drop(listener);
    Ok(())
}

/// The subcommands' names (`help` included), from the clap definition.
fn subcommands() -> Vec<String> {
    let mut cmd = <jobtrace::cli::Cli as clap::CommandFactory>::command();
    cmd.build();
    cmd.get_subcommands().map(|s| s.get_name().to_string()).collect()
}

/// What a cluster serving the incident scenario must complete, whatever serves it.
/// `panda` is the real name of the scenario's `panda` namespace there; `newest_first`
/// when creation times are the scenario's (the sandbox), not the seeding order.
fn check_cluster_completion(kubeconfig: &Path, panda: &str, staging: &str, newest_first: bool) -> Result<(), Failed> {
    let plugin = PluginPath::new();

    // -n: the cluster's namespaces
    let (out, _) = plugin.kubectl_complete(Some(kubeconfig), &["-n", ""]);
    let (candidates, directive) = parse(&out);
    let names = values(&candidates);
    ensure(names.contains(&panda) && names.contains(&staging), || format!("namespaces: {candidates:?}"))?;
    ensure(directive == ":4", || format!("directive {directive}"))?;
    assert_quiet(&out);
    let prefix = &panda[..3];
    let (out, _) = plugin.kubectl_complete(Some(kubeconfig), &["--namespace", prefix]);
    let (candidates, _) = parse(&out);
    ensure(values(&candidates).iter().all(|n| n.starts_with(prefix)) && values(&candidates).contains(&panda), || {
        format!("namespaces by prefix {prefix}: {candidates:?}")
    })?;

    // the job id: label values and ids in names, in the namespace typed
    let (out, _) = plugin.kubectl_complete(Some(kubeconfig), &["-n", panda, ""]);
    let (candidates, directive) = parse(&out);
    let subs = subcommands();
    let ids: Vec<&str> = values(&candidates).into_iter().filter(|v| !subs.iter().any(|s| s == v)).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    ensure(sorted == ["119-7", "19-7", "19-70", "20-1"], || format!("job ids in {panda}: {candidates:?}"))?;
    if newest_first {
        ensure(ids == ["19-7", "20-1", "119-7", "19-70"], || format!("not newest first: {ids:?}"))?;
    }
    let incident = candidates.iter().find(|(v, _)| v == "19-7").map(|(_, d)| d.as_str()).unwrap_or_default();
    ensure(incident.starts_with("2 Jobs, 2 pods"), || format!("19-7's description: {incident:?}"))?;
    ensure(values(&candidates).contains(&"demo"), || format!("subcommands missing: {candidates:?}"))?;
    ensure(directive == ":4", || format!("directive {directive}"))?;
    assert_quiet(&out);

    // without -n: the context's namespace (the scenario's)
    let (out, _) = plugin.kubectl_complete(Some(kubeconfig), &[""]);
    let (candidates, _) = parse(&out);
    ensure(values(&candidates).contains(&"19-7"), || format!("job ids in the context's namespace: {candidates:?}"))?;

    // the helper alone, as kubectl runs it: how long a cluster-backed answer takes
    for words in [&["-n", ""][..], &["-n", panda, ""]] {
        let started = Instant::now();
        let out = Command::new(plugin.dir.path().join("kubectl_complete-jobtrace"))
            .args(words)
            .env_clear()
            .env("KUBECONFIG", kubeconfig)
            .output()?;
        let elapsed = started.elapsed();
        ensure(out.status.success() && out.stdout.ends_with(b":4\n"), || show(&out))?;
        eprintln!("completion latency of kubectl_complete-jobtrace {words:?}: {} ms", elapsed.as_millis());
        ensure(elapsed < Duration::from_secs(2), || format!("{words:?} took {elapsed:?}"))?;
    }

    // by prefix, and after other flags
    let (out, _) = plugin.kubectl_complete(Some(kubeconfig), &["-o", "json", "--namespace", panda, "19"]);
    let (candidates, _) = parse(&out);
    let mut got = values(&candidates);
    got.sort();
    ensure(got == ["19-7", "19-70"], || format!("ids by prefix 19: {candidates:?}"))?;

    // an empty namespace has no ids (only the subcommands)
    let (out, _) = plugin.kubectl_complete(Some(kubeconfig), &["-n", staging, ""]);
    let (candidates, _) = parse(&out);
    ensure(values(&candidates).iter().all(|v| subs.iter().any(|s| s == v)), || {
        format!("ids in {staging}: {candidates:?}")
    })?;
    Ok(())
}

/// A tier serving the incident scenario, completing as the read-only user. The sandbox
/// keeps the scenario's creation times (shifted to now), so the order is checked there;
/// the real apiserver stamps objects with their seeding time.
fn kubectl_completes_from_a_tier(tier: Tier) -> Result<(), Failed> {
    let scenario = Scenario::builtin("incident-19-7").ok_or("no built-in scenario incident-19-7")?;
    let ctx: Ctx = tier.setup(&scenario, Backends::None);
    let newest_first = tier == Tier::Sandbox;
    check_cluster_completion(&ctx.kubeconfig(User::Reader), &ctx.ns("panda"), &ctx.ns("staging"), newest_first)
}
