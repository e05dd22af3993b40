//! `comply plan`: the verdict so far and the questions that can still change the answer, ranked — the
//! engine's plan (`comply_engine::plan`), with the same JSON as `/v1/plan` (the contract the web page
//! drives).

use std::path::PathBuf;

use clap::ValueEnum;

use super::{EXIT_OK, Failure, Io, LangArg, Outcome, load_rules};
use crate::explain::{self, Lang, pick};
use crate::facts;

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The facts known so far: TOML, or JSON when the name ends in .json.
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
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let name = args.facts.display().to_string();
    let text = crate::limits::read_text(&args.facts, super::read_limit()).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法读取事实文件 `{name}`：{}", e.zh()),
            Lang::En => format!("cannot read the fact file `{name}`: {}", e.en()),
        })
    })?;
    let file = facts::read_file(&name, &text).map_err(|e| Failure(e.render(lang)))?;
    let resolved =
        book.resolve(&file, args.policy.as_deref(), args.as_of.as_deref()).map_err(|e| Failure(e.render(lang)))?;
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
