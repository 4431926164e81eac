//! The fault matrix (issue 10): the built plugin against broken clusters, kubeconfigs,
//! port-forwards, backends, MongoDBs, hostile input and a hostile process environment.
//!
//! Every case asserts, through [`Run::check`]: the exit code (1 evidence gathered and
//! problems found, 2 could not run), a one-line cause naming the failing part (in the
//! report's sources, findings or verdict, or on stderr), a wall time within one second
//! past `--timeout`, no `panicked` on stderr, and no planted secret in stdout or stderr, which
//! carry `-vvv` traces in every run ([`secrets`]: the Mongo password, the kubeconfig
//! users' bearer tokens, a `mongodb://user:pass@host` URI, also base64-encoded). After all
//! cases the audit log must show no mutating request from the tool's users other than
//! `create pods/portforward`.
//!
//! Cluster cases run on the real tier (kube-apiserver 1.20 + the kubelet stand-in +
//! SecantusDB); a 403 case each runs as a user without that one resource
//! (`support::Denied`). The apiserver's absence, silence and slowness are local TCP
//! servers of this file ([`Silent`], [`SlowProxy`]); misbehaving pods are local TCP
//! servers bridged in by the kubelet stand-in (`Tier::setup_with`).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, ExitCode, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use jobtrace::sandbox::scenario::{BackendScript, MongoUser, PortAnswer, Scenario};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{json, Value};
use support::suite::ensure;
use support::tier::BIN;
use support::{show, Backends, Cluster, Ctx, Denied, Tier, User};

// --- planted secrets ---------------------------------------------------------------------

/// The Mongo root password: in a Secret the Mongo pod's env refers to, and in the URI.
const MONGO_PASSWORD: &str = "Pl4nted-m0ngo-pw-6c1f";
/// A wrong Mongo password (the auth-failure case); as secret as the right one.
const WRONG_PASSWORD: &str = "Pl4nted-wr0ng-pw-93ad";
/// A bearer token the apiserver does not know (the 401 case).
const BOGUS_TOKEN: &str = "pl4nted-expired-token-0b7e";
/// What an exec credential plugin hands out.
const EXEC_TOKEN: &str = "pl4nted-exec-token-5e2a";

/// The planted connection string (`JOBTRACE_MONGO_URI`): its host is replaced by a
/// port-forward to the Mongo pod, its credentials are the real ones.
fn planted_uri(password: &str) -> String {
    format!("mongodb://root:{password}@mongo.invalid:27017/?authSource=admin")
}

/// Every text no output may contain (written or base64-encoded).
fn secrets() -> Vec<String> {
    let mut s: Vec<String> = vec![MONGO_PASSWORD.into(), WRONG_PASSWORD.into(), BOGUS_TOKEN.into(), EXEC_TOKEN.into()];
    s.extend(User::every().iter().map(|u| u.token().to_string()));
    s.push(planted_uri(MONGO_PASSWORD));
    s.push(format!("root:{MONGO_PASSWORD}"));
    support::secrets::with_encodings(&s)
}

// --- running the plugin ------------------------------------------------------------------

/// One run of the plugin, and how long it took.
struct Run {
    out: Output,
    took: Duration,
    /// The `--timeout` of the run (the default 30 s unless the case set one).
    timeout: Duration,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.out.stdout).ok()
    }

    fn show(&self) -> String {
        format!("took {:?}\n{}", self.took, show(&self.out))
    }

    /// Every case's checks: exit code one of `codes`, within `--timeout` + 1 s, no
    /// panic, no planted secret in any output, and a one-line cause containing each of
    /// `needles` (case-insensitive) somewhere in the report or on stderr's error line.
    fn check(&self, codes: &[i32], needles: &[&str]) -> Result<(), Failed> {
        ensure(self.code().is_some_and(|c| codes.contains(&c)), || {
            format!("expected exit {codes:?}\n{}", self.show())
        })?;
        ensure(self.took <= self.timeout + Duration::from_secs(1), || {
            format!("took {:?}, over --timeout {:?} + 1s\n{}", self.took, self.timeout, self.show())
        })?;
        ensure(!self.stderr().contains("panicked"), || format!("a panic\n{}", self.show()))?;
        let outputs: [(&str, &[u8]); 2] = [("stdout", &self.out.stdout), ("stderr (-vvv)", &self.out.stderr)];
        support::secrets::assert_none_in(&outputs, &secrets()).map_err(|e| format!("{e}\n{}", self.show()))?;
        if !needles.is_empty() {
            let causes = self.causes();
            let hit = causes.iter().find(|c| {
                let lower = c.to_ascii_lowercase();
                needles.iter().all(|n| lower.contains(&n.to_ascii_lowercase()))
            });
            ensure(hit.is_some_and(|c| !c.contains('\n')), || {
                format!("no one-line cause with {needles:?} among {causes:#?}\n{}", self.show())
            })?;
            // JOBTRACE_FAULTS_SHOW=1: each case's outcome, for the matrix's closing note
            if std::env::var_os("JOBTRACE_FAULTS_SHOW").is_some() {
                eprintln!("outcome: exit {:?} in {:?}: {}", self.code(), self.took, hit.cloned().unwrap_or_default());
            }
        }
        Ok(())
    }

    /// Where a cause can be: stderr's `error:` lines; the report's verdict, sources'
    /// reasons, findings (title, detail, evidence) and the backend's and Mongo's problems.
    fn causes(&self) -> Vec<String> {
        let mut c: Vec<String> =
            self.stderr().lines().filter(|l| l.starts_with("kubectl-jobtrace: ")).map(str::to_string).collect();
        let Some(v) = self.json() else { return c };
        let text = |v: &Value| v.as_str().map(str::to_string);
        c.extend(text(&v["verdict"]["headline"]));
        for s in v["sources"].as_array().into_iter().flatten() {
            if let Some(r) = s["reason"].as_str() {
                c.push(format!("{}: {r}", s["name"].as_str().unwrap_or("?")));
            }
        }
        for f in v["findings"].as_array().into_iter().flatten() {
            let id = f["id"].as_str().unwrap_or("?");
            c.extend(text(&f["title"]).map(|t| format!("[{id}] {t}")));
            c.extend(text(&f["detail"]).map(|t| format!("[{id}] {t}")));
            for e in f["evidence"].as_array().into_iter().flatten() {
                c.extend(text(e).map(|t| format!("[{id}] {t}")));
            }
        }
        c.extend(text(&v["backend"]["problem"]["detail"]).map(|t| format!("backend: {t}")));
        c.extend(text(&v["mongo"]["problem"]).map(|t| format!("mongo: {t}")));
        c
    }
}

