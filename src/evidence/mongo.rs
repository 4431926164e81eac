//! MongoDB: was the job written, in which format, and is there a consumer record
//! (hypotheses 2 and 4 of incident 19-7).
//!
//! The fetch resolves the Mongo Service to a ready pod (`services.rs`, preferring a pod
//! labelled primary), port-forwards to it in-process (`portforward.rs`), finds credentials
//! (`mongo_credentials.rs`) and connects the official driver to the local end with
//! `directConnection=true` and short timeouts. It then picks the databases (`--mongo-db`,
//! the URI's, else every database holding one of the collections) and looks the id up in
//! each collection: the field equal to the id; failing that, other spellings of the field
//! (`jobId`, `jobID`, `job`, `_id`) and near misses of the value (`19_7`, `19-07`,
//! `job-19-7`) through one anchored, escaped regex. Every filter is typed BSON built from
//! the validated [`JobId`]; nothing typed by the user is pasted into a query.
//!
//! The pure half ([`exact_filter`], [`other_format_filter`], [`near_miss_pattern`],
//! [`summarise`], [`collection_facts`]) turns documents into [`MongoCollectionFacts`]. Pod
//! times are compared with the records by the rules, after discovery (which runs at the
//! same time as this source).

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::time::Duration;

use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document, Regex};
use mongodb::options::{ClientOptions, Credential, ServerAddress};
use mongodb::Client;

use super::mongo_credentials::{self, Credentials};
use super::portforward::{self, LocalForward};
use super::services::{self, Detector, ResolveError, ServiceSpec};
use super::{SourceError, TraceContext};
use crate::jobid::JobId;
use crate::report::{DocSummary, LookupResult, MongoCollectionFacts, MongoFacts, MongoStatus, OtherFormat};
use crate::settings::{redact_userinfo, MongoSettings};

/// At most this many documents are read per lookup.
pub const LOOKUP_LIMIT: i64 = 5;
/// Other field names the id may have been stored under.
pub const OTHER_ID_FIELDS: [&str; 4] = ["jobId", "jobID", "job", "_id"];
/// Databases of the server itself, never searched by discovery.
pub const SYSTEM_DATABASES: [&str; 3] = ["admin", "config", "local"];

/// Floor of every driver timeout, so that a nearly spent deadline still allows one try.
const MIN_OP_TIMEOUT: Duration = Duration::from_millis(300);
/// How long a broken connection waits for the forward's error channel to say why.
const FORWARD_ERROR_GRACE: Duration = Duration::from_millis(500);

/// What a MongoDB Service looks like: port 27017, or `mongo` in its name or app label; a
/// pod labelled primary is preferred among the ready endpoints.
pub fn detector() -> Detector {
    let primary = |k: &str| (k.to_string(), "primary".to_string());
    Detector {
        role: "MongoDB".into(),
        keywords: vec!["mongo".into(), "mongodb".into()],
        ports: vec![27017],
        port_names: vec!["mongodb".into(), "mongo".into()],
        prefer_pod_labels: vec![
            primary("role"),
            primary("mongodb-role"),
            primary("app.kubernetes.io/role"),
            primary("replicaset-role"),
        ],
        flag: "--mongo-service NAME[:PORT] (or --mongo-uri with --mongo-direct)".into(),
    }
}

/// The timeout of one driver step: `--request-timeout`, cut to what is left of the run.
pub fn op_timeout(request_timeout: Duration, left: Duration) -> Duration {
    request_timeout.min(left.saturating_sub(Duration::from_millis(200))).max(MIN_OP_TIMEOUT)
}

/// Replaces URI user information and every known secret value in `text`.
fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = redact_userinfo(text);
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// Parses a connection string. Going through a forward, `mongodb+srv://` is read as
/// `mongodb://` (no DNS lookup: the hosts are replaced anyway). Errors never quote it.
async fn parse_uri(uri: &str, through_forward: bool) -> Result<ClientOptions, String> {
    let text = match uri.strip_prefix("mongodb+srv://") {
        Some(rest) if through_forward => format!("mongodb://{rest}"),
        _ => uri.to_string(),
    };
    ClientOptions::parse(text).await.map_err(|e| {
        let kind = match e.kind.as_ref() {
            mongodb::error::ErrorKind::InvalidArgument { .. } => "an invalid argument",
            mongodb::error::ErrorKind::DnsResolve { .. } => "a DNS lookup that failed",
            _ => "an error",
        };
        format!("the connection string could not be used: the driver reports {kind} (the value is not shown)")
    })
}

