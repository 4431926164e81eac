//! Property tests (proptest) for the three parsers hostile input reaches first: job id
//! validation ([`JobId::parse`]), the whole-token matchers ([`JobId::is_name_token_of`],
//! [`JobId::is_text_token_of`]) and the backend body parser ([`parse_body`],
//! [`answer_outcome`]).
//!
//! Each property is checked against a reference written the slow, obvious way (the label
//! value grammar; a scan of every position), on inputs drawn from small alphabets so that
//! near misses (`19-7` in `119-7`, `19-70`, `19-7-19-7`) are frequent. Case counts are set
//! per property (2,000 to 10,000; about 10 s in all in a debug build).

use jobtrace::evidence::backend::{answer_outcome, parse_body, Answer, EXCERPT_BYTES};
use jobtrace::jobid::{JobId, MAX_LEN};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn cases(n: u32) -> Config {
    Config { cases: n, failure_persistence: None, ..Config::default() }
}

/// The label value grammar, spelled out: 1-63 of `[A-Za-z0-9._-]`, alphanumeric at both ends.
fn is_label_value(s: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !s.is_empty()
        && s.chars().count() <= MAX_LEN
        && s.chars().all(ok_char)
        && edge(s.chars().next())
        && edge(s.chars().next_back())
}

/// Whether `id` occurs in `hay` at some position with `boundary` characters (or an end)
/// on both sides: every position tried, overlapping occurrences included.
fn reference_token(hay: &str, id: &str, boundary: impl Fn(char) -> bool) -> bool {
    (0..=hay.len()).filter(|&i| hay.is_char_boundary(i)).any(|i| {
        hay[i..].starts_with(id)
            && hay[..i].chars().next_back().is_none_or(&boundary)
            && hay[i + id.len()..].chars().next().is_none_or(&boundary)
    })
}

/// Ids over a small alphabet, so that they occur by chance in generated names, often
/// overlapping (`1-1` in `01-1-1-a`).
fn small_id() -> impl Strategy<Value = String> {
    prop_oneof!["[1a]([1a-]{0,2}[1a])?", "[19a]([19a._-]{0,3}[19a])?"]
}

/// An id and a name or log line around it: pieces that are the id itself, its
/// characters or separators, so that occurrences touch and overlap (`1-1-1`, `01-1-1-a`).
fn id_and_hay() -> impl Strategy<Value = (String, String)> {
    small_id().prop_flat_map(|id| {
        let piece = prop_oneof![2 => Just(id.clone()), 3 => "[019a._ /=x-]"];
        (Just(id), prop::collection::vec(piece, 0..10).prop_map(|p| p.concat()))
    })
}

proptest! {
    #![proptest_config(cases(10_000))]

    /// Any string: accepted exactly when it is a label value; refusals are one short line.
    #[test]
    fn id_validation_is_the_label_value_grammar(s in "(?s).{0,70}|[A-Za-z0-9._-]{0,66}") {
        match JobId::parse(&s) {
            Ok(id) => {
                prop_assert!(is_label_value(&s), "accepted {s:?}");
                prop_assert_eq!(id.as_str(), s.as_str());
            }
            Err(e) => {
                prop_assert!(!is_label_value(&s), "refused the label value {s:?}: {e}");
                let msg = e.to_string();
                prop_assert!(!msg.contains('\n') && !msg.contains('\r'), "{msg:?}");
                prop_assert!(msg.chars().count() < 200, "{msg:?}");
                prop_assert!(msg.contains("job id"), "{msg:?}");
            }
        }
    }

    /// Names: the id as a whole `-`/`.`-separated token, at any position.
    #[test]
    fn name_token_matches_the_reference((id, hay) in id_and_hay()) {
        let parsed = JobId::parse(&id).unwrap();
        let expected = reference_token(&hay, &id, |c| matches!(c, '-' | '.'));
        prop_assert_eq!(parsed.is_name_token_of(&hay), expected, "id {:?} in {:?}", id, hay);
    }

    /// Free text: the id bounded by anything but alphanumerics and `_`.
    #[test]
    fn text_token_matches_the_reference((id, hay) in id_and_hay()) {
        let parsed = JobId::parse(&id).unwrap();
        let expected = reference_token(&hay, &id, |c| !(c.is_ascii_alphanumeric() || c == '_'));
        prop_assert_eq!(parsed.is_text_token_of(&hay), expected, "id {:?} in {:?}", id, hay);
    }

    /// A pod name built around the id always matches; with a digit glued on, only if the
    /// id also occurs elsewhere as a whole token.
    #[test]
    fn names_around_the_id(id in small_id(), pre in "[a-z0-9]{1,8}", post in "[a-z0-9]{1,5}") {
        let parsed = JobId::parse(&id).unwrap();
        let whole = format!("{pre}-{id}-{post}");
        prop_assert!(parsed.is_name_token_of(&whole), "{whole}");
        let glued = format!("{pre}{id}0-{post}");
        let expected = reference_token(&glued, &id, |c| matches!(c, '-' | '.'));
        prop_assert_eq!(parsed.is_name_token_of(&glued), expected, "{}", glued);
    }
}

