//! A MongoDB wire-protocol stand-in: serves a scenario's [`MongoData`] to the official
//! `mongodb` driver (3.x), so that `demo` and the fast tests need no database installed.
//!
//! It speaks what the driver and the tool send, on one connection at a time
//! ([`serve_connection`]): OP_MSG (2013) in both directions, and the legacy OP_QUERY (2004)
//! answered with OP_REPLY (1) for old clients' handshakes. Commands: `hello` / `isMaster`
//! (a standalone server, wire versions 0..=17), `ping`, `buildInfo`, `listDatabases`
//! (`nameOnly`, `filter`), `listCollections` (`nameOnly`, `filter`), `find` (`filter`,
//! `projection`, `skip`, `limit`, `batchSize`, `singleBatch`), `getMore`, `killCursors`,
//! `endSessions`, and SCRAM-SHA-256 (`saslStart` / `saslContinue`) when the scenario
//! lists `users`. Anything else answers `CommandNotFound` (59) as mongod does.
//!
//! Filters support equality (numbers compared across types, arrays by element), `$eq`,
//! `$ne`, `$in`, `$nin`, `$exists`, `$regex` with `$options` (and BSON regex values),
//! `$gt`/`$gte`/`$lt`/`$lte`, `$and`, `$or` and `$nor`, on dotted paths. Projections are
//! top-level inclusion or exclusion. Unsupported operators answer `BadValue` (2).
//!
//! Documents are the scenario's Extended JSON (their `$date`s already shifted by the
//! sandbox's port targets, like every other time of a scenario).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::Arc;

use base64::Engine;
use mongodb::bson::{doc, Bson, Document};
use ring::rand::SecureRandom;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::scenario::MongoData;

const OP_REPLY: i32 = 1;
const OP_QUERY: i32 = 2004;
const OP_MSG: i32 = 2013;
/// The largest message accepted, as mongod's `maxMessageSizeBytes`.
const MAX_MESSAGE: usize = 48_000_000;
const MAX_BSON: i32 = 16 * 1024 * 1024;
/// The wire version advertised (MongoDB 6.0); the driver 3.x needs 9..=29.
pub const MAX_WIRE_VERSION: i32 = 17;
/// mongod's first batch size when `batchSize` is not given.
const DEFAULT_BATCH: usize = 101;
/// SCRAM iteration count (the driver refuses fewer than 4096).
const SCRAM_ITERATIONS: u32 = 4096;

static CONNECTION_IDS: AtomicI32 = AtomicI32::new(1);
static CURSOR_IDS: AtomicI64 = AtomicI64::new(1_000_001);

/// Serves one client connection until it closes or sends something malformed.
pub async fn serve_connection<S>(stream: S, data: Arc<MongoData>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut conn = Connection::new(Store::from_data(&data));
    if let Err(e) = conn.run(stream).await {
        tracing::debug!(error = %e, "mongo stand-in: connection ended");
    }
}

/// The scenario's databases as BSON, and its users.
#[derive(Debug, Default)]
struct Store {
    databases: BTreeMap<String, BTreeMap<String, Vec<Document>>>,
    users: Vec<(String, String)>,
}

impl Store {
    fn from_data(data: &MongoData) -> Self {
        let mut databases = BTreeMap::new();
        for (db, collections) in &data.databases {
            let mut colls = BTreeMap::new();
            for (name, docs) in collections {
                let docs = docs
                    .iter()
                    .filter_map(|d| match Bson::try_from(d.clone()) {
                        Ok(Bson::Document(doc)) => Some(doc),
                        Ok(other) => {
                            tracing::warn!(db, collection = name, "mongo stand-in: not a document: {other}");
                            None
                        }
                        Err(e) => {
                            tracing::warn!(db, collection = name, "mongo stand-in: bad Extended JSON: {e}");
                            None
                        }
                    })
                    .collect();
                colls.insert(name.clone(), docs);
            }
            databases.insert(db.clone(), colls);
        }
        let users = data.users.iter().map(|u| (u.user.clone(), u.password.clone())).collect();
        Self { databases, users }
    }

    fn password_of(&self, user: &str) -> Option<&str> {
        self.users.iter().find(|(u, _)| u == user).map(|(_, p)| p.as_str())
    }
}

/// Why a connection was dropped.
#[derive(Debug, thiserror::Error)]
enum WireError {
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed message: {0}")]
    Malformed(String),
}

fn malformed(what: impl Into<String>) -> WireError {
    WireError::Malformed(what.into())
}

/// A command that failed, as mongod reports it.
#[derive(Debug)]
struct CommandError {
    code: i32,
    code_name: &'static str,
    message: String,
}

impl CommandError {
    fn new(code: i32, code_name: &'static str, message: impl Into<String>) -> Self {
        Self { code, code_name, message: message.into() }
    }
    fn bad_value(message: impl Into<String>) -> Self {
        Self::new(2, "BadValue", message)
    }
    fn auth_failed() -> Self {
        Self::new(18, "AuthenticationFailed", "Authentication failed.")
    }
    fn to_doc(&self) -> Document {
        doc! { "ok": 0.0, "errmsg": &self.message, "code": self.code, "codeName": self.code_name }
    }
}

type CmdResult = Result<Document, CommandError>;

