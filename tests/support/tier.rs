//! The tiers a trace test runs on, behind one interface: serve a scenario, get kubeconfigs
//! per user and the namespace names, run the built plugin or the real kubectl.
//!
//! - `Tier::Sandbox`: jobtrace's in-process fake apiserver (`jobtrace::sandbox::Sandbox`),
//!   one per test, plain HTTP, one user; restrictions come from the scenario's `forbidden`.
//! - `Tier::Real`: the shared real kube-apiserver, seeded through its API into per-test
//!   namespaces, with the kubelet stand-in behind it and RBAC users (see `cluster`, `seed`).
//!
//! A tier is added by a variant, its arm in [`Tier::setup`] and in [`Tier::all`].

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use jobtrace::sandbox::apiserver::RecordedRequest;
use jobtrace::sandbox::kubelet::KubeletRoutes;
use jobtrace::sandbox::portforward::PortTargets;
use jobtrace::sandbox::scenario::{PortAnswer, Scenario};
use jobtrace::sandbox::Sandbox;

use super::cluster::{Cluster, User};
use super::env;
use super::kubelet::{self, Kubelet};
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
    /// jobtrace's in-process sandbox apiserver (fast; always available).
    Sandbox,
    /// A real kube-apiserver v1.20.2 + etcd, a kubelet stand-in, SecantusDB for Mongo.
    Real,
}

/// What to start besides the Kubernetes API (and, on the real tier, the kubelet stand-in,
/// which serves logs and the scripted HTTP backends in-process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backends {
    /// A SecantusDB per Mongo port of the scenario, reached by port-forwards.
    All,
    /// No SecantusDB (about 1.5 s saved when a test does not reach Mongo).
    None,
}

impl Tier {
    /// The tiers available in this run: the sandbox, and the real tier unless skipped.
    pub fn all() -> Vec<Tier> {
        let mut tiers = vec![Tier::Sandbox];
        if env::skip_real_tier().is_none() {
            tiers.push(Tier::Real);
        }
        tiers
    }

    /// Every tier, available or not (a suite shows the unavailable ones as ignored).
    pub fn every() -> Vec<Tier> {
        vec![Tier::Sandbox, Tier::Real]
    }

    pub fn name(self) -> &'static str {
        match self {
            Tier::Sandbox => "sandbox",
            Tier::Real => "real",
        }
    }

    /// Serves `scenario` on this tier; on the real tier in namespaces no other test uses.
    pub fn setup(self, scenario: &Scenario, backends: Backends) -> Ctx {
        self.setup_with(scenario, backends, &[])
    }

    /// [`Tier::setup`], with some pod ports (`namespace/pod` as the scenario names them)
    /// bridged to local TCP servers instead of what the scenario says: a test's own
    /// misbehaving server (a reset mid-response, a body that is not UTF-8, silence).
    pub fn setup_with(self, scenario: &Scenario, backends: Backends, tcp: &[(&str, u16, SocketAddr)]) -> Ctx {
        static N: AtomicU32 = AtomicU32::new(1);
        let suffix = format!("t{}", N.fetch_add(1, Ordering::Relaxed));
        let home = super::cluster::temp_dir("jobtrace-home").expect("temp HOME");
        match self {
            Tier::Sandbox => {
                let mongos = start_mongos(scenario, backends);
                let now = jiff::Timestamp::now();
                let mut targets = PortTargets::from_scenario(scenario, now, Instant::now());
                for (pod, port, m) in &mongos {
                    targets.set(pod, *port, jobtrace::sandbox::portforward::Target::Tcp(m.addr()));
                }
                for (pod, port, addr) in tcp {
                    targets.set(pod, *port, jobtrace::sandbox::portforward::Target::Tcp(*addr));
                }
                let sandbox = kubelet::runtime()
                    .block_on(Sandbox::start_at(scenario.clone(), now, targets))
                    .unwrap_or_else(|e| panic!("sandbox for {}: {e:#}", scenario.name));
                let config = sandbox.write_kubeconfig(home.path()).expect("sandbox kubeconfig");
                for user in User::every() {
                    std::fs::copy(&config, home.path().join(format!("kubeconfig-{}", user.name())))
                        .expect("copy the sandbox kubeconfig");
                }
                let namespaces = scenario_namespaces(scenario).into_iter().map(|n| (n.clone(), n)).collect();
                Ctx { tier: self, namespaces, home, mongos, served: Served::Sandbox(sandbox) }
            }
            Tier::Real => {
                let cluster = Cluster::shared();
                let seeded = seed(scenario, &suffix);
                let mongos = start_mongos(&seeded.scenario, backends);
                let mut routes = KubeletRoutes::at(&seeded.scenario, seeded.scenario.now);
                let mut targets = PortTargets::from_scenario(&seeded.scenario, seeded.scenario.now, Instant::now());
                for (pod, port, m) in &mongos {
                    routes = routes.with_tcp(pod, *port, m.addr());
                    targets.set(pod, *port, jobtrace::sandbox::portforward::Target::Tcp(m.addr()));
                }
                for (pod, port, addr) in tcp {
                    let (ns, name) = pod.split_once('/').expect("namespace/pod");
                    let real = format!("{}/{name}", seeded.ns(ns));
                    routes = routes.with_tcp(&real, *port, *addr);
                    targets.set(&real, *port, jobtrace::sandbox::portforward::Target::Tcp(*addr));
                }
                let kubelet = Kubelet::start(cluster, &seeded.node, routes, targets)
                    .unwrap_or_else(|e| panic!("kubelet stand-in for {}: {e}", scenario.name));
                for user in User::every() {
                    let path = home.path().join(format!("kubeconfig-{}", user.name()));
                    cluster.write_kubeconfig(user, Some(&seeded.scenario.namespace), &path).expect("write kubeconfig");
                }
                let namespaces = seeded.namespaces.clone();
                Ctx { tier: self, namespaces, home, mongos, served: Served::Real { seeded: Box::new(seeded), kubelet } }
            }
        }
    }
}

