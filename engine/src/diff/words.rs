//! The words of a rule-change analysis: every sentence `comply diff` prints is built here from the typed
//! result (`PolicyDiff`), in Chinese or English, so the analysis itself holds no text of either language.
//! In Chinese the policy is named by its title, rules by their titles with their `[id]` (to find them in
//! the rule file), facts, outputs, choices, yes/no, verdicts and outcomes by their labels; English keeps the
//! rule file's names. The example is a fact file, so it keeps the names in both.

use std::fmt::Write as _;

use super::{Condition, HeaderChange, Method, NotExhaustive, Note, PieceName, PolicyDiff, Run};
use rust_decimal::Decimal;

use crate::eval::{FactValue, Verdict};
use crate::explain::{Lang, date_text, format_value, localized, pick, verdict_short};
use crate::generate::value_text;
use crate::policy::{Policy, Type};

/// The report a clerk reviews: what changed, how it was analysed, and each region with an example.
/// `policy` is the new version, whose titles and labels name things.
pub fn report(d: &PolicyDiff, policy: &Policy, lang: Lang) -> String {
    let say = |zh: &'static str, en: &'static str| pick(lang, zh, en);
    let names = Names { policy, lang };
    let mut out = String::new();
    let state = if d.equivalent() { say("等价", "equivalent") } else { say("有差异", "DIFFERENT") };
    let _ = writeln!(out, "{} {}{}{state}", say("政策", "Policy"), names.policy(&d.id), say("：", ": "));
    for h in &d.header {
        let _ = writeln!(out, "  {}{}", say("基本信息变化：", "header: "), header(h, lang));
    }
    let list =
        |v: Vec<String>| if v.is_empty() { say("（无）", "(none)").to_string() } else { v.join(say("；", ", ")) };
    let changed = |out: &mut String| {
        let rules = d.changed_rules.iter().map(|r| names.rule(r)).collect();
        let outputs = d.changed_outputs.iter().map(|o| names.output(o)).collect();
        let facts = d.influenced.iter().map(|f| names.fact(f)).collect();
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
            let reason = not_exhaustive(reason, lang);
            let _ = match lang {
                Lang::Zh => writeln!(out, "  分析：并非穷举（{reason}）；比较了 {cases} 个偏向阈值生成的案例"),
                Lang::En => writeln!(
                    out,
                    "  analysis: NOT exhaustive ({reason}); {cases} generated cases compared, biased to the thresholds"
                ),
            };
        }
    }
    if !d.given_in.is_empty() {
        let given: Vec<String> = d
            .given_in
            .iter()
            .map(|(fact, unit)| match lang {
                Lang::Zh => format!("{}按 {unit} 填写", names.fact(fact)),
                Lang::En => format!("{fact} given in {unit}"),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {}{}",
            say(
                "换算规定不同：按其他时间单位填写的数值由两个版本各按其换算规定读取，逐块比较了：",
                "the conversions differ: a figure given in another time base is read by each version's own conversions; compared piece by piece: "
            ),
            given.join(say("；", ", "))
        );
    }
    if !d.background.is_empty() {
        let held: Vec<String> = d.background.iter().map(|(fact, value)| names.held(fact, value)).collect();
        let _ = writeln!(
            out,
            "  {}{}",
            say("其他事实取使不受影响的规则都通过的值：", "other facts held where the unaffected rules pass: "),
            held.join(say("；", ", "))
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
            d.background_unmet.join(say("、", ", "))
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
                names.verdict(&r.verdicts.0),
                names.verdict(&r.verdicts.1),
                r.points
            ),
            Lang::En => {
                writeln!(out, "\n  {}. verdict {} → {} ({} case(s))", i + 1, r.verdicts.0, r.verdicts.1, r.points)
            }
        };
        if !r.conditions.is_empty() {
            let conditions: Vec<String> = r.conditions.iter().map(|c| condition_in(c, &names)).collect();
            let _ = writeln!(
                out,
                "     {}{}",
                say("条件：", "where "),
                conditions.join(say("；\n       且 ", ";\n       and "))
            );
        }
        if let Some(n) = &r.note {
            let _ = writeln!(out, "     {}{}", say("注：", "note: "), note(n, &names));
        }
        for (id, a, b) in &r.rules {
            let (a, b) = (names.outcome(a), names.outcome(b));
            let _ = writeln!(out, "     {} {}{}{a} → {b}", say("规则", "rule"), names.rule(id), say("：", ": "));
        }
        for (name, a, b) in &r.outputs {
            let (a, b) = names.output_values(a, b);
            let _ = writeln!(
                out,
                "     {} {}{}{a} → {b}{}",
                say("输出", "output"),
                names.output(name),
                say("：", ": "),
                say("（示例中）", " (in the example)")
            );
        }
        let _ = writeln!(out, "     {}", say("示例：", "example:"));
        for line in r.example.lines() {
            // The example is a fact file to run as it is: only its comment is said in the reader's language.
            match (lang, line.strip_prefix(crate::facts::UNKNOWN_COMMENT)) {
                (Lang::Zh, Some(names)) => writeln!(out, "       # 未填写（未知）：{names}"),
                _ => writeln!(out, "       {line}"),
            }
            .ok();
        }
    }
    out.push('\n');
    out
}

