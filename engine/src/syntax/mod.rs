//! Rule text -> typed syntax tree. The pest grammar lives in `grammar/comply.pest`; pest's pairs never
//! leave this module, and pest's errors are rewritten into plain words here.

pub mod ast;

use std::str::FromStr;

use pest::Parser as _;
use pest::iterators::Pair;
use rust_decimal::Decimal;

use crate::diag::{Diagnostic, Span};
use ast::*;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/comply.pest"]
struct Grammar;

/// Parses one rule file. `file` is the id the caller registered the text under in `Sources`.
pub fn parse(file: u32, text: &str) -> Result<Vec<PolicyAst>, Diagnostic> {
    nesting(file, text)?;
    let mut pairs = Grammar::parse(Rule::file, text).map_err(|e| syntax_error(file, text, e))?;
    let builder = Builder { file };
    let mut policies = Vec::new();
    if let Some(root) = pairs.next() {
        for pair in root.into_inner() {
            if pair.as_rule() == Rule::policy {
                policies.push(builder.policy(pair)?);
            }
        }
    }
    Ok(policies)
}

/// Refuses nesting the parser would recurse on past `limits::MAX_NESTING`: brackets, and `if` and `not`
/// within one expression. Read lexically (comments and strings skipped) before the grammar runs, so that a
/// hostile file cannot overflow the parser's stack.
fn nesting(file: u32, text: &str) -> Result<(), Diagnostic> {
    const RESETS: &[&str] = &[
        "let",
        "output",
        "rule",
        "when",
        "require",
        "otherwise",
        "param",
        "fact",
        "table",
        "property",
        "policy",
        "title",
        "clause",
        "from",
    ];
    let limit = crate::limits::MAX_NESTING;
    let mut brackets = 0usize;
    let mut keywords = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '#' => while chars.next_if(|(_, c)| *c != '\n').is_some() {},
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '(' | '{' | '[' => brackets += 1,
            ')' | '}' | ']' => brackets = brackets.saturating_sub(1),
            '=' if chars.peek().is_some_and(|(_, c)| *c == '>') => keywords = 0,
            c if c.is_alphabetic() || c == '_' => {
                let mut end = at + c.len_utf8();
                while let Some((i, c)) = chars.next_if(|(_, c)| c.is_alphanumeric() || *c == '_') {
                    end = i + c.len_utf8();
                }
                match &text[at..end] {
                    "if" | "not" => keywords += 1,
                    word if RESETS.contains(&word) => keywords = 0,
                    _ => {}
                }
            }
            _ => continue,
        }
        if brackets + keywords > limit {
            let span = Span::new(file, at, at + c.len_utf8());
            return Err(too_deep(span));
        }
    }
    Ok(())
}

fn too_deep(span: Span) -> Diagnostic {
    let limit = crate::limits::MAX_NESTING;
    Diagnostic::error("C070", span, format!("this expression is nested more than {limit} levels deep"))
        .label("too deep")
        .help("split it into named `let` values; each may use the ones before it")
        .zh(format!("表达式嵌套超过 {limit} 层"), "嵌套过深", "请拆成若干个命名的 `let` 值，后面的可以引用前面的")
}

fn syntax_error(file: u32, text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let offset = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let end = text[offset..].chars().next().map_or(offset, |c| offset + c.len_utf8());
    let found = text[offset..]
        .split(|c: char| c.is_whitespace())
        .next()
        .filter(|w| !w.is_empty())
        .map_or_else(|| "the end of the file".to_string(), |w| format!("`{}`", w.chars().take(20).collect::<String>()));
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            // An expression could always continue with an operator; naming those buries what was meant.
            let continuation = |r: &Rule| {
                matches!(
                    r,
                    Rule::add_op | Rule::mul_op | Rule::k_and | Rule::k_or | Rule::compare_op | Rule::comparison
                )
            };
            let meant: Vec<Rule> = positives.iter().copied().filter(|r| !continuation(r)).collect();
            let chosen = if meant.is_empty() { positives.clone() } else { meant };
            let mut names: Vec<&str> = chosen.iter().map(|r| describe(*r)).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let expected_zh = match expected.iter().map(|e| in_chinese(e)).collect::<Vec<_>>().as_slice() {
        [] => "其他内容".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{}或{}", init.join("、"), last),
    };
    let expected = match expected.as_slice() {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    };
    let found_zh = if found == "the end of the file" { "文件结尾".to_string() } else { found.clone() };
    Diagnostic::error("C001", Span::new(file, offset, end), format!("syntax error: expected {expected}, found {found}"))
        .label("unexpected here")
        .help("see docs/language.md; every block is `keyword … { … }`, strings use straight double quotes and statutory words full-width brackets （以上）")
        .zh(
            format!("语法错误：此处应为{expected_zh}，实际是 {found_zh}"),
            "此处有误",
            "参见 docs/language.md：每个块写作 `关键字 … { … }`，字符串用半角双引号，条文用语用全角括号，如（以上）",
        )
}