/// The MongoDB source: resolve, forward, log in, search. Failures past the Service lookup
/// are facts (`status` + `problem`), so the rules can say what to pass.
pub async fn collect(ctx: &TraceContext) -> Result<MongoFacts, SourceError> {
    let s = &ctx.settings.mongo;
    let limit =
        op_timeout(ctx.settings.request_timeout, ctx.deadline.saturating_duration_since(tokio::time::Instant::now()));
    let mut facts = MongoFacts { field: s.field.clone(), credentials: "none".into(), ..Default::default() };
    let fail = |mut facts: MongoFacts, status: MongoStatus, problem: String| {
        facts.status = status;
        facts.problem = Some(problem);
        Ok(facts)
    };

    let uri_options = match &s.uri {
        Some(uri) => {
            tracing::debug!(uri = %uri, direct = s.direct, "mongo: using the connection string");
            match parse_uri(uri.expose(), !s.direct).await {
                Ok(o) => Some(o),
                Err(problem) => return fail(facts, MongoStatus::Error, format!("--mongo-uri: {problem}")),
            }
        }
        None => None,
    };

    // Service -> ready pod -> in-process port-forward (unless the URI is reachable as is).
    let mut forward: Option<LocalForward> = None;
    let uri_login = uri_options.as_ref().and_then(|o| o.credential.as_ref()).is_some_and(|c| c.username.is_some());
    let creds: Credentials = if s.direct {
        mongo_credentials::resolve(ctx, uri_login, s.secret.as_ref(), None).await
    } else {
        let spec = ServiceSpec { explicit: s.service.clone(), detector: detector() };
        let (resolved, pod) =
            match services::resolve_with(&ctx.cluster.client, ctx.namespace(), &spec, &ctx.lookups).await {
                Ok(r) => r,
                Err(e @ (ResolveError::NotFound { .. } | ResolveError::NoSuchService { .. })) => {
                    return fail(facts, MongoStatus::NotFound, e.to_string());
                }
                Err(ResolveError::Source(e)) => return Err(e),
                Err(e) => return fail(facts, MongoStatus::Unreachable, e.to_string()),
            };
        facts.service = Some(format!("{}:{}", resolved.service, resolved.service_port));
        facts.pod = Some(format!("{}:{}", resolved.pod, resolved.pod_port));
        facts.choice = resolved.choice.clone();
        // The forward and the credentials both need only the pod: they are set up at once.
        // Credentials: the URI's, else --mongo-secret, else the pod's env, else none.
        let (forwarded, creds) = tokio::join!(
            portforward::forward(&ctx.cluster.client, &resolved.namespace, &resolved.pod, resolved.pod_port, limit),
            mongo_credentials::resolve(ctx, uri_login, s.secret.as_ref(), pod.as_ref().map(|p| (p, resolved.pod_port)))
        );
        match forwarded {
            Ok(f) => forward = Some(f),
            Err(e) => return fail(facts, MongoStatus::Unreachable, e.to_string()),
        }
        creds
    };
    facts.credentials = creds.label.clone();
    facts.credentials_problem = creds.problem.clone();
    let mut options = match (uri_options, &creds.secret_uri) {
        (Some(o), _) => o,
        (None, Some(u)) => match parse_uri(u.expose(), forward.is_some()).await {
            Ok(o) => o,
            Err(problem) => return fail(facts, MongoStatus::Error, format!("{}: {problem}", creds.label)),
        },
        (None, None) => ClientOptions::default(),
    };
    if let Some(login) = &creds.login {
        options.credential = Some(
            Credential::builder()
                .username(login.user.clone())
                .password(login.password.expose().to_string())
                .source(login.auth_db.clone().unwrap_or_else(|| "admin".into()))
                .build(),
        );
    }
    let mut secrets: Vec<String> = options.credential.iter().filter_map(|c| c.password.clone()).collect();
    secrets.extend(creds.secret_uri.iter().map(|u| u.expose().to_string()));
    if let Some(f) = &forward {
        options.hosts = vec![ServerAddress::Tcp { host: "127.0.0.1".into(), port: Some(f.addr().port()) }];
        options.direct_connection = Some(true);
        options.repl_set_name = None;
    }
    options.server_selection_timeout = Some(limit);
    options.connect_timeout = Some(limit);
    options.app_name = Some("kubectl-jobtrace".into());
    options.max_pool_size = Some(4);
    options.retry_reads = Some(false);
    let uri_db = options.default_database.clone();
    let client = match Client::with_options(options) {
        Ok(c) => c,
        Err(e) => return fail(facts, MongoStatus::Error, scrub(&super::one_line(&e.to_string()), &secrets)),
    };

    let work = async {
        match choose_databases_listed(&client, s, uri_db.as_deref(), limit).await {
            Ok((databases, from, listed)) => {
                let searched = search_listed(&client, s, &databases, &listed, ctx.job_id(), limit).await;
                (Some((databases, from)), searched)
            }
            Err(e) => (None, Err(e)),
        }
    };
    // Nothing listening in the pod is final: stop there rather than at the driver's
    // server selection timeout (--request-timeout).
    let (chosen, outcome) = match &forward {
        Some(f) => tokio::select! {
            o = work => o,
            e = f.in_pod_error() => {
                (None, Err(DriverFailure { status: MongoStatus::Unreachable, message: e.to_string() }))
            }
        },
        None => work.await,
    };
    if let Some((databases, from)) = chosen {
        facts.databases = databases;
        facts.database_from = from.to_string();
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), client.shutdown().immediate(true)).await;
    match outcome {
        Ok(collections) => {
            facts.collections = collections;
            Ok(facts)
        }
        Err(mut failure) => {
            // A stream that broke inside the pod says why on its error channel.
            if failure.status == MongoStatus::Unreachable {
                if let Some(fe) = match &forward {
                    Some(f) => f.error_within(FORWARD_ERROR_GRACE).await,
                    None => None,
                } {
                    failure.message = fe.to_string();
                }
            }
            let problem = scrub(&failure.message, &secrets);
            tracing::debug!(status = ?failure.status, problem = %problem, "mongo: failed");
            fail(facts, failure.status, problem)
        }
    }
}

