//! comply checks facts about a firm or a project against rule files written from Chinese gazette
//! notices, and explains every pass and every fail with the clause it comes from.
//!
//! ```
//! use comply_engine::{Rulebook, explain::Lang};
//!
//! let rules = Rulebook::embedded().expect("the shipped packs load");
//! let policy = rules.policy("minimum_wage").expect("shipped");
//! let facts = comply_engine::facts::read_file("case.toml", r#"
//!     [facts]
//!     county = "洞头区"
//!     subdistrict = "灵昆街道"
//!     employment = "full_time"
//!     monthly_wage = "1800 元/月"
//! "#).expect("valid TOML");
//! let facts = comply_engine::facts::bind(policy, &facts.facts).expect("declared facts");
//! let as_of = "2016-03-01".parse().expect("a date");
//! let report = comply_engine::explain::report(policy, &facts, as_of, Lang::Zh);
//! assert_eq!(report.verdict, comply_engine::eval::Verdict::Fail);
//! ```
//!
//! The pipeline, one module per stage: `syntax` (rule text to syntax tree), `check` (to a checked
//! `policy::Policy`), `facts` (a case's facts into slots), `eval` (three-valued verdict) and `explain`
//! (the report as data, rendered to text or JSON). Loading is separate from evaluation: a `Rulebook` is
//! parsed and checked once and evaluated many times.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod check;
pub mod clause_map;
pub mod diag;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod facts;
pub mod generate;
pub mod identity;
pub mod limits;
pub mod partition;
pub mod plan;
pub mod policy;
pub mod syntax;
pub mod units;

use std::path::{Path, PathBuf};

use diag::{Diagnostic, Sources};
use policy::Policy;

/// The rule packs shipped in `rules/`, built into the binary so that it works from any directory.
static EMBEDDED: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../rules");

/// Loaded and checked policies, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rulebook {
    policies: Vec<Policy>,
    /// Lints that did not stop loading.
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
    /// The rule texts and cited gazette texts, named for hashing and reloading (`identity`).
    files: identity::RulebookFiles,
}

/// Rule files that could not be loaded: the diagnostics and the texts they point into.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the rules have {} error(s)", self.diagnostics.iter().filter(|d| d.is_error()).count())]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl LoadError {
    pub fn render(&self) -> String {
        self.sources.render(&self.diagnostics)
    }
}

/// A fact file resolved against a rulebook: which policy, which day, the facts bound to the policy's
/// declarations, and the case block. Every front end (check, the API, records, test cases) resolves a
/// fact file this one way.
#[derive(Debug, Clone)]
pub struct Resolved<'b> {
    pub policy: &'b Policy,
    pub facts: eval::FactSet,
    pub as_of: jiff::civil::Date,
    pub case: Option<facts::Case>,
    /// The facts given in another time base and converted by a law the pack cites.
    pub conversions: Vec<facts::Converted>,
}

