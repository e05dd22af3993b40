//! `comply plan`: the verdict so far and the questions that can still change the answer, ranked — the
//! engine's plan (`comply_engine::plan`), with the same JSON as `/v1/plan` (the contract the web page
//! drives).

use clap::ValueEnum;

use super::{EXIT_OK, Io, LangArg, Outcome};
use crate::explain::{self, Lang, pick};

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    case: super::CaseArgs,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let case = args.case.read(lang)?;
    let resolved = args.case.resolve(&case, lang)?;
    let plan = comply_server::plan::plan(resolved.policy, &resolved.facts, resolved.as_of, &[], lang);
    let out = &mut *io.stdout;
    match args.format {
        Format::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&plan).unwrap_or_default());
        }
        Format::Text => {
            let verdict = plan.verdict.parse().map(|v| explain::verdict_short(v, lang)).unwrap_or(plan.verdict);
            let _ = writeln!(out, "{}{verdict}", pick(lang, "目前结论：", "Verdict so far: "));
            if plan.questions.is_empty() {
                let _ = writeln!(out, "{}", pick(lang, "没有能改变结论的问题了。", "No question can change it."));
            } else {
                let _ = writeln!(out, "{}", pick(lang, "还需回答（按提问顺序）：", "Still to answer, in order:"));
            }
            for (i, q) in plan.questions.iter().enumerate() {
                let prompt = q.prompt.as_deref().unwrap_or(&q.label);
                let _ = writeln!(out, "  {}. {}（{prompt}）", i + 1, q.label);
            }
            if plan.approximate {
                let _ = writeln!(out, "  {}", explain::render::approximate_note(lang));
            }
        }
    }
    Ok(EXIT_OK)
}