/// A policy that only one version has.
pub fn only_in_one(id: &str, added: bool, lang: Lang) -> String {
    let what = match added {
        true => pick(lang, "：新版本新增", ": added in the new version"),
        false => pick(lang, "：新版本删除", ": removed in the new version"),
    };
    format!("{} {id}{what}\n", pick(lang, "政策", "Policy"))
}

/// `--policy ID` that neither version has.
pub fn no_such_policy(only: &str, found: &[String], lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("两个版本中都没有政策 `{only}`（现有：{}）", found.join("、")),
        Lang::En => format!("no policy `{only}` in either version (found: {})", found.join(", ")),
    }
}

/// A stored case that cannot be read.
pub fn cannot_read(name: &str, error: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("无法读取 `{name}`：{error}"),
        Lang::En => format!("cannot read `{name}`: {error}"),
    }
}

/// A stored case's answer under one version: no such policy (`None`), its verdict, or the first line of
/// why its facts do not bind.
pub fn replayed(answer: Option<Result<Verdict, &str>>, lang: Lang) -> String {
    match answer {
        None => pick(lang, "（无此政策）", "(no such policy)").into(),
        Some(Ok(verdict)) => pick(lang, verdict_short(verdict, lang), verdict.as_str()).to_string(),
        Some(Err(why)) => format!("{}{why}{}", pick(lang, "（事实有误：", "(bad facts: "), pick(lang, "）", ")")),
    }
}

/// The heading of the stored-case replay.
pub fn stored_cases(dir: &str, replayed: usize, flips: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{dir} 中的存档案例：重放 {replayed} 个，结论改变 {flips} 个"),
        Lang::En => format!("Stored cases in {dir}: {replayed} replayed, {flips} flip(s)"),
    }
}

/// The last line: whether any policy or stored case differs.
pub fn result(different: bool, lang: Lang) -> &'static str {
    match (different, lang) {
        (true, Lang::Zh) => "结果：有差异",
        (false, Lang::Zh) => "结果：等价",
        (true, Lang::En) => "Result: DIFFERENT",
        (false, Lang::En) => "Result: equivalent",
    }
}

fn header(h: &HeaderChange, lang: Lang) -> String {
    let fact = pick(lang, "事实", "fact");
    match h {
        HeaderChange::Validity { old, new } => {
            let open = || pick(lang, "（不限）", "(open)").to_string();
            format!(
                "{} {} – {} {} {} – {}",
                pick(lang, "施行期间：", "in force:"),
                old.0,
                old.1.map_or_else(open, |d| d.to_string()),
                pick(lang, "改为", "becomes"),
                new.0,
                new.1.map_or_else(open, |d| d.to_string())
            )
        }
        HeaderChange::FactAdded(name) => format!("{} `{name}`", pick(lang, "新增事实", "new fact")),
        HeaderChange::FactRetyped(name) => format!("{fact} `{name}` {}", pick(lang, "类型改变", "changes type")),
        HeaderChange::FactRemoved(name) => format!("{fact} `{name}` {}", pick(lang, "被删除", "removed")),
        HeaderChange::Conversion { old, new } => {
            let law = |(text, citation): &(String, String)| match lang {
                Lang::Zh => format!("“{text}”（{citation}）"),
                Lang::En => format!("`{text}` ({citation})"),
            };
            match (old, new) {
                (Some(old), Some(new)) => {
                    format!(
                        "{}{} {} {}",
                        pick(lang, "换算规定 ", "conversion "),
                        law(old),
                        pick(lang, "改为", "becomes"),
                        law(new)
                    )
                }
                (None, Some(new)) => format!("{}{}", pick(lang, "新增换算规定 ", "new conversion "), law(new)),
                (Some(old), None) => format!("{}{}", pick(lang, "删除换算规定 ", "conversion removed: "), law(old)),
                (None, None) => String::new(),
            }
        }
    }
}

