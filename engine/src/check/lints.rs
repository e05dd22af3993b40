//! Checks that need the whole policy: facts never read, rules that can never apply, parameters with no
//! value on the day the policy starts, rules without a citation, and quotes that are not in the source.

use std::collections::BTreeMap;

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
    hedged_targets(policy, out);
    unannotated_comparisons(policy, out);
    word_quote_mismatch(policy, out);
    row_figure_not_quoted(policy, out);
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
            && never_true(policy, applies)
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
    text.chars().filter_map(normalise_char).collect()
}

/// One character of `normalise_quote`: `None` for white space.
pub(crate) fn normalise_char(c: char) -> Option<char> {
    match c {
        c if c.is_whitespace() => None,
        '\u{FF01}'..='\u{FF5E}' => Some(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
        other => Some(other),
    }
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
        if haystack.normalised.contains(&normalise_quote(&quote)) {
            continue;
        }
        const COPY_EN: &str =
            "copy the passage exactly from the gazette text; only punctuation width and spaces may differ";
        const COPY_ZH: &str = "请从公报原文逐字复制；只允许全半角标点和空格不同";
        let (label, label_zh, help, help_zh) = match super::misquote::nearest(&haystack, &quote) {
            Some(near) => (
                super::misquote::changes_en(&near.changes),
                super::misquote::changes_zh(&near.changes),
                format!(
                    "the nearest passage, at {} of `{path}`, reads “{}”; {COPY_EN}",
                    super::misquote::lines_en(near.lines),
                    near.passage
                ),
                format!(
                    "最接近的原文在 `{path}` {}：“{}”。{COPY_ZH}",
                    super::misquote::lines_zh(near.lines),
                    near.passage
                ),
            ),
            None => (
                "not in the source text".to_string(),
                "原文中没有".to_string(),
                format!("no passage of the source comes close; {COPY_EN}"),
                format!("原文中没有相近的段落。{COPY_ZH}"),
            ),
        };
        out.push(
            Diagnostic::error("C050", span, format!("this quote does not occur in `{path}`"))
                .label(label)
                .help(help)
                .zh(format!("这段引文不在 `{path}` 中"), label_zh, help_zh),
        );
    }
}

/// Cases tried to show that a `when` can never hold; past this the lint stays silent.
const MAX_WHEN_CASES: usize = 10_000;

/// Whether a rule's `when` is false in every case. The facts it reads take one value per class of the
/// policy's partition: where every threshold of those facts is a constant, no two values of a class can
/// answer differently, so evaluating the condition once per combination of classes (on each date class when
/// it reads the evaluation date) is a proof. Where a threshold is computed from other facts, or the
/// combinations are too many, it claims nothing: it never calls a satisfiable condition empty.
fn never_true(policy: &Policy, applies: &Expr) -> bool {
    let partition = policy.partition();
    let facts = policy.facts_read(applies);
    let mut reads_as_of = false;
    policy.walk_deep(applies, &mut |e| reads_as_of |= matches!(e, Expr::AsOf));
    let constant = |e: &Expr| {
        let mut other = false;
        policy.walk_deep(e, &mut |n| other |= matches!(n, Expr::AsOf | Expr::Fact(_)));
        !other
    };
    let mut per_fact = Vec::new();
    for &fact in &facts {
        let computed = partition
            .targets
            .iter()
            .filter(|t| t.fact == fact)
            .any(|t| !constant(&t.other) || t.inverse.iter().any(|step| !constant(&step.by)));
        if computed || !partition.solvable(fact) {
            return false;
        }
        let Some(classes) = partition.constant_classes(fact, &[]) else { return false };
        per_fact.push(classes);
    }
    let dates: Vec<jiff::civil::Date> = if reads_as_of {
        crate::partition::date_classes(partition.dates.clone())
            .into_iter()
            .filter_map(|c| match c.value {
                crate::eval::FactValue::Date(d) => Some(d),
                _ => None,
            })
            .collect()
    } else {
        vec![policy.valid_from]
    };
    let cases = per_fact.iter().try_fold(dates.len(), |n, classes| n.checked_mul(classes.len()));
    if cases.is_none_or(|n| n > MAX_WHEN_CASES) {
        return false;
    }
    let mut index = vec![0usize; per_fact.len()];
    loop {
        let mut case = crate::eval::FactSet::empty(policy);
        for ((fact, classes), i) in facts.iter().zip(&per_fact).zip(&index) {
            case.set(*fact, classes.get(*i).map(|c| c.value.clone()));
        }
        for &as_of in &dates {
            if crate::eval::Env::new(policy, &case, as_of).eval(applies) != crate::eval::Value::Bool(false) {
                return false;
            }
        }
        // The next combination, odometer-wise; done when every position has wrapped.
        let mut position = 0;
        loop {
            let Some(i) = index.get_mut(position) else { return true };
            *i += 1;
            if *i < per_fact[position].len() {
                break;
            }
            *i = 0;
            position += 1;
        }
    }
}

/// The words by which a notice states a boundary; each decides whether the number itself is inside.
pub const STATUTORY_WORDS: [&str; 10] =
    ["以上", "以下", "以内", "不超过", "不满", "超过", "高于", "低于", "大于", "小于"];

/// The first of `words` that a rule's quoted clause contains.
fn quoted<'w>(rule: &RuleDef, words: &[&'w str]) -> Option<&'w str> {
    let quotes: Vec<&String> = rule.clause.iter().flat_map(|c| c.quotes.iter()).collect();
    words.iter().find(|w| quotes.iter().any(|q| q.contains(**w))).copied()
}