/// A SCRAM conversation in progress.
struct Scram {
    user: String,
    salted: Vec<u8>,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

struct Cursor {
    ns: String,
    rest: std::collections::VecDeque<Document>,
}

struct Connection {
    store: Store,
    id: i32,
    authenticated: Option<String>,
    scram: Option<Scram>,
    cursors: HashMap<i64, Cursor>,
    next_request_id: i32,
}

impl Connection {
    fn new(store: Store) -> Self {
        Self {
            store,
            id: CONNECTION_IDS.fetch_add(1, Ordering::Relaxed),
            authenticated: None,
            scram: None,
            cursors: HashMap::new(),
            next_request_id: 1,
        }
    }

    async fn run<S: AsyncRead + AsyncWrite + Unpin + Send>(&mut self, mut stream: S) -> Result<(), WireError> {
        loop {
            let mut header = [0u8; 16];
            match stream.read_exact(&mut header).await {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e.into()),
            }
            let length = i32_at(&header, 0) as usize;
            let request_id = i32_at(&header, 4);
            let op_code = i32_at(&header, 12);
            if !(16..=MAX_MESSAGE).contains(&length) {
                return Err(malformed(format!("message length {length}")));
            }
            let mut body = vec![0u8; length - 16];
            stream.read_exact(&mut body).await?;
            let reply = match op_code {
                OP_MSG => {
                    let (flags, command) = parse_op_msg(&body)?;
                    let response = self.dispatch(command);
                    // moreToCome (bit 1): the client expects no answer.
                    if flags & 0b10 != 0 {
                        continue;
                    }
                    self.frame_op_msg(request_id, &response)?
                }
                OP_QUERY => {
                    let command = parse_op_query(&body)?;
                    let response = self.dispatch(command);
                    self.frame_op_reply(request_id, &response)?
                }
                other => return Err(malformed(format!("unsupported opcode {other}"))),
            };
            stream.write_all(&reply).await?;
            stream.flush().await?;
        }
    }

    fn frame_op_msg(&mut self, response_to: i32, doc: &Document) -> Result<Vec<u8>, WireError> {
        let mut payload = Vec::new();
        payload.extend_from_slice(&0u32.to_le_bytes());
        payload.push(0);
        doc.to_writer(&mut payload).map_err(|e| malformed(e.to_string()))?;
        Ok(self.frame(response_to, OP_MSG, payload))
    }

    fn frame_op_reply(&mut self, response_to: i32, doc: &Document) -> Result<Vec<u8>, WireError> {
        let mut payload = Vec::new();
        payload.extend_from_slice(&0i32.to_le_bytes()); // responseFlags
        payload.extend_from_slice(&0i64.to_le_bytes()); // cursorID
        payload.extend_from_slice(&0i32.to_le_bytes()); // startingFrom
        payload.extend_from_slice(&1i32.to_le_bytes()); // numberReturned
        doc.to_writer(&mut payload).map_err(|e| malformed(e.to_string()))?;
        Ok(self.frame(response_to, OP_REPLY, payload))
    }

