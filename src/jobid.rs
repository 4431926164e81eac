//! The job id: validated once, before it reaches a label selector, a URL path, a regex or
//! a Mongo filter; and the whole-token rule that decides whether a name mentions it.
//!
//! A job id must be a valid Kubernetes label value (1-63 characters of `[A-Za-z0-9._-]`,
//! starting and ending alphanumeric), because the first thing the tool does with it is a
//! `<key>=<id>` label selector. Everything else is rejected with a one-line reason.

use std::fmt;

use thiserror::Error;

/// A validated job id. The only way to build one is [`JobId::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

/// Why a job id was rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InvalidJobId {
    #[error("invalid job id: it is empty")]
    Empty,
    #[error("invalid job id: {len} characters, at most 63 are allowed (it must be a label value)")]
    TooLong { len: usize },
    #[error("invalid job id {shown}: character {ch:?} at position {pos} is not allowed (only letters, digits, '-', '_' and '.')")]
    BadChar { shown: String, ch: char, pos: usize },
    #[error("invalid job id {shown}: it must start and end with a letter or digit")]
    BadEdge { shown: String },
}

/// Label values may be at most this long.
pub const MAX_LEN: usize = 63;

impl JobId {
    /// Validates `raw` as a job id.
    pub fn parse(raw: &str) -> Result<Self, InvalidJobId> {
        if raw.is_empty() {
            return Err(InvalidJobId::Empty);
        }
        let len = raw.chars().count();
        if len > MAX_LEN {
            return Err(InvalidJobId::TooLong { len });
        }
        if let Some((pos, ch)) =
            raw.chars().enumerate().find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(InvalidJobId::BadChar { shown: shown(raw), ch, pos: pos + 1 });
        }
        let bytes = raw.as_bytes();
        if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
            return Err(InvalidJobId::BadEdge { shown: shown(raw) });
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the id appears in `text` as a whole token: the characters right before
    /// and after it are absent (start/end), `-` or `.`. So `19-7` is in
    /// `grpc-job-19-7-8rlgb` but not in `grpc-job-19-70-x` or `x-119-7-y`.
    pub fn is_name_token_of(&self, name: &str) -> bool {
        token_positions(name, &self.0, |c| matches!(c, '-' | '.')).next().is_some()
    }

    /// The same rule for free text such as log lines, where the id is also bounded by
    /// any character that cannot be part of an id (space, `/`, `=`, quotes, ...).
    /// `_` and alphanumerics continue a token, so `19-7` is not in `19-70` or `job_19-7x`.
    pub fn is_text_token_of(&self, text: &str) -> bool {
        token_positions(text, &self.0, |c| !(c.is_ascii_alphanumeric() || c == '_')).any(|_| true)
    }
}

/// Positions where `needle` occurs in `hay` bounded on both sides by `is_boundary`
/// characters or by the ends of `hay`. Occurrences may overlap: `1-1` is a whole token
/// of `01-1-1-a` at 3 although the occurrence at 1 is not (`str::match_indices` would
/// skip the one at 3).
fn token_positions<'a>(
    hay: &'a str,
    needle: &'a str,
    is_boundary: impl Fn(char) -> bool + 'a,
) -> impl Iterator<Item = usize> + 'a {
    let starts = (0..hay.len()).filter(move |&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle));
    starts.filter(move |&i| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        before.is_none_or(&is_boundary) && after.is_none_or(&is_boundary)
    })
}

/// The raw input as shown in an error: quoted, control characters escaped, cut at 40.
fn shown(raw: &str) -> String {
    // cut after escaping: one character may escape to ten (`\u{3347a}`)
    let escaped: String = raw.escape_debug().collect();
    let cut: String = escaped.chars().take(40).collect();
    let more = if escaped.chars().count() > 40 { "..." } else { "" };
    format!("\"{cut}\"{more}")
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for JobId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> JobId {
        JobId::parse(s).unwrap()
    }

    #[test]
    fn accepts_label_values() {
        for ok in ["19-7", "a", "19.7.1", "job_19-7", "A1", &"x".repeat(63)] {
            assert!(JobId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        let bad = [
            "",
            " ",
            "19-7 ",
            "-19",
            "19-",
            ".x",
            "a,b!=c",
            "19-7)(",
            "../x",
            "{\"$ne\":1}",
            ".*",
            "é",
            "19/7",
            "a\nb",
            "a\u{0}b",
        ];
        for b in bad {
            assert!(JobId::parse(b).is_err(), "{b:?} should be rejected");
        }
        assert_eq!(JobId::parse(&"x".repeat(64)), Err(InvalidJobId::TooLong { len: 64 }));
        assert_eq!(JobId::parse(""), Err(InvalidJobId::Empty));
    }

    #[test]
    fn errors_are_one_line() {
        for b in ["a\nb", &"\n".repeat(300), "a,b!=c", &"\u{3347a}".repeat(40)] {
            let msg = JobId::parse(b).unwrap_err().to_string();
            assert!(!msg.contains('\n'), "{msg}");
            assert!(msg.len() < 200, "{msg}");
        }
    }

    #[test]
    fn name_tokens_respect_boundaries() {
        let i = id("19-7");
        assert!(i.is_name_token_of("grpc-job-19-7-8rlgb"));
        assert!(i.is_name_token_of("cleanup-job-19-7-2tj8z"));
        assert!(i.is_name_token_of("19-7"));
        assert!(i.is_name_token_of("svc.19-7"));
        assert!(!i.is_name_token_of("grpc-job-19-70-x9k2p"));
        assert!(!i.is_name_token_of("x-119-7-y"));
        assert!(!i.is_name_token_of("report-119-7-q8w2e"));
        assert!(!i.is_name_token_of("job-19-7a"));
        // a later occurrence can be whole even if the first is not, overlapping it too
        assert!(i.is_name_token_of("119-7-19-7-a"));
        assert!(id("1-1").is_name_token_of("01-1-1-a"));
        assert!(id("1-1").is_text_token_of("01-1-1 a"));
    }

    #[test]
    fn text_tokens_respect_boundaries() {
        let i = id("19-7");
        assert!(i.is_text_token_of("GET /metadata/19-7 -> 404"));
        assert!(i.is_text_token_of("job_id=19-7"));
        assert!(i.is_text_token_of("\"job\":\"19-7\""));
        assert!(!i.is_text_token_of("GET /metadata/19-70 -> 200"));
        assert!(!i.is_text_token_of("job 119-7"));
        assert!(!i.is_text_token_of("job_19-7x"));
    }
}
