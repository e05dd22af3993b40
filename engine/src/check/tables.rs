//! Lookup tables: resolve the key columns and row patterns, then prove that every combination of key
//! values reaches exactly one most-specific row, and compile the answer into a dense cell array.

use rust_decimal::Decimal;

use super::Checker;
use crate::diag::Diagnostic;
use crate::policy::*;
use crate::syntax::ast::{self, ExprKind, Pattern, SetItem};

/// Tables are proven complete by enumeration; past this many key combinations the proof is refused.
const MAX_CELLS: usize = 1 << 16;
/// Enough gap or overlap reports to show the problem without flooding the screen.
const MAX_REPORTS: usize = 3;

pub(crate) fn check_table(checker: &mut Checker<'_>, table: &ast::TableAst) -> Option<TableDef> {
    let mut keys = Vec::new();
    let mut key_types = Vec::new();
    // `by county` where `county` names an enum, not a fact: one row per record, read as `table[record]`.
    let per = match table.keys.as_slice() {
        [ast::Expr { kind: ExprKind::Name(id), .. }]
            if !checker.symbols.contains_key(&id.name) && checker.bound(&id.name).is_none() =>
        {
            checker.named_enums.get(&id.name).copied()
        }
        _ => None,
    };
    if let Some(e) = per {
        keys.push(Expr::Const(Constant::Enum(0)));
        key_types.push(Type::Enum(e));
    }
    for key in table.keys.iter().filter(|_| per.is_none()) {
        let (expr, ty) = checker.expr(key, None)?;
        if !matches!(ty, Type::Enum(_) | Type::Text | Type::Num(_)) {
            checker.error(
                Diagnostic::error(
                    "C020",
                    key.span,
                    format!("a table key must be a choice, a text or a number, found {}", checker.describe(ty)),
                )
                .label("cannot look up by this")
                .help("key a table by enum facts (e.g. county) or numbers")
                .zh(
                    format!("表的键必须是单选项、文字或数字，这里是{}", checker.describe_zh(ty)),
                    "不能按它查表",
                    "请用单选事实（如 county）或数字作为表的键",
                ),
            );
            return None;
        }
        if ty == Type::Text {
            checker.open_text_decides(key.span);
            return None;
        }
        keys.push(expr);
        key_types.push(ty);
    }
    let mut columns: Vec<Column> = key_types
        .iter()
        .map(|ty| match ty {
            Type::Enum(e) => Column::Enum { size: checker.enums[*e as usize].values.len() },
            Type::Text => Column::Text { literals: Vec::new() },
            _ => Column::Num { literals: Vec::new() },
        })
        .collect();
    // Open columns get one position per literal written in any row, plus one for "any other value".
    for row in &table.rows {
        for (pattern, column) in row.patterns.iter().zip(columns.iter_mut()) {
            for item in pattern_items(&pattern.node) {
                match (item, &mut *column) {
                    (SetItem::Text(t, _), Column::Text { literals }) if !literals.contains(t) => {
                        literals.push(t.clone())
                    }
                    (SetItem::Number(n, _), Column::Num { literals }) if !literals.contains(n) => literals.push(*n),
                    _ => {}
                }
            }
        }
    }

    let mut row_sets: Vec<Vec<Vec<bool>>> = Vec::new();
    let mut values = Vec::new();
    // A declared type (`table kind: county_kind by …`) lets the rows name values of that enum.
    let mut ty: Option<Type> = match &table.ty {
        Some(declared) => Some(checker.resolve_type(declared)?.0),
        None => None,
    };
    let mut ok = true;
    for row in &table.rows {
        if row.patterns.len() != keys.len() {
            checker.error(
                Diagnostic::error(
                    "C035",
                    row.span,
                    format!("this row has {} patterns but the table has {} keys", row.patterns.len(), keys.len()),
                )
                .label("wrong number of patterns")
                .help("write one pattern per key, separated by commas; `_` matches anything")
                .zh(
                    format!("这一行有 {} 个匹配项，但表有 {} 个键", row.patterns.len(), keys.len()),
                    "匹配项个数不对",
                    "每个键写一个匹配项，用逗号分隔；`_` 匹配任何值",
                ),
            );
            ok = false;
            continue;
        }
        let mut sets = Vec::new();
        for ((pattern, column), key_ty) in row.patterns.iter().zip(&columns).zip(&key_types) {
            match positions(checker, &pattern.node, column, *key_ty) {
                Some(set) => sets.push(set),
                None => ok = false,
            }
        }
        match checker.expr(&row.value, ty) {
            Some((expr, found)) => {
                match ty {
                    None => ty = Some(found),
                    Some(expected) if expected != found => {
                        checker.type_mismatch(row.value.span, expected, found);
                        ok = false;
                    }
                    Some(_) => {}
                }
                values.push(expr);
            }
            None => ok = false,
        }
        row_sets.push(sets);
    }
    if !ok {
        return None;
    }
    let ty = ty?;
    let widths: Vec<usize> = columns.iter().map(Column::width).collect();
    let total = widths.iter().try_fold(1usize, |acc, w| acc.checked_mul(*w)).filter(|t| *t <= MAX_CELLS);
    let Some(total) = total else {
        checker.error(
            Diagnostic::error("C036", table.id.span, "this table has too many key combinations to prove complete")
                .label("too large")
                .help("split it into smaller tables")
                .zh("这个表的键组合太多，无法逐一证明完整", "过大", "请拆成几个小表"),
        );
        return None;
    };

    let mut cells = vec![None; total];
    let mut gaps = Vec::new();
    let mut overlaps = Vec::new();
    let mut used = vec![false; row_sets.len()];
    for (cell, slot) in cells.iter_mut().enumerate() {
        let combo = decompose(cell, &widths);
        let matching: Vec<usize> =
            (0..row_sets.len()).filter(|&r| combo.iter().enumerate().all(|(c, &p)| row_sets[r][c][p])).collect();
        let narrower = |a: usize, b: usize| {
            (0..widths.len()).all(|c| (0..widths[c]).all(|p| !row_sets[a][c][p] || row_sets[b][c][p]))
        };
        let most_specific: Vec<usize> =
            matching.iter().copied().filter(|&a| matching.iter().all(|&b| a == b || narrower(a, b))).collect();
        match (matching.is_empty(), most_specific.as_slice()) {
            (true, _) => gaps.push(combo),
            (false, [one]) => {
                *slot = Some(*one as u16);
                used[*one] = true;
            }
            (false, _) => overlaps.push((combo, matching)),
        }
    }
    if !gaps.is_empty() {
        gap_error(checker, table, &columns, &key_types, &gaps, &widths);
    }
    for (combo, rows) in overlaps.iter().take(MAX_REPORTS) {
        let names = describe_combo(checker, &columns, &key_types, combo, false);
        let zh_names = describe_combo(checker, &columns, &key_types, combo, true);
        let first = rows.first().map_or(table.id.span, |r| table.rows[*r].span);
        let lines: Vec<String> =
            rows.iter().map(|r| format!("`{}`", checker.source_text(table.rows[*r].span))).collect();
        checker.error(
            Diagnostic::error(
                "C031",
                first,
                format!("table `{}` has {} rows for {names} and none is more specific", table.id.name, rows.len()),
            )
            .label("overlapping rows")
            .help(format!("the rows {} all match; make one of them narrower or remove one", lines.join(" and ")))
            .zh(
                format!("表 `{}` 有 {} 行都匹配 {zh_names}，且没有哪一行更具体", table.id.name, rows.len()),
                "行重叠",
                format!("{} 都匹配；请把其中一行写得更窄，或删去一行", lines.join("、")),
            ),
        );
    }
    if !gaps.is_empty() || !overlaps.is_empty() {
        return None;
    }
    for (row, used) in table.rows.iter().zip(&used) {
        if !used {
            checker.error(
                Diagnostic::warning(
                    "C037",
                    row.span,
                    "this row is never chosen: more specific rows cover all its cases",
                )
                .label("dead row")
                .help("remove it, or check whether another row is wider than intended")
                .zh(
                    "这一行永远不会被选中：更具体的行覆盖了它的所有情形",
                    "无用的行",
                    "删去它，或检查另一行是否写得过宽",
                ),
            );
        }
    }
    Some(TableDef {
        name: table.id.name.clone(),
        label: table.label.clone(),
        row_quotes: table.rows.iter().map(|r| r.quotes.iter().map(|q| q.node.clone()).collect()).collect(),
        keys,
        ty,
        rows: values,
        columns,
        cells,
        per,
        span: table.id.span,
    })
}

