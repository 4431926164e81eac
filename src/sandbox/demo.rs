//! `kubectl jobtrace demo`: starts the sandbox with a built-in scenario, writes a
//! temporary kubeconfig pointing at it, and runs the real trace against it.

use anyhow::{Context, Result};

use crate::cli::{DemoArgs, TraceArgs};
use crate::report::Report;
use crate::sandbox::scenario::Scenario;
use crate::sandbox::Sandbox;
use crate::settings::Settings;

/// Runs the demo; returns the trace's report and the settings it ran with.
pub async fn run(demo: &DemoArgs, trace: &TraceArgs) -> Result<(Report, Settings)> {
    let scenario = Scenario::builtin(&demo.scenario).with_context(|| {
        let names: Vec<&str> = crate::sandbox::scenario::BUILTIN.iter().map(|(n, _)| *n).collect();
        format!("no built-in scenario {:?} (available: {})", demo.scenario, names.join(", "))
    })?;
    let namespace = trace.namespace.clone().unwrap_or_else(|| scenario.namespace.clone());
    let sandbox = Sandbox::start(scenario).await.context("starting the sandbox")?;
    let dir = tempfile::tempdir().context("creating a temporary folder for the sandbox kubeconfig")?;
    let kubeconfig = sandbox.write_kubeconfig(dir.path()).context("writing the sandbox kubeconfig")?;
    let args = TraceArgs { kubeconfig: Some(kubeconfig), context: None, namespace: Some(namespace), ..trace.clone() };
    let settings = Settings::resolve(Some(&demo.job_id), &args)?;
    let report = crate::trace(settings.clone()).await?;
    sandbox.shutdown().await;
    Ok((report, settings))
}