/// A hedged target (「力争到2025年…」) that fails the whole policy when missed reads the text more strictly
/// than it is written: the pack should let it warn, or say in a comment why not and silence nothing.
fn hedged_targets(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for rule in &policy.rules {
        if !matches!(rule.consequence, Consequence::Fail { .. }) {
            continue;
        }
        let Some(hedge) = quoted(rule, &super::targets::HEDGES) else { continue };
        out.push(
            Diagnostic::warning(
                "C061",
                rule.span,
                format!("rule `{}` quotes the hedge “{hedge}” but fails when missed", rule.id),
            )
            .label("a hedged target")
            .help(format!(
                "“{hedge}” marks a soft target: write `otherwise warn`, so that missing it is reported without failing"
            ))
            .zh(
                format!("规则 `{}` 引用的条文有“{hedge}”，但未达到时判为不符合", rule.id),
                "带有软性用语的目标",
                format!("“{hedge}”表示软性目标：请写 `otherwise warn`，未达到时提示而不判为不符合"),
            ),
        );
    }
}

/// A rule whose quote states a boundary in words (「10万元以下」) while its comparison carries no word: the
/// checker cannot verify that `<=` is what 以下 means (C025), and the report cannot cite the word.
fn unannotated_comparisons(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for rule in &policy.rules {
        let Some(word) = quoted(rule, &STATUTORY_WORDS) else { continue };
        for expr in rule.applies.iter().chain([&rule.requires]) {
            expr.walk(&mut |e| {
                if let Expr::Compare(c) = e
                    && c.word.is_none()
                    && matches!(c.op, CmpOp::Ge | CmpOp::Gt | CmpOp::Le | CmpOp::Lt)
                    && !is_date(policy, &c.lhs)
                    && !is_date(policy, &c.rhs)
                {
                    out.push(
                        Diagnostic::warning(
                            "C043",
                            c.span,
                            format!("the quoted clause says “{word}”, but this comparison names no word of the clause"),
                        )
                        .label("which boundary?")
                        .help(format!(
                            "write the clause's word after the figure, e.g. `… {} 10 万元（{word}）`, so that the checker verifies that `{}` is what “{word}” means and the report cites it",
                            statute_symbol(word),
                            statute_symbol(word)
                        ))
                        .zh(
                            format!("所引条文有“{word}”，但这个比较没有注明条文用语"),
                            "边界依据哪个用语？",
                            format!(
                                "请在数值后注明条文用语，如 `… {} 10 万元（{word}）`，以便核对 `{}` 与“{word}”是否一致，并在报告中引用",
                                statute_symbol(word),
                                statute_symbol(word)
                            ),
                        ),
                    );
                }
                true
            });
        }
    }
}

/// The operator a statutory word means, as written in a rule file.
fn statute_symbol(word: &str) -> &'static str {
    super::expr::statute_operator(word).map_or("<=", CmpOp::symbol)
}

/// Whether a side of a comparison is a date: dates are bounded by 以前/以后 and the due-date words, not by
/// the boundary words of amounts.
fn is_date(policy: &Policy, e: &Expr) -> bool {
    match e {
        Expr::AsOf | Expr::Const(Constant::Date(_)) => true,
        Expr::Fact(f) => policy.facts.get(*f as usize).is_some_and(|f| f.ty == Type::Date),
        Expr::Derived(d) => policy.derived.get(*d as usize).is_some_and(|d| d.ty == Type::Date),
        Expr::Param(p) => policy.params.get(*p as usize).is_some_and(|p| p.ty == Type::Date),
        _ => false,
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

/// A table row whose figure is not among the numbers of the passage it quotes (the row says 88.3%, its quote
/// 「泗洪县83.3%」): the quote is checked against the gazette, so the figure beside it must be too.
fn row_figure_not_quoted(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for table in &policy.tables {
        for (row, quotes) in table.rows.iter().zip(&table.row_quotes) {
            // A figure with a unit; a plain number (a tier's index) is the pack's own, not the text's.
            let Expr::Const(Constant::Num(q)) = row else { continue };
            if q.unit == crate::units::Unit::ONE {
                continue;
            }
            let numbers: Vec<String> = quotes.iter().flat_map(|quote| numbers_in(quote)).collect();
            let figure = q.value.normalize().to_string();
            if numbers.is_empty() || numbers.contains(&figure) {
                continue;
            }
            let said = numbers.join("、");
            out.push(
                Diagnostic::warning(
                    "C069",
                    table.span,
                    format!(
                        "a row of `{}` gives {figure}, but the passage it quotes (“{}”) has {said}",
                        table.name,
                        quotes.join("”“")
                    ),
                )
                .label("figure not in the row's quote")
                .help("copy the figure from the quote, or quote the passage the figure comes from")
                .zh(
                    format!(
                        "表 `{}` 的一行取值为 {figure}，但该行引用的条文（“{}”）写的是 {said}",
                        table.name,
                        quotes.join("”“")
                    ),
                    "取值不在该行引文中",
                    "请照引文抄写数值，或引用该数值所出自的条文",
                ),
            );
        }
    }
}

/// The numbers written in a text (「10万平方米以上」 gives 10, 「83.3%」 gives 83.3), normalised.
fn numbers_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !current.is_empty()) {
            current.push(c);
        } else if !current.is_empty() {
            if let Ok(n) = current.trim_end_matches('.').parse::<rust_decimal::Decimal>() {
                found.push(n.normalize().to_string());
            }
            current.clear();
        }
    }
    found
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
