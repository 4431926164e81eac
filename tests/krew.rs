//! The Krew distribution: `krew/package.sh` builds the archive and renders the manifest;
//! the manifest passes Krew's own validation rules, encoded here from krew's
//! `pkg/index/validation/validate.go` (`ValidatePlugin`, `validatePlatform`,
//! `validateSelector`, `validateFiles`) and `cmd/validate-krew-manifest` (file name,
//! every platform selects a supported os/arch, no two platforms overlap), plus the
//! project's own (a description, the crate's version); each rule rejects a manifest
//! broken for it. The `.krew.yaml` template renders as krew-release-bot renders it. The
//! archive is installed as Krew installs it and run through the real kubectl.
//!
//! The archive is built once per run, with `JOBTRACE_PACKAGE_PROFILE` if set (CI's
//! release job sets `release`), else with the release profile when its binary is up to
//! date (nothing to rebuild), else with the dev profile the tests already built, so a
//! plain `cargo test` never starts the several-minute LTO build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::SystemTime;

use regex::Regex;
use serde::{Deserialize, Serialize};

const KUBECTL: &str = "/usr/bin/kubectl";
const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
/// The os/arch pairs a platform may select (Krew's supported platforms).
const SUPPORTED: &[(&str, &str)] = &[
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "s390x"),
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
];
/// Reserved Windows file names, refused as plugin names by Krew.
const WINDOWS_FORBIDDEN: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

