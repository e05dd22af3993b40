//! The report as data: the verdict, each rule's outcome with its citation and the comparisons that
//! decided it (values, units, threshold, gap), the missing facts and the outputs. Explanations are read
//! off the same compiled rules the evaluator ran, never from a second copy of the logic.

pub mod data;
pub mod html;
pub mod materials;
pub mod model;
mod phrases;
mod possible;
pub mod render;
pub mod targets;

use crate::eval::{self, FactMask, FactSet, Inapplicable, Outcome, Undefined, Value, Verdict};
use crate::policy::*;
use crate::syntax::ast::{Bilingual, CmpOp};
pub use data::{Atom, Explained, explained};
use jiff::civil::Date;
pub use model::{
    AdministrativeLine, ConversionLine, ConversionRule, Detail, FactRef, Header, NotChecked, OutputLine,
    REPORT_VERSION, Report, RuleOutcome, RuleReport, Truth,
};
pub use phrases::Lang;
use phrases::SetTest;
pub use phrases::{date_text, format_value, pick, verdict_short, verdict_term};

/// Evaluates a case and explains it in words.
pub fn report(policy: &Policy, facts: &FactSet, as_of: Date, lang: Lang) -> Report {
    render_report(&explained(policy, facts, as_of), lang)
}

impl crate::Resolved<'_> {
    /// The explained report of a resolved fact file, its case block included.
    pub fn report(&self, lang: Lang) -> Report {
        let mut report = report(self.policy, &self.facts, self.as_of, lang);
        report.case = self.case.clone();
        report.conversions = conversion_lines(self.policy, &self.conversions, lang);
        report
    }
}

/// The values of a case converted by law, each in words, for the report's 按规定换算 section: every front end
/// (check, ask, the page, /v1/check) fills it from the same reader's `facts::conversions`.
pub fn conversion_lines(policy: &Policy, converted: &[crate::facts::Converted], lang: Lang) -> Vec<ConversionLine> {
    converted.iter().map(|c| conversion_line(policy, c, lang)).collect()
}

/// A value converted by law, in words: 小时工资：150 元/天，按“1 天 = 8 小时”（《…》第三条）折合 18.75 元/小时.
pub fn conversion_line(policy: &Policy, converted: &crate::facts::Converted, lang: Lang) -> ConversionLine {
    let label = policy
        .fact_index(&converted.fact)
        .and_then(|id| policy.facts().get(id as usize))
        .map_or_else(|| converted.fact.clone(), |f| localized(&f.label, lang).to_string());
    let laws: Vec<(String, String)> = converted
        .used
        .iter()
        .filter_map(|&i| policy.conversions().get(i))
        .map(|c| (c.text.clone(), c.citation.clone()))
        .collect();
    let (given, value) = (phrases::show_quantity(converted.given), phrases::show_quantity(converted.value));
    let approx = if converted.exact { "" } else { pick(lang, "约", "about ") };
    let text = match lang {
        Lang::Zh => {
            let by: Vec<String> = laws.iter().map(|(rule, law)| format!("“{rule}”（{law}）")).collect();
            format!("{label}：给出 {given}，按{}折合{approx} {value}", by.join("、"))
        }
        Lang::En => {
            let by: Vec<String> = laws.iter().map(|(rule, law)| format!("{rule} ({law})")).collect();
            format!("{label}: {given} given, converted by {} to {approx}{value}", by.join(" and "))
        }
    };
    ConversionLine {
        fact: converted.fact.clone(),
        given,
        value,
        exact: converted.exact,
        by: laws.into_iter().map(|(rule, citation)| ConversionRule { rule, citation }).collect(),
        text,
    }
}

