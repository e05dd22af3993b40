//! The command line: one file per subcommand. `run` takes the arguments and the output streams, so tests
//! drive the real commands in-process; `main` only maps the result to an exit code.

pub mod ask;
mod batch;
mod check;
mod clauses;
mod diff;
mod facts_sheet;
mod lint;
mod plan;
mod records;
pub mod serve;
mod test;
mod usage;
mod users;

use std::io::Write;
use std::path::PathBuf;

use clap::{FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::Rulebook;
use crate::explain::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "comply",
    version,
    about = "Check facts against rule files written from gazette notices, and explain every verdict"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The largest rule file, fact file or cited source text read, in bytes (default 4 MiB). Only regular
    /// files are read: devices and FIFOs are refused.
    #[arg(long = "max-file-bytes", global = true)]
    max_file_bytes: Option<u64>,
}

thread_local! {
    /// The read limit of the command running on this thread (`--max-file-bytes`); each `run` sets it, so
    /// commands run side by side in one process (the tests) do not see each other's.
    static READ_LIMIT: std::cell::Cell<crate::limits::ReadLimit> = std::cell::Cell::new(Default::default());
}

/// The read limit of the running command.
/// The case `check` and `plan` read: the rule files, a fact file, and the policy and date that win over the
/// file's own.
#[derive(Debug, clap::Args)]
pub struct CaseArgs {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The case's facts (all of them, or those known so far): TOML, or JSON when the name ends in .json.
    #[arg(long)]
    facts: PathBuf,
    /// The policy id (wins over `policy` in the fact file).
    #[arg(long)]
    policy: Option<String>,
    /// The date to evaluate on, YYYY-MM-DD (wins over `as_of` in the fact file).
    #[arg(long = "as-of")]
    as_of: Option<String>,
}

/// A fact file as read, with the rulebook it is read against; its text is kept for the decision record.
pub struct ReadCase {
    pub book: Rulebook,
    pub name: String,
    pub text: String,
    pub file: crate::facts::FactFile,
}

impl CaseArgs {
    pub fn read(&self, lang: Lang) -> Result<ReadCase, Failure> {
        let book = load_rules(self.rules.as_ref(), lang)?;
        let name = self.facts.display().to_string();
        // A regular file within the read limit: `/dev/zero` or a FIFO would never end.
        let text = crate::limits::read_text(&self.facts, read_limit()).map_err(|e| {
            Failure(match lang {
                Lang::Zh => format!("无法读取事实文件 `{name}`：{}", e.zh()),
                Lang::En => format!("cannot read the fact file `{name}`: {}", e.en()),
            })
        })?;
        let file = crate::facts::read_file(&name, &text).map_err(|e| Failure(e.render(lang)))?;
        Ok(ReadCase { book, name, text, file })
    }

    /// The policy and date resolved as `check` resolves them: these flags first, then the file.
    pub fn resolve<'b>(&self, case: &'b ReadCase, lang: Lang) -> Result<crate::Resolved<'b>, Failure> {
        case.book
            .resolve(&case.file, self.policy.as_deref(), self.as_of.as_deref())
            .map_err(|e| Failure(e.render(lang)))
    }
}

