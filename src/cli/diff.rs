//! `comply diff OLD NEW`: which cases would get a different answer after a rule change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, load_rules, parse_date};
use crate::diff::{Method, PolicyDiff, diff_policy};
use crate::eval::Verdict;
use crate::explain::{Lang, localized, pick, verdict_short};
use crate::facts;
use crate::policy::Policy;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule file or folder before the change.
    old: PathBuf,
    /// The rule file or folder after the change.
    new: PathBuf,
    /// Compare only this policy.
    #[arg(long)]
    policy: Option<String>,
    /// Compare on this date only (default: every date where either version or a dated figure changes).
    #[arg(long = "as-of")]
    as_of: Option<String>,
    /// Replay the fact files in this folder under both versions and list the ones whose verdict flips.
    #[arg(long)]
    cases: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let old = load_rules(Some(&args.old), lang)?;
    let new = load_rules(Some(&args.new), lang)?;
    let as_of = args.as_of.as_deref().map(|d| parse_date(d, lang)).transpose()?;
    let mut ids: Vec<String> = new.policy_ids();
    for id in old.policy_ids() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if let Some(only) = &args.policy {
        if !ids.contains(only) {
            return Err(Failure(match lang {
                Lang::Zh => format!("两个版本中都没有政策 `{only}`（现有：{}）", ids.join("、")),
                Lang::En => format!("no policy `{only}` in either version (found: {})", ids.join(", ")),
            }));
        }
        ids.retain(|id| id == only);
    }
    let mut different = false;
    let mut out = String::new();
    for id in &ids {
        match (old.policy(id), new.policy(id)) {
            (Some(o), Some(n)) => {
                let d = diff_policy(o, n, as_of, lang);
                different |= !d.equivalent();
                out.push_str(&render(&d, n, lang));
            }
            (None, Some(_)) => {
                different = true;
                let _ = writeln!(
                    out,
                    "{} {id}{}\n",
                    pick(lang, "政策", "Policy"),
                    pick(lang, "：新版本新增", ": added in the new version")
                );
            }
            (Some(_), None) => {
                different = true;
                let _ = writeln!(
                    out,
                    "{} {id}{}\n",
                    pick(lang, "政策", "Policy"),
                    pick(lang, "：新版本删除", ": removed in the new version")
                );
            }
            (None, None) => {}
        }
    }
    if let Some(dir) = &args.cases {
        let flips = replay(&old, &new, dir, args.policy.as_deref(), args.as_of.as_deref(), lang)?;
        different |= !flips.1.is_empty();
        let _ = match lang {
            Lang::Zh => {
                writeln!(out, "{} 中的存档案例：重放 {} 个，结论改变 {} 个", dir.display(), flips.0, flips.1.len())
            }
            Lang::En => {
                writeln!(out, "Stored cases in {}: {} replayed, {} flip(s)", dir.display(), flips.0, flips.1.len())
            }
        };
        for line in &flips.1 {
            let _ = writeln!(out, "  {line}");
        }
    }
    let result = match (different, lang) {
        (true, Lang::Zh) => "结果：有差异",
        (false, Lang::Zh) => "结果：等价",
        (true, Lang::En) => "Result: DIFFERENT",
        (false, Lang::En) => "Result: equivalent",
    };
    let _ = writeln!(out, "{result}");
    let _ = write!(io.stdout, "{out}");
    Ok(if different { EXIT_VERDICT } else { EXIT_OK })
}