/// Words for an explanation already collected as data.
pub fn render_report(data: &Explained<'_>, lang: Lang) -> Report {
    let (policy, as_of, evaluation) = (data.policy, data.as_of, &data.evaluation);
    let words = Words { policy, lang };
    let mut warnings = Vec::new();
    let mut rules = Vec::with_capacity(data.rules.len());
    for (explanation, result) in data.rules.iter().zip(&evaluation.rules) {
        let rule = explanation.rule;
        let target_status = explanation.target;
        let conditions: Vec<String> = data.atoms_of(&explanation.conditions).iter().map(|a| words.atom(a)).collect();
        // Each deciding test is put into words once: marked for the text report, unmarked in the sentence.
        let decisive = data.atoms_of(&explanation.details);
        let said: Vec<String> = decisive.iter().map(|a| words.atom(a)).collect();
        // A rule the exact refinement decided keeps only the tests that are known: an open comparison under
        // 「无论…如何填写，本条结果都相同」 would read as doubt about an outcome that is certain.
        let refined = result.outcome != Outcome::Unknown && !result.missing.is_empty();
        // An open comparison of such a rule is said against every value its open side can take instead.
        let said: Vec<(Value<'_>, String)> = decisive
            .iter()
            .zip(said)
            .map(|(a, text)| match refined && !a.holds.is_known() {
                true => possible::possible(data, data.facts, a, &result.missing)
                    .map(|p| (Value::Bool(p.holds()), words.possible(a, &p)))
                    .unwrap_or((a.holds, text)),
                false => (a.holds, text),
            })
            .collect();
        let details: Vec<Detail> = decisive
            .iter()
            .zip(&said)
            .filter(|(_, (holds, _))| !refined || holds.is_known())
            .map(|(a, (holds, text))| Detail { holds: truth(*holds), text: text.clone(), value_only: value_only(a) })
            .collect();
        let head = match result.outcome {
            // Not yet due, and its progress cannot be told without these figures.
            Outcome::Skipped if !explanation.standing_missing.is_empty() => {
                let labels = fact_labels(policy, explanation.standing_missing.iter(), lang);
                Some(format!(
                    "{}{}",
                    pick(lang, "判断进度缺少：", "Progress needs: "),
                    labels.join(pick(lang, "、", ", "))
                ))
            }
            Outcome::Unknown if !result.missing.is_empty() => {
                let labels = fact_labels(policy, result.missing.iter(), lang);
                Some(format!("{}{}", pick(lang, "缺少：", "Missing: "), labels.join(pick(lang, "、", ", "))))
            }
            Outcome::Unknown => Some(undefined_text(policy, result.undefined, as_of, lang)),
            // Decided by the exact refinement although these facts are not known: every value they could
            // take gives this outcome.
            _ if !result.missing.is_empty() => {
                let labels = fact_labels(policy, result.missing.iter(), lang);
                Some(match lang {
                    Lang::Zh => format!("无论{}如何填写，本条结果都相同", labels.join("、")),
                    Lang::En => format!("The same whatever {} turns out to be", labels.join(", ")),
                })
            }
            _ => None,
        };
        let consequence = match result.outcome {
            Outcome::Fail | Outcome::Refer | Outcome::Warn => consequence_text(rule, lang),
            _ => None,
        };
        // A rule that does not apply says why in one phrase: the pack's words, or the test that excluded it.
        // A target not yet due is not inapplicable: it says its standing and the figures so far instead.
        let inapplicable =
            (result.outcome == Outcome::Skipped && target_status.is_none()).then(|| match &rule.inapplicable {
                Some(text) => localized(text, lang).to_string(),
                None => said.iter().map(|(_, text)| text.as_str()).collect::<Vec<_>>().join(pick(lang, "；", "; ")),
            });
        let mut parts: Vec<String> = Vec::new();
        if let Some(head) = &head {
            parts.push(head.clone());
        }
        if !conditions.is_empty() {
            parts.push(format!(
                "{}{}",
                pick(lang, "适用情形：", "Applies because: "),
                conditions.join(pick(lang, "；", "; "))
            ));
        }
        // Unknown comparisons are already named by the missing facts.
        let decided: Vec<&str> =
            said.iter().filter(|(holds, _)| holds.is_known()).map(|(_, text)| text.as_str()).collect();
        match &inapplicable {
            Some(why) => parts.push(format!("{}{why}", pick(lang, "本条不适用：", "Does not apply: "))),
            None if !decided.is_empty() => parts.push(decided.join(pick(lang, "；", "; "))),
            None => {}
        }
        if let Some(c) = &consequence {
            parts.push(c.clone());
        }
        let mut explanation = parts.join(pick(lang, "。", ". "));
        // A target not yet due says where it stands before why it is not assessed.
        if let Some(status) = target_status.filter(|_| result.outcome == Outcome::Skipped) {
            explanation = match explanation.is_empty() {
                true => status.text(lang).to_string(),
                false => format!("{}{}{explanation}", status.text(lang), pick(lang, "：", ": ")),
            };
        }
        if result.outcome == Outcome::Warn {
            warnings.push(format!("{}: {}", rule.id, explanation));
        }
        let mut quotes: Vec<String> = rule.clause.as_ref().map(|c| c.quotes.clone()).unwrap_or_default();
        // A record held to its own row of a table (「甲市、乙市10万平方米以上」) quotes that row where it fell short.
        let short_rows = decisive.iter().filter(|a| a.holds == Value::Bool(false)).flat_map(|a| match a.expr {
            Expr::Compare(c) => c.rhs_quotes.iter(),
            _ => [].iter(),
        });
        for row_quote in short_rows
            .chain(row_quotes(data, &rule.requires))
            .chain(rule.applies.iter().flat_map(|a| row_quotes(data, a)))
        {
            if !quotes.contains(row_quote) {
                quotes.push(row_quote.clone());
            }
        }
        rules.push(RuleReport {
            id: rule.id.clone(),
            outcome: RuleOutcome::of(result.outcome, target_status),
            citation: rule.clause.as_ref().map(|c| c.reference.clone()).unwrap_or_default(),
            explanation,
            title: localized(&rule.title, lang).to_string(),
            target: rule
                .target
                .as_ref()
                .zip(target_status)
                .map(|(t, status)| targets::TargetReport { status, due: t.due.to_string() }),
            lead: targets::units_text(&rule.lead, lang),
            responsible: targets::units_text(&rule.responsible, lang),
            responsibility: targets::responsibility_line(rule, lang),
            head,
            conditions,
            details,
            consequence,
            inapplicable,
            quotes,
            readings: rule.readings.iter().map(|r| localized(r, lang).to_string()).collect(),
            missing: if result.outcome == Outcome::Unknown {
                result.missing.iter().map(|f| policy.facts[f as usize].name.clone()).collect()
            } else {
                Vec::new()
            },
            scope: rule.consequence == Consequence::NotApplicable,
        });
    }
    // Where the notice does not apply it concludes nothing: no route, no figure.
    let applies = evaluation.verdict != Verdict::NotApplicable;
    let mut outputs = serde_json::Map::new();
    let mut output_details = Vec::new();
    let mut quoted: Vec<&String> = Vec::new();
    for (&(id, value), reason) in data.outputs.iter().zip(&data.output_reasons) {
        let def = &policy.derived[id as usize];
        // In the declared unit when exact: a share declared in % is "69.37%" in JSON as in text.
        let in_unit = match (value, def.unit) {
            (Value::Num(q), Some(unit)) => q.convert_exact(unit).map_or(value, Value::Num),
            _ => value,
        };
        let json = if applies { json_value(policy, def.ty, in_unit) } else { serde_json::Value::Null };
        outputs.insert(def.name.clone(), json);
        let shown = if applies {
            format_value(policy, def.ty, value, lang, def.unit)
        } else {
            pick(lang, "不适用", "not applicable").to_string()
        };
        // A route (a choice or a yes/no) says what put the case on it; a figure is explained by its table row.
        let route = matches!(def.ty, Type::Enum(_) | Type::Bool);
        let mut because: Vec<String> = if applies && route {
            data.atoms_of(reason)
                .iter()
                .filter(|a| a.holds.is_known() && !reads_table(a.expr))
                .map(|a| words.atom(a))
                .collect()
        } else {
            Vec::new()
        };
        if applies && value.is_known() {
            for quote in row_quotes(data, &def.expr) {
                if !quoted.contains(&quote) {
                    quoted.push(quote);
                    because.push(format!("{}“{quote}”", pick(lang, "原文：", "Text: ")));
                }
            }
        }
        output_details.push(OutputLine {
            name: def.name.clone(),
            label: localized(&def.label, lang).to_string(),
            value: shown,
            reason: (!because.is_empty()).then(|| because.join(pick(lang, "；", "; "))),
        });
    }
    let reason = match evaluation.inapplicable {
        Some(Inapplicable::BeforeInForce) => Some(match lang {
            Lang::Zh => format!(
                "评估日期{}早于本通知施行日期{}。此前适用的规定不在本规则包内，请依当时有效的规定判断（本结果不表示当时没有相关规定）",
                phrases::date_text(as_of, lang),
                phrases::date_text(policy.valid_from, lang)
            ),
            Lang::En => format!(
                "the evaluation date {} is before the notice took effect on {}; the rules in force before it are not in this pack (this does not mean there were none)",
                phrases::date_text(as_of, lang),
                phrases::date_text(policy.valid_from, lang)
            ),
        }),
        Some(Inapplicable::AfterExpiry) => {
            let until = policy.valid_until.map(|d| phrases::date_text(d, lang)).unwrap_or_default();
            Some(match lang {
                Lang::Zh => format!("评估日期{}晚于本通知有效期截止日{until}", phrases::date_text(as_of, lang)),
                Lang::En => {
                    format!(
                        "the evaluation date {} is after the notice expired on {until}",
                        phrases::date_text(as_of, lang)
                    )
                }
            })
        }
        Some(Inapplicable::ScopeRule) => {
            let failed: Vec<String> = policy
                .rules
                .iter()
                .zip(&evaluation.rules)
                .filter(|(r, res)| r.consequence == Consequence::NotApplicable && res.outcome == Outcome::Fail)
                .map(|(r, _)| match &r.inapplicable {
                    Some(text) => localized(text, lang).to_string(),
                    None => format!(
                        "{}{}",
                        pick(lang, "不满足适用条件“", "the condition “"),
                        format_args!("{}{}", localized(&r.title, lang), pick(lang, "”", "” does not hold"))
                    ),
                })
                .collect();
            Some(failed.join(pick(lang, "；", "; ")))
        }
        None if evaluation.verdict == Verdict::Undetermined && evaluation.missing.is_empty() => Some(
            pick(
                lang,
                "有条件因参数或计算无法判定",
                "a condition could not be decided (no parameter value or an arithmetic limit)",
            )
            .to_string(),
        ),
        None => None,
    };
    let referred_to =
        policy.rules.iter().zip(&evaluation.rules).find_map(|(r, res)| match (&r.consequence, res.outcome) {
            (Consequence::Refer { to }, Outcome::Refer) => Some(localized(to, lang).to_string()),
            _ => None,
        });
    let conclusion = match policy.conclusion(evaluation.verdict.as_str()) {
        Some(text) => localized(text, lang).to_string(),
        None => phrases::verdict_term(evaluation.verdict, referred_to.as_deref(), lang),
    };
    Report {
        policy: policy.id.clone(),
        as_of: as_of.to_string(),
        verdict: evaluation.verdict,
        reason,
        rules,
        missing: evaluation.missing.iter().map(|f| policy.facts[f as usize].name.clone()).collect(),
        missing_approximate: evaluation.approximate,
        outputs,
        warnings,
        progress: targets::progress(&data.rules.iter().map(|r| (r.rule, r.target)).collect::<Vec<_>>(), lang),
        version: REPORT_VERSION,
        lang: pick(lang, "zh", "en").to_string(),
        header: header(policy, lang),
        case: None,
        as_of_text: phrases::date_text(as_of, lang),
        period: period_line(data, lang),
        conclusion,
        progress_missing: {
            let wanted = data.rules.iter().fold(FactMask::EMPTY, |acc, r| acc.union(r.standing_missing));
            wanted
                .iter()
                .filter(|f| !evaluation.missing.contains(*f))
                .map(|f| {
                    let fact = &policy.facts[f as usize];
                    FactRef { name: fact.name.clone(), label: localized(&fact.label, lang).to_string() }
                })
                .collect()
        },
        missing_facts: evaluation
            .missing
            .iter()
            .map(|f| {
                let fact = &policy.facts[f as usize];
                FactRef { name: fact.name.clone(), label: localized(&fact.label, lang).to_string() }
            })
            .collect(),
        output_details,
        // A reading of the results says nothing where the notice does not apply.
        readings: match evaluation.verdict {
            Verdict::NotApplicable => Vec::new(),
            _ => policy.wording.readings.iter().map(|r| localized(r, lang).to_string()).collect(),
        },
        not_checked: policy
            .wording
            .not_checked
            .iter()
            .map(|n| NotChecked { clause: n.clause.clone(), text: localized(&n.text, lang).to_string() })
            .collect(),
        administrative: policy
            .wording
            .administrative
            .iter()
            .map(|a| AdministrativeLine {
                label: localized(&a.label, lang).to_string(),
                value: localized(&a.value, lang).to_string(),
                clause: a.clause.as_ref().map(|c| c.reference.clone()),
            })
            .collect(),
        disclaimer: disclaimer(policy, lang).to_string(),
        conversions: Vec::new(),
    }
}

/// The quotes of the table rows that applied to the case, for the tables `expr` reads (through derived
/// values); a table row without quotes adds nothing.
fn row_quotes<'d>(data: &'d Explained<'_>, expr: &Expr) -> impl Iterator<Item = &'d String> {
    tables_read(data.policy, expr).into_iter().flat_map(move |t| {
        let table = &data.policy.tables[t as usize];
        data.table_rows
            .get(t as usize)
            .copied()
            .flatten()
            .and_then(|row| table.row_quotes.get(row as usize))
            .into_iter()
            .flatten()
    })
}

/// A test of a table's value (`region_tier = 1`): the table row's quote says it better.
fn reads_table(expr: &Expr) -> bool {
    matches!(expr, Expr::Compare(c) if matches!(c.lhs, Expr::Table(_)) || matches!(c.rhs, Expr::Table(_)))
}

/// The tables `expr` reads, through derived values, each once.
fn tables_read(policy: &Policy, expr: &Expr) -> Vec<TableId> {
    let mut out = Vec::new();
    policy.walk_deep(expr, &mut |e| {
        if let Expr::Table(t) = e
            && !out.contains(t)
        {
            out.push(*t);
        }
    });
    out
}

/// A text of the rule file in the reader's language; Chinese where no English was written.
/// A pack of targets checks a district's progress, not an application: it must not speak of a licence.
fn disclaimer(policy: &Policy, lang: Lang) -> &'static str {
    if targets::has_targets(policy) {
        return pick(
            lang,
            "本结果依据所填数据和本规则包生成，仅供核查目标进度参考，不代表正式考核结论。",
            "This result follows from the figures given and this rule pack; it is for checking progress only and is not an official assessment.",
        );
    }
    pick(
        lang,
        "本结果依据所填事实和本规则包生成，仅供自查参考，不作为行政许可决定。",
        "This result follows from the facts given and this rule pack; it is for self-assessment only and is not an administrative licensing decision.",
    )
}