/// The Chinese for a description from `describe`; keywords in backticks read the same in both languages.
fn in_chinese(description: &str) -> &str {
    match description {
        "a comparison (>=, >, <=, <, =, !=)" => "比较（>=、>、<=、<、=、!=）",
        "a verdict (pass, fail, refer, undetermined, not_applicable)" => {
            "结论（pass、fail、refer、undetermined、not_applicable）"
        }
        "a comparison, `in` or `has`" => "比较、`in` 或 `has`",
        "a date (YYYY-MM-DD)" => "日期（YYYY-MM-DD）",
        "a name" => "名称",
        "a number" => "数字",
        "a policy item (title, source, in_force, fact, table, param, let, output, rule)" => {
            "政策条目（title、source、in_force、fact、table、param、let、output、rule）"
        }
        "a policy" => "政策",
        "a rule item (title, clause, when, require, otherwise)" => {
            "规则条目（title、clause、when、require、otherwise）"
        }
        "a set `{a, b}`" => "集合 `{a, b}`",
        "a source field (title, number, issuer, signed, file)" => "出处字段（title、number、issuer、signed、file）",
        "a statutory word in full-width brackets, e.g. （以上）" => "全角括号中的条文用语，如（以上）",
        "a string in double quotes" => "双引号字符串",
        "a table row (`pattern, … => value`)" => "表的一行（`匹配项, … => 值`）",
        "a unit (元, 万元, 亩, m², %, kVA, 吨标准煤, 元/月, …)" => {
            "单位（元、万元、亩、m²、%、kVA、吨标准煤、元/月……）"
        }
        "a value (number, name, string, date, `if`, or `(`)" => "值（数字、名称、字符串、日期、`if` 或 `(`）",
        "an enum value" => "单选取值",
        "an expression" => "表达式",
        "the end of the file" => "文件结尾",
        "white space" => "空白",
        "a consequence (fail, refer, warn, not_applicable)" => "后果（fail、refer、warn、not_applicable）",
        "a type (bool, count, date, text, number, enum {…}, set of {…}, or a unit such as 万元/亩)" => {
            "类型（bool、count、date、text、number、enum {…}、set of {…}，或 万元/亩 这样的单位）"
        }
        "`{ label … }`" => "`{ label … }`",
        "one year of a series (`gdp[2025]`) or one record of a list (`rate[鹿城区]`)" => {
            "序列的某一年（`gdp[2025]`）或列表的某一条（`rate[鹿城区]`）"
        }
        "`all`, `any`, `count` or `sum` over a list (`all(c in county: …)`)" => {
            "对列表逐条的 `all`、`any`、`count` 或 `sum`（`all(c in county: …)`）"
        }
        other => other,
    }
}

