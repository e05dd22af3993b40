//! `comply facts`: the fact sheet of a policy, i.e. what an applicant must supply.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{EXIT_OK, Io, LangArg, Outcome, find_policy, load_rules};
use crate::explain::{Lang, localized};
use crate::policy::{Policy, Type};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The policy id.
    #[arg(long)]
    policy: String,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let policy = find_policy(&book, &args.policy, lang)?;
    let _ = write!(io.stdout, "{}", sheet(policy, lang));
    Ok(EXIT_OK)
}

pub fn type_text(policy: &Policy, fact: &crate::policy::FactDef, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match fact.ty {
        Type::Bool => (if zh { "是/否" } else { "yes/no" }).to_string(),
        Type::Num(_) if fact.whole => (if zh { "整数" } else { "whole number" }).to_string(),
        Type::Num(_) => match fact.unit {
            Some(u) if !u.is_one() => format!("{} {u}", if zh { "数值" } else { "quantity in" }),
            _ => (if zh { "数值" } else { "number" }).to_string(),
        },
        Type::Date => (if zh { "日期" } else { "date" }).to_string(),
        Type::Text => (if zh { "文字" } else { "text" }).to_string(),
        Type::Enum(id) | Type::Set(id) => {
            let values: Vec<String> = policy
                .enum_def(id)
                .values
                .iter()
                .map(|v| match (&v.label, lang) {
                    (Some(l), Lang::Zh) if l.zh != v.name => format!("{}（{}）", v.name, l.zh),
                    _ => v.name.clone(),
                })
                .collect();
            let kind = match (fact.ty, zh) {
                (Type::Set(_), true) => "多选",
                (Type::Set(_), false) => "any of",
                (_, true) => "单选",
                (_, false) => "one of",
            };
            format!("{kind} {{{}}}", values.join(", "))
        }
        Type::Mixed => String::new(),
    }
}

fn sheet(policy: &Policy, lang: Lang) -> String {
    let mut out = String::new();
    let title = localized(policy.title(), lang);
    let _ = writeln!(out, "{title} ({})", policy.id());
    for fact in policy.facts() {
        let label = localized(&fact.label, lang);
        let _ = writeln!(out, "  {:<32} {label} — {}", fact.name, type_text(policy, fact, lang));
    }
    out
}