// ---------------------------------------------------------------------------------------
// filters (pure)

/// `{<field>: "<id>"}`.
pub fn exact_filter(field: &str, id: &JobId) -> Document {
    let mut d = Document::new();
    d.insert(field, id.as_str());
    d
}

/// The fields searched for other formats: the configured one first, then the others.
pub fn id_fields(field: &str) -> Vec<String> {
    std::iter::once(field.to_string())
        .chain(OTHER_ID_FIELDS.iter().filter(|f| **f != field).map(|f| f.to_string()))
        .collect()
}

/// The near-miss pattern: anchored, case-insensitive by option, allowing a `job` prefix,
/// zero padding and any of `-_./: ` (or none) between the id's alphanumeric runs, or the
/// id itself (escaped). Only `regex::escape`d pieces of the validated id enter it.
pub fn near_miss_pattern(id: &JobId) -> String {
    let runs: Vec<&str> = id.as_str().split(|c: char| !c.is_ascii_alphanumeric()).filter(|r| !r.is_empty()).collect();
    let spread = runs
        .iter()
        .map(|r| {
            let digits = r.chars().all(|c| c.is_ascii_digit());
            let r = r.trim_start_matches('0');
            let r = if r.is_empty() { "0" } else { r };
            if digits {
                format!("0*{}", regex::escape(r))
            } else {
                regex::escape(r)
            }
        })
        .collect::<Vec<_>>()
        .join("[-_./: ]?");
    format!("^(?:job[-_.:]?)?(?:{}|{spread})$", regex::escape(id.as_str()))
}

