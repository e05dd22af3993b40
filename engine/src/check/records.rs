//! Lists of records the notice names: one value per value of a named enum (`fact rate: % per county`, a
//! county's row of the table; `fact treated: bool per river`, one of the sixteen rivers the row lists). Each
//! record is an ordinary fact (`rate_鹿城区`, labelled 「回收利用率（鹿城区）」), so a fact file, a CSV row, the
//! exact evaluation and the planner see plain facts; rules read one record (`rate[鹿城区]`) or go over them
//! all, and the words of target tables over their rows (每个县, 全部, 5个以上县, 合计) are lowered here:
//!
//! - `all(c in county: P)`  → `P[鹿城区] and P[龙湾区] and …` (every record holds),
//! - `any(c in county: P)`  → `or` of the same (one record holds),
//! - `count(c in county: P)` → `Expr::Count`, which compares as an interval while records are unknown,
//! - `sum(c in county: X)`  → the total.
//!
//! `where F` keeps the records F holds for: decided here when F reads only the record's own key
//! (`where c != 洞头区`), otherwise kept as a condition of each record.

use super::Checker;
use super::expr::{Typed, negate};
use crate::diag::{Diagnostic, Span};
use crate::policy::*;
use crate::syntax::ast::{self, Bilingual, ExprKind, OverKind};
use crate::units::{Dimension, Quantity, Unit};

/// How many records the bodies of nested `all`/`any`/`count`/`sum` may visit in all (the product of the
/// lists' lengths): each visit is a copy of the body in the checked policy.
pub const MAX_RECORDS_VISITED: usize = 4096;

/// A list fact: its records are the facts `first..first + len`, in the enum's order.
#[derive(Debug, Clone)]
pub(crate) struct List {
    pub first: FactId,
    pub key: EnumId,
    pub label: Bilingual,
}

/// The record an `over` is visiting: `c` stands for this value of the enum.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub name: String,
    pub key: EnumId,
    pub value: u16,
}

