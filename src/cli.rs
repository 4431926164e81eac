//! The command line as the user typed it: clap derive structs, raw values only. Doc
//! comments are the help text. Resolution (defaults, colour, config profiles) happens in
//! `settings.rs`, never here.
//!
//! The job id is a positional argument beside subcommands (`demo`, `completion`, ...). To
//! trace an id that is also a subcommand's name, put it after `--`:
//! `kubectl jobtrace -n panda -- demo`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum, ValueHint};

/// Trace a job id across its pods and Jobs, and say what is wrong.
///
/// Finds every pod and batch Job that belongs to JOB_ID (by label, by a name token, by
/// name pattern, by owner), shows their health, flags missing expected labels, and
/// diagnoses the problems found. Exit codes: 0 healthy, 1 problems found, 2 could not run.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-jobtrace",
    bin_name = "kubectl jobtrace",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "To trace an id that equals a subcommand name, put it after `--`: kubectl jobtrace -- demo"
)]
pub struct Cli {
    /// The job id to trace, e.g. 19-7 (a label value: letters, digits, '-', '_', '.').
    #[arg(value_name = "JOB_ID")]
    pub job_id: Option<String>,

    #[command(flatten)]
    pub trace: TraceArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of a trace (also accepted after `demo`).
#[derive(Debug, Clone, Default, Args)]
pub struct TraceArgs {
    /// The config file (default: kubectl-jobtrace/config.yaml in the user's config folder,
    /// e.g. ~/.config on Linux; see `config path`).
    #[arg(long, global = true, env = "JOBTRACE_CONFIG", value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// The config profile to use (default: the one whose `namespaces` or `contexts` match,
    /// else the file's `default-profile`).
    #[arg(long, global = true, env = "JOBTRACE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Namespace to trace in (default: the context's namespace, else `default`).
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// The kubeconfig context to use (default: the current context).
    #[arg(long, global = true, value_name = "CONTEXT")]
    pub context: Option<String>,

    /// Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub kubeconfig: Option<PathBuf>,

    /// Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`.
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Label key that should carry the job id (repeatable; default: job_id).
    #[arg(long = "label-key", global = true, value_name = "KEY")]
    pub label_keys: Vec<String>,

    /// Name pattern of the job's objects, `{id}` standing for the id (repeatable;
    /// default: grpc-job-{id} and cleanup-job-{id}).
    #[arg(long = "name-pattern", global = true, value_name = "PATTERN")]
    pub name_patterns: Vec<String>,

    /// Output format.
    #[arg(short = 'o', long, global = true, value_enum, env = "JOBTRACE_OUTPUT", value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// When to colour the table output.
    #[arg(long, global = true, value_enum, env = "JOBTRACE_COLOR", value_name = "WHEN")]
    pub color: Option<ColorChoice>,

    /// Timeout of one API request, e.g. 5s (default 10s).
    #[arg(long, global = true, env = "JOBTRACE_REQUEST_TIMEOUT", value_name = "DURATION")]
    pub request_timeout: Option<String>,

    /// Timeout of the whole trace, e.g. 30s (sources not done by then are reported as
    /// unavailable; default 30s).
    #[arg(long, global = true, env = "JOBTRACE_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Log what the tool does to stderr (-v info, -vv debug, -vvv trace).
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(flatten)]
    pub logs: LogArgs,

    #[command(flatten)]
    pub backend: BackendArgs,

    #[command(flatten)]
    pub mongo: MongoArgs,

    /// Which of the values above clap took from an environment variable: clap id ->
    /// variable name (filled by [`Cli::parse_tracking_env`]; the settings' provenance).
    #[arg(skip)]
    pub from_env: BTreeMap<String, String>,
}

/// Which logs are read, and where the consumer service is.
#[derive(Debug, Clone, Default, Args)]
pub struct LogArgs {
    /// Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h).
    #[arg(long, global = true, value_name = "DURATION")]
    pub since: Option<String>,

    /// Read at most this many lines per container (sent to the API as tailLines; default 2000).
    #[arg(long, global = true, value_name = "LINES")]
    pub tail: Option<u32>,

    /// How many container logs are read at once (default 8).
    #[arg(long, global = true, value_name = "N")]
    pub log_concurrency: Option<usize>,

    /// Do not read any logs.
    #[arg(long, global = true)]
    pub no_logs: bool,

    /// The consumer service's Service name (default: auto-detect one named or labelled `consumer`).
    #[arg(long, global = true, value_name = "NAME")]
    pub consumer_service: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a trace against the built-in sandbox of incident 19-7 (no cluster needed).
    Demo(DemoArgs),
    /// Print a shell completion script, or install the helper behind `kubectl jobtrace <TAB>`.
    Completion(CompletionArgs),
    /// Write, show or locate the config file (profiles of settings).
    Config(ConfigArgs),
}

/// Options of `config`.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// `config` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented config file with the incident's layout as a profile.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the effective settings and where each comes from (flag, env, profile,
    /// default), secrets redacted; `-o json|yaml` too.
    View,
    /// Print the path of the config file in use.
    Path,
}