/// Runs `cmd` (the plugin, hermetic) with `args` plus `-vvv`, timing it.
fn run_cmd(mut cmd: Command, args: &[&str]) -> Run {
    cmd.arg("-vvv").args(args);
    let timeout = args
        .iter()
        .position(|a| *a == "--timeout")
        .and_then(|i| args.get(i + 1))
        .and_then(|t| humantime::parse_duration(t).ok())
        .unwrap_or(Duration::from_secs(30));
    let started = Instant::now();
    let out = support::tier::output(cmd);
    Run { out, took: started.elapsed(), timeout }
}

/// The plugin with nothing of the caller's environment, HOME in `home`.
fn plugin(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", home).current_dir(home);
    cmd
}

/// The plugin as `user` against `ctx`, with the planted Mongo URI in the environment.
fn as_user(ctx: &Ctx, user: User) -> Command {
    let mut cmd = ctx.command(BIN, user);
    cmd.env("JOBTRACE_MONGO_URI", planted_uri(MONGO_PASSWORD));
    cmd
}

/// `19-7 -n <panda> -o json --timeout <t>` plus `extra`, as `user`.
fn trace(ctx: &Ctx, cmd: Command, timeout: &str, extra: &[&str]) -> Run {
    let ns = ctx.ns("panda");
    let mut args = vec!["19-7", "-n", &ns, "-o", "json", "--timeout", timeout];
    args.extend_from_slice(extra);
    run_cmd(cmd, &args)
}

/// A kubeconfig at `dir/config` for `server`, with the `user` YAML block.
fn kubeconfig(dir: &Path, server: &str, ca: Option<&Path>, user: &str) -> std::path::PathBuf {
    let cluster = match ca {
        Some(ca) => format!("{{server: '{server}', certificate-authority: '{}'}}", ca.display()),
        None => format!("{{server: '{server}', insecure-skip-tls-verify: true}}"),
    };
    let path = dir.join("config");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {cluster}}}]\n\
         users: [{{name: u, user: {user}}}]\ncontexts: [{{name: a, context: {{cluster: c, user: u, namespace: panda}}}}]\n\
         current-context: a\n"
    );
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

fn token_user(token: &str) -> String {
    format!("{{token: '{token}'}}")
}

// --- local misbehaving servers -----------------------------------------------------------

/// A port nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A TCP server on a thread; stops accepting when dropped (a last connection wakes it).
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Serves each connection with `serve` on its own thread.
    fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let serve = Arc::new(serve);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let serve = serve.clone();
                std::thread::spawn(move || serve(conn));
            }
        });
        Server { addr, stop }
    }

    /// Accepts and never answers, never closes (until the test ends).
    fn silent() -> Server {
        Server::start(|mut conn| {
            let mut buf = [0u8; 4096];
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            std::thread::sleep(Duration::from_secs(120));
        })
    }

    /// Forwards to `upstream`, holding every connection `delay` before the first byte.
    fn slow_proxy(upstream: SocketAddr, delay: Duration) -> Server {
        Server::start(move |client| {
            std::thread::sleep(delay);
            let Ok(server) = TcpStream::connect(upstream) else { return };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut c, mut s) = (client, server);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
                let _ = s2.shutdown(std::net::Shutdown::Write);
            });
            let _ = std::io::copy(&mut s, &mut c);
            let _ = c.shutdown(std::net::Shutdown::Write);
        })
    }

    /// Reads a request head, then writes `answer` and closes: with `reset`, by a TCP
    /// reset (SO_LINGER 0) instead of an orderly close.
    fn http(answer: Vec<u8>, reset: bool) -> Server {
        Server::start(move |mut conn| {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
                    _ => return,
                }
            }
            let _ = conn.write_all(&answer);
            let _ = conn.flush();
            if reset {
                set_linger_zero(&conn);
            } else {
                let _ = conn.shutdown(std::net::Shutdown::Write);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    }
}

