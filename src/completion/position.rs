//! Where the cursor is. Walks the words typed after `kubectl jobtrace` over the clap
//! [`Command`] (flags, their aliases, which of them take a value, subcommands,
//! positionals: all read from the definition, never from a hand-written list), and says
//! what the last word should be completed with. Pure: no I/O.

use std::collections::BTreeMap;

use clap::{Arg, Command};

/// What the word under the cursor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want<'a> {
    /// A flag of the current (sub)command.
    Flags,
    /// A value of `arg`; candidates are written after `prefix` (`--output=`, `-o`, or empty).
    Value { arg: &'a Arg, prefix: &'static str },
    /// A value of `arg` given in the same word as its flag (`--output=js`).
    AttachedValue { arg: &'a Arg, flag_len: usize },
    /// The next positional word: subcommands (when one may still be chosen) and/or the
    /// value of the positional argument `arg`.
    Positional { subcommands: bool, arg: Option<&'a Arg> },
}

/// The completion request, understood.
#[derive(Debug, Clone)]
pub struct Position<'a> {
    /// The (sub)command the cursor is in.
    pub command: &'a Command,
    /// Names of the subcommands chosen so far (empty at the top level).
    pub path: Vec<String>,
    pub want: Want<'a>,
    /// The word under the cursor, as typed.
    pub current: String,
    /// Values typed so far, by argument id (`namespace`, `kubeconfig`, `label_keys`, ...).
    pub typed: BTreeMap<String, Vec<String>>,
    /// Argument ids already given (to leave out flags that cannot be repeated).
    pub used: Vec<String>,
    /// The words before the one under the cursor.
    pub done: Vec<String>,
}

impl Position<'_> {
    /// The words before the one under the cursor.
    pub fn done(&self) -> &[String] {
        &self.done
    }

    /// The last value typed for the argument `id`, if any.
    pub fn typed_one(&self, id: &str) -> Option<&str> {
        self.typed.get(id).and_then(|v| v.last()).map(String::as_str)
    }

    /// Every value typed for the argument `id`.
    pub fn typed_all(&self, id: &str) -> &[String] {
        self.typed.get(id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The part of the current word candidates must start with, after any `--flag=`.
    pub fn needle(&self) -> &str {
        match self.want {
            Want::AttachedValue { flag_len, .. } => self.current.get(flag_len..).unwrap_or_default(),
            _ => &self.current,
        }
    }
}

/// Understands `words` (the arguments after the plugin name; the last one is the word
/// being completed, empty for a new word) against `root`, which must have been built
/// (`Command::build`) so that global flags are known to subcommands.
pub fn locate<'a>(root: &'a Command, words: &[String]) -> Position<'a> {
    let (current, done) = match words.split_last() {
        Some((last, rest)) => (last.clone(), rest),
        None => (String::new(), &[][..]),
    };
    let mut cmd = root;
    let mut path = Vec::new();
    let mut typed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut used = Vec::new();
    let mut pending: Option<&Arg> = None;
    let mut after_dashes = false;
    let mut positionals = 0usize;
    let mut record = |arg: &Arg, value: Option<&str>, typed: &mut BTreeMap<String, Vec<String>>| {
        used.push(arg.get_id().to_string());
        if let Some(v) = value {
            typed.entry(arg.get_id().to_string()).or_default().push(v.to_string());
        }
    };

    for word in done {
        if let Some(arg) = pending.take() {
            // An optional value (`--install [DIR]`) is not taken from a word that is a flag.
            if !(min_values(arg) == 0 && word.starts_with('-')) {
                record(arg, Some(word), &mut typed);
                continue;
            }
        }
        if after_dashes {
            if let Some(arg) = nth_positional(cmd, positionals) {
                record(arg, Some(word), &mut typed);
            }
            positionals += 1;
        } else if word == "--" {
            after_dashes = true;
        } else if let Some(flag) = word.strip_prefix("--") {
            let (name, value) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (flag, None),
            };
            if let Some(arg) = long_arg(cmd, name) {
                match value {
                    Some(v) => record(arg, Some(v), &mut typed),
                    None if takes_value(arg) => pending = Some(arg),
                    None => record(arg, None, &mut typed),
                }
            }
        } else if word.len() > 1 && word.starts_with('-') {
            // A cluster of shorts (`-vv`), the last of which may take a value (`-n`,
            // `-npanda`).
            for (i, c) in word.char_indices().skip(1) {
                let Some(arg) = short_arg(cmd, c) else { break };
                if takes_value(arg) {
                    let rest = &word[i + c.len_utf8()..];
                    if rest.is_empty() {
                        pending = Some(arg);
                    } else {
                        record(arg, Some(rest.trim_start_matches('=')), &mut typed);
                    }
                    break;
                }
                record(arg, None, &mut typed);
            }
        } else if let Some(sub) = (positionals == 0).then(|| find_subcommand(cmd, word)).flatten() {
            cmd = sub;
            path.push(sub.get_name().to_string());
        } else {
            if let Some(arg) = nth_positional(cmd, positionals) {
                record(arg, Some(word), &mut typed);
            }
            positionals += 1;
        }
    }

    let want = match pending {
        Some(arg) if !(min_values(arg) == 0 && current.starts_with('-')) => Want::Value { arg, prefix: "" },
        _ if after_dashes => Want::Positional { subcommands: false, arg: nth_positional(cmd, positionals) },
        _ => classify_current(cmd, &current, positionals),
    };
    Position { command: cmd, path, want, current, typed, used, done: done.to_vec() }
}

