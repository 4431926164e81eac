//! Exit codes, one meaning each: 0 healthy, 1 problems found, 2 could not run, 130
//! interrupted (SIGINT), as a shell expects.

use crate::report::{Report, VerdictStatus};

/// The process exit code of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything found is healthy.
    Healthy = 0,
    /// The trace ran and found problems.
    Problems = 1,
    /// The trace could not run: bad input, no cluster, bad kubeconfig.
    CouldNotRun = 2,
    /// Interrupted by SIGINT.
    Interrupted = 130,
}

impl ExitCode {
    /// The exit code a report calls for.
    pub fn of(report: &Report) -> Self {
        match report.verdict.status {
            VerdictStatus::Healthy => ExitCode::Healthy,
            VerdictStatus::Problems => ExitCode::Problems,
            VerdictStatus::Error => ExitCode::CouldNotRun,
        }
    }

    pub fn code(self) -> i32 {
        self as i32
    }
}
