//! The `kubectl-jobtrace` binary: parse the command line, set up tracing, run, render,
//! and map the outcome to an exit code. Everything else lives in the library.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process;

use jobtrace::cli::{Cli, Command, CompletionArgs, ConfigArgs, ConfigCommand, TraceArgs};
use jobtrace::completion;
use jobtrace::config::Location;
use jobtrace::exit::ExitCode;
use jobtrace::settings::{Effective, Settings};

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    // Started by kubectl's completion (`kubectl_complete-jobtrace ...`): answer and stop.
    // Whatever happens, exit 0 and print nothing on stderr, which kubectl shows.
    if let Some(words) = completion::plugin_request(&args) {
        let _ = completion::serve(&words, &mut io::stdout().lock());
        process::exit(0);
    }
    let cli = Cli::parse_tracking_env(&args);
    init_tracing(cli.trace.verbose);
    let code = match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kubectl-jobtrace: error: {}", jobtrace::text::one_line(&format!("{err:#}")));
            ExitCode::CouldNotRun
        }
    };
    process::exit(code.code());
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (report, settings) = match cli.command {
        Some(Command::Completion(args)) => return run_completion(&args),
        Some(Command::Config(args)) => return run_config(&args, &cli.trace),
        Some(Command::Demo(demo)) => runtime.block_on(jobtrace::sandbox::demo::run(&demo, &cli.trace))?,
        None => {
            let settings = Settings::resolve(cli.job_id.as_deref(), &cli.trace)?;
            (runtime.block_on(jobtrace::trace(settings.clone()))?, settings)
        }
    };
    let (format, color) = settings.rendering();
    let mut stdout = io::stdout().lock();
    written(jobtrace::render::render(&report, format, color, &mut stdout).and_then(|_| stdout.flush()))?;
    Ok(ExitCode::of(&report))
}

/// A reader that went away (`| head -1`) is not an error of ours.
fn written(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `config init [--force]`, `config view`, `config path`.
fn run_config(args: &ConfigArgs, trace: &TraceArgs) -> anyhow::Result<ExitCode> {
    let mut stdout = io::stdout().lock();
    let location = Location::of(trace);
    match args.command {
        ConfigCommand::Path => match &location.path {
            Some(path) => writeln!(stdout, "{}", path.display())?,
            None => anyhow::bail!("no config folder (HOME unset?): pass --config PATH"),
        },
        ConfigCommand::Init { force } => {
            let path = jobtrace::config::init(&location, force)?;
            writeln!(stdout, "wrote {}", path.display())?;
            writeln!(stdout, "see what applies with: kubectl jobtrace config view")?;
        }
        ConfigCommand::View => {
            let effective = Effective::gather(trace)?;
            effective.check()?;
            let format = effective.output_format();
            written(
                jobtrace::render::config::render(&effective.view(), format, &mut stdout).and_then(|_| stdout.flush()),
            )?;
        }
    }
    Ok(ExitCode::Healthy)
}

/// `completion SHELL` prints a script; `completion --install [DIR]` places the helper.
fn run_completion(args: &CompletionArgs) -> anyhow::Result<ExitCode> {
    let mut stdout = io::stdout().lock();
    if let Some(dir) = &args.install {
        let argv0 = std::env::args_os().next().unwrap_or_default();
        let done = completion::install(dir.as_deref(), &argv0)?;
        writeln!(stdout, "installed {} -> {}", done.helper.display(), done.target.display())?;
        if !done.on_path {
            writeln!(
                stdout,
                "note: kubectl finds the helper only on PATH; add {} to PATH",
                done.helper.parent().unwrap_or(&done.helper).display()
            )?;
        }
    } else if let Some(shell) = args.shell {
        match stdout.write_all(&completion::script(shell)).and_then(|_| stdout.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            other => other?,
        }
    }
    Ok(ExitCode::Healthy)
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_new(format!("kubectl_jobtrace={level},jobtrace={level}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).with_target(false).init();
}
