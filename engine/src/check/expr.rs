//! Expressions: name resolution, types and units, the statutory-word check, and negation pushed down to
//! the comparisons.

use super::{Checker, Symbol};
use crate::diag::{Diagnostic, Span};
use crate::policy::*;
use crate::syntax::ast::{self, ArithOp, CmpOp, ExprKind, SetItem};
use crate::units::{Atom, Dimension, Quantity, Unit};

pub(crate) type Typed = Option<(Expr, Type)>;

/// The boundary a statutory word fixes, after PRC convention (民法典 第1259条): 以上/以下 include the number.
pub fn statute_operator(word: &str) -> Option<CmpOp> {
    Some(match word {
        "以上" | "不低于" | "不得低于" | "不少于" | "达到" | "大于或等于" | "大于等于" | "不小于" => {
            CmpOp::Ge
        }
        "以下" | "以内" | "不超过" | "不得超过" | "不高于" | "不多于" | "小于或等于" | "小于等于" | "不大于" => {
            CmpOp::Le
        }
        "超过" | "高于" | "大于" | "多于" => CmpOp::Gt,
        "低于" | "小于" | "不满" | "未达到" | "不足" | "少于" => CmpOp::Lt,
        "等于" | "为" => CmpOp::Eq,
        _ => return super::targets::plan_operator(word),
    })
}

