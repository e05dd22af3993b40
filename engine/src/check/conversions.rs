//! `convert 1 天 = 8 小时 by "…"`: a conversion across time bases that a law fixes. Checked here: the law is
//! cited (C090), both sides are one of 小时, 天, 月, 年 with a positive number and differ (C091), and no pair
//! is declared twice (C092), so that the value reader (`facts`) can apply the links as given.

use super::Checker;
use crate::diag::{Diagnostic, Span};
use crate::policy::Conversion;
use crate::syntax::ast::{ConversionAst, Measure};
use crate::units::{TimeLink, Unit, time_atom};

impl Checker<'_> {
    pub(super) fn conversion(&mut self, ast: &ConversionAst, out: &mut Vec<Conversion>) {
        let citation = ast.citation.as_ref().map(|c| c.node.trim()).filter(|c| !c.is_empty());
        let Some(citation) = citation else {
            self.error(
                // Up to the second side: the declaration's own span runs on over the white space after it.
                Diagnostic::error(
                    "C090",
                    Span { end: ast.right.span.end, ..ast.span },
                    "a conversion across 小时, 天, 月 and 年 must cite the law that fixes it",
                )
                .label("no citation")
                .help("how many hours a day or days a month counts is law, not arithmetic: add `by \"《…》第…条\"`")
                .zh(
                    "小时、天、月、年之间的换算必须注明依据的法规",
                    "没有注明依据",
                    "一天算几小时、一月算几天由法规规定，不是算术：请加 `by \"《…》第…条\"`",
                ),
            );
            return;
        };
        let (Some((from, left)), Some((to, right))) = (self.time_side(&ast.left), self.time_side(&ast.right)) else {
            return;
        };
        if from == to {
            self.error(
                Diagnostic::error("C091", ast.span, format!("both sides of the conversion are {}", from.symbol()))
                    .label("the same unit")
                    .help("a conversion links two of 小时, 天, 月, 年, e.g. `convert 1 天 = 8 小时 by \"…\"`")
                    .zh(
                        format!("换算两边都是{}", from.symbol()),
                        "单位相同",
                        "换算连接小时、天、月、年中的两个，如 `convert 1 天 = 8 小时 by \"…\"`",
                    ),
            );
            return;
        }
        let same = |c: &Conversion| (c.link.from, c.link.to) == (from, to) || (c.link.from, c.link.to) == (to, from);
        if out.iter().any(same) {
            self.error(
                Diagnostic::error(
                    "C092",
                    ast.span,
                    format!("the conversion between {} and {} is declared twice", from.symbol(), to.symbol()),
                )
                .label("declared again")
                .help("keep one declaration per pair of units, with the law that fixes it")
                .zh(
                    format!("{}与{}之间的换算声明了两次", from.symbol(), to.symbol()),
                    "重复声明",
                    "每对单位只声明一次，并注明依据的法规",
                ),
            );
            return;
        }
        let text = format!("{} {} = {} {}", left.normalize(), from.symbol(), right.normalize(), to.symbol());
        out.push(Conversion {
            link: TimeLink { from, to, num: right, den: left },
            text,
            citation: citation.to_string(),
        });
    }

    /// One side: a positive number of exactly one of 小时, 天, 月, 年.
    fn time_side(&mut self, side: &Measure) -> Option<(crate::units::Atom, rust_decimal::Decimal)> {
        let unit = side.unit.as_deref().unwrap_or("");
        let atom = Unit::parse(unit).ok().and_then(time_atom);
        match atom {
            Some(atom) if side.value > rust_decimal::Decimal::ZERO => Some((atom, side.value)),
            _ => {
                let shown = if unit.is_empty() { side.value.to_string() } else { format!("{} {unit}", side.value) };
                self.error(
                    Diagnostic::error(
                        "C091",
                        side.span,
                        format!("`{shown}` is not a positive number of 小时, 天, 月 or 年"),
                    )
                    .label("not a time unit")
                    .help(
                        "each side is a positive number of 小时, 天, 月 or 年, e.g. `convert 1 月 = 21.75 天 by \"…\"`",
                    )
                    .zh(
                        format!("`{shown}` 不是以小时、天、月或年计的正数"),
                        "不是时间单位",
                        "两边都应是以小时、天、月或年计的正数，如 `convert 1 月 = 21.75 天 by \"…\"`",
                    ),
                );
                None
            }
        }
    }
}