impl Checker<'_> {
    pub(crate) fn declare_list(
        &mut self,
        fact: &ast::FactAst,
        per: &ast::Ident,
        ty: (Type, Option<Unit>, bool),
        label: &Bilingual,
    ) {
        let Some(&key) = self.named_enums.get(&per.name) else {
            self.error(not_a_named_enum(per, self.named_enums.keys()));
            self.poisoned.insert(fact.id.name.clone());
            return;
        };
        if self.symbols.contains_key(&fact.id.name) || self.lists.contains_key(&fact.id.name) {
            self.error(super::twice(&fact.id));
            return;
        }
        let first = self.facts.len() as FactId;
        let values = self.enums[key as usize].values.clone();
        let label_of_list = label.clone();
        for (index, value) in values.iter().enumerate() {
            let id = ast::Ident { name: format!("{}_{}", fact.id.name, value.name), span: fact.id.span };
            let (zh, en) = record_name(value);
            let label = Bilingual {
                zh: format!("{}（{zh}）", label.zh),
                en: label.en.as_ref().map(|l| format!("{l} ({en})")),
            };
            if !self.push_fact(fact, &id, ty, label) {
                self.poisoned.insert(fact.id.name.clone());
                return;
            }
            // The question names the record: 「回收利用率是多少？（鹿城区）」.
            if let Some(last) = self.facts.last_mut() {
                last.record = Some(RecordOf {
                    list: fact.id.name.clone(),
                    label: label_of_list.clone(),
                    key,
                    value: index as u16,
                });
                last.ask = fact.details.ask.as_ref().map(|ask| Bilingual {
                    zh: format!("{}（{zh}）", ask.zh),
                    en: ask.en.as_ref().map(|a| format!("{a} ({en})")),
                });
            }
        }
        self.lists.insert(fact.id.name.clone(), List { first, key, label: label.clone() });
    }

    /// `rate[鹿城区]`, or `rate[c]` for the record an `over` visits; of a list fact, or of a table with one row
    /// per record (`table target: % by county`), whose row is read here, once per record.
    pub(crate) fn record(&mut self, list: &ast::Ident, key: &ast::Ident) -> Typed {
        if let Some((super::Symbol::Table(t), _)) = self.symbols.get(&list.name).copied() {
            // A table whose own check failed was reported there.
            self.ensure_table(t)?;
            let Some(per) = self.tables.get(t as usize)?.as_ref()?.per else {
                self.error(keyed_by_a_fact(list));
                return None;
            };
            let value = self.record_value(list, key, per)?;
            let table = self.tables.get(t as usize)?.as_ref()?;
            let row = table.cells.get(value as usize).copied().flatten()?;
            return Some((table.rows.get(row as usize)?.clone(), table.ty));
        }
        let Some(found) = self.lists.get(&list.name).cloned() else {
            if self.series.contains_key(&list.name) {
                self.error(
                    Diagnostic::error("C073", key.span, format!("`{}` is a series of years; pick a year", list.name))
                        .label("not a year")
                        .help(format!("write a year: `{}[2025]`", list.name))
                        .zh(
                            format!("`{}` 是逐年序列，请写年份", list.name),
                            "不是年份",
                            format!("请写年份：`{}[2025]`", list.name),
                        ),
                );
            } else if self.symbols.contains_key(&list.name) {
                self.error(
                    Diagnostic::error("C073", list.span, format!("`{}` is one value, not a list", list.name))
                        .label("no records to pick from")
                        .help(format!(
                            "declare it as a list, e.g. `fact {}: … per county`, or drop `[{}]`",
                            list.name, key.name
                        ))
                        .zh(
                            format!("`{}` 是单个值，不是列表", list.name),
                            "没有可选的记录",
                            format!("请声明为列表，如 `fact {}: … per county`，或去掉 `[{}]`", list.name, key.name),
                        ),
                );
            } else {
                self.unknown_name(list, None);
            }
            return None;
        };
        let value = self.record_value(list, key, found.key)?;
        let id = found.first + value;
        self.fact_uses[id as usize] += 1;
        Some((Expr::Fact(id), self.facts[id as usize].ty))
    }

    /// Which record `key` names in `list`, keyed by the enum `per`: the record an `over` visits, or a value
    /// of the enum by its name, label or `aka`.
    fn record_value(&mut self, list: &ast::Ident, key: &ast::Ident, per: EnumId) -> Option<u16> {
        Some(match self.bindings.iter().rev().find(|b| b.name == key.name) {
            Some(b) if b.key == per => b.value,
            Some(b) => {
                let (theirs, ours) = (self.enum_name(b.key), self.enum_name(per));
                self.error(
                    Diagnostic::error(
                        "C073",
                        key.span,
                        format!("`{}` goes over `{theirs}`, but `{}` has one record per `{ours}`", key.name, list.name),
                    )
                    .label("another list's key")
                    .help(format!("go over `{ours}`: `all(x in {ours}: {}[x] …)`", list.name))
                    .zh(
                        format!("`{}` 遍历的是 `{theirs}`，而 `{}` 按 `{ours}` 逐条记录", key.name, list.name),
                        "键不属于这个列表",
                        format!("请遍历 `{ours}`：`all(x in {ours}: {}[x] …)`", list.name),
                    ),
                );
                return None;
            }
            None => match self.enums[per as usize].lookup(&key.name) {
                Some(value) => value,
                None => {
                    let names: Vec<String> = self.enums[per as usize].values.iter().map(|v| v.name.clone()).collect();
                    let suggestion = super::expr::did_you_mean(&key.name, &names);
                    let ours = self.enum_name(per);
                    let (help, zh_help) = match suggestion {
                        Some(s) => (format!("did you mean `{s}`?"), format!("是否指 `{s}`？")),
                        None => {
                            (format!("the records are: {}", names.join(", ")), format!("记录有：{}", names.join("、")))
                        }
                    };
                    self.error(
                        Diagnostic::error(
                            "C073",
                            key.span,
                            format!("`{}` has no record `{}` (one record per `{ours}`)", list.name, key.name),
                        )
                        .label("no such record")
                        .help(help)
                        .zh(
                            format!("`{}` 没有 `{}` 这条记录（按 `{ours}` 逐条）", list.name, key.name),
                            "没有这条记录",
                            zh_help,
                        ),
                    );
                    return None;
                }
            },
        })
    }

    /// A table with one row per record, by name (after checking it).
    fn record_table(&mut self, name: &str) -> Option<TableId> {
        match self.symbols.get(name).map(|(s, _)| *s) {
            Some(super::Symbol::Table(t)) => {
                self.ensure_table(t)?;
                self.tables.get(t as usize)?.as_ref()?.per.map(|_| t)
            }
            _ => None,
        }
    }

    /// A list named where one value is expected.
    pub(crate) fn bare_list(&mut self, name: &ast::Ident) {
        self.error(
            Diagnostic::error("C073", name.span, format!("`{}` is a list of records, not one value", name.name))
                .label("which record?")
                .help(format!(
                    "write one record `{0}[…]`, or go over them: `all(c in KEY: {0}[c] …)`, `any(…)`, `count(…)`, `sum(…)`",
                    name.name
                ))
                .zh(
                    format!("`{}` 是逐条记录的列表，不是一个值", name.name),
                    "哪一条？",
                    format!(
                        "请写某一条 `{0}[…]`，或逐条：`all(c in 键: {0}[c] …)`（每一条）、`any(…)`（至少一条）、`count(…)`（条数）、`sum(…)`（合计）",
                        name.name
                    ),
                ),
        );
    }

    /// The value a bound name stands for inside an `over`.
    pub(crate) fn bound(&self, name: &str) -> Option<(Expr, Type)> {
        let b = self.bindings.iter().rev().find(|b| b.name == name)?;
        Some((Expr::Const(Constant::Enum(b.value)), Type::Enum(b.key)))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn over(
        &mut self,
        kind: OverKind,
        var: &ast::Ident,
        domain: &ast::Ident,
        filter: Option<&ast::Expr>,
        body: &ast::Expr,
        span: Span,
    ) -> Typed {
        let Some(&key) = self.named_enums.get(&domain.name) else {
            self.error(not_a_named_enum(domain, self.named_enums.keys()));
            return None;
        };
        if self.symbols.contains_key(&var.name) || self.bindings.iter().any(|b| b.name == var.name) {
            self.error(
                Diagnostic::error("C073", var.span, format!("`{}` already names something in this policy", var.name))
                    .label("taken")
                    .help("name the record being visited with a short new name, e.g. `c`")
                    .zh(
                        format!("`{}` 在本政策中已有所指", var.name),
                        "名称已被占用",
                        "请给逐条访问的记录起一个新的短名，如 `c`",
                    ),
            );
            return None;
        }
        let size = self.enums[key as usize].values.len();
        let visited = self.records_visited.saturating_mul(size.max(1));
        if visited > MAX_RECORDS_VISITED {
            self.error(
                Diagnostic::error(
                    "C074",
                    span,
                    format!("these nested lists visit {visited} records; at most {MAX_RECORDS_VISITED} are allowed"),
                )
                .label("too many records")
                .help("name the inner result with `let` per record, or split the rule")
                .zh(
                    format!("这些嵌套的列表共要逐条访问 {visited} 条记录，最多允许 {MAX_RECORDS_VISITED} 条"),
                    "记录过多",
                    "请把内层结果按记录写成 `let`，或拆分规则",
                ),
            );
            return None;
        }
        let outer = std::mem::replace(&mut self.records_visited, visited);
        let parts = self.visit_records(kind, var, key, filter, body);
        self.records_visited = outer;
        let parts = parts?;
        let lowered = match kind {
            OverKind::All => (Expr::And(parts.into_iter().map(|(_, p)| p).collect()), Type::Bool),
            OverKind::Any => (Expr::Or(parts.into_iter().map(|(_, p)| p).collect()), Type::Bool),
            OverKind::Count => (
                Expr::Count { parts: parts.into_iter().map(|(_, p)| p).collect(), unit: Unit::ONE },
                Type::Num(Dimension::NONE),
            ),
            OverKind::Sum => {
                let ty = parts.first().map_or(Type::Num(Dimension::NONE), |(ty, _)| *ty);
                if parts.is_empty() {
                    self.error(no_record_left(span));
                    return None;
                }
                (Expr::Sum(parts.into_iter().map(|(_, p)| p).collect()), ty)
            }
        };
        Some(lowered)
    }

    /// The body once per record the filter keeps, with the record's condition folded in as `kind` needs it:
    /// `all` holds for a record the filter leaves out, `any` and `count` do not count it, `sum` adds 0.
    fn visit_records(
        &mut self,
        kind: OverKind,
        var: &ast::Ident,
        key: EnumId,
        filter: Option<&ast::Expr>,
        body: &ast::Expr,
    ) -> Option<Vec<(Type, Expr)>> {
        let errors = |c: &Self| c.diagnostics.iter().filter(|d| d.is_error()).count();
        let before = errors(self);
        // The body is the same text for every record: what the checker says about it (a warning too) is said
        // once, for the first record.
        let mut said: Option<usize> = None;
        let size = self.enums[key as usize].values.len() as u16;
        let mut parts = Vec::with_capacity(size as usize);
        let mut sum_type: Option<Type> = None;
        for value in 0..size {
            self.bindings.push(Binding { name: var.name.clone(), key, value });
            let kept = filter.map(|f| self.boolean(f));
            let typed = match kind {
                OverKind::Sum => self.expr(body, sum_type),
                _ => self.boolean(body).map(|b| (b, Type::Bool)),
            };
            self.bindings.pop();
            match said {
                None => said = Some(self.diagnostics.len()),
                Some(first) => {
                    let later = self.diagnostics.split_off(first.min(self.diagnostics.len()));
                    self.diagnostics.extend(later.into_iter().filter(|d| d.is_error()));
                }
            }
            if errors(self) > before {
                return None;
            }
            let kept = match kept {
                Some(checked) => Some(checked?),
                None => None,
            };
            let (part, ty) = typed?;
            if kind == OverKind::Sum {
                match (sum_type, ty) {
                    (None, Type::Num(_)) => sum_type = Some(ty),
                    (Some(first), ty) if first == ty => {}
                    (expected, found) => {
                        self.type_mismatch(body.span, expected.unwrap_or(Type::Num(Dimension::NONE)), found);
                        return None;
                    }
                }
            }
            let kept = match kept.as_ref().map(static_truth) {
                Some(Some(false)) => continue,
                Some(Some(true)) | None => None,
                Some(None) => kept,
            };
            let part = match (kind, kept) {
                (_, None) => part,
                (OverKind::All, Some(f)) => Expr::Or(vec![negate(f), part]),
                (OverKind::Any | OverKind::Count, Some(f)) => Expr::And(vec![f, part]),
                (OverKind::Sum, Some(f)) => {
                    let unit = match &part {
                        Expr::Fact(id) => self.facts[*id as usize].unit.unwrap_or(Unit::ONE),
                        _ => Unit::ONE,
                    };
                    let zero = Expr::Const(Constant::Num(Quantity::new(rust_decimal::Decimal::ZERO, unit)));
                    Expr::If { condition: Box::new(f), then: Box::new(part), otherwise: Box::new(zero) }
                }
            };
            parts.push((ty, part));
        }
        Some(parts)
    }

    /// How a report names a count or total over a list: 「创成创新型城市（计数）」, 「新增面积（合计）」, from the list
    /// the body reads, never the rule text `count(c in county: …)`.
    pub(crate) fn over_text(&self, e: &ast::Expr) -> Option<Bilingual> {
        let ExprKind::Over { kind, body, .. } = &e.kind else { return None };
        let (zh, en) = match kind {
            OverKind::Count => ("计数", "count"),
            OverKind::Sum => ("合计", "total"),
            _ => return None,
        };
        let mut list = None;
        find_record(body, &mut |name| {
            if list.is_none() {
                list = self.lists.get(name).map(|l| l.label.clone());
            }
        });
        let list = list?;
        Some(Bilingual { zh: format!("{}（{zh}）", list.zh), en: list.en.map(|l| format!("{l} ({en})")) })
    }

    /// How a report names a record's row of a table: 「本县目标（泗洪县）」 (the table's label, else its name),
    /// and the row's quotes.
    pub(crate) fn record_table_text(&mut self, e: &ast::Expr) -> Option<(Bilingual, Vec<String>)> {
        let ExprKind::Record { list, key } = &e.kind else { return None };
        let t = self.record_table(&list.name)?;
        let table = self.tables.get(t as usize)?.as_ref()?;
        let per = table.per?;
        let label = table.label.clone().unwrap_or_else(|| Bilingual { zh: table.name.clone(), en: None });
        let (cells, row_quotes) = (table.cells.clone(), table.row_quotes.clone());
        // The side was read already, so the record is known and nothing is reported twice.
        let value = self.record_value(list, key, per)?;
        let quotes = cells.get(value as usize).copied().flatten().and_then(|row| row_quotes.get(row as usize));
        let quotes = quotes.cloned().unwrap_or_default();
        let (zh, en) = record_name(self.enums.get(per as usize)?.values.get(value as usize)?);
        Some((Bilingual { zh: format!("{}（{zh}）", label.zh), en: label.en.map(|l| format!("{l} ({en})")) }, quotes))
    }

    /// A comparison's left side as the report names it inside an `over`: `rate[c]` of the record visited
    /// reads `rate[鹿城区]`.
    pub(crate) fn bound_text(&self, text: String) -> String {
        self.bindings.iter().fold(text, |text, b| {
            let value = self.enums.get(b.key as usize).and_then(|e| e.values.get(b.value as usize));
            match value {
                Some(v) => text.replace(&format!("[{}]", b.name), &format!("[{}]", record_name(v).0)),
                None => text,
            }
        })
    }

    fn enum_name(&self, id: EnumId) -> String {
        self.enums.get(id as usize).and_then(|e| e.name.clone()).unwrap_or_default()
    }
}

