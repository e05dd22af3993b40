//! The list of materials (申请材料清单) of a policy: the documents an applicant brings, read from the facts'
//! `evidence`, and when each is needed. A pack of targets has no applicant: its list is of the figures a
//! district reports and where each comes from (所需数据及来源清单). One document may prove several facts (the 亩均 evaluation gives the
//! grade, the rectification list and the tax per mu), so the list is by document, in the order the rule file
//! first names it.
//!
//! When a document is needed comes from the pack's `evidence … when "…"` if it wrote one; otherwise from the
//! rules that read the fact: a fact read by an output, by a rule without `when`, or by the `when` itself is
//! needed by every applicant; a fact read only by rules that apply in some cases is needed in those cases,
//! said in words from the rules' own conditions, so the list cannot drift from the rules.

use std::fmt::Write as _;

use serde::Serialize;

use super::html::{escape, page};
use super::phrases::{self, SetTest};
use super::render::source_line;
use super::{Header, Lang, Words, header, localized, pick};
use crate::eval::Value;
use crate::policy::{Constant, Expr, FactId, Policy, RuleDef, Type};

/// A policy's list of materials, in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Materials {
    pub policy: String,
    pub lang: String,
    pub header: Header,
    pub items: Vec<Material>,
    /// What the list does not cover: documents asked for at later steps are not facts of the pack.
    pub note: String,
    /// A pack of targets (rules with a due date): the list is of figures and their sources, not of an
    /// applicant's documents.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub targets: bool,
}

/// One document and when it is needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Material {
    pub document: String,
    /// The facts it proves, by label.
    pub proves: Vec<String>,
    /// The same facts by name, for tools.
    pub facts: Vec<String>,
    /// Needed by every applicant the notice applies to.
    pub always: bool,
    /// Otherwise, the cases that need it (any one of them).
    pub when: Vec<String>,
    /// The clauses the rules reading these facts cite.
    pub clauses: Vec<String>,
}

/// The materials of `policy`.
pub fn materials(policy: &Policy, lang: Lang) -> Materials {
    let mut items: Vec<Material> = Vec::new();
    for (id, fact) in policy.facts().iter().enumerate() {
        let Some(evidence) = &fact.evidence else { continue };
        let document = localized(evidence, lang).to_string();
        let need = match &fact.evidence_when {
            Some(text) => Need::When(vec![localized(text, lang).to_string()]),
            None => derived_need(policy, id as FactId, lang),
        };
        let clauses = clauses_of(policy, id as FactId);
        let label = localized(&fact.label, lang).to_string();
        let item = match items.iter_mut().position(|m| m.document == document) {
            Some(i) => &mut items[i],
            None => {
                items.push(Material {
                    document,
                    proves: Vec::new(),
                    facts: Vec::new(),
                    always: false,
                    when: Vec::new(),
                    clauses: Vec::new(),
                });
                let last = items.len() - 1;
                &mut items[last]
            }
        };
        item.proves.push(label);
        item.facts.push(fact.name.clone());
        match need {
            Need::Always => item.always = true,
            Need::When(cases) => {
                for case in cases {
                    if !item.when.contains(&case) {
                        item.when.push(case);
                    }
                }
            }
        }
        for clause in clauses {
            if !item.clauses.contains(&clause) {
                item.clauses.push(clause);
            }
        }
    }
    for item in &mut items {
        if item.always {
            item.when.clear();
        }
    }
    // What every applicant brings comes first; the order of the rule file is kept within each part.
    items.sort_by_key(|item| !item.always);
    let targets = super::targets::has_targets(policy);
    let note = match targets {
        true => pick(
            lang,
            "本清单只列出核查本规则包各项目标所需的数据及其来源；考核部门另行要求的材料，以其要求为准。",
            "This list covers only the figures the targets of this pack are checked against and where each comes from; any other material the assessing department asks for is as it requires.",
        ),
        false => pick(
            lang,
            "本清单只列出证明本规则包所核查事项的材料；办理过程中承办部门另行要求的材料，以其要求为准。",
            "This list covers only the documents proving what this pack checks; any other document the department in charge asks for during the procedure is as it requires.",
        ),
    };
    Materials {
        policy: policy.id().to_string(),
        lang: pick(lang, "zh", "en").to_string(),
        header: header(policy, lang),
        items,
        note: note.to_string(),
        targets,
    }
}

