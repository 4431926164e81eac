//! The answer kubectl reads from a plugin's completion helper (kubectl 1.26+,
//! `staging/src/k8s.io/kubectl/pkg/cmd/plugin/plugin_completion.go`): one candidate a
//! line, `value<TAB>description`, then `:<directive>`, a Cobra `ShellCompDirective`.
//! kubectl passes the helper's stderr to the terminal, so nothing is ever written there.

use std::io::{self, Write};

/// Cobra's `ShellCompDirective` bits that this helper uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directive(pub u32);

impl Directive {
    /// Let the shell complete file names when there is no candidate.
    pub const DEFAULT: Directive = Directive(0);
    /// Never fall back to file names (`ShellCompDirectiveNoFileComp`).
    pub const NO_FILE_COMP: Directive = Directive(4);
    /// Complete directory names only (`ShellCompDirectiveFilterDirs`).
    pub const FILTER_DIRS: Directive = Directive(16);
}

/// One completion candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub description: String,
}

impl Candidate {
    pub fn new(value: impl Into<String>, description: impl Into<String>) -> Self {
        Self { value: value.into(), description: description.into() }
    }
}

/// The whole answer to one completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub candidates: Vec<Candidate>,
    pub directive: Directive,
}

impl Answer {
    /// Writes the answer in kubectl's plugin completion format. Values and descriptions
    /// are kept to one line each; a description is its first sentence-line only.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        for c in &self.candidates {
            let value = crate::text::one_line(&c.value);
            if value.is_empty() {
                continue;
            }
            let description = crate::text::one_line(c.description.lines().next().unwrap_or_default());
            if description.is_empty() {
                writeln!(out, "{value}")?;
            } else {
                writeln!(out, "{value}\t{description}")?;
            }
        }
        writeln!(out, ":{}", self.directive.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_value_tab_description_then_directive() {
        let answer = Answer {
            candidates: vec![
                Candidate::new("json", "The report as JSON.\nMore text"),
                Candidate::new("panda", ""),
                Candidate::new("", "dropped"),
                Candidate::new("a\tb", "x\ty"),
            ],
            directive: Directive::NO_FILE_COMP,
        };
        let mut out = Vec::new();
        answer.write_to(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "json\tThe report as JSON.\npanda\na b\tx y\n:4\n");
    }
}
