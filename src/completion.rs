//! Shell completion, two ways, both derived from the clap definition in `cli.rs` (so a
//! flag added there completes without touching this module):
//!
//! - static scripts (`kubectl jobtrace completion bash|zsh|fish|powershell`), generated
//!   by clap_complete for the `kubectl-jobtrace` executable typed directly; the copies
//!   under `completions/` are kept in sync by a test;
//! - kubectl's plugin completion (kubectl 1.26+): for `kubectl jobtrace <TAB>`, kubectl
//!   runs `kubectl_complete-jobtrace` from PATH with the words typed so far and reads
//!   candidates back ([`answer`]). This binary is that helper when started under that
//!   name (a link made by `completion --install`) or with the `__complete` entry (the
//!   shell script shipped in the release archive). It knows the cluster: namespaces,
//!   contexts, and the job ids present on pods and Jobs.
//!
//! Flow of one request: [`position::locate`] finds what the cursor is on, [`answer`]
//! gathers candidates (static ones from clap, dynamic ones through [`lookup`]), filters
//! them by what is typed, and [`answer::Answer::write_to`] prints them.

pub mod answer;
pub mod jobids;
pub mod lookup;
pub mod position;

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::{env, fs};

use clap::builder::ValueHint;
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches};
use thiserror::Error;

use self::answer::{Answer, Candidate, Directive};
use self::position::{Position, Want};
use crate::cli::{Cli, CompletionShell, TraceArgs};
use crate::settings::{self, Effective, KubeTarget};

/// The plugin's executable name.
pub const BIN_NAME: &str = "kubectl-jobtrace";
/// The completion helper's name kubectl looks for on PATH.
pub const HELPER_NAME: &str = "kubectl_complete-jobtrace";
/// First argument that makes the plugin answer a completion request whatever its name.
pub const COMPLETE_ENTRY: &str = "__complete";

/// The words of a completion request, when this process was started as kubectl's
/// completion helper (by name: argv[0]'s file name, `.exe` aside) or with `__complete`.
pub fn plugin_request(args: &[OsString]) -> Option<Vec<String>> {
    let argv0 = Path::new(args.first()?);
    let name = argv0.file_stem().and_then(OsStr::to_str).unwrap_or_default();
    let words = if name == HELPER_NAME {
        &args[1..]
    } else if args.get(1).is_some_and(|a| a == COMPLETE_ENTRY) {
        &args[2..]
    } else {
        return None;
    };
    Some(words.iter().map(|w| w.to_string_lossy().into_owned()).collect())
}

/// Answers one request and writes it for kubectl. Cluster look-ups are bounded by
/// [`lookup::LOOKUP_TIMEOUT`]; a failure of any kind still writes a (possibly empty)
/// answer.
pub fn serve(words: &[String], out: &mut impl Write) -> io::Result<()> {
    let answer = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(answer(words)),
        Err(_) => Answer { candidates: Vec::new(), directive: Directive::NO_FILE_COMP },
    };
    answer.write_to(out)?;
    out.flush()
}

/// The candidates for the last of `words` (the arguments after the plugin's name).
pub async fn answer(words: &[String]) -> Answer {
    let mut root = Cli::command();
    root.build();
    let pos = position::locate(&root, words);
    let (mut candidates, directive) =
        match pos.want {
            Want::Flags => (flags(&pos), Directive::NO_FILE_COMP),
            Want::Value { arg, .. } | Want::AttachedValue { arg, .. } => values(&pos, arg).await,
            Want::Positional { subcommands, arg } => {
                let (mut out, directive) = match arg {
                    Some(arg) => values(&pos, arg).await,
                    None => (Vec::new(), Directive::NO_FILE_COMP),
                };
                if subcommands {
                    out.extend(pos.command.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| {
                        Candidate::new(s.get_name(), s.get_about().map(|a| a.to_string()).unwrap_or_default())
                    }));
                }
                (out, directive)
            }
        };
    let needle = pos.needle();
    candidates.retain(|c| c.value.starts_with(needle));
    if let Want::AttachedValue { flag_len, .. } = pos.want {
        let flag = pos.current.get(..flag_len).unwrap_or_default();
        for c in &mut candidates {
            c.value.insert_str(0, flag);
        }
    }
    Answer { candidates, directive }
}