enum Need {
    Always,
    When(Vec<String>),
}

/// When the rules need `fact`: always if an output or an unconditional rule reads it, or a rule's `when`
/// does; otherwise in the cases where the rules reading it apply.
fn derived_need(policy: &Policy, fact: FactId, lang: Lang) -> Need {
    let reads = |e: &Expr| policy.facts_read(e).contains(&fact);
    if policy.outputs().iter().any(|&d| reads(&policy.derived()[d as usize].expr)) {
        return Need::Always;
    }
    let mut cases = Vec::new();
    for rule in policy.rules() {
        if !rule_reads(policy, rule, fact) {
            continue;
        }
        match condition_of(rule) {
            Some(when) if !reads(when) => {
                let case = condition(policy, when, lang);
                if !cases.contains(&case) {
                    cases.push(case);
                }
            }
            _ => return Need::Always,
        }
    }
    // A fact no rule reads is still asked for: it proves something the bureau looks at.
    if cases.is_empty() { Need::Always } else { Need::When(cases) }
}

/// The cases a rule applies in. A target's figures are needed before its due date too (its progress is
/// measured on them), so its own `when` decides, never the due-date gate.
fn condition_of(rule: &RuleDef) -> Option<&Expr> {
    match &rule.target {
        Some(target) => target.when.as_ref(),
        None => rule.applies.as_ref(),
    }
}

/// Whether the rule reads `fact`: in what it requires, the cases it applies in, or a target's on-track line.
fn rule_reads(policy: &Policy, rule: &RuleDef, fact: FactId) -> bool {
    let on_track = rule.target.as_ref().and_then(|t| t.on_track.as_ref());
    [Some(&rule.requires), condition_of(rule), on_track]
        .into_iter()
        .flatten()
        .any(|e| policy.facts_read(e).contains(&fact))
}

/// The clauses of `fact` and of the rules that read it, each once, in the rule file's order.
fn clauses_of(policy: &Policy, fact: FactId) -> Vec<String> {
    // The fact's own clauses first: a fact read only by an output (the EIA document) cites its clause itself.
    let mut out: Vec<String> = policy.facts()[fact as usize].clauses.clone();
    for rule in policy.rules() {
        if let (true, Some(c)) = (rule_reads(policy, rule, fact), &rule.clause)
            && !out.contains(&c.reference)
        {
            out.push(c.reference.clone());
        }
    }
    out
}