impl Cli {
    /// Parses like `Cli::parse_from`, and records which values came from environment
    /// variables (`TraceArgs::from_env`), which the settings' provenance needs.
    pub fn parse_tracking_env<I, T>(args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let command = Self::command();
        let mut matches = command.clone().get_matches_from(args);
        // before `from_arg_matches_mut`, which takes the values out of the matches
        let mut from_env = BTreeMap::new();
        let mut level = Some(&matches);
        while let Some(m) = level {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if m.try_contains_id(id).unwrap_or(false) && m.value_source(id) == Some(ValueSource::EnvVariable) {
                    if let Some(var) = arg.get_env() {
                        from_env.insert(id.to_string(), var.to_string_lossy().into_owned());
                    }
                }
            }
            level = m.subcommand().map(|(_, sub)| sub);
        }
        let mut cli =
            Self::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut Self::command()).exit());
        cli.trace.from_env = from_env;
        cli
    }
}

/// Options of `demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// The built-in scenario to run.
    #[arg(long, default_value = "incident-19-7", value_name = "NAME")]
    pub scenario: String,

    /// The job id to trace in the scenario.
    #[arg(long = "id", default_value = "19-7", value_name = "JOB_ID")]
    pub job_id: String,
}

/// Options of `completion`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Completion through kubectl (`kubectl jobtrace <TAB>`, kubectl 1.26+) runs an executable named \
kubectl_complete-jobtrace found on PATH; `kubectl jobtrace completion --install` links it beside \
this plugin (Krew's bin folder for a Krew install). Completion of `kubectl-jobtrace` typed \
directly: `source <(kubectl-jobtrace completion bash)`.")]
pub struct CompletionArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, required_unless_present = "install", conflicts_with = "install", value_name = "SHELL")]
    pub shell: Option<CompletionShell>,

    /// Install the `kubectl_complete-jobtrace` helper kubectl's completion runs: beside
    /// this plugin's executable on PATH (e.g. Krew's bin folder), or in DIR.
    #[arg(long, value_name = "DIR", num_args = 0..=1, value_hint = ValueHint::DirPath)]
    pub install: Option<Option<PathBuf>>,
}

/// Shells a completion script can be printed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// Bash (needs the bash-completion package for `complete -F` helpers).
    Bash,
    /// Zsh (save as `_kubectl-jobtrace` in a folder of $fpath).
    Zsh,
    /// Fish (save in ~/.config/fish/completions/).
    Fish,
    /// PowerShell (dot-source it from $PROFILE).
    Powershell,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Human-readable tables.
    Table,
    /// Tables with more columns (node, labels, owner).
    Wide,
    /// The report as JSON (a stable interface, schemaVersion 1).
    Json,
    /// The report as YAML.
    Yaml,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Where MongoDB is and how to read it (the job and consumer records).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "MongoDB")]
pub struct MongoArgs {
    /// The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017
    /// or named or labelled mongo).
    #[arg(long, global = true, value_name = "NAME[:PORT]")]
    pub mongo_service: Option<String>,

    /// Connection string with credentials and options; its host is replaced by a
    /// port-forward to the Mongo pod unless --mongo-direct.
    #[arg(long, global = true, env = "JOBTRACE_MONGO_URI", hide_env_values = true, value_name = "URI")]
    pub mongo_uri: Option<String>,

    /// Connect to the --mongo-uri host as it is, without a port-forward (needs a URI).
    #[arg(long, global = true)]
    pub mongo_direct: bool,

    /// Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the
    /// password or a connection string.
    #[arg(long, global = true, env = "JOBTRACE_MONGO_SECRET", value_name = "NAME[/KEY]")]
    pub mongo_secret: Option<String>,

    /// The database to search (default: the URI's, else every database holding the collections).
    #[arg(long, global = true, value_name = "DB")]
    pub mongo_db: Option<String>,

    /// A collection to look the job id up in (repeatable; default: jobs and consumers).
    #[arg(long = "mongo-collection", global = true, value_name = "NAME")]
    pub mongo_collections: Vec<String>,

    /// The field that holds the job id (default: job_id).
    #[arg(long, global = true, value_name = "FIELD")]
    pub mongo_field: Option<String>,

    /// Do not look in MongoDB.
    #[arg(long, global = true, conflicts_with_all = ["mongo_service", "mongo_secret"])]
    pub no_mongo: bool,
}

/// How to reach the backend and what to ask it (`GET /metadata/{id}`).
#[derive(Debug, Clone, Default, Args)]
pub struct BackendArgs {
    /// The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app
    /// label says `backend`). Reached by an in-process port-forward to a ready pod.
    #[arg(long, global = true, value_name = "NAME[:PORT]")]
    pub backend_service: Option<String>,

    /// Ask the backend at this base URL instead of port-forwarding (an ingress, a local
    /// run), e.g. http://localhost:8080.
    #[arg(long, global = true, value_name = "URL", env = "JOBTRACE_BACKEND_URL")]
    pub backend_url: Option<String>,