impl Rulebook {
    /// The packs in `rules/` as they were when the binary was built. Their quotes are not compared with
    /// the gazette texts here: `comply lint` and the test suite do that (see `embedded_verified`), and
    /// skipping it saves a good part of every other command's start-up.
    pub fn embedded() -> Result<Rulebook, LoadError> {
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files);
        let mut book = Rulebook::load_texts(files, None)?;
        book.keep_sources(&embedded_source);
        Ok(book)
    }

    /// The shipped packs with every quote checked against the embedded gazette texts.
    pub fn embedded_verified() -> Result<Rulebook, LoadError> {
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files);
        Rulebook::from_texts(files, &embedded_source)
    }

    /// A rule file, or every `*.rules` file below a folder, read within the default limits.
    pub fn load_path(path: &Path) -> Result<Rulebook, LoadError> {
        Rulebook::load_path_within(path, limits::ReadLimit::default())
    }

    /// A rule file, or every `*.rules` file below a folder. Every file read (rule files and the sources
    /// they cite) must be a regular file of at most `limit` bytes, and a cited source must lie inside the
    /// folder of the rule file that cites it.
    pub fn load_path_within(path: &Path, limit: limits::ReadLimit) -> Result<Rulebook, LoadError> {
        let mut paths = Vec::new();
        let folder = path.is_dir();
        if folder {
            collect_rule_files(path, &mut paths, 0);
            paths.sort();
            if paths.is_empty() {
                let problem = limits::ReadProblem::Io("no *.rules file in this folder".to_string());
                return Err(unreadable(path, &problem, "不含任何 *.rules 文件"));
            }
        } else {
            paths.push(path.to_path_buf());
        }
        let mut files = Vec::new();
        for p in &paths {
            match limits::read_text(p, limit) {
                Ok(text) => files.push((p.display().to_string(), text)),
                Err(problem) => return Err(unreadable(p, &problem, &problem.zh())),
            }
        }
        let read_source = |rule_file: &str, source: &str| {
            let base = Path::new(rule_file).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            confined_source(base, source, limit)
        };
        Rulebook::from_texts(files, &read_source)
    }

    /// Parses and checks rule texts given as (file name, text).
    pub fn from_texts(
        files: Vec<(String, String)>,
        read_source: &check::SourceReader<'_>,
    ) -> Result<Rulebook, LoadError> {
        Rulebook::load_texts(files, Some(read_source))
    }

    /// Without a source reader the quotes are not verified. Parsing and checking recurse as deep as the
    /// rule text nests (up to `limits::MAX_NESTING` and `limits::MAX_DEPTH`); they run on a thread of their
    /// own with a stack sized for those limits, so loading is safe whatever thread calls it (a web server's
    /// worker, a test thread) and however unoptimised the build.
    fn load_texts(
        files: Vec<(String, String)>,
        read_source: Option<&check::SourceReader<'_>>,
    ) -> Result<Rulebook, LoadError> {
        std::thread::scope(|scope| {
            let loader = std::thread::Builder::new()
                .name("comply-load".to_string())
                .stack_size(LOAD_STACK_BYTES)
                .spawn_scoped(scope, move || Rulebook::load_texts_here(files, read_source));
            let failed = |what: &str| {
                let mut sources = Sources::default();
                let file = sources.add("(rules)".to_string(), String::new());
                let diagnostic = Diagnostic::error("C000", diag::Span::new(file, 0, 0), format!("internal: {what}"))
                    .label("not loaded")
                    .help("this is a bug in comply or the machine is out of resources; please report it with the rule files");
                LoadError { diagnostics: vec![diagnostic], sources }
            };
            match loader {
                Ok(handle) => handle.join().unwrap_or_else(|_| Err(failed("the loader stopped"))),
                Err(error) => Err(failed(&format!("cannot start the loader: {error}"))),
            }
        })
    }

    fn load_texts_here(
        files: Vec<(String, String)>,
        read_source: Option<&check::SourceReader<'_>>,
    ) -> Result<Rulebook, LoadError> {
        let mut sources = Sources::default();
        let mut diagnostics = Vec::new();
        let mut parsed = Vec::new();
        for (name, text) in files {
            let file = sources.add(name, text);
            match syntax::parse(file, sources.text(file)) {
                Ok(policies) => parsed.extend(policies.into_iter().map(|p| (file, p))),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        let (policies, mut found) = check::check_policies(parsed, &sources, read_source);
        diagnostics.append(&mut found);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(LoadError { diagnostics, sources });
        }
        let names: Vec<&str> = sources.iter().map(|(n, _)| n).collect();
        let rules =
            identity::relative_names(&names).into_iter().zip(sources.iter().map(|(_, t)| t.to_string())).collect();
        let files = identity::RulebookFiles { rules, sources: Default::default() };
        let mut book = Rulebook { policies, warnings: diagnostics, sources, files };
        if let Some(read) = read_source {
            book.keep_sources(read);
        }
        Ok(book)
    }

    /// Loads rule files kept by `files()` (e.g. from a records store), verifying every quote again.
    pub fn from_files(files: &identity::RulebookFiles) -> Result<Rulebook, LoadError> {
        let texts = files.rules.iter().map(|(n, t)| (n.clone(), t.clone())).collect();
        let stored = |rule_file: &str, path: &str| {
            files.read_source(rule_file, path).ok_or_else(|| {
                check::SourceProblem::Read(limits::ReadProblem::Io("not among the stored texts".to_string()))
            })
        };
        Rulebook::from_texts(texts, &stored)
    }

    /// The rule texts and the gazette texts they cite, as loaded: hashed by `hash` and reloaded by `from_files`.
    pub fn files(&self) -> &identity::RulebookFiles {
        &self.files
    }

    /// The fingerprint of the whole rulebook, stable across runs and machines.
    pub fn hash(&self) -> identity::Hash {
        self.files.hash()
    }

    /// The fingerprint of one policy: its rule file's text and the gazette text it cites.
    pub fn policy_hash(&self, id: &str) -> Option<identity::Hash> {
        let policy = self.policy(id)?;
        let (rule_name, rule_text) = self.relative_rule_file(&policy.file)?;
        let source = policy
            .source
            .file
            .as_deref()
            .and_then(|path| self.files.sources.get(&identity::RulebookFiles::source_key(rule_name, path)));
        Some(identity::policy_hash(id, rule_text, source.map(String::as_str)))
    }

    fn relative_rule_file(&self, file: &str) -> Option<(&str, &str)> {
        let names: Vec<&str> = self.sources.iter().map(|(n, _)| n).collect();
        let index = names.iter().position(|n| *n == file)?;
        let relative = identity::relative_names(&names).into_iter().nth(index)?;
        self.files.rules.get_key_value(&relative).map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Keeps the text of every gazette a policy cites, under the name `identity` gives it.
    fn keep_sources(&mut self, read: &check::SourceReader<'_>) {
        let names: Vec<&str> = self.sources.iter().map(|(n, _)| n).collect();
        let relative = identity::relative_names(&names);
        for policy in &self.policies {
            let Some(path) = &policy.source.file else { continue };
            let Some(index) = names.iter().position(|n| *n == policy.file) else { continue };
            let Some(rule_name) = relative.get(index) else { continue };
            if let Ok(text) = read(&policy.file, path) {
                self.files.sources.insert(identity::RulebookFiles::source_key(rule_name, path), text);
            }
        }
    }

    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    /// Resolves a fact file: the policy the caller names, else the file's, else the only one loaded; the
    /// evaluation date likewise, and never the clock (a verdict must not change because time passed).
    pub fn resolve(
        &self,
        file: &facts::FactFile,
        policy: Option<&str>,
        as_of: Option<&str>,
    ) -> Result<Resolved<'_>, facts::FactError> {
        let named = policy.or(file.policy.as_deref());
        let policy = match (named, self.policies.as_slice()) {
            (Some(id), _) => self
                .policy(id)
                .ok_or_else(|| facts::FactError::UnknownPolicy { id: id.to_string(), known: self.policy_ids() })?,
            (None, [only]) => only,
            (None, _) => return Err(facts::FactError::NoPolicy { known: self.policy_ids() }),
        };
        let date = as_of.or(file.as_of.as_deref()).ok_or(facts::FactError::NoAsOf)?;
        let as_of = date.trim().parse().map_err(|_| facts::FactError::BadAsOf { given: date.to_string() })?;
        let facts = facts::bind(policy, &file.facts)?;
        let conversions = facts::conversions(policy, &file.facts);
        Ok(Resolved { policy, facts, as_of, case: file.case.clone(), conversions })
    }

    pub fn policy_ids(&self) -> Vec<String> {
        self.policies.iter().map(|p| p.id.clone()).collect()
    }
}

