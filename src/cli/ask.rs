//! `comply ask`: an interview that asks only the questions whose answer can still change the answer, in
//! the order of the engine's question plan (`comply_engine::plan`), then prints the same explained report
//! as `check`. By default it tells everything at once (一次性告知, 《行政许可法》第三十二条): it keeps asking
//! until every rule and every output (the approval routes) is decided or the applicant stops, so the
//! report lists every failing condition with its remedy and every open question together;
//! `--until-verdict` stops as soon as the verdict is decided. `Interview` is the question-picking core,
//! kept apart from the terminal so that tests can drive it with an oracle instead of a script.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use super::{Failure, Io, LangArg, Outcome, find_policy, load_rules, required_date};
use crate::eval::{self, Evaluation, FactMask, FactSet, FactValue, Verdict};
use crate::explain::{self, Lang, localized, pick, render};
use crate::facts;
use crate::policy::{FactDef, FactId, Policy, Type};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The policy to assess against (taken from the file with `--resume`).
    #[arg(long)]
    policy: Option<String>,
    /// The date to evaluate on, YYYY-MM-DD (required: the verdict never depends on the clock).
    #[arg(long = "as-of")]
    as_of: Option<String>,
    /// Write the answers to this fact file (TOML) after every answer, so that an interrupted interview
    /// loses nothing; `comply check --facts FILE` accepts it.
    /// An existing file is read first: the answers already in it are kept, never erased.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Continue a saved interview: the answers in this fact file are kept and the next question is asked
    /// (its policy and date are used unless given here). Saves back to it unless `--save` names another.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Stop as soon as the verdict is decided (the quick mode), instead of asking until every rule and
    /// output is decided.
    #[arg(long = "until-verdict")]
    until_verdict: bool,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

/// The state of one interview: the answers so far and the facts the applicant said they do not know.
pub struct Interview<'p> {
    policy: &'p Policy,
    as_of: Date,
    facts: FactSet,
    skipped: FactMask,
    /// Stop at a decided verdict (`--until-verdict`) rather than ask until every rule and output is decided.
    until_verdict: bool,
}

impl<'p> Interview<'p> {
    pub fn new(policy: &'p Policy, as_of: Date) -> Interview<'p> {
        Interview { policy, as_of, facts: FactSet::empty(policy), skipped: FactMask::EMPTY, until_verdict: false }
    }

    /// The quick mode: no question once the verdict is decided.
    pub fn until_verdict(mut self) -> Interview<'p> {
        self.until_verdict = true;
        self
    }

    pub fn facts(&self) -> &FactSet {
        &self.facts
    }

    pub fn evaluate(&self) -> Evaluation {
        eval::evaluate(self.policy, &self.facts, self.as_of)
    }

    /// The next fact to ask, or `None` when nothing left can change the answer.
    ///
    /// The first question of the engine's plan (`comply_engine::plan`: facts that can change the verdict,
    /// a fact after those it only matters through, then facts an open output waits for). In the quick mode
    /// only the verdict's questions, and none once it is decided. Telling everything at once, when the plan
    /// is done (a failed case has no route to ask for), any fact a rule still waits for, in the rule file's
    /// order, so that every failing condition is found.
    pub fn next_question(&self, evaluation: &Evaluation) -> Option<FactId> {
        if self.until_verdict && evaluation.verdict != Verdict::Undetermined {
            return None;
        }
        let skipped: Vec<FactId> = self.skipped.iter().collect();
        let plan = match self.until_verdict {
            true => crate::plan::verdict_plan(self.policy, &self.facts, self.as_of, &skipped),
            false => crate::plan::plan(self.policy, &self.facts, self.as_of, &skipped),
        };
        let first = plan.questions.first().map(|q| q.fact);
        if first.is_some() || self.until_verdict {
            return first;
        }
        evaluation
            .rules
            .iter()
            .filter(|r| r.outcome == eval::Outcome::Unknown)
            .flat_map(|r| r.missing.iter().collect::<Vec<_>>())
            .find(|f| !self.skipped.contains(*f) && self.facts.get(*f).is_none())
    }

    pub fn answer(&mut self, fact: FactId, value: FactValue) {
        self.facts.set(fact, Some(value));
    }