/// The report a clerk reviews: what changed, how it was analysed, and each region with an example. In
/// Chinese, rules, outputs, facts, verdicts and outcomes are named by their titles and labels (a rule keeps
/// its `[id]` tag to find it in the rule file); the example is a fact file, so it keeps the names.
pub fn render(d: &PolicyDiff, policy: &Policy, lang: Lang) -> String {
    let say = |zh: &'static str, en: &'static str| pick(lang, zh, en);
    let words = Words { policy, lang };
    let mut out = String::new();
    let state = if d.equivalent() { say("等价", "equivalent") } else { say("有差异", "DIFFERENT") };
    let name = match lang {
        Lang::Zh => format!("{} [{}]", localized(policy.title(), lang), d.id),
        Lang::En => d.id.clone(),
    };
    let _ = writeln!(out, "{} {name}{}{state}", say("政策", "Policy"), say("：", ": "));
    for h in &d.header {
        let _ = writeln!(out, "  {}{h}", say("基本信息变化：", "header: "));
    }
    let list =
        |v: Vec<String>| if v.is_empty() { say("（无）", "(none)").to_string() } else { v.join(say("；", ", ")) };
    let changed = |out: &mut String| {
        let rules = d.changed_rules.iter().map(|r| words.rule(r)).collect();
        let outputs = d.changed_outputs.iter().map(|o| words.output(o)).collect();
        let facts = d.influenced.iter().map(|f| words.fact(f)).collect();
        let _ = writeln!(out, "  {}{}", say("改变的规则：", "changed rules: "), list(rules));
        let _ = writeln!(out, "  {}{}", say("改变的输出：", "changed outputs: "), list(outputs));
        let _ = writeln!(out, "  {}{}", say("可能受影响的事实：", "facts the change can influence: "), list(facts));
    };
    match &d.method {
        Method::Identical => {
            let _ = writeln!(
                out,
                "  {}",
                say(
                    "每条规则和输出都没有改变（条件、阈值、表和分期数值相同）：",
                    "every rule and output is unchanged (same conditions, thresholds, tables and dated figures):"
                )
            );
            let _ = writeln!(
                out,
                "  {}",
                say(
                    "两个版本对每个案例给出相同答案（无需抽样即已证明）",
                    "the two versions give the same answer for every case (proved without sampling)"
                )
            );
            out.push('\n');
            return out;
        }
        Method::Exhaustive { points } => {
            changed(&mut out);
            let _ = match lang {
                Lang::Zh => writeln!(
                    out,
                    "  分析：穷举，{points} 个案例：两个版本的每个阈值、刚越过每个阈值的值，以及每个数量的“未知”；\n  每个单选、多选和是/否事实的每个取值；每个版本或分期数值开始或结束的日期。由算术得出的输出在每块取一个值比较。"
                ),
                Lang::En => writeln!(
                    out,
                    "  analysis: exhaustive, {points} cases: every threshold of either version, a value just past each, and\n  \"unknown\" for each quantity; every value of each enum, set and yes/no fact; each date where a version\n  or a dated figure begins or ends. Outputs computed by arithmetic are compared at one value per piece."
                ),
            };
        }
        Method::Sampled { cases, reason } => {
            changed(&mut out);
            let _ = match lang {
                Lang::Zh => writeln!(out, "  分析：并非穷举（{reason}）；比较了 {cases} 个偏向阈值生成的案例"),
                Lang::En => writeln!(
                    out,
                    "  analysis: NOT exhaustive ({reason}); {cases} generated cases compared, biased to the thresholds"
                ),
            };
        }
    }
    if !d.background.is_empty() {
        let _ = writeln!(
            out,
            "  {}{}",
            say("其他事实取使不受影响的规则都通过的值：", "other facts held where the unaffected rules pass: "),
            d.background.join(say("；", ", "))
        );
    }
    if !d.background_unmet.is_empty() {
        let _ = writeln!(
            out,
            "  {}{}",
            say(
                "注意：找不到使以下不受影响的规则通过的其他事实取值，下面各区域的结论可能掩盖了规则的变化：",
                "note: no values of the other facts make these unaffected rules pass, so the verdicts below may hide a rule's change: "
            ),
            d.background_unmet.join(", ")
        );
    }
    if d.regions.is_empty() {
        let _ = writeln!(out, "  {}\n", say("没有案例的答案改变", "no case gets a different answer"));
        return out;
    }
    let _ = match lang {
        Lang::Zh => writeln!(out, "  答案不同的区域共 {} 个：", d.regions.len()),
        Lang::En => writeln!(out, "  {} region(s) where the answer differs:", d.regions.len()),
    };
    for (i, r) in d.regions.iter().enumerate() {
        let _ = match lang {
            Lang::Zh => writeln!(
                out,
                "\n  {}. 结论 {} → {}（{} 个案例）",
                i + 1,
                words.verdict(&r.verdicts.0),
                words.verdict(&r.verdicts.1),
                r.points
            ),
            Lang::En => {
                writeln!(out, "\n  {}. verdict {} → {} ({} case(s))", i + 1, r.verdicts.0, r.verdicts.1, r.points)
            }
        };
        if !r.conditions.is_empty() {
            let _ = writeln!(
                out,
                "     {}{}",
                say("条件：", "where "),
                r.conditions.join(say("；\n       且 ", ";\n       and "))
            );
        }
        if let Some(note) = &r.note {
            let _ = writeln!(out, "     {}{note}", say("注：", "note: "));
        }
        for (id, a, b) in &r.rules {
            let (a, b) = (words.outcome(a), words.outcome(b));
            let _ = writeln!(out, "     {} {}{}{a} → {b}", say("规则", "rule"), words.rule(id), say("：", ": "));
        }
        for (name, a, b) in &r.outputs {
            let _ = writeln!(
                out,
                "     {} {}{}{a} → {b}{}",
                say("输出", "output"),
                words.output(name),
                say("：", ": "),
                say("（示例中）", " (in the example)")
            );
        }
        let _ = writeln!(out, "     {}", say("示例：", "example:"));
        for line in r.example.lines() {
            let _ = writeln!(out, "       {line}");
        }
    }
    out.push('\n');
    out
}

