//! `comply facts`: what an applicant must supply: the list of materials (申请材料清单: the documents, and
//! when each is needed) and the facts a fact file gives.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::check::Format;
use super::{EXIT_OK, Io, LangArg, Outcome, find_policy, load_rules};
use crate::explain::{Lang, localized, materials};
use crate::policy::Policy;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The policy id.
    #[arg(long)]
    policy: String,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
    /// `text`: the list of materials, then the fact file's fields; `json` and `html` (a printable document):
    /// the list of materials.
    #[arg(long, value_enum, default_value_t)]
    format: super::check::Format,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let policy = find_policy(&book, &args.policy, lang)?;
    let list = materials::materials(policy, lang);
    let out = match args.format {
        Format::Text => format!("{}\n{}", materials::text(&list, lang), sheet(policy, lang)),
        Format::Json => format!("{}\n", materials::json(&list)),
        Format::Html => materials::document(&list, lang),
    };
    let _ = write!(io.stdout, "{out}");
    Ok(EXIT_OK)
}

pub use crate::facts::describe::type_text;

fn sheet(policy: &Policy, lang: Lang) -> String {
    let mut out = String::new();
    // The fields are the keys of a fact file, so they are shown by name beside their labels.
    let _ = writeln!(out, "{}", crate::explain::pick(lang, "事实文件字段：", "Fact file fields:"));
    for fact in policy.facts() {
        let label = localized(&fact.label, lang);
        let _ = writeln!(out, "  {:<32} {label} — {}", fact.name, type_text(policy, fact, lang));
    }
    out
}