/// The other-format lookup: the id under another field, or a near miss under any of the id fields.
pub fn other_format_filter(field: &str, id: &JobId) -> Document {
    let regex = Bson::RegularExpression(Regex { pattern: near_miss_pattern(id), options: "i".into() });
    let mut alternatives: Vec<Bson> = Vec::new();
    for f in id_fields(field) {
        if f != field {
            let mut eq = Document::new();
            eq.insert(f.clone(), id.as_str());
            alternatives.push(Bson::Document(eq));
        }
        let mut near = Document::new();
        near.insert(f, regex.clone());
        alternatives.push(Bson::Document(near));
    }
    doc! { "$or": alternatives }
}

// ---------------------------------------------------------------------------------------
// facts (pure)

/// Keys whose values are never shown.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "credential", "private", "auth", "cookie"]
        .iter()
        .any(|s| k.contains(s))
}

fn is_id_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "job" || k.contains("job_id") || k.contains("jobid") || k.ends_with("_id") || k == "consumer" || k == "name"
}

fn is_status_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["status", "state", "phase", "error", "result", "consumer"].iter().any(|s| k.contains(s))
}

fn is_time_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("_at")
        || k.ends_with("at") && k.len() > 2 && key.chars().any(|c| c.is_ascii_uppercase())
        || ["time", "date", "created", "updated", "modified"].iter().any(|s| k.contains(s))
}

/// A value as one short line of text.
pub fn show(value: &Bson) -> String {
    let text = match value {
        Bson::String(s) => s.clone(),
        Bson::ObjectId(o) => o.to_hex(),
        Bson::DateTime(d) => d.try_to_rfc3339_string().unwrap_or_else(|_| d.to_string()),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => i.to_string(),
        Bson::Double(d) => d.to_string(),
        Bson::Boolean(b) => b.to_string(),
        Bson::Null => "null".into(),
        other => other.clone().into_relaxed_extjson().to_string(),
    };
    let one_line = super::one_line(&text);
    if one_line.chars().count() > 80 {
        format!("{}...", one_line.chars().take(77).collect::<String>())
    } else {
        one_line
    }
}

/// `_id`, id-like, status-like and time fields (top level); secret-looking keys redacted.
pub fn summarise(d: &Document) -> DocSummary {
    let id = d.get("_id").map(show).unwrap_or_default();
    let fields = d
        .iter()
        .filter(|(k, _)| k.as_str() != "_id")
        .filter(|(k, _)| is_secret_key(k) || is_id_key(k) || is_status_key(k) || is_time_key(k))
        .map(|(k, v)| (k.clone(), if is_secret_key(k) { "<redacted>".to_string() } else { show(v) }))
        .collect();
    DocSummary { id, fields }
}

/// The earliest time among the documents' time fields (BSON dates or RFC 3339 strings).
pub fn written_at(docs: &[Document]) -> Option<jiff::Timestamp> {
    docs.iter()
        .flat_map(|d| d.iter().filter(|(k, _)| is_time_key(k) && !is_secret_key(k)))
        .filter_map(|(_, v)| match v {
            Bson::DateTime(dt) => jiff::Timestamp::from_millisecond(dt.timestamp_millis()).ok(),
            Bson::String(s) => s.parse().ok(),
            _ => None,
        })
        .min()
}

/// Which id field of `d` holds the id in another form, and that value.
fn other_format_in(d: &Document, field: &str, id: &JobId, near: &regex::Regex) -> Option<(String, String)> {
    id_fields(field).into_iter().find_map(|f| {
        let Some(Bson::String(v)) = get_path(d, &f) else { return None };
        let other_field = f != field;
        ((other_field && v == id.as_str()) || (v != id.as_str() && near.is_match(v))).then(|| (f, v.clone()))
    })
}

fn get_path<'a>(d: &'a Document, path: &str) -> Option<&'a Bson> {
    let mut cur = d;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        let v = cur.get(p)?;
        if parts.peek().is_none() {
            return Some(v);
        }
        cur = v.as_document()?;
    }
    None
}