/// A record's name in a label: the value's Chinese label, else its name; the English label, else the name.
fn record_name(value: &EnumValue) -> (String, String) {
    let zh = value.label.as_ref().map_or(value.name.clone(), |l| l.zh.clone());
    let en = value.label.as_ref().and_then(|l| l.en.clone()).unwrap_or_else(|| value.name.clone());
    (zh, en)
}

/// Calls `found` with the name of every list read as `NAME[…]` in `e`.
fn find_record(e: &ast::Expr, found: &mut dyn FnMut(&str)) {
    match &e.kind {
        ExprKind::Record { list, .. } => found(&list.name),
        ExprKind::Compare { lhs, rhs, .. } | ExprKind::Arith { lhs, rhs, .. } => {
            find_record(lhs, found);
            find_record(rhs, found);
        }
        ExprKind::And(items) | ExprKind::Or(items) => items.iter().for_each(|i| find_record(i, found)),
        ExprKind::Not(inner) | ExprKind::Neg(inner) => find_record(inner, found),
        _ => {}
    }
}

/// Whether a record's filter is settled by the record's key alone (`c != 洞头区`, `c in {…}`): the checker
/// then keeps or drops the record, instead of asking about it in every case.
fn static_truth(e: &Expr) -> Option<bool> {
    match e {
        Expr::Const(Constant::Bool(b)) => Some(*b),
        Expr::InEnum { value, mask, negated } => match value.as_ref() {
            Expr::Const(Constant::Enum(v)) => Some((*v < 64 && (mask >> v) & 1 == 1) != *negated),
            _ => None,
        },
        Expr::Compare(c) => match (&c.lhs, &c.rhs) {
            (Expr::Const(Constant::Enum(a)), Expr::Const(Constant::Enum(b))) => Some(c.op.holds(a.cmp(b))),
            _ => None,
        },
        Expr::And(parts) => parts.iter().try_fold(true, |acc, p| Some(acc && static_truth(p)?)),
        Expr::Or(parts) => parts.iter().try_fold(false, |acc, p| Some(acc || static_truth(p)?)),
        _ => None,
    }
}