fn pattern_items(pattern: &Pattern) -> Vec<&SetItem> {
    match pattern {
        Pattern::Any => Vec::new(),
        Pattern::One(item) => vec![item],
        Pattern::Set(items) => items.iter().collect(),
    }
}

fn positions(checker: &mut Checker<'_>, pattern: &Pattern, column: &Column, key_ty: Type) -> Option<Vec<bool>> {
    let mut set = vec![matches!(pattern, Pattern::Any); column.width()];
    for item in pattern_items(pattern) {
        let position = match (item, column, key_ty) {
            (SetItem::Name(name), Column::Enum { .. }, Type::Enum(e)) => {
                match checker.enums[e as usize].index(&name.name) {
                    Some(i) => i as usize,
                    None => {
                        checker.unknown_name(name, Some(Type::Enum(e)));
                        return None;
                    }
                }
            }
            (SetItem::Text(text, _), Column::Enum { .. }, Type::Enum(e)) => {
                match checker.enums[e as usize].lookup(text) {
                    Some(i) => i as usize,
                    None => {
                        let name = ast::Ident { name: text.clone(), span: item.span() };
                        checker.unknown_name(&name, Some(Type::Enum(e)));
                        return None;
                    }
                }
            }
            (SetItem::Text(text, _), Column::Text { literals }, _) => literals.iter().position(|l| l == text)?,
            (SetItem::Number(n, _), Column::Num { literals }, _) => literals.iter().position(|l| l == n)?,
            (other, _, _) => {
                let expected = checker.describe(key_ty);
                checker.error(
                    Diagnostic::error(
                        "C020",
                        other.span(),
                        format!("this pattern does not fit its key, which is {expected}"),
                    )
                    .label("wrong kind of pattern")
                    .help("texts are written in quotes, enum values bare, numbers as digits; `_` matches anything")
                    .zh(
                        format!("这个匹配项与它的键不符，键是{}", checker.describe_zh(key_ty)),
                        "匹配项种类不对",
                        "文字加引号，单选取值不加引号，数字直接写；`_` 匹配任何值",
                    ),
                );
                return None;
            }
        };
        set[position] = true;
    }
    Some(set)
}