/// The facts of one collection from what the two lookups returned.
pub fn collection_facts(
    database: &str,
    collection: &str,
    field: &str,
    id: &JobId,
    exact: &[Document],
    others: &[Document],
) -> MongoCollectionFacts {
    let mut facts = MongoCollectionFacts {
        database: database.to_string(),
        collection: collection.to_string(),
        count: exact.len() as u64,
        ..Default::default()
    };
    if !exact.is_empty() {
        facts.result = LookupResult::Found;
        facts.documents = exact.iter().map(summarise).collect();
        facts.written_at = written_at(exact);
        return facts;
    }
    let near = regex::RegexBuilder::new(&near_miss_pattern(id)).case_insensitive(true).build();
    if let Ok(near) = near {
        facts.other_formats = others
            .iter()
            .filter_map(|d| {
                let (field, value) = other_format_in(d, field, id, &near)?;
                Some(OtherFormat { field, value, document: summarise(d) })
            })
            .collect();
    }
    if !facts.other_formats.is_empty() {
        facts.result = LookupResult::FoundInAnotherFormat;
        let docs: Vec<Document> = others.to_vec();
        facts.written_at = written_at(&docs);
    }
    facts
}

/// A collection that does not exist in a database.
pub fn missing_collection(database: &str, collection: &str) -> MongoCollectionFacts {
    MongoCollectionFacts {
        database: database.to_string(),
        collection: collection.to_string(),
        result: LookupResult::NoCollection,
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------
// driver (thin)

/// A driver failure, classified; the message is scrubbed by the caller.
#[derive(Debug)]
pub struct DriverFailure {
    pub status: MongoStatus,
    pub message: String,
}

/// Authentication errors, and commands refused for want of authentication (13, 18).
pub fn classify(err: &mongodb::error::Error) -> MongoStatus {
    use mongodb::error::ErrorKind;
    match err.kind.as_ref() {
        ErrorKind::Authentication { .. } => MongoStatus::AuthFailed,
        ErrorKind::Command(c) if c.code == 13 || c.code == 18 => MongoStatus::AuthFailed,
        ErrorKind::ServerSelection { message, .. }
            if message.contains("Authentication") || message.contains("SCRAM") =>
        {
            MongoStatus::AuthFailed
        }
        ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            MongoStatus::Unreachable
        }
        _ => MongoStatus::Error,
    }
}

async fn timed<T>(
    what: &str,
    limit: Duration,
    fut: impl std::future::Future<Output = mongodb::error::Result<T>>,
) -> Result<T, DriverFailure> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            {
                // the kind alone: the full error repeats itself through labels and sources
                Err(DriverFailure {
                    status: classify(&e),
                    message: format!("{what}: {}", super::one_line(&e.kind.to_string())),
                })
            }
        }
        Err(_) => Err(DriverFailure {
            status: MongoStatus::Unreachable,
            message: format!("{what}: no answer within {}", humantime::format_duration(limit)),
        }),
    }
}

/// The databases to search and how they were chosen: `--mongo-db`, the URI's, else
/// every non-system database holding one of the collections.
pub async fn choose_databases(
    client: &Client,
    settings: &MongoSettings,
    uri_db: Option<&str>,
    limit: Duration,
) -> Result<(Vec<String>, &'static str), DriverFailure> {
    let (chosen, from, _) = choose_databases_listed(client, settings, uri_db, limit).await?;
    Ok((chosen, from))
}

/// The collections of the databases already listed, so that the search does not list them again.
pub type Listed = BTreeMap<String, Vec<String>>;