/// Names a grammar rule the way a rule author thinks of it.
fn describe(grammar_rule: Rule) -> &'static str {
    match grammar_rule {
        Rule::EOI => "the end of the file",
        Rule::policy | Rule::k_policy => "`policy`",
        Rule::policy_item => "a policy item (title, source, in_force, fact, table, param, let, output, rule)",
        Rule::title | Rule::k_title => "`title`",
        Rule::source | Rule::k_source => "`source`",
        Rule::source_field | Rule::source_key => "a source field (title, number, issuer, signed, file)",
        Rule::validity | Rule::k_in_force => "`in_force`",
        Rule::fact | Rule::k_fact => "`fact`",
        Rule::table | Rule::k_table => "`table`",
        Rule::param | Rule::k_param => "`param`",
        Rule::derived | Rule::k_let => "`let`",
        Rule::output | Rule::k_output => "`output`",
        Rule::rule_block | Rule::k_rule => "`rule`",
        Rule::rule_item => "a rule item (title, clause, when, require, otherwise)",
        Rule::clause | Rule::k_clause => "`clause`",
        Rule::period_decl | Rule::k_period => "`period`",
        Rule::due | Rule::k_due => "`due`",
        Rule::on_track | Rule::k_on_track => "`on_track`",
        Rule::lead | Rule::k_lead => "`lead`",
        Rule::responsible | Rule::k_responsible => "`responsible`",
        Rule::quote | Rule::k_quote => "`quote`",
        Rule::applies | Rule::k_when => "`when`",
        Rule::requires | Rule::k_require => "`require`",
        Rule::otherwise | Rule::k_otherwise => "`otherwise`",
        Rule::consequence | Rule::c_fail | Rule::c_refer | Rule::c_warn | Rule::c_not_applicable => {
            "a consequence (fail, refer, warn, not_applicable)"
        }
        Rule::k_fail => "`fail`",
        Rule::k_remedy => "`remedy`",
        Rule::k_refer => "`refer`",
        Rule::fact_type | Rule::t_bool | Rule::t_count | Rule::t_date | Rule::t_text | Rule::t_number => {
            "a type (bool, count, date, text, number, enum {…}, set of {…}, or a unit such as 万元/亩)"
        }
        Rule::t_enum | Rule::k_enum => "`enum`",
        Rule::enum_decl => "`enum NAME { … }`",
        Rule::yearly | Rule::k_yearly => "`yearly FROM..TO`",
        Rule::year => "a year (four digits)",
        Rule::index => "one year of a series (`gdp[2025]`) or one record of a list (`rate[鹿城区]`)",
        Rule::per_key | Rule::k_per => "`per ENUM`",
        Rule::over | Rule::over_kind => "`all`, `any`, `count` or `sum` over a list (`all(c in county: …)`)",
        Rule::k_where => "`where`",
        Rule::k_ordered => "`ordered`",
        Rule::t_set | Rule::k_set => "`set`",
        Rule::k_of => "`of`",
        Rule::enum_value => "an enum value",
        Rule::aliases | Rule::k_aka => "`aka` and the other spellings in quotes",
        Rule::details | Rule::detail => "`{ label … }`",
        Rule::label | Rule::k_label => "`label`",
        Rule::ask | Rule::k_ask => "`ask`",
        Rule::k_en => "`en`",
        Rule::text_pair | Rule::string | Rule::string_body => "a string in double quotes",
        Rule::table_row | Rule::pattern | Rule::wildcard | Rule::pattern_set => "a table row (`pattern, … => value`)",
        Rule::param_period | Rule::k_from => "`from`",
        Rule::k_until => "`until`",
        Rule::k_by => "`by`",
        Rule::property | Rule::k_property | Rule::prop_increasing | Rule::prop_decreasing => "`property`",
        Rule::k_increasing | Rule::k_decreasing => "`increasing` or `decreasing`",
        Rule::expr
        | Rule::disjunction
        | Rule::conjunction
        | Rule::negation
        | Rule::relation
        | Rule::sum
        | Rule::product
        | Rule::unary
        | Rule::conditional
        | Rule::call
        | Rule::boolean => "an expression",
        Rule::comparison | Rule::compare_op => "a comparison (>=, >, <=, <, =, !=)",
        Rule::approximation | Rule::k_approximately => "`approximately`",
        Rule::k_within => "`within`",
        Rule::statute_word | Rule::word => "a statutory word in full-width brackets, e.g. （以上）",
        Rule::membership | Rule::k_in => "`in`",
        Rule::has_any | Rule::has_only | Rule::has_value | Rule::k_has => "`has`",
        Rule::set_literal => "a set `{a, b}`",
        Rule::add_op => "`+` or `-`",
        Rule::mul_op => "`*` or `/`",
        Rule::quantity | Rule::number | Rule::neg_sign | Rule::percent_sign => "a number",
        Rule::unit | Rule::unit_atom | Rule::unit_like | Rule::unknown_unit | Rule::unknown_unit_char => {
            "a unit (元, 万元, 亩, m², %, kVA, 吨标准煤, 元/月, …)"
        }
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::ident | Rule::keyword => "a name",
        Rule::k_none => "`none`",
        Rule::k_or => "`or`",
        Rule::k_and => "`and`",
        Rule::k_not => "`not`",
        Rule::k_any => "`any`",
        Rule::k_only => "`only`",
        Rule::k_if => "`if`",
        Rule::k_then => "`then`",
        Rule::k_else => "`else`",
        Rule::k_true | Rule::k_false => "`true` or `false`",
        Rule::k_as_of => "`as_of`",
        Rule::conclusion | Rule::k_conclusion => "`conclusion`",
        Rule::verdict_name => "a verdict (pass, fail, refer, undetermined, not_applicable)",
        Rule::not_checked | Rule::k_not_checked => "`not_checked`",
        Rule::not_encoded | Rule::k_not_encoded => "`not_encoded`",
        Rule::administrative | Rule::k_administrative => "`administrative`",
        Rule::conversion | Rule::k_convert => "`convert`",
        Rule::evidence | Rule::k_evidence => "`evidence`",
        Rule::may_be_negative => "`may_be_negative`",
        Rule::inapplicable | Rule::k_inapplicable => "`inapplicable`",
        Rule::reading | Rule::k_reading => "`reading`",
        Rule::word_source => "`by \"…\"`",
        Rule::k_warn => "`warn`",
        Rule::k_not_applicable => "`not_applicable`",
        Rule::file => "a policy",
        Rule::relation_tail => "a comparison, `in` or `has`",
        Rule::primary => "a value (number, name, string, date, `if`, or `(`)",
        Rule::ident_start | Rule::ident_char => "a name",
        Rule::WHITESPACE | Rule::COMMENT => "white space",
    }
}

fn is_keyword(grammar_rule: Rule) -> bool {
    format!("{grammar_rule:?}").starts_with("k_")
}