// --- the manifest, as krew's index.Plugin --------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Plugin {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: Spec,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    version: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    caveats: String,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    platforms: Vec<Platform>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Platform {
    #[serde(default)]
    selector: Option<Selector>,
    #[serde(default)]
    uri: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    bin: String,
    #[serde(default)]
    files: Option<Vec<FileOp>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Selector {
    #[serde(default)]
    match_labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    match_expressions: Option<Vec<Requirement>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Requirement {
    key: String,
    operator: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOp {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

// --- the rules --------------------------------------------------------------------------------

/// Krew's structural validation of the manifest in file `file_name`, plus this project's
/// rules. The first broken rule, as a message.
fn validate(file_name: &str, p: &Plugin) -> Result<(), String> {
    let name = file_name.strip_suffix(".yaml").ok_or_else(|| format!("manifest file {file_name} must end in .yaml"))?;
    if p.api_version != API_VERSION {
        return Err(format!("apiVersion {:?} is not supported (want {API_VERSION})", p.api_version));
    }
    if p.kind != "Plugin" {
        return Err(format!("kind {:?}, but only \"Plugin\" is supported", p.kind));
    }
    let safe = Regex::new(r"^[\w-]+$").unwrap();
    if !safe.is_match(name) || WINDOWS_FORBIDDEN.iter().any(|f| f.eq_ignore_ascii_case(name)) {
        return Err(format!("plugin name {name:?} is not allowed, must match ^[\\w-]+$"));
    }
    if p.metadata.name != name {
        return Err(format!("plugin should be named {name:?}, not {:?}", p.metadata.name));
    }
    if p.spec.short_description.is_empty() {
        return Err("should have a short description".into());
    }
    if p.spec.short_description.contains(['\r', '\n']) {
        return Err("should not have line breaks in short description".into());
    }
    if p.spec.description.trim().is_empty() {
        return Err("should have a description".into());
    }
    if p.spec.platforms.is_empty() {
        return Err("should have a platform specified".into());
    }
    if p.spec.version.is_empty() {
        return Err("should have a version specified".into());
    }
    let semver = Regex::new(
        r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$",
    )
    .unwrap();
    if !semver.is_match(&p.spec.version) {
        return Err(format!("version {:?} is not a semantic version starting with 'v'", p.spec.version));
    }
    let crate_version = format!("v{}", env!("CARGO_PKG_VERSION"));
    if p.spec.version != crate_version {
        return Err(format!("version {} is not the crate's {crate_version}", p.spec.version));
    }
    for (i, pl) in p.spec.platforms.iter().enumerate() {
        validate_platform(pl).map_err(|e| format!("platform {i} is badly constructed: {e}"))?;
    }
    for (i, pl) in p.spec.platforms.iter().enumerate() {
        if !SUPPORTED.iter().any(|(os, arch)| selects(pl, os, arch)) {
            return Err(format!("platform {i}'s selector does not match any supported platform"));
        }
    }
    for (os, arch) in SUPPORTED {
        let hits: Vec<usize> =
            (0..p.spec.platforms.len()).filter(|&i| selects(&p.spec.platforms[i], os, arch)).collect();
        if hits.len() > 1 {
            return Err(format!("platforms {hits:?} have overlapping selectors that select os={os}/arch={arch}"));
        }
    }
    Ok(())
}

fn validate_platform(p: &Platform) -> Result<(), String> {
    if p.uri.is_empty() {
        return Err("`uri` has to be set".into());
    }
    if p.sha256.is_empty() {
        return Err("`sha256` sum has to be set".into());
    }
    if !Regex::new("^[a-f0-9]{64}$").unwrap().is_match(&p.sha256) {
        return Err(format!("`sha256` value {} is not valid, must match ^[a-f0-9]{{64}}$", p.sha256));
    }
    if p.bin.is_empty() {
        return Err("`bin` has to be set".into());
    }
    if let Some(files) = &p.files {
        if files.is_empty() {
            return Err("`files` has to be unspecified or non-empty".into());
        }
        for op in files {
            if op.from.is_empty() {
                return Err("`files`: `from` field has to be set".into());
            }
            if op.to.is_empty() {
                return Err("`files`: `to` field has to be set".into());
            }
        }
    }
    let sel = p.selector.as_ref().ok_or("nil selector is not supported")?;
    if sel.match_labels.is_none() && sel.match_expressions.as_ref().is_none_or(Vec::is_empty) {
        return Err("empty selector is not supported".into());
    }
    let keys =
        sel.match_labels.iter().flatten().map(|(k, _)| k).chain(sel.match_expressions.iter().flatten().map(|e| &e.key));
    for key in keys {
        if key != "os" && key != "arch" {
            return Err(format!("selector key {key:?} not supported"));
        }
    }
    if sel.match_labels.as_ref().is_some_and(BTreeMap::is_empty) {
        return Err("`matchLabels` specified but empty".into());
    }
    if sel.match_expressions.as_ref().is_some_and(Vec::is_empty) {
        return Err("`matchExpressions` specified but empty".into());
    }
    Ok(())
}

/// Whether the platform's label selector matches `{os, arch}`.
fn selects(p: &Platform, os: &str, arch: &str) -> bool {
    let Some(sel) = &p.selector else { return false };
    let value = |k: &str| match k {
        "os" => Some(os),
        "arch" => Some(arch),
        _ => None,
    };
    let labels_ok = sel.match_labels.iter().flatten().all(|(k, v)| value(k) == Some(v.as_str()));
    let exprs_ok = sel.match_expressions.iter().flatten().all(|e| {
        let v = value(&e.key);
        match e.operator.as_str() {
            "In" => v.is_some_and(|v| e.values.iter().any(|x| x == v)),
            "NotIn" => v.is_none_or(|v| !e.values.iter().any(|x| x == v)),
            "Exists" => v.is_some(),
            "DoesNotExist" => v.is_none(),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

// --- building the archive once ------------------------------------------------------------------

struct Packaged {
    dir: tempfile::TempDir,
    manifest: PathBuf,
    profile: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn newest_mtime(path: &Path) -> SystemTime {
    let own = path.metadata().and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    if path.is_dir() {
        let children = std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| newest_mtime(&e.path()));
        children.fold(own, SystemTime::max)
    } else {
        own
    }
}

/// The cargo profile to package with (see the module header).
fn package_profile() -> String {
    if let Ok(p) = std::env::var("JOBTRACE_PACKAGE_PROFILE") {
        return p;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("target"));
    let release = target.join("release/kubectl-jobtrace");
    let sources = ["src", "Cargo.toml", "Cargo.lock", "scenarios"].iter().map(|p| newest_mtime(&repo().join(p)));
    let newest_source = sources.fold(SystemTime::UNIX_EPOCH, SystemTime::max);
    match release.metadata().and_then(|m| m.modified()) {
        Ok(built) if built >= newest_source => "release".into(),
        _ => "dev".into(),
    }
}

fn packaged() -> &'static Packaged {
    static PACKAGED: OnceLock<Packaged> = OnceLock::new();
    PACKAGED.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("jobtrace-dist-").tempdir().unwrap();
        let manifest = dir.path().join("jobtrace.yaml");
        let profile = package_profile();
        eprintln!("packaging with the {profile} profile");
        let out = Command::new(repo().join("krew/package.sh"))
            .args(["--profile", &profile, "--out"])
            .arg(dir.path())
            .arg("--manifest")
            .arg(&manifest)
            .output()
            .expect("krew/package.sh runs");
        assert!(out.status.success(), "krew/package.sh failed:\n{}", show(&out));
        for line in String::from_utf8_lossy(&out.stderr).lines() {
            eprintln!("{line}");
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let sha_line = Regex::new(r"(?m)^[a-f0-9]{64}  kubectl-jobtrace_v[^ ]+_[a-z]+_[a-z0-9]+\.tar\.gz$").unwrap();
        assert!(sha_line.is_match(&stdout), "no `sha256  archive` line printed:\n{stdout}");
        Packaged { dir, manifest, profile }
    })
}

fn show(o: &Output) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn read_manifest(path: &Path) -> Plugin {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not a Krew manifest: {e}", path.display()))
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

/// The host's platform entry and its local archive.
fn host_platform(m: &Plugin) -> (&Platform, PathBuf) {
    assert_eq!(m.spec.platforms.len(), 1, "one archive built, so one platform rendered");
    let p = &m.spec.platforms[0];
    let file = p.uri.rsplit('/').next().unwrap();
    (p, packaged().dir.path().join(file))
}

// --- tests ------------------------------------------------------------------------------------

#[test]
fn rendered_manifest_passes_krews_rules() {
    let m = read_manifest(&packaged().manifest);
    validate("jobtrace.yaml", &m).unwrap();
    assert!(m.spec.platforms[0].selects_host(), "the platform built is the host's");
}

trait SelectsHost {
    fn selects_host(&self) -> bool;
}

impl SelectsHost for Platform {
    fn selects_host(&self) -> bool {
        let os = std::env::consts::OS;
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        selects(self, os, arch)
    }
}

#[test]
fn committed_manifest_passes_krews_rules() {
    // Its sha256 is that of the last release build; the rules hold whatever it is.
    let m = read_manifest(&repo().join("krew/jobtrace.yaml"));
    validate("jobtrace.yaml", &m).unwrap();
    let template = render_bot_template(&std::fs::read_to_string(repo().join(".krew.yaml")).unwrap(), |_| None);
    let t: Plugin = serde_yaml::from_str(&template).unwrap();
    assert_eq!(m.spec.description, t.spec.description, "krew/jobtrace.yaml is stale: run krew/package.sh");
    assert_eq!(m.spec.short_description, t.spec.short_description, "krew/jobtrace.yaml is stale: run krew/package.sh");
}

#[test]
fn archive_matches_its_sha256_and_holds_bin_helper_and_license() {
    let m = read_manifest(&packaged().manifest);
    let (p, archive) = host_platform(&m);
    assert!(archive.is_file(), "{} missing", archive.display());
    assert_eq!(sha256_of(&archive), p.sha256, "sha256 in the manifest is not the archive's");
    let listing = Command::new("tar").arg("-tvzf").arg(&archive).output().unwrap();
    assert!(listing.status.success(), "{}", show(&listing));
    let listing = String::from_utf8_lossy(&listing.stdout);
    let mut names = Vec::new();
    for line in listing.lines() {
        // Krew's untar knows regular files and folders only
        assert!(line.starts_with('-'), "not a regular file: {line}");
        names.push(line.split_whitespace().last().unwrap().to_string());
    }
    names.sort();
    assert_eq!(names, ["LICENSE", "kubectl-jobtrace", "kubectl_complete-jobtrace"]);
    assert!(listing.lines().filter(|l| !l.ends_with("LICENSE")).all(|l| l.starts_with("-rwxr-xr-x")), "{listing}");
    // the files operations take what the archive has, and bin is among what they place
    let placed: Vec<&str> = p.files.iter().flatten().map(|f| f.from.as_str()).collect();
    for from in &placed {
        assert!(names.iter().any(|n| n == from), "files.from {from} not in the archive");
    }
    assert!(placed.contains(&p.bin.as_str()) && placed.contains(&"LICENSE"), "{placed:?}");
    let license = std::fs::read_to_string(repo().join("LICENSE")).unwrap();
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
}

/// krew-release-bot's rendering of `.krew.yaml` (its `pkg/source/template.go`):
/// `{{addURIAndSha "URL" .TagName }}` becomes `uri: URL` and, on the next line with 4
/// spaces, `sha256: SUM` of the asset; `{{ .TagName }}` is the tag.
fn render_bot_template(template: &str, sha_of: impl Fn(&str) -> Option<String>) -> String {
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    let action = Regex::new(r#"\{\{\s*addURIAndSha\s+"([^"]+)"\s+\.TagName\s*\}\}"#).unwrap();
    let tag_name = Regex::new(r"\{\{\s*\.TagName\s*\}\}").unwrap();
    let rendered = action.replace_all(template, |c: &regex::Captures| {
        let url = tag_name.replace_all(&c[1], tag.as_str()).into_owned();
        let file = url.rsplit('/').next().unwrap_or_default().to_string();
        let sha = sha_of(&file).unwrap_or_else(|| "0".repeat(64));
        format!("uri: {url}\n    sha256: {sha}")
    });
    let rendered = tag_name.replace_all(&rendered, tag.as_str()).into_owned();
    assert!(!rendered.contains("{{"), "template action left unrendered:\n{rendered}");
    rendered
}

#[test]
fn release_bot_template_renders_to_a_valid_manifest_equal_to_the_packaged_one() {
    let template = std::fs::read_to_string(repo().join(".krew.yaml")).unwrap();
    let dir = packaged().dir.path();
    let rendered = render_bot_template(&template, |file| {
        let path = dir.join(file);
        path.is_file().then(|| sha256_of(&path))
    });
    let from_bot: Plugin = serde_yaml::from_str(&rendered).unwrap();
    // the bot's file is named after the plugin in krew-index: plugins/jobtrace.yaml
    validate("jobtrace.yaml", &from_bot).unwrap();
    assert!(from_bot.spec.platforms.len() >= 4, "linux and darwin, amd64 and arm64");
    // what package.sh rendered is the bot's rendering, restricted to the archives built
    let packaged_manifest = read_manifest(&packaged().manifest);
    let (host, _) = host_platform(&packaged_manifest);
    let same = from_bot.spec.platforms.iter().find(|p| p.uri == host.uri).expect("host platform in the template");
    assert_eq!(serde_yaml::to_string(same).unwrap(), serde_yaml::to_string(host).unwrap());
    let mut a = from_bot.clone();
    let mut b = packaged_manifest.clone();
    a.spec.platforms.clear();
    b.spec.platforms.clear();
    assert_eq!(serde_yaml::to_string(&a).unwrap(), serde_yaml::to_string(&b).unwrap());
}

#[test]
fn each_rule_rejects_a_manifest_broken_for_it() {
    let good = read_manifest(&packaged().manifest);
    validate("jobtrace.yaml", &good).unwrap();
    type Break = fn(&mut Plugin);
    let cases: Vec<(&str, &str, Break)> = vec![
        ("jobtrace.yaml", "apiVersion", |m| m.api_version = "krew.googlecontainertools.github.com/v1alpha1".into()),
        ("jobtrace.yaml", "kind", |m| m.kind = "Plugins".into()),
        ("job trace.yaml", "not allowed", |m| m.metadata.name = "job trace".into()),
        ("CON.yaml", "not allowed", |m| m.metadata.name = "CON".into()),
        ("jobtrace.yml", "must end in .yaml", |_| {}),
        ("jobtrace.yaml", "should be named", |m| m.metadata.name = "job-trace".into()),
        ("jobtrace.yaml", "short description", |m| m.spec.short_description.clear()),
        ("jobtrace.yaml", "line breaks", |m| m.spec.short_description = "Trace\na job".into()),
        ("jobtrace.yaml", "should have a description", |m| m.spec.description = " \n".into()),
        ("jobtrace.yaml", "should have a platform", |m| m.spec.platforms.clear()),
        ("jobtrace.yaml", "should have a version", |m| m.spec.version.clear()),
        ("jobtrace.yaml", "semantic version", |m| m.spec.version = env!("CARGO_PKG_VERSION").into()),
        ("jobtrace.yaml", "semantic version", |m| m.spec.version = "v1.2".into()),
        ("jobtrace.yaml", "not the crate's", |m| m.spec.version = "v99.0.0".into()),
        ("jobtrace.yaml", "`uri` has to be set", |m| m.spec.platforms[0].uri.clear()),
        ("jobtrace.yaml", "`sha256` sum has to be set", |m| m.spec.platforms[0].sha256.clear()),
        ("jobtrace.yaml", "is not valid", |m| m.spec.platforms[0].sha256 = m.spec.platforms[0].sha256.to_uppercase()),
        ("jobtrace.yaml", "is not valid", |m| m.spec.platforms[0].sha256.push('0')),
        ("jobtrace.yaml", "`bin` has to be set", |m| m.spec.platforms[0].bin.clear()),
        ("jobtrace.yaml", "unspecified or non-empty", |m| m.spec.platforms[0].files = Some(Vec::new())),
        ("jobtrace.yaml", "`from` field", |m| m.spec.platforms[0].files.as_mut().unwrap()[0].from.clear()),
        ("jobtrace.yaml", "`to` field", |m| m.spec.platforms[0].files.as_mut().unwrap()[0].to.clear()),
        ("jobtrace.yaml", "nil selector", |m| m.spec.platforms[0].selector = None),
        ("jobtrace.yaml", "empty selector", |m| m.spec.platforms[0].selector = Some(Selector::default())),
        ("jobtrace.yaml", "key \"distro\" not supported", |m| {
            let labels = m.spec.platforms[0].selector.as_mut().unwrap().match_labels.as_mut().unwrap();
            labels.insert("distro".into(), "debian".into());
        }),
        ("jobtrace.yaml", "`matchLabels` specified but empty", |m| {
            m.spec.platforms[0].selector = Some(Selector {
                match_labels: Some(BTreeMap::new()),
                match_expressions: Some(vec![Requirement {
                    key: "os".into(),
                    operator: "Exists".into(),
                    values: vec![],
                }]),
            })
        }),
        ("jobtrace.yaml", "does not match any supported platform", |m| {
            let labels = m.spec.platforms[0].selector.as_mut().unwrap().match_labels.as_mut().unwrap();
            labels.insert("os".into(), "plan9".into());
        }),
        ("jobtrace.yaml", "overlapping selectors", |m| {
            let mut p = m.spec.platforms[0].clone();
            p.selector = Some(Selector {
                match_labels: None,
                match_expressions: Some(vec![Requirement {
                    key: "os".into(),
                    operator: "In".into(),
                    values: vec!["linux".into(), "darwin".into()],
                }]),
            });
            m.spec.platforms.push(p);
        }),
    ];
    for (file, expected, break_it) in cases {
        let mut bad = good.clone();
        break_it(&mut bad);
        match validate(file, &bad) {
            Ok(()) => panic!("a manifest broken for {expected:?} ({file}) passed"),
            Err(e) => assert!(e.contains(expected), "broken for {expected:?}, rejected for another reason: {e}"),
        }
    }
    // non-overlapping platforms are fine
    let mut two = good.clone();
    let mut other = two.spec.platforms[0].clone();
    other.selector = Some(Selector {
        match_labels: Some(
            [("os".to_string(), "darwin".to_string()), ("arch".to_string(), "arm64".to_string())].into(),
        ),
        match_expressions: None,
    });
    two.spec.platforms.push(other);
    validate("jobtrace.yaml", &two).unwrap();
    // unknown fields are refused when reading, as a typo would be
    assert!(serde_yaml::from_str::<Plugin>("apiVersion: x\nkind: Plugin\nspec: {shortDescripton: typo}\n").is_err());
}

/// Unpacks the archive as Krew does (into `<root>/store/jobtrace/<version>`, applying the
/// `files` operations), links `bin` into `<root>/bin`, and runs the plugin through the
/// real kubectl with that folder on PATH; then installs the completion helper the way the
/// manifest's caveats say and completes through kubectl.
#[test]
fn krew_style_install_runs_through_kubectl() {
    let m = read_manifest(&packaged().manifest);
    let (p, archive) = host_platform(&m);
    let root = tempfile::tempdir().unwrap();
    let unpacked = root.path().join("download");
    let store = root.path().join("store/jobtrace").join(&m.spec.version);
    let bin_dir = root.path().join("bin");
    for d in [&unpacked, &store, &bin_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    let untar = Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(&unpacked).output().unwrap();
    assert!(untar.status.success(), "{}", show(&untar));
    for op in p.files.iter().flatten() {
        let to = store.join(&op.to);
        let dest = if op.to == "." || to.is_dir() { to.join(&op.from) } else { to };
        std::fs::rename(unpacked.join(&op.from), dest).unwrap();
    }
    let link = bin_dir.join("kubectl-jobtrace");
    std::os::unix::fs::symlink(store.join(&p.bin), &link).unwrap();

    let home = root.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let kubectl = |args: &[&str]| {
        Command::new(KUBECTL)
            .args(args)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", &home)
            .env("KUBECONFIG", home.join("none"))
            .output()
            .expect("kubectl runs")
    };
    let out = kubectl(&["plugin", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("kubectl-jobtrace"), "{}", show(&out));
    let out = kubectl(&["jobtrace", "--version"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("kubectl-jobtrace {}", env!("CARGO_PKG_VERSION")));

    // the shipped helper script answers kubectl's protocol, from the store
    let helper = Command::new(store.join("kubectl_complete-jobtrace")).args(["-o", "j"]).env_clear().output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&helper.stdout),
        "json\tThe report as JSON (a stable interface, schemaVersion 1)\n:4\n"
    );

    // `completion --install` run by kubectl puts the helper in Krew's bin folder
    let out = kubectl(&["jobtrace", "completion", "--install"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(std::fs::read_link(bin_dir.join("kubectl_complete-jobtrace")).unwrap(), Path::new("kubectl-jobtrace"));
    let out = kubectl(&["__complete", "jobtrace", "-o", ""]);
    let text = String::from_utf8_lossy(&out.stdout);
    let values: Vec<&str> = text.lines().map(|l| l.split('\t').next().unwrap_or_default()).collect();
    assert_eq!(values, ["table", "wide", "json", "yaml", ":4"], "{}", show(&out));
    eprintln!("installed and ran the {} build", packaged().profile);
}
