//! `comply check`: one case against one policy, with the explained verdict.

use std::path::PathBuf;

use clap::ValueEnum;

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, load_rules};
use crate::explain::{self, Lang, render};
use crate::facts;

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    /// A self-contained HTML document to print and sign (A4, no script, nothing fetched).
    Html,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The case's facts: TOML, or JSON when the name ends in .json.
    #[arg(long)]
    facts: PathBuf,
    /// The policy id (wins over `policy` in the fact file).
    #[arg(long)]
    policy: Option<String>,
    /// The date to evaluate on, YYYY-MM-DD (wins over `as_of` in the fact file).
    #[arg(long = "as-of")]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
    #[command(flatten)]
    record: super::records::RecordArgs,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let name = args.facts.display().to_string();
    // A regular file within the read limit: `/dev/zero` or a FIFO would never end.
    let text = crate::limits::read_text(&args.facts, super::read_limit()).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法读取事实文件 `{name}`：{}", e.zh()),
            Lang::En => format!("cannot read the fact file `{name}`: {}", e.en()),
        })
    })?;
    let file = facts::read_file(&name, &text).map_err(|e| Failure(e.render(lang)))?;
    let case = file.case.clone();
    let mut report = evaluate(&book, file, args.policy, args.as_of, lang)?;
    report.case = case;
    let checked = super::records::Checked { book: &book, report: &report, facts_name: &name, facts_text: &text, lang };
    super::records::record(&args.record, &checked, io)?;
    let rendered = match args.format {
        Format::Text => render::text(&report, lang),
        Format::Json => format!("{}\n", render::json(&report)),
        Format::Html => explain::html::document(&report, lang),
    };
    let _ = write!(io.stdout, "{rendered}");
    Ok(verdict_exit_code(report.verdict))
}

pub fn verdict_exit_code(verdict: crate::eval::Verdict) -> u8 {
    use crate::eval::Verdict;
    if matches!(verdict, Verdict::Pass | Verdict::NotApplicable) { EXIT_OK } else { EXIT_VERDICT }
}

/// Resolves the policy and the date (flags first, then the file) and evaluates the case.
pub fn evaluate(
    book: &crate::Rulebook,
    file: facts::FactFile,
    policy: Option<String>,
    as_of: Option<String>,
    lang: Lang,
) -> Result<explain::Report, Failure> {
    let resolved = book.resolve(&file, policy.as_deref(), as_of.as_deref()).map_err(|e| Failure(e.render(lang)))?;
    Ok(resolved.report(lang))
}