proptest! {
    #![proptest_config(cases(5_000))]

    /// Any bytes, any content type: no panic; JSON only when it parses whole and was
    /// not cut; otherwise an excerpt of the first bytes, at most EXCERPT_BYTES of input.
    #[test]
    fn body_parser_on_any_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        json_ct in any::<bool>(),
        truncated in any::<bool>(),
    ) {
        let ct = json_ct.then_some("application/json; charset=utf-8");
        check_body(&bytes, ct, truncated)?;
    }
}

proptest! {
    #![proptest_config(cases(2_000))]

    /// JSON-looking bodies (objects with error fields, arrays, nesting, odd text).
    #[test]
    fn body_parser_on_json(v in json_value(), ct in "[a-z/+;= -]{0,30}", cut in 0usize..2, status in 100u16..600) {
        let mut bytes = serde_json::to_vec(&v).unwrap();
        if cut == 1 {
            bytes.truncate(bytes.len() / 2);
        }
        let (body, is_json) = parse_body(&bytes, Some(&ct), false);
        let looks_json = ct.contains("json") || matches!(bytes.first(), Some(b'{' | b'['));
        if cut == 0 && looks_json {
            prop_assert!(is_json, "valid JSON not recognised: {}", String::from_utf8_lossy(&bytes));
            prop_assert_eq!(body.as_ref(), Some(&v));
        }
        check_body(&bytes, Some(&ct), false)?;
        let a = Answer { status, content_type: Some(ct), body: bytes, truncated: false, latency: Default::default() };
        let outcome = answer_outcome(&a);
        prop_assert!(!outcome.contains('\n'), "{outcome:?}");
        prop_assert!(outcome.starts_with(&status.to_string()), "{outcome:?}");
        prop_assert!(outcome.chars().count() <= 160, "{outcome:?}");
    }
}

fn check_body(bytes: &[u8], ct: Option<&str>, truncated: bool) -> Result<(), TestCaseError> {
    let (body, is_json) = parse_body(bytes, ct, truncated);
    if bytes.is_empty() {
        prop_assert!(body.is_none() && !is_json);
        return Ok(());
    }
    let body = body.expect("a non-empty body is kept");
    if is_json {
        prop_assert!(!truncated, "a cut body taken as JSON");
        let parsed = serde_json::from_slice::<serde_json::Value>(bytes).ok();
        prop_assert_eq!(Some(&body), parsed.as_ref());
    } else {
        let text = body.as_str().expect("a non-JSON body is kept as text");
        let cut = &bytes[..bytes.len().min(EXCERPT_BYTES)];
        let lossy = String::from_utf8_lossy(cut);
        prop_assert_eq!(text, lossy.as_ref());
    }
    let a = Answer {
        status: 502,
        content_type: ct.map(str::to_string),
        body: bytes.to_vec(),
        truncated,
        latency: Default::default(),
    };
    let outcome = answer_outcome(&a);
    prop_assert!(!outcome.contains('\n') && !outcome.contains('\r'), "{outcome:?}");
    prop_assert!(outcome.chars().count() <= 200, "{} chars", outcome.chars().count());
    Ok(())
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "(?s).{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("error|message|detail|reason|errors|job_id|[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