fn decompose(mut cell: usize, widths: &[usize]) -> Vec<usize> {
    let mut combo = vec![0; widths.len()];
    for (c, w) in widths.iter().enumerate().rev() {
        combo[c] = cell % w;
        cell /= w;
    }
    combo
}

/// Every gap of a table as one error, in words: the gap cells are grouped into as few blocks as a key left
/// open allows (「文成县」 with any subdistrict is one block), so one county missing is one sentence.
fn gap_error(
    checker: &mut Checker<'_>,
    table: &ast::TableAst,
    columns: &[Column],
    key_types: &[Type],
    gaps: &[Vec<usize>],
    widths: &[usize],
) {
    let blocks = gap_blocks(gaps, widths);
    let sentence = |zh: bool| {
        let mut parts: Vec<String> = blocks
            .iter()
            .take(MAX_REPORTS)
            .map(|block| {
                let fixed: Vec<String> = block
                    .iter()
                    .zip(columns.iter().zip(key_types))
                    .filter_map(|(p, (column, ty))| p.map(|p| describe_key(checker, column, *ty, p, zh)))
                    .collect();
                let what = match (fixed.as_slice(), zh) {
                    ([], true) => "任何情形".to_string(),
                    ([], false) => "every case".to_string(),
                    (_, true) => fixed.join("与"),
                    (_, false) => fixed.join(" with "),
                };
                match (&table.label, zh) {
                    (Some(label), true) => format!("{what}未列入任何{}", label.zh),
                    (None, true) => format!("{what}未列入表 `{}` 的任何一行", table.id.name),
                    (_, false) => format!("{what} fits no row of table `{}`", table.id.name),
                }
            })
            .collect();
        if blocks.len() > MAX_REPORTS {
            let more = blocks.len() - MAX_REPORTS;
            parts.push(if zh { format!("另有 {more} 处空缺") } else { format!("{more} more gap(s)") });
        }
        parts.join(if zh { "；" } else { "; " })
    };
    checker.error(
        Diagnostic::error("C030", table.id.span, sentence(false))
            .label("gap in the table")
            .help("add a row for it, or widen a row with `_` or a set `{a, b}`")
            .zh(sentence(true), "表中有空缺", "请为它加一行，或用 `_` 或集合 `{a, b}` 放宽某一行"),
    );
}