    /// The applicant does not know: the fact stays unknown and is not asked again.
    pub fn skip(&mut self, fact: FactId) {
        self.skipped.insert(fact);
    }
}

/// What one line of input meant.
enum Reply {
    Value(FactValue),
    Skip,
    Bad(String),
}

/// A saved interview's fact file, when one is to be continued: `--resume`, else an existing `--save` file
/// (whose answers must not be erased).
fn earlier_answers(args: &Args, lang: Lang) -> Result<Option<(String, facts::FactFile)>, Failure> {
    let path = match (&args.resume, &args.save) {
        (Some(path), _) => path,
        (None, Some(path)) if path.is_file() => path,
        _ => return Ok(None),
    };
    let name = path.display().to_string();
    let text = crate::limits::read_text(path, super::read_limit()).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法读取事实文件 `{name}`：{}", e.zh()),
            Lang::En => format!("cannot read the fact file `{name}`: {}", e.en()),
        })
    })?;
    let file = facts::read_file(&name, &text).map_err(|e| Failure(e.render(lang)))?;
    Ok(Some((name, file)))
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let earlier = earlier_answers(&args, lang)?;
    let (policy, as_of, known) = match &earlier {
        Some((_, file)) => {
            let resolved = book
                .resolve(file, args.policy.as_deref(), args.as_of.as_deref())
                .map_err(|e| Failure(e.render(lang)))?;
            (resolved.policy, resolved.as_of, resolved.facts)
        }
        None => {
            let id = args.policy.as_deref().ok_or_else(|| {
                Failure(
                    pick(
                        lang,
                        "未指明政策：请用 --policy 给出政策编号，或用 --resume 继续已保存的问答",
                        "no policy: pass --policy ID, or --resume a saved interview",
                    )
                    .to_string(),
                )
            })?;
            let policy = find_policy(&book, id, lang)?;
            (policy, required_date(args.as_of.as_deref(), lang)?, FactSet::empty(policy))
        }
    };
    let save_to = args.save.clone().or_else(|| args.resume.clone());
    // An unwritable path is refused before the first question, not after the applicant has answered them.
    if let Some(path) = &save_to {
        save(path, policy, as_of, &known, lang)?;
    }

    let mut interview = Interview::new(policy, as_of);
    if args.until_verdict {
        interview = interview.until_verdict();
    }
    for (id, value) in known.values.iter().enumerate() {
        if let Some(value) = value {
            interview.answer(id as FactId, value.clone());
        }
    }
    let title = localized(policy.title(), lang);
    let out = &mut *io.stdout;
    match lang {
        Lang::Zh => writeln!(out, "{title}"),
        Lang::En => writeln!(out, "{title} ({})", policy.id()),
    }
    .ok();
    let _ = writeln!(out, "{}{}", pick(lang, "评估日期：", "As of: "), explain::date_text(as_of, lang));
    if let Some((name, _)) = &earlier {
        let count = known.values.iter().filter(|v| v.is_some()).count();
        let _ = match lang {
            Lang::Zh => writeln!(out, "接着 `{name}` 中已有的 {count} 项回答继续提问。"),
            Lang::En => writeln!(out, "Continuing from the {count} answer(s) already in `{name}`."),
        };
    }
    let _ = writeln!(
        out,
        "{}",
        pick(
            lang,
            "逐题回答；不知道的直接回车或输入“不知道”跳过。输入结束（Ctrl-D）即停止提问并给出结论。",
            "Answer each question; press Enter or type “skip” if you do not know. End of input (Ctrl-D) stops the questions and gives the verdict."
        )
    );

    let mut asked = 0usize;
    // Answers given in another time base and converted by a law the pack cites, for the report.
    let mut converted = Vec::new();
    loop {
        let evaluation = interview.evaluate();
        let Some(fact_id) = interview.next_question(&evaluation) else {
            let _ = writeln!(io.stdout);
            let message = if evaluation.verdict == Verdict::Undetermined {
                pick(lang, "没有其他能改变结论的问题了", "No other question can change the verdict")
            } else if args.until_verdict {
                pick(lang, "结论已确定，不再提问", "The verdict is decided; no more questions")
            } else {
                pick(
                    lang,
                    "各项条件和办理方式均已问完，以下一次性告知全部结果",
                    "Every condition and route has been asked about; everything is reported below at once",
                )
            };
            let _ = writeln!(io.stdout, "{message}{}", count_note(asked, lang));
            break;
        };
        let fact = &policy.facts()[fact_id as usize];
        asked += 1;
        write_question(io.stdout, policy, fact, asked, lang);
        let reply = loop {
            let _ = io.stdout.flush();
            let Some(line) = read_line(io.stdin) else { break None };
            match interpret(policy, fact, &line, lang) {
                Reply::Bad(message) => {
                    let _ =
                        writeln!(io.stdout, "  ✗ {message}{}", pick(lang, "。请重新回答：", ". Please answer again:"));
                }
                other => break Some((other, line)),
            }
        };
        match reply {
            None => {
                let _ = writeln!(io.stdout);
                let _ = writeln!(
                    io.stdout,
                    "{}{}",
                    pick(lang, "输入结束，停止提问", "End of input: no more questions"),
                    match lang {
                        Lang::Zh => format!("（共问 {asked} 题，最后一题未答）。"),
                        Lang::En => format!(" ({asked} question(s) asked, the last one unanswered)."),
                    }
                );
                break;
            }
            Some((Reply::Skip, _)) => {
                interview.skip(fact_id);
                let _ = writeln!(io.stdout, "  → {}", pick(lang, "不知道（跳过）", "don't know (skipped)"));
            }
            Some((Reply::Value(value), line)) => {
                let _ = writeln!(io.stdout, "  → {}", show_value(policy, fact, &value, lang));
                let by_law = facts::conversions(policy, &[(fact.name.clone(), facts::Raw::Text(line))]);
                for c in &by_law {
                    let _ = writeln!(io.stdout, "    {}", explain::conversion_line(policy, c, lang).text);
                }
                converted.extend(by_law);
                interview.answer(fact_id, value);
                if let Some(path) = &save_to {
                    save(path, policy, as_of, interview.facts(), lang)?;
                }
            }
            // Bad answers are re-asked inside the loop above and never reach here.
            Some((Reply::Bad(_), _)) => {}
        }
    }
    if let Some(path) = &save_to {
        save(path, policy, as_of, interview.facts(), lang)?;
        let _ = writeln!(io.stderr, "{}{}", pick(lang, "回答已保存到 ", "Answers saved to "), path.display());
    }
    let mut report = explain::report(policy, interview.facts(), as_of, lang);
    report.conversions = explain::conversion_lines(policy, &converted, lang);
    let _ = writeln!(io.stdout);
    let _ = write!(io.stdout, "{}", render::text(&report, lang));
    Ok(super::check::verdict_exit_code(report.verdict))
}

