//! A SecantusDB server (MongoDB wire protocol, from PyPI) holding a scenario's Mongo
//! documents; one per test that needs it, killed on drop.
//!
//! It listens on a port of its choice (`--port 0`, read back from its log). With
//! scenario users it is first started open to create them (SCRAM-SHA-256 only, the one
//! mechanism SecantusDB accepts), then restarted with `--auth` on the same storage.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use jobtrace::sandbox::scenario::{MongoData, MongoUser};
use mongodb::bson::{doc, Bson, Document};

use super::cluster::block_on;
use super::env;
use super::procs::{wait_for, Proc};

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running, seeded SecantusDB.
pub struct Mongo {
    proc: Proc,
    pub port: u16,
    pub users: Vec<MongoUser>,
    dir: tempfile::TempDir,
}

impl Mongo {
    /// Starts a server holding `data` (databases, collections, documents in Extended
    /// JSON); with `data.users`, auth is on and only those users may read.
    pub fn start(data: &MongoData) -> Result<Mongo, String> {
        let dir = super::cluster::temp_dir("jobtrace-mongo").map_err(|e| format!("temp dir: {e}"))?;
        std::fs::write(dir.path().join("secantusd.toml"), "").map_err(|e| e.to_string())?;
        // With users to create, the open server commits durably: it is killed, not
        // stopped (a graceful stop takes seconds), before the restart with --auth.
        let restart = !data.users.is_empty();
        let (proc, port) = spawn(dir.path(), 1, if restart { Phase::Seeding } else { Phase::Open })?;
        let mut m = Mongo { proc, port, users: Vec::new(), dir };
        block_on(m.seed(data)).map_err(|e| format!("seeding SecantusDB: {e}\n{}", m.proc.tail(20)))?;
        if restart {
            m.proc.kill();
            let (proc, port) = spawn(m.dir.path(), 2, Phase::Auth)?;
            m.proc = proc;
            m.port = port;
            m.users = data.users.clone();
            let uri = m.uri();
            block_on(ping(&uri)).map_err(|e| format!("SecantusDB with --auth: {e}\n{}", m.proc.tail(20)))?;
        }
        Ok(m)
    }

    pub fn addr(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// `mongodb://` URI for a direct connection, with the first user's credentials if any.
    pub fn uri(&self) -> String {
        match self.users.first() {
            Some(u) => format!(
                "mongodb://{}:{}@127.0.0.1:{}/?directConnection=true&authSource=admin&authMechanism=SCRAM-SHA-256",
                u.user, u.password, self.port
            ),
            None => self.uri_without_credentials(),
        }
    }

    pub fn uri_without_credentials(&self) -> String {
        format!("mongodb://127.0.0.1:{}/?directConnection=true", self.port)
    }

    pub fn log_tail(&self, lines: usize) -> String {
        self.proc.tail(lines)
    }

    async fn seed(&self, data: &MongoData) -> Result<(), String> {
        let client = connect(&self.uri_without_credentials()).await?;
        for (db, collections) in &data.databases {
            for (coll, docs) in collections {
                let docs: Vec<Document> = docs
                    .iter()
                    .map(|d| match Bson::try_from(d.clone()) {
                        Ok(Bson::Document(doc)) => Ok(doc),
                        Ok(other) => Err(format!("{db}.{coll}: not a document: {other}")),
                        Err(e) => Err(format!("{db}.{coll}: bad Extended JSON {d}: {e}")),
                    })
                    .collect::<Result<_, _>>()?;
                if !docs.is_empty() {
                    client
                        .database(db)
                        .collection::<Document>(coll)
                        .insert_many(docs)
                        .await
                        .map_err(|e| format!("insert into {db}.{coll}: {e}"))?;
                }
            }
        }
        for u in &data.users {
            let cmd = doc! {
                "createUser": &u.user, "pwd": &u.password,
                "roles": [{"role": "root", "db": "admin"}], "mechanisms": ["SCRAM-SHA-256"],
            };
            client.database("admin").run_command(cmd).await.map_err(|e| format!("createUser {}: {e}", u.user))?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    /// No auth, for good.
    Open,
    /// No auth, every commit synced: users are being created for the `Auth` restart.
    Seeding,
    /// `--auth`.
    Auth,
}

/// Starts secantusd-py on a port of its choice; returns once the log names the port.
fn spawn(dir: &Path, n: u32, phase: Phase) -> Result<(Proc, u16), String> {
    let log = dir.join(format!("secantusd-{n}.log"));
    let mut cmd = Command::new(&env::binaries().secantusd);
    cmd.arg("--config")
        .arg(dir.join("secantusd.toml"))
        .args(["--host", "127.0.0.1", "--port", "0", "--standalone", "--storage-path"])
        .arg(dir.join("data"))
        .current_dir(dir);
    match phase {
        Phase::Open => {}
        Phase::Seeding => {
            cmd.arg("--sync-on-commit");
        }
        Phase::Auth => {
            cmd.arg("--auth");
        }
    }
    let mut proc = Proc::spawn("secantusd", cmd, &log).map_err(|e| format!("spawn secantusd-py: {e}"))?;
    let mut port = 0;
    wait_for("SecantusDB to log its port", START_TIMEOUT, || {
        proc.check_running()?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        port = text
            .lines()
            .find_map(|l| l.split("listening on 127.0.0.1:").nth(1))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0);
        Ok(port != 0)
    })
    .map_err(|e| format!("{e}\n{}", proc.tail(20)))?;
    Ok((proc, port))
}

async fn connect(uri: &str) -> Result<mongodb::Client, String> {
    let mut opts = mongodb::options::ClientOptions::parse(uri).await.map_err(|e| e.to_string())?;
    opts.server_selection_timeout = Some(START_TIMEOUT);
    opts.connect_timeout = Some(Duration::from_secs(5));
    let client = mongodb::Client::with_options(opts).map_err(|e| e.to_string())?;
    ping_client(&client).await?;
    Ok(client)
}

async fn ping(uri: &str) -> Result<(), String> {
    connect(uri).await.map(drop)
}

async fn ping_client(client: &mongodb::Client) -> Result<(), String> {
    client.database("admin").run_command(doc! {"ping": 1}).await.map(drop).map_err(|e| format!("ping: {e}"))
}
