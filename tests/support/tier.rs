//! The tiers a trace test runs on, behind one interface: seed a scenario, get kubeconfigs
//! per user and the real namespace names, run the built plugin or the real kubectl.
//!
//! `Tier::Real` is a real kube-apiserver seeded through its API (see `cluster`, `seed`);
//! a tier is added by a variant here, its arm in [`Tier::setup`] and in [`Tier::all`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use jobtrace::sandbox::apiserver::RecordedRequest;
use jobtrace::sandbox::kubelet::KubeletRoutes;
use jobtrace::sandbox::scenario::{PortAnswer, Scenario};

use super::cluster::{Cluster, User};
use super::env;
use super::kubelet::Kubelet;
use super::mongo::Mongo;
use super::seed::{seed, Seeded};

/// The built plugin.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-jobtrace");
/// The real kubectl of the base image.
pub const KUBECTL: &str = "/usr/bin/kubectl";
/// The longest a run of the plugin or kubectl may take.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a scenario is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// A real kube-apiserver v1.20.2 + etcd (+ SecantusDB for Mongo ports).
    Real,
}

/// What to start besides the Kubernetes objects and the kubelet stand-in (which serves
/// logs and the scripted HTTP backends in-process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backends {
    /// A SecantusDB per Mongo port of the scenario.
    All,
    /// No SecantusDB (about 1.5 s saved when a test does not reach Mongo).
    None,
}

impl Tier {
    /// The tiers available in this run (the real tier unless skipped).
    pub fn all() -> Vec<Tier> {
        let mut tiers = Vec::new();
        if env::skip_real_tier().is_none() {
            tiers.push(Tier::Real);
        }
        tiers
    }

    /// Every tier, available or not (a suite shows the unavailable ones as ignored).
    pub fn every() -> Vec<Tier> {
        vec![Tier::Real]
    }

    pub fn name(self) -> &'static str {
        match self {
            Tier::Real => "real",
        }
    }

    /// Serves `scenario` on this tier, in namespaces no other test uses.
    pub fn setup(self, scenario: &Scenario, backends: Backends) -> Ctx {
        static N: AtomicU32 = AtomicU32::new(1);
        let suffix = format!("t{}", N.fetch_add(1, Ordering::Relaxed));
        let home = tempfile::Builder::new().prefix("jobtrace-home-").tempdir().expect("temp HOME");
        match self {
            Tier::Real => {
                let cluster = Cluster::shared();
                let seeded = seed(scenario, &suffix);
                let mut mongos = Vec::new();
                if backends == Backends::All {
                    for p in &seeded.scenario.ports {
                        if let PortAnswer::Mongo(data) = &p.answer {
                            let m = Mongo::start(data).unwrap_or_else(|e| panic!("SecantusDB for {}: {e}", p.pod));
                            mongos.push((p.pod.clone(), p.port, m));
                        }
                    }
                }
                let mut routes = KubeletRoutes::at(&seeded.scenario, seeded.scenario.now);
                for (pod, port, m) in &mongos {
                    routes = routes.with_tcp(pod, *port, m.addr());
                }
                let kubelet = Kubelet::start(cluster, &seeded.node, routes)
                    .unwrap_or_else(|e| panic!("kubelet stand-in for {}: {e}", scenario.name));
                for user in User::ALL {
                    let path = home.path().join(format!("kubeconfig-{}", user.name()));
                    cluster.write_kubeconfig(user, Some(&seeded.scenario.namespace), &path).expect("write kubeconfig");
                }
                Ctx { tier: self, seeded, home, mongos, kubelet }
            }
        }
    }
}

/// One scenario served on one tier.
pub struct Ctx {
    pub tier: Tier,
    pub seeded: Seeded,
    home: tempfile::TempDir,
    mongos: Vec<(String, u16, Mongo)>,
    kubelet: Kubelet,
}

impl Ctx {
    /// The real name of scenario namespace `name` (`panda` -> `panda-t3`).
    pub fn ns(&self, name: &str) -> String {
        self.seeded.ns(name)
    }

    /// A kubeconfig for `user` whose context (`real-<user>`) defaults to the scenario's
    /// namespace.
    pub fn kubeconfig(&self, user: User) -> PathBuf {
        self.home.path().join(format!("kubeconfig-{}", user.name()))
    }

    /// The empty HOME of every command run here.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The SecantusDB serving scenario pod `pod` (`namespace/name`, scenario names) on `port`.
    pub fn mongo(&self, pod: &str, port: u16) -> Option<&Mongo> {
        let (ns, name) = pod.split_once('/')?;
        let real = format!("{}/{name}", self.ns(ns));
        self.mongos.iter().find(|(p, q, _)| *p == real && *q == port).map(|(_, _, m)| m)
    }

    /// What the kubelet stand-in received (log and port-forward requests, via the apiserver).
    pub fn kubelet_requests(&self) -> Vec<RecordedRequest> {
        self.kubelet.routes.requests()
    }

    /// Runs the plugin as the reader.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as(User::Reader, args)
    }

    /// Runs the plugin as `user`, hermetically (see [`Ctx::command`]).
    pub fn run_as(&self, user: User, args: &[&str]) -> Output {
        let mut cmd = self.command(BIN, user);
        cmd.args(args);
        output(cmd)
    }

    /// Runs the real kubectl as `user`, with the plugin's folder on PATH.
    pub fn kubectl(&self, user: User, args: &[&str]) -> Output {
        let mut cmd = self.command(KUBECTL, user);
        cmd.args(args);
        output(cmd)
    }

    /// `program` with an environment holding nothing of the caller's (no KUBECONFIG,
    /// JOBTRACE_*, NO_COLOR, proxies, ...): HOME is an empty folder, KUBECONFIG the
    /// user's kubeconfig, PATH the plugin's folder and the system's.
    pub fn command(&self, program: &str, user: User) -> Command {
        let bin_dir = Path::new(BIN).parent().expect("binary folder");
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", self.home.path())
            .env("KUBECONFIG", self.kubeconfig(user))
            .current_dir(self.home.path());
        // Kept so that coverage and backtraces still work.
        for keep in ["LLVM_PROFILE_FILE", "RUST_BACKTRACE", "TMPDIR"] {
            if let Some(v) = std::env::var_os(keep) {
                cmd.env(keep, v);
            }
        }
        cmd
    }
}

/// Runs `cmd` to completion, killing it after [`RUN_TIMEOUT`] (then panics with what it
/// printed so far).
pub fn output(mut cmd: Command) -> Output {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let (o, e) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
            panic!(
                "{what} did not finish within {RUN_TIMEOUT:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&o),
                String::from_utf8_lossy(&e)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

/// `output`'s text, for assertion messages.
pub fn show(o: &Output) -> String {
    format!(
        "exit: {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
