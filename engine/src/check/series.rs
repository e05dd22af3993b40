//! Series facts: one value per year (`fact gdp: 亿元 yearly 2021..2025`). Each year is an ordinary fact
//! (`gdp_2021`, labelled 「地区生产总值（2021年）」), so a fact file, a CSV row and every later stage see plain
//! facts; the words of plans over a series (`gdp[2025]`, 逐年 `each(…)`, 累计 `sum(…)`, 年均 `mean(…)`,
//! 逐年下降 `falling(…)`) are lowered here to comparisons and sums of those facts.

use super::Checker;
use super::expr::Typed;
use crate::diag::{Diagnostic, Span};
use crate::policy::*;
use crate::syntax::ast::{self, ArithOp, CmpOp, ExprKind};
use crate::syntax::ast::{Bilingual, Spanned};
use crate::units::Unit;

/// The most years a series may span: a plan period, with room to spare.
const MAX_YEARS: i16 = 50;

#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub first: FactId,
    pub from: i16,
    pub to: i16,
}

impl Checker<'_> {
    pub(crate) fn declare_series(
        &mut self,
        fact: &ast::FactAst,
        years: &Spanned<(i16, i16)>,
        ty: (Type, Option<Unit>, bool),
        label: &Bilingual,
    ) {
        let (from, to) = years.node;
        if to < from || to - from >= MAX_YEARS {
            self.error(
                Diagnostic::error("C070", years.span, format!("`{from}..{to}` is not a span of years"))
                    .label("first year, then last year")
                    .help(format!(
                        "write the first and the last year, at most {MAX_YEARS} years apart, e.g. `yearly 2021..2025`"
                    ))
                    .zh(
                        format!("`{from}..{to}` 不是有效的年份区间"),
                        "先写起始年，再写截止年",
                        format!("请写起始年和截止年，相隔不超过 {MAX_YEARS} 年，如 `yearly 2021..2025`"),
                    ),
            );
            self.poisoned.insert(fact.id.name.clone());
            return;
        }
        if self.symbols.contains_key(&fact.id.name) || self.series.contains_key(&fact.id.name) {
            self.error(super::twice(&fact.id));
            return;
        }
        let first = self.facts.len() as FactId;
        for year in from..=to {
            let id = ast::Ident { name: format!("{}_{year}", fact.id.name), span: fact.id.span };
            let label = Bilingual {
                zh: format!("{}（{year}年）", label.zh),
                en: label.en.as_ref().map(|en| format!("{en} ({year})")),
            };
            if !self.push_fact(fact, &id, ty, label) {
                self.poisoned.insert(fact.id.name.clone());
                return;
            }
        }
        self.series.insert(fact.id.name.clone(), Series { first, from, to });
    }

    /// `gdp[2025]`: the fact of that year.
    pub(crate) fn series_year(&mut self, name: &ast::Ident, year: &Spanned<i16>) -> Typed {
        let Some(series) = self.series.get(&name.name).cloned() else {
            if self.symbols.contains_key(&name.name) {
                self.error(
                    Diagnostic::error(
                        "C072",
                        name.span,
                        format!("`{}` is one value, not a series of years", name.name),
                    )
                    .label("no years to pick from")
                    .help(format!(
                        "declare it as a series, e.g. `fact {}: … yearly 2021..2025`, or drop the year",
                        name.name
                    ))
                    .zh(
                        format!("`{}` 是单个值，不是逐年序列", name.name),
                        "没有可选的年份",
                        format!("请声明为序列，如 `fact {}: … yearly 2021..2025`，或去掉年份", name.name),
                    ),
                );
            } else {
                self.unknown_name(name, None);
            }
            return None;
        };
        if year.node < series.from || year.node > series.to {
            let (from, to, y) = (series.from, series.to, year.node);
            self.error(
                Diagnostic::error(
                    "C071",
                    year.span,
                    format!("the series `{}` runs from {from} to {to}; {y} is outside it", name.name),
                )
                .label("no such year in the series")
                .help(format!(
                    "use a year from {from} to {to}, or widen the series: `yearly {}..{}`",
                    from.min(y),
                    to.max(y)
                ))
                .zh(
                    format!("序列 `{}` 为 {from} 年至 {to} 年，{y} 年不在其中", name.name),
                    "序列中没有这一年",
                    format!("请用 {from} 至 {to} 年中的一年，或放宽序列：`yearly {}..{}`", from.min(y), to.max(y)),
                ),
            );
            return None;
        }
        let id = series.first + (year.node - series.from) as FactId;
        self.fact_uses[id as usize] += 1;
        Some((Expr::Fact(id), self.facts[id as usize].ty))
    }

    /// A series named where one value is expected.
    pub(crate) fn bare_series(&mut self, name: &ast::Ident) {
        self.error(
            Diagnostic::error("C072", name.span, format!("`{}` is a series of years, not one value", name.name))
                .label("which year?")
                .help(format!(
                    "write one year `{0}[2025]`, every year `each({0}) <= …`, the total `sum({0})`, the yearly mean `mean({0})`, or the direction `falling({0})` / `rising({0})`",
                    name.name
                ))
                .zh(
                    format!("`{}` 是逐年序列，不是一个值", name.name),
                    "哪一年？",
                    format!(
                        "请写某一年 `{0}[2025]`、每一年 `each({0}) <= …`、合计 `sum({0})`、年均 `mean({0})`，或方向 `falling({0})`（逐年下降）/ `rising({0})`（逐年上升）",
                        name.name
                    ),
                ),
        );
    }

    /// The years of a series named as the only argument of `sum`, `mean`, `each`, `rising` or `falling`, as
    /// `name[year]` expressions written where the series was.
    fn years_of(&self, args: &[ast::Expr]) -> Option<Vec<ast::Expr>> {
        let [ast::Expr { kind: ExprKind::Name(name), span }] = args else { return None };
        let series = self.series.get(&name.name)?;
        Some(
            (series.from..=series.to)
                .map(|year| ast::Expr {
                    kind: ExprKind::Index { series: name.clone(), year: Spanned { node: year, span: *span } },
                    span: *span,
                })
                .collect(),
        )
    }

    /// `sum(gdp)`, `mean(gdp)`, `rising(gdp)`, `falling(gdp)` over a series; `None` when the call is not one.
    pub(crate) fn series_call(&mut self, function: &ast::Ident, args: &[ast::Expr], span: Span) -> Option<Typed> {
        let years = self.years_of(args)?;
        let node = |kind: ExprKind| ast::Expr { kind, span };
        let sum = || node(ExprKind::Call { function: ast::Ident { name: "sum".into(), span }, args: years.clone() });
        Some(match function.name.as_str() {
            "sum" => self.expr(&sum(), None),
            // 年均: the total over the years divided by their number.
            "mean" => {
                let count = rust_decimal::Decimal::from(years.len() as i64);
                let mean = node(ExprKind::Arith {
                    op: ArithOp::Div,
                    lhs: Box::new(sum()),
                    rhs: Box::new(node(ExprKind::Number { value: count, unit: None })),
                });
                self.expr(&mean, None)
            }
            // 逐年上升 / 逐年下降: each year strictly above (below) the year before.
            "rising" | "falling" => {
                let op = if function.name == "rising" { CmpOp::Gt } else { CmpOp::Lt };
                let steps: Vec<ast::Expr> = years
                    .windows(2)
                    .map(|pair| {
                        node(ExprKind::Compare {
                            op,
                            lhs: Box::new(pair[1].clone()),
                            rhs: Box::new(pair[0].clone()),
                            word: None,
                            word_source: None,
                        })
                    })
                    .collect();
                self.expr(&node(ExprKind::And(steps)), Some(Type::Bool))
            }
            _ => return None,
        })
    }

    /// `each(gdp) OP x`: the comparison for every year of the series, all of which must hold (逐年, 每年).
    pub(crate) fn each_year(
        &mut self,
        op: CmpOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        word: Option<&Spanned<String>>,
        word_source: Option<&str>,
        span: Span,
    ) -> Option<Typed> {
        let ExprKind::Call { function, args } = &lhs.kind else { return None };
        if function.name != "each" {
            return None;
        }
        let Some(years) = self.years_of(args) else {
            self.error(
                Diagnostic::error("C072", lhs.span, "`each(…)` takes the name of a series")
                    .label("not a series")
                    .help("declare the fact with `yearly FROM..TO` and write `each(NAME) <= …`")
                    .zh(
                        "`each(…)` 的参数须是逐年序列的名称",
                        "不是序列",
                        "请用 `yearly 起始年..截止年` 声明事实，再写 `each(名称) <= …`",
                    ),
            );
            return Some(None);
        };
        let mut parts = Vec::with_capacity(years.len());
        for year in &years {
            let Some((part, _)) = self.compare(op, year, rhs, word, word_source, span) else { return Some(None) };
            parts.push(part);
        }
        Some(Some((Expr::And(parts), Type::Bool)))
    }

    /// How a report names a total or a mean over a series: 「引进高校毕业生（2021－2025年合计）」, never the
    /// rule text `sum(graduates)`.
    pub(crate) fn series_text(&self, e: &ast::Expr) -> Option<Bilingual> {
        let ExprKind::Call { function, args } = &e.kind else { return None };
        let [ast::Expr { kind: ExprKind::Name(name), .. }] = args.as_slice() else { return None };
        let series = self.series.get(&name.name)?;
        let (zh, en) = match function.name.as_str() {
            "sum" => ("合计", "total"),
            "mean" => ("年均", "yearly mean"),
            _ => return None,
        };
        let (from, to) = (series.from, series.to);
        let label = &self.facts.get(series.first as usize)?.label;
        // The first year's label is 「引进高校毕业生（2021年）」: the series' own label is what precedes it.
        let own = label.zh.strip_suffix(&format!("（{from}年）")).unwrap_or(&label.zh);
        let own_en = label.en.as_deref().map(|l| l.strip_suffix(&format!(" ({from})")).unwrap_or(l));
        Some(Bilingual {
            zh: format!("{own}（{from}－{to}年{zh}）"),
            en: own_en.map(|own| format!("{own} ({en} {from}–{to})")),
        })
    }
}
