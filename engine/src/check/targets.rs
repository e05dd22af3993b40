//! The words and helpers of target documents: tolerances (`approximately … within …`), the comparison
//! words of plans (达, 突破, 前十名, 超…以上), `abs` and `pow`. Each is checked here and lowered to the
//! comparisons and arithmetic the evaluator already has, so eval, explain, generate and diff see nothing new.

use rust_decimal::Decimal;

use super::Checker;
use crate::diag::{Diagnostic, Span};
use crate::policy::*;
use crate::syntax::ast::{self, ArithOp, Bilingual, CmpOp, ExprKind};
use crate::units::{Atom, BaseDim, Dimension, Quantity, Unit};

type Typed = Option<(Expr, Type)>;

/// Highest power `pow` accepts: compound growth over a plan's years, not an input-driven loop.
const MAX_POWER: u32 = 50;

/// How a tolerance word reads: 接近 (approaching) counts only the lower side; 左右 and 约 both sides.
pub fn tolerance_word(word: &str) -> Option<bool> {
    match word {
        "接近" => Some(true),
        "左右" | "约" | "大约" | "上下" | "基本" | "基本同步" | "同步" | "基本持平" | "持平" => {
            Some(false)
        }
        _ => None,
    }
}

/// Comparison words of plans beside the statutory ones: 达 is 达到; 超, 突破 and 跨越（…大关）exceed the number;
/// 不下降 and 不减少 keep at least the level; 前十名 and 前8强 are ranks (a smaller number is better).
pub fn plan_operator(word: &str) -> Option<CmpOp> {
    Some(match word {
        // 稳定在, 保持在 a level: not falling below it (a floor; a pack that reads a band writes `approximately`).
        "达" | "不下降" | "不减少" | "不降低" | "稳定在" | "保持在" => CmpOp::Ge,
        "超" | "突破" | "跨越" | "超出" => CmpOp::Gt,
        "不增加" | "不上升" | "控制在" => CmpOp::Le,
        _ if rank_limit(word).is_some() => CmpOp::Le,
        _ => return None,
    })
}

/// 「前10名」「前八」「前40强」: the rank the word allows at most.
pub fn rank_limit(word: &str) -> Option<u32> {
    let rest = word.strip_prefix('前')?;
    let rest = rest.trim_end_matches(['名', '强', '位']);
    if rest.is_empty() {
        return None;
    }
    if let Ok(n) = rest.parse::<u32>() {
        return Some(n);
    }
    chinese_number(rest)
}

