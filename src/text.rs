//! Small text helpers shared by evidence, rules and renderers: messages fit one line,
//! and long text is cut with an ellipsis.

/// Collapses whitespace and newlines so a message fits one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` on one line, cut at `max` characters with `...` when longer.
pub fn excerpt(s: &str, max: usize) -> String {
    let s = one_line(s);
    if s.chars().count() > max {
        format!("{}...", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

/// Replaces the text of the values serde quotes in its errors (`invalid type: string
/// "..."`) with `...`: a wrong-typed value may be a password or a connection string.
pub fn redact_quoted_values(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("string \"") {
        let open = at + "string \"".len();
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match after.find('"') {
            Some(close) => {
                out.push_str("...\"");
                rest = &after[close + 1..];
            }
            None => {
                out.push_str("...");
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("héllo wörld", 5), "héllo...");
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("a\nb", 10), "a b");
    }

    #[test]
    fn quoted_values_are_redacted() {
        assert_eq!(
            redact_quoted_values("tail: invalid type: string \"mongodb://u:pw@h\", expected a whole number"),
            "tail: invalid type: string \"...\", expected a whole number"
        );
        assert_eq!(redact_quoted_values("a string \"s3cr3t"), "a string \"...");
        assert_eq!(redact_quoted_values("from '\"/x/config\"'"), "from '\"/x/config\"'");
    }
}