/// A rule's `when` in words, without a case: 「技改内容包含 加层」, 「存在违法建筑：是」.
fn condition(policy: &Policy, expr: &Expr, lang: Lang) -> String {
    let words = Words { policy, lang };
    let colon = pick(lang, "：", ": ");
    // Chinese runs the words together: 「技改内容包含加层」.
    let space = pick(lang, "", " ");
    let yes_no = |b: bool| pick(lang, if b { "是" } else { "否" }, if b { "yes" } else { "no" });
    match expr {
        Expr::And(parts) => {
            parts.iter().map(|p| condition(policy, p, lang)).collect::<Vec<_>>().join(pick(lang, "，且", ", and "))
        }
        Expr::Or(parts) => {
            parts.iter().map(|p| condition(policy, p, lang)).collect::<Vec<_>>().join(pick(lang, "，或", ", or "))
        }
        Expr::Fact(_) | Expr::Derived(_) => format!("{}{colon}{}", words.name_of(expr, ""), yes_no(true)),
        Expr::Not(inner) if matches!(**inner, Expr::Fact(_) | Expr::Derived(_)) => {
            format!("{}{colon}{}", words.name_of(inner, ""), yes_no(false))
        }
        Expr::Compare(c) => {
            let subject = words.subject_of(c);
            let ty = match words.type_of(&c.lhs) {
                Type::Mixed => words.type_of(&c.rhs),
                t => t,
            };
            match (&c.rhs, ty) {
                (Expr::Const(Constant::Bool(b)), _) if c.op == crate::syntax::ast::CmpOp::Eq => {
                    format!("{subject}{colon}{}", yes_no(*b))
                }
                (Expr::Const(Constant::Enum(e)), Type::Enum(_)) if c.op == crate::syntax::ast::CmpOp::Eq => {
                    format!("{subject}{colon}{}", words.show(Value::Enum(*e), ty, None))
                }
                (Expr::Const(Constant::Num(q)), _) => format!(
                    "{subject}{space}{}{space}{}",
                    phrases::relation(c.op, Value::Bool(true), lang),
                    phrases::show_quantity(*q)
                ),
                _ => pick(lang, "规则所列情形", "the cases its rule names").to_string(),
            }
        }
        Expr::Has { set, item, negated } => {
            let ty = words.type_of(set);
            let item = match (&**item, ty) {
                (Expr::Const(Constant::Enum(e)), Type::Set(id)) => words.show(Value::Enum(*e), Type::Enum(id), None),
                _ => String::new(),
            };
            let verb = phrases::has(SetTest::One, Value::Bool(true), *negated, lang);
            format!("{}{space}{verb}{space}{item}", words.name_of(set, ""))
        }
        Expr::HasAny { set, mask, negated } | Expr::HasOnly { set, mask, negated } => {
            let test = if matches!(expr, Expr::HasOnly { .. }) { SetTest::Only } else { SetTest::Any };
            let listed = match words.type_of(set) {
                Type::Set(id) => phrases::enum_list(policy, id, *mask, lang),
                _ => String::new(),
            };
            let verb = phrases::has(test, Value::Bool(true), *negated, lang);
            let after = if verb.ends_with('：') { "" } else { space };
            format!("{}{space}{verb}{after}{listed}", words.name_of(set, ""))
        }
        Expr::InEnum { value, mask, negated } => {
            let listed = match words.type_of(value) {
                Type::Enum(id) => phrases::enum_list(policy, id, *mask, lang),
                _ => String::new(),
            };
            let verb = phrases::membership(Some(!negated), *negated, lang);
            format!("{}{space}{verb}{space}{listed}", words.name_of(value, ""))
        }
        _ => pick(lang, "规则所列情形", "the cases its rule names").to_string(),
    }
}

/// The list as text for a terminal or a plain-text file.
pub fn text(list: &Materials, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", title(list, lang));
    let _ = writeln!(out, "{}{}", pick(lang, "依据：", "Source: "), source_line(&list.header, lang));
    out.push('\n');
    if list.items.is_empty() {
        let _ = writeln!(out, "{}", none(list, lang));
    }
    for (i, item) in list.items.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, item.document);
        let proves = match list.targets {
            true => pick(lang, "数据：", "Figures: "),
            false => pick(lang, "证明：", "Proves: "),
        };
        let _ = writeln!(out, "   {proves}{}", item.proves.join(pick(lang, "；", "; ")));
        let _ = writeln!(out, "   {}{}", pick(lang, "何时需要：", "Needed: "), needed(list, item, lang));
        if !item.clauses.is_empty() {
            let _ = writeln!(
                out,
                "   {}{}",
                pick(lang, "条款：", "Clauses: "),
                item.clauses.iter().map(|c| format!("〔{c}〕")).collect::<String>()
            );
        }
    }
    let _ = writeln!(out, "\n{}{}", pick(lang, "说明：", "Note: "), list.note);
    out
}

/// The list as JSON (`comply facts --format json`).
pub fn json(list: &Materials) -> String {
    serde_json::to_string_pretty(list).unwrap_or_default()
}