/// SO_LINGER 0: closing the socket sends a TCP reset.
fn set_linger_zero(conn: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket descriptor and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            conn.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// A keep-alive HTTP server answering every request 404 `Invalid job_id`; `open` counts
/// the connections not yet closed by the other side.
fn counting_backend(open: Arc<std::sync::atomic::AtomicUsize>) -> Server {
    Server::start(move |mut conn| {
        open.fetch_add(1, Ordering::SeqCst);
        let body = br#"{"error":"Invalid job_id"}"#;
        let mut buf = [0u8; 4096];
        let mut head = Vec::new();
        loop {
            match conn.read(&mut buf) {
                Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
                _ => break,
            }
            while let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                head.drain(..end + 4);
                let answer = format!(
                    "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if conn.write_all(answer.as_bytes()).and_then(|_| conn.write_all(body)).is_err() {
                    break;
                }
            }
        }
        open.fetch_sub(1, Ordering::SeqCst);
    })
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

// --- scenarios ---------------------------------------------------------------------------

fn builtin(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap_or_else(|| panic!("built-in scenario {name}"))
}

fn object_mut<'a>(s: &'a mut Scenario, kind: &str, name: &str) -> &'a mut Value {
    s.objects
        .iter_mut()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind} {name} in the scenario"))
}

/// Index of the scenario's port entry for a pod whose name starts with `prefix`.
fn port_of(s: &Scenario, prefix: &str) -> usize {
    s.ports.iter().position(|p| p.pod.split('/').nth(1).is_some_and(|n| n.starts_with(prefix))).expect("port entry")
}

/// The incident of 19-7 with secrets planted: MongoDB requires a login (root with
/// [`MONGO_PASSWORD`]), held in Secret `mongo-auth` that the Mongo pod's env refers to.
fn planted() -> Scenario {
    let mut s = builtin("incident-19-7");
    let m = port_of(&s, "mongo-");
    if let PortAnswer::Mongo(data) = &mut s.ports[m].answer {
        data.users = vec![MongoUser { user: "root".into(), password: MONGO_PASSWORD.into() }];
    }
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    s.objects.push(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "mongo-auth", "namespace": "panda"},
        "type": "Opaque",
        "data": {"username": b64("root"), "password": b64(MONGO_PASSWORD)},
    }));
    let secret_ref = |key: &str| json!({"secretKeyRef": {"name": "mongo-auth", "key": key}});
    let pod = object_mut(&mut s, "Pod", "mongo-0");
    pod["spec"]["containers"][0]["env"] = json!([
        {"name": "MONGO_INITDB_ROOT_USERNAME", "valueFrom": secret_ref("username")},
        {"name": "MONGO_INITDB_ROOT_PASSWORD", "valueFrom": secret_ref("password")},
    ]);
    s
}

/// [`planted`] with the backend's script replaced by `routes`.
fn with_routes(routes: Value) -> Scenario {
    let mut s = planted();
    let b = port_of(&s, "backend-");
    let script: BackendScript = serde_json::from_value(json!({ "routes": routes })).expect("routes parse");
    s.ports[b].answer = PortAnswer::Backend(script);
    s
}

fn real(s: &Scenario, backends: Backends) -> Ctx {
    Tier::Real.setup(s, backends)
}

const BACKEND_POD: &str = "panda/backend-7c9d8f6b5-x2x9q";
const MONGO_POD: &str = "panda/mongo-0";

// --- cluster -----------------------------------------------------------------------------

fn apiserver_down_refused() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let kc = kubeconfig(home.path(), &format!("https://127.0.0.1:{}", closed_port()), None, &token_user(BOGUS_TOKEN));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    let r = run_cmd(cmd, &["19-7", "-o", "json", "--timeout", "5s"]);
    r.check(&[2], &["refused"])
}

fn apiserver_blackholed() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let silent = Server::silent();
    let kc = kubeconfig(home.path(), &format!("https://{}", silent.addr), None, &token_user(BOGUS_TOKEN));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    let r = run_cmd(cmd, &["19-7", "-o", "json", "--timeout", "3s"]);
    r.check(&[2], &["timed out", "--timeout"])
}

fn apiserver_slower_than_request_timeout() -> Result<(), Failed> {
    let cluster = Cluster::shared();
    let upstream: SocketAddr = cluster.url.trim_start_matches("https://").parse()?;
    let slow = Server::slow_proxy(upstream, Duration::from_secs(4));
    let home = tempfile::tempdir()?;
    let kc = kubeconfig(
        home.path(),
        &format!("https://{}", slow.addr),
        Some(&cluster.ca),
        &token_user(User::Reader.token()),
    );
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    let r = run_cmd(cmd, &["19-7", "-o", "json", "--request-timeout", "1s", "--timeout", "8s"]);
    r.check(&[2], &["timed out", "--request-timeout"])?;
    // each request gives up after --request-timeout, long before --timeout
    ensure(r.took < Duration::from_secs(5), || format!("--request-timeout 1s not honoured\n{}", r.show()))
}

fn token_rejected_401() -> Result<(), Failed> {
    let cluster = Cluster::shared();
    let home = tempfile::tempdir()?;
    let kc = kubeconfig(home.path(), &cluster.url, Some(&cluster.ca), &token_user(BOGUS_TOKEN));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    let r = run_cmd(cmd, &["19-7", "-o", "json", "--timeout", "10s"]);
    r.check(&[2], &["401"])
}