impl Checker<'_> {
    /// Types and resolves an expression; the recursion (through derived values and tables resolved on the
    /// way) stops at `limits::MAX_DEPTH` with a diagnostic.
    pub(crate) fn expr(&mut self, e: &ast::Expr, expected: Option<Type>) -> Typed {
        if !self.deep_enough(self.depth + 1, e.span) {
            return None;
        }
        self.depth += 1;
        let typed = self.expr_at_depth(e, expected);
        self.depth -= 1;
        typed
    }

    fn expr_at_depth(&mut self, e: &ast::Expr, expected: Option<Type>) -> Typed {
        match &e.kind {
            ExprKind::Number { value, unit } => {
                // A number-like enum value where an enum is expected: `year = 2015`.
                if let (None, Some(Type::Enum(e))) = (unit, expected)
                    && let Some(index) = self.enums[e as usize].index(&value.to_string())
                {
                    return Some((Expr::Const(Constant::Enum(index)), Type::Enum(e)));
                }
                let unit = match unit {
                    None => Unit::ONE,
                    Some(text) => {
                        let within = match expected {
                            Some(Type::Num(d)) => Some(d),
                            _ => None,
                        };
                        self.unit(text, within, e.span)?
                    }
                };
                Some((Expr::Const(Constant::Num(Quantity::new(*value, unit))), Type::Num(unit.dimension())))
            }
            ExprKind::Date(d) => Some((Expr::Const(Constant::Date(*d)), Type::Date)),
            ExprKind::Text(t) => Some((Expr::Const(Constant::Text(t.clone())), Type::Text)),
            ExprKind::Bool(b) => Some((Expr::Const(Constant::Bool(*b)), Type::Bool)),
            ExprKind::AsOf => Some((Expr::AsOf, Type::Date)),
            ExprKind::Name(id) => self.name(id, expected),
            ExprKind::Index { series, year } => self.series_year(series, year),
            ExprKind::Record { list, key } => self.record(list, key),
            ExprKind::Over { kind, var, domain, filter, body } => {
                self.over(*kind, var, domain, filter.as_deref(), body, e.span)
            }
            ExprKind::Call { function, args } => self.call(function, args, e.span),
            ExprKind::If { condition, then, otherwise } => {
                let condition = self.boolean(condition)?;
                let (then_expr, then_ty) = self.expr(then, expected)?;
                let (else_expr, else_ty) = self.expr(otherwise, expected.or(Some(then_ty)))?;
                let ty = match (then_ty, else_ty) {
                    (a, b) if a == b => a,
                    (Type::Num(_) | Type::Mixed, Type::Num(_) | Type::Mixed) => Type::Mixed,
                    (a, b) => {
                        self.type_mismatch(otherwise.span, a, b);
                        return None;
                    }
                };
                Some((
                    Expr::If {
                        condition: Box::new(condition),
                        then: Box::new(then_expr),
                        otherwise: Box::new(else_expr),
                    },
                    ty,
                ))
            }
            ExprKind::Not(inner) => Some((negate(self.boolean(inner)?), Type::Bool)),
            ExprKind::And(items) | ExprKind::Or(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    parts.push(self.boolean(item));
                }
                let parts = parts.into_iter().collect::<Option<Vec<_>>>()?;
                let expr = if matches!(e.kind, ExprKind::And(_)) { Expr::And(parts) } else { Expr::Or(parts) };
                Some((expr, Type::Bool))
            }
            ExprKind::Compare { op, lhs, rhs, word, word_source } => {
                self.compare(*op, lhs, rhs, word.as_ref(), word_source.as_deref(), e.span)
            }
            ExprKind::Approx { value, target, tolerance, word } => {
                self.approximately(value, target, tolerance, word.as_ref(), e.span)
            }
            ExprKind::In { value, set } => {
                let (value_expr, ty) = self.expr(value, None)?;
                match ty {
                    Type::Enum(id) => {
                        let mask = self.mask(id, set)?;
                        Some((Expr::InEnum { value: Box::new(value_expr), mask, negated: false }, Type::Bool))
                    }
                    Type::Text => {
                        self.open_text_decides(value.span);
                        let mut texts = Vec::new();
                        for item in set {
                            match item {
                                SetItem::Text(t, _) => texts.push(t.clone()),
                                other => {
                                    self.error(
                                        Diagnostic::error(
                                            "C020",
                                            other.span(),
                                            "a text can only be compared with texts in quotes",
                                        )
                                        .label("not a quoted text")
                                        .help("write the value in double quotes, e.g. \"灵昆街道\"")
                                        .zh(
                                            "文字只能与加引号的文字比较",
                                            "不是加引号的文字",
                                            "请把取值写在双引号中，如 \"灵昆街道\"",
                                        ),
                                    );
                                    return None;
                                }
                            }
                        }
                        Some((Expr::InText { value: Box::new(value_expr), texts, negated: false }, Type::Bool))
                    }
                    other => {
                        self.error(
                            Diagnostic::error(
                                "C020",
                                value.span,
                                format!("`in` needs an enum or a text, found {}", self.describe(other)),
                            )
                            .label("not a choice")
                            .help("for a set fact write `SET has VALUE`")
                            .zh(
                                format!("`in` 需要单选项或文字，这里是{}", self.describe_zh(other)),
                                "不是单选项",
                                "多选事实请写 `集合 has 取值`",
                            ),
                        );
                        None
                    }
                }
            }
            ExprKind::HasAny { set, items } | ExprKind::HasOnly { set, items } => {
                let (set_expr, id) = self.set_operand(set)?;
                let mask = self.mask(id, items)?;
                let set_expr = Box::new(set_expr);
                let expr = if matches!(e.kind, ExprKind::HasAny { .. }) {
                    Expr::HasAny { set: set_expr, mask, negated: false }
                } else {
                    Expr::HasOnly { set: set_expr, mask, negated: false }
                };
                Some((expr, Type::Bool))
            }
            ExprKind::Has { set, item } => {
                let (set_expr, id) = self.set_operand(set)?;
                let (item_expr, ty) = self.expr(item, Some(Type::Enum(id)))?;
                if ty != Type::Enum(id) {
                    self.type_mismatch(item.span, Type::Enum(id), ty);
                    return None;
                }
                Some((Expr::Has { set: Box::new(set_expr), item: Box::new(item_expr), negated: false }, Type::Bool))
            }
            ExprKind::Arith { op, lhs, rhs } => self.arith(*op, lhs, rhs, e.span),
            ExprKind::Neg(inner) => {
                let (expr, ty) = self.expr(inner, expected)?;
                if !matches!(ty, Type::Num(_)) {
                    self.type_mismatch(inner.span, Type::Num(Dimension::NONE), ty);
                    return None;
                }
                Some((Expr::Neg(Box::new(expr)), ty))
            }
        }
    }

    pub(crate) fn boolean(&mut self, e: &ast::Expr) -> Option<Expr> {
        let (expr, ty) = self.expr(e, Some(Type::Bool))?;
        if ty != Type::Bool {
            self.type_mismatch(e.span, Type::Bool, ty);
            return None;
        }
        Some(expr)
    }

    fn name(&mut self, id: &ast::Ident, expected: Option<Type>) -> Typed {
        if let Some(bound) = self.bound(&id.name) {
            return Some(bound);
        }
        if self.lists.contains_key(&id.name) {
            self.bare_list(id);
            return None;
        }
        // An enum value wins where an enum is expected: `county = 鹿城区`.
        if let Some(Type::Enum(e)) = expected
            && let Some(index) = self.enums[e as usize].index(&id.name)
        {
            return Some((Expr::Const(Constant::Enum(index)), Type::Enum(e)));
        }
        if self.series.contains_key(&id.name) {
            self.bare_series(id);
            return None;
        }
        match self.symbols.get(&id.name).map(|(s, _)| *s) {
            Some(Symbol::Fact(f)) => {
                self.fact_uses[f as usize] += 1;
                Some((Expr::Fact(f), self.facts[f as usize].ty))
            }
            Some(Symbol::Param(p)) => match self.params.get(p as usize) {
                Some(param) => Some((Expr::Param(p), param.ty)),
                // Only a parameter's own periods can name it before it is complete.
                None => {
                    self.error(super::cycle(id));
                    None
                }
            },
            Some(Symbol::Derived(d)) => Some((Expr::Derived(d), self.ensure_derived(d)?)),
            Some(Symbol::Table(t)) => {
                let ty = self.ensure_table(t)?;
                if self.tables.get(t as usize).and_then(Option::as_ref).is_some_and(|table| table.per.is_some()) {
                    self.bare_list(id);
                    return None;
                }
                Some((Expr::Table(t), ty))
            }
            None => {
                self.unknown_name(id, expected);
                None
            }
        }
    }

    pub(crate) fn unknown_name(&mut self, id: &ast::Ident, expected: Option<Type>) {
        if self.poisoned.contains(&id.name) {
            return;
        }
        let mut candidates: Vec<String> = self.symbols.keys().cloned().collect();
        if expected == Some(Type::Bool) {
            candidates.extend(["true".to_string(), "false".to_string()]);
        }
        if let Some(Type::Enum(e) | Type::Set(e)) = expected {
            candidates.extend(self.enums[e as usize].values.iter().map(|v| v.name.clone()));
        }
        // A value of a named enum where no enum is expected: the table or value needs that enum as its type.
        if expected.is_none()
            && let Some(owner) = self
                .named_enums
                .iter()
                .find(|(_, e)| self.enums[**e as usize].index(&id.name).is_some())
                .map(|(n, _)| n.clone())
        {
            self.error(
                Diagnostic::error(
                    "C022",
                    id.span,
                    format!("`{}` is a value of the enum `{owner}`, but no enum is expected here", id.name),
                )
                .label("the type is not known here")
                .help(format!(
                    "give the table or value its type, e.g. `table NAME: {owner} by …` or `let NAME: {owner} = …`"
                ))
                .zh(
                    format!("`{}` 是单选项 `{owner}` 的取值，但这里不知道要哪种单选项", id.name),
                    "此处类型未知",
                    format!("请写明表或值的类型，如 `table 名称: {owner} by …` 或 `let 名称: {owner} = …`"),
                ),
            );
            return;
        }
        let d = Diagnostic::error("C022", id.span, format!("unknown name `{}`", id.name))
            .label("not declared in this policy");
        let (zh_message, zh_label) = (format!("未知名称 `{}`", id.name), "本政策中没有声明");
        let d = match did_you_mean(&id.name, &candidates) {
            Some(s) => d.help(format!("did you mean `{s}`?")).zh(zh_message, zh_label, format!("是否指 `{s}`？")),
            None => d.help("declare it with `fact`, `let`, `param` or `table`, or check the spelling").zh(
                zh_message,
                zh_label,
                "请用 `fact`、`let`、`param` 或 `table` 声明，或检查拼写",
            ),
        };
        self.error(d);
    }

    fn call(&mut self, function: &ast::Ident, args: &[ast::Expr], span: Span) -> Typed {
        if let Some(lowered) = self.plan_call(function, args, span) {
            return lowered;
        }
        if let Some(lowered) = self.series_call(function, args, span) {
            return lowered;
        }
        let mut parts = Vec::with_capacity(args.len());
        let mut dimension = None;
        for arg in args {
            let (expr, ty) = self.expr(arg, None)?;
            match (ty, dimension) {
                (Type::Num(d), None) => dimension = Some(d),
                (Type::Num(d), Some(first)) if d == first => {}
                (found, first) => {
                    self.type_mismatch(arg.span, Type::Num(first.unwrap_or(Dimension::NONE)), found);
                    return None;
                }
            }
            parts.push(expr);
        }
        let ty = Type::Num(dimension.unwrap_or(Dimension::NONE));
        match function.name.as_str() {
            "min" => Some((Expr::Min(parts), ty)),
            "max" => Some((Expr::Max(parts), ty)),
            "sum" => Some((Expr::Sum(parts), ty)),
            other => {
                let known = ["min", "max", "sum", "abs", "pow", "mean", "each", "rising", "falling"].map(String::from);
                let suggestion = did_you_mean(other, &known);
                self.error(
                    Diagnostic::error("C022", span, format!("unknown function `{other}`"))
                        .label("not a function")
                        .help(suggestion.clone().map_or("the functions are min, max, sum, abs and pow; over a series: sum, mean, each, rising, falling".into(), |s| {
                            format!("did you mean `{s}`?")
                        }))
                        .zh(
                            format!("未知函数 `{other}`"),
                            "不是函数",
                            suggestion.map_or("可用函数：min、max、sum、abs、pow；逐年序列另有 sum、mean、each、rising、falling".into(), |s| {
                                format!("是否指 `{s}`？")
                            }),
                        ),
                );
                None
            }
        }
    }

    /// Types both sides; a bare enum value on the left takes its type from the right (`鹿城区 = county`).
    pub(crate) fn pair(&mut self, lhs: &ast::Expr, rhs: &ast::Expr) -> Option<((Expr, Type), (Expr, Type))> {
        // A side whose declaration already failed was reported there; the other side has no type to take.
        let poisoned = |e: &ast::Expr| matches!(&e.kind, ExprKind::Name(id) if self.poisoned.contains(&id.name));
        if poisoned(lhs) || poisoned(rhs) {
            return None;
        }
        let lhs_is_free_name = matches!(&lhs.kind, ExprKind::Name(id) if !self.symbols.contains_key(&id.name) && self.bound(&id.name).is_none());
        if lhs_is_free_name {
            let right = self.expr(rhs, None)?;
            let left = self.expr(lhs, Some(right.1))?;
            return Some((left, right));
        }
        let left = self.expr(lhs, None)?;
        let right = self.expr(rhs, Some(left.1))?;
        Some((left, right))
    }

    pub(crate) fn compare(
        &mut self,
        op: CmpOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        word: Option<&ast::Spanned<String>>,
        word_source: Option<&str>,
        span: Span,
    ) -> Typed {
        if let Some(lowered) = self.each_year(op, lhs, rhs, word, word_source, span) {
            return lowered;
        }
        let ((lhs_expr, lhs_ty), (rhs_expr, rhs_ty)) = self.pair(lhs, rhs)?;
        let (lhs_expr, lhs_ty) = counted_in(lhs_expr, lhs_ty, &rhs_expr);
        let ordered = matches!(op, CmpOp::Ge | CmpOp::Gt | CmpOp::Le | CmpOp::Lt);
        match (lhs_ty, rhs_ty) {
            (Type::Mixed, _) | (_, Type::Mixed) => {
                self.error(
                    Diagnostic::error(
                        "C024",
                        span,
                        "this value's unit depends on a condition, so it cannot be compared",
                    )
                    .label("mixed units")
                    .help("compare each branch separately, e.g. the monthly wage with the monthly minimum")
                    .zh(
                        "这个值的单位随条件而变，不能用于比较",
                        "单位不一致",
                        "请分别比较各分支，如月工资与最低月工资标准",
                    ),
                );
                return None;
            }
            (Type::Num(a), Type::Num(b)) if a != b => {
                let (help, help_zh) = self.unit_slip(a, b, (lhs, &lhs_expr), (rhs, &rhs_expr), mismatch_help(a, b));
                self.error(
                    Diagnostic::error(
                        "C021",
                        span,
                        format!("cannot compare {} with {}", a.describe_en(), b.describe_en()),
                    )
                    .label(format!("{} on the left, {} on the right", a.describe_en(), b.describe_en()))
                    .help(help)
                    .zh(
                        format!("不能比较{}与{}", a.describe_zh(), b.describe_zh()),
                        format!("左边是{}，右边是{}", a.describe_zh(), b.describe_zh()),
                        help_zh,
                    ),
                );
                return None;
            }
            (Type::Num(_), Type::Num(_)) | (Type::Date, Type::Date) => {}
            // Against the empty text the question is only whether anything was written; no spelling can miss.
            (Type::Text, Type::Text) if [&lhs_expr, &rhs_expr].iter().any(|e| is_spelt_text(e)) => {
                self.open_text_decides(span);
                return None;
            }
            (a, b) if a == b && !ordered && !matches!(a, Type::Set(_)) => {}
            // Grades and ranks: an ordered enum compares by position, lowest first.
            (Type::Enum(a), Type::Enum(b)) if a == b && self.enums[a as usize].ordered => {}
            (a, b) if a == b => {
                self.error(
                    Diagnostic::error("C020", span, format!("{} can only be compared with = or !=", self.describe(a)))
                        .label("no order")
                        .help("for grades or ranks, declare the values from the lowest to the highest with `enum NAME ordered { … }`; or list the values: `grade in {A, B}`")
                        .zh(
                            format!("{}只能用 = 或 != 比较", self.describe_zh(a)),
                            "没有大小顺序",
                            "等级、名次请用 `enum 名称 ordered { … }` 从低到高声明取值；或列出取值：`grade in {A, B}`",
                        ),
                );
                return None;
            }
            (a, b) => {
                self.type_mismatch(rhs.span, a, b);
                return None;
            }
        }
        if let Some(word) = word {
            self.check_word(op, word);
        }
        let lhs_label = self.series_text(lhs).or_else(|| self.over_text(lhs));
        let (rhs_label, rhs_quotes) = self.record_table_text(rhs).unzip();
        let lhs_text = match &lhs_label {
            Some(label) => label.zh.clone(),
            None => self.bound_text(self.source_text(lhs.span)),
        };
        let rhs_expr = self.in_fact_unit(rhs_expr, &lhs_expr);
        let lhs_expr = self.in_fact_unit(lhs_expr, &rhs_expr);
        Some((
            Expr::Compare(Box::new(Comparison {
                op,
                lhs: lhs_expr,
                rhs: rhs_expr,
                word: word.map(|w| w.node.clone()),
                word_negated: false,
                word_source: word_source.map(str::to_string),
                lhs_text,
                lhs_label,
                rhs_label,
                rhs_quotes: rhs_quotes.unwrap_or_default(),
                span,
            })),
            Type::Bool,
        ))
    }

    /// A constant compared with a fact is stored in the fact's declared unit when it converts exactly, so
    /// evaluation compares two decimals instead of cross-multiplying units on every case.
    pub(crate) fn in_fact_unit(&self, expr: Expr, other: &Expr) -> Expr {
        let (Expr::Const(Constant::Num(q)), Expr::Fact(f)) = (&expr, other) else { return expr };
        match self.facts.get(*f as usize).and_then(|fact| fact.unit).map(|unit| q.convert_exact(unit)) {
            Some(Ok(converted)) => Expr::Const(Constant::Num(converted)),
            _ => expr,
        }
    }

    fn check_word(&mut self, op: CmpOp, word: &ast::Spanned<String>) {
        // 「超6亿元以上」 allows either reading; the pack's comment says which it took.
        if super::targets::either_reading(&word.node) && matches!(op, CmpOp::Gt | CmpOp::Ge) {
            return;
        }
        if super::targets::tolerance_word(&word.node).is_some() {
            self.error(
                Diagnostic::error("C060", word.span, format!("“{}” is a word of approximation, not a bound", word.node))
                    .label("needs a tolerance")
                    .help("write `VALUE approximately TARGET within TOLERANCE（左右）`; the tolerance is the pack's reading, say why in a comment")
                    .zh(
                        format!("“{}”表示近似，不是界限", word.node),
                        "需要容差",
                        "请写 `值 approximately 目标 within 容差（左右）`；容差是规则包的解读，请在注释中说明理由",
                    ),
            );
            return;
        }
        match statute_operator(&word.node) {
            Some(meant) if meant == op => {}
            Some(meant) => self.error(
                Diagnostic::error(
                    "C025",
                    word.span,
                    format!("the clause says “{}”, which means `{}`, but the comparison is `{}`", word.node, meant.symbol(), op.symbol()),
                )
                .label("boundary disagrees with the operator")
                .help("以上/以下/不超过 include the number (>=, <=); 超过/高于/低于/不满 exclude it (>, <); negate with `not (…)` to state an exclusion")
                .zh(
                    format!("条文用语“{}”表示 `{}`，但比较写的是 `{}`", word.node, meant.symbol(), op.symbol()),
                    "边界与运算符不一致",
                    "以上/以下/不超过 含本数（>=、<=）；超过/高于/低于/不满 不含本数（>、<）；排除情形用 `not (…)` 表达",
                ),
            ),
            None => self.error(
                Diagnostic::warning("C026", word.span, format!("“{}” is not a statutory comparison word comply knows", word.node))
                    .label("unknown word")
                    .help("known: 以上 以下 以内 不超过 不低于 不少于 达到 达 超过 超 突破 跨越 高于 低于 大于 小于 不满 未达到 大于或等于 小于或等于 不下降 前N名; approximation: 左右 约 接近 (with `approximately`)")
                    .zh(
                        format!("“{}”不是 comply 认识的法定比较用语", word.node),
                        "未知用语",
                        "可用：以上 以下 以内 不超过 不低于 不少于 达到 达 超过 超 突破 跨越 高于 低于 大于 小于 不满 未达到 大于或等于 小于或等于 不下降 前N名；近似：左右 约 接近（配合 `approximately`）",
                    ),
            ),
        }
    }

    /// A free-text fact that decides a table row or is compared with a literal: any other spelling of the same
    /// place would silently take the other branch, so the value must be an enum whose aliases are read.
    pub(crate) fn open_text_decides(&mut self, span: Span) {
        self.error(
            Diagnostic::error("C042", span, "a free-text value decides this: another spelling would silently miss it")
                .label("free text used as a choice")
                .help("declare the fact as an enum and list other spellings with `aka`, e.g. `灵昆街道 aka \"灵昆\", \"灵昆镇\"`")
                .zh(
                    "这里由自由文字决定结果：换一种写法就会悄悄落到别的分支",
                    "自由文字被当作选项",
                    "请把事实声明为单选项（enum），并用 `aka` 列出其他写法，如 `灵昆街道 aka \"灵昆\", \"灵昆镇\"`",
                ),
        );
    }

    fn set_operand(&mut self, set: &ast::Expr) -> Option<(Expr, EnumId)> {
        let (expr, ty) = self.expr(set, None)?;
        match ty {
            Type::Set(id) => Some((expr, id)),
            other => {
                self.error(
                    Diagnostic::error("C020", set.span, format!("`has` needs a set, found {}", self.describe(other)))
                        .label("not a set")
                        .help("declare the fact as `set of { … }`, or use `in` for a single choice")
                        .zh(
                            format!("`has` 需要多选集合，这里是{}", self.describe_zh(other)),
                            "不是集合",
                            "请把事实声明为 `set of { … }`，单选请用 `in`",
                        ),
                );
                None
            }
        }
    }

    fn mask(&mut self, id: EnumId, items: &[SetItem]) -> Option<u64> {
        let mut mask = 0u64;
        for item in items {
            let found = match item {
                SetItem::Name(name) => self.enums[id as usize].index(&name.name),
                SetItem::Text(text, _) => self.enums[id as usize].lookup(text),
                SetItem::Number(n, _) => self.enums[id as usize].index(&n.to_string()),
            };
            match found {
                Some(index) => mask |= 1 << index,
                None => {
                    let name = match item {
                        SetItem::Name(n) => n.name.clone(),
                        SetItem::Text(t, _) => t.clone(),
                        SetItem::Number(n, _) => n.to_string(),
                    };
                    let candidates: Vec<String> =
                        self.enums[id as usize].values.iter().map(|v| v.name.clone()).collect();
                    let suggestion = did_you_mean(&name, &candidates);
                    let help = suggestion.as_ref().map_or_else(
                        || format!("the values are: {}", candidates.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
                    let zh_help = suggestion
                        .map_or_else(|| format!("可选取值：{}", candidates.join("、")), |s| format!("是否指 `{s}`？"));
                    self.error(
                        Diagnostic::error("C022", item.span(), format!("`{name}` is not one of the values"))
                            .label("unknown value")
                            .help(help)
                            .zh(format!("`{name}` 不是可选取值"), "未知取值", zh_help),
                    );
                    return None;
                }
            }
        }
        Some(mask)
    }

    fn arith(&mut self, op: ArithOp, lhs: &ast::Expr, rhs: &ast::Expr, span: Span) -> Typed {
        let (lhs_expr, lhs_ty) = self.expr(lhs, None)?;
        let (rhs_expr, rhs_ty) = self.expr(rhs, None)?;
        let ty = match (op, lhs_ty, rhs_ty) {
            // The difference of two rates declared in % is in 百分点 (20% to 23% is +3 百分点), so that it
            // compares with `3 百分点` and never with `3%`. A written `3%` keeps its unit: `88% - 1%` is 87%.
            (ArithOp::Sub, Type::Num(a), Type::Num(b))
                if a == b && self.in_percent(&lhs_expr) && self.in_percent(&rhs_expr) =>
            {
                let difference = Expr::Arith { op, lhs: Box::new(lhs_expr), rhs: Box::new(rhs_expr) };
                let points = Quantity::new(rust_decimal::Decimal::ONE_HUNDRED, Unit::atom(Atom::PercentagePoint));
                let expr = Expr::Arith {
                    op: ArithOp::Mul,
                    lhs: Box::new(difference),
                    rhs: Box::new(Expr::Const(Constant::Num(points))),
                };
                return Some((expr, Type::Num(Dimension::of(crate::units::BaseDim::Point))));
            }
            (ArithOp::Add | ArithOp::Sub, Type::Num(a), Type::Num(b)) if a == b => Type::Num(a),
            (ArithOp::Sub, Type::Date, Type::Date) => Type::Num(Unit::atom(Atom::Day).dimension()),
            (ArithOp::Mul, Type::Num(a), Type::Num(b)) => Type::Num(a.mul(b)),
            (ArithOp::Div, Type::Num(a), Type::Num(b)) => Type::Num(a.div(b)),
            (ArithOp::Add | ArithOp::Sub, Type::Num(a), Type::Num(b)) => {
                let (help, help_zh) = self.unit_slip(
                    a,
                    b,
                    (lhs, &lhs_expr),
                    (rhs, &rhs_expr),
                    ("both sides of + and - must have the same dimension", "加减两边的单位须是同一类"),
                );
                self.error(
                    Diagnostic::error(
                        "C021",
                        span,
                        format!("cannot add or subtract {} and {}", a.describe_en(), b.describe_en()),
                    )
                    .label(format!("{} and {}", a.describe_en(), b.describe_en()))
                    .help(help)
                    .zh(
                        format!("不能对{}与{}做加减", a.describe_zh(), b.describe_zh()),
                        format!("{}与{}", a.describe_zh(), b.describe_zh()),
                        help_zh,
                    ),
                );
                return None;
            }
            (_, Type::Num(_), found) => {
                self.type_mismatch(rhs.span, lhs_ty, found);
                return None;
            }
            (_, found, _) => {
                self.type_mismatch(lhs.span, Type::Num(Dimension::NONE), found);
                return None;
            }
        };
        Some((Expr::Arith { op, lhs: Box::new(lhs_expr), rhs: Box::new(rhs_expr) }, ty))
    }

    /// A number written with a unit of the wrong kind beside a value whose unit is declared (`hourly_wage >=
    /// 17 元/月`): the help says what to write, 「应写“17 元/小时”」, before the general advice.
    fn unit_slip(
        &self,
        a: Dimension,
        b: Dimension,
        left: (&ast::Expr, &Expr),
        right: (&ast::Expr, &Expr),
        general: (&str, &str),
    ) -> (String, String) {
        let declared = |e: &Expr| self.declared_unit(e);
        let written = |e: &ast::Expr| match &e.kind {
            ExprKind::Number { value, unit: Some(_) } => Some(*value),
            _ => None,
        };
        // A slip of the pen stays within one kind of amount: 元/月 for 元/小时, % for 百分点, 个 for 支. Money
        // against an area is a different fact, not a unit to rewrite.
        let points = |d: Dimension| d == Dimension::of(crate::units::BaseDim::Point);
        let slip = crate::units::differs_only_in_time(a, b)
            || (a.is_count() && b.is_count())
            || (points(a) && b.is_dimensionless())
            || (points(b) && a.is_dimensionless());
        let fix = [(left, right), (right, left)]
            .into_iter()
            .filter(|_| slip)
            .find_map(|((_, value), (number, _))| Some((written(number)?, declared(value)?, number.span)));
        // The general advice is kept where it explains a confusion (百分点, 美元, measure words), dropped where it
        // would only repeat that the units differ.
        let (plain, plain_zh) = mismatch_help(Dimension::NONE, Dimension::NONE);
        let advice = |text: &str, plain: &str, sep: &str| {
            if text == plain { String::new() } else { format!("{sep}{text}") }
        };
        match fix {
            Some((number, unit, span)) => {
                let wrote = self.source_text(span);
                (
                    format!(
                        "write “{number} {unit}” instead of “{wrote}”, in the unit of the value it is set against{}",
                        advice(general.0, plain, "; ")
                    ),
                    format!(
                        "应写“{number} {unit}”（而不是“{wrote}”），与所比的值同一单位{}",
                        advice(general.1, plain_zh, "；")
                    ),
                )
            }
            None => (general.0.to_string(), general.1.to_string()),
        }
    }

    /// The unit a fact, a derived value or a parameter is declared in.
    fn declared_unit(&self, e: &Expr) -> Option<Unit> {
        match e {
            Expr::Fact(f) => self.facts.get(*f as usize).and_then(|f| f.unit),
            Expr::Derived(d) => self.derived.get(*d as usize).and_then(|d| d.as_ref()?.unit),
            Expr::Param(p) => self.params.get(*p as usize).and_then(|p| match &p.periods.first()?.value {
                Constant::Num(q) => Some(q.unit),
                _ => None,
            }),
            _ => None,
        }
    }

    /// A value declared in % (a rate), as opposed to a number written with %.
    fn in_percent(&self, e: &Expr) -> bool {
        self.declared_unit(e) == Some(Unit::atom(Atom::Percent))
    }

    pub(crate) fn source_text(&self, span: Span) -> String {
        let text = self.text.get(span.start as usize..span.end as usize).unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Negation normal form: three-valued logic keeps De Morgan's laws, so pushing `not` down to the
/// comparisons changes no verdict and lets an explanation state each comparison the way it was decided.
pub(crate) fn negate(expr: Expr) -> Expr {
    match expr {
        Expr::Not(inner) => *inner,
        Expr::And(parts) => Expr::Or(parts.into_iter().map(negate).collect()),
        Expr::Or(parts) => Expr::And(parts.into_iter().map(negate).collect()),
        Expr::Const(Constant::Bool(b)) => Expr::Const(Constant::Bool(!b)),
        Expr::Compare(mut c) => {
            c.op = c.op.negate();
            c.word_negated = !c.word_negated;
            Expr::Compare(c)
        }
        Expr::InEnum { value, mask, negated } => Expr::InEnum { value, mask, negated: !negated },
        Expr::InText { value, texts, negated } => Expr::InText { value, texts, negated: !negated },
        Expr::HasAny { set, mask, negated } => Expr::HasAny { set, mask, negated: !negated },
        Expr::HasOnly { set, mask, negated } => Expr::HasOnly { set, mask, negated: !negated },
        Expr::Has { set, item, negated } => Expr::Has { set, item, negated: !negated },
        Expr::If { condition, then, otherwise } => {
            Expr::If { condition, then: Box::new(negate(*then)), otherwise: Box::new(negate(*otherwise)) }
        }
        other => Expr::Not(Box::new(other)),
    }
}

/// What to check when two sides differ in dimension, for the confusions target documents invite.
fn mismatch_help(a: Dimension, b: Dimension) -> (&'static str, &'static str) {
    use crate::units::BaseDim;
    let is = |d: Dimension, base: BaseDim| d == Dimension::of(base);
    let either = |base: BaseDim| is(a, base) || is(b, base);
    if either(BaseDim::Point) && (a.is_dimensionless() || b.is_dimensionless()) {
        (
            "percentage points are not percent: a rate rising from 20% to 23% rose by 3 百分点; write the threshold as `3 百分点`, or declare the fact in %",
            "百分点不是百分比：比率从20%升到23%是提高3个百分点；请把门槛写成 `3 百分点`，或把事实声明为 %",
        )
    } else if either(BaseDim::Usd) && (either(BaseDim::Money)) {
        (
            "美元 and 元 are different currencies and the text gives no exchange rate; declare the fact in the currency the clause names",
            "美元与元是不同币种，条文没有给出汇率；请按条文所写币种声明事实",
        )
    } else if a.is_count() && b.is_count() {
        (
            "the measure words count different things (3 支 teams are not 3 个 projects); use the clause's own word on both sides",
            "量词所数的东西不同（3支团队不是3个项目）；两边请用条文所写的量词",
        )
    } else {
        (
            "both sides must have the same dimension; check the units (e.g. 元/月 versus 元/小时)",
            "两边的单位须是同一类；请检查单位（如 元/月 与 元/小时）",
        )
    }
}

pub fn did_you_mean(name: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

/// 「5个以上县」: records counted by `count(…)` take the measure word of the number they are compared with,
/// so that `count(c in county: …) >= 5 个` reads as the clause does and the report says 「3 个」.
fn counted_in(lhs: Expr, lhs_ty: Type, rhs: &Expr) -> (Expr, Type) {
    match (lhs, rhs) {
        (Expr::Count { parts, unit }, Expr::Const(Constant::Num(q)))
            if unit == Unit::ONE && q.dimension().is_count() =>
        {
            (Expr::Count { parts, unit: q.unit }, Type::Num(q.dimension()))
        }
        (lhs, _) => (lhs, lhs_ty),
    }
}

/// A text literal with something in it.
fn is_spelt_text(expr: &Expr) -> bool {
    matches!(expr, Expr::Const(Constant::Text(t)) if !t.trim().is_empty())
}