fn classify_current<'a>(cmd: &'a Command, current: &str, positionals: usize) -> Want<'a> {
    if let Some(flag) = current.strip_prefix("--") {
        if let Some((name, _)) = flag.split_once('=') {
            if let Some(arg) = long_arg(cmd, name).filter(|a| takes_value(a)) {
                return Want::AttachedValue { arg, flag_len: name.len() + 3 };
            }
        }
        return Want::Flags;
    }
    if current.starts_with('-') {
        let mut chars = current.chars().skip(1);
        if let (Some(c), true) = (chars.next(), current.chars().count() > 2) {
            if let Some(arg) = short_arg(cmd, c).filter(|a| takes_value(a)) {
                return Want::AttachedValue { arg, flag_len: 1 + c.len_utf8() };
            }
        }
        return Want::Flags;
    }
    let subcommands = positionals == 0 && cmd.has_subcommands();
    Want::Positional { subcommands, arg: nth_positional(cmd, positionals) }
}

/// The flag `--name` (or one of its aliases) of `cmd`.
pub fn long_arg<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments()
        .find(|a| a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|aliases| aliases.contains(&name)))
}

/// The flag `-c` (or a short alias) of `cmd`.
pub fn short_arg(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments()
        .find(|a| a.get_short() == Some(c) || a.get_all_short_aliases().is_some_and(|aliases| aliases.contains(&c)))
}

/// Whether a flag is followed by a value (`-n NAMESPACE`), as opposed to a switch (`-v`).
pub fn takes_value(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.takes_values()) && arg.get_action().takes_values()
}

fn min_values(arg: &Arg) -> usize {
    arg.get_num_args().map(|n| n.min_values()).unwrap_or(1)
}

fn nth_positional(cmd: &Command, n: usize) -> Option<&Arg> {
    let positionals: Vec<&Arg> = cmd.get_positionals().collect();
    // A last positional that takes several values keeps taking them.
    positionals
        .get(n)
        .or_else(|| positionals.last().filter(|a| a.get_num_args().is_some_and(|r| r.max_values() > 1)))
        .copied()
}

fn find_subcommand<'a>(cmd: &'a Command, word: &str) -> Option<&'a Command> {
    cmd.get_subcommands().find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    fn root() -> Command {
        let mut cmd = Cli::command();
        cmd.build();
        cmd
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    fn value_id(p: &Position) -> Option<String> {
        match p.want {
            Want::Value { arg, .. } | Want::AttachedValue { arg, .. } => Some(arg.get_id().to_string()),
            _ => None,
        }
    }

    #[test]
    fn empty_line_offers_subcommands_and_the_job_id() {
        let cmd = root();
        let p = locate(&cmd, &words(&[""]));
        assert!(matches!(p.want, Want::Positional { subcommands: true, arg: Some(a) } if a.get_id() == "job_id"));
        let p = locate(&cmd, &[]);
        assert!(matches!(p.want, Want::Positional { subcommands: true, .. }));
    }

    #[test]
    fn flag_values_short_long_attached_and_after_subcommands() {
        let cmd = root();
        assert_eq!(value_id(&locate(&cmd, &words(&["-n", ""]))).as_deref(), Some("namespace"));
        assert_eq!(value_id(&locate(&cmd, &words(&["--namespace", "pa"]))).as_deref(), Some("namespace"));
        assert_eq!(value_id(&locate(&cmd, &words(&["-o", ""]))).as_deref(), Some("output"));
        let p = locate(&cmd, &words(&["--output=js"]));
        assert_eq!(value_id(&p).as_deref(), Some("output"));
        assert_eq!(p.needle(), "js");
        let p = locate(&cmd, &words(&["-oya"]));
        assert_eq!(p.needle(), "ya");
        // global flags are known after a subcommand
        let p = locate(&cmd, &words(&["demo", "--color", ""]));
        assert_eq!(value_id(&p).as_deref(), Some("color"));
        assert_eq!(p.path, ["demo"]);
    }

    #[test]
    fn typed_values_are_collected() {
        let cmd = root();
        let p = locate(
            &cmd,
            &words(&["-vv", "-npanda", "--context=kind", "--label-key", "a", "--label-key", "b", "19-7", "-o", "j"]),
        );
        assert_eq!(p.typed_one("namespace"), Some("panda"));
        assert_eq!(p.typed_one("context"), Some("kind"));
        assert_eq!(p.typed_all("label_keys"), ["a", "b"]);
        assert_eq!(p.typed_one("job_id"), Some("19-7"));
        assert!(p.used.iter().any(|u| u == "verbose"));
    }

    #[test]
    fn after_a_job_id_no_subcommands_and_after_dashes_no_flags() {
        let cmd = root();
        let p = locate(&cmd, &words(&["19-7", ""]));
        assert!(matches!(p.want, Want::Positional { subcommands: false, arg: None }));
        let p = locate(&cmd, &words(&["--", "-"]));
        assert!(matches!(p.want, Want::Positional { subcommands: false, arg: Some(_) }));
        assert_eq!(locate(&cmd, &words(&["--co"])).want, Want::Flags);
    }

    #[test]
    fn subcommand_positionals_and_optional_values() {
        let cmd = root();
        let p = locate(&cmd, &words(&["completion", ""]));
        assert!(matches!(p.want, Want::Positional { subcommands: false, arg: Some(a) } if a.get_id() == "shell"));
        assert_eq!(value_id(&locate(&cmd, &words(&["completion", "--install", ""]))).as_deref(), Some("install"));
        // an optional value gives way to a flag
        assert_eq!(locate(&cmd, &words(&["completion", "--install", "--"])).want, Want::Flags);
    }
}