/// A 403 case: the trace as the user without `denied`, with the cause's `needles`.
fn forbidden(denied: Denied, code: i32, needles: &[&str]) -> Result<(), Failed> {
    let secrets_case = denied == Denied::Secrets;
    let ctx = real(&planted(), if secrets_case { Backends::All } else { Backends::None });
    // Without a URI the credentials come from the Mongo pod's env and its Secret.
    let mut cmd =
        if secrets_case { ctx.command(BIN, User::Without(denied)) } else { as_user(&ctx, User::Without(denied)) };
    if secrets_case {
        cmd.env_remove("JOBTRACE_MONGO_URI");
    }
    let r = trace(&ctx, cmd, "15s", &[]);
    r.check(&[code], needles)
}

fn forbidden_pods() -> Result<(), Failed> {
    forbidden(Denied::Pods, 2, &["forbidden", "resource \"pods\""])
}
fn forbidden_jobs() -> Result<(), Failed> {
    forbidden(Denied::Jobs, 1, &["jobs:", "forbidden", "resource \"jobs\""])
}
fn forbidden_events() -> Result<(), Failed> {
    forbidden(Denied::Events, 1, &["events:", "forbidden", "resource \"events\""])
}
fn forbidden_services() -> Result<(), Failed> {
    forbidden(Denied::Services, 1, &["forbidden", "resource \"services\""])
}
fn forbidden_endpoints() -> Result<(), Failed> {
    forbidden(Denied::Endpoints, 1, &["forbidden", "resource \"endpoints\""])
}
fn forbidden_pods_log() -> Result<(), Failed> {
    forbidden(Denied::PodsLog, 1, &["logs", "forbidden", "resource \"pods/log\""])
}
fn forbidden_pods_portforward() -> Result<(), Failed> {
    forbidden(Denied::PodsPortforward, 1, &["forbidden", "resource \"pods/portforward\""])
}
fn forbidden_secrets() -> Result<(), Failed> {
    forbidden(Denied::Secrets, 1, &["mongo", "secret mongo-auth is forbidden"])
}

fn namespace_does_not_exist() -> Result<(), Failed> {
    let ctx = real(&planted(), Backends::None);
    let r =
        run_cmd(as_user(&ctx, User::Reader), &["19-7", "-n", "no-such-namespace-x1", "-o", "json", "--timeout", "10s"]);
    r.check(&[1], &["namespace no-such-namespace-x1 does not exist"])
}

fn kubeconfig_missing() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", home.path().join("nope/config"));
    run_cmd(cmd, &["19-7", "--timeout", "5s"]).check(&[2], &["kubeconfig", "nope/config"])
}

fn kubeconfig_malformed_yaml() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let kc = home.path().join("config");
    std::fs::write(&kc, format!("apiVersion: v1\nclusters: [{{name: c\n  users: {BOGUS_TOKEN}: : :\n\t- ]\n"))?;
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    run_cmd(cmd, &["19-7", "--timeout", "5s"]).check(&[2], &["kubeconfig"])
}

fn kubeconfig_context_not_found() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let kc = kubeconfig(home.path(), "https://127.0.0.1:1", None, &token_user(BOGUS_TOKEN));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    run_cmd(cmd, &["19-7", "--context", "nope", "--timeout", "5s"]).check(&[2], &["context", "nope"])
}

/// A kubeconfig whose user runs `script` as an exec credential plugin.
fn exec_plugin(home: &Path, script: &str) -> std::path::PathBuf {
    let plugin = home.join("cred-plugin");
    std::fs::write(&plugin, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cluster = Cluster::shared();
    let user = format!(
        "{{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: '{}', interactiveMode: Never}}}}",
        plugin.display()
    );
    kubeconfig(home, &cluster.url, Some(&cluster.ca), &user)
}

fn exec_plugin_exits_1() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let kc = exec_plugin(home.path(), "echo 'no credentials for you' >&2\nexit 1");
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    run_cmd(cmd, &["19-7", "-o", "json", "--timeout", "10s"]).check(&[2], &["exec"])
}

fn exec_plugin_prints_garbage() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let kc = exec_plugin(home.path(), &format!("echo '{{\"kind\": \"ExecCredential\", {EXEC_TOKEN} }}}}'"));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    run_cmd(cmd, &["19-7", "-o", "json", "--timeout", "10s"]).check(&[2], &["exec"])
}

/// kube-rs 5 reads HTTPS_PROXY itself and, built without its `http-proxy` feature,
/// refused to build a client at all ("requires the disabled feature"). With the feature,
/// the proxy is bypassed for a loopback server, as kubectl does (and reqwest talks to the
/// port-forwards with `no_proxy`): the trace against the real tier works as without it.
fn https_proxy_to_a_closed_port() -> Result<(), Failed> {
    let ctx = real(&planted(), Backends::None);
    let mut cmd = as_user(&ctx, User::Reader);
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        cmd.env(var, &proxy);
    }
    let r = trace(&ctx, cmd, "15s", &[]);
    r.check(&[1], &["missing-expected-label"])?;
    let v = r.json().unwrap_or_default();
    ensure(v["pods"].as_array().map(Vec::len) == Some(2), || r.show())?;
    ensure(v["backend"]["lastStatus"] == 404, || format!("the backend was not asked\n{}", r.show()))
}

