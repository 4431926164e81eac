//! A test binary's main for trace tests: runs pure cases once and tiered cases on every
//! tier (`sandbox::<case>`, `real::<case>`), then, when the real cluster ran anything,
//! the audit check that the read-only users never mutated it. One cluster serves the
//! whole binary (`harness = false`, libtest-mimic).

use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};

use super::{audit, env, Cluster, Tier};

/// A case that needs no cluster.
pub type PureCase = fn() -> Result<(), Failed>;
/// A case run once per tier.
pub type TierCase = fn(Tier) -> Result<(), Failed>;

/// Runs the cases, then the audit check; the process's exit code.
pub fn run(pure: &[(&str, PureCase)], tiered: &[(&str, TierCase)]) -> ExitCode {
    let args = Arguments::from_args();
    let skip = env::skip_real_tier();
    let mut trials: Vec<Trial> = pure.iter().map(|(name, f)| Trial::test(*name, *f)).collect();
    for tier in Tier::every() {
        let ignored = tier == Tier::Real && skip.is_some();
        for (name, f) in tiered {
            let f = *f;
            trials.push(Trial::test(format!("{}::{name}", tier.name()), move || f(tier)).with_ignored_flag(ignored));
        }
    }
    if let Some(reason) = &skip {
        eprintln!("real tier skipped: {reason}");
    }
    let cases = libtest_mimic::run(&args, trials);
    let last = vec![Trial::test("audit::read_only_users_never_mutated_the_cluster", audit_after_all_cases)
        .with_ignored_flag(skip.is_some())];
    let audited = libtest_mimic::run(&args, last);
    if let Some(c) = Cluster::started() {
        c.shutdown();
    }
    if cases.has_failed() || audited.has_failed() {
        ExitCode::from(101)
    } else {
        ExitCode::SUCCESS
    }
}

/// The audit log of this binary's cluster shows no mutating request by a read-only user
/// other than `create pods/portforward`.
pub fn audit_after_all_cases() -> Result<(), Failed> {
    let Some(cluster) = Cluster::started() else {
        return Ok(());
    };
    let (seen, bad) = audit::check_file(&cluster.audit_log, &audit::READ_ONLY_USERS)?;
    if !bad.is_empty() {
        return Err(format!("read-only users changed the cluster ({} requests):\n{}", bad.len(), bad.join("\n")).into());
    }
    eprintln!("audit: {seen} events by {:?}, none mutating", audit::READ_ONLY_USERS);
    Ok(())
}

/// Fails with `msg` unless `cond`.
pub fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(msg().into())
    }
}