    /// The metadata path, `{id}` standing for the job id, inserted as one percent-encoded
    /// path segment (default: /metadata/{id}).
    #[arg(long, global = true, value_name = "PATH")]
    pub metadata_path: Option<String>,

    /// Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s.
    #[arg(long, global = true, value_name = "DURATION")]
    pub wait: Option<String>,

    /// Time between polls under --wait (default: 1s).
    #[arg(long, global = true, value_name = "DURATION")]
    pub interval: Option<String>,

    /// Do not ask the backend.
    #[arg(long, global = true)]
    pub no_backend: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn id_after_double_dash_is_a_job_id() {
        let cli = Cli::try_parse_from(["kubectl-jobtrace", "-n", "x", "--", "demo"]).unwrap();
        assert_eq!(cli.job_id.as_deref(), Some("demo"));
        assert!(cli.command.is_none());
    }

    #[test]
    fn demo_takes_trace_flags() {
        let cli = Cli::try_parse_from(["kubectl-jobtrace", "demo", "-o", "json"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Demo(_))));
        assert_eq!(cli.trace.output, Some(OutputFormat::Json));
    }

    #[test]
    fn completion_takes_a_shell_or_install() {
        let cli = Cli::try_parse_from(["kubectl-jobtrace", "completion", "zsh"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Completion(CompletionArgs { shell: Some(CompletionShell::Zsh), .. }))
        ));
        let cli = Cli::try_parse_from(["kubectl-jobtrace", "completion", "--install"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Completion(CompletionArgs { install: Some(None), .. }))));
        let cli = Cli::try_parse_from(["kubectl-jobtrace", "completion", "--install", "/tmp/x"]).unwrap();
        let Some(Command::Completion(args)) = cli.command else { panic!("not completion") };
        assert_eq!(args.install, Some(Some(PathBuf::from("/tmp/x"))));
        assert!(Cli::try_parse_from(["kubectl-jobtrace", "completion"]).is_err());
        assert!(Cli::try_parse_from(["kubectl-jobtrace", "completion", "tcsh"]).is_err());
    }

    #[test]
    fn repeatable_flags() {
        let cli =
            Cli::try_parse_from(["kubectl-jobtrace", "19-7", "--label-key", "job_id", "--label-key", "jobId"]).unwrap();
        assert_eq!(cli.trace.label_keys, ["job_id", "jobId"]);
    }

    #[test]
    fn mongo_flags_parse_anywhere() {
        let cli = Cli::try_parse_from([
            "kubectl-jobtrace",
            "demo",
            "--mongo-collection",
            "jobs",
            "--mongo-collection",
            "runs",
            "--mongo-service",
            "db:27018",
        ])
        .unwrap();
        assert_eq!(cli.trace.mongo.mongo_collections, ["jobs", "runs"]);
        assert_eq!(cli.trace.mongo.mongo_service.as_deref(), Some("db:27018"));
        assert!(Cli::try_parse_from(["kubectl-jobtrace", "19-7", "--no-mongo", "--mongo-service", "x"]).is_err());
    }

    #[test]
    fn backend_flags_are_global() {
        let cli = Cli::try_parse_from([
            "kubectl-jobtrace",
            "demo",
            "--backend-service",
            "backend:http",
            "--wait",
            "10s",
            "--interval",
            "500ms",
            "--metadata-path",
            "/v2/jobs/{id}",
        ])
        .unwrap();
        let b = &cli.trace.backend;
        assert_eq!(b.backend_service.as_deref(), Some("backend:http"));
        assert_eq!(b.wait.as_deref(), Some("10s"));
        assert_eq!(b.interval.as_deref(), Some("500ms"));
        assert_eq!(b.metadata_path.as_deref(), Some("/v2/jobs/{id}"));
        assert!(Cli::try_parse_from(["kubectl-jobtrace", "19-7", "--no-backend"]).unwrap().trace.backend.no_backend);
    }
}

#[cfg(test)]
mod env_tracking_tests {
    use super::*;

    #[test]
    fn values_from_environment_variables_are_recorded() {
        std::env::set_var("JOBTRACE_REQUEST_TIMEOUT", "3s");
        let cli = Cli::parse_tracking_env(["kubectl-jobtrace", "19-7", "--timeout", "4s"]);
        let sub = Cli::parse_tracking_env(["kubectl-jobtrace", "config", "view"]);
        let demo = Cli::parse_tracking_env(["kubectl-jobtrace", "demo", "--timeout", "4s"]);
        std::env::remove_var("JOBTRACE_REQUEST_TIMEOUT");
        for c in [&cli, &sub, &demo] {
            assert_eq!(c.trace.request_timeout.as_deref(), Some("3s"));
            assert_eq!(c.trace.from_env.get("request_timeout").map(String::as_str), Some("JOBTRACE_REQUEST_TIMEOUT"));
            assert!(!c.trace.from_env.contains_key("timeout"));
        }
    }
}