/// 一 … 九十九: the numbers ranks are written with.
fn chinese_number(text: &str) -> Option<u32> {
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// 「超6亿元以上」 says both "more than" and "at least": either operator is a faithful reading, and the
/// pack says which it chose in a comment.
pub fn either_reading(word: &str) -> bool {
    (word.starts_with('超') || word.starts_with("突破")) && word.ends_with("以上") && word.chars().count() > 3
}

type RuleTarget = (Option<Expr>, Option<Target>, Vec<Bilingual>, Vec<Bilingual>);

impl Checker<'_> {
    /// `period EXPR` (at most once): the date the figures measure.
    pub(crate) fn period(&mut self, items: &[ast::Item]) -> Option<Expr> {
        let mut found: Option<Expr> = None;
        for item in items {
            let ast::Item::Period(expr, span) = item else { continue };
            if found.is_some() {
                self.error(super::repeated("period", *span));
                continue;
            }
            match self.expr(expr, Some(Type::Date)) {
                Some((e, Type::Date)) => found = Some(e),
                Some((_, other)) => self.type_mismatch(expr.span, Type::Date, other),
                None => {}
            }
        }
        found
    }

    /// A rule's due date, on-track line and responsible units. The due date becomes the first part of
    /// `applies`, so evaluation skips a target that is not yet due and the verdict never fails on it.
    pub(crate) fn rule_target(
        &mut self,
        rule: &ast::RuleAst,
        applies: Option<Expr>,
        period: Option<&Expr>,
    ) -> Option<RuleTarget> {
        let t = &rule.target;
        for extra in [t.due.get(1).map(|d| ("due", d.span)), t.lead.get(1).map(|d| ("lead", d.span))]
            .into_iter()
            .chain([t.responsible.get(1).map(|d| ("responsible", d.span))])
            .flatten()
        {
            self.error(super::repeated(extra.0, extra.1));
        }
        let lead = t.lead.first().map(|l| l.node.clone()).unwrap_or_default();
        let responsible = t.responsible.first().map(|l| l.node.clone()).unwrap_or_default();
        let on_track = if t.on_track.is_empty() { None } else { Some(self.conjunction(&t.on_track)?) };
        let Some(due) = t.due.first() else {
            if let (Some(line), None) = (t.on_track.first(), t.due.first()) {
                self.error(
                    Diagnostic::error(
                        "C063",
                        line.span,
                        format!("rule `{}` has an on-track line but no due date", rule.id.name),
                    )
                    .label("on track for when?")
                    .help("add `due YYYY-MM-DD`: the line is what the target must show before it falls due")
                    .zh(
                        format!("规则 `{}` 写了进度线，但没有考核时点", rule.id.name),
                        "进度相对于哪个时点？",
                        "请加 `due YYYY-MM-DD`：进度线是目标到期前应达到的水平",
                    ),
                );
                return None;
            }
            return Some((applies, None, lead, responsible));
        };
        let measured = period.cloned().unwrap_or(Expr::AsOf);
        let gate = Expr::Compare(Box::new(Comparison {
            op: CmpOp::Ge,
            lhs: measured,
            rhs: Expr::Const(Constant::Date(due.node)),
            word: None,
            word_negated: false,
            word_source: None,
            lhs_text: "period".into(),
            lhs_label: None,
            rhs_label: None,
            rhs_quotes: Vec::new(),
            span: due.span,
        }));
        let when = applies;
        let applies = Some(match &when {
            None => gate.clone(),
            Some(Expr::And(parts)) => Expr::And(std::iter::once(gate.clone()).chain(parts.iter().cloned()).collect()),
            Some(w) => Expr::And(vec![gate.clone(), w.clone()]),
        });
        Some((applies, Some(Target { due: due.node, gate, when, on_track }), lead, responsible))
    }

    pub(crate) fn approximately(
        &mut self,
        value: &ast::Expr,
        target: &ast::Expr,
        tolerance: &ast::Expr,
        word: Option<&ast::Spanned<String>>,
        span: Span,
    ) -> Typed {
        let ((value_expr, value_ty), (target_expr, target_ty)) = self.pair(value, target)?;
        let (tolerance_expr, tolerance_ty) = self.expr(tolerance, Some(target_ty))?;
        let (Type::Num(dim), Type::Num(target_dim), Type::Num(tolerance_dim)) = (value_ty, target_ty, tolerance_ty)
        else {
            let found = [value_ty, target_ty, tolerance_ty].into_iter().find(|t| !matches!(t, Type::Num(_)));
            self.type_mismatch(span, Type::Num(Dimension::NONE), found.unwrap_or(Type::Mixed));
            return None;
        };
        // A rate's tolerance may be written in 百分点: ±0.5 个百分点 around 9.5% is ±0.5%.
        let points = Dimension::of(BaseDim::Point);
        let tolerance_expr = match tolerance_expr {
            Expr::Const(Constant::Num(q)) if dim.is_dimensionless() && tolerance_dim == points => {
                tolerance_dim_fixed(q)
            }
            other if tolerance_dim == dim => other,
            _ => {
                self.tolerance_error(tolerance.span, dim, tolerance_dim);
                return None;
            }
        };
        if target_dim != dim {
            self.tolerance_error(target.span, dim, target_dim);
            return None;
        }
        if let Expr::Const(Constant::Num(q)) = &tolerance_expr
            && q.value.is_sign_negative()
            && !q.value.is_zero()
        {
            self.error(
                Diagnostic::error("C060", tolerance.span, "a tolerance cannot be negative")
                    .label("negative tolerance")
                    .help("write the width of the band, e.g. `within 0.5%`")
                    .zh("容差不能为负数", "容差为负", "请写出容差带的宽度，如 `within 0.5%`"),
            );
            return None;
        }
        let below_only = match word {
            None => false,
            Some(w) => match tolerance_word(&w.node) {
                Some(below_only) => below_only,
                None => {
                    self.error(
                        Diagnostic::error(
                            "C060",
                            w.span,
                            format!("“{}” is not a word of approximation", w.node),
                        )
                        .label("not 左右, 约 or 接近")
                        .help("write the clause's word of approximation: （左右） or （约） count both sides, （接近） only the lower side; a bound such as （以上） is a plain comparison")
                        .zh(
                            format!("“{}”不是表示近似的用语", w.node),
                            "不是 左右、约 或 接近",
                            "请写条文中表示近似的用语：（左右）（约）两侧都算，（接近）只算下侧；（以上）这样的界限请用普通比较",
                        ),
                    );
                    return None;
                }
            },
        };
        // Written by the pack, never by the text: the report marks the word as the pack's reading.
        let word = Some(word.map_or_else(|| "左右".to_string(), |w| w.node.clone()));
        let lhs_text = self.source_text(value.span);
        let bound =
            |op: ArithOp| Expr::Arith { op, lhs: Box::new(target_expr.clone()), rhs: Box::new(tolerance_expr.clone()) };
        let compare = |op: CmpOp, rhs: Expr| {
            Expr::Compare(Box::new(Comparison {
                op,
                lhs: value_expr.clone(),
                rhs,
                word: word.clone(),
                word_negated: false,
                word_source: None,
                lhs_text: lhs_text.clone(),
                lhs_label: None,
                rhs_label: None,
                rhs_quotes: Vec::new(),
                span,
            }))
        };
        let lower = compare(CmpOp::Ge, bound(ArithOp::Sub));
        if below_only {
            return Some((lower, Type::Bool));
        }
        let upper = compare(CmpOp::Le, bound(ArithOp::Add));
        Some((Expr::And(vec![lower, upper]), Type::Bool))
    }

    fn tolerance_error(&mut self, span: Span, expected: Dimension, found: Dimension) {
        self.error(
            Diagnostic::error(
                "C021",
                span,
                format!("a tolerance band needs one dimension: {} here, {} expected", found.describe_en(), expected.describe_en()),
            )
            .label(format!("{} here, {} expected", found.describe_en(), expected.describe_en()))
            .help("write the target and the tolerance in the value's unit (for a rate, `within 0.5%` or `within 0.5 百分点`)")
            .zh(
                format!("容差带的单位须与比较的两边同类：这里是{}，应为{}", found.describe_zh(), expected.describe_zh()),
                format!("这里是{}，应为{}", found.describe_zh(), expected.describe_zh()),
                "目标值与容差请用该值的单位（比率写 `within 0.5%` 或 `within 0.5 百分点`）",
            ),
        );
    }

    /// `abs(x)` and `pow(x, n)`, lowered to `max(x, -x)` and n multiplications; `None` for other names.
    pub(crate) fn plan_call(&mut self, function: &ast::Ident, args: &[ast::Expr], span: Span) -> Option<Typed> {
        match (function.name.as_str(), args) {
            ("abs", [x]) => {
                Some(self.number(x).map(|(e, d)| (Expr::Max(vec![e.clone(), Expr::Neg(Box::new(e))]), Type::Num(d))))
            }
            ("pow", [x, n]) => Some(self.power(x, n)),
            ("abs" | "pow", _) => {
                let (usage, usage_zh) = if function.name == "abs" {
                    ("abs(x) takes one value", "abs(x) 只有一个参数")
                } else {
                    (
                        "pow(x, n) takes a value and a whole power, e.g. pow(1 + 15%, 5)",
                        "pow(x, n) 有两个参数：底数和整数次幂，如 pow(1 + 15%, 5)",
                    )
                };
                self.error(
                    Diagnostic::error("C064", span, format!("`{}` is given {} argument(s)", function.name, args.len()))
                        .label("wrong number of arguments")
                        .help(usage)
                        .zh(
                            format!("`{}` 的参数个数不对（{} 个）", function.name, args.len()),
                            "参数个数不对",
                            usage_zh,
                        ),
                );
                Some(None)
            }
            _ => None,
        }
    }

    fn number(&mut self, e: &ast::Expr) -> Option<(Expr, Dimension)> {
        match self.expr(e, None)? {
            (expr, Type::Num(d)) => Some((expr, d)),
            (_, found) => {
                self.type_mismatch(e.span, Type::Num(Dimension::NONE), found);
                None
            }
        }
    }

    fn power(&mut self, x: &ast::Expr, n: &ast::Expr) -> Typed {
        let whole = match &n.kind {
            ExprKind::Number { value, unit: None } if value.fract().is_zero() => u32::try_from(value.mantissa()).ok(),
            _ => None,
        };
        let Some(n_value) = whole.filter(|p| *p <= MAX_POWER) else {
            self.error(
                Diagnostic::error("C064", n.span, format!("the power must be a whole number from 0 to {MAX_POWER}"))
                    .label("not a whole number written here")
                    .help("write the number of years, e.g. pow(1 + 15%, 5) for five years of 15% growth")
                    .zh(
                        format!("幂次须为 0 到 {MAX_POWER} 的整数"),
                        "不是直接写出的整数",
                        "请写出年数，如五年每年增长15%写作 pow(1 + 15%, 5)",
                    ),
            );
            return None;
        };
        let (base, dim) = self.number(x)?;
        let one = Expr::Const(Constant::Num(Quantity::new(Decimal::ONE, Unit::ONE)));
        let mut product = one;
        let mut product_dim = Dimension::NONE;
        for i in 0..n_value {
            product_dim = product_dim.mul(dim);
            product = if i == 0 {
                base.clone()
            } else {
                Expr::Arith { op: ArithOp::Mul, lhs: Box::new(product), rhs: Box::new(base.clone()) }
            };
        }
        Some((product, Type::Num(product_dim)))
    }
}

