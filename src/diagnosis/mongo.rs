//! Rules about MongoDB (hypotheses 2 and 4 of the incident): the job never written, written
//! in another format, no consumer record; and why the records could not be read (no Mongo
//! Service, unreachable, authentication refused, credentials unreadable). The pods' creation
//! times, from discovery, date the absence or a late write.
//!
//! Which collections hold jobs and which consumers: a collection whose name contains
//! `consumer` holds consumer records; every other configured collection holds jobs.

use super::{Finding, Severity};
use crate::evidence::logs::LogRole;
use crate::evidence::Evidence;
use crate::report::{LookupResult, MongoCollectionFacts, MongoFacts, MongoStatus};

/// A write this long after the pods were created is reported as late.
pub const LATE_WRITE: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

fn mongo(ev: &Evidence) -> Option<&MongoFacts> {
    ev.mongo.get()
}

fn searched(ev: &Evidence) -> Option<&MongoFacts> {
    mongo(ev).filter(|m| m.status == MongoStatus::Searched)
}

/// True for a collection of consumer records.
pub fn is_consumer_collection(name: &str) -> bool {
    name.to_ascii_lowercase().contains("consumer")
}

fn job_collections(m: &MongoFacts) -> Vec<&MongoCollectionFacts> {
    m.collections.iter().filter(|c| !is_consumer_collection(&c.collection)).collect()
}

fn consumer_collections(m: &MongoFacts) -> Vec<&MongoCollectionFacts> {
    m.collections.iter().filter(|c| is_consumer_collection(&c.collection)).collect()
}

fn any(cs: &[&MongoCollectionFacts], r: LookupResult) -> bool {
    cs.iter().any(|c| c.result == r)
}

/// When the first of the job's pods was created.
fn pods_created(ev: &Evidence) -> Option<jiff::Timestamp> {
    ev.discovery.get()?.pods.iter().filter_map(|p| p.created_at).min()
}

fn where_(c: &MongoCollectionFacts) -> String {
    format!("{}.{}", c.database, c.collection)
}

fn ago(from: jiff::Timestamp, to: jiff::Timestamp) -> String {
    let secs = to.duration_since(from).as_secs().max(0);
    humantime::format_duration(std::time::Duration::from_secs(secs as u64)).to_string()
}