fn not_exhaustive(reason: &NotExhaustive, lang: Lang) -> String {
    match reason {
        NotExhaustive::Computed(rules) => rules
            .iter()
            .map(|(rule, lhs)| match lang {
                Lang::Zh => format!("规则 {rule}：`{lhs}` 按算出的值比较"),
                Lang::En => format!("rule {rule}: `{lhs}` is compared as a computed value"),
            })
            .collect::<Vec<_>>()
            .join(pick(lang, "；", "; ")),
        NotExhaustive::NoFinitePartition => pick(
            lang,
            "有事实无法有限划分（自由文字或很大的集合）",
            "a fact has no finite partition (free text or a large set)",
        )
        .into(),
        NotExhaustive::TooLarge { points } => match lang {
            Lang::Zh => format!("划分有 {points} 块，超过 {}", super::PRODUCT_CAP),
            Lang::En => format!("the partition has {points} pieces, more than {}", super::PRODUCT_CAP),
        },
    }
}

/// One condition of a region: `county ∈ {洞头区, 乐清市}`, `1660 元/月 ≤ monthly_wage < 1800 元/月`, a date.
/// `policy` is the new version, whose labels name the fact and its choices in Chinese.
pub fn condition(c: &Condition, policy: &Policy, lang: Lang) -> String {
    condition_in(c, &Names { policy, lang })
}

fn condition_in(c: &Condition, names: &Names<'_>) -> String {
    let lang = names.lang;
    match c {
        Condition::OneOf { fact, values } => {
            let shown = names.fact(fact);
            match values.as_slice() {
                [one] => format!("{shown} = {}", names.piece(fact, one)),
                many => {
                    let values: Vec<String> = many.iter().map(|v| names.piece(fact, v)).collect();
                    format!("{shown} ∈ {{{}}}", values.join(pick(lang, "、", ", ")))
                }
            }
        }
        Condition::Within { fact, runs } => {
            let fact = names.fact(fact);
            runs.iter()
                .map(|run| match run {
                    Run::Unknown => format!("{fact}{}", pick(lang, "未知", " unknown")),
                    Run::Equal(at) => format!("{fact} = {at}"),
                    Run::Between { lower, upper } => {
                        let sign = |included: bool| if included { "≤" } else { "<" };
                        let left = lower.as_ref().map(|(l, inc)| format!("{l} {} ", sign(*inc))).unwrap_or_default();
                        let right = upper.as_ref().map(|(h, inc)| format!(" {} {h}", sign(*inc))).unwrap_or_default();
                        format!("{left}{fact}{right}")
                    }
                })
                .collect::<Vec<_>>()
                .join(pick(lang, "，或 ", " or "))
        }
        Condition::AnyDateInForce => pick(lang, "在政策施行的任何日期", "on any date the policy is in force").into(),
        Condition::DatesFrom(first) => match lang {
            Lang::Zh => format!("评估日期为 {} 或以后", date_text(*first, lang)),
            Lang::En => format!("as of {first} or later"),
        },
        Condition::Dates(dates) => {
            let list: Vec<String> = dates.iter().map(|d| date_text(*d, lang)).collect();
            format!("{} {}", pick(lang, "评估日期为", "as of"), list.join(pick(lang, "、", ", ")))
        }
        Condition::GivenIn { fact, unit } => match lang {
            Lang::Zh => format!("{}按 {unit} 填写", names.fact(fact)),
            Lang::En => format!("{fact} given in {unit}"),
        },
    }
}

fn note(n: &Note, names: &Names<'_>) -> String {
    let lang = names.lang;
    let example = n.not_for_example.as_ref().map(|combination| {
        combination
            .iter()
            .map(|(fact, p)| format!("{} = {}", names.fact(fact), names.piece(fact, p)))
            .collect::<Vec<_>>()
            .join(pick(lang, "，", ", "))
    });
    match lang {
        Lang::Zh => format!(
            "这些取值的 {} 种组合中只有 {} 种{}",
            n.combinations,
            n.points,
            example.map_or(String::new(), |e| format!("（例如不含 {e}）"))
        ),
        Lang::En => format!(
            "only {} of the {} combinations of these values{}",
            n.points,
            n.combinations,
            example.map_or(String::new(), |e| format!(" (not, e.g., {e})"))
        ),
    }
}