/// [`choose_databases`], with the collections it listed on the way, which the search
/// then does not list a second time.
pub async fn choose_databases_listed(
    client: &Client,
    settings: &MongoSettings,
    uri_db: Option<&str>,
    limit: Duration,
) -> Result<(Vec<String>, &'static str, Listed), DriverFailure> {
    if let Some(db) = &settings.database {
        return Ok((vec![db.clone()], "flag", Listed::new()));
    }
    if let Some(db) = uri_db.filter(|d| !d.is_empty()) {
        return Ok((vec![db.to_string()], "uri", Listed::new()));
    }
    let names = timed("listDatabases", limit, client.list_database_names().into_future()).await?;
    let names: Vec<String> = names.into_iter().filter(|n| !SYSTEM_DATABASES.contains(&n.as_str())).collect();
    // One database after the other, on the driver's one connection (see `search_listed`).
    let mut listed = Listed::new();
    for db in names {
        let collections =
            timed("listCollections", limit, client.database(&db).list_collection_names().into_future()).await?;
        listed.insert(db, collections);
    }
    let chosen =
        listed.iter().filter(|(_, cs)| cs.iter().any(|c| settings.collections.contains(c))).map(|(db, _)| db.clone());
    Ok((chosen.collect(), "discovered", listed))
}

/// Looks the id up in every configured collection of every database, concurrently.
pub async fn search(
    client: &Client,
    settings: &MongoSettings,
    databases: &[String],
    id: &JobId,
    limit: Duration,
) -> Result<Vec<MongoCollectionFacts>, DriverFailure> {
    search_listed(client, settings, databases, &Listed::new(), id, limit).await
}

/// [`search`], listing only the databases whose collections are not in `listed`.
pub async fn search_listed(
    client: &Client,
    settings: &MongoSettings,
    databases: &[String],
    listed: &Listed,
    id: &JobId,
    limit: Duration,
) -> Result<Vec<MongoCollectionFacts>, DriverFailure> {
    let mut lookups = Vec::new();
    for db in databases {
        lookups.push(async move {
            let existing = match listed.get(db) {
                Some(cs) => cs.clone(),
                None => {
                    let database = client.database(db);
                    timed("listCollections", limit, database.list_collection_names().into_future()).await?
                }
            };
            // One after the other: the driver would open a connection per concurrent
            // lookup, and through a port-forward a new connection costs more round trips
            // (a new forward, a handshake) than waiting for the one already open.
            let mut out = Vec::new();
            for coll in &settings.collections {
                if !existing.contains(coll) {
                    out.push(missing_collection(db, coll));
                    continue;
                }
                out.push(lookup(client, db, coll, &settings.field, id, limit).await?);
            }
            Ok::<_, DriverFailure>(out)
        });
    }
    let per_db = futures::future::try_join_all(lookups).await?;
    Ok(per_db.into_iter().flatten().collect())
}

async fn find(
    client: &Client,
    db: &str,
    coll: &str,
    filter: Document,
    limit: Duration,
) -> Result<Vec<Document>, DriverFailure> {
    let c = client.database(db).collection::<Document>(coll);
    tracing::debug!(db, collection = coll, filter = %filter, "mongo: find");
    let what = format!("find in {db}.{coll}");
    timed(&what, limit, async {
        c.find(filter).limit(LOOKUP_LIMIT).batch_size(LOOKUP_LIMIT as u32).await?.try_collect().await
    })
    .await
}