/// 「数据截止日期：2023年9月30日」: the period fact by its label, or 未填写 when the case does not give it.
fn period_line(data: &Explained<'_>, lang: Lang) -> Option<String> {
    let (expr, value) = data.period.as_ref()?;
    let label = match expr {
        Expr::Fact(id) => data.policy.facts.get(*id as usize).map(|f| localized(&f.label, lang).to_string()),
        _ => None,
    }
    .unwrap_or_else(|| pick(lang, "数据截止日期", "Figures as of").to_string());
    let shown = match value {
        Value::Date(d) => phrases::date_text(*d, lang),
        _ => pick(lang, "未填写", "not given").to_string(),
    };
    Some(format!("{label}{}{shown}", pick(lang, "：", ": ")))
}

pub fn localized(text: &Bilingual, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &text.zh,
        Lang::En => text.en.as_deref().unwrap_or(&text.zh),
    }
}

fn fact_labels(policy: &Policy, facts: impl Iterator<Item = FactId>, lang: Lang) -> Vec<String> {
    facts.map(|f| localized(&policy.facts[f as usize].label, lang).to_string()).collect()
}

/// The notice a policy implements, as a report's header gives it.
pub fn header(policy: &Policy, lang: Lang) -> Header {
    let s = &policy.source;
    Header {
        title: localized(&policy.title, lang).to_string(),
        source_title: s.title.clone(),
        number: s.number.clone(),
        issuer: s.issuer.clone(),
        valid_from: policy.valid_from.to_string(),
        valid_until: policy.valid_until.map(|d| d.to_string()),
        validity: phrases::validity_text(policy.valid_from, policy.valid_until, lang),
    }
}

