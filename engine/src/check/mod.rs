//! Syntax tree -> checked `Policy`: names resolved to slots, types and units checked, tables proven
//! complete, dated parameters proven non-overlapping, and the lints that need no facts.
//! Every problem becomes a `Diagnostic`; a policy with an error is not returned.

mod conversions;
mod expr;
mod lints;
mod misquote;
mod records;
mod series;
mod tables;
mod targets;

pub use expr::{did_you_mean, statute_operator};
pub use lints::normalise_quote;
pub use targets::{either_reading, rank_limit, tolerance_word};

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Sources, Span};
use crate::policy::*;
use crate::syntax::ast::{self, Bilingual, Item, PolicyAst, TypeAst};
use crate::units::{BaseDim, Dimension, Unit};

/// Reads the text of a source document cited by a policy (`source { file "…" }`), relative to the rule file.
pub type SourceReader<'a> = dyn Fn(&str, &str) -> Result<String, SourceProblem> + Sync + 'a;

/// Why a cited source text was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceProblem {
    /// An absolute path, a `..` or a link leading out of the rule file's folder.
    Outside,
    Read(crate::limits::ReadProblem),
}

/// Checks parsed policies. `files` maps a file id to its name (for messages and relative source paths).
pub fn check_policies(
    parsed: Vec<(u32, PolicyAst)>,
    sources: &Sources,
    read_source: Option<&SourceReader<'_>>,
) -> (Vec<Policy>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut policies: Vec<Policy> = Vec::new();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let mut source_texts = SourceTexts { read: read_source, cache: BTreeMap::new() };
    for (file, ast) in parsed {
        if let Some(first) = seen.get(&ast.id.name) {
            // A clerk finds the other definition by line, not by byte offset.
            let (line, column) = sources.line_column(*first);
            let at = format!("{}:{line}:{column}", sources.name(first.file));
            diagnostics.push(
                Diagnostic::error("C012", ast.id.span, format!("policy `{}` is defined twice", ast.id.name))
                    .label("second definition")
                    .help(format!("the first definition is at {at}; policy ids must be unique"))
                    .zh(
                        format!("政策 `{}` 定义了两次", ast.id.name),
                        "第二次定义",
                        format!("第一次定义在 {at}；政策编号必须唯一"),
                    ),
            );
            continue;
        }
        seen.insert(ast.id.name.clone(), ast.id.span);
        let mut checker = Checker::new(sources.name(file), sources.text(file), &ast);
        let policy = checker.policy(&ast);
        let mut lint_diagnostics = Vec::new();
        lints::run(&checker, policy.as_ref(), &mut source_texts, &mut lint_diagnostics);
        checker.diagnostics.append(&mut lint_diagnostics);
        let failed = checker.diagnostics.iter().any(Diagnostic::is_error);
        diagnostics.append(&mut checker.diagnostics);
        if let (Some(policy), false) = (policy, failed) {
            policies.push(policy);
        }
    }
    diagnostics.sort_by(|a, b| (a.span.file, a.span.start, a.code).cmp(&(b.span.file, b.span.start, b.code)));
    (policies, diagnostics)
}

/// Gazette texts normalised for quote matching, read once per load however many policies cite them.
pub(crate) struct SourceTexts<'r> {
    read: Option<&'r SourceReader<'r>>,
    cache: BTreeMap<std::path::PathBuf, Result<std::rc::Rc<misquote::SourceText>, SourceProblem>>,
}

impl SourceTexts<'_> {
    /// Whether quotes are checked at all on this load.
    pub(crate) fn verifying(&self) -> bool {
        self.read.is_some()
    }

    /// `None` when quotes are not verified on this load.
    pub(crate) fn normalised(
        &mut self,
        rule_file: &str,
        path: &str,
    ) -> Option<Result<std::rc::Rc<misquote::SourceText>, SourceProblem>> {
        let key = std::path::Path::new(rule_file).parent().unwrap_or(std::path::Path::new("")).join(path);
        let read = self.read?;
        Some(
            self.cache
                .entry(key)
                .or_insert_with(|| read(rule_file, path).map(|text| misquote::SourceText::new(text).into()))
                .clone(),
        )
    }
}

/// What a name in an expression refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symbol {
    Fact(FactId),
    Derived(DerivedId),
    Param(ParamId),
    Table(TableId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Pending,
    Checking,
    Done,
}

pub(crate) struct Checker<'a> {
    file_name: String,
    text: &'a str,
    ast: &'a PolicyAst,
    pub(crate) symbols: BTreeMap<String, (Symbol, Span)>,
    pub(crate) facts: Vec<FactDef>,
    pub(crate) enums: Vec<EnumDef>,
    /// Enums declared by name (`enum county { … }`), shared by every fact, table and output naming them.
    pub(crate) named_enums: BTreeMap<String, EnumId>,
    /// Series of yearly facts (`fact gdp: 亿元 yearly 2021..2025`), by name.
    pub(crate) series: BTreeMap<String, series::Series>,
    /// Lists of records (`fact rate: % per county`), by name.
    pub(crate) lists: BTreeMap<String, records::List>,
    /// The records the `all`/`any`/`count`/`sum` being checked are visiting, innermost last.
    pub(crate) bindings: Vec<records::Binding>,
    /// How many records the enclosing `over`s visit in all (the product of their lengths).
    pub(crate) records_visited: usize,
    derived_ast: Vec<(&'a ast::DerivedAst, bool)>,
    derived: Vec<Option<DerivedDef>>,
    derived_progress: Vec<Progress>,
    table_ast: Vec<&'a ast::TableAst>,
    tables: Vec<Option<TableDef>>,
    table_progress: Vec<Progress>,
    pub(crate) params: Vec<ParamDef>,
    /// How often each fact is read by a rule, derived value or table: unread facts get a warning.
    pub(crate) fact_uses: Vec<usize>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Names whose declaration already failed: their uses are not reported again as unknown.
    pub(crate) poisoned: std::collections::BTreeSet<String>,
    /// How deep the checker is in expressions now, through the derived values and tables it resolves on
    /// the way: bounded by `limits::MAX_DEPTH`, reported once.
    pub(crate) depth: usize,
    depth_reported: bool,
    /// How deep evaluating each derived value and table goes (its expression and everything it uses).
    derived_depth: Vec<usize>,
    table_depth: Vec<usize>,
}