pub fn read_limit() -> crate::limits::ReadLimit {
    READ_LIMIT.with(|l| l.get())
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a case's facts against a policy and explain the verdict.
    Check(check::Args),
    /// Run every static check on rule files, without facts.
    Lint(lint::Args),
    /// Print what an applicant must supply: the list of materials and the fact file's fields.
    Facts(facts_sheet::Args),
    /// Print the clause map of the rule files, or rewrite it in rules/README.md (--write).
    Clauses(clauses::Args),
    /// Interview an applicant, asking only what can still change the verdict, then explain it.
    Ask(ask::Args),
    /// The verdict so far and the questions that can still change it, in the order to ask them.
    Plan(plan::Args),
    /// Check every row of a CSV or JSON Lines file and summarise the verdicts.
    Batch(batch::Args),
    /// Run the test cases kept with the rule files and the properties they declare.
    Test(test::Args),
    /// Show which cases get a different answer between two versions of the rule files.
    Diff(diff::Args),
    /// Serve the HTTP API and the self-assessment page.
    Serve(serve::Args),
    /// Verify, replay, rerun or export stored decision records.
    #[command(subcommand)]
    Records(records::Command),
    /// Manage the case desk's staff accounts.
    #[command(subcommand)]
    Users(users::Command),
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum LangArg {
    #[default]
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

/// Exit codes: 0 pass (or not applicable), 1 any other verdict, 2 bad input or bad rules.
pub const EXIT_OK: u8 = 0;
pub const EXIT_VERDICT: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

/// A failure the user must fix, already worded for them.
#[derive(Debug)]
pub struct Failure(pub String);

pub type Outcome = Result<u8, Failure>;

pub struct Io<'a> {
    pub stdin: &'a mut dyn std::io::BufRead,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// Runs the command line `args` (without the program name).
pub fn run(args: &[String], io: &mut Io<'_>) -> u8 {
    // Help and clap's errors come before the arguments are parsed, in the language they ask for.
    let lang = usage::lang_of(args);
    let args = usage::lang_after_command(args);
    let parsed = usage::command(lang)
        .try_get_matches_from(std::iter::once("comply".to_string()).chain(args.iter().cloned()))
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK };
            let out: &mut dyn Write = if error.use_stderr() { io.stderr } else { io.stdout };
            let _ = write!(out, "{}", usage::error_text(&error, lang));
            return code;
        }
    };
    let limit = cli.max_file_bytes.map_or_else(Default::default, |max_bytes| crate::limits::ReadLimit { max_bytes });
    READ_LIMIT.with(|l| l.set(limit));
    let result = match cli.command {
        Command::Check(args) => check::run(args, io),
        Command::Lint(args) => lint::run(args, io),
        Command::Facts(args) => facts_sheet::run(args, io),
        Command::Clauses(args) => clauses::run(args, io),
        Command::Ask(args) => ask::run(args, io),
        Command::Plan(args) => plan::run(args, io),
        Command::Batch(args) => batch::run(args, io),
        Command::Test(args) => test::run(args, io),
        Command::Diff(args) => diff::run(args, io),
        Command::Serve(args) => serve::run(args, io),
        Command::Records(args) => records::run(args, io),
        Command::Users(args) => users::run(args, io),
    };
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            let _ = writeln!(io.stderr, "{}", message.trim_end());
            EXIT_BAD_INPUT
        }
    }
}

/// Loads the rule files named on the command line, or the shipped packs; problems in the reader's language.
pub fn load_rules(path: Option<&PathBuf>, lang: Lang) -> Result<Rulebook, Failure> {
    let loaded = match path {
        Some(p) => Rulebook::load_path_within(p, read_limit()),
        None => Rulebook::embedded(),
    };
    loaded.map_err(|e| Failure(load_failure(&e, lang)))
}

/// The diagnostics of rules that did not load, and a closing count.
pub fn load_failure(error: &crate::LoadError, lang: Lang) -> String {
    let errors = error.diagnostics.iter().filter(|d| d.is_error()).count();
    let count = match lang {
        Lang::Zh => format!("规则有 {errors} 处错误"),
        Lang::En => error.to_string(),
    };
    format!("{}\n{count}", error.sources.render_in(&error.diagnostics, lang == Lang::Zh).trim_end())
}

/// The policy a command names, or the list of those loaded.
pub fn find_policy<'b>(book: &'b Rulebook, id: &str, lang: Lang) -> Result<&'b crate::policy::Policy, Failure> {
    book.policy(id).ok_or_else(|| {
        Failure(crate::facts::FactError::UnknownPolicy { id: id.to_string(), known: book.policy_ids() }.render(lang))
    })
}

/// The evaluation date a command was given. It is always the caller's: a verdict must not change because
/// the clock moved.
pub fn required_date(text: Option<&str>, lang: Lang) -> Result<jiff::civil::Date, Failure> {
    let text = text.ok_or_else(|| {
        Failure(match lang {
            Lang::Zh => "未给出评估日期：请用 --as-of YYYY-MM-DD 指明按哪一天的规定评估".to_string(),
            Lang::En => "no evaluation date: pass --as-of YYYY-MM-DD to say which day's rules apply".to_string(),
        })
    })?;
    parse_date(text, lang)
}

pub fn parse_date(text: &str, lang: Lang) -> Result<jiff::civil::Date, Failure> {
    text.trim().parse().map_err(|_| Failure(crate::facts::FactError::BadAsOf { given: text.to_string() }.render(lang)))
}
