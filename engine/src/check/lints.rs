//! Checks that need the whole policy: facts never read, rules that can never apply, parameters with no
//! value on the day the policy starts, rules without a citation, and quotes that are not in the source.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Checker, SourceTexts};
use crate::diag::{Diagnostic, Span};
use crate::policy::*;
use crate::syntax::ast::{CmpOp, Item};

pub(crate) fn run(
    checker: &Checker<'_>,
    policy: Option<&Policy>,
    source_texts: &mut SourceTexts<'_>,
    out: &mut Vec<Diagnostic>,
) {
    // Only a policy that checked cleanly can say a fact is unused: a rule or value dropped for an error
    // (a cycle, a rule without `require`) may be the very place that reads it.
    let Some(policy) = policy else { return };
    super::targets::hedge_lint(policy, out);
    word_quote_mismatch(policy, out);
    let clean = !checker.diagnostics.iter().any(Diagnostic::is_error);
    for (fact, uses) in checker.facts.iter().zip(&checker.fact_uses) {
        if *uses == 0 && clean {
            out.push(
                Diagnostic::warning(
                    "C040",
                    fact.span,
                    format!("fact `{}` is declared but no rule, value or table uses it", fact.name),
                )
                .label("never used")
                .help("remove it, or write the rule that needs it")
                .zh(
                    format!("事实 `{}` 已声明，但没有规则、值或表用到它", fact.name),
                    "从未使用",
                    "删去它，或写出需要它的规则",
                ),
            );
        }
    }
    for rule in &policy.rules {
        if let Some(applies) = &rule.applies
            && never_true(applies)
        {
            out.push(
                Diagnostic::warning(
                    "C041",
                    rule.span,
                    format!("rule `{}` can never apply: its `when` condition contradicts itself", rule.id),
                )
                .label("always skipped")
                .help("check the comparisons in `when`; two bounds on one fact may exclude each other")
                .zh(
                    format!("规则 `{}` 永远不会适用：其 `when` 条件自相矛盾", rule.id),
                    "总被跳过",
                    "请检查 `when` 中的比较；同一事实的两个界限可能互相排斥",
                ),
            );
        }
        if rule.clause.is_none() {
            out.push(
                Diagnostic::warning("C017", rule.span, format!("rule `{}` cites no clause", rule.id))
                    .label("no citation")
                    .help("add `clause \"二（一）2\" quote \"…\"` so that a clerk can find the text it implements")
                    .zh(
                        format!("规则 `{}` 没有引用条款", rule.id),
                        "没有出处",
                        "请加 `clause \"二（一）2\" quote \"…\"`，方便办事员找到它所依据的原文",
                    ),
            );
        }
    }
    for param in &policy.params {
        if param.periods.first().is_some_and(|p| p.from > policy.valid_from) {
            out.push(
                Diagnostic::warning("C038", param.span, format!("`{}` has no value from {} until its first period", param.name, policy.valid_from))
                    .label("no value on the day the policy starts")
                    .help("evaluations in that gap will say that no value is in force; add the earlier value if the notice gives one")
                    .zh(
                        format!("`{}` 自 {} 起到其第一个期间之前没有取值", param.name, policy.valid_from),
                        "政策施行当天没有取值",
                        "在这段时间评估会说明没有有效值；如通知给出了更早的数值，请补上",
                    ),
            );
        }
    }
    check_quotes(checker, policy, source_texts, out);
}