fn not_a_named_enum<'n>(name: &ast::Ident, declared: impl Iterator<Item = &'n String>) -> Diagnostic {
    let declared: Vec<String> = declared.cloned().collect();
    let (help, zh_help) = match super::expr::did_you_mean(&name.name, &declared) {
        Some(s) => (format!("did you mean `{s}`?"), format!("是否指 `{s}`？")),
        None => (
            "declare the records' keys once: `enum county { 鹿城区, 龙湾区, … }`, then `per county`".to_string(),
            "请先声明记录的键：`enum county { 鹿城区, 龙湾区, … }`，再写 `per county`".to_string(),
        ),
    };
    Diagnostic::error("C073", name.span, format!("`{}` is not a named enum", name.name))
        .label("a list's records are the values of a named enum")
        .help(help)
        .zh(format!("`{}` 不是已命名的单选项（enum）", name.name), "列表的记录须是某个已命名单选项的取值", zh_help)
}

/// `target[c]` of a table keyed by a fact: its row is the case's, not a record's.
fn keyed_by_a_fact(table: &ast::Ident) -> Diagnostic {
    let name = &table.name;
    Diagnostic::error("C073", table.span, format!("`{name}` is looked up by a fact, not one row per record"))
        .label("not keyed by the records")
        .help(format!("key it by the enum itself to read a record's row: `table {name}: … by county`"))
        .zh(
            format!("表 `{name}` 按事实查找，不是每条记录一行"),
            "不是按记录列出的表",
            format!("要按记录取行，请直接以单选项为键：`table {name}: … by county`"),
        )
}

fn no_record_left(span: Span) -> Diagnostic {
    Diagnostic::error("C074", span, "`where` leaves no record to add up")
        .label("nothing to sum")
        .help("check the condition after `where`")
        .zh("`where` 之后没有剩下可合计的记录", "没有可合计的记录", "请检查 `where` 后的条件")
}