/// Reads a gazette text cited by an embedded rule file.
fn embedded_source(rule_file: &str, path: &str) -> Result<String, check::SourceProblem> {
    if outside_lexically(path) {
        return Err(check::SourceProblem::Outside);
    }
    let joined = Path::new(rule_file).parent().unwrap_or(Path::new("")).join(path);
    let relative = joined.strip_prefix("rules").unwrap_or(&joined).to_path_buf();
    let text = EMBEDDED.get_file(&relative).and_then(|f| f.contents_utf8()).map(str::to_string);
    text.ok_or_else(|| check::SourceProblem::Read(limits::ReadProblem::Io("not shipped".to_string())))
}

/// Files shipped under `rules/<folder>` (e.g. the stored test cases in `rules/tests`), as (path, text).
pub fn embedded_files(folder: &str) -> Vec<(String, String)> {
    fn walk(dir: &include_dir::Dir<'_>, out: &mut Vec<(String, String)>) {
        for file in dir.files() {
            if let Some(text) = file.contents_utf8() {
                out.push((Path::new("rules").join(file.path()).display().to_string(), text.to_string()));
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    if let Some(dir) = EMBEDDED.get_dir(folder) {
        walk(dir, &mut out);
    }
    out.sort();
    out
}

fn collect_embedded(dir: &include_dir::Dir<'_>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "rules")
            && let Some(text) = file.contents_utf8()
        {
            out.push((Path::new("rules").join(file.path()).display().to_string(), text.to_string()));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
    out.sort();
}

/// The loader thread's stack: an unoptimised build spends about 200 KiB of parser stack per level of
/// nesting, so `limits::MAX_NESTING` levels need about 10 MiB; this leaves room for the checker too. It is
/// address space reserved, not memory used.
const LOAD_STACK_BYTES: usize = 64 << 20;

/// Folders below the one given that are searched for rule files; links to folders are not followed, so a
/// link cycle cannot make the search endless.
const MAX_FOLDER_DEPTH: usize = 16;

fn collect_rule_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if depth < MAX_FOLDER_DEPTH {
                collect_rule_files(&path, out, depth + 1);
            }
        } else if path.extension().is_some_and(|e| e == "rules") {
            out.push(path);
        }
    }
}

/// A rule file that could not be read, as a load error.
fn unreadable(path: &Path, problem: &limits::ReadProblem, zh_problem: &str) -> LoadError {
    let mut sources = Sources::default();
    let file = sources.add(path.display().to_string(), String::new());
    let diagnostic = Diagnostic::error(
        "C100",
        diag::Span::new(file, 0, 0),
        format!("cannot read `{}`: {}", path.display(), problem.en()),
    )
    .label("unreadable")
    .help("give a rule file or a folder of *.rules files")
    .zh(
        format!("无法读取 `{}`：{zh_problem}", path.display()),
        "无法读取",
        "请给出规则文件或包含 *.rules 文件的文件夹",
    );
    LoadError { diagnostics: vec![diagnostic], sources }
}

/// An absolute path or one that climbs with `..`: it can name any file on the machine.
fn outside_lexically(path: &str) -> bool {
    use std::path::Component;
    let path = Path::new(path);
    path.is_absolute() || path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The text of a source cited by a rule file in `base`: it must resolve (links followed) to a regular file
/// inside `base`. Otherwise whether `lint` passes would tell anyone who can make CI lint a contributed rule
/// file whether a passage occurs in any file the machine can read.
fn confined_source(base: &Path, source: &str, limit: limits::ReadLimit) -> Result<String, check::SourceProblem> {
    if outside_lexically(source) {
        return Err(check::SourceProblem::Outside);
    }
    let io = |e: std::io::Error| check::SourceProblem::Read(limits::ReadProblem::Io(e.to_string()));
    let root = std::fs::canonicalize(base).map_err(io)?;
    let resolved = std::fs::canonicalize(base.join(source)).map_err(io)?;
    if !resolved.starts_with(&root) {
        return Err(check::SourceProblem::Outside);
    }
    limits::read_text(&resolved, limit).map_err(check::SourceProblem::Read)
}