/// Full-width punctuation and spaces vary between a gazette's print and its transcription: compare without them.
pub fn normalise_quote(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

fn check_quotes(checker: &Checker<'_>, policy: &Policy, source_texts: &mut SourceTexts<'_>, out: &mut Vec<Diagnostic>) {
    if !source_texts.verifying() {
        return;
    }
    let ast = checker.ast();
    // Point at the `file` line itself where there is one, not at the whole `source { … }` block.
    let source_span = ast.items.iter().find_map(|i| match i {
        Item::Source(fields, span) => Some(fields.iter().find(|f| f.key == "file").map_or(*span, |f| f.span)),
        _ => None,
    });
    let quotes: Vec<(String, Span)> = ast
        .items
        .iter()
        .flat_map(|item| match item {
            Item::Rule(rule) => {
                rule.clauses.iter().flat_map(|c| c.quotes.iter().map(|q| (q.node.clone(), q.span))).collect::<Vec<_>>()
            }
            Item::Fact(fact) => {
                fact.details.clauses.iter().flat_map(|c| c.quotes.iter().map(|q| (q.node.clone(), q.span))).collect()
            }
            Item::Derived(derived) | Item::Output(derived) => {
                derived.details.clauses.iter().flat_map(|c| c.quotes.iter().map(|q| (q.node.clone(), q.span))).collect()
            }
            Item::Table(table) => {
                table.rows.iter().flat_map(|r| r.quotes.iter().map(|q| (q.node.clone(), q.span))).collect()
            }
            Item::Administrative { clause: Some(c), .. } => c.quotes.iter().map(|q| (q.node.clone(), q.span)).collect(),
            _ => Vec::new(),
        })
        .collect();
    if quotes.is_empty() {
        return;
    }
    let Some(path) = &policy.source.file else {
        out.push(
            Diagnostic::warning("C052", source_span.unwrap_or(ast.id.span), "the rules quote a source, but the policy names no source file")
                .label("quotes cannot be verified")
                .help("add `file \"sources/….txt\"` to `source { … }` so that every quote is checked against the gazette text")
                .zh("规则引用了原文，但政策没有指明原文文件", "无法核对引文", "请在 `source { … }` 中加 `file \"sources/….txt\"`，以便逐条核对引文"),
        );
        return;
    };
    let at = source_span.unwrap_or(ast.id.span);
    let haystack = match source_texts.normalised(&policy.file, path) {
        None => return,
        Some(Ok(text)) => text,
        Some(Err(super::SourceProblem::Outside)) => {
            out.push(
                Diagnostic::error("C053", at, format!("the source file `{path}` is outside the rule file's folder"))
                    .label("not inside this folder")
                    .help("cite a gazette text kept beside the rules (e.g. `sources/….txt`): absolute paths, `..` and links leading out are refused, so that linting a rule file cannot be used to probe other files")
                    .zh(
                        format!("原文文件 `{path}` 不在规则文件所在的文件夹内"),
                        "不在本文件夹内",
                        "请引用放在规则旁的公报原文（如 `sources/….txt`）：绝对路径、`..` 和指向外部的链接一律拒绝，以免借 lint 探查其他文件",
                    ),
            );
            return;
        }
        Some(Err(super::SourceProblem::Read(
            problem @ (crate::limits::ReadProblem::TooLarge { .. }
            | crate::limits::ReadProblem::NotAFile
            | crate::limits::ReadProblem::NotText),
        ))) => {
            out.push(
                Diagnostic::error("C054", at, format!("the source file `{path}` cannot be used: {}", problem.en()))
                    .label("not a usable text")
                    .help("cite a plain UTF-8 text file of the gazette notice")
                    .zh(
                        format!("原文文件 `{path}` 不能使用：{}", problem.zh()),
                        "不是可用的文本",
                        "请引用公报通知的 UTF-8 纯文本文件",
                    ),
            );
            return;
        }
        Some(Err(super::SourceProblem::Read(_))) => {
            out.push(
                Diagnostic::error("C051", at, format!("the source file `{path}` cannot be read"))
                    .label("missing source text")
                    .help("the path is relative to the rule file; ship the gazette text beside the rules (e.g. rules/sources/)")
                    .zh(
                        format!("无法读取原文文件 `{path}`"),
                        "缺少原文",
                        "路径相对于规则文件；请把公报原文放在规则旁（如 rules/sources/）",
                    ),
            );
            return;
        }
    };
    let mut seen = BTreeMap::new();
    for (quote, span) in quotes {
        if seen.insert(quote.clone(), ()).is_some() {
            continue;
        }
        if !haystack.contains(&normalise_quote(&quote)) {
            out.push(
                Diagnostic::error("C050", span, format!("this quote does not occur in `{path}`"))
                    .label("not in the source text")
                    .help(
                        "copy the passage exactly from the gazette text; only punctuation width and spaces may differ",
                    )
                    .zh(
                        format!("这段引文不在 `{path}` 中"),
                        "原文中没有",
                        "请从公报原文逐字复制；只允许全半角标点和空格不同",
                    ),
            );
        }
    }
}

/// One side of an interval: the value and whether it is excluded.
type Bound = Option<(Decimal, bool)>;

/// A conservative contradiction finder for `when` conditions: it looks at the conjunction's comparisons
/// of one fact against constants and at enum memberships. It never claims a satisfiable condition is empty.
fn never_true(expr: &Expr) -> bool {
    let mut atoms = Vec::new();
    flatten_and(expr, &mut atoms);
    if atoms.iter().any(|a| matches!(a, Expr::Const(Constant::Bool(false)))) {
        return true;
    }
    let mut intervals: BTreeMap<(FactId, String), (Bound, Bound)> = BTreeMap::new();
    let mut enum_masks: BTreeMap<FactId, u64> = BTreeMap::new();
    let mut bools: BTreeMap<FactId, bool> = BTreeMap::new();
    for atom in atoms {
        match atom {
            Expr::Compare(c) => {
                let (Expr::Fact(f), Expr::Const(Constant::Num(q))) = (&c.lhs, &c.rhs) else { continue };
                let value = q.value;
                let entry = intervals.entry((*f, q.unit.to_string())).or_insert((None, None));
                match c.op {
                    CmpOp::Ge | CmpOp::Gt => tighten_low(&mut entry.0, value, c.op == CmpOp::Gt),
                    CmpOp::Le | CmpOp::Lt => tighten_high(&mut entry.1, value, c.op == CmpOp::Lt),
                    CmpOp::Eq => {
                        tighten_low(&mut entry.0, value, false);
                        tighten_high(&mut entry.1, value, false);
                    }
                    CmpOp::Ne => {}
                }
            }
            Expr::InEnum { value, mask, negated } => {
                let Expr::Fact(f) = value.as_ref() else { continue };
                let allowed = if *negated { !mask } else { *mask };
                *enum_masks.entry(*f).or_insert(u64::MAX) &= allowed;
            }
            Expr::Fact(f) if bools.insert(*f, true) == Some(false) => {
                return true;
            }
            Expr::Not(inner) => {
                if let Expr::Fact(f) = inner.as_ref()
                    && bools.insert(*f, false) == Some(true)
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    if enum_masks.values().any(|m| *m == 0) {
        return true;
    }
    // Bounds are grouped by unit as well as fact, so values are only compared within one unit.
    intervals.values().any(|(low, high)| match (low, high) {
        (Some((l, l_strict)), Some((h, h_strict))) => l > h || (l == h && (*l_strict || *h_strict)),
        _ => false,
    })
}

fn flatten_and<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::And(parts) => parts.iter().for_each(|p| flatten_and(p, out)),
        other => out.push(other),
    }
}

fn tighten_low(bound: &mut Bound, value: Decimal, strict: bool) {
    if bound.is_none_or(|(v, s)| value > v || (value == v && strict && !s)) {
        *bound = Some((value, strict));
    }
}

fn tighten_high(bound: &mut Bound, value: Decimal, strict: bool) {
    if bound.is_none_or(|(v, s)| value < v || (value == v && strict && !s)) {
        *bound = Some((value, strict));
    }
}

/// Comparison words looked for in a rule's quotes, longest first so that 不低于 is not read as 低于.
const QUOTE_WORDS: &[&str] = &[
    "大于或等于",
    "小于或等于",
    "不得低于",
    "不得超过",
    "大于等于",
    "小于等于",
    "不低于",
    "不少于",
    "不小于",
    "不超过",
    "不高于",
    "不多于",
    "不大于",
    "未达到",
    "以上",
    "以下",
    "以内",
    "超过",
    "高于",
    "大于",
    "多于",
    "低于",
    "小于",
    "少于",
    "不满",
    "不足",
];

/// A comparison annotated with one word (`>= 4.5%（以上）`) in a rule whose quote bounds the same number the
/// other way (「控制在4.5%以内」): the annotation agrees with the operator, so C025 is silent, yet both
/// contradict the notice. Only the words right beside the compared number count: in 「存栏3000头以上的养殖场…
/// 完成」 the 以上 qualifies the farms, not the target. Words borrowed from elsewhere (`word_source`) are skipped.
fn word_quote_mismatch(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for rule in &policy.rules {
        let quotes: Vec<&String> = rule.clause.iter().flat_map(|c| c.quotes.iter()).collect();
        rule.requires.walk(&mut |e| {
            if let Expr::Compare(c) = e
                && let (Some(word), None) = (&c.word, &c.word_source)
                && let Some(meant) = super::expr::statute_operator(word)
                && let Expr::Const(Constant::Num(q)) = &c.rhs
            {
                let number = q.value.normalize().to_string();
                let beside: Vec<&str> = quotes.iter().flat_map(|quote| words_beside(quote, &number)).collect();
                let operators: Vec<CmpOp> = beside.iter().filter_map(|w| super::expr::statute_operator(w)).collect();
                // The exact opposite is the complement of an exception the quote states (「容积率低于1.2的，报…」
                // encoded as `>= 1.2（不低于）` otherwise refer), not a contradiction.
                if !operators.is_empty() && !operators.contains(&meant) && !operators.contains(&meant.negate()) {
                    let said = beside.iter().map(|w| format!("“{w}”")).collect::<Vec<_>>().join("、");
                    out.push(
                        Diagnostic::warning(
                            "C068",
                            c.span,
                            format!("the comparison is annotated “{word}”, but the rule's quote says {said} of {number}, which bounds the other way"),
                        )
                        .label("word not in the quote")
                        .help("write the comparison and its word as the quote has them, e.g. `<= 4.5%（以内）` for 「控制在4.5%以内」")
                        .zh(
                            format!("比较标注的用语是“{word}”，但本规则引用的条文对 {number} 写的是{said}，界限方向不同"),
                            "用语与引文不符",
                            "请按引文写比较和用语，如「控制在4.5%以内」写作 `<= 4.5%（以内）`",
                        ),
                    );
                }
            }
            true
        });
    }
}

/// The comparison words within a few characters before or after each occurrence of `number` in `quote`
/// (「不低于8%」, 「4.5%以内」), the number standing alone (the 0 of 3000 is not 0).
fn words_beside(quote: &str, number: &str) -> Vec<&'static str> {
    let is_digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
    let mut found = Vec::new();
    for (at, _) in quote.match_indices(number) {
        let (before, after) = (&quote[..at], &quote[at + number.len()..]);
        if is_digit(before.chars().next_back()) || is_digit(after.chars().next()) {
            continue;
        }
        // Within the number's own phrase: 「增长8%，失业率不超过4.5%」 says nothing of 8 with 不超过.
        let phrase = |c: &char| !"，。；、,;：:".contains(*c);
        let near_before: String =
            before.chars().rev().take_while(phrase).take(5).collect::<Vec<_>>().into_iter().rev().collect();
        let near_after: String = after.chars().take_while(phrase).take(6).collect();
        found.extend(words_in(&near_before));
        found.extend(words_in(&near_after));
    }
    found
}

/// The comparison words of a text, left to right, each at its longest.
fn words_in(text: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match QUOTE_WORDS.iter().find(|w| rest.starts_with(**w)) {
            Some(w) => {
                found.push(*w);
                rest = &rest[w.len()..];
            }
            None => rest = &rest[c.len_utf8()..],
        }
    }
    found
}