/// A remote server behind a proxy that refuses: could not run, and the cause says so.
fn https_proxy_closed_for_a_remote_server() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let kc = kubeconfig(home.path(), "https://apiserver.example.invalid:6443", None, &token_user(BOGUS_TOKEN));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc).env("HTTPS_PROXY", format!("http://127.0.0.1:{}", closed_port()));
    run_cmd(cmd, &["19-7", "-o", "json", "--timeout", "5s"]).check(&[2], &["refused"])
}

// --- port-forward ------------------------------------------------------------------------

fn forward_no_listener_in_the_pod() -> Result<(), Failed> {
    let mut s = planted();
    let b = port_of(&s, "backend-");
    s.ports[b].answer = PortAnswer::Refused {};
    let ctx = real(&s, Backends::None);
    trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]).check(&[1], &["backend-unreachable", "refused"])
}

/// The Endpoints still list a pod that is gone (deleted after the endpoints controller
/// last ran): the Service resolves, the forward finds no pod.
fn forward_pod_deleted_after_resolution() -> Result<(), Failed> {
    let mut s = planted();
    s.objects.retain(|o| !(o["kind"] == "Pod" && o["metadata"]["name"] == "backend-7c9d8f6b5-x2x9q"));
    let svc = object_mut(&mut s, "Service", "backend");
    svc["spec"]["ports"][0]["targetPort"] = json!(8080);
    let b = port_of(&s, "backend-");
    s.ports.remove(b);
    s.logs.retain(|k, _| !k.contains("backend-"));
    let ctx = real(&s, Backends::None);
    trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]).check(&[1], &["backend-unreachable", "404", "not found"])
}

fn forward_stream_reset_mid_response() -> Result<(), Failed> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n";
    let server = Server::http(format!("{head}{{\"job_id\": \"19-7\", \"consumer\": \"c").into_bytes(), true);
    let ctx = Tier::Real.setup_with(&planted(), Backends::None, &[(BACKEND_POD, 8080, server.addr)]);
    trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]).check(&[1], &["backend-unreachable", "GET /metadata/19-7"])
}

// --- backend -----------------------------------------------------------------------------

fn backend_500() -> Result<(), Failed> {
    let ctx = real(
        &with_routes(json!([{"path": "/metadata/19-7", "status": 500, "body": {"error": "boom"}}])),
        Backends::None,
    );
    trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]).check(&[1], &["backend-error", "answers 500"])
}

fn backend_html_502() -> Result<(), Failed> {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    let s =
        with_routes(json!([{"path": "/metadata/19-7", "status": 502, "rawBody": html, "contentType": "text/html"}]));
    let ctx = real(&s, Backends::None);
    trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]).check(&[1], &["backend-error", "answers 502"])
}

fn backend_non_utf8_body() -> Result<(), Failed> {
    let mut body = vec![0xff, 0xfe, 0xc3, 0x28, 0x80];
    body.extend_from_slice(b" Invalid job_id \xe2\x82");
    let mut answer =
        format!("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n", body.len())
            .into_bytes();
    answer.extend_from_slice(&body);
    let server = Server::http(answer, false);
    let ctx = Tier::Real.setup_with(&planted(), Backends::None, &[(BACKEND_POD, 8080, server.addr)]);
    let r = trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]);
    r.check(&[1], &["backend-invalid-job-id", "answers 404"])?;
    ensure(r.json().is_some_and(|v| v["backend"]["lastStatus"] == 404), || {
        format!("stdout is not the report\n{}", r.show())
    })
}

fn backend_ten_megabytes() -> Result<(), Failed> {
    let kib = "x".repeat(1024);
    let s = with_routes(
        json!([{"path": "/metadata/19-7", "status": 200, "rawBody": kib, "repeat": 10240, "contentType": "text/plain"}]),
    );
    let ctx = real(&s, Backends::None);
    let r = trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]);
    r.check(&[1], &["backend-error", "cut at 1 MiB"])?;
    ensure(r.out.stdout.len() < 256 * 1024, || format!("a report of {} bytes", r.out.stdout.len()))
}

fn backend_answers_after_the_timeout() -> Result<(), Failed> {
    let s = with_routes(json!([{"path": "/metadata/19-7", "status": 200, "body": {}, "delayMs": 30000}]));
    let ctx = real(&s, Backends::None);
    trace(&ctx, as_user(&ctx, User::Reader), "4s", &[]).check(&[1], &["backend-unreachable", "no answer within"])
}

fn backend_closes_without_a_response() -> Result<(), Failed> {
    let s = with_routes(json!([{"path": "/metadata/19-7", "status": 200, "hangUp": true}]));
    let ctx = real(&s, Backends::None);
    trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]).check(&[1], &["backend-unreachable", "GET /metadata/19-7"])
}

// --- MongoDB -----------------------------------------------------------------------------

fn mongo_down() -> Result<(), Failed> {
    let mut s = planted();
    let m = port_of(&s, "mongo-");
    s.ports[m].answer = PortAnswer::Refused {};
    let ctx = real(&s, Backends::None);
    let r = trace(&ctx, as_user(&ctx, User::Reader), "15s", &[]);
    r.check(&[1], &["mongo:", "refused"])?;
    // nothing listening is final: not retried until --request-timeout (10 s)
    ensure(r.took < Duration::from_secs(5), || format!("a refused Mongo took {:?}\n{}", r.took, r.show()))
}

