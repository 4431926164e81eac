//! Where the real tier's binaries are, and whether the real tier runs at all.
//!
//! `tests/run.sh` provisions the binaries and exports `KUBE_APISERVER`, `ETCD` and
//! `SECANTUSD`. A plain `cargo test` without them runs `tests/env/provision.sh` itself
//! (cached, so quick after the first time). `JOBTRACE_SKIP_REAL_TIER=1` skips the real
//! tier, except under `CI=true` where it is mandatory.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Paths of the provisioned binaries.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub kube_apiserver: PathBuf,
    pub etcd: PathBuf,
    pub secantusd: PathBuf,
}

fn is_set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// `Some(reason)` when the real tier is to be skipped.
pub fn skip_real_tier() -> Option<String> {
    if is_set("JOBTRACE_SKIP_REAL_TIER") {
        assert!(!is_set("CI"), "JOBTRACE_SKIP_REAL_TIER is set but CI=true: the real tier is mandatory in CI");
        return Some("JOBTRACE_SKIP_REAL_TIER is set".into());
    }
    None
}

/// The binaries, provisioning them on first use if the environment does not name them.
/// Panics with the provisioning script's reason if that fails.
pub fn binaries() -> &'static Binaries {
    static BINARIES: OnceLock<Binaries> = OnceLock::new();
    BINARIES.get_or_init(|| locate().unwrap_or_else(|e| panic!("real tier unavailable: {e}")))
}

fn locate() -> Result<Binaries, String> {
    let from_env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    let (a, e, s) = match (from_env("KUBE_APISERVER"), from_env("ETCD"), from_env("SECANTUSD")) {
        (Some(a), Some(e), Some(s)) => (a, e, s),
        _ => provision()?,
    };
    for p in [&a, &e, &s] {
        if !p.is_file() {
            return Err(format!("{} does not exist (rerun tests/env/provision.sh)", p.display()));
        }
    }
    Ok(Binaries { kube_apiserver: a, etcd: e, secantusd: s })
}

fn provision() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/env/provision.sh");
    eprintln!("real tier: KUBE_APISERVER/ETCD/SECANTUSD unset, running {script}");
    let out = Command::new("bash")
        .arg(script)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{script} failed ({}); its progress is above", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .map(PathBuf::from)
            .ok_or_else(|| format!("{script} printed no {k}= line"))
    };
    Ok((get("KUBE_APISERVER")?, get("ETCD")?, get("SECANTUSD")?))
}