/// The children of a pair without the keyword tokens, which carry no information once matched.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

struct Builder {
    file: u32,
}

type Built<T> = Result<T, Diagnostic>;

impl Builder {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn policy(&self, pair: Pair<'_, Rule>) -> Built<PolicyAst> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let id = self.ident(next(&mut inner)?);
        let items = inner.map(|item| self.item(item)).collect::<Built<Vec<_>>>()?;
        Ok(PolicyAst { id, span, items })
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Built<Item> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::title => Item::Title(self.bilingual(only(pair)?)?, span),
            Rule::source => Item::Source(children(pair).map(|f| self.source_field(f)).collect::<Built<_>>()?, span),
            Rule::validity => {
                let mut dates = children(pair);
                let from = self.date(next(&mut dates)?)?;
                let until = dates.next().map(|d| self.date(d)).transpose()?;
                Item::Validity { from, until, span }
            }
            Rule::fact => {
                let mut inner = children(pair);
                let id = self.ident(next(&mut inner)?);
                let ty = self.fact_type(next(&mut inner)?)?;
                let mut yearly = None;
                let mut per = None;
                let mut details = Details::default();
                for child in inner {
                    if child.as_rule() == Rule::per_key {
                        per = Some(self.ident(only(child)?));
                    } else if child.as_rule() == Rule::yearly {
                        let span = self.span(&child);
                        let mut years = children(child);
                        let from = self.year(next(&mut years)?)?;
                        let to = self.year(next(&mut years)?)?;
                        yearly = Some(Spanned { node: (from.node, to.node), span });
                    } else {
                        details = self.details(child)?;
                    }
                }
                Item::Fact(FactAst { id, ty, yearly, per, details })
            }
            Rule::enum_decl => {
                let ordered = pair.clone().into_inner().any(|p| p.as_rule() == Rule::k_ordered);
                let mut inner = children(pair.clone());
                let id = self.ident(next(&mut inner)?);
                Item::Enum(EnumDeclAst { id, ordered, values: self.enum_values(pair)? })
            }
            Rule::table => {
                let mut inner = children(pair);
                let id = self.ident(next(&mut inner)?);
                let mut keys = Vec::new();
                let mut rows = Vec::new();
                let mut label = None;
                let mut ty = None;
                for child in inner {
                    match child.as_rule() {
                        Rule::fact_type => ty = Some(self.fact_type(child)?),
                        Rule::expr => keys.push(self.expr(child)?),
                        Rule::label => label = Some(self.bilingual(only(child)?)?),
                        _ => rows.push(self.table_row(child)?),
                    }
                }
                Item::Table(TableAst { id, ty, label, keys, rows })
            }
            Rule::param => {
                let mut inner = children(pair);
                let id = self.ident(next(&mut inner)?);
                let ty = self.fact_type(next(&mut inner)?)?;
                let mut label = None;
                let mut periods = Vec::new();
                for child in inner {
                    match child.as_rule() {
                        Rule::label => label = Some(self.bilingual(only(child)?)?),
                        _ => periods.push(self.period(child)?),
                    }
                }
                Item::Param(ParamAst { id, label, ty, periods })
            }
            Rule::derived => Item::Derived(self.derived(pair)?),
            Rule::output => Item::Output(self.derived(pair)?),
            Rule::rule_block => Item::Rule(self.rule(pair)?),
            Rule::conclusion => {
                let mut inner = children(pair);
                let name = next(&mut inner)?;
                let verdict = Spanned { span: self.span(&name), node: name.as_str().to_string() };
                Item::Conclusion { verdict, text: self.bilingual(next(&mut inner)?)? }
            }
            Rule::not_checked => {
                let mut inner = children(pair);
                let clause = self.string(next(&mut inner)?);
                Item::NotChecked { clause, text: self.bilingual(next(&mut inner)?)?, span }
            }
            Rule::reading => Item::Reading(self.bilingual(only(pair)?)?),
            Rule::not_encoded => {
                let mut inner = children(pair);
                let clause = self.string(next(&mut inner)?);
                let what = self.string(next(&mut inner)?);
                Item::NotEncoded { clause, what, why: self.string(next(&mut inner)?) }
            }
            Rule::administrative => {
                let mut inner = children(pair);
                let label = self.bilingual(next(&mut inner)?)?;
                let value = self.bilingual(next(&mut inner)?)?;
                let clause = inner.next().map(|c| self.clause(c)).transpose()?;
                Item::Administrative { label, value, clause, span }
            }
            Rule::period_decl => Item::Period(self.expr(only(pair)?)?, span),
            Rule::conversion => {
                let mut inner = children(pair);
                let left = self.measure(next(&mut inner)?)?;
                let right = self.measure(next(&mut inner)?)?;
                let citation = inner.next().map(|c| Spanned { span: self.span(&c), node: self.string(c) });
                Item::Conversion(ConversionAst { left, right, citation, span })
            }
            Rule::property => {
                let prop = only(pair)?;
                let id = self.ident(only(prop.clone())?);
                Item::Property(match prop.as_rule() {
                    Rule::prop_increasing => PropertyAst::Increasing(id),
                    _ => PropertyAst::Decreasing(id),
                })
            }
            other => return Err(unexpected(self.file, span, other)),
        })
    }

    fn measure(&self, pair: Pair<'_, Rule>) -> Built<Measure> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let value = self.decimal(&next(&mut inner)?)?;
        let unit = inner.next().map(|u| u.as_str().chars().filter(|c| *c != ' ').collect::<String>());
        Ok(Measure { value, unit, span })
    }

    fn source_field(&self, pair: Pair<'_, Rule>) -> Built<SourceField> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let key = next(&mut inner)?.as_str().to_string();
        let value_pair = next(&mut inner)?;
        let value = match value_pair.as_rule() {
            Rule::string => SourceValue::Text(self.string(value_pair)),
            Rule::date => SourceValue::Date(self.date(value_pair)?),
            _ => SourceValue::None,
        };
        Ok(SourceField { key, value, span })
    }

    fn bilingual(&self, pair: Pair<'_, Rule>) -> Built<Bilingual> {
        let mut strings = children(pair);
        let zh = self.string(next(&mut strings)?);
        let en = strings.next().map(|s| self.string(s));
        Ok(Bilingual { zh, en })
    }

    fn string(&self, pair: Pair<'_, Rule>) -> String {
        let body = pair.into_inner().next().map_or("", |b| b.as_str());
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn date(&self, pair: Pair<'_, Rule>) -> Built<jiff::civil::Date> {
        let span = self.span(&pair);
        jiff::civil::Date::from_str(pair.as_str()).map_err(|_| {
            Diagnostic::error("C002", span, format!("`{}` is not a calendar date", pair.as_str()))
                .label("no such day")
                .help("write dates as YYYY-MM-DD, e.g. 2015-11-01")
                .zh(format!("`{}` 不是有效的日期", pair.as_str()), "没有这一天", "日期写作 YYYY-MM-DD，如 2015-11-01")
        })
    }

    fn year(&self, pair: Pair<'_, Rule>) -> Built<Spanned<i16>> {
        let span = self.span(&pair);
        let node = pair.as_str().parse::<i16>().map_err(|_| unexpected(self.file, span, Rule::year))?;
        Ok(Spanned { node, span })
    }

    fn fact_type(&self, pair: Pair<'_, Rule>) -> Built<Spanned<TypeAst>> {
        let span = self.span(&pair);
        let inner = only(pair)?;
        let node = match inner.as_rule() {
            Rule::t_bool => TypeAst::Bool,
            Rule::t_count => TypeAst::Count,
            Rule::t_date => TypeAst::Date,
            Rule::t_text => TypeAst::Text,
            Rule::t_number => TypeAst::Number,
            Rule::t_enum => {
                let ordered = inner.clone().into_inner().any(|p| p.as_rule() == Rule::k_ordered);
                TypeAst::Enum { values: self.enum_values(inner)?, ordered }
            }
            Rule::t_set => match children(inner.clone()).next() {
                Some(name) if name.as_rule() == Rule::ident => TypeAst::SetOf(self.ident(name)),
                _ => TypeAst::Set(self.enum_values(inner)?),
            },
            _ => TypeAst::Unit(inner.as_str().to_string()),
        };
        Ok(Spanned { node, span })
    }

    fn enum_values(&self, pair: Pair<'_, Rule>) -> Built<Vec<EnumValueAst>> {
        children(pair)
            .filter(|value| value.as_rule() == Rule::enum_value)
            .map(|value| {
                let mut inner = value.into_inner();
                let id = self.ident(next(&mut inner)?);
                let mut label = None;
                let mut aliases = Vec::new();
                for part in inner {
                    if part.as_rule() == Rule::aliases {
                        for alias in part.into_inner().filter(|p| p.as_rule() == Rule::string) {
                            let span = self.span(&alias);
                            aliases.push((self.string(alias), span));
                        }
                    } else {
                        label = Some(self.bilingual(part)?);
                    }
                }
                Ok(EnumValueAst { id, label, aliases })
            })
            .collect()
    }

    fn details(&self, pair: Pair<'_, Rule>) -> Built<Details> {
        let mut details = Details::default();
        for detail in pair.into_inner() {
            let item = only(detail)?;
            match item.as_rule() {
                Rule::label => details.label = Some(self.bilingual(only(item)?)?),
                Rule::ask => details.ask = Some(self.bilingual(only(item)?)?),
                Rule::evidence => {
                    let mut texts = children(item);
                    details.evidence = Some(self.bilingual(next(&mut texts)?)?);
                    details.evidence_when = texts.next().map(|t| self.bilingual(t)).transpose()?;
                }
                Rule::may_be_negative => details.may_be_negative = true,
                _ => details.clauses.push(self.clause(item)?),
            }
        }
        Ok(details)
    }

    fn clause(&self, pair: Pair<'_, Rule>) -> Built<ClauseAst> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let reference = self.string(next(&mut inner)?);
        let quotes = inner
            .map(|q| {
                let string = only(q)?;
                Ok(Spanned { span: self.span(&string), node: self.string(string) })
            })
            .collect::<Built<_>>()?;
        Ok(ClauseAst { reference, quotes, span })
    }

    fn table_row(&self, pair: Pair<'_, Rule>) -> Built<TableRowAst> {
        let span = self.span(&pair);
        let mut patterns = Vec::new();
        let mut value = None;
        let mut quotes = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::pattern => patterns.push(self.pattern(child)?),
                Rule::quote => {
                    let string = only(child)?;
                    quotes.push(Spanned { span: self.span(&string), node: self.string(string) });
                }
                _ => value = Some(self.expr(child)?),
            }
        }
        let value = value.ok_or_else(|| unexpected(self.file, span, Rule::table_row))?;
        Ok(TableRowAst { patterns, value, quotes, span })
    }

    fn pattern(&self, pair: Pair<'_, Rule>) -> Built<Spanned<Pattern>> {
        let span = self.span(&pair);
        let inner = only(pair)?;
        let node = match inner.as_rule() {
            Rule::wildcard => Pattern::Any,
            Rule::pattern_set => Pattern::Set(inner.into_inner().map(|i| self.set_item(i)).collect::<Built<_>>()?),
            _ => Pattern::One(self.set_item(inner)?),
        };
        Ok(Spanned { node, span })
    }

    fn set_item(&self, pair: Pair<'_, Rule>) -> Built<SetItem> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::string => SetItem::Text(self.string(pair), span),
            Rule::number => SetItem::Number(self.decimal(&pair)?, span),
            _ => SetItem::Name(self.ident(pair)),
        })
    }

    fn decimal(&self, pair: &Pair<'_, Rule>) -> Built<Decimal> {
        Decimal::from_str(pair.as_str()).map_err(|_| {
            Diagnostic::error(
                "C003",
                self.span(pair),
                format!("the number `{}` is too large or too precise", pair.as_str()),
            )
            .label("out of range")
            .help("numbers may have at most 28 significant digits")
            .zh(format!("数字 `{}` 过大或位数过多", pair.as_str()), "超出范围", "数字最多 28 位有效数字")
        })
    }

    fn period(&self, pair: Pair<'_, Rule>) -> Built<PeriodAst> {
        let span = self.span(&pair);
        let mut from = None;
        let mut until = None;
        let mut value = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::date if from.is_none() => from = Some(self.date(child)?),
                Rule::date => until = Some(self.date(child)?),
                _ => value = Some(self.expr(child)?),
            }
        }
        match (from, value) {
            (Some(from), Some(value)) => Ok(PeriodAst { from, until, value, span }),
            _ => Err(unexpected(self.file, span, Rule::param_period)),
        }
    }

    fn derived(&self, pair: Pair<'_, Rule>) -> Built<DerivedAst> {
        let mut id = None;
        let mut ty = None;
        let mut value = None;
        let mut details = Details::default();
        let span = self.span(&pair);
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident => id = Some(self.ident(child)),
                Rule::fact_type => ty = Some(self.fact_type(child)?),
                Rule::expr => value = Some(self.expr(child)?),
                _ => details = self.details(child)?,
            }
        }
        match (id, value) {
            (Some(id), Some(value)) => Ok(DerivedAst { id, ty, value, details }),
            _ => Err(unexpected(self.file, span, Rule::derived)),
        }
    }

    fn rule(&self, pair: Pair<'_, Rule>) -> Built<RuleAst> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let id = self.ident(next(&mut inner)?);
        let mut rule = RuleAst {
            id,
            span,
            titles: Vec::new(),
            clauses: Vec::new(),
            applies: Vec::new(),
            requires: Vec::new(),
            otherwise: Vec::new(),
            inapplicable: Vec::new(),
            readings: Vec::new(),
            target: TargetAst::default(),
        };
        for item in inner {
            let item_span = self.span(&item);
            match item.as_rule() {
                Rule::title => rule.titles.push(Spanned { node: self.bilingual(only(item)?)?, span: item_span }),
                Rule::clause => rule.clauses.push(self.clause(item)?),
                Rule::applies => rule.applies.push(self.expr(only(item)?)?),
                Rule::requires => rule.requires.push(self.expr(only(item)?)?),
                Rule::inapplicable => {
                    rule.inapplicable.push(Spanned { node: self.bilingual(only(item)?)?, span: item_span })
                }
                Rule::reading => rule.readings.push(self.bilingual(only(item)?)?),
                Rule::otherwise => {
                    let consequence = only(only(item)?)?;
                    let node = match consequence.as_rule() {
                        Rule::c_fail => ConsequenceAst::Fail {
                            remedy: children(consequence).next().map(|r| self.bilingual(r)).transpose()?,
                        },
                        Rule::c_refer => ConsequenceAst::Refer { to: self.bilingual(only(consequence)?)? },
                        Rule::c_warn => ConsequenceAst::Warn,
                        _ => ConsequenceAst::NotApplicable,
                    };
                    rule.otherwise.push(Spanned { node, span: item_span });
                }
                Rule::due => rule.target.due.push(Spanned { node: self.date(only(item)?)?, span: item_span }),
                Rule::on_track => rule.target.on_track.push(self.expr(only(item)?)?),
                Rule::lead => rule.target.lead.push(Spanned { node: self.units(item)?, span: item_span }),
                Rule::responsible => rule.target.responsible.push(Spanned { node: self.units(item)?, span: item_span }),
                other => return Err(unexpected(self.file, item_span, other)),
            }
        }
        Ok(rule)
    }

    /// `lead "区财政局" en "District finance bureau", "区税务局"`: each unit with its names.
    fn units(&self, pair: Pair<'_, Rule>) -> Built<Vec<Bilingual>> {
        children(pair).map(|p| self.bilingual(p)).collect()
    }

    fn expr(&self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let kind_rule = pair.as_rule();
        let kind = match kind_rule {
            Rule::expr => return self.expr(only(pair)?),
            Rule::disjunction | Rule::conjunction => {
                let mut operands = children(pair).map(|p| self.expr(p)).collect::<Built<Vec<_>>>()?;
                if operands.len() == 1 {
                    return operands.pop().ok_or_else(|| unexpected(self.file, span, kind_rule));
                }
                if kind_rule == Rule::disjunction { ExprKind::Or(operands) } else { ExprKind::And(operands) }
            }
            Rule::negation => {
                let nots = pair.clone().into_inner().filter(|p| p.as_rule() == Rule::k_not).count();
                let mut inner =
                    self.expr(children(pair).next().ok_or_else(|| unexpected(self.file, span, kind_rule))?)?;
                for _ in 0..nots {
                    inner = Expr { kind: ExprKind::Not(Box::new(inner)), span };
                }
                return Ok(inner);
            }
            Rule::relation => {
                let mut inner = pair.into_inner();
                let lhs = self.expr(next(&mut inner)?)?;
                let Some(tail) = inner.next() else { return Ok(lhs) };
                let lhs = Box::new(lhs);
                match tail.as_rule() {
                    Rule::comparison => {
                        let mut parts = tail.into_inner();
                        let op = match next(&mut parts)?.as_str() {
                            ">=" | "≥" => CmpOp::Ge,
                            ">" => CmpOp::Gt,
                            "<=" | "≤" => CmpOp::Le,
                            "<" => CmpOp::Lt,
                            "=" => CmpOp::Eq,
                            _ => CmpOp::Ne,
                        };
                        let rhs = Box::new(self.expr(next(&mut parts)?)?);
                        let mut worded = parts.next().map(|w| w.into_inner()).into_iter().flatten();
                        let word =
                            worded.next().map(|w| Spanned { span: self.span(&w), node: w.as_str().trim().to_string() });
                        let word_source = worded.next().and_then(|s| children(s).next()).map(|s| self.string(s));
                        ExprKind::Compare { op, lhs, rhs, word, word_source }
                    }
                    Rule::approximation => {
                        let mut parts = tail
                            .into_inner()
                            .filter(|p| !matches!(p.as_rule(), Rule::k_approximately | Rule::k_within));
                        let target = Box::new(self.expr(next(&mut parts)?)?);
                        let tolerance = Box::new(self.expr(next(&mut parts)?)?);
                        let word = parts
                            .next()
                            .and_then(|w| w.into_inner().next())
                            .map(|w| Spanned { span: self.span(&w), node: w.as_str().trim().to_string() });
                        ExprKind::Approx { value: lhs, target, tolerance, word }
                    }
                    Rule::membership => ExprKind::In { value: lhs, set: self.set_literal(only(tail)?)? },
                    Rule::has_any => ExprKind::HasAny { set: lhs, items: self.set_literal(only(tail)?)? },
                    Rule::has_only => ExprKind::HasOnly { set: lhs, items: self.set_literal(only(tail)?)? },
                    _ => ExprKind::Has { set: lhs, item: Box::new(self.expr(only(tail)?)?) },
                }
            }
            Rule::sum | Rule::product => {
                let terms = pair.clone().into_inner().count().div_ceil(2);
                if terms > crate::limits::MAX_TERMS {
                    let limit = crate::limits::MAX_TERMS;
                    return Err(Diagnostic::error(
                        "C071",
                        span,
                        format!("this sum has {terms} terms; at most {limit} are allowed"),
                    )
                    .label("too many terms")
                    .help(format!("add them up in named `let` values of at most {limit} terms each"))
                    .zh(
                        format!("这个算式有 {terms} 项，最多允许 {limit} 项"),
                        "项数过多",
                        format!("请分成若干个命名的 `let` 值，每个最多 {limit} 项"),
                    ));
                }
                let mut inner = pair.into_inner();
                let mut acc = self.expr(next(&mut inner)?)?;
                while let Some(op) = inner.next() {
                    let rhs = self.expr(next(&mut inner)?)?;
                    let op = match op.as_str() {
                        "+" => ArithOp::Add,
                        "-" | "−" => ArithOp::Sub,
                        "*" | "×" => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    let span = acc.span.to(rhs.span);
                    acc = Expr { kind: ExprKind::Arith { op, lhs: Box::new(acc), rhs: Box::new(rhs) }, span };
                }
                return Ok(acc);
            }
            Rule::unary => {
                let signs = pair.clone().into_inner().filter(|p| p.as_rule() == Rule::neg_sign).count();
                if signs > crate::limits::MAX_NESTING {
                    return Err(too_deep(span));
                }
                let operand = pair.into_inner().find(|p| p.as_rule() != Rule::neg_sign);
                let mut inner = self.expr(operand.ok_or_else(|| unexpected(self.file, span, kind_rule))?)?;
                for _ in 0..signs {
                    inner = Expr { kind: ExprKind::Neg(Box::new(inner)), span };
                }
                return Ok(inner);
            }
            Rule::conditional => {
                let mut inner = children(pair);
                let condition = Box::new(self.expr(next(&mut inner)?)?);
                let then = Box::new(self.expr(next(&mut inner)?)?);
                let otherwise = Box::new(self.expr(next(&mut inner)?)?);
                ExprKind::If { condition, then, otherwise }
            }
            Rule::index => {
                let mut inner = pair.into_inner();
                let series = self.ident(next(&mut inner)?);
                let key = next(&mut inner)?;
                if key.as_rule() == Rule::ident {
                    ExprKind::Record { list: series, key: self.ident(key) }
                } else {
                    ExprKind::Index { series, year: self.year(key)? }
                }
            }
            Rule::over => {
                let mut inner = pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::k_in | Rule::k_where));
                let kind = match next(&mut inner)?.as_str() {
                    "all" => OverKind::All,
                    "any" => OverKind::Any,
                    "count" => OverKind::Count,
                    _ => OverKind::Sum,
                };
                let var = self.ident(next(&mut inner)?);
                let domain = self.ident(next(&mut inner)?);
                let mut rest: Vec<Expr> = inner.map(|e| self.expr(e)).collect::<Built<_>>()?;
                let body = Box::new(rest.pop().ok_or_else(|| unexpected(self.file, span, Rule::over))?);
                let filter = rest.pop().map(Box::new);
                ExprKind::Over { kind, var, domain, filter, body }
            }
            Rule::call => {
                let mut inner = pair.into_inner();
                let function = self.ident(next(&mut inner)?);
                let args = inner.map(|a| self.expr(a)).collect::<Built<_>>()?;
                ExprKind::Call { function, args }
            }
            Rule::quantity => {
                let mut inner = pair.into_inner();
                let number = next(&mut inner)?;
                let value = self.decimal(&number)?;
                let unit = inner.next().map(|u| u.as_str().chars().filter(|c| *c != ' ').collect::<String>());
                ExprKind::Number { value, unit }
            }
            Rule::date => ExprKind::Date(self.date(pair)?),
            Rule::string => ExprKind::Text(self.string(pair)),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::k_as_of => ExprKind::AsOf,
            Rule::ident => ExprKind::Name(self.ident(pair)),
            other => return Err(unexpected(self.file, span, other)),
        };
        Ok(Expr { kind, span })
    }

    fn set_literal(&self, pair: Pair<'_, Rule>) -> Built<Vec<SetItem>> {
        pair.into_inner().map(|i| self.set_item(i)).collect()
    }
}

fn next<'i>(pairs: &mut impl Iterator<Item = Pair<'i, Rule>>) -> Built<Pair<'i, Rule>> {
    pairs
        .next()
        .ok_or_else(|| Diagnostic::error("C000", Span::default(), "internal: the grammar produced an incomplete tree"))
}

fn only(pair: Pair<'_, Rule>) -> Built<Pair<'_, Rule>> {
    next(&mut children(pair))
}

fn unexpected(file: u32, span: Span, grammar_rule: Rule) -> Diagnostic {
    Diagnostic::error(
        "C000",
        Span { file, ..span },
        format!("internal: unexpected {grammar_rule:?} in the syntax tree"),
    )
    .help("this is a bug in comply; please report it with the rule file")
}