fn mongo_auth_failed() -> Result<(), Failed> {
    let ctx = real(&planted(), Backends::All);
    let mut cmd = ctx.command(BIN, User::Reader);
    cmd.env("JOBTRACE_MONGO_URI", planted_uri(WRONG_PASSWORD));
    trace(&ctx, cmd, "15s", &[]).check(&[1], &["mongo:", "authentication failed"])
}

fn mongo_slower_than_its_timeout() -> Result<(), Failed> {
    let silent = Server::silent();
    let ctx = Tier::Real.setup_with(&planted(), Backends::None, &[(MONGO_POD, 27017, silent.addr)]);
    let r = trace(&ctx, as_user(&ctx, User::Reader), "8s", &["--request-timeout", "2s"]);
    r.check(&[1], &["mongo"])?;
    let v = r.json().unwrap_or_default();
    let src = v["sources"].as_array().into_iter().flatten().find(|s| s["name"] == "mongo").cloned();
    ensure(src.is_some_and(|s| s["durationMs"].as_u64().unwrap_or(u64::MAX) < 6000), || {
        format!("the mongo source outlived --request-timeout\n{}", r.show())
    })?;
    // with only --timeout (the request timeout, 10 s by default, is longer): cut by it
    let r = trace(&ctx, as_user(&ctx, User::Reader), "3s", &[]);
    r.check(&[1], &["mongo"])
}

fn mongo_collection_missing() -> Result<(), Failed> {
    let ctx = real(&planted(), Backends::All);
    let r = trace(
        &ctx,
        as_user(&ctx, User::Reader),
        "15s",
        &["--mongo-db", "panda", "--mongo-collection", "jobs", "--mongo-collection", "no_such_collection"],
    );
    r.check(&[1], &["no_such_collection"])
}

fn mongo_five_megabyte_field() -> Result<(), Failed> {
    let mut s = planted();
    let m = port_of(&s, "mongo-");
    if let PortAnswer::Mongo(data) = &mut s.ports[m].answer {
        let jobs = data.databases.get_mut("panda").and_then(|d| d.get_mut("jobs")).expect("panda.jobs");
        jobs.push(json!({"job_id": "19-7", "status": "configured", "blob": "x".repeat(5 * 1024 * 1024)}));
    }
    let ctx = real(&s, Backends::All);
    let r = trace(&ctx, as_user(&ctx, User::Reader), "20s", &[]);
    r.check(&[0, 1], &[])?;
    ensure(r.out.stdout.len() < 256 * 1024, || format!("a report of {} bytes", r.out.stdout.len()))?;
    let v = r.json().unwrap_or_default();
    let src = v["sources"].as_array().into_iter().flatten().find(|s| s["name"] == "mongo").cloned();
    ensure(src.is_some_and(|s| s["status"] == "collected"), || format!("mongo not searched\n{}", r.show()))
}

// --- input -------------------------------------------------------------------------------

const HOSTILE_IDS: [(&str, &str); 10] = [
    ("selector", "a,b!=c"),
    ("parens", "19-7)("),
    ("path", "../x"),
    ("mongo_operator", "{\"$ne\":1}"),
    ("regex", ".*"),
    ("long_300", ""),
    ("unicode", "19-7\u{feff}é"),
    ("empty", ""),
    ("whitespace", " \t"),
    ("newline", "19-7\nx"),
];

fn hostile_id(name: &str) -> Result<(), Failed> {
    let long = "a".repeat(300);
    let id = match name {
        "long_300" => long.as_str(),
        _ => HOSTILE_IDS.iter().find(|(n, _)| *n == name).map(|(_, id)| *id).unwrap_or_default(),
    };
    let home = tempfile::tempdir()?;
    // a kubeconfig that would reach a silent server: the id is refused before any use
    let silent = Server::silent();
    let kc = kubeconfig(home.path(), &format!("https://{}", silent.addr), None, &token_user(BOGUS_TOKEN));
    let mut cmd = plugin(home.path());
    cmd.env("KUBECONFIG", &kc);
    let r = run_cmd(cmd, &["--timeout", "5s", "--", id]);
    r.check(&[2], &["job id"])?;
    let err = r.stderr();
    ensure(err.trim_end().lines().count() == 1, || format!("more than one line\n{}", r.show()))?;
    ensure(r.took < Duration::from_secs(2), || format!("validation should not touch the network\n{}", r.show()))
}

fn bad_flags_exit_2() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    for args in [
        &["19-7", "--timeout", "soon"][..],
        &["19-7", "--request-timeout", "-1s"],
        &["19-7", "-n", "Not/A/Namespace"],
        &["19-7", "--mongo-uri", &planted_uri(MONGO_PASSWORD).replace("mongodb://", "http://")],
        &["19-7", "--backend-url", &format!("ftp://root:{MONGO_PASSWORD}@x")],
        &["19-7", "--label-key", "a=b"],
    ] {
        let r = run_cmd(plugin(home.path()), args);
        r.check(&[2], &[])?;
        ensure(r.stderr().trim_end().lines().count() == 1, || format!("{args:?}: not one line\n{}", r.show()))?;
    }
    Ok(())
}