/// Every namespace a scenario names.
fn scenario_namespaces(s: &Scenario) -> Vec<String> {
    let mut names = vec![s.namespace.clone()];
    for o in &s.objects {
        if o["kind"] == "Namespace" {
            names.extend(o["metadata"]["name"].as_str().map(str::to_string));
        }
        names.extend(o["metadata"]["namespace"].as_str().map(str::to_string));
    }
    names.sort();
    names.dedup();
    names
}

/// A SecantusDB per Mongo port of `scenario` (none with `Backends::None`).
fn start_mongos(scenario: &Scenario, backends: Backends) -> Vec<(String, u16, Mongo)> {
    if backends == Backends::None {
        return Vec::new();
    }
    let mut mongos = Vec::new();
    for p in &scenario.ports {
        if let PortAnswer::Mongo(data) = &p.answer {
            let m = Mongo::start(data).unwrap_or_else(|e| panic!("SecantusDB for {}: {e}", p.pod));
            mongos.push((p.pod.clone(), p.port, m));
        }
    }
    mongos
}

enum Served {
    Sandbox(Sandbox),
    Real { seeded: Box<Seeded>, kubelet: Kubelet },
}

/// One scenario served on one tier; everything stops when it is dropped.
pub struct Ctx {
    pub tier: Tier,
    namespaces: BTreeMap<String, String>,
    home: tempfile::TempDir,
    mongos: Vec<(String, u16, Mongo)>,
    served: Served,
}

impl Ctx {
    /// The real name of scenario namespace `name` (real tier: `panda` -> `panda-t3`).
    pub fn ns(&self, name: &str) -> String {
        self.namespaces.get(name).cloned().unwrap_or_else(|| panic!("the scenario has no namespace {name:?}"))
    }

    /// A kubeconfig for `user` whose context defaults to the scenario's namespace
    /// (`real-<user>`; on the sandbox, which has one user, `sandbox-<scenario>`).
    pub fn kubeconfig(&self, user: User) -> PathBuf {
        self.home.path().join(format!("kubeconfig-{}", user.name()))
    }

    /// The empty HOME of every command run here.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The seeding on the real tier (renamed namespaces, new uids, the Node).
    pub fn seeded(&self) -> Option<&Seeded> {
        match &self.served {
            Served::Real { seeded, .. } => Some(seeded),
            Served::Sandbox(_) => None,
        }
    }

    /// The sandbox on the sandbox tier.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        match &self.served {
            Served::Sandbox(s) => Some(s),
            Served::Real { .. } => None,
        }
    }

    /// What reached the pods' side: the kubelet stand-in's requests (real tier, via the
    /// apiserver) or every sandbox request.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        match &self.served {
            Served::Sandbox(s) => s.requests(),
            Served::Real { kubelet, .. } => kubelet.requests(),
        }
    }

    /// What to add to an assertion message: the stand-in's requests and, on the real tier,
    /// the tails of the etcd, kube-apiserver and SecantusDB logs.
    pub fn diagnostics(&self) -> String {
        let mut text = format!("{} tier; requests: {:#?}\n", self.tier.name(), self.requests());
        if let Some(c) = Cluster::started().filter(|_| self.tier == Tier::Real) {
            text.push_str(&c.log_tails(15));
        }
        for (pod, port, m) in &self.mongos {
            text.push_str(&format!("\n{pod}:{port} {}", m.log_tail(10)));
        }
        text
    }

    /// The SecantusDB serving scenario pod `pod` (`namespace/name`, scenario names) on `port`.
    pub fn mongo(&self, pod: &str, port: u16) -> Option<&Mongo> {
        let (ns, name) = pod.split_once('/')?;
        let real = format!("{}/{name}", self.ns(ns));
        self.mongos.iter().find(|(p, q, _)| *p == real && *q == port).map(|(_, _, m)| m)
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

/// Output of a child read to the end on its own thread.
pub type Reader = std::thread::JoinHandle<Vec<u8>>;

/// Spawns `cmd` with stdin closed, its stdout and stderr each read to the end on a thread
/// of its own (so neither pipe fills up and blocks the child).
pub fn spawn_reading(cmd: &mut Command) -> std::io::Result<(std::process::Child, Reader, Reader)> {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("piped stdout")));
    let err = reader(Box::new(child.stderr.take().expect("piped stderr")));
    Ok((child, out, err))
}

/// Runs `cmd` to completion, killing it after [`RUN_TIMEOUT`] (then panics with what it
/// printed so far).
pub fn output(mut cmd: Command) -> Output {
    let what = format!("{cmd:?}");
    let (mut child, out, err) = spawn_reading(&mut cmd).unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
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