/// Names in the reader's language: English keeps the rule file's names, Chinese reads titles and labels.
struct Names<'p> {
    policy: &'p Policy,
    lang: Lang,
}

impl Names<'_> {
    fn policy(&self, id: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{} [{id}]", localized(self.policy.title(), self.lang)),
            Lang::En => id.to_string(),
        }
    }

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

    /// A fact held fixed: `pieceworker = false`, in Chinese `计件工人：否`.
    fn held(&self, name: &str, value: &FactValue) -> String {
        let Some(f) = self.policy.fact_index(name) else { return format!("{name} = {value:?}") };
        let def = &self.policy.facts()[f as usize];
        match self.lang {
            Lang::Zh => format!(
                "{}：{}",
                localized(&def.label, self.lang),
                format_value(self.policy, def.ty, crate::eval::constant(value), self.lang, None)
            ),
            Lang::En => format!("{} = {}", def.name, value_text(self.policy, def, value)),
        }
    }

    /// An output's two values as the analysis recorded them (`16.998571428571428571428571429 元/小时`), as a
    /// reader reads numbers: to 4 decimal places, or as many more as it takes to tell the two apart, with 约
    /// where a value was rounded. Anything else is shown as recorded.
    fn output_values(&self, old: &str, new: &str) -> (String, String) {
        let parse = |text: &str| {
            let (number, unit) = text.split_once(' ').unwrap_or((text, ""));
            number.parse::<Decimal>().ok().map(|v| (v.normalize(), unit.to_string()))
        };
        let unknown = |text: &str| match text {
            "unknown" => pick(self.lang, "未知", "unknown").to_string(),
            other => other.to_string(),
        };
        let (Some((a, unit_a)), Some((b, unit_b))) = (parse(old), parse(new)) else {
            return (unknown(old), unknown(new));
        };
        let mut places = 4;
        while places < 28 && a.round_dp(places) == b.round_dp(places) && a != b {
            places += 1;
        }
        let show = |v: Decimal, unit: &str| {
            let shown = v.round_dp(places).normalize();
            let about = if shown == v { "" } else { pick(self.lang, "约", "about ") };
            if unit.is_empty() { format!("{about}{shown}") } else { format!("{about}{shown} {unit}") }
        };
        (show(a, &unit_a), show(b, &unit_b))
    }

    fn verdict(&self, text: &str) -> String {
        if text == super::REFUSED {
            return pick(self.lang, "不予读取（未规定此换算）", "refused (no such conversion declared)").into();
        }
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

    /// One piece of `fact`'s domain: a value as a fact file writes it (in Chinese yes/no as 是/否 and a
    /// choice by its label), a day around the evaluation date, or unknown.
    fn piece(&self, fact: &str, p: &PieceName) -> String {
        let lang = self.lang;
        match p {
            PieceName::Value(v) => {
                let def = self.policy.fact_index(fact).map(|f| &self.policy.facts()[f as usize]);
                match (v, lang, def) {
                    (FactValue::Bool(b), Lang::Zh, _) => if *b { "是" } else { "否" }.to_string(),
                    (FactValue::Bool(b), Lang::En, _) => b.to_string(),
                    (FactValue::Date(d), _, _) => date_text(*d, lang),
                    (FactValue::Enum(e), Lang::Zh, Some(def)) => match def.ty {
                        Type::Enum(id) => self
                            .policy
                            .enums()
                            .get(id as usize)
                            .and_then(|en| en.values.get(*e as usize))
                            .and_then(|v| v.label.as_ref().map(|l| l.zh.clone()))
                            .unwrap_or_else(|| value_text(self.policy, def, v)),
                        _ => value_text(self.policy, def, v),
                    },
                    (v, _, Some(def)) => value_text(self.policy, def, v),
                    (v, _, None) => format!("{v:?}"),
                }
            }
            PieceName::DayFromAsOf(-1) => pick(lang, "评估日期前一天", "the day before as_of").into(),
            PieceName::DayFromAsOf(0) => pick(lang, "评估日期当天", "as_of").into(),
            PieceName::DayFromAsOf(1) => pick(lang, "评估日期后一天", "the day after as_of").into(),
            PieceName::DayFromAsOf(days) => match lang {
                Lang::Zh => format!("评估日期{days:+}天"),
                Lang::En => format!("as_of {days:+} days"),
            },
            PieceName::Unknown => pick(lang, "未知", "unknown").into(),
        }
    }
}
