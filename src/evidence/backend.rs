//! The backend: what `GET <metadata path>` answers for the job id, asked the way a
//! developer would with `kubectl port-forward svc/backend` and `curl`, but in-process.
//!
//! The backend Service is resolved by [`services`] (named, or detected), reached through
//! an in-process [`portforward`] to a ready pod, or through the apiserver's service proxy
//! when port-forward is forbidden (403), or directly at `--backend-url`. The answer is
//! recorded as facts: status, content type, the body (parsed JSON, or the first bytes of
//! anything else, read at most [`BODY_CAP`] bytes while streaming), latency. Under
//! `--wait` the request is repeated every `--interval` until it answers 200 or the wait
//! (bounded by the run's `--timeout`) is over, re-resolving the pod when the forward
//! breaks; attempts are kept with their offset from the first, identical consecutive
//! outcomes folded.
//!
//! A backend that cannot be found or reached is evidence ([`BackendProblem`]), not a
//! source failure; only API errors (e.g. listing Services forbidden) make the source
//! unavailable.

use std::io::Write;
use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::portforward::{self, ForwardError, LocalForward};
use super::services::{self, Detector, ResolveError, ResolvedService, ServiceSpec};
use super::{error_chain, one_line, SourceError, TraceContext};
use crate::report::{BackendAttempt, BackendFacts, BackendPath, BackendProblem};
use crate::settings::BackendTarget;

/// At most this much of a body is read; the rest is never buffered.
pub const BODY_CAP: usize = 1024 * 1024;
/// Bytes of a non-JSON body kept in the report.
pub const EXCERPT_BYTES: usize = 1024;
/// Characters of a body shown in an attempt's outcome.
const OUTCOME_CHARS: usize = 80;
/// How long a broken connection waits for the forward's error channel to explain it.
const ERROR_GRACE: Duration = Duration::from_millis(300);
/// Kept free before the run's deadline so that the facts are recorded, not lost to it.
const DEADLINE_MARGIN: Duration = Duration::from_millis(250);

/// The metadata URL: `base` with the template's segments appended, `{id}` replaced by
/// the id as part of one percent-encoded path segment (so `19.7.1` or an id with `/`
/// can never become several segments).
pub fn metadata_url(base: &Url, template: &str, id: &str) -> Url {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty();
        for seg in template.trim_start_matches('/').split('/') {
            segments.push(&seg.replace("{id}", id));
        }
    }
    url
}

/// The URL without user, password, query or fragment, for the report.
pub fn redacted(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// An HTTP answer, body capped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub truncated: bool,
    pub latency: Duration,
}

/// A failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Unreachable { detail: String, refused: bool, timed_out: bool },
    NotFound { detail: String, explicit: bool },
    NoReadyEndpoints { service: String, not_ready: Vec<String> },
}

impl Failure {
    fn outcome(&self) -> String {
        match self {
            Failure::Unreachable { detail, .. } => detail.clone(),
            Failure::NotFound { detail, .. } => detail.clone(),
            Failure::NoReadyEndpoints { service, .. } => format!("Service {service} has no ready endpoint pod"),
        }
    }

    fn problem(&self) -> BackendProblem {
        match self.clone() {
            Failure::Unreachable { detail, refused, timed_out } => {
                BackendProblem::Unreachable { detail, refused, timed_out }
            }
            Failure::NotFound { detail, explicit } => BackendProblem::NotFound { detail, explicit },
            Failure::NoReadyEndpoints { service, not_ready } => BackendProblem::NoReadyEndpoints { service, not_ready },
        }
    }

    fn from_forward(e: &ForwardError) -> Self {
        Failure::Unreachable {
            detail: e.to_string(),
            refused: e.is_refused(),
            timed_out: matches!(e, ForwardError::TimedOut { .. }),
        }
    }
}

/// The body as the report keeps it: a JSON value, or a text excerpt; and whether it was JSON.
pub fn parse_body(bytes: &[u8], content_type: Option<&str>, truncated: bool) -> (Option<Value>, bool) {
    if bytes.is_empty() {
        return (None, false);
    }
    let looks_json = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("json"))
        || bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| matches!(b, b'{' | b'['));
    if looks_json && !truncated {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            return (Some(v), true);
        }
    }
    let cut = &bytes[..bytes.len().min(EXCERPT_BYTES)];
    (Some(Value::String(String::from_utf8_lossy(cut).into_owned())), false)
}