/// The list as a self-contained document to print and hand to the applicant.
pub fn document(list: &Materials, lang: Lang) -> String {
    let e = escape;
    let mut body = String::new();
    let _ = write!(body, "<article class=\"report\" id=\"materials\" lang=\"{}\">", pick(lang, "zh-CN", "en"));
    let _ = write!(body, "<h1>{}</h1>", e(&title(list, lang)));
    let _ = write!(
        body,
        "<p class=\"source\">{}{}</p>",
        pick(lang, "依据：", "Source: "),
        e(&source_line(&list.header, lang))
    );
    if list.items.is_empty() {
        let _ = write!(body, "<p>{}</p>", e(none(list, lang)));
    } else {
        let _ = write!(
            body,
            "<table class=\"materials\"><colgroup><col class=\"no\"><col class=\"document\"><col class=\"proves\"><col class=\"needed\"><col class=\"tick\"></colgroup><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            pick(lang, "序号", "No."),
            words(list, lang)[0],
            words(list, lang)[1],
            pick(lang, "何时需要", "Needed"),
            words(list, lang)[2],
        );
        for (i, item) in list.items.iter().enumerate() {
            let clauses: String =
                item.clauses.iter().map(|c| format!("<span class=\"clause\">〔{}〕</span>", e(c))).collect();
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}<br><span class=\"citation\">{}</span></td><td>{}</td><td>{}</td><td class=\"tick\">□</td></tr>",
                i + 1,
                e(&item.document),
                clauses,
                e(&item.proves.join(pick(lang, "；", "; "))),
                e(&needed(list, item, lang)),
            );
        }
        body.push_str("</tbody></table>");
    }
    let _ = write!(body, "<p class=\"disclaimer\">{}{}</p>", pick(lang, "说明：", "Note: "), e(&list.note));
    let (by, received) = match list.targets {
        true => (pick(lang, "填报单位：", "Reported by: "), pick(lang, "审核人、日期：", "Checked by, date: ")),
        false => (pick(lang, "申请人：", "Applicant: "), pick(lang, "收件人、日期：", "Received by, date: ")),
    };
    super::html::signature(&mut body, [by, received]);
    body.push_str("</article>");
    page(&title(list, lang), lang, MATERIALS_CSS, &body)
}

const MATERIALS_CSS: &str = r#"
.report table.materials { border-collapse: collapse; width: 100%; margin: 10px 0; table-layout: fixed; }
.report table.materials col.no { width: 2.6em; }
.report table.materials col.document { width: 30%; }
.report table.materials col.proves { width: 32%; }
.report table.materials col.tick { width: 4.2em; }
.report table.materials th { white-space: nowrap; }
.report table.materials .clause { white-space: nowrap; font-size: .85rem; }
.report table.materials th, .report table.materials td { border: 1px solid #6f777b; padding: 4px 6px; vertical-align: top; text-align: left; }
.report table.materials th { background: #f3f2f1; }
.report table.materials td.tick { text-align: center; }
.report table.materials tr { break-inside: avoid; }
"#;

fn title(list: &Materials, lang: Lang) -> String {
    match (lang, list.targets) {
        (Lang::Zh, false) => format!("{}申请材料清单", list.header.title),
        (Lang::En, false) => format!("Documents to bring: {}", list.header.title),
        (Lang::Zh, true) => format!("{}所需数据及来源清单", list.header.title),
        (Lang::En, true) => format!("Figures and their sources: {}", list.header.title),
    }
}

fn none(list: &Materials, lang: Lang) -> &'static str {
    match list.targets {
        true => pick(
            lang,
            "本规则包未列出任何数据的来源。",
            "This pack names no source for any figure (evidence in the rule file).",
        ),
        false => pick(
            lang,
            "本规则包未列出任何证明材料。",
            "This pack names no supporting document for any fact (evidence in the rule file).",
        ),
    }
}

/// The list's column words: a document that proves facts, or a source that gives figures.
fn words(list: &Materials, lang: Lang) -> [&'static str; 4] {
    match list.targets {
        true => [
            pick(lang, "数据来源", "Source"),
            pick(lang, "数据", "Figures"),
            pick(lang, "已提供", "Received"),
            pick(lang, "均需提供", "Always"),
        ],
        false => [
            pick(lang, "材料", "Document"),
            pick(lang, "证明事项", "Proves"),
            pick(lang, "已提交", "Received"),
            pick(lang, "均需提交", "Always"),
        ],
    }
}

fn needed(list: &Materials, item: &Material, lang: Lang) -> String {
    if item.always { words(list, lang)[3].to_string() } else { item.when.join(pick(lang, "；或 ", "; or ")) }
}
