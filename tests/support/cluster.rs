//! A real etcd + kube-apiserver (v1.20.2) for the test process: free ports, a fresh
//! temporary folder, TLS from `--cert-dir`, token users, RBAC, and an audit log that
//! records every request at Metadata level.
//!
//! [`Cluster::shared`] starts one lazily per test binary and tears it down when the
//! process exits; [`Cluster::start`] gives a private one, stopped on drop. Children die
//! with the test process even when it is killed (see `procs`), and folders left by a
//! killed run are removed by the next one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::env;
use super::procs::{free_port, wait_for, Proc};

/// The users of the real tier, each with a bearer token and a kubeconfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum User {
    /// `system:masters`: seeds scenarios. Never used for the tool under test.
    Admin,
    /// Bound to exactly what the tool needs (`jobtrace-reader` ClusterRole).
    Reader,
    /// The reader's rights minus events and secrets (`jobtrace-restricted`).
    Restricted,
}

impl User {
    pub const ALL: [User; 3] = [User::Admin, User::Reader, User::Restricted];

    /// The user name the apiserver knows (and the audit log shows).
    pub fn name(self) -> &'static str {
        match self {
            User::Admin => "admin",
            User::Reader => "reader",
            User::Restricted => "restricted",
        }
    }

    pub fn token(self) -> &'static str {
        match self {
            User::Admin => "jobtrace-admin-token",
            User::Reader => "jobtrace-reader-token",
            User::Restricted => "jobtrace-restricted-token",
        }
    }

    /// The kubeconfig context name, e.g. `real-reader`.
    pub fn context(self) -> String {
        format!("real-{}", self.name())
    }
}