fn consequence_text(rule: &RuleDef, lang: Lang) -> Option<String> {
    match &rule.consequence {
        Consequence::Fail { remedy: Some(remedy) } => {
            Some(format!("{}{}", pick(lang, "整改要求：", "Remedy: "), localized(remedy, lang)))
        }
        Consequence::Refer { to } => Some(format!("{}{}", pick(lang, "报请", "Refer to: "), localized(to, lang))),
        Consequence::NotApplicable => Some(match &rule.inapplicable {
            Some(text) => localized(text, lang).to_string(),
            None => pick(lang, "不属于本通知适用范围", "Outside the notice's scope").to_string(),
        }),
        _ => None,
    }
}

fn undefined_text(policy: &Policy, undefined: Option<Undefined>, as_of: Date, lang: Lang) -> String {
    match undefined {
        Some(Undefined::NoValueInForce(p)) => {
            let param = &policy.params[p as usize];
            let name = param.label.as_ref().map_or(param.name.as_str(), |l| localized(l, lang));
            let date = phrases::date_text(as_of, lang);
            match lang {
                Lang::Zh => format!("{name}在{date}没有有效值，不作推算"),
                Lang::En => format!("{name} has no value in force on {date}; comply does not extrapolate"),
            }
        }
        _ => pick(lang, "数值超出精确计算范围或除数为零", "a number is out of exact range or divides by zero")
            .to_string(),
    }
}