/// Whether the built plugin has config files (`--config`; the config branch adds them).
fn has_config_files() -> bool {
    let help = Command::new(BIN).arg("--help").env_clear().output().map(|o| o.stdout).unwrap_or_default();
    String::from_utf8_lossy(&help).contains("--config")
}

/// Config files with an unknown key, wrong types, and a wrong type holding a connection
/// string with a password (serde quotes a wrong value): exit 2, one line naming the file.
fn config_unknown_keys_and_wrong_types() -> Result<(), Failed> {
    let home = tempfile::tempdir()?;
    let uri = planted_uri(MONGO_PASSWORD);
    for (what, text) in [
        ("unknown key", "profiles:\n  panda:\n    namespaces: [panda]\n    colour-me: true\n".to_string()),
        ("unknown top-level key", "default-profil: panda\nprofiles: {}\n".to_string()),
        ("wrong type", "profiles:\n  panda:\n    tail: [1, 2]\n".to_string()),
        ("secret in a wrong type", format!("profiles:\n  panda:\n    tail: \"{uri}\"\n")),
        ("secret of a wrong type", format!("profiles:\n  panda:\n    mongo-uri: [\"{uri}\"]\n")),
        ("not a mapping", format!("{uri}\n")),
    ] {
        let path = home.path().join("config.yaml");
        std::fs::write(&path, text)?;
        let mut cmd = plugin(home.path());
        cmd.env("KUBECONFIG", home.path().join("none"));
        let r = run_cmd(cmd, &["19-7", "--config", &path.to_string_lossy(), "--timeout", "5s"]);
        r.check(&[2], &["config.yaml"]).map_err(|e| format!("{what}: {}", e.message().unwrap_or_default()))?;
        ensure(r.stderr().trim_end().lines().count() == 1, || format!("{what}: not one line\n{}", r.show()))?;
    }
    Ok(())
}

// --- process -----------------------------------------------------------------------------

/// `kubectl jobtrace ... | head -1` and `... | true`: the reader goes away early.
fn stdout_closed_early() -> Result<(), Failed> {
    let ctx = real(&planted(), Backends::None);
    let ns = ctx.ns("panda");
    for (reader, format) in [("head -1", "table"), ("true", "json"), ("head -c 10", "yaml")] {
        let script = format!("\"$0\" \"$@\" | {reader}; echo \"tool-exit=${{PIPESTATUS[0]}}\" >&2");
        // bash and the plugin alike get the hermetic environment of `Ctx::command`
        let mut sh = ctx.command("/bin/bash", User::Reader);
        sh.env("JOBTRACE_MONGO_URI", planted_uri(MONGO_PASSWORD)).arg("-c").arg(script).arg(BIN);
        let r = run_cmd(sh, &["19-7", "-n", &ns, "-o", format, "--timeout", "15s"]);
        r.check(&[0], &[])?;
        let err = r.stderr();
        ensure(err.contains("tool-exit=1"), || format!("| {reader}: expected the tool's exit 1\n{}", r.show()))?;
        ensure(!err.contains("kubectl-jobtrace: error"), || format!("| {reader}: an error was printed\n{}", r.show()))?;
        ensure(!err.contains("Broken pipe") && !err.contains("os error 32"), || r.show())?;
    }
    Ok(())
}

/// Ctrl-C while `--wait` polls a backend that answers 404: exit 130 at once, one line,
/// and the forward closed end to end (the backend pod, a server of this test, sees its
/// connection closed).
fn sigint_during_wait() -> Result<(), Failed> {
    let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let backend = counting_backend(open.clone());
    let ctx = Tier::Real.setup_with(&planted(), Backends::None, &[(BACKEND_POD, 8080, backend.addr)]);
    let ns = ctx.ns("panda");
    let mut cmd = as_user(&ctx, User::Reader);
    cmd.args(["19-7", "-n", &ns, "-o", "json", "--wait", "60s", "--interval", "300ms", "--timeout", "90s", "-vvv"]);
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    // polling through the forward by then
    let polling = Instant::now();
    while open.load(Ordering::SeqCst) == 0 && polling.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(700));
    let forwarded = open.load(Ordering::SeqCst);
    let signalled = Instant::now();
    // SAFETY: kill(2) on the pid of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = signalled.elapsed();
    let o = Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() };
    let r = Run { out: o, took, timeout: Duration::ZERO };
    r.check(&[130], &["interrupted"])?;
    ensure(took < Duration::from_secs(1), || format!("exit {took:?} after SIGINT\n{}", r.show()))?;
    ensure(forwarded > 0, || format!("the backend was never reached through the forward\n{}", r.show()))?;
    let closing = Instant::now();
    while open.load(Ordering::SeqCst) > 0 && closing.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(50));
    }
    ensure(open.load(Ordering::SeqCst) == 0, || {
        format!("{} forwarded connection(s) still open 3s after exit\n{}", open.load(Ordering::SeqCst), r.show())
    })
}