fn searched_line(ev: &Evidence, m: &MongoFacts, cs: &[&MongoCollectionFacts]) -> String {
    let places: Vec<String> = cs
        .iter()
        .map(|c| match c.result {
            LookupResult::NoCollection => format!("{} (no such collection)", where_(c)),
            _ => where_(c),
        })
        .collect();
    if places.is_empty() {
        format!("no database holds the collections (databases searched: {})", list_or_none(&m.databases))
    } else {
        format!("searched {} for {} = {:?}: no document", places.join(", "), m.field, ev.job_id.as_str())
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn mongosh(ev: &Evidence, m: &MongoFacts, c: Option<&MongoCollectionFacts>) -> String {
    let pod = m.pod.as_deref().and_then(|p| p.split(':').next()).unwrap_or("<mongo-pod>");
    let (db, coll) = c.map(|c| (c.database.as_str(), c.collection.as_str())).unwrap_or(("<db>", "jobs"));
    format!(
        "kubectl -n {} exec -it {pod} -- mongosh --quiet --eval 'db.getSiblingDB(\"{db}\").{coll}.find({{{}: \"{}\"}})'",
        ev.namespace, m.field, ev.job_id
    )
}

/// `job-not-in-mongo`: no job collection holds the id, in any format.
pub fn check_job_not_in_mongo(ev: &Evidence) -> Option<Finding> {
    let m = searched(ev)?;
    let jobs = job_collections(m);
    if any(&jobs, LookupResult::Found) || any(&jobs, LookupResult::FoundInAnotherFormat) {
        return None;
    }
    let mut evidence = vec![searched_line(ev, m, &jobs)];
    let mut detail = format!(
        "No document of job {} in MongoDB: the backend cannot find it and answers as if the id were invalid.",
        ev.job_id
    );
    if let Some(created) = pods_created(ev) {
        evidence.push(format!(
            "the job's pods were created at {created} ({} before the trace), and no record has been written since",
            ago(created, ev.started_at)
        ));
        detail.push_str(" The pods exist, so the job was started but its record was never written (or was deleted).");
    }
    let consumers = consumer_collections(m);
    if !consumers.is_empty() && !any(&consumers, LookupResult::Found) {
        evidence.push(format!("no consumer record either: {}", searched_line(ev, m, &consumers)));
    }
    // The backend's own error lines about the id say why the write never happened.
    let log_errors = super::logs::error_lines(ev, LogRole::Backend);
    let mut title = format!("Job {} was never written to MongoDB", ev.job_id);
    if let Some(first_error) = log_errors.first() {
        title.push_str(&format!("; the backend logged: {}", super::logs::message_of(first_error, 140)));
        detail.push_str(" The backend's log says why.");
        evidence.extend(log_errors.iter().take(3).map(|l| format!("backend log {l}")));
    }
    let backend_logs = match ev.backend.get().and_then(|b| b.pod.clone()) {
        Some(pod) => format!("kubectl -n {} logs {pod} --timestamps | grep -w -- {}", ev.namespace, ev.job_id),
        None => format!("kubectl -n {} logs deploy/<backend> | grep -w -- {}", ev.namespace, ev.job_id),
    };
    let first = jobs.iter().find(|c| c.result != LookupResult::NoCollection).copied();
    Some(
        Finding::new("job-not-in-mongo", Severity::Error, title, detail)
            .evidence(evidence)
            .next([mongosh(ev, m, first), backend_logs]),
    )
}

/// `job-id-format-mismatch`: the id is stored, but under another field or spelling, and
/// not where the lookup (`--mongo-field`) expects it.
pub fn check_job_id_format_mismatch(ev: &Evidence) -> Option<Finding> {
    let m = searched(ev)?;
    let jobs = job_collections(m);
    let consumers = consumer_collections(m);
    let mismatched: Vec<&&MongoCollectionFacts> = jobs
        .iter()
        .filter(|c| c.result == LookupResult::FoundInAnotherFormat)
        .filter(|_| !any(&jobs, LookupResult::Found))
        .chain(
            consumers
                .iter()
                .filter(|c| c.result == LookupResult::FoundInAnotherFormat)
                .filter(|_| !any(&consumers, LookupResult::Found)),
        )
        .collect();
    let first = mismatched.first()?;
    let other = first.other_formats.first()?;
    let evidence = mismatched.iter().flat_map(|c| {
        c.other_formats.iter().map(move |o| {
            format!(
                "{}: {} = {:?} (_id {}), where {} = {:?} was expected",
                where_(c),
                o.field,
                o.value,
                o.document.id,
                m.field,
                ev.job_id.as_str()
            )
        })
    });
    Some(
        Finding::new(
            "job-id-format-mismatch",
            Severity::Error,
            format!("Job {} is stored in MongoDB in another format: {} = {:?}", ev.job_id, other.field, other.value),
            format!(
                "{} has no document with {} = {:?}, but one with {} = {:?}: whoever writes and whoever reads the \
                 record disagree on the field or the id's format.",
                where_(first),
                m.field,
                ev.job_id.as_str(),
                other.field,
                other.value
            ),
        )
        .evidence(evidence.collect::<Vec<_>>())
        .next([mongosh(ev, m, Some(first))]),
    )
}

/// `consumer-record-missing`: the job is in MongoDB but no consumer record is.
pub fn check_consumer_record_missing(ev: &Evidence) -> Option<Finding> {
    let m = searched(ev)?;
    let jobs = job_collections(m);
    let consumers = consumer_collections(m);
    if !any(&jobs, LookupResult::Found) || consumers.is_empty() {
        return None;
    }
    if any(&consumers, LookupResult::Found) || any(&consumers, LookupResult::FoundInAnotherFormat) {
        return None;
    }
    let job = jobs.iter().find(|c| c.result == LookupResult::Found)?;
    let mut evidence =
        vec![format!("{}: {} document(s) with {} = {:?}", where_(job), job.count, m.field, ev.job_id.as_str())];
    evidence.push(searched_line(ev, m, &consumers));
    if let Some(at) = job.written_at {
        evidence.push(format!("the job record was written at {at}, {} before the trace", ago(at, ev.started_at)));
    }
    Some(
        Finding::new(
            "consumer-record-missing",
            Severity::Warning,
            format!("Job {} is in MongoDB but has no consumer record", ev.job_id),
            "The job was written, but no consumer was created for it: look at the consumer service.",
        )
        .evidence(evidence)
        .next([
            format!("kubectl -n {} get pods | grep -i consumer", ev.namespace),
            format!("kubectl -n {} logs deploy/<consumer-service> | grep -w -- {}", ev.namespace, ev.job_id),
        ]),
    )
}

/// `job-written-late`: the job record was written long after its pods were created.
pub fn check_job_written_late(ev: &Evidence) -> Option<Finding> {
    let m = searched(ev)?;
    let created = pods_created(ev)?;
    let job = job_collections(m).into_iter().find(|c| c.result == LookupResult::Found)?;
    let written = job.written_at?;
    if written.duration_since(created) < LATE_WRITE {
        return None;
    }
    Some(
        Finding::new(
            "job-written-late",
            Severity::Info,
            format!("The job record was written {} after the pods were created", ago(created, written)),
            "Anything that looked the job up in between (the backend, the consumer service) found nothing.",
        )
        .evidence([format!("pods created at {created}"), format!("{} written at {written}", where_(job))]),
    )
}

/// `mongo-not-found`: no MongoDB Service was found, so the records were not checked.
pub fn check_mongo_not_found(ev: &Evidence) -> Option<Finding> {
    let m = mongo(ev).filter(|m| m.status == MongoStatus::NotFound)?;
    Some(
        Finding::new(
            "mongo-not-found",
            Severity::Info,
            "No MongoDB Service found: the job's records were not checked",
            m.problem.clone().unwrap_or_else(|| "No Service looks like MongoDB.".into()),
        )
        .next([
            format!("kubectl jobtrace {} -n {} --mongo-service NAME[:PORT]", ev.job_id, ev.namespace),
            format!(
                "JOBTRACE_MONGO_URI='mongodb://USER:PASSWORD@HOST/DB' kubectl jobtrace {} -n {} --mongo-direct",
                ev.job_id, ev.namespace
            ),
        ]),
    )
}

/// `mongo-unreachable`: the Mongo pod did not answer (nothing listening, forward refused, timeout).
pub fn check_mongo_unreachable(ev: &Evidence) -> Option<Finding> {
    let m = mongo(ev).filter(|m| m.status == MongoStatus::Unreachable)?;
    let pod = m.pod.as_deref().unwrap_or("-");
    let pod_name = pod.split(':').next().unwrap_or(pod);
    Some(
        Finding::new(
            "mongo-unreachable",
            Severity::Warning,
            format!(
                "MongoDB could not be reached{}",
                m.pod.as_deref().map(|p| format!(" at pod {p}")).unwrap_or_default()
            ),
            "The job's records could not be checked; the backend may not reach MongoDB either.",
        )
        .evidence(m.problem.clone())
        .next([
            format!("kubectl -n {} get pod {pod_name} -o wide", ev.namespace),
            format!("kubectl -n {} logs {pod_name} --tail=50", ev.namespace),
        ]),
    )
}

/// `mongo-auth-failed`: MongoDB refused the credentials, or wants some and none were found.
pub fn check_mongo_auth_failed(ev: &Evidence) -> Option<Finding> {
    let m = mongo(ev).filter(|m| m.status == MongoStatus::AuthFailed)?;
    let mut evidence = vec![format!("credentials used: {}", m.credentials)];
    evidence.extend(m.problem.clone());
    evidence.extend(m.credentials_problem.clone());
    Some(
        Finding::new(
            "mongo-auth-failed",
            Severity::Warning,
            "MongoDB refused to authenticate the trace",
            "The job's records could not be checked. Pass working credentials.",
        )
        .evidence(evidence)
        .next([
            format!("kubectl jobtrace {} -n {} --mongo-secret NAME/KEY", ev.job_id, ev.namespace),
            format!(
                "JOBTRACE_MONGO_URI='mongodb://USER:PASSWORD@mongo/DB' kubectl jobtrace {} -n {}",
                ev.job_id, ev.namespace
            ),
        ]),
    )
}

/// `mongo-credentials-unreadable`: a Secret holding the credentials could not be read (403).
pub fn check_mongo_credentials_unreadable(ev: &Evidence) -> Option<Finding> {
    let m = mongo(ev)?;
    let problem = m.credentials_problem.clone()?;
    Some(
        Finding::new(
            "mongo-credentials-unreadable",
            Severity::Info,
            "The MongoDB credentials could not be read",
            "The trace went on without them. Pass the credentials yourself with --mongo-uri (or JOBTRACE_MONGO_URI).",
        )
        .evidence([problem])
        .next([format!(
            "JOBTRACE_MONGO_URI='mongodb://USER:PASSWORD@mongo/DB' kubectl jobtrace {} -n {}",
            ev.job_id, ev.namespace
        )]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::fixtures::{evidence, running_pod};
    use crate::evidence::discovery::Discovery;
    use crate::evidence::Collected;
    use crate::report::{DocSummary, OtherFormat};

    fn coll(c: &str, result: LookupResult) -> MongoCollectionFacts {
        MongoCollectionFacts {
            database: "panda".into(),
            collection: c.into(),
            result,
            count: u64::from(result == LookupResult::Found),
            ..Default::default()
        }
    }

    fn ev_with(collections: Vec<MongoCollectionFacts>) -> Evidence {
        let mut pod = running_pod("grpc-job-19-7-8rlgb");
        pod.created_at = Some("2025-11-13T10:00:00Z".parse().unwrap());
        let mut ev = evidence(Discovery { pods: vec![pod], ..Default::default() });
        ev.started_at = "2025-11-13T10:01:00Z".parse().unwrap();
        ev.mongo = Collected::Collected(MongoFacts {
            status: MongoStatus::Searched,
            pod: Some("mongo-0:27017".into()),
            credentials: "none".into(),
            databases: vec!["panda".into()],
            field: "job_id".into(),
            collections,
            ..Default::default()
        });
        ev
    }

    fn ids(ev: &Evidence) -> Vec<String> {
        crate::diagnosis::diagnose(ev).into_iter().map(|f| f.id).filter(|id| id != "missing-expected-label").collect()
    }

    #[test]
    fn the_incident_job_absent_and_no_consumer() {
        let ev = ev_with(vec![coll("jobs", LookupResult::NotFound), coll("consumers", LookupResult::NotFound)]);
        let f = check_job_not_in_mongo(&ev).unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(f.evidence[0].contains("panda.jobs"), "{:?}", f.evidence);
        assert!(f.evidence[1].contains("1m before the trace"), "{:?}", f.evidence);
        assert!(f.evidence[2].contains("no consumer record"), "{:?}", f.evidence);
        assert!(f.next_steps[0].contains("find({job_id: \"19-7\"})"), "{}", f.next_steps[0]);
        assert_eq!(ids(&ev), ["job-not-in-mongo"]);
    }

    #[test]
    fn the_backend_log_says_why_the_job_is_absent() {
        use crate::evidence::logs::{LogHit, LogLevel, LogSource};
        let mut ev = ev_with(vec![coll("jobs", LookupResult::NotFound)]);
        ev.logs = Collected::Collected(vec![LogSource {
            role: LogRole::Backend,
            pod: "backend-x".into(),
            container: "backend".into(),
            previous: false,
            lines_scanned: 9,
            hits: vec![LogHit {
                at: None,
                level: LogLevel::Error,
                text: "ERROR persist job 19-7 failed: write timed out".into(),
            }],
            truncated: false,
            error: None,
        }]);
        let f = check_job_not_in_mongo(&ev).unwrap();
        assert_eq!(
            f.title,
            "Job 19-7 was never written to MongoDB; the backend logged: persist job 19-7 failed: write timed out"
        );
        assert!(f.evidence.iter().any(|e| e.starts_with("backend log backend-x/backend:")), "{:?}", f.evidence);
    }

    #[test]
    fn healthy_records_fire_nothing() {
        let mut job = coll("jobs", LookupResult::Found);
        job.written_at = Some("2025-11-13T09:59:59Z".parse().unwrap());
        let ev = ev_with(vec![job, coll("consumers", LookupResult::Found)]);
        assert!(ids(&ev).is_empty(), "{:?}", ids(&ev));
    }

    #[test]
    fn consumer_missing_when_the_job_is_there() {
        let ev = ev_with(vec![coll("jobs", LookupResult::Found), coll("consumers", LookupResult::NotFound)]);
        assert_eq!(ids(&ev), ["consumer-record-missing"]);
    }

    #[test]
    fn another_format_is_a_mismatch_not_an_absence() {
        let mut job = coll("jobs", LookupResult::FoundInAnotherFormat);
        job.other_formats = vec![OtherFormat {
            field: "job_id".into(),
            value: "19_7".into(),
            document: DocSummary { id: "x".into(), ..Default::default() },
        }];
        let ev = ev_with(vec![job, coll("consumers", LookupResult::NotFound)]);
        let f = check_job_id_format_mismatch(&ev).unwrap();
        assert!(f.title.contains("\"19_7\""), "{}", f.title);
        assert_eq!(ids(&ev), ["job-id-format-mismatch"]);
    }

    #[test]
    fn a_late_write_is_dated() {
        let mut job = coll("jobs", LookupResult::Found);
        job.written_at = Some("2025-11-13T10:05:00Z".parse().unwrap());
        let ev = ev_with(vec![job, coll("consumers", LookupResult::Found)]);
        assert!(check_job_written_late(&ev).unwrap().title.contains("5m"));
    }

    #[test]
    fn failures_say_what_to_pass() {
        let mut ev = ev_with(vec![]);
        let set = |ev: &mut Evidence, status, cred_problem: Option<&str>| {
            if let Collected::Collected(m) = &mut ev.mongo {
                m.status = status;
                m.problem = Some("why".into());
                m.credentials_problem = cred_problem.map(Into::into);
            }
        };
        set(&mut ev, MongoStatus::NotFound, None);
        assert_eq!(ids(&ev), ["mongo-not-found"]);
        assert!(check_mongo_not_found(&ev).unwrap().next_steps[0].contains("--mongo-service"));
        set(&mut ev, MongoStatus::Unreachable, None);
        assert_eq!(ids(&ev), ["mongo-unreachable"]);
        set(&mut ev, MongoStatus::AuthFailed, Some("reading Secret mongo-auth is forbidden: pass --mongo-uri"));
        assert_eq!(ids(&ev), ["mongo-auth-failed", "mongo-credentials-unreadable"]);
        assert!(check_mongo_credentials_unreadable(&ev).unwrap().detail.contains("--mongo-uri"));
        ev.mongo = Collected::Skipped { reason: "--no-mongo".into() };
        assert!(ids(&ev).is_empty());
    }
}