fn count_note(asked: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（共问 {asked} 题）。"),
        Lang::En => format!(" ({asked} question(s) asked)."),
    }
}

/// A line of input without its line break; `None` at the end of input. Bytes that are not UTF-8 become
/// replacement characters, so they are re-asked as a bad answer rather than ending the interview.
fn read_line(stdin: &mut dyn std::io::BufRead) -> Option<String> {
    let mut buffer = Vec::new();
    match stdin.read_until(b'\n', &mut buffer) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(&buffer).trim().to_string()),
    }
}

fn write_question(out: &mut dyn Write, policy: &Policy, fact: &FactDef, number: usize, lang: Lang) {
    let question = match &fact.ask {
        Some(ask) => localized(ask, lang),
        None => localized(&fact.label, lang),
    };
    let _ = writeln!(out);
    let _ = writeln!(out, "{} {number}{}{question}", pick(lang, "问题", "Question"), pick(lang, "：", ": "));
    let skip = pick(lang, "不知道直接回车跳过", "Enter to skip");
    let semi = pick(lang, "；", "; ");
    let hint = match fact.ty {
        Type::Bool => format!("{}{semi}{skip}", pick(lang, "是/否（y/n）", "yes/no (y/n, 是/否)")),
        Type::Enum(id) | Type::Set(id) => {
            for (i, value) in policy.enum_def(id).values.iter().enumerate() {
                let label = value.label.as_ref().map(|l| localized(l, lang));
                match label {
                    Some(label) if lang == Lang::Zh => {
                        let _ = writeln!(out, "  {}. {label}", i + 1);
                    }
                    Some(label) if label != value.name => {
                        let (open, close) = (pick(lang, "（", " ("), pick(lang, "）", ")"));
                        let _ = writeln!(out, "  {}. {label}{open}{}{close}", i + 1, value.name);
                    }
                    _ => {
                        let _ = writeln!(out, "  {}. {}", i + 1, value.name);
                    }
                }
            }
            if matches!(fact.ty, Type::Set(_)) {
                format!(
                    "{}{semi}{skip}",
                    pick(
                        lang,
                        "可多选：输入编号或名称，用逗号或顿号分隔",
                        "several may apply: numbers or names, separated by commas"
                    )
                )
            } else {
                format!("{}{semi}{skip}", pick(lang, "输入编号或名称", "a number or a name"))
            }
        }
        Type::Num(_) => {
            let unit = fact.unit.filter(|u| !u.is_one());
            match (unit, fact.whole, lang) {
                (Some(u), _, Lang::Zh) => format!("数值，单位 {u}（也可用其他同类单位）；{skip}"),
                (Some(u), _, Lang::En) => format!("a number in {u} (or another unit of the same kind); {skip}"),
                (None, true, Lang::Zh) => format!("整数；{skip}"),
                (None, true, Lang::En) => format!("a whole number; {skip}"),
                (None, false, Lang::Zh) => format!("数值；{skip}"),
                (None, false, Lang::En) => format!("a number; {skip}"),
            }
        }
        Type::Date => format!("{}{semi}{skip}", pick(lang, "日期 YYYY-MM-DD", "a date YYYY-MM-DD")),
        Type::Text | Type::Mixed => format!("{}{semi}{skip}", pick(lang, "文字", "text")),
    };
    let _ = writeln!(out, "  {hint}");
}