/// Two traces of the same id at once: each gets its own forwards, both the full report.
fn two_traces_at_once() -> Result<(), Failed> {
    let ctx = real(&planted(), Backends::All);
    let ctx = &ctx;
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| trace(ctx, as_user(ctx, User::Reader), "20s", &[]));
        let b = s.spawn(|| trace(ctx, as_user(ctx, User::Reader), "20s", &[]));
        (a.join().expect("first trace"), b.join().expect("second trace"))
    });
    for r in [&a, &b] {
        r.check(&[1], &["missing-expected-label"])?;
        let v = r.json().unwrap_or_default();
        ensure(v["backend"]["lastStatus"] == 404, || r.show())?;
        let mongo = v["sources"].as_array().into_iter().flatten().find(|s| s["name"] == "mongo").cloned();
        ensure(mongo.is_some_and(|s| s["status"] == "collected"), || r.show())?;
    }
    let pods = |r: &Run| r.json().map(|v| v["pods"].clone());
    ensure(pods(&a) == pods(&b), || format!("different pods\n{}\n{}", a.show(), b.show()))
}

// --- main --------------------------------------------------------------------------------

type Case = fn() -> Result<(), Failed>;

fn main() -> ExitCode {
    let cases: &[(&str, Case, bool)] = &[
        // (name, case, needs the real tier)
        ("cluster::apiserver_down_refused", apiserver_down_refused, false),
        ("cluster::apiserver_blackholed", apiserver_blackholed, false),
        ("cluster::apiserver_slower_than_request_timeout", apiserver_slower_than_request_timeout, true),
        ("cluster::token_rejected_401", token_rejected_401, true),
        ("cluster::forbidden_pods", forbidden_pods, true),
        ("cluster::forbidden_jobs", forbidden_jobs, true),
        ("cluster::forbidden_events", forbidden_events, true),
        ("cluster::forbidden_services", forbidden_services, true),
        ("cluster::forbidden_endpoints", forbidden_endpoints, true),
        ("cluster::forbidden_pods_log", forbidden_pods_log, true),
        ("cluster::forbidden_pods_portforward", forbidden_pods_portforward, true),
        ("cluster::forbidden_secrets", forbidden_secrets, true),
        ("cluster::namespace_does_not_exist", namespace_does_not_exist, true),
        ("cluster::kubeconfig_missing", kubeconfig_missing, false),
        ("cluster::kubeconfig_malformed_yaml", kubeconfig_malformed_yaml, false),
        ("cluster::kubeconfig_context_not_found", kubeconfig_context_not_found, false),
        ("cluster::exec_plugin_exits_1", exec_plugin_exits_1, true),
        ("cluster::exec_plugin_prints_garbage", exec_plugin_prints_garbage, true),
        ("cluster::https_proxy_to_a_closed_port", https_proxy_to_a_closed_port, true),
        ("cluster::https_proxy_closed_for_a_remote_server", https_proxy_closed_for_a_remote_server, false),
        ("forward::no_listener_in_the_pod", forward_no_listener_in_the_pod, true),
        ("forward::pod_deleted_after_resolution", forward_pod_deleted_after_resolution, true),
        ("forward::stream_reset_mid_response", forward_stream_reset_mid_response, true),
        ("backend::error_500", backend_500, true),
        ("backend::html_502", backend_html_502, true),
        ("backend::non_utf8_body", backend_non_utf8_body, true),
        ("backend::ten_megabytes", backend_ten_megabytes, true),
        ("backend::answers_after_the_timeout", backend_answers_after_the_timeout, true),
        ("backend::closes_without_a_response", backend_closes_without_a_response, true),
        ("mongo::down", mongo_down, true),
        ("mongo::auth_failed", mongo_auth_failed, true),
        ("mongo::slower_than_its_timeout", mongo_slower_than_its_timeout, true),
        ("mongo::collection_missing", mongo_collection_missing, true),
        ("mongo::five_megabyte_field", mongo_five_megabyte_field, true),
        ("input::bad_flags_exit_2", bad_flags_exit_2, false),
        ("process::stdout_closed_early", stdout_closed_early, true),
        ("process::sigint_during_wait", sigint_during_wait, true),
        ("process::two_traces_at_once", two_traces_at_once, true),
    ];
    let args = Arguments::from_args();
    let skip = support::env::skip_real_tier();
    let mut trials: Vec<Trial> = cases
        .iter()
        .map(|(name, f, needs_real)| Trial::test(*name, *f).with_ignored_flag(*needs_real && skip.is_some()))
        .collect();
    // (runs once config files are merged in: `--config` in the help)
    trials.push(
        Trial::test("input::config_unknown_keys_and_wrong_types", config_unknown_keys_and_wrong_types)
            .with_ignored_flag(!has_config_files()),
    );
    for (name, _) in HOSTILE_IDS {
        trials.push(Trial::test(format!("input::hostile_id::{name}"), move || hostile_id(name)));
    }
    if let Some(reason) = &skip {
        eprintln!("real tier skipped: {reason}");
    }
    let ran = libtest_mimic::run(&args, trials);
    let audit =
        vec![Trial::test("audit::read_only_users_never_mutated_the_cluster", support::suite::audit_after_all_cases)
            .with_ignored_flag(skip.is_some())];
    let audited = libtest_mimic::run(&args, audit);
    if let Some(c) = Cluster::started() {
        c.shutdown();
    }
    if ran.has_failed() || audited.has_failed() {
        ExitCode::from(101)
    } else {
        ExitCode::SUCCESS
    }
}