/// An output's value as the JSON report and `batch` show it: quantities as exact strings with their unit.
pub fn json_value(policy: &Policy, ty: Type, value: Value<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match (value, ty) {
        (Value::Bool(b), _) => J::Bool(b),
        (Value::Num(q), _) => J::String(q.normalized().to_string()),
        (Value::Date(d), _) => J::String(d.to_string()),
        (Value::Text(t), _) => J::String(t.to_string()),
        (Value::Enum(e), Type::Enum(id)) => {
            J::String(policy.enum_def(id).values.get(e as usize).map(|v| v.name.clone()).unwrap_or_default())
        }
        (Value::Set(s), Type::Set(id)) => J::Array(
            policy
                .enum_def(id)
                .values
                .iter()
                .enumerate()
                .filter(|(i, _)| s & (1 << i) != 0)
                .map(|(_, v)| J::String(v.name.clone()))
                .collect(),
        ),
        _ => J::Null,
    }
}

fn truth(holds: Value<'_>) -> Truth {
    match holds {
        Value::Bool(true) => Truth::Holds,
        Value::Bool(false) => Truth::Fails,
        _ => Truth::Unknown,
    }
}

/// An atom said as “某事实：未知”: a yes/no value (not a comparison or a membership test) that is unknown.
fn value_only(atom: &Atom<'_>) -> bool {
    let tested = match atom.expr {
        Expr::Not(inner) => inner.as_ref(),
        other => other,
    };
    !atom.subject.is_known()
        && !matches!(
            tested,
            Expr::Compare(_)
                | Expr::InEnum { .. }
                | Expr::InText { .. }
                | Expr::HasAny { .. }
                | Expr::HasOnly { .. }
                | Expr::Has { .. }
        )
}

