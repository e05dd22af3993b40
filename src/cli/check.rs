//! `comply check`: one case against one policy, with the explained verdict.

use clap::ValueEnum;

use super::{EXIT_OK, EXIT_VERDICT, Io, LangArg, Outcome};
use crate::explain::{self, Lang, render};

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
    #[command(flatten)]
    case: super::CaseArgs,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
    #[command(flatten)]
    record: super::records::RecordArgs,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let case = args.case.read(lang)?;
    let report = args.case.resolve(&case, lang)?.report(lang);
    let (book, name, text) = (&case.book, &case.name, &case.text);
    let checked = super::records::Checked { book, report: &report, facts_name: name, facts_text: text, lang };
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