/// The flags of the current (sub)command, a flag already given left out unless it can
/// be repeated.
fn flags(pos: &Position) -> Vec<Candidate> {
    let mut out = Vec::new();
    for arg in pos.command.get_arguments().filter(|a| !a.is_positional() && !a.is_hide_set()) {
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if !repeatable && pos.used.iter().any(|u| u == arg.get_id().as_str()) {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if let Some(long) = arg.get_long() {
            out.push(Candidate::new(format!("--{long}"), help.clone()));
        }
        if let Some(short) = arg.get_short() {
            out.push(Candidate::new(format!("-{short}"), help));
        }
    }
    out
}

/// Where the values of an argument come from, beyond its possible values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dynamic {
    Namespaces,
    Contexts,
    JobIds,
    Scenarios,
}

fn dynamic_source(path: &[String], arg_id: &str) -> Option<Dynamic> {
    match (arg_id, path.first().map(String::as_str)) {
        ("namespace", _) => Some(Dynamic::Namespaces),
        ("context", _) => Some(Dynamic::Contexts),
        ("job_id", None) => Some(Dynamic::JobIds),
        ("scenario", Some("demo")) => Some(Dynamic::Scenarios),
        _ => None,
    }
}

/// The candidate values of `arg`: its possible values (a `ValueEnum`'s variants with
/// their docs), else the dynamic source it is tied to, else file or directory names
/// when its value hint says so, else nothing.
async fn values(pos: &Position<'_>, arg: &Arg) -> (Vec<Candidate>, Directive) {
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        let out = possible
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| Candidate::new(v.get_name(), v.get_help().map(|h| h.to_string()).unwrap_or_default()))
            .collect();
        return (out, Directive::NO_FILE_COMP);
    }
    let out = match dynamic_source(&pos.path, arg.get_id().as_str()) {
        Some(Dynamic::Contexts) => lookup::contexts(target(pos).kubeconfig.as_ref()),
        Some(Dynamic::Namespaces) => lookup::namespaces(&KubeTarget { namespace: None, ..target(pos) }).await,
        Some(Dynamic::JobIds) => {
            let (keys, patterns) = matching_rules(pos.done());
            lookup::job_ids(&target(pos), &keys, &patterns).await
        }
        Some(Dynamic::Scenarios) => crate::sandbox::scenario::BUILTIN
            .iter()
            .map(|(name, _)| Candidate::new(*name, "built-in scenario"))
            .collect(),
        None => match arg.get_value_hint() {
            ValueHint::FilePath | ValueHint::AnyPath | ValueHint::ExecutablePath => {
                return (Vec::new(), Directive::DEFAULT)
            }
            ValueHint::DirPath => return (Vec::new(), Directive::FILTER_DIRS),
            _ => Vec::new(),
        },
    };
    (out, Directive::NO_FILE_COMP)
}

/// The cluster the typed words point at (`--kubeconfig`, `--context`, `-n`).
fn target(pos: &Position) -> KubeTarget {
    KubeTarget {
        kubeconfig: pos.typed_one("kubeconfig").map(PathBuf::from),
        context: pos.typed_one("context").map(str::to_string),
        namespace: pos.typed_one("namespace").filter(|ns| settings::is_dns_label(ns)).map(str::to_string),
    }
}

/// The label keys and name patterns a trace with the words typed would use: the flags,
/// then `JOBTRACE_*` variables, then the config profile (chosen by `--profile`, the
/// namespace or the context), then the defaults, merged by the settings' own layers.
/// Invalid values are left out; a config file that cannot be used counts as none.
fn matching_rules(done: &[String]) -> (Vec<String>, Vec<String>) {
    let args = typed_trace_args(done);
    let merged = match Effective::gather(&args) {
        Ok(effective) => effective.merged,
        Err(_) => {
            let no_config = TraceArgs { config: None, profile: None, ..args };
            let location = crate::config::Location { path: None, source: crate::layers::Source::Default };
            match Effective::from_parts(&no_config, location, None, &Default::default(), Default::default()) {
                Ok(effective) => effective.merged,
                Err(_) => return (vec![settings::DEFAULT_LABEL_KEY.into()], defaults_patterns()),
            }
        }
    };
    let keys: Vec<String> = merged
        .label_keys
        .map(|p| p.value)
        .unwrap_or_default()
        .into_iter()
        .filter(|k| settings::is_label_key(k))
        .collect();
    let patterns: Vec<String> = merged
        .name_patterns
        .map(|p| p.value)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| settings::is_name_pattern(p))
        .collect();
    let keys = if keys.is_empty() { vec![settings::DEFAULT_LABEL_KEY.to_string()] } else { keys };
    let patterns = if patterns.is_empty() { defaults_patterns() } else { patterns };
    (keys, patterns)
}