fn tolerance_dim_fixed(points: Quantity) -> Expr {
    Expr::Const(Constant::Num(Quantity::new(points.value, Unit::atom(Atom::Percent))))
}

/// Words by which a plan hedges a target: missing it is a shortfall to report, not a breach.
pub const HEDGES: [&str; 5] = ["力争", "争取", "争创", "努力", "力求"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_words_read_as_their_operators() {
        assert_eq!(plan_operator("达"), Some(CmpOp::Ge));
        assert_eq!(plan_operator("突破"), Some(CmpOp::Gt));
        assert_eq!(plan_operator("跨越"), Some(CmpOp::Gt));
        assert_eq!(plan_operator("前八"), Some(CmpOp::Le));
        assert_eq!(plan_operator("差不多"), None);
        assert_eq!(
            [rank_limit("前10名"), rank_limit("前八"), rank_limit("前四十强"), rank_limit("前十二")],
            [Some(10), Some(8), Some(40), Some(12)]
        );
        assert_eq!(rank_limit("前"), None);
        assert!(either_reading("超6亿元以上") && !either_reading("超过") && !either_reading("以上"));
        assert_eq!(
            (tolerance_word("接近"), tolerance_word("左右"), tolerance_word("以上")),
            (Some(true), Some(false), None)
        );
    }
}
