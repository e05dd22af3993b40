//! `comply facts`: the fact sheet of a policy, i.e. what an applicant must supply.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{EXIT_OK, Io, LangArg, Outcome, find_policy, load_rules};
use crate::explain::{Lang, localized};
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
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let policy = find_policy(&book, &args.policy, lang)?;
    let _ = write!(io.stdout, "{}", sheet(policy, lang));
    Ok(EXIT_OK)
}

pub use crate::facts::describe::type_text;

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