/// The one value reader reads the answer (thousands separators in groups of three, full-width digits, a
/// unit after the number, 是/否, a value's number in the list).
fn interpret(policy: &Policy, fact: &FactDef, line: &str, lang: Lang) -> Reply {
    match facts::read_answer(policy, fact, line) {
        Ok(Some(value)) => Reply::Value(value),
        Ok(None) => Reply::Skip,
        Err(error) => Reply::Bad(error.render(lang)),
    }
}

fn enum_shown(policy: &Policy, id: crate::policy::EnumId, index: usize, lang: Lang) -> String {
    match policy.enum_def(id).values.get(index) {
        Some(value) => match &value.label {
            Some(l) => localized(l, lang).to_string(),
            None => value.name.clone(),
        },
        None => index.to_string(),
    }
}

fn show_value(policy: &Policy, fact: &FactDef, value: &FactValue, lang: Lang) -> String {
    match (value, fact.ty) {
        (FactValue::Bool(b), _) => pick(lang, if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }).to_string(),
        (FactValue::Num(q), _) => q.to_string(),
        (FactValue::Date(d), _) => d.to_string(),
        (FactValue::Text(t), _) => t.clone(),
        (FactValue::Enum(e), Type::Enum(id)) => enum_shown(policy, id, *e as usize, lang),
        (FactValue::Set(s), Type::Set(id)) => {
            let n = policy.enum_def(id).values.len();
            let shown: Vec<String> =
                (0..n).filter(|i| s & (1 << i) != 0).map(|i| enum_shown(policy, id, i, lang)).collect();
            if shown.is_empty() {
                pick(lang, "（无）", "(none)").to_string()
            } else {
                shown.join(pick(lang, "、", ", "))
            }
        }
        (FactValue::Enum(e), _) => e.to_string(),
        (FactValue::Set(s), _) => s.to_string(),
    }
}

/// The answers as a fact file `comply check` reads back to the same facts (the one fact-file writer).
pub fn fact_file(policy: &Policy, as_of: Date, facts: &FactSet) -> String {
    let comment = "Answers given to `comply ask`; facts answered “don't know” are left out (unknown).";
    facts::fact_file(policy, Some(as_of), facts, Some(comment))
}

/// Written to a neighbour file and renamed, so an interrupted write never leaves half a fact file.
fn save(path: &Path, policy: &Policy, as_of: Date, facts: &FactSet, lang: Lang) -> Result<(), Failure> {
    let text = fact_file(policy, as_of, facts);
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path)).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法保存回答到 `{}`：{e}", path.display()),
            Lang::En => format!("cannot save the answers to `{}`: {e}", path.display()),
        })
    })
}