fn defaults_patterns() -> Vec<String> {
    settings::DEFAULT_NAME_PATTERNS.iter().map(|p| p.to_string()).collect()
}

/// The trace options among the words typed before the cursor, parsed by clap leniently
/// (an unfinished line is no error), with the `JOBTRACE_*` variables clap reads.
fn typed_trace_args(done: &[String]) -> TraceArgs {
    let argv = std::iter::once(BIN_NAME.to_string()).chain(done.iter().cloned());
    Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(argv)
        .ok()
        .and_then(|m| Cli::from_arg_matches(&m).ok())
        .map(|cli| cli.trace)
        .unwrap_or_default()
}

/// The clap_complete shell of a `completion` argument.
pub fn clap_shell(shell: CompletionShell) -> clap_complete::Shell {
    match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
        CompletionShell::Powershell => clap_complete::Shell::PowerShell,
    }
}

/// The static completion script for `shell`, for the `kubectl-jobtrace` executable.
pub fn script(shell: CompletionShell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(clap_shell(shell), &mut Cli::command(), BIN_NAME, &mut out);
    match shell {
        CompletionShell::Bash => fix_bash_hyphenated_bin_name(&String::from_utf8_lossy(&out)).into_bytes(),
        _ => out,
    }
}

/// clap_complete's bash script spells a subcommand's state `kubectl__jobtrace__subcmd__demo`
/// where it is set and `kubectl__subcmd__jobtrace__subcmd__demo` where it is matched when
/// the bin name has a hyphen, so nothing after a subcommand completes
/// (clap-rs/clap#6421, open). Spell the matching side as the setting side; a no-op once
/// clap_complete is fixed.
fn fix_bash_hyphenated_bin_name(script: &str) -> String {
    let wrong = format!("{}__subcmd__", BIN_NAME.replace('-', "__subcmd__"));
    let right = format!("{}__subcmd__", BIN_NAME.replace('-', "__"));
    script.replace(&wrong, &right)
}

/// The file name the script for `shell` is conventionally saved under
/// (`kubectl-jobtrace.bash`, `_kubectl-jobtrace`, ...), as in `completions/`.
pub fn script_file_name(shell: CompletionShell) -> String {
    use clap_complete::Generator;
    clap_shell(shell).file_name(BIN_NAME)
}

/// What `completion --install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The helper written.
    pub helper: PathBuf,
    /// What it runs (a link target, relative when it is the plugin beside it).
    pub target: PathBuf,
    /// Whether the helper's folder is on PATH (kubectl only finds it there).
    pub on_path: bool,
}

