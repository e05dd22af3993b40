//! `comply facts`: what an applicant must supply: the list of materials (申请材料清单: the documents, and
//! when each is needed) and the facts a fact file gives.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::check::Format;
use super::{EXIT_OK, Io, LangArg, Outcome, find_policy, load_rules};
use crate::explain::{Lang, localized, materials, pick};
use crate::policy::{EnumId, Policy};

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
    for fact in policy.facts().iter().filter(|f| f.record.is_none()) {
        let label = localized(&fact.label, lang);
        let _ = writeln!(out, "  {} {label} — {}", padded(&fact.name, 32), type_text(policy, fact, lang));
    }
    // A list is shown once, under the rows that give it: one row per record, named by its key.
    let mut keys: Vec<EnumId> = Vec::new();
    for key in policy.facts().iter().filter_map(|f| f.record.as_ref().map(|r| r.key)) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for key in keys {
        let values = &policy.enum_def(key).values;
        let name = policy.enum_def(key).name.clone().unwrap_or_default();
        let example = values.first().map_or("", |v| v.name.as_str());
        let records = values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(pick(lang, "、", ", "));
        let _ = writeln!(
            out,
            "{}",
            match lang {
                Lang::Zh => format!(
                    "\n按 {name} 逐条填写，每条一行 [[facts.{name}]]，写明 {name} = \"{example}\"（共 {} 条：{records}）：",
                    values.len()
                ),
                Lang::En => format!(
                    "\nOne row per {name}, each a [[facts.{name}]] table naming {name} = \"{example}\" ({} records: {records}):",
                    values.len()
                ),
            }
        );
        let lists = policy.facts().iter().filter(|f| f.record.as_ref().is_some_and(|r| r.key == key && r.value == 0));
        for fact in lists {
            let Some(record) = &fact.record else { continue };
            let label = localized(&record.label, lang);
            let _ = writeln!(out, "  {} {label} — {}", padded(&record.list, 32), type_text(policy, fact, lang));
        }
    }
    out
}

/// `text` padded to `width` columns as a terminal shows it: a Chinese character takes two.
fn padded(text: &str, width: usize) -> String {
    let shown: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}