/// Says one atom in words, from the values it recorded.
struct Words<'p> {
    policy: &'p Policy,
    lang: Lang,
}

impl Words<'_> {
    fn name_of<'s>(&'s self, expr: &'s Expr, fallback: &'s str) -> &'s str {
        let policy = self.policy;
        match expr {
            Expr::Fact(f) => localized(&policy.facts[*f as usize].label, self.lang),
            Expr::Derived(d) => localized(&policy.derived[*d as usize].label, self.lang),
            Expr::Param(p) => {
                let param = &policy.params[*p as usize];
                param.label.as_ref().map_or(param.name.as_str(), |l| localized(l, self.lang))
            }
            Expr::Table(t) => {
                let table = &policy.tables[*t as usize];
                table.label.as_ref().map_or(table.name.as_str(), |l| localized(l, self.lang))
            }
            Expr::AsOf => pick(self.lang, "评估日期", "evaluation date"),
            _ => fallback,
        }
    }

    /// A comparison's left side as a reader names it: the fact or value by its label, a total or count by
    /// the words the checker gave it, anything else as the rule text wrote it.
    fn subject_of<'s>(&'s self, c: &'s Comparison) -> &'s str {
        let computed = c.lhs_label.as_ref().map_or(c.lhs_text.as_str(), |l| localized(l, self.lang));
        self.name_of(&c.lhs, computed)
    }

    fn type_of(&self, expr: &Expr) -> Type {
        let policy = self.policy;
        match expr {
            Expr::Fact(f) => policy.facts[*f as usize].ty,
            Expr::Derived(d) => policy.derived[*d as usize].ty,
            Expr::Param(p) => policy.params[*p as usize].ty,
            Expr::Table(t) => policy.tables[*t as usize].ty,
            // `as_of >= 2016-01-01` is a date comparison: without this it read as a choice, 「不是」 whatever the operator.
            Expr::AsOf | Expr::Const(Constant::Date(_)) => Type::Date,
            Expr::Const(Constant::Num(q)) => Type::Num(q.dimension()),
            _ => Type::Mixed,
        }
    }

    fn show(&self, value: Value<'_>, ty: Type, in_unit: Option<crate::units::Unit>) -> String {
        format_value(self.policy, ty, value, self.lang, in_unit)
    }

    fn atom(&self, atom: &Atom<'_>) -> String {
        let (lang, policy) = (self.lang, self.policy);
        let colon = pick(lang, "：", ": ");
        let comma = pick(lang, "，", ", ");
        match atom.expr {
            Expr::Compare(c) => {
                let subject = self.subject_of(c);
                // Enum constants take their type from the other side.
                let ty = match self.type_of(&c.lhs) {
                    Type::Mixed => self.type_of(&c.rhs),
                    t => t,
                };
                let (lhs_value, rhs_value) = (atom.subject, atom.other);
                let rhs_unit = match rhs_value {
                    Value::Num(q) => Some(q.unit),
                    _ => None,
                };
                // A computed share is shown in the threshold's unit (26.3% rather than 0.263).
                let lhs_unit = if matches!(c.lhs, Expr::Fact(_)) { None } else { rhs_unit };
                let mut lhs = self.show(lhs_value, ty, lhs_unit);
                if atom.pending > 0 {
                    lhs = match lang {
                        Lang::Zh => format!("已知 {lhs}（另有 {} 项尚未填报）", atom.pending),
                        Lang::En => format!("{lhs} known ({} not yet reported)", atom.pending),
                    };
                }
                let rhs = match &c.rhs {
                    Expr::Const(_) if c.rhs_label.is_some() => {
                        let label = c.rhs_label.as_ref().map_or("", |l| localized(l, lang));
                        format!("{label} {}", self.show(rhs_value, ty, None))
                    }
                    Expr::Const(_) => self.show(rhs_value, ty, None),
                    other => match self.name_of(other, "") {
                        "" => self.show(rhs_value, ty, None),
                        name => format!("{name} {}", self.show(rhs_value, ty, None)),
                    },
                };
                // A choice or a yes/no reads as “环评方式：承诺备案”, adding the expected value only when it differs.
                // A grade compared by its order (`grade >= 二级乙等`) reads like a number: 达到 / 未达到.
                let by_order = matches!(c.op, CmpOp::Ge | CmpOp::Gt | CmpOp::Le | CmpOp::Lt);
                if !matches!(ty, Type::Num(_) | Type::Date) && !by_order {
                    return match eval::compare(CmpOp::Eq, lhs_value, rhs_value) {
                        Value::Bool(true) => format!("{subject}{colon}{lhs}"),
                        Value::Bool(false) => format!("{subject}{colon}{lhs}{}{rhs}", pick(lang, "，不是 ", ", not ")),
                        _ => format!("{subject}{colon}{lhs}{}{rhs}", pick(lang, "，比较对象为 ", ", to compare with ")),
                    };
                }
                // A rule that excludes a class by the notice's word (`not (tax <= 10（以下）)`) says whether the
                // case falls in that class, in the notice's terms, rather than restating the negated bound.
                if let (Some(word), true, Value::Bool(holds)) = (&c.word, c.word_negated, atom.holds) {
                    let class = phrases::excluded_class(&rhs, word, !holds, lang);
                    return format!("{subject} {lhs}{comma}{class}");
                }
                let gap = match (atom.holds, lhs_value, rhs_value) {
                    // Records not yet known may still close part of the gap: it is not stated.
                    _ if atom.pending > 0 => String::new(),
                    // At the threshold itself the statutory word already says whether the number counts.
                    (Value::Bool(false), Value::Num(a), Value::Num(b))
                        if matches!(c.op, CmpOp::Ge | CmpOp::Gt | CmpOp::Le | CmpOp::Lt)
                            && !(c.word.is_some() && a.cmp_exact(&b) == Ok(std::cmp::Ordering::Equal)) =>
                    {
                        phrases::gap(a, b, c.op, lang)
                    }
                    _ => String::new(),
                };
                let word = c
                    .word
                    .as_ref()
                    .map(|w| phrases::statute_note(w, c.word_source.as_deref(), lang, matches!(ty, Type::Enum(_))))
                    .unwrap_or_default();
                let verb = if ty == Type::Date {
                    phrases::date_relation(c.op, atom.holds, lang)
                } else {
                    phrases::relation(c.op, atom.holds, lang)
                };
                format!("{subject} {lhs}{comma}{verb} {rhs}{gap}{word}")
            }
            Expr::Not(inner) => self.atom(&Atom { expr: inner, ..*atom }),
            Expr::InEnum { value, mask, negated } => {
                let ty = self.type_of(value);
                let subject = self.name_of(value, "");
                let listed = match ty {
                    Type::Enum(id) => phrases::enum_list(policy, id, *mask, lang),
                    _ => String::new(),
                };
                let inside = match atom.subject {
                    Value::Enum(e) => Some(mask & (1 << e) != 0),
                    _ => None,
                };
                let verb = phrases::membership(inside, *negated, lang);
                format!("{subject}{colon}{}{comma}{verb} {listed}", self.show(atom.subject, ty, None))
            }
            Expr::InText { value, texts, negated } => {
                let subject = self.name_of(value, "");
                let inside = match atom.subject {
                    Value::Text(t) => Some(texts.iter().any(|x| x == t)),
                    _ => None,
                };
                let verb = phrases::membership(inside, *negated, lang);
                let listed = texts.join(pick(lang, "、", ", "));
                format!("{subject}{colon}{}{comma}{verb} {listed}", self.show(atom.subject, Type::Text, None))
            }
            Expr::HasAny { set, mask, negated } | Expr::HasOnly { set, mask, negated } => {
                let ty = self.type_of(set);
                let subject = self.name_of(set, "");
                let listed = match ty {
                    Type::Set(id) => phrases::enum_list(policy, id, *mask, lang),
                    _ => String::new(),
                };
                let test = if matches!(atom.expr, Expr::HasOnly { .. }) { SetTest::Only } else { SetTest::Any };
                let verb = phrases::has(test, atom.holds, *negated, lang);
                let space = if verb.ends_with('：') { "" } else { " " };
                format!("{subject}{colon}{}{comma}{verb}{space}{listed}", self.show(atom.subject, ty, None))
            }
            Expr::Has { set, negated, .. } => {
                let ty = self.type_of(set);
                let subject = self.name_of(set, "");
                let item_ty = match ty {
                    Type::Set(id) => Type::Enum(id),
                    other => other,
                };
                let verb = phrases::has(SetTest::One, atom.holds, *negated, lang);
                let (shown, item) = (self.show(atom.subject, ty, None), self.show(atom.other, item_ty, None));
                format!("{subject}{colon}{shown}{comma}{verb} {item}")
            }
            other => {
                let ty = self.type_of(other);
                format!("{}{colon}{}", self.name_of(other, ""), self.show(atom.subject, ty, None))
            }
        }
    }
}