/// What the tool may do: read the trace's objects, read logs, forward ports, proxy to
/// services, read Secrets (Mongo credentials) and list namespaces (the other-namespace
/// hint). `get` on pods/portforward is there because 1.20 authorises a websocket
/// port-forward (an HTTP GET) as `get`; kubectl's SPDY POST needs `create`.
const READER_RULES: &str = r#"[
  {"apiGroups": [""], "resources": ["pods", "services", "endpoints", "events"], "verbs": ["get", "list", "watch"]},
  {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list"]},
  {"apiGroups": [""], "resources": ["pods/log", "services/proxy"], "verbs": ["get"]},
  {"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["get", "create"]},
  {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
  {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"]},
  {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
  {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["get", "list", "watch"]}
]"#;

/// The reader's rules minus events (both groups) and secrets.
fn restricted_rules() -> serde_json::Value {
    let mut rules: Vec<serde_json::Value> = serde_json::from_str(READER_RULES).unwrap();
    for rule in &mut rules {
        let res = rule["resources"].as_array_mut().unwrap();
        res.retain(|r| r != "events" && r != "secrets");
    }
    rules.retain(|r| !r["resources"].as_array().unwrap().is_empty());
    serde_json::Value::Array(rules)
}

const AUDIT_POLICY: &str =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n";

static SHARED: OnceLock<Result<Cluster, String>> = OnceLock::new();

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running etcd + kube-apiserver.
pub struct Cluster {
    /// The temporary folder holding data, certificates, logs and kubeconfigs.
    pub dir: PathBuf,
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// The apiserver's self-signed certificate (the kubeconfigs' certificate-authority).
    pub ca: PathBuf,
    pub audit_log: PathBuf,
    /// How long the start took (for the suite's report).
    pub started_in: Duration,
    procs: Mutex<Vec<Proc>>,
}

/// `<tmp>/jobtrace-{real,mongo,home}-<pid>-*` folders of test processes that are gone
/// (killed before they could clean up).
pub fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) =
            ["jobtrace-real-", "jobtrace-mongo-", "jobtrace-home-"].iter().find_map(|p| name.strip_prefix(p))
        else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A fresh temporary folder `<tmp>/<prefix>-<pid>-*`, removed when dropped (or by
/// [`remove_stale_dirs`] if this process is killed).
pub fn temp_dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix(&format!("{prefix}-{}-", std::process::id())).tempdir()
}

fn keep_dirs() -> bool {
    std::env::var_os("JOBTRACE_KEEP_TESTENV").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A small runtime for the harness's own async calls (one per call site: kube clients
/// keep tasks on the runtime that made them).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime").block_on(f)
}

impl Cluster {
    /// The cluster of this test binary, started on first use (about 4 s).
    /// Panics with the reason (and the logs' tails) if it cannot start.
    pub fn shared() -> &'static Cluster {
        extern "C" fn stop_shared() {
            if let Some(c) = Cluster::started() {
                c.shutdown();
            }
        }
        let result = SHARED.get_or_init(|| {
            let c = Cluster::start();
            // SAFETY: registering a plain extern "C" fn; it only touches the OnceLock.
            unsafe { libc::atexit(stop_shared) };
            c
        });
        match result {
            Ok(c) => c,
            Err(e) => panic!("the real-tier cluster did not start: {e}"),
        }
    }

    /// The shared cluster if a test started it.
    pub fn started() -> Option<&'static Cluster> {
        SHARED.get().and_then(|r| r.as_ref().ok())
    }

    /// Starts a private cluster; it stops and its folder is removed when dropped.
    pub fn start() -> Result<Cluster, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let t0 = Instant::now();
        let bins = env::binaries();
        remove_stale_dirs();
        let dir = temp_dir("jobtrace-real").map_err(|e| format!("temp dir: {e}"))?.keep();
        let mut c = Cluster {
            ca: dir.join("certs/apiserver.crt"),
            audit_log: dir.join("audit.log"),
            url: String::new(),
            dir,
            started_in: Duration::ZERO,
            procs: Mutex::new(Vec::new()),
        };
        c.write_files()?;
        let etcd_port = c.start_etcd(&bins.etcd)?;
        let port = c.start_apiserver(&bins.kube_apiserver, etcd_port)?;
        c.url = format!("https://127.0.0.1:{port}");
        for user in User::ALL {
            c.write_kubeconfig(user, None, &c.kubeconfig(user))?;
        }
        block_on(c.apply_rbac()).map_err(|e| format!("RBAC setup: {e:#}\n{}", c.log_tails(30)))?;
        c.started_in = t0.elapsed();
        Ok(c)
    }

    fn write_files(&self) -> Result<(), String> {
        let w = |name: &str, text: &str| {
            std::fs::write(self.dir.join(name), text).map_err(|e| format!("write {name}: {e}"))
        };
        let mut tokens = String::new();
        for u in User::ALL {
            let groups = if u == User::Admin { ",\"system:masters\"" } else { "" };
            writeln!(tokens, "{},{},{}-uid{groups}", u.token(), u.name(), u.name()).unwrap();
        }
        w("tokens.csv", &tokens)?;
        w("audit-policy.yaml", AUDIT_POLICY)?;
        let key = rcgen::KeyPair::generate().map_err(|e| format!("service-account key: {e}"))?;
        w("sa.key", &key.serialize_pem())?;
        w("sa.pub", &key.public_key_pem())?;
        Ok(())
    }

    /// Spawns `bin` with `args` (ports from `pick`), retrying with new ports when one was
    /// taken meanwhile; `ready` polls readiness. Returns the ports used.
    fn start_proc<const N: usize>(
        &self,
        name: &str,
        bin: &Path,
        args: impl Fn([u16; N]) -> Vec<String>,
        ready: impl Fn([u16; N]) -> bool,
    ) -> Result<[u16; N], String> {
        let log = self.dir.join(format!("{name}.log"));
        let mut last_err = String::new();
        for _attempt in 0..3 {
            let ports = [(); N].map(|_| free_port());
            let mut cmd = Command::new(bin);
            cmd.args(args(ports)).current_dir(&self.dir);
            let mut proc = Proc::spawn(name, cmd, &log).map_err(|e| format!("spawn {}: {e}", bin.display()))?;
            let waited = wait_for(&format!("{name} to be ready"), START_TIMEOUT, || {
                proc.check_running()?;
                Ok(ready(ports))
            });
            match waited {
                Ok(()) => {
                    self.procs.lock().unwrap_or_else(|e| e.into_inner()).push(proc);
                    return Ok(ports);
                }
                Err(e) => {
                    proc.kill();
                    let tail = proc.tail(30);
                    if !tail.contains("address already in use") {
                        return Err(format!("{e}\n{tail}"));
                    }
                    last_err = format!("{e}\n{tail}");
                }
            }
        }
        Err(last_err)
    }

    fn start_etcd(&self, etcd: &Path) -> Result<u16, String> {
        let data = self.dir.join("etcd");
        let [client, _peer] = self.start_proc(
            "etcd",
            etcd,
            |[client, peer]| {
                let c = format!("http://127.0.0.1:{client}");
                let p = format!("http://127.0.0.1:{peer}");
                vec![
                    format!("--data-dir={}", data.display()),
                    "--name=default".into(),
                    format!("--listen-client-urls={c}"),
                    format!("--advertise-client-urls={c}"),
                    format!("--listen-peer-urls={p}"),
                    format!("--initial-advertise-peer-urls={p}"),
                    format!("--initial-cluster=default={p}"),
                    "--unsafe-no-fsync".into(),
                ]
            },
            |[client, _]| http_ok(&format!("http://127.0.0.1:{client}/health"), None),
        )?;
        Ok(client)
    }

    fn start_apiserver(&self, apiserver: &Path, etcd_port: u16) -> Result<u16, String> {
        let d = self.dir.display().to_string();
        let [port] = self.start_proc(
            "kube-apiserver",
            apiserver,
            |[port]| {
                [
                    format!("--etcd-servers=http://127.0.0.1:{etcd_port}"),
                    "--bind-address=127.0.0.1".into(),
                    "--advertise-address=127.0.0.1".into(),
                    format!("--secure-port={port}"),
                    "--insecure-port=0".into(),
                    format!("--cert-dir={d}/certs"),
                    format!("--token-auth-file={d}/tokens.csv"),
                    "--authorization-mode=RBAC".into(),
                    "--service-account-issuer=https://kubernetes.default.svc".into(),
                    format!("--service-account-key-file={d}/sa.pub"),
                    format!("--service-account-signing-key-file={d}/sa.key"),
                    "--service-cluster-ip-range=10.96.0.0/24".into(),
                    "--disable-admission-plugins=ServiceAccount".into(),
                    format!("--audit-policy-file={d}/audit-policy.yaml"),
                    format!("--audit-log-path={d}/audit.log"),
                    "--profiling=false".into(),
                    "--kubelet-preferred-address-types=InternalIP".into(),
                ]
                .into()
            },
            |[port]| http_ok(&format!("https://127.0.0.1:{port}/readyz"), Some(User::Admin.token())),
        )?;
        Ok(port)
    }

    async fn apply_rbac(&self) -> anyhow::Result<()> {
        use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
        use kube::api::{Api, PostParams};
        let client = self.client(User::Admin).await?;
        let roles: Api<ClusterRole> = Api::all(client.clone());
        let bindings: Api<ClusterRoleBinding> = Api::all(client);
        let reader_rules: serde_json::Value = serde_json::from_str(READER_RULES)?;
        for (user, rules) in [(User::Reader, reader_rules), (User::Restricted, restricted_rules())] {
            let name = format!("jobtrace-{}", user.name());
            let role = serde_json::json!({"metadata": {"name": name}, "rules": rules});
            roles.create(&PostParams::default(), &serde_json::from_value(role)?).await?;
            let binding = serde_json::json!({
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user.name()}],
            });
            bindings.create(&PostParams::default(), &serde_json::from_value(binding)?).await?;
        }
        Ok(())
    }

    /// The kubeconfig of `user` (context `real-<user>`, no namespace).
    pub fn kubeconfig(&self, user: User) -> PathBuf {
        self.dir.join(format!("kubeconfig-{}", user.name()))
    }

    /// Writes a kubeconfig for `user` at `path`, its context defaulting to `namespace`.
    pub fn write_kubeconfig(&self, user: User, namespace: Option<&str>, path: &Path) -> Result<(), String> {
        let ns = namespace.map(|n| format!("\n    namespace: {n}")).unwrap_or_default();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {url}\n    certificate-authority: {ca}\nusers:\n- name: {u}\n  user:\n    token: {token}\ncontexts:\n- name: {ctx}\n  context:\n    cluster: real\n    user: {u}{ns}\ncurrent-context: {ctx}\n",
            url = self.url,
            ca = self.ca.display(),
            u = user.name(),
            token = user.token(),
            ctx = user.context(),
        );
        std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
    }

    /// A kube client for `user`, built from its kubeconfig (make one per runtime).
    pub async fn client(&self, user: User) -> anyhow::Result<kube::Client> {
        let kc = kube::config::Kubeconfig::read_from(self.kubeconfig(user))?;
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await?;
        Ok(kube::Client::try_from(config)?)
    }

    /// The kubelet stand-in Node of the scenario seeded with `ns_suffix` in this test
    /// process; its pods are bound to it.
    pub fn node_name(&self, ns_suffix: &str) -> String {
        format!("jobtrace-kubelet-{}-{ns_suffix}", std::process::id())
    }

    /// The tails of etcd's and kube-apiserver's logs, for failure messages.
    pub fn log_tails(&self, lines: usize) -> String {
        let procs = self.procs.lock().unwrap_or_else(|e| e.into_inner());
        procs.iter().map(|p| p.tail(lines)).collect::<Vec<_>>().join("\n")
    }

    /// Kills kube-apiserver then etcd and removes the folder (kept if
    /// `JOBTRACE_KEEP_TESTENV` is set). Idempotent.
    pub fn shutdown(&self) {
        let mut procs = self.procs.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(mut p) = procs.pop() {
            p.kill();
        }
        if keep_dirs() {
            if self.dir.exists() {
                eprintln!("real tier: kept {}", self.dir.display());
            }
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `GET url` answers 2xx (certificates not checked: readiness only).
fn http_ok(url: &str, token: Option<&str>) -> bool {
    block_on(async {
        let Ok(client) =
            reqwest::Client::builder().danger_accept_invalid_certs(true).timeout(Duration::from_secs(2)).build()
        else {
            return false;
        };
        let mut req = client.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.is_ok_and(|r| r.status().is_success())
    })
}