/// The exact lookup, then (when it finds nothing) the other-format lookup.
pub async fn lookup(
    client: &Client,
    db: &str,
    coll: &str,
    field: &str,
    id: &JobId,
    limit: Duration,
) -> Result<MongoCollectionFacts, DriverFailure> {
    let exact = find(client, db, coll, exact_filter(field, id), limit).await?;
    let others = if exact.is_empty() {
        find(client, db, coll, other_format_filter(field, id), limit).await?
    } else {
        Vec::new()
    };
    Ok(collection_facts(db, coll, field, id, &exact, &others))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use crate::sandbox::mongo_wire::serve_connection;
    use crate::sandbox::scenario::MongoData;

    fn id(s: &str) -> JobId {
        JobId::parse(s).unwrap()
    }

    #[test]
    fn a_pod_labelled_primary_is_preferred() {
        use crate::evidence::services::{pick_endpoint, EndpointAddr};
        let ep = |pod: &str| EndpointAddr { pod: Some(pod.into()), ready: true, ..Default::default() };
        let (a, b) = (ep("mongo-0"), ep("mongo-1"));
        let labels: BTreeMap<String, BTreeMap<String, String>> =
            [("mongo-1".to_string(), [("role".to_string(), "primary".to_string())].into())].into();
        let (chosen, why) = pick_endpoint(&[&a, &b], &labels, &detector().prefer_pod_labels);
        assert_eq!(chosen.pod.as_deref(), Some("mongo-1"));
        assert!(why.unwrap().contains("role=primary"));
    }

    #[test]
    fn timeouts_follow_the_settings_and_the_deadline() {
        let s = Duration::from_secs;
        assert_eq!(op_timeout(s(10), s(30)), s(10));
        assert_eq!(op_timeout(s(10), s(3)), Duration::from_millis(2800));
        assert_eq!(op_timeout(s(10), Duration::ZERO), MIN_OP_TIMEOUT);
    }

    #[test]
    fn scrubbing_removes_uris_and_known_values() {
        let secrets = vec!["hunter2".to_string()];
        assert_eq!(
            scrub("connect mongodb://root:hunter2@127.0.0.1:1/: refused; password hunter2", &secrets),
            "connect mongodb://***@127.0.0.1:1/: refused; password ***"
        );
    }

    #[tokio::test]
    async fn a_bad_uri_is_never_quoted() {
        let err = parse_uri("mongodb://root:hunter2@h:99999999/?w=bogus&x", true).await.unwrap_err();
        assert!(!err.contains("hunter2") && !err.contains("root"), "{err}");
        let ok = parse_uri("mongodb+srv://u:p@cluster.example/panda", true).await.unwrap();
        assert_eq!(ok.default_database.as_deref(), Some("panda"));
    }

    #[test]
    fn filters_are_typed_bson() {
        assert_eq!(exact_filter("job_id", &id("19-7")), doc! {"job_id": "19-7"});
        let f = other_format_filter("job_id", &id("19-7"));
        let alts = f.get_array("$or").unwrap();
        assert_eq!(
            alts[0],
            Bson::Document(doc! {"job_id": Regex { pattern: near_miss_pattern(&id("19-7")), options: "i".into() }})
        );
        assert_eq!(alts[1], Bson::Document(doc! {"jobId": "19-7"}));
        assert!(alts.contains(&Bson::Document(doc! {"_id": "19-7"})));
        // the configured field is never looked up by equality again
        assert!(!alts.contains(&Bson::Document(doc! {"job_id": "19-7"})));
    }

    #[test]
    fn hostile_looking_ids_are_escaped() {
        let p = near_miss_pattern(&id("a.b"));
        assert!(p.contains(r"a\.b"), "{p}");
        let re = regex::RegexBuilder::new(&p).case_insensitive(true).build().unwrap();
        assert!(re.is_match("a.b"));
        assert!(re.is_match("a_b"));
        assert!(!re.is_match("axb"));
        assert!(!re.is_match("a.b.c"));
        // the id is a string value inside the filter, never part of a key or an operator
        let f = other_format_filter("job_id", &id("a.b"));
        assert!(f.get_array("$or").unwrap().iter().all(|a| a
            .as_document()
            .unwrap()
            .keys()
            .all(|k| !k.contains("a.b"))));
    }

    #[test]
    fn near_misses_of_19_7() {
        let re = regex::RegexBuilder::new(&near_miss_pattern(&id("19-7"))).case_insensitive(true).build().unwrap();
        for yes in ["19_7", "19-07", "019-7", "job-19-7", "JOB_19_7", "19.7", "197", "19 7", "19-7"] {
            assert!(re.is_match(yes), "{yes}");
        }
        for no in ["19-70", "119-7", "19-7-1", "x19-7", "job-19-70", "1-97"] {
            assert!(!re.is_match(no), "{no}");
        }
    }

    #[test]
    fn summaries_redact_secrets_and_keep_the_telling_fields() {
        let d = doc! {
            "_id": mongodb::bson::oid::ObjectId::parse_str("6915a8e80000000000000001").unwrap(),
            "job_id": "19-7", "status": "configured", "created_at": mongodb::bson::DateTime::from_millis(1763028000000i64),
            "api_token": "tok-123", "db_password": "pw", "payload": {"big": [1, 2, 3]},
        };
        let s = summarise(&d);
        assert_eq!(s.id, "6915a8e80000000000000001");
        assert_eq!(s.fields["job_id"], "19-7");
        assert_eq!(s.fields["status"], "configured");
        assert_eq!(s.fields["created_at"], "2025-11-13T10:00:00Z");
        assert_eq!(s.fields["api_token"], "<redacted>");
        assert_eq!(s.fields["db_password"], "<redacted>");
        assert!(!s.fields.contains_key("payload"));
        assert_eq!(written_at(&[d]).unwrap().to_string(), "2025-11-13T10:00:00Z");
    }

    #[test]
    fn facts_say_found_not_found_or_another_format() {
        let i = id("19-7");
        let found = collection_facts("panda", "jobs", "job_id", &i, &[doc! {"_id": 1, "job_id": "19-7"}], &[]);
        assert_eq!((found.result, found.count), (LookupResult::Found, 1));
        let none = collection_facts("panda", "jobs", "job_id", &i, &[], &[]);
        assert_eq!(none.result, LookupResult::NotFound);
        let other = collection_facts(
            "panda",
            "jobs",
            "job_id",
            &i,
            &[],
            &[doc! {"_id": 2, "job_id": "19_7"}, doc! {"_id": 3, "jobId": "19-7"}],
        );
        assert_eq!(other.result, LookupResult::FoundInAnotherFormat);
        assert_eq!(
            other.other_formats.iter().map(|o| (o.field.as_str(), o.value.as_str())).collect::<Vec<_>>(),
            [("job_id", "19_7"), ("jobId", "19-7")]
        );
    }

    async fn serve(data: MongoData) -> Client {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = Arc::new(data);
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(serve_connection(s, data.clone()));
            }
        });
        Client::with_uri_str(format!("mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=2000"))
            .await
            .unwrap()
    }

    fn dbs(spec: &[(&str, &str, serde_json::Value)]) -> MongoData {
        let mut databases: BTreeMap<String, BTreeMap<String, Vec<serde_json::Value>>> = BTreeMap::new();
        for (db, coll, docs) in spec {
            databases.entry(db.to_string()).or_default().insert(coll.to_string(), docs.as_array().unwrap().clone());
        }
        MongoData { databases, users: vec![] }
    }

    #[tokio::test]
    async fn discovery_and_lookups_over_the_wire() {
        let client = serve(dbs(&[
            ("panda", "jobs", serde_json::json!([{"job_id": "19_7", "status": "configured"}])),
            ("panda", "consumers", serde_json::json!([])),
            ("archive", "jobs", serde_json::json!([{"jobId": "19-7"}])),
            ("other", "misc", serde_json::json!([{"job_id": "19-7"}])),
            ("admin", "jobs", serde_json::json!([{"job_id": "19-7"}])),
        ]))
        .await;
        let settings = MongoSettings::default();
        let t = Duration::from_secs(3);
        let (found, from) = choose_databases(&client, &settings, None, t).await.unwrap();
        assert_eq!((found.clone(), from), (vec!["archive".to_string(), "panda".to_string()], "discovered"));
        let facts = search(&client, &settings, &found, &id("19-7"), t).await.unwrap();
        let by = |db: &str, c: &str| facts.iter().find(|f| f.database == db && f.collection == c).unwrap().clone();
        assert_eq!(by("panda", "jobs").result, LookupResult::FoundInAnotherFormat);
        assert_eq!(by("panda", "consumers").result, LookupResult::NotFound);
        assert_eq!(by("archive", "jobs").other_formats[0].field, "jobId");
        assert_eq!(by("archive", "consumers").result, LookupResult::NoCollection);
        let (chosen, from) = choose_databases(&client, &settings, Some("panda"), t).await.unwrap();
        assert_eq!((chosen, from), (vec!["panda".to_string()], "uri"));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_classified() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::with_uri_str(format!(
            "mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=300"
        ))
        .await
        .unwrap();
        let err = choose_databases(&client, &MongoSettings::default(), None, Duration::from_secs(3)).await.unwrap_err();
        assert_eq!(err.status, MongoStatus::Unreachable, "{}", err.message);
    }
}