    fn frame(&mut self, response_to: i32, op: i32, payload: Vec<u8>) -> Vec<u8> {
        let request_id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1);
        let mut out = Vec::with_capacity(16 + payload.len());
        out.extend_from_slice(&((16 + payload.len()) as i32).to_le_bytes());
        out.extend_from_slice(&request_id.to_le_bytes());
        out.extend_from_slice(&response_to.to_le_bytes());
        out.extend_from_slice(&op.to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Runs one command document (`$db` inside) and returns mongod's answer.
    fn dispatch(&mut self, command: Document) -> Document {
        let Some(name) = command.keys().next().cloned() else {
            return CommandError::new(59, "CommandNotFound", "empty command").to_doc();
        };
        let db = command.get_str("$db").unwrap_or("admin").to_string();
        tracing::trace!(command = %name, db = %db, "mongo stand-in: command");
        let open = matches!(
            name.as_str(),
            "hello"
                | "isMaster"
                | "ismaster"
                | "ping"
                | "buildInfo"
                | "buildinfo"
                | "saslStart"
                | "saslContinue"
                | "endSessions"
        );
        if !open && !self.store.users.is_empty() && self.authenticated.is_none() {
            return CommandError::new(13, "Unauthorized", format!("command {name} requires authentication")).to_doc();
        }
        let result = match name.as_str() {
            "hello" | "isMaster" | "ismaster" => Ok(self.hello(&name, &command)),
            "ping" | "endSessions" => Ok(Document::new()),
            "buildInfo" | "buildinfo" => Ok(doc! {
                "version": "7.0.0-jobtrace-sandbox",
                "versionArray": [7, 0, 0, 0],
                "maxBsonObjectSize": MAX_BSON,
            }),
            "listDatabases" => self.list_databases(&command),
            "listCollections" => self.list_collections(&db, &command),
            "find" => self.find(&db, &command),
            "getMore" => self.get_more(&command),
            "killCursors" => Ok(self.kill_cursors(&command)),
            "saslStart" => self.sasl_start(&command),
            "saslContinue" => self.sasl_continue(&command),
            other => Err(CommandError::new(59, "CommandNotFound", format!("no such command: '{other}'"))),
        };
        match result {
            Ok(mut d) => {
                d.insert("ok", 1.0);
                d
            }
            Err(e) => e.to_doc(),
        }
    }

    fn hello(&self, name: &str, command: &Document) -> Document {
        let mut d = doc! {
            "helloOk": true,
            "maxBsonObjectSize": MAX_BSON,
            "maxMessageSizeBytes": MAX_MESSAGE as i32,
            "maxWriteBatchSize": 100_000,
            "localTime": mongodb::bson::DateTime::now(),
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": self.id,
            "minWireVersion": 0,
            "maxWireVersion": MAX_WIRE_VERSION,
            "readOnly": false,
        };
        if name == "hello" {
            d.insert("isWritablePrimary", true);
        } else {
            d.insert("ismaster", true);
        }
        // `saslSupportedMechs: "<db>.<user>"`: mongod lists the mechanisms of a user it knows.
        if let Ok(spec) = command.get_str("saslSupportedMechs") {
            let user = spec.split_once('.').map(|(_, u)| u).unwrap_or(spec);
            if self.store.password_of(user).is_some() {
                d.insert("saslSupportedMechs", vec!["SCRAM-SHA-256"]);
            }
        }
        d
    }

    fn list_databases(&self, command: &Document) -> CmdResult {
        let name_only = truthy(command.get("nameOnly"));
        let filter = command.get_document("filter").ok();
        let mut databases = Vec::new();
        for (name, collections) in &self.store.databases {
            let size: i64 = collections.values().flatten().map(|d| doc_len(d) as i64).sum();
            let entry = doc! { "name": name, "sizeOnDisk": size.max(4096), "empty": collections.is_empty() };
            if let Some(f) = filter {
                if !matches(&entry, f)? {
                    continue;
                }
            }
            databases.push(if name_only {
                doc! { "name": name }
            } else {
                entry
            });
        }
        let total: i64 = databases.iter().filter_map(|d| d.get_i64("sizeOnDisk").ok()).sum();
        let mut out = doc! { "databases": databases };
        if !name_only {
            out.insert("totalSize", total);
            out.insert("totalSizeMb", total / (1024 * 1024));
        }
        Ok(out)
    }

    fn list_collections(&mut self, db: &str, command: &Document) -> CmdResult {
        let name_only = truthy(command.get("nameOnly"));
        let filter = command.get_document("filter").ok();
        let mut batch = Vec::new();
        for name in self.store.databases.get(db).into_iter().flat_map(|c| c.keys()) {
            let spec = if name_only {
                doc! { "name": name, "type": "collection" }
            } else {
                doc! {
                    "name": name,
                    "type": "collection",
                    "options": {},
                    "info": { "readOnly": false },
                    "idIndex": { "v": 2, "key": { "_id": 1 }, "name": "_id_" },
                }
            };
            if let Some(f) = filter {
                if !matches(&spec, f)? {
                    continue;
                }
            }
            batch.push(spec);
        }
        let batch_size = batch_size(command.get_document("cursor").ok().and_then(|c| c.get("batchSize")))?;
        Ok(self.open_cursor(format!("{db}.$cmd.listCollections"), batch, batch_size, false))
    }

    fn find(&mut self, db: &str, command: &Document) -> CmdResult {
        let collection = command
            .get_str("find")
            .map_err(|_| CommandError::bad_value("collection name has invalid type"))?
            .to_string();
        let empty = Document::new();
        let filter = match command.get("filter") {
            None | Some(Bson::Null) => &empty,
            Some(Bson::Document(f)) => f,
            Some(_) => return Err(CommandError::bad_value("filter must be an object")),
        };
        let projection = command.get_document("projection").ok();
        let skip = number(command.get("skip")).unwrap_or(0).max(0) as usize;
        let limit = number(command.get("limit")).unwrap_or(0);
        let mut single = truthy(command.get("singleBatch"));
        if limit < 0 {
            single = true;
        }
        let limit = limit.unsigned_abs() as usize;
        let docs = self.store.databases.get(db).and_then(|c| c.get(&collection)).cloned().unwrap_or_default();
        let mut hits = Vec::new();
        for d in docs {
            if matches(&d, filter)? {
                hits.push(d);
            }
        }
        let mut hits: Vec<Document> = hits.into_iter().skip(skip).collect();
        if limit > 0 {
            hits.truncate(limit);
        }
        let hits = match projection {
            Some(p) => hits.iter().map(|d| project(d, p)).collect(),
            None => hits,
        };
        let batch_size = batch_size(command.get("batchSize"))?;
        Ok(self.open_cursor(format!("{db}.{collection}"), hits, batch_size, single))
    }

    /// The first batch; the rest stays in a cursor unless `single`.
    fn open_cursor(&mut self, ns: String, docs: Vec<Document>, batch_size: Option<usize>, single: bool) -> Document {
        let take = batch_size.unwrap_or(DEFAULT_BATCH).min(docs.len());
        let mut rest: std::collections::VecDeque<Document> = docs.into();
        let first: Vec<Document> = rest.drain(..take).collect();
        let id = if rest.is_empty() || single {
            0
        } else {
            let id = CURSOR_IDS.fetch_add(1, Ordering::Relaxed);
            self.cursors.insert(id, Cursor { ns: ns.clone(), rest });
            id
        };
        doc! { "cursor": { "firstBatch": first, "id": id, "ns": ns } }
    }

    fn get_more(&mut self, command: &Document) -> CmdResult {
        let id = number(command.get("getMore")).ok_or_else(|| CommandError::bad_value("getMore needs a cursor id"))?;
        let batch_size = batch_size(command.get("batchSize"))?;
        let Some(cursor) = self.cursors.get_mut(&id) else {
            return Err(CommandError::new(43, "CursorNotFound", format!("cursor id {id} not found")));
        };
        let take = batch_size.unwrap_or(usize::MAX).min(cursor.rest.len());
        let next: Vec<Document> = cursor.rest.drain(..take).collect();
        let ns = cursor.ns.clone();
        let id = if cursor.rest.is_empty() {
            self.cursors.remove(&id);
            0
        } else {
            id
        };
        Ok(doc! { "cursor": { "nextBatch": next, "id": id, "ns": ns } })
    }

    fn kill_cursors(&mut self, command: &Document) -> Document {
        let (mut killed, mut not_found) = (Vec::new(), Vec::new());
        for id in command.get_array("cursors").map(|a| a.as_slice()).unwrap_or_default() {
            if let Some(id) = number(Some(id)) {
                if self.cursors.remove(&id).is_some() {
                    killed.push(id);
                } else {
                    not_found.push(id);
                }
            }
        }
        doc! {
            "cursorsKilled": killed,
            "cursorsNotFound": not_found,
            "cursorsAlive": [],
            "cursorsUnknown": [],
        }
    }

    fn sasl_start(&mut self, command: &Document) -> CmdResult {
        let mechanism = command.get_str("mechanism").unwrap_or_default();
        if mechanism != "SCRAM-SHA-256" {
            return Err(CommandError::new(
                334,
                "MechanismUnavailable",
                format!("Received authentication for mechanism {mechanism} which is not enabled"),
            ));
        }
        let payload = binary_payload(command)?;
        // client-first: "n,,n=<user>,r=<nonce>"
        let bare = payload.strip_prefix("n,,").ok_or_else(CommandError::auth_failed)?;
        let mut user = None;
        let mut client_nonce = None;
        for part in bare.split(',') {
            if let Some(u) = part.strip_prefix("n=") {
                user = Some(u.replace("=2C", ",").replace("=3D", "="));
            } else if let Some(r) = part.strip_prefix("r=") {
                client_nonce = Some(r.to_string());
            }
        }
        let (user, client_nonce) = user.zip(client_nonce).ok_or_else(CommandError::auth_failed)?;
        let password = self.store.password_of(&user).ok_or_else(CommandError::auth_failed)?.to_string();
        let rng = ring::rand::SystemRandom::new();
        let mut salt = [0u8; 16];
        let mut server_nonce = [0u8; 18];
        rng.fill(&mut salt).map_err(|_| CommandError::auth_failed())?;
        rng.fill(&mut server_nonce).map_err(|_| CommandError::auth_failed())?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let nonce = format!("{client_nonce}{}", b64.encode(server_nonce));
        let server_first = format!("r={nonce},s={},i={SCRAM_ITERATIONS}", b64.encode(salt));
        let mut salted = vec![0u8; 32];
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            std::num::NonZeroU32::new(SCRAM_ITERATIONS).unwrap_or(std::num::NonZeroU32::MIN),
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        self.scram = Some(Scram {
            user,
            salted,
            client_first_bare: bare.to_string(),
            server_first: server_first.clone(),
            nonce,
        });
        Ok(doc! { "conversationId": 1, "done": false, "payload": binary(server_first.into_bytes()) })
    }

    fn sasl_continue(&mut self, command: &Document) -> CmdResult {
        let scram =
            self.scram.take().ok_or_else(|| CommandError::new(17, "ProtocolError", "No SASL session state found"))?;
        let payload = binary_payload(command)?;
        // client-final: "c=biws,r=<nonce>,p=<proof>"
        let (without_proof, proof) = payload.rsplit_once(",p=").ok_or_else(CommandError::auth_failed)?;
        if !without_proof.split(',').any(|p| p.strip_prefix("r=") == Some(scram.nonce.as_str())) {
            return Err(CommandError::auth_failed());
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let proof = b64.decode(proof).map_err(|_| CommandError::auth_failed())?;
        let auth_message = format!("{},{},{without_proof}", scram.client_first_bare, scram.server_first);
        let client_key = hmac(&scram.salted, b"Client Key");
        let stored_key = ring::digest::digest(&ring::digest::SHA256, &client_key);
        let signature = hmac(stored_key.as_ref(), auth_message.as_bytes());
        let expected: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        // compared without an early exit, so timing does not tell how much of the proof was right
        if proof.len() != expected.len() || proof.iter().zip(&expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
            return Err(CommandError::auth_failed());
        }
        let server_key = hmac(&scram.salted, b"Server Key");
        let verifier = format!("v={}", b64.encode(hmac(&server_key, auth_message.as_bytes())));
        self.authenticated = Some(scram.user);
        Ok(doc! { "conversationId": 1, "done": true, "payload": binary(verifier.into_bytes()) })
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&key, data).as_ref().to_vec()
}

fn binary(bytes: Vec<u8>) -> Bson {
    Bson::Binary(mongodb::bson::Binary { subtype: mongodb::bson::spec::BinarySubtype::Generic, bytes })
}

fn binary_payload(command: &Document) -> Result<String, CommandError> {
    let bytes = match command.get("payload") {
        Some(Bson::Binary(b)) => b.bytes.clone(),
        Some(Bson::String(s)) => s.clone().into_bytes(),
        _ => return Err(CommandError::bad_value("payload is missing")),
    };
    String::from_utf8(bytes).map_err(|_| CommandError::auth_failed())
}

fn i32_at(buf: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// Reads a BSON document at the start of `buf`, returning it and its length.
fn read_doc(buf: &[u8]) -> Result<(Document, usize), WireError> {
    if buf.len() < 5 {
        return Err(malformed("truncated document"));
    }
    let len = i32_at(buf, 0);
    if len < 5 || len as usize > buf.len() {
        return Err(malformed(format!("document length {len}")));
    }
    let len = len as usize;
    let doc = Document::from_reader(&buf[..len]).map_err(|e| malformed(e.to_string()))?;
    Ok((doc, len))
}

fn read_cstring(buf: &[u8]) -> Result<(String, usize), WireError> {
    let end = buf.iter().position(|b| *b == 0).ok_or_else(|| malformed("unterminated string"))?;
    let s = std::str::from_utf8(&buf[..end]).map_err(|_| malformed("string is not UTF-8"))?;
    Ok((s.to_string(), end + 1))
}

/// OP_MSG: flags, then sections (kind 0: the body; kind 1: a document sequence, folded
/// into the body as an array under its identifier), then an optional checksum.
fn parse_op_msg(body: &[u8]) -> Result<(u32, Document), WireError> {
    if body.len() < 5 {
        return Err(malformed("short OP_MSG"));
    }
    let flags = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
    let end = if flags & 1 != 0 { body.len().saturating_sub(4) } else { body.len() };
    let mut at = 4;
    let mut command: Option<Document> = None;
    let mut sequences: Vec<(String, Vec<Bson>)> = Vec::new();
    while at < end {
        let kind = body[at];
        at += 1;
        match kind {
            0 => {
                let (doc, len) = read_doc(&body[at..end])?;
                command = Some(doc);
                at += len;
            }
            1 => {
                if end - at < 4 {
                    return Err(malformed("short document sequence"));
                }
                let size = i32_at(body, at) as usize;
                if size < 4 || at + size > end {
                    return Err(malformed("bad document sequence size"));
                }
                let section = &body[at + 4..at + size];
                let (ident, mut pos) = read_cstring(section)?;
                let mut docs = Vec::new();
                while pos < section.len() {
                    let (doc, len) = read_doc(&section[pos..])?;
                    docs.push(Bson::Document(doc));
                    pos += len;
                }
                sequences.push((ident, docs));
                at += size;
            }
            other => return Err(malformed(format!("section kind {other}"))),
        }
    }
    let mut command = command.ok_or_else(|| malformed("OP_MSG without a body"))?;
    for (ident, docs) in sequences {
        command.insert(ident, docs);
    }
    Ok((flags, command))
}

/// OP_QUERY on `<db>.$cmd`: a command (possibly wrapped in `$query`), with `$db` added.
fn parse_op_query(body: &[u8]) -> Result<Document, WireError> {
    if body.len() < 4 {
        return Err(malformed("short OP_QUERY"));
    }
    let (collection, len) = read_cstring(&body[4..])?;
    let at = 4 + len + 8; // numberToSkip, numberToReturn
    if at > body.len() {
        return Err(malformed("short OP_QUERY"));
    }
    let (query, _) = read_doc(&body[at..])?;
    let db = collection.strip_suffix(".$cmd").ok_or_else(|| malformed("OP_QUERY is only supported on $cmd"))?;
    let mut command = match query.get_document("$query") {
        Ok(inner) => inner.clone(),
        Err(_) => query,
    };
    command.insert("$db", db);
    Ok(command)
}

fn truthy(v: Option<&Bson>) -> bool {
    match v {
        Some(Bson::Boolean(b)) => *b,
        Some(other) => number(Some(other)).is_some_and(|n| n != 0),
        None => false,
    }
}

fn number(v: Option<&Bson>) -> Option<i64> {
    match v? {
        Bson::Int32(i) => Some(*i as i64),
        Bson::Int64(i) => Some(*i),
        Bson::Double(d) if d.fract() == 0.0 => Some(*d as i64),
        _ => None,
    }
}

fn batch_size(v: Option<&Bson>) -> Result<Option<usize>, CommandError> {
    match v {
        None => Ok(None),
        Some(b) => match number(Some(b)) {
            Some(n) if n >= 0 => Ok(Some(if n == 0 { DEFAULT_BATCH } else { n as usize })),
            _ => Err(CommandError::bad_value("batchSize must be a non-negative number")),
        },
    }
}

fn doc_len(d: &Document) -> usize {
    let mut buf = Vec::new();
    d.to_writer(&mut buf).map(|_| buf.len()).unwrap_or(0)
}

/// Top-level inclusion or exclusion projection; `_id` is kept unless excluded.
fn project(d: &Document, projection: &Document) -> Document {
    let inclusive = projection.iter().any(|(k, v)| k != "_id" && truthy(Some(v)));
    let id_excluded = projection.get("_id").is_some_and(|v| !truthy(Some(v)));
    let mut out = Document::new();
    for (k, v) in d {
        let top = |key: &str| key == k || key.split('.').next() == Some(k.as_str());
        let keep = if k == "_id" {
            !id_excluded
        } else if inclusive {
            projection.iter().any(|(p, pv)| top(p) && truthy(Some(pv)))
        } else {
            !projection.iter().any(|(p, pv)| p == k && !truthy(Some(pv)))
        };
        if keep {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// The values at a dotted path; an array on the way is searched element by element.
fn values_at<'a>(d: &'a Document, path: &str) -> Vec<&'a Bson> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some(v) = d.get(head) else { return Vec::new() };
    match rest {
        None => vec![v],
        Some(rest) => match v {
            Bson::Document(inner) => values_at(inner, rest),
            Bson::Array(items) => items
                .iter()
                .flat_map(|i| match i {
                    Bson::Document(inner) => values_at(inner, rest),
                    _ => Vec::new(),
                })
                .collect(),
            _ => Vec::new(),
        },
    }
}

/// Does `d` satisfy the query `filter`?
fn matches(d: &Document, filter: &Document) -> Result<bool, CommandError> {
    for (key, cond) in filter {
        let ok = match key.as_str() {
            "$and" | "$or" | "$nor" => {
                let Bson::Array(items) = cond else {
                    return Err(CommandError::bad_value(format!("{key} must be an array")));
                };
                let mut results = Vec::new();
                for item in items {
                    let Bson::Document(sub) = item else {
                        return Err(CommandError::bad_value(format!("{key} entries must be objects")));
                    };
                    results.push(matches(d, sub)?);
                }
                match key.as_str() {
                    "$and" => results.iter().all(|r| *r),
                    "$or" => results.iter().any(|r| *r),
                    _ => !results.iter().any(|r| *r),
                }
            }
            "$comment" => true,
            op if op.starts_with('$') => {
                return Err(CommandError::bad_value(format!("unknown top level operator: {op}")));
            }
            path => field_matches(&values_at(d, path), cond)?,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn field_matches(values: &[&Bson], cond: &Bson) -> Result<bool, CommandError> {
    match cond {
        Bson::Document(ops) if ops.keys().next().is_some_and(|k| k.starts_with('$')) => {
            for (op, arg) in ops {
                let ok = match op.as_str() {
                    "$eq" => equals_any(values, arg),
                    "$ne" => !equals_any(values, arg),
                    "$in" | "$nin" => {
                        let Bson::Array(items) = arg else {
                            return Err(CommandError::bad_value(format!("{op} needs an array")));
                        };
                        let mut any = false;
                        for item in items {
                            any |= match item {
                                Bson::RegularExpression(re) => regex_any(values, &re.pattern, &re.options)?,
                                other => equals_any(values, other),
                            };
                        }
                        if op == "$in" {
                            any
                        } else {
                            !any
                        }
                    }
                    "$exists" => values.is_empty() != truthy(Some(arg)),
                    "$regex" => {
                        let options = ops.get_str("$options").unwrap_or_default();
                        match arg {
                            Bson::String(p) => regex_any(values, p, options)?,
                            Bson::RegularExpression(re) => {
                                let opts = if options.is_empty() { re.options.as_str() } else { options };
                                regex_any(values, &re.pattern, opts)?
                            }
                            _ => return Err(CommandError::bad_value("$regex has to be a string")),
                        }
                    }
                    "$options" => true,
                    "$gt" | "$gte" | "$lt" | "$lte" => values.iter().flat_map(|v| expand(v)).any(|v| {
                        compare(v, arg).is_some_and(|o| match op.as_str() {
                            "$gt" => o.is_gt(),
                            "$gte" => o.is_ge(),
                            "$lt" => o.is_lt(),
                            _ => o.is_le(),
                        })
                    }),
                    other => return Err(CommandError::bad_value(format!("unknown operator: {other}"))),
                };
                if !ok {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Bson::RegularExpression(re) => regex_any(values, &re.pattern, &re.options),
        other => Ok(equals_any(values, other)),
    }
}

/// A value and, when it is an array, its elements (mongod matches either).
fn expand(v: &Bson) -> Vec<&Bson> {
    match v {
        Bson::Array(items) => std::iter::once(v).chain(items.iter()).collect(),
        other => vec![other],
    }
}

fn equals_any(values: &[&Bson], target: &Bson) -> bool {
    if values.is_empty() {
        return matches!(target, Bson::Null);
    }
    values.iter().flat_map(|v| expand(v)).any(|v| bson_eq(v, target))
}

fn as_f64(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(i) => Some(*i as f64),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Double(d) => Some(*d),
        _ => None,
    }
}

fn bson_eq(a: &Bson, b: &Bson) -> bool {
    match (as_f64(a), as_f64(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn compare(a: &Bson, b: &Bson) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Bson::String(x), Bson::String(y)) => Some(x.cmp(y)),
        (Bson::DateTime(x), Bson::DateTime(y)) => Some(x.cmp(y)),
        _ => as_f64(a)?.partial_cmp(&as_f64(b)?),
    }
}

fn regex_any(values: &[&Bson], pattern: &str, options: &str) -> Result<bool, CommandError> {
    let re = build_regex(pattern, options)?;
    Ok(values.iter().flat_map(|v| expand(v)).any(|v| match v {
        Bson::String(s) => re.is_match(s.as_bytes()),
        Bson::Symbol(s) => re.is_match(s.as_bytes()),
        _ => false,
    }))
}

/// PCRE options `i`, `m`, `s`, `x` mapped onto the `regex` crate. Without the crate's
/// Unicode case tables, a case-insensitive pattern falls back to ASCII case folding.
fn build_regex(pattern: &str, options: &str) -> Result<regex::bytes::Regex, CommandError> {
    let build = |unicode: bool| {
        regex::bytes::RegexBuilder::new(pattern)
            .case_insensitive(options.contains('i'))
            .multi_line(options.contains('m'))
            .dot_matches_new_line(options.contains('s'))
            .ignore_whitespace(options.contains('x'))
            .unicode(unicode)
            .size_limit(1 << 20)
            .build()
    };
    build(true)
        .or_else(|_| build(false))
        .map_err(|e| CommandError::new(51091, "Location51091", format!("Regular expression is invalid: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::scenario::MongoUser;
    use mongodb::options::ClientOptions;
    use mongodb::Client;

    fn data() -> MongoData {
        let jobs = serde_json::json!([
            {"_id": {"$oid": "6915a8e80000000000000001"}, "job_id": "20-1", "status": "configured",
             "created_at": {"$date": "2025-11-13T09:58:00.530Z"}},
            {"_id": {"$oid": "6915a8e80000000000000002"}, "job_id": "19-70", "status": "done"},
            {"_id": "19-7", "jobId": "19-7", "n": 3},
            {"_id": {"$oid": "6915a8e80000000000000004"}, "job_id": "19_7", "tags": ["a", "b"]},
            {"_id": {"$oid": "6915a8e80000000000000005"}, "job_id": "a.b"},
            {"_id": {"$oid": "6915a8e80000000000000006"}, "job_id": "axb"},
        ]);
        let consumers = serde_json::json!([{"job_id": "20-1", "consumer": "c-20-1"}]);
        let mut db = BTreeMap::new();
        db.insert("jobs".to_string(), jobs.as_array().unwrap().clone());
        db.insert("consumers".to_string(), consumers.as_array().unwrap().clone());
        let mut other = BTreeMap::new();
        other.insert("misc".to_string(), vec![serde_json::json!({"x": 1})]);
        MongoData { databases: [("panda".to_string(), db), ("other".to_string(), other)].into(), users: vec![] }
    }

    async fn start(data: MongoData) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let data = Arc::new(data);
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(serve_connection(s, data.clone()));
            }
        });
        format!("127.0.0.1:{}", addr.port())
    }

    async fn client(uri: &str) -> Client {
        let mut opts = ClientOptions::parse(uri).await.unwrap();
        opts.server_selection_timeout = Some(std::time::Duration::from_secs(3));
        opts.connect_timeout = Some(std::time::Duration::from_secs(3));
        Client::with_options(opts).unwrap()
    }

    #[tokio::test]
    async fn the_driver_handshakes_pings_and_lists() {
        let addr = start(data()).await;
        let c = client(&format!("mongodb://{addr}/?directConnection=true")).await;
        let pong = c.database("admin").run_command(doc! {"ping": 1}).await.unwrap();
        assert_eq!(pong.get_f64("ok").unwrap(), 1.0);
        let info = c.database("admin").run_command(doc! {"buildInfo": 1}).await.unwrap();
        assert!(info.get_str("version").unwrap().starts_with('7'));
        let mut names = c.list_database_names().await.unwrap();
        names.sort();
        assert_eq!(names, ["other", "panda"]);
        let specs = c.list_databases().await.unwrap();
        assert_eq!(specs.len(), 2);
        let mut colls = c.database("panda").list_collection_names().await.unwrap();
        colls.sort();
        assert_eq!(colls, ["consumers", "jobs"]);
        let full = c.database("panda").list_collections().await.unwrap();
        use futures::TryStreamExt;
        let full: Vec<_> = full.try_collect().await.unwrap();
        assert_eq!(full.len(), 2);
        c.shutdown().await;
    }

    #[tokio::test]
    async fn find_filters_projects_and_pages() {
        use futures::TryStreamExt;
        let addr = start(data()).await;
        let c = client(&format!("mongodb://{addr}/?directConnection=true")).await;
        let jobs = c.database("panda").collection::<Document>("jobs");
        let one = jobs.find_one(doc! {"job_id": "20-1"}).await.unwrap().unwrap();
        assert_eq!(one.get_str("status").unwrap(), "configured");
        assert!(matches!(one.get("created_at"), Some(Bson::DateTime(_))));
        assert!(jobs.find_one(doc! {"job_id": "19-7"}).await.unwrap().is_none());
        let by_id = jobs.find_one(doc! {"_id": "19-7"}).await.unwrap().unwrap();
        assert_eq!(by_id.get_i32("n").unwrap(), 3);
        let or = doc! {"$or": [{"job_id": "19-7"}, {"jobId": "19-7"}]};
        assert_eq!(jobs.find(or).await.unwrap().try_collect::<Vec<_>>().await.unwrap().len(), 1);
        let near = doc! {"job_id": {"$regex": "^0*19[-_.]0*7$", "$options": "i"}};
        let near: Vec<_> = jobs.find(near).await.unwrap().try_collect().await.unwrap();
        assert_eq!(near.len(), 1);
        assert_eq!(near[0].get_str("job_id").unwrap(), "19_7");
        // an escaped dot matches a dot only
        let escaped = doc! {"job_id": {"$regex": format!("^{}$", regex::escape("a.b"))}};
        assert_eq!(jobs.find(escaped).await.unwrap().try_collect::<Vec<_>>().await.unwrap().len(), 1);
        let r#in = doc! {"job_id": {"$in": ["20-1", "19-70"]}};
        assert_eq!(jobs.find(r#in).await.unwrap().try_collect::<Vec<_>>().await.unwrap().len(), 2);
        let arr = jobs.find_one(doc! {"tags": "b"}).await.unwrap().unwrap();
        assert_eq!(arr.get_str("job_id").unwrap(), "19_7");
        let projected = jobs.find_one(doc! {"job_id": "20-1"}).projection(doc! {"status": 1, "_id": 0}).await.unwrap();
        assert_eq!(projected.unwrap(), doc! {"status": "configured"});
        // more documents than a batch: the driver pages with getMore
        let all: Vec<_> = jobs.find(doc! {}).batch_size(2).await.unwrap().try_collect().await.unwrap();
        assert_eq!(all.len(), 6);
        let limited: Vec<_> = jobs.find(doc! {}).limit(3).batch_size(2).await.unwrap().try_collect().await.unwrap();
        assert_eq!(limited.len(), 3);
        let err = jobs.find_one(doc! {"$where": "1"}).await.unwrap_err();
        assert!(err.to_string().contains("BadValue") || err.to_string().contains("unknown top level"), "{err}");
        c.shutdown().await;
    }

    #[tokio::test]
    async fn scram_sha_256_accepts_the_right_password_only() {
        let mut d = data();
        d.users = vec![MongoUser { user: "root".into(), password: "s3cr3t-pw".into() }];
        let addr = start(d).await;
        let good = client(&format!("mongodb://root:s3cr3t-pw@{addr}/?directConnection=true")).await;
        let n = good.database("panda").collection::<Document>("jobs").find_one(doc! {"job_id": "20-1"}).await;
        assert!(n.unwrap().is_some());
        let bad = client(&format!("mongodb://root:wrong@{addr}/?directConnection=true")).await;
        let err = bad.database("panda").collection::<Document>("jobs").find_one(doc! {}).await.unwrap_err();
        assert!(matches!(*err.kind, mongodb::error::ErrorKind::Authentication { .. }), "{err}");
        let unknown = client(&format!("mongodb://nobody:x@{addr}/?directConnection=true")).await;
        let err = unknown.list_database_names().await.unwrap_err();
        assert!(matches!(*err.kind, mongodb::error::ErrorKind::Authentication { .. }), "{err}");
        let anonymous = client(&format!("mongodb://{addr}/?directConnection=true")).await;
        let err = anonymous.list_database_names().await.unwrap_err();
        assert!(err.to_string().contains("requires authentication"), "{err}");
    }

    #[tokio::test]
    async fn legacy_op_query_hello_gets_an_op_reply() {
        let addr = start(data()).await;
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut body = Vec::new();
        body.extend_from_slice(&0i32.to_le_bytes());
        body.extend_from_slice(b"admin.$cmd\0");
        body.extend_from_slice(&0i32.to_le_bytes());
        body.extend_from_slice(&(-1i32).to_le_bytes());
        doc! {"isMaster": 1}.to_writer(&mut body).unwrap();
        let mut msg = Vec::new();
        msg.extend_from_slice(&((16 + body.len()) as i32).to_le_bytes());
        msg.extend_from_slice(&7i32.to_le_bytes());
        msg.extend_from_slice(&0i32.to_le_bytes());
        msg.extend_from_slice(&OP_QUERY.to_le_bytes());
        msg.extend_from_slice(&body);
        s.write_all(&msg).await.unwrap();
        let mut header = [0u8; 16];
        s.read_exact(&mut header).await.unwrap();
        assert_eq!(i32_at(&header, 8), 7);
        assert_eq!(i32_at(&header, 12), OP_REPLY);
        let mut rest = vec![0u8; i32_at(&header, 0) as usize - 16];
        s.read_exact(&mut rest).await.unwrap();
        let (reply, _) = read_doc(&rest[20..]).unwrap();
        assert!(reply.get_bool("ismaster").unwrap());
        assert_eq!(reply.get_i32("maxWireVersion").unwrap(), MAX_WIRE_VERSION);
    }

    #[test]
    fn malformed_messages_are_rejected_not_panicked_on() {
        assert!(parse_op_msg(&[0, 0, 0, 0, 0, 200, 0, 0, 0]).is_err());
        assert!(parse_op_msg(&[0, 0, 0, 0, 9]).is_err());
        assert!(parse_op_msg(&[0, 0, 0, 0, 1, 255, 255, 255, 127]).is_err());
        assert!(parse_op_query(&[0, 0, 0, 0, b'x']).is_err());
        assert!(read_doc(&[5, 0, 0]).is_err());
    }
}