/// Why the helper could not be installed.
#[derive(Debug, Error)]
pub enum InstallError {
    #[error("cannot tell which folder kubectl-jobtrace is in: name one, e.g. `kubectl jobtrace completion --install ~/.krew/bin`")]
    NoFolder,
    #[error("cannot install {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Places the `kubectl_complete-jobtrace` helper in `dir`, or beside the plugin's own
/// executable as it was started (`argv0`: kubectl starts plugins by their PATH entry, so
/// for Krew this is Krew's bin folder, not the versioned store the link points into).
/// On Unix the helper is a link to the plugin (relative when the plugin is in the same
/// folder, so that it follows Krew upgrades); elsewhere a copy of this executable.
pub fn install(dir: Option<&Path>, argv0: &OsStr) -> Result<Installed, InstallError> {
    let plugin = plugin_path(argv0);
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => plugin.as_deref().and_then(Path::parent).map(Path::to_path_buf).ok_or(InstallError::NoFolder)?,
    };
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InstallError::Io { path, source }
    };
    fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let exe = env::consts::EXE_SUFFIX;
    let helper = dir.join(format!("{HELPER_NAME}{exe}"));
    let sibling = format!("{BIN_NAME}{exe}");
    let target = if dir.join(&sibling).is_file() {
        PathBuf::from(sibling)
    } else {
        match plugin.or_else(|| env::current_exe().ok()) {
            Some(p) => p,
            None => return Err(InstallError::NoFolder),
        }
    };
    if fs::symlink_metadata(&helper).is_ok() {
        fs::remove_file(&helper).map_err(io_err(&helper))?;
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &helper).map_err(io_err(&helper))?;
    #[cfg(not(unix))]
    {
        let me = env::current_exe().map_err(io_err(&helper))?;
        fs::copy(&me, &helper).map_err(io_err(&helper))?;
    }
    let on_path = env::var_os("PATH").is_some_and(|p| env::split_paths(&p).any(|d| same_dir(&d, &dir)));
    Ok(Installed { helper, target, on_path })
}