/// Names in the reader's language: English keeps the rule file's names, Chinese reads titles and labels.
struct Words<'p> {
    policy: &'p Policy,
    lang: Lang,
}

impl Words<'_> {
    fn rule(&self, id: &str) -> String {
        match (self.lang, self.policy.rules().iter().find(|r| r.id == id)) {
            (Lang::Zh, Some(rule)) => format!("“{}” [{id}]", localized(&rule.title, self.lang)),
            _ => id.to_string(),
        }
    }

    fn output(&self, name: &str) -> String {
        match (self.lang, self.policy.derived().iter().find(|d| d.name == name)) {
            (Lang::Zh, Some(def)) => localized(&def.label, self.lang).to_string(),
            _ => name.to_string(),
        }
    }

    fn fact(&self, name: &str) -> String {
        match (self.lang, self.policy.fact_index(name)) {
            (Lang::Zh, Some(f)) => localized(&self.policy.facts()[f as usize].label, self.lang).to_string(),
            _ => name.to_string(),
        }
    }

    fn verdict(&self, text: &str) -> String {
        match (self.lang, text.parse::<Verdict>()) {
            (Lang::Zh, Ok(v)) => verdict_short(v, self.lang).to_string(),
            _ => text.to_string(),
        }
    }

    fn outcome(&self, text: &str) -> String {
        let zh = match text {
            "pass" => "符合",
            "fail" => "不符合",
            "refer" => "报请决定",
            "warn" => "提示",
            "unknown" => "待补充",
            "skipped" => "不适用",
            other => other,
        };
        pick(self.lang, zh, text).to_string()
    }
}

/// Replays every fact file below `dir` under both versions: (cases replayed, flips).
fn replay(
    old: &crate::Rulebook,
    new: &crate::Rulebook,
    dir: &Path,
    policy: Option<&str>,
    as_of: Option<&str>,
    lang: Lang,
) -> Result<(usize, Vec<String>), Failure> {
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    let mut flips = Vec::new();
    let mut replayed = 0;
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Failure(match lang {
                Lang::Zh => format!("无法读取 `{name}`：{e}"),
                Lang::En => format!("cannot read `{name}`: {e}"),
            })
        })?;
        let file = facts::read_file(&name, &text).map_err(|e| Failure(format!("{name}: {}", e.render(lang))))?;
        let id = match policy.map(str::to_string).or(file.policy.clone()) {
            Some(id) => id,
            None if new.policies().len() == 1 => new.policy_ids().remove(0),
            None => continue,
        };
        let Some(date) = as_of.map(str::to_string).or(file.as_of.clone()) else { continue };
        let date = parse_date(&date, lang)?;
        let verdict = |book: &crate::Rulebook| -> String {
            match book.policy(&id) {
                None => pick(lang, "（无此政策）", "(no such policy)").into(),
                Some(p) => match facts::bind(p, &file.facts) {
                    Ok(f) => {
                        let verdict = crate::eval::evaluate(p, &f, date).verdict;
                        pick(lang, verdict_short(verdict, lang), verdict.as_str()).to_string()
                    }
                    Err(e) => format!(
                        "{}{}{}",
                        pick(lang, "（事实有误：", "(bad facts: "),
                        e.render(lang).lines().next().unwrap_or(""),
                        pick(lang, "）", ")")
                    ),
                },
            }
        };
        replayed += 1;
        let (a, b) = (verdict(old), verdict(new));
        if a != b {
            flips.push(format!("{name}: {a} → {b}"));
        }
    }
    Ok((replayed, flips))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml" || e == "json") {
            out.push(path);
        }
    }
}