/// The message an error body carries: `error`, `message`, `detail` or `reason`, as text.
pub fn error_message(body: &Value) -> Option<String> {
    let obj = body.as_object()?;
    ["error", "message", "detail", "reason", "errors"].iter().find_map(|k| match obj.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// The one-line outcome of an answer: `404 Invalid job_id`, `200`, `502 non-JSON text/html: <html>...`.
pub fn answer_outcome(a: &Answer) -> String {
    let (body, is_json) = parse_body(&a.body, a.content_type.as_deref(), a.truncated);
    match (body, is_json) {
        (None, _) => format!("{} (empty body)", a.status),
        (Some(v), true) => match error_message(&v) {
            Some(m) => format!("{} {}", a.status, crate::text::excerpt(&m, OUTCOME_CHARS)),
            None => a.status.to_string(),
        },
        (Some(v), false) => format!(
            "{} non-JSON{}{}: {}",
            a.status,
            a.content_type.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
            if a.truncated { " (cut at 1 MiB)" } else { "" },
            crate::text::excerpt(v.as_str().unwrap_or_default(), OUTCOME_CHARS)
        ),
    }
}

/// The progress line under `--wait`: `waiting for the backend: GET /metadata/19-7 -> 404
/// Invalid job_id (attempt 5, 4.1s, 6s left)`.
pub fn progress_line(request: &str, last: &str, tries: u32, elapsed: Duration, left: Duration) -> String {
    format!(
        "waiting for the backend: {request} -> {} (attempt {tries}, {:.1}s, {:.0}s left)",
        crate::text::excerpt(last, OUTCOME_CHARS),
        elapsed.as_secs_f64(),
        left.as_secs_f64()
    )
}

/// Adds an attempt, folding it into the previous one when the outcome is the same.
pub fn fold(attempts: &mut Vec<BackendAttempt>, at: Duration, status: Option<u16>, outcome: String, latency: Duration) {
    let at_ms = at.as_millis() as u64;
    let latency_ms = latency.as_millis() as u64;
    match attempts.last_mut() {
        Some(last) if last.status == status && last.outcome == outcome => {
            last.count += 1;
            last.until_ms = at_ms;
            last.latency_ms = latency_ms;
        }
        _ => attempts.push(BackendAttempt { at_ms, until_ms: at_ms, count: 1, status, outcome, latency_ms }),
    }
}

/// Records an answer as the backend's last state.
pub fn record_answer(facts: &mut BackendFacts, a: &Answer) {
    let (body, is_json) = parse_body(&a.body, a.content_type.as_deref(), a.truncated);
    facts.last_status = Some(a.status);
    facts.body = body;
    facts.body_is_json = is_json;
    facts.body_truncated = a.truncated;
    facts.body_bytes = a.body.len() as u64;
    facts.latency_ms = Some(a.latency.as_millis() as u64);
    facts.content_type = a.content_type.clone();
    facts.healthy = a.status == 200;
    facts.problem = None;
}

/// The apiserver's own `Status` object (not the backend's answer): kind Status, apiVersion v1.
fn apiserver_status(a: &Answer) -> Option<String> {
    if (200..300).contains(&a.status) {
        return None;
    }
    let v: Value = serde_json::from_slice(&a.body).ok()?;
    (v.get("kind")?.as_str()? == "Status" && v.get("apiVersion")?.as_str()? == "v1")
        .then(|| one_line(v.get("message").and_then(Value::as_str).unwrap_or("")))
}

// ---------------------------------------------------------------------------------------
// fetch

/// How the next request goes.
enum Via {
    Forward,
    Proxy,
    Url(Url),
}

struct Prober<'a> {
    ctx: &'a TraceContext,
    spec: ServiceSpec,
    via: Via,
    resolved: Option<ResolvedService>,
    forward: Option<LocalForward>,
    /// The metadata path, percent-encoded: `/metadata/19-7`.
    path: String,
    http: reqwest::Client,
    hard_deadline: Instant,
    facts: BackendFacts,
}

/// Asks the backend about the job id, as the settings say (the caller skips `--no-backend`).
pub async fn collect(ctx: &TraceContext) -> Result<BackendFacts, SourceError> {
    let s = &ctx.settings.backend;
    let id = ctx.job_id().as_str();
    let placeholder = Url::parse("http://backend/").map_err(|e| SourceError::Other(e.to_string()))?;
    let path = metadata_url(&placeholder, &s.metadata_path, id).path().to_string();
    let (via, explicit, mut facts) = match &s.target {
        BackendTarget::Url(base) => {
            let facts = BackendFacts {
                path_used: Some(BackendPath::Url),
                url: Some(redacted(base)),
                port: base.port_or_known_default(),
                ..Default::default()
            };
            (Via::Url(base.clone()), None, facts)
        }
        BackendTarget::Service(explicit) => (Via::Forward, explicit.clone(), BackendFacts::default()),
        BackendTarget::Off => return Err(SourceError::Other("the backend is turned off (--no-backend)".into())),
    };
    facts.request = format!("GET {path}");
    facts.wait_ms = s.wait.map(|w| w.as_millis() as u64);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let http = if matches!(via, Via::Url(_)) { http } else { http.no_proxy() };
    let http =
        http.build().map_err(|e| SourceError::Other(format!("building the HTTP client: {}", error_chain(&e))))?;
    let hard_deadline =
        ctx.deadline.checked_sub(DEADLINE_MARGIN).filter(|d| *d > Instant::now()).unwrap_or(ctx.deadline);
    let mut p = Prober {
        ctx,
        spec: ServiceSpec { explicit, detector: Detector::backend() },
        via,
        resolved: None,
        forward: None,
        path,
        http,
        hard_deadline,
        facts,
    };
    p.run().await?;
    Ok(p.facts)
}

impl Prober<'_> {
    async fn run(&mut self) -> Result<(), SourceError> {
        let s = self.ctx.settings.backend.clone();
        let first = Instant::now();
        self.facts.first_attempt_at = Some(jiff::Timestamp::now());
        let wait_until = s.wait.map(|w| (first + w).min(self.hard_deadline));
        let mut last_failure: Option<Failure>;
        loop {
            let started = Instant::now();
            let result = self.attempt().await?;
            let at = started.duration_since(first);
            let latency = started.elapsed();
            match result {
                Ok(answer) => {
                    fold(&mut self.facts.attempts, at, Some(answer.status), answer_outcome(&answer), answer.latency);
                    record_answer(&mut self.facts, &answer);
                    last_failure = None;
                }
                Err(failure) => {
                    fold(&mut self.facts.attempts, at, None, failure.outcome(), latency);
                    let fatal = matches!(failure, Failure::NotFound { .. });
                    last_failure = Some(failure);
                    if fatal {
                        break;
                    }
                }
            }
            if self.facts.healthy && last_failure.is_none() {
                break;
            }
            let Some(until) = wait_until else { break };
            let next = started + s.interval;
            if next >= until {
                break;
            }
            if s.progress {
                self.progress(first.elapsed(), until.saturating_duration_since(Instant::now()));
            }
            tokio::time::sleep_until(next).await;
        }
        if s.progress && s.wait.is_some() {
            let _ = std::io::stderr().lock().write_all(b"\r\x1b[2K");
        }
        if let Some(f) = last_failure {
            self.facts.problem = Some(f.problem());
            self.facts.healthy = false;
        }
        // Stop the forward now rather than when the facts outlive it.
        self.forward = None;
        Ok(())
    }

    /// The live line while waiting (the settings decided it goes to a terminal), overwritten in place.
    fn progress(&self, elapsed: Duration, left: Duration) {
        let last = self.facts.attempts.last().map(|a| a.outcome.as_str()).unwrap_or("");
        let tries: u32 = self.facts.attempts.iter().map(|a| a.count).sum();
        let line = format!("\r\x1b[2K{}", progress_line(&self.facts.request, last, tries, elapsed, left));
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    /// The budget of one step: the request timeout, cut by the run's deadline.
    fn step_timeout(&self) -> Duration {
        self.ctx.settings.request_timeout.min(self.hard_deadline.saturating_duration_since(Instant::now()))
    }

    /// One request. Errors are API failures that make the whole source unavailable.
    async fn attempt(&mut self) -> Result<Result<Answer, Failure>, SourceError> {
        if let Via::Url(base) = &self.via {
            let url = metadata_url(base, &self.ctx.settings.backend.metadata_path, self.ctx.job_id().as_str());
            return Ok(self.get(url, None).await);
        }
        if self.resolved.is_none() {
            match services::resolve(self.ctx, &self.spec).await {
                Ok(r) => self.set_resolved(r),
                Err(e) => return resolve_failure(e, self.spec.explicit.is_some()).map(Err),
            }
        }
        let Some(r) = self.resolved.clone() else {
            return Ok(Err(Failure::Unreachable {
                detail: "no backend resolved".into(),
                refused: false,
                timed_out: false,
            }));
        };
        if matches!(self.via, Via::Forward) && self.forward.is_none() {
            let client = &self.ctx.cluster.client;
            match portforward::forward(client, &r.namespace, &r.pod, r.pod_port, self.step_timeout()).await {
                Ok(f) => self.forward = Some(f),
                Err(e) if e.is_forbidden() => {
                    tracing::info!(error = %e, "port-forward forbidden, using the service proxy");
                    self.via = Via::Proxy;
                    self.facts.fallback = Some(e.to_string());
                    self.facts.path_used = Some(BackendPath::ServiceProxy);
                    self.facts.port = Some(r.service_port);
                }
                Err(e) => {
                    // The pod may be gone: resolve again next time.
                    self.resolved = None;
                    return Ok(Err(Failure::from_forward(&e)));
                }
            }
        }
        match &self.via {
            Via::Proxy => Ok(self.via_proxy(&r).await),
            _ => {
                let Some(addr) = self.forward.as_ref().map(LocalForward::addr) else {
                    return Ok(Err(Failure::Unreachable {
                        detail: "no forward".into(),
                        refused: false,
                        timed_out: false,
                    }));
                };
                let url = Url::parse(&format!("http://{addr}{}", self.path))
                    .map_err(|e| SourceError::Other(format!("local forward URL: {e}")))?;
                let result = self.get(url, self.forward.as_ref()).await;
                if result.is_err() {
                    // The forward broke: next attempt re-resolves the pod and forwards anew.
                    self.forward = None;
                    self.resolved = None;
                }
                Ok(result)
            }
        }
    }

    fn set_resolved(&mut self, r: ResolvedService) {
        self.facts.service = Some(r.service.clone());
        self.facts.pod = Some(r.pod.clone());
        self.facts.service_port = Some(r.service_port);
        self.facts.choice = r.choice.clone();
        self.facts.endpoints_from = Some(r.endpoints_from);
        match self.via {
            Via::Proxy => self.facts.port = Some(r.service_port),
            _ => {
                self.facts.port = Some(r.pod_port);
                self.facts.path_used = Some(BackendPath::PortForward);
            }
        }
        self.resolved = Some(r);
    }

    /// `GET url` with reqwest, the body read chunk by chunk up to the cap.
    async fn get(&self, url: Url, forward: Option<&LocalForward>) -> Result<Answer, Failure> {
        let timeout = self.step_timeout();
        let started = Instant::now();
        let fetch = async {
            let mut resp = self.http.get(url).send().await?;
            let status = resp.status().as_u16();
            let content_type = header_text(resp.headers().get(http::header::CONTENT_TYPE));
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = resp.chunk().await? {
                if push_capped(&mut body, &chunk) {
                    truncated = true;
                    break;
                }
            }
            Ok::<_, reqwest::Error>(Answer { status, content_type, body, truncated, latency: started.elapsed() })
        };
        match tokio::time::timeout(timeout, fetch).await {
            Ok(Ok(a)) => Ok(a),
            Ok(Err(e)) => {
                if let Some(fe) = match forward {
                    Some(f) => f.error_within(ERROR_GRACE).await,
                    None => None,
                } {
                    return Err(Failure::from_forward(&fe));
                }
                let detail = one_line(&error_chain(&e));
                let refused = detail.to_ascii_lowercase().contains("refused");
                Err(Failure::Unreachable { detail, refused, timed_out: e.is_timeout() })
            }
            Err(_) => Err(Failure::Unreachable {
                detail: format!("no answer within {}", humantime::format_duration(round_ms(timeout))),
                refused: false,
                timed_out: true,
            }),
        }
    }

    /// `GET` through `/api/v1/namespaces/{ns}/services/{svc}:{port}/proxy/...` with the kube client.
    async fn via_proxy(&self, r: &ResolvedService) -> Result<Answer, Failure> {
        let uri =
            format!("/api/v1/namespaces/{}/services/{}:{}/proxy{}", r.namespace, r.service, r.service_port, self.path);
        let request = match http::Request::get(uri).body(kube::client::Body::empty()) {
            Ok(req) => req,
            Err(e) => return Err(Failure::Unreachable { detail: e.to_string(), refused: false, timed_out: false }),
        };
        let timeout = self.step_timeout();
        let started = Instant::now();
        let fetch = async {
            let resp = self.ctx.cluster.client.send(request).await?;
            let status = resp.status().as_u16();
            let content_type = header_text(resp.headers().get(http::header::CONTENT_TYPE));
            let mut stream = resp.into_body();
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(frame) = stream.frame().await {
                if let Ok(data) = frame?.into_data() {
                    if push_capped(&mut body, &data) {
                        truncated = true;
                        break;
                    }
                }
            }
            Ok::<_, kube::Error>(Answer { status, content_type, body, truncated, latency: started.elapsed() })
        };
        match tokio::time::timeout(timeout, fetch).await {
            Ok(Ok(a)) => match apiserver_status(&a) {
                Some(message) => Err(Failure::Unreachable {
                    detail: format!("service proxy answered {}: {message}", a.status),
                    refused: message.to_ascii_lowercase().contains("refused"),
                    timed_out: false,
                }),
                None => Ok(a),
            },
            Ok(Err(e)) => Err(Failure::Unreachable {
                detail: format!("service proxy: {}", error_chain(&e)),
                refused: false,
                timed_out: false,
            }),
            Err(_) => Err(Failure::Unreachable {
                detail: format!("service proxy: no answer within {}", humantime::format_duration(round_ms(timeout))),
                refused: false,
                timed_out: true,
            }),
        }
    }
}

/// Appends up to the cap; true when the cap was reached (the rest is not read).
fn push_capped(body: &mut Vec<u8>, chunk: &[u8]) -> bool {
    let room = BODY_CAP.saturating_sub(body.len());
    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
    chunk.len() > room
}

fn header_text(v: Option<&http::HeaderValue>) -> Option<String> {
    v.and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn round_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

/// A resolution error as the attempt's outcome; API errors stay errors of the source.
fn resolve_failure(e: ResolveError, explicit: bool) -> Result<Failure, SourceError> {
    Ok(match e {
        ResolveError::NotFound { .. } | ResolveError::NoSuchService { .. } | ResolveError::NoSuchPort { .. } => {
            Failure::NotFound { detail: e.to_string(), explicit }
        }
        ResolveError::NoReadyEndpoints { service, not_ready, .. } => Failure::NoReadyEndpoints { service, not_ready },
        ResolveError::NoNamedPort { .. } => {
            Failure::Unreachable { detail: e.to_string(), refused: false, timed_out: false }
        }
        ResolveError::Source(s) => return Err(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8080").unwrap()
    }

    #[test]
    fn the_id_is_one_path_segment() {
        assert_eq!(metadata_url(&base(), "/metadata/{id}", "19-7").path(), "/metadata/19-7");
        assert_eq!(metadata_url(&base(), "/metadata/{id}", "19.7.1").path(), "/metadata/19.7.1");
        assert_eq!(metadata_url(&base(), "/metadata/{id}", "a/b?c#d%").path(), "/metadata/a%2Fb%3Fc%23d%25");
        assert_eq!(metadata_url(&base(), "/v2/jobs/job-{id}/meta", "19-7").path(), "/v2/jobs/job-19-7/meta");
        let with_path = Url::parse("https://example.com/api/").unwrap();
        assert_eq!(
            metadata_url(&with_path, "/metadata/{id}", "19-7").as_str(),
            "https://example.com/api/metadata/19-7"
        );
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        let u = Url::parse("https://user:hunter2@example.com:8443/api?token=x").unwrap();
        assert_eq!(redacted(&u), "https://example.com:8443/api");
    }

    fn answer(status: u16, ct: &str, body: &str) -> Answer {
        Answer { status, content_type: Some(ct.into()), body: body.as_bytes().to_vec(), ..Default::default() }
    }

    #[test]
    fn outcomes_name_the_error() {
        assert_eq!(
            answer_outcome(&answer(404, "application/json", r#"{"error": "Invalid job_id"}"#)),
            "404 Invalid job_id"
        );
        assert_eq!(answer_outcome(&answer(200, "application/json", r#"{"job_id": "19-7"}"#)), "200");
        assert_eq!(
            answer_outcome(&answer(502, "text/html", "<html>\n<h1>Bad Gateway</h1></html>")),
            "502 non-JSON text/html: <html> <h1>Bad Gateway</h1></html>"
        );
        assert_eq!(answer_outcome(&answer(500, "text/plain", "")), "500 (empty body)");
        assert_eq!(answer_outcome(&answer(400, "application/json", r#"{"message": {"id": 1}}"#)), r#"400 {"id":1}"#);
    }

    #[test]
    fn bodies_are_json_or_an_excerpt() {
        let (v, json) = parse_body(br#"{"error":"Invalid job_id"}"#, Some("application/json"), false);
        assert!(json);
        assert_eq!(v.unwrap()["error"], "Invalid job_id");
        // JSON without the content type still parses; a truncated body never does.
        assert!(parse_body(b"  [1,2]", None, false).1);
        assert!(!parse_body(b"{\"a\": 1", Some("application/json"), true).1);
        let big = vec![b'x'; 5000];
        let (v, json) = parse_body(&big, Some("text/plain"), false);
        assert!(!json);
        assert_eq!(v.unwrap().as_str().unwrap().len(), EXCERPT_BYTES);
        let (v, _) = parse_body(&[0xff, b'a'], None, false);
        assert_eq!(v.unwrap(), "\u{fffd}a");
        assert_eq!(parse_body(b"", None, false), (None, false));
    }

    #[test]
    fn the_cap_stops_reading() {
        let mut body = Vec::new();
        let chunk = vec![0u8; 600 * 1024];
        assert!(!push_capped(&mut body, &chunk));
        assert!(push_capped(&mut body, &chunk));
        assert_eq!(body.len(), BODY_CAP);
    }

    #[test]
    fn identical_attempts_fold() {
        let mut a = Vec::new();
        let ms = Duration::from_millis;
        fold(&mut a, ms(0), None, "port-forward refused".into(), ms(3));
        fold(&mut a, ms(1105), Some(404), "404 Invalid job_id".into(), ms(5));
        for i in 1..37 {
            fold(&mut a, ms(1105 + i * 1140), Some(404), "404 Invalid job_id".into(), ms(4));
        }
        fold(&mut a, ms(43000), Some(200), "200".into(), ms(4));
        assert_eq!(a.len(), 3);
        assert_eq!(a[1].count, 37);
        assert_eq!(a[1].line("GET /metadata/19-7"), "x37 from 1.1s to 42.1s GET /metadata/19-7 -> 404 Invalid job_id");
        assert_eq!(a[2].line("GET /metadata/19-7"), "43.000s GET /metadata/19-7 -> 200");
    }

    #[test]
    fn the_progress_line_says_where_it_is() {
        let line = progress_line(
            "GET /metadata/19-7",
            "404 Invalid job_id",
            5,
            Duration::from_millis(4100),
            Duration::from_secs(6),
        );
        assert_eq!(
            line,
            "waiting for the backend: GET /metadata/19-7 -> 404 Invalid job_id (attempt 5, 4.1s, 6s left)"
        );
    }

    #[test]
    fn answers_become_facts() {
        let mut f = BackendFacts {
            problem: Some(BackendProblem::NotFound { detail: "x".into(), explicit: false }),
            ..Default::default()
        };
        let a =
            Answer { latency: Duration::from_millis(12), ..answer(200, "application/json", r#"{"job_id":"19-7"}"#) };
        record_answer(&mut f, &a);
        assert!(f.healthy && f.body_is_json && f.problem.is_none());
        assert_eq!(f.latency_ms, Some(12));
        assert_eq!(f.body_bytes, 17);
    }

    #[test]
    fn apiserver_statuses_are_not_backend_answers() {
        let s = answer(
            503,
            "application/json",
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no endpoints available for service \"backend\"","code":503}"#,
        );
        assert_eq!(apiserver_status(&s).unwrap(), "no endpoints available for service \"backend\"");
        assert!(apiserver_status(&answer(404, "application/json", r#"{"error":"Invalid job_id"}"#)).is_none());
    }
}