/// The plugin executable's path as started: argv[0] when it names a path (kubectl passes
/// the full PATH entry), else the first `kubectl-jobtrace` on PATH.
fn plugin_path(argv0: &OsStr) -> Option<PathBuf> {
    let started = Path::new(argv0);
    if started.components().count() > 1 {
        return std::path::absolute(started).ok();
    }
    let name = format!("{BIN_NAME}{}", env::consts::EXE_SUFFIX);
    env::var_os("PATH").and_then(|p| env::split_paths(&p).map(|d| d.join(&name)).find(|c| c.is_file()))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    fn values_of(a: &Answer) -> Vec<&str> {
        a.candidates.iter().map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn requests_by_name_or_entry() {
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(plugin_request(&os(&["/x/kubectl_complete-jobtrace", "-n", ""])), Some(words(&["-n", ""])));
        assert_eq!(plugin_request(&os(&["kubectl_complete-jobtrace.exe", ""])), Some(words(&[""])));
        assert_eq!(plugin_request(&os(&["kubectl-jobtrace", "__complete", "-o", ""])), Some(words(&["-o", ""])));
        assert_eq!(plugin_request(&os(&["kubectl-jobtrace", "19-7"])), None);
        assert_eq!(plugin_request(&os(&["kubectl-jobtrace"])), None);
    }

    #[tokio::test]
    async fn output_formats_with_their_docs() {
        let a = answer(&words(&["-o", ""])).await;
        assert_eq!(values_of(&a), ["table", "wide", "json", "yaml"]);
        assert_eq!(a.candidates[2].description, "The report as JSON (a stable interface, schemaVersion 1)");
        assert_eq!(a.directive, Directive::NO_FILE_COMP);
        let a = answer(&words(&["--output=j"])).await;
        assert_eq!(values_of(&a), ["--output=json"]);
        let a = answer(&words(&["demo", "--color", "a"])).await;
        assert_eq!(values_of(&a), ["auto", "always"]);
    }

    #[tokio::test]
    async fn flags_come_from_the_clap_definition() {
        let a = answer(&words(&["--"])).await;
        let values = values_of(&a);
        let mut expected: Vec<String> = Cli::command()
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        expected.push("--help".into());
        expected.push("--version".into());
        for flag in &expected {
            assert!(values.contains(&flag.as_str()), "{flag} missing from {values:?}");
        }
        // a flag given once is not offered again; a repeatable one is
        let a = answer(&words(&["-o", "json", "--label-key", "a", "--"])).await;
        assert!(!values_of(&a).contains(&"--output"));
        assert!(values_of(&a).contains(&"--label-key"));
        let a = answer(&words(&["-"])).await;
        assert!(values_of(&a).contains(&"-n"));
    }

    #[tokio::test]
    async fn subcommands_and_their_arguments() {
        let a = answer(&words(&["d"])).await;
        assert_eq!(values_of(&a), ["demo"]);
        let a = answer(&words(&["completion", ""])).await;
        assert_eq!(values_of(&a), ["bash", "zsh", "fish", "powershell"]);
        let a = answer(&words(&["demo", "--scenario", ""])).await;
        let builtin: Vec<&str> = crate::sandbox::scenario::BUILTIN.iter().map(|(n, _)| *n).collect();
        assert_eq!(values_of(&a), builtin);
        let a = answer(&words(&["--kubeconfig", ""])).await;
        assert_eq!(a.directive, Directive::DEFAULT);
        let a = answer(&words(&["completion", "--install", ""])).await;
        assert_eq!(a.directive, Directive::FILTER_DIRS);
        // a value with no source gives nothing, and no file names
        let a = answer(&words(&["--timeout", ""])).await;
        assert!(a.candidates.is_empty());
        assert_eq!(a.directive, Directive::NO_FILE_COMP);
    }

    #[tokio::test]
    async fn contexts_from_the_typed_kubeconfig() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(
            &path,
            "apiVersion: v1\nkind: Config\ncurrent-context: b\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n- name: b\n  context: {cluster: c, user: u}\n",
        )
        .unwrap();
        let kc = path.to_string_lossy().into_owned();
        let a = answer(&words(&["--kubeconfig", &kc, "--context", ""])).await;
        assert_eq!(values_of(&a), ["b", "a"]);
        let a = answer(&words(&["--kubeconfig", &kc, "--context=a"])).await;
        assert_eq!(values_of(&a), ["--context=a"]);
    }

    #[test]
    fn matching_rules_from_flags_profile_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.yaml").to_string_lossy().into_owned();
        let defaults = (vec!["job_id".to_string()], vec!["grpc-job-{id}".to_string(), "cleanup-job-{id}".into()]);
        // a named config file that does not exist cannot be used: the defaults
        assert_eq!(matching_rules(&words(&["--config", &missing])), defaults);
        let typed =
            words(&["--config", &missing, "--label-key", "k", "--name-pattern", "w-{id}", "--name-pattern", "Bad{id}"]);
        assert_eq!(matching_rules(&typed), (vec!["k".to_string()], vec!["w-{id}".to_string()]));
        // a profile's label keys and patterns apply
        let config = dir.path().join("config.yaml");
        fs::write(
            &config,
            "default-profile: panda\nprofiles:\n  panda:\n    label-keys: [jobId]\n    name-patterns: ['worker-{id}']\n",
        )
        .unwrap();
        let config = config.to_string_lossy().into_owned();
        assert_eq!(
            matching_rules(&words(&["--config", &config, "-n", "panda"])),
            (vec!["jobId".to_string()], vec!["worker-{id}".to_string()])
        );
        // flags win over the profile
        assert_eq!(matching_rules(&words(&["--config", &config, "--label-key", "k"])).0, ["k"]);
    }

    #[test]
    fn scripts_are_generated_for_every_shell() {
        for shell in [CompletionShell::Bash, CompletionShell::Zsh, CompletionShell::Fish, CompletionShell::Powershell] {
            let text = String::from_utf8(script(shell)).unwrap();
            assert!(text.contains("kubectl-jobtrace"), "{shell:?}");
            assert!(text.contains("completion"), "{shell:?}");
        }
        assert_eq!(script_file_name(CompletionShell::Bash), "kubectl-jobtrace.bash");
        assert_eq!(script_file_name(CompletionShell::Zsh), "_kubectl-jobtrace");
    }

    #[cfg(unix)]
    #[test]
    fn install_links_the_helper_beside_the_plugin() {
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join(BIN_NAME);
        fs::write(&plugin, "#!/bin/sh\n").unwrap();
        let done = install(None, plugin.as_os_str()).unwrap();
        assert_eq!(done.helper, dir.path().join(HELPER_NAME));
        assert_eq!(fs::read_link(&done.helper).unwrap(), PathBuf::from(BIN_NAME));
        // again: replaced, not an error
        install(None, plugin.as_os_str()).unwrap();
        // elsewhere: an absolute link to the plugin
        let other = dir.path().join("other");
        let done = install(Some(&other), plugin.as_os_str()).unwrap();
        assert_eq!(fs::read_link(&done.helper).unwrap(), plugin);
        assert!(!done.on_path);
    }
}