/// Gap cells grouped into blocks: each block fixes some keys (`Some(position)`) and leaves the others open
/// (`None`, every value a gap). Greedy, in cell order: a key is left open when every cell so widened is a gap.
fn gap_blocks(gaps: &[Vec<usize>], widths: &[usize]) -> Vec<Vec<Option<usize>>> {
    let is_gap: std::collections::BTreeSet<&[usize]> = gaps.iter().map(Vec::as_slice).collect();
    let cells = |block: &[Option<usize>]| -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new()];
        for (c, p) in block.iter().enumerate() {
            let choices: Vec<usize> = p.map_or_else(|| (0..widths[c]).collect(), |p| vec![p]);
            out = out
                .into_iter()
                .flat_map(|prefix| choices.iter().map(move |v| [prefix.clone(), vec![*v]].concat()))
                .collect();
        }
        out
    };
    let mut covered = std::collections::BTreeSet::new();
    let mut blocks = Vec::new();
    for gap in gaps {
        if covered.contains(gap) {
            continue;
        }
        let mut block: Vec<Option<usize>> = gap.iter().copied().map(Some).collect();
        for c in 0..block.len() {
            let fixed = block[c];
            block[c] = None;
            if !cells(&block).iter().all(|cell| is_gap.contains(cell.as_slice())) {
                block[c] = fixed;
            }
        }
        covered.extend(cells(&block));
        blocks.push(block);
    }
    blocks
}

/// One key value in words: an enum value by its label (Chinese) or name, a text in quotes, a number.
fn describe_key(checker: &Checker<'_>, column: &Column, ty: Type, p: usize, zh: bool) -> String {
    match (column, ty) {
        (Column::Enum { .. }, Type::Enum(e)) => checker.enums[e as usize].values.get(p).map_or_else(
            || "?".into(),
            |v| match (&v.label, zh) {
                (Some(label), true) => label.zh.clone(),
                (Some(label), false) => label.en.clone().unwrap_or_else(|| v.name.clone()),
                (None, _) => v.name.clone(),
            },
        ),
        (Column::Text { literals }, _) => literals
            .get(p)
            .map_or_else(|| (if zh { "其他任何文字" } else { "any other text" }).into(), |l| format!("“{l}”")),
        (Column::Num { literals }, _) => literals
            .get(p)
            .map_or_else(|| (if zh { "其他任何数字" } else { "any other number" }).into(), Decimal::to_string),
        _ => "?".into(),
    }
}

fn describe_combo(checker: &Checker<'_>, columns: &[Column], key_types: &[Type], combo: &[usize], zh: bool) -> String {
    let parts: Vec<String> = combo
        .iter()
        .zip(columns.iter().zip(key_types))
        .map(|(&p, (column, ty))| describe_key(checker, column, *ty, p, zh))
        .collect();
    format!("({})", parts.join(", "))
}