impl<'a> Checker<'a> {
    fn new(file_name: &str, text: &'a str, ast: &'a PolicyAst) -> Checker<'a> {
        Checker {
            file_name: file_name.to_string(),
            text,
            ast,
            symbols: BTreeMap::new(),
            facts: Vec::new(),
            enums: Vec::new(),
            named_enums: BTreeMap::new(),
            series: BTreeMap::new(),
            lists: BTreeMap::new(),
            bindings: Vec::new(),
            records_visited: 1,
            derived_ast: Vec::new(),
            derived: Vec::new(),
            derived_progress: Vec::new(),
            table_ast: Vec::new(),
            tables: Vec::new(),
            table_progress: Vec::new(),
            params: Vec::new(),
            fact_uses: Vec::new(),
            diagnostics: Vec::new(),
            poisoned: Default::default(),
            depth: 0,
            depth_reported: false,
            derived_depth: Vec::new(),
            table_depth: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn policy(&mut self, ast: &'a PolicyAst) -> Option<Policy> {
        let mut title = None;
        let mut source = None;
        let mut validity = None;
        let mut rules = Vec::new();
        let mut properties = Vec::new();
        let mut wording = Wording::default();
        let mut conversions = Vec::new();
        // Named enums before anything, so that a fact or table may name an enum declared further down.
        for item in &ast.items {
            if let Item::Enum(decl) = item {
                self.declare_enum(decl);
            }
        }
        // Declarations first, so that rules and derived values may use names declared after them.
        for item in &ast.items {
            match item {
                Item::Title(text, span) => set_once(&mut title, (text.clone(), *span), "title", &mut self.diagnostics),
                Item::Source(fields, span) => {
                    set_once(&mut source, (fields.clone(), *span), "source", &mut self.diagnostics)
                }
                Item::Validity { from, until, span } => {
                    set_once(&mut validity, (*from, *until, *span), "in_force", &mut self.diagnostics)
                }
                Item::Fact(fact) => self.declare_fact(fact),
                Item::Table(table) => {
                    let id = self.table_ast.len() as TableId;
                    if self.declare(&table.id, Symbol::Table(id)) {
                        self.table_ast.push(table);
                        self.tables.push(None);
                        self.table_progress.push(Progress::Pending);
                        self.table_depth.push(0);
                    }
                }
                Item::Param(param) => self.declare_param(param),
                Item::Derived(derived) | Item::Output(derived) => {
                    let id = self.derived_ast.len() as DerivedId;
                    if self.declare(&derived.id, Symbol::Derived(id)) {
                        self.derived_ast.push((derived, matches!(item, Item::Output(_))));
                        self.derived.push(None);
                        self.derived_progress.push(Progress::Pending);
                        self.derived_depth.push(0);
                    }
                }
                Item::Rule(_) | Item::Property(_) | Item::Period(..) | Item::Enum(_) => {}
                Item::Conversion(conversion) => self.conversion(conversion, &mut conversions),
                Item::Conclusion { verdict, text } => {
                    if wording.conclusions.iter().any(|(v, _)| *v == verdict.node) {
                        self.error(repeated("conclusion", verdict.span));
                    }
                    wording.conclusions.push((verdict.node.clone(), text.clone()));
                }
                Item::NotChecked { clause, text, .. } => {
                    wording.not_checked.push(NotChecked { clause: clause.clone(), text: text.clone() })
                }
                Item::Reading(text) => wording.readings.push(text.clone()),
                Item::NotEncoded { clause, what, why } => wording.not_encoded.push(crate::policy::NotEncoded {
                    clause: clause.clone(),
                    what: what.clone(),
                    why: why.clone(),
                }),
                Item::Administrative { label, value, clause, .. } => wording.administrative.push(Administrative {
                    label: label.clone(),
                    value: value.clone(),
                    clause: clause.as_ref().map(|c| Citation {
                        reference: c.reference.clone(),
                        quotes: c.quotes.iter().map(|q| q.node.clone()).collect(),
                    }),
                }),
            }
        }
        for id in 0..self.table_ast.len() {
            self.ensure_table(id as TableId);
        }
        for id in 0..self.derived_ast.len() {
            self.ensure_derived(id as DerivedId);
        }
        let period = self.period(&ast.items);
        let mut rule_ids: BTreeMap<&str, Span> = BTreeMap::new();
        for item in &ast.items {
            match item {
                Item::Rule(rule) => {
                    if rule_ids.insert(&rule.id.name, rule.id.span).is_some() {
                        self.error(
                            Diagnostic::error(
                                "C011",
                                rule.id.span,
                                format!("rule `{}` is defined twice in this policy", rule.id.name),
                            )
                            .label("duplicate rule id")
                            .help("give each rule its own id; reports and tests refer to rules by id")
                            .zh(
                                format!("本政策中规则 `{}` 定义了两次", rule.id.name),
                                "规则编号重复",
                                "每条规则用自己的编号；报告和测试按编号引用规则",
                            ),
                        );
                    }
                    if let Some(rule) = self.rule(rule, period.as_ref()) {
                        rules.push(rule);
                    }
                }
                Item::Property(property) => {
                    let (ast::PropertyAst::Increasing(name) | ast::PropertyAst::Decreasing(name)) = property;
                    // A property of a list holds for each record: `property increasing rate` over every county.
                    let records: Vec<FactId> = match self.lists.get(&name.name) {
                        Some(list) => {
                            (0..self.enums[list.key as usize].values.len() as FactId).map(|i| list.first + i).collect()
                        }
                        None => Vec::new(),
                    };
                    let monotone = |ty: Type| match ty {
                        Type::Num(_) => true,
                        Type::Enum(e) => self.enums[e as usize].ordered,
                        _ => false,
                    };
                    if !records.is_empty() && records.iter().all(|f| monotone(self.facts[*f as usize].ty)) {
                        for id in records {
                            properties.push(match property {
                                ast::PropertyAst::Increasing(_) => Property::Increasing(id),
                                ast::PropertyAst::Decreasing(_) => Property::Decreasing(id),
                            });
                        }
                        continue;
                    }
                    match self.symbols.get(&name.name) {
                        // A grade or a stage is monotone along its declared order, like a quantity.
                        Some((Symbol::Fact(id), _))
                            if match self.facts[*id as usize].ty {
                                Type::Num(_) => true,
                                Type::Enum(e) => self.enums[e as usize].ordered,
                                _ => false,
                            } =>
                        {
                            properties.push(match property {
                                ast::PropertyAst::Increasing(_) => Property::Increasing(*id),
                                ast::PropertyAst::Decreasing(_) => Property::Decreasing(*id),
                            });
                        }
                        _ => self.error(
                            Diagnostic::error("C027", name.span, format!("`{}` is not a numeric fact", name.name))
                                .label("a monotonicity property needs a quantity fact")
                                .help("write `property increasing FACT` with a fact declared as a quantity, count, number or ordered enum").zh(format!("`{}` 不是数值型事实", name.name), "单调性声明需要数量型事实", "写 `property increasing 事实`，事实须声明为数量、整数、数值或有序单选项"),
                        ),
                    }
                }
                _ => {}
            }
        }
        let policy_span = Span { end: ast.id.span.end, ..ast.span };
        let Some((title, _)) = title else {
            self.error(
                Diagnostic::error("C018", policy_span, format!("policy `{}` has no title", ast.id.name))
                    .label("missing `title`")
                    .help("add `title \"中文标题\" en \"English title\"` so that reports can name the policy")
                    .zh(
                        format!("政策 `{}` 没有标题", ast.id.name),
                        "缺少 `title`",
                        "请加 `title \"中文标题\" en \"English title\"`，报告要用它称呼本政策",
                    ),
            );
            return None;
        };
        let Some((valid_from, valid_until, validity_span)) = validity else {
            self.error(
                Diagnostic::error(
                    "C019",
                    policy_span,
                    format!("policy `{}` does not say when it is in force", ast.id.name),
                )
                .label("missing `in_force`")
                .help("add `in_force from YYYY-MM-DD` (and `until YYYY-MM-DD` for a trial period)")
                .zh(
                    format!("政策 `{}` 没有写明施行日期", ast.id.name),
                    "缺少 `in_force`",
                    "请加 `in_force from YYYY-MM-DD`（试行期再加 `until YYYY-MM-DD`）",
                ),
            );
            return None;
        };
        if let Some(until) = valid_until
            && until < valid_from
        {
            self.error(reversed_period(validity_span, valid_from, until));
        }
        let source = self.source(source);
        let derived: Vec<DerivedDef> = self.derived.iter().flatten().cloned().collect();
        let tables: Vec<TableDef> = self.tables.iter().flatten().cloned().collect();
        if derived.len() != self.derived.len() || tables.len() != self.tables.len() {
            return None;
        }
        let outputs = derived.iter().enumerate().filter(|(_, d)| d.is_output).map(|(i, _)| i as DerivedId).collect();
        let eval_order = crate::eval::evaluation_order(&rules, &derived, &tables);
        Some(Policy {
            id: ast.id.name.clone(),
            title,
            source,
            valid_from,
            valid_until,
            facts: self.facts.clone(),
            enums: self.enums.clone(),
            tables,
            params: self.params.clone(),
            derived,
            outputs,
            rules,
            eval_order,
            properties,
            file: self.file_name.clone(),
            wording,
            conversions,
            partition: Default::default(),
        })
    }

    /// Registers a name; reports a duplicate and returns false if it is taken.
    fn declare(&mut self, id: &ast::Ident, symbol: Symbol) -> bool {
        if self.symbols.contains_key(&id.name)
            || self.series.contains_key(&id.name)
            || self.lists.contains_key(&id.name)
        {
            self.error(twice(id));
            return false;
        }
        self.symbols.insert(id.name.clone(), (symbol, id.span));
        true
    }

    fn source(&mut self, source: Option<(Vec<ast::SourceField>, Span)>) -> Source {
        let mut out = Source::default();
        let Some((fields, _)) = source else { return out };
        for field in fields {
            let text = match &field.value {
                ast::SourceValue::Text(t) => Some(t.clone()),
                _ => None,
            };
            match (field.key.as_str(), &field.value) {
                ("signed", ast::SourceValue::Date(d)) => out.signed = Some(*d),
                ("signed", _) => self.error(
                    Diagnostic::error("C002", field.span, "`signed` takes a date")
                        .label("expected YYYY-MM-DD")
                        .help("write the date the notice was signed, e.g. `signed 2015-10-23`")
                        .zh("`signed` 后应为日期", "应为 YYYY-MM-DD", "写通知的签发日期，如 `signed 2015-10-23`"),
                ),
                ("title", _) => out.title = text,
                ("number", _) => out.number = text,
                ("issuer", _) => out.issuer = text,
                _ => out.file = text,
            }
        }
        out
    }

    fn declare_enum(&mut self, decl: &ast::EnumDeclAst) {
        if self.named_enums.contains_key(&decl.id.name) {
            self.error(
                Diagnostic::error("C010", decl.id.span, format!("the enum `{}` is declared twice", decl.id.name))
                    .label("second declaration")
                    .help("declare each enum once; every fact, table and output that names it shares it")
                    .zh(
                        format!("单选项 `{}` 声明了两次", decl.id.name),
                        "重复声明",
                        "每个单选项只声明一次；凡写它名字的事实、表和输出都共用它",
                    ),
            );
            return;
        }
        let id = self.new_enum(&decl.values, Some(&decl.id.name), decl.ordered);
        self.named_enums.insert(decl.id.name.clone(), id);
    }

    pub(crate) fn new_enum(&mut self, values: &[ast::EnumValueAst], name: Option<&str>, ordered: bool) -> EnumId {
        let mut seen = BTreeMap::new();
        for value in values {
            if seen.insert(value.id.name.clone(), ()).is_some() {
                self.error(
                    Diagnostic::error("C013", value.id.span, format!("the value `{}` is listed twice", value.id.name))
                        .label("duplicate value")
                        .help("remove the repeated value")
                        .zh(format!("取值 `{}` 列了两次", value.id.name), "取值重复", "删去重复的取值"),
                );
            }
        }
        if values.len() > 64
            && let Some(v) = values.get(64)
        {
            self.error(
                Diagnostic::error("C028", v.id.span, "an enum may have at most 64 values")
                    .label("the 65th value")
                    .help("use `text` for open lists")
                    .zh("单选项最多 64 个取值", "第 65 个取值", "开放的列表请用 `text`"),
            );
        }
        // Every spelling (name, Chinese label, alias) must lead to one value: a spelling shared by two values
        // would make a typed answer read as whichever comes first.
        let mut spellings: BTreeMap<&str, &str> = BTreeMap::new();
        for value in values {
            let label = value.label.as_ref().map(|l| l.zh.as_str()).filter(|l| *l != value.id.name);
            let own = [value.id.name.as_str()].into_iter().chain(label);
            for spelling in own.map(|s| (s, value.id.span)).chain(value.aliases.iter().map(|(a, s)| (a.as_str(), *s))) {
                match spellings.insert(spelling.0, &value.id.name) {
                    Some(other) if other != value.id.name => self.error(
                        Diagnostic::error(
                            "C039",
                            spelling.1,
                            format!("`{}` already names the value `{other}`", spelling.0),
                        )
                        .label("spelling used twice")
                        .help("each name, label and alias must lead to one value only")
                        .zh(
                            format!("“{}”已是取值 `{other}` 的写法", spelling.0),
                            "写法重复",
                            "每个名称、标签和别名只能对应一个取值",
                        ),
                    ),
                    _ => {}
                }
            }
        }
        self.enums.push(EnumDef {
            name: name.map(str::to_string),
            ordered,
            values: values
                .iter()
                .map(|v| EnumValue {
                    name: v.id.name.clone(),
                    label: v.label.clone(),
                    aliases: v.aliases.iter().map(|(a, _)| a.clone()).collect(),
                })
                .collect(),
        });
        (self.enums.len() - 1) as EnumId
    }

    /// Resolves a written type. Returns the type and, for quantities, the unit values are kept in.
    pub(crate) fn resolve_type(&mut self, ty: &ast::Spanned<TypeAst>) -> Option<(Type, Option<Unit>, bool)> {
        Some(match &ty.node {
            TypeAst::Bool => (Type::Bool, None, false),
            TypeAst::Count => (Type::Num(crate::units::Dimension::NONE), Some(Unit::ONE), true),
            TypeAst::Number => (Type::Num(crate::units::Dimension::NONE), Some(Unit::ONE), false),
            TypeAst::Date => (Type::Date, None, false),
            TypeAst::Text => (Type::Text, None, false),
            TypeAst::Enum { values, ordered } => (Type::Enum(self.new_enum(values, None, *ordered)), None, false),
            TypeAst::Set(values) => (Type::Set(self.new_enum(values, None, false)), None, false),
            TypeAst::SetOf(name) => match self.named_enums.get(&name.name) {
                Some(id) => (Type::Set(*id), None, false),
                None => {
                    self.unknown_enum(&name.name, name.span);
                    return None;
                }
            },
            TypeAst::Unit(text) if self.named_enums.contains_key(text) => {
                (Type::Enum(*self.named_enums.get(text)?), None, false)
            }
            // A name-like word that is no unit but close to a declared enum's name: a misspelt enum.
            TypeAst::Unit(text)
                if crate::units::Unit::parse(text).is_err()
                    && did_you_mean(text, &self.named_enums.keys().cloned().collect::<Vec<_>>()).is_some() =>
            {
                self.unknown_enum(text, ty.span);
                return None;
            }
            TypeAst::Unit(text) => {
                let unit = self.unit(text, None, ty.span)?;
                (Type::Num(unit.dimension()), Some(unit), unit.is_whole_count())
            }
        })
    }

    fn unknown_enum(&mut self, name: &str, span: Span) {
        let names: Vec<String> = self.named_enums.keys().cloned().collect();
        let d = Diagnostic::error("C022", span, format!("no enum named `{name}` is declared in this policy"))
            .label("unknown enum");
        let (zh_message, zh_label) = (format!("本政策没有声明名为 `{name}` 的单选项"), "未知单选项");
        self.error(match did_you_mean(name, &names) {
            Some(s) => d.help(format!("did you mean `{s}`?")).zh(zh_message, zh_label, format!("是否指 `{s}`？")),
            None => d.help("declare it once with `enum NAME { value, value }` and name it in the fact").zh(
                zh_message,
                zh_label,
                "请先用 `enum 名称 { 取值, 取值 }` 声明一次，再在事实中写它的名称",
            ),
        });
    }

    /// `within`: the dimension the place expects (the other side of a comparison), so that a suggestion
    /// never crosses dimensions (万担 beside a 万吨 fact is not offered 万元).
    pub(crate) fn unit(&mut self, text: &str, within: Option<Dimension>, span: Span) -> Option<Unit> {
        match Unit::parse(text) {
            Ok(unit) => Some(unit),
            Err(error) => {
                let units = "元 万元 亿元 万亿元 美元 亿美元 % ‰ 百分点 /10万 m 公里 m² 万平方米 亩 公顷 kVA 千瓦 万千瓦 吨标准煤 吨 万吨 小时 天 月 年 人 万人 个 家 套 户 万户 支 张 辆 条 座 栋 所 项";
                let suggestion = match (&error, within) {
                    (crate::units::UnitError::Unknown { .. }, Some(d)) => crate::units::suggest_unit(text, Some(d)),
                    (crate::units::UnitError::Unknown { suggestion, .. }, None) => suggestion.clone(),
                    _ => None,
                };
                let (help, zh_help) = match (suggestion, error) {
                    (Some(s), _) => (format!("did you mean `{s}`?"), format!("是否指 `{s}`？")),
                    (None, _) => (
                        format!("units: {units}, and quotients such as 元/月"),
                        format!("可用单位：{units}，以及 元/月 这样的组合"),
                    ),
                };
                self.error(
                    Diagnostic::error("C021", span, format!("`{text}` is not a unit comply knows"))
                        .label("unknown unit")
                        .help(help)
                        .zh(format!("`{text}` 不是 comply 认识的单位"), "未知单位", zh_help),
                );
                None
            }
        }
    }

    fn declare_fact(&mut self, fact: &ast::FactAst) {
        let Some((ty, unit, whole)) = self.resolve_type(&fact.ty) else {
            self.poisoned.insert(fact.id.name.clone());
            return;
        };
        let label = fact.details.label.clone().unwrap_or_else(|| Bilingual { zh: fact.id.name.clone(), en: None });
        if let Some(years) = &fact.yearly {
            self.declare_series(fact, years, (ty, unit, whole), &label);
            return;
        }
        if let Some(per) = &fact.per {
            self.declare_list(fact, per, (ty, unit, whole), &label);
            return;
        }
        self.push_fact(fact, &fact.id, (ty, unit, whole), label);
    }

    /// Adds one fact (or one year of a series) with the type resolved once for all its years.
    pub(crate) fn push_fact(
        &mut self,
        fact: &ast::FactAst,
        id: &ast::Ident,
        (ty, unit, whole): (Type, Option<Unit>, bool),
        label: Bilingual,
    ) -> bool {
        if self.facts.len() >= MAX_FACTS {
            self.error(
                Diagnostic::error("C029", id.span, format!("a policy may declare at most {MAX_FACTS} facts"))
                    .label("one fact too many")
                    .help("split the policy into several policies")
                    .zh(format!("一个政策最多声明 {MAX_FACTS} 个事实"), "事实过多", "请把政策拆成几个"),
            );
            return false;
        }
        let slot = self.facts.len() as FactId;
        if !self.declare(id, Symbol::Fact(slot)) {
            return false;
        }
        self.facts.push(FactDef {
            name: id.name.clone(),
            ty,
            unit,
            whole,
            signed: fact.details.may_be_negative || may_be_negative(unit, whole),
            label,
            ask: fact.details.ask.clone(),
            clauses: fact.details.clauses.iter().map(|c| c.reference.clone()).collect(),
            evidence: fact.details.evidence.clone(),
            evidence_when: fact.details.evidence_when.clone(),
            record: None,
            span: id.span,
        });
        self.fact_uses.push(0);
        true
    }

    fn declare_param(&mut self, param: &ast::ParamAst) {
        let Some((ty, unit, _)) = self.resolve_type(&param.ty) else {
            self.poisoned.insert(param.id.name.clone());
            return;
        };
        let id = self.params.len() as ParamId;
        if !self.declare(&param.id, Symbol::Param(id)) {
            return;
        }
        let mut periods: Vec<(Period, Span)> = Vec::new();
        for period in &param.periods {
            let Some(value) = self.constant(&period.value, ty, unit) else { continue };
            if let Some(until) = period.until
                && until < period.from
            {
                self.error(reversed_period(period.span, period.from, until));
            }
            for (other, _) in &periods {
                let ends_before = |a: &Period, b: &Period| a.until.is_some_and(|u| u < b.from);
                let next = Period { from: period.from, until: period.until, value: value.clone() };
                if !ends_before(other, &next) && !ends_before(&next, other) {
                    self.error(
                        Diagnostic::error(
                            "C033",
                            period.span,
                            format!("two values of `{}` are in force on the same day", param.id.name),
                        )
                        .label(format!("overlaps the period from {}", other.from))
                        .help("give the earlier period an `until` date before this one starts")
                        .zh(
                            format!("`{}` 有两个取值在同一天有效", param.id.name),
                            format!("与自 {} 起的期间重叠", other.from),
                            "请给较早的期间加上早于本期间起始日的 `until` 日期",
                        ),
                    );
                }
            }
            periods.push((Period { from: period.from, until: period.until, value }, period.span));
        }
        let mut periods: Vec<Period> = periods.into_iter().map(|(p, _)| p).collect();
        periods.sort_by_key(|p| p.from);
        self.params.push(ParamDef {
            name: param.id.name.clone(),
            label: param.label.clone(),
            ty,
            periods,
            span: param.id.span,
        });
    }

    /// A parameter value: a literal of the declared type, kept in the declared unit.
    fn constant(&mut self, value: &ast::Expr, ty: Type, unit: Option<Unit>) -> Option<Constant> {
        let (expr, found) = self.expr(value, Some(ty))?;
        let Expr::Const(constant) = expr else {
            self.error(
                Diagnostic::error("C032", value.span, "a parameter value must be written out, not computed")
                    .label("not a literal")
                    .help("write the figure as the notice prints it, e.g. `1860 元/月`")
                    .zh("参数值必须直接写出，不能计算", "不是字面值", "照通知原文写出数字，如 `1860 元/月`"),
            );
            return None;
        };
        if found != ty {
            self.type_mismatch(value.span, ty, found);
            return None;
        }
        Some(match (constant, unit) {
            (Constant::Num(q), Some(unit)) => Constant::Num(q.convert_exact(unit).unwrap_or(q)),
            (other, _) => other,
        })
    }

    pub(crate) fn ensure_table(&mut self, id: TableId) -> Option<Type> {
        match self.table_progress[id as usize] {
            Progress::Done => return self.tables[id as usize].as_ref().map(|t| t.ty),
            Progress::Checking => {
                let ast = self.table_ast[id as usize];
                self.error(cycle(&ast.id));
                return None;
            }
            Progress::Pending => {}
        }
        self.table_progress[id as usize] = Progress::Checking;
        let ast = self.table_ast[id as usize];
        let mut table = tables::check_table(self, ast);
        if let Some(t) = &table {
            let depth = t.keys.iter().chain(&t.rows).map(|e| self.eval_depth(e)).max().unwrap_or(0) + 1;
            self.table_depth[id as usize] = depth;
            if !self.deep_enough(depth, ast.id.span) {
                table = None;
            }
        }
        let ty = table.as_ref().map(|t| t.ty);
        self.tables[id as usize] = table;
        self.table_progress[id as usize] = Progress::Done;
        ty
    }

    pub(crate) fn ensure_derived(&mut self, id: DerivedId) -> Option<Type> {
        match self.derived_progress[id as usize] {
            Progress::Done => return self.derived[id as usize].as_ref().map(|d| d.ty),
            Progress::Checking => {
                let (ast, _) = self.derived_ast[id as usize];
                self.error(cycle(&ast.id));
                return None;
            }
            Progress::Pending => {}
        }
        self.derived_progress[id as usize] = Progress::Checking;
        let (ast, is_output) = self.derived_ast[id as usize];
        let (declared, declared_unit) = match &ast.ty {
            Some(ty) => match self.resolve_type(ty) {
                Some((t, unit, _)) => (Some(Some(t)), unit),
                None => (None, None),
            },
            None => (Some(None), None),
        };
        let result = declared.and_then(|declared| {
            let (expr, found) = self.expr(&ast.value, declared)?;
            // `let n: 个 = count(…)`: the records are counted in the declared measure word.
            let (expr, found) = match (expr, declared_unit) {
                (Expr::Count { parts, unit }, Some(counted)) if unit == Unit::ONE && counted.dimension().is_count() => {
                    (Expr::Count { parts, unit: counted }, Type::Num(counted.dimension()))
                }
                (expr, _) => (expr, found),
            };
            if let Some(declared) = declared
                && declared != found
            {
                self.type_mismatch(ast.value.span, declared, found);
                return None;
            }
            if found == Type::Mixed && !is_output {
                self.error(
                    Diagnostic::error(
                        "C024",
                        ast.value.span,
                        format!("the branches of `{}` have different units", ast.id.name),
                    )
                    .label("monthly and hourly values, say, cannot be one value")
                    .help("only an `output` may mix units; compute and compare each branch in its own `let`")
                    .zh(
                        format!("`{}` 各分支的单位不同", ast.id.name),
                        "如月标准与小时标准不能合为一个值",
                        "只有 `output` 可以混用单位；请在各自的 `let` 中计算和比较每个分支",
                    ),
                );
                return None;
            }
            Some(DerivedDef {
                name: ast.id.name.clone(),
                ty: found,
                unit: declared_unit,
                expr,
                label: ast.details.label.clone().unwrap_or_else(|| Bilingual { zh: ast.id.name.clone(), en: None }),
                is_output,
                clauses: ast.details.clauses.iter().map(|c| c.reference.clone()).collect(),
                span: ast.id.span,
            })
        });
        let result = result.filter(|d| {
            let depth = self.eval_depth(&d.expr) + 1;
            self.derived_depth[id as usize] = depth;
            self.deep_enough(depth, ast.id.span)
        });
        let ty = result.as_ref().map(|d| d.ty);
        self.derived[id as usize] = result;
        self.derived_progress[id as usize] = Progress::Done;
        ty
    }

    /// How deep evaluating `expr` recurses, counting through the derived values and tables it uses (each
    /// already checked, so its own depth is known). Recursion here is bounded by the checker's depth limit.
    fn eval_depth(&self, expr: &Expr) -> usize {
        let own = match expr {
            Expr::Derived(d) => self.derived_depth.get(*d as usize).copied().unwrap_or(0),
            Expr::Table(t) => self.table_depth.get(*t as usize).copied().unwrap_or(0),
            _ => 0,
        };
        1 + own.max(expr.children().map(|c| self.eval_depth(c)).max().unwrap_or(0))
    }

    /// Whether an evaluation `depth` deep is within `limits::MAX_DEPTH`; if not, says so (once).
    pub(crate) fn deep_enough(&mut self, depth: usize, span: Span) -> bool {
        let limit = crate::limits::MAX_DEPTH;
        if depth <= limit {
            return true;
        }
        if !self.depth_reported {
            self.depth_reported = true;
            self.error(
                Diagnostic::error("C072", span, format!("this is computed through more than {limit} nested steps"))
                    .label("too deep to evaluate safely")
                    .help("compute it in fewer steps: a long chain of values defined one from another, or one very deep expression, would overflow the evaluator's stack")
                    .zh(
                        format!("计算这个值要经过超过 {limit} 层嵌套"),
                        "嵌套过深，无法安全求值",
                        "请减少计算层次：一长串彼此定义的值或极深的表达式会使求值溢出",
                    ),
            );
        }
        false
    }

    fn rule(&mut self, rule: &ast::RuleAst, period: Option<&Expr>) -> Option<RuleDef> {
        let title = match rule.titles.as_slice() {
            [] => {
                self.error(
                    Diagnostic::error("C016", rule.id.span, format!("rule `{}` has no title", rule.id.name))
                        .label("missing `title`")
                        .help("add `title \"中文\" en \"English\"`: reports show it beside the outcome")
                        .zh(
                            format!("规则 `{}` 没有标题", rule.id.name),
                            "缺少 `title`",
                            "请加 `title \"中文\" en \"English\"`：报告在结论旁显示它",
                        ),
                );
                Bilingual::default()
            }
            [first, rest @ ..] => {
                if let Some(second) = rest.first() {
                    self.error(repeated("title", second.span));
                }
                first.node.clone()
            }
        };
        if let Some(second) = rule.otherwise.get(1) {
            self.error(repeated("otherwise", second.span));
        }
        if rule.requires.is_empty() {
            self.error(
                Diagnostic::error("C014", rule.id.span, format!("rule `{}` has no `require`", rule.id.name))
                    .label("nothing to check")
                    .help("add `require CONDITION`; use `when` for the cases the rule applies to")
                    .zh(
                        format!("规则 `{}` 没有 `require`", rule.id.name),
                        "没有要检查的条件",
                        "请加 `require 条件`；适用情形用 `when` 写",
                    ),
            );
            return None;
        }
        let applies = self.conjunction(&rule.applies);
        let requires = self.conjunction(&rule.requires)?;
        let applies = match (rule.applies.is_empty(), applies) {
            (true, _) => None,
            (false, Some(a)) => Some(a),
            (false, None) => return None,
        };
        let consequence = match rule.otherwise.first().map(|c| &c.node) {
            None | Some(ast::ConsequenceAst::Fail { remedy: None }) => Consequence::Fail { remedy: None },
            Some(ast::ConsequenceAst::Fail { remedy }) => Consequence::Fail { remedy: remedy.clone() },
            Some(ast::ConsequenceAst::Refer { to }) => Consequence::Refer { to: to.clone() },
            Some(ast::ConsequenceAst::Warn) => Consequence::Warn,
            Some(ast::ConsequenceAst::NotApplicable) => Consequence::NotApplicable,
        };
        let clause = rule.clauses.first().map(|c| Citation {
            reference: c.reference.clone(),
            quotes: rule.clauses.iter().flat_map(|c| c.quotes.iter().map(|q| q.node.clone())).collect(),
        });
        let depth = applies.iter().chain([&requires]).map(|e| self.eval_depth(e)).max().unwrap_or(0);
        if !self.deep_enough(depth, rule.id.span) {
            return None;
        }
        let (applies, target, lead, responsible) = self.rule_target(rule, applies, period)?;
        if let Some(second) = rule.inapplicable.get(1) {
            self.error(repeated("inapplicable", second.span));
        }
        Some(RuleDef {
            id: rule.id.name.clone(),
            title,
            clause,
            applies,
            requires,
            consequence,
            target,
            lead,
            responsible,
            inapplicable: rule.inapplicable.first().map(|i| i.node.clone()),
            readings: rule.readings.clone(),
            span: rule.id.span,
        })
    }

    /// Several `when` or `require` lines hold together.
    fn conjunction(&mut self, exprs: &[ast::Expr]) -> Option<Expr> {
        let mut parts = Vec::new();
        let mut ok = true;
        for e in exprs {
            match self.expr(e, Some(Type::Bool)) {
                Some((expr, Type::Bool)) => parts.push(expr),
                Some((_, found)) => {
                    self.type_mismatch(e.span, Type::Bool, found);
                    ok = false;
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        Some(if parts.len() == 1 { parts.pop()? } else { Expr::And(parts) })
    }

    pub(crate) fn describe(&self, ty: Type) -> String {
        match ty {
            Type::Bool => "a yes/no value".into(),
            Type::Num(d) if d.is_dimensionless() => "a number".into(),
            Type::Num(d) => format!("a quantity of {}", d.describe_en()),
            Type::Date => "a date".into(),
            Type::Text => "a text".into(),
            Type::Enum(e) => format!("one of {}", self.enum_names(e)),
            Type::Set(e) => format!("a set of {}", self.enum_names(e)),
            Type::Mixed => "a value whose unit depends on a condition".into(),
        }
    }

    pub(crate) fn describe_zh(&self, ty: Type) -> String {
        match ty {
            Type::Bool => "是/否值".into(),
            Type::Num(d) if d.is_dimensionless() => "数值".into(),
            Type::Num(d) => format!("{}数量", d.describe_zh()),
            Type::Date => "日期".into(),
            Type::Text => "文字".into(),
            Type::Enum(e) => format!("{} 中的一个取值", self.enum_names(e)),
            Type::Set(e) => format!("{} 的多选集合", self.enum_names(e)),
            Type::Mixed => "单位随条件而变的值".into(),
        }
    }

    fn enum_names(&self, id: EnumId) -> String {
        let def = &self.enums[id as usize];
        let mut names: Vec<&str> = def.values.iter().take(6).map(|v| v.name.as_str()).collect();
        if def.values.len() > 6 {
            names.push("…");
        }
        // A named enum is called by its name, so that two enums with the same values read apart.
        match &def.name {
            Some(name) => format!("{name} {{{}}}", names.join(", ")),
            None => format!("{{{}}}", names.join(", ")),
        }
    }

    pub(crate) fn type_mismatch(&mut self, span: Span, expected: Type, found: Type) {
        // Two enums written in place with the same values are two types that read alike: say so, instead
        // of "expected {a, b}, found {a, b}".
        if let (Type::Enum(a), Type::Enum(b)) | (Type::Set(a), Type::Set(b)) = (expected, found)
            && self.describe(expected) == self.describe(found)
        {
            let names = self.enum_names(a);
            debug_assert_ne!(a, b);
            self.error(
                Diagnostic::error("C020", span, format!("two separate enums have the values {names}"))
                    .label("another enum with the same values")
                    .help("declare the enum once with `enum NAME { … }` and write NAME as the type of both")
                    .zh(
                        format!("取值为 {names} 的单选项写了两处，是两种不同的类型"),
                        "另一个取值相同的单选项",
                        "请用 `enum 名称 { … }` 声明一次，两处都写这个名称作为类型",
                    ),
            );
            return;
        }
        let message = format!("expected {}, found {}", self.describe(expected), self.describe(found));
        self.error(
            Diagnostic::error("C020", span, message)
                .label(format!("this is {}", self.describe(found)))
                .help("check the fact's declared type and the unit of the number")
                .zh(
                    format!("应为{}，实际是{}", self.describe_zh(expected), self.describe_zh(found)),
                    format!("这是{}", self.describe_zh(found)),
                    "请检查事实声明的类型和数字的单位",
                ),
        );
    }

    pub(crate) fn ast(&self) -> &PolicyAst {
        self.ast
    }
}

/// C010: a name declared a second time.
fn twice(id: &ast::Ident) -> Diagnostic {
    Diagnostic::error("C010", id.span, format!("`{}` is declared twice", id.name))
        .label("second declaration")
        .help("facts, series, tables, params, lets and outputs share one namespace; rename one of them")
        .zh(
            format!("`{}` 声明了两次", id.name),
            "重复声明",
            "事实、序列、表、参数、let 和 output 共用一个命名空间；请改掉其中一个名字",
        )
}

fn set_once<T>(slot: &mut Option<T>, value: T, what: &'static str, diagnostics: &mut Vec<Diagnostic>)
where
    T: HasSpan,
{
    if slot.is_some() {
        diagnostics.push(repeated(what, value.span()));
    } else {
        *slot = Some(value);
    }
}

trait HasSpan {
    fn span(&self) -> Span;
}

impl<A> HasSpan for (A, Span) {
    fn span(&self) -> Span {
        self.1
    }
}

impl<A, B> HasSpan for (A, B, Span) {
    fn span(&self) -> Span {
        self.2
    }
}

fn repeated(what: &str, span: Span) -> Diagnostic {
    Diagnostic::error("C015", span, format!("`{what}` is given twice"))
        .label("second one")
        .help(format!("keep one `{what}`"))
        .zh(format!("`{what}` 写了两次"), "第二次", format!("只保留一个 `{what}`"))
}

/// A validity or a parameter's period that ends before it starts.
fn reversed_period(span: Span, from: jiff::civil::Date, until: jiff::civil::Date) -> Diagnostic {
    Diagnostic::error("C034", span, format!("this period ends ({until}) before it starts ({from})"))
        .label("empty period")
        .help("swap the dates or correct the year")
        .zh(format!("期间的截止日（{until}）早于起始日（{from}）"), "期间为空", "请交换两个日期或更正年份")
}

pub(crate) fn cycle(id: &ast::Ident) -> Diagnostic {
    Diagnostic::error("C023", id.span, format!("`{}` is defined in terms of itself", id.name))
        .label("circular definition")
        .help("a value may only use facts and values that do not depend on it")
        .zh(format!("`{}` 的定义用到了它自己", id.name), "循环定义", "一个值只能使用不依赖它的事实和值")
}

/// Which quantities accept values below zero when the rule file does not say `may_be_negative`.
/// Ratios (a plain number, %, ‰) and 百分点 are how changes are written (增长−4%, 下降0.5个百分点), so they
/// may be negative; a count, an area, a sum of money is, in a notice, an amount someone has, never below zero.
pub fn may_be_negative(unit: Option<Unit>, whole: bool) -> bool {
    let dimension = unit.unwrap_or(Unit::ONE).dimension();
    !whole && (dimension.is_dimensionless() || dimension == Dimension::of(BaseDim::Point))
}
