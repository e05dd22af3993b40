//! A checked policy: every name resolved to a slot, every type and unit known, every table proven
//! complete. Built only by `check`; read by `facts`, `eval` and `explain`.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::diag::Span;
use crate::syntax::ast::{ArithOp, Bilingual, CmpOp};
use crate::units::{Dimension, Quantity, Unit};

pub type FactId = u16;
pub type EnumId = u16;
pub type DerivedId = u16;
pub type TableId = u16;
pub type ParamId = u16;

/// Facts a policy may declare: unknown-fact sets are bit masks of this width.
pub const MAX_FACTS: usize = 256;

/// Fields are private to the engine: only `check` builds a policy, so every `Policy` a client holds has been
/// checked. Clients read it through the accessors below.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) id: String,
    pub(crate) title: Bilingual,
    pub(crate) source: Source,
    pub(crate) valid_from: Date,
    pub(crate) valid_until: Option<Date>,
    pub(crate) facts: Vec<FactDef>,
    pub(crate) enums: Vec<EnumDef>,
    pub(crate) tables: Vec<TableDef>,
    pub(crate) params: Vec<ParamDef>,
    pub(crate) derived: Vec<DerivedDef>,
    /// Indices into `derived`, in declaration order.
    pub(crate) outputs: Vec<DerivedId>,
    pub(crate) rules: Vec<RuleDef>,
    /// Indices into `rules` in the order the verdict-only path decides them (`eval::evaluation_order`);
    /// reports keep `rules`' order.
    pub(crate) eval_order: Vec<u16>,
    pub(crate) properties: Vec<Property>,
    /// The file the policy was read from, for messages.
    pub(crate) file: String,
    /// What the report says beyond the rules: the conclusions in the notice's words, the clauses not
    /// checked, the procedure.
    pub(crate) wording: Wording,
    /// The conversions across 小时/天/月/年 the pack declares with their citation (`convert`).
    pub(crate) conversions: Vec<Conversion>,
    /// Built on first use: the classes of each fact's domain (`partition`).
    pub(crate) partition: std::sync::OnceLock<crate::partition::Partition>,
}

/// `convert 1 天 = 8 小时 by "…"`: a conversion that a law fixes, and the law.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    pub link: crate::units::TimeLink,
    /// As the pack wrote it, for the report: `1 天 = 8 小时`.
    pub text: String,
    pub citation: String,
}

/// The words a pack gives its reports (see `conclusion`, `not_checked` and `administrative` in the grammar).
#[derive(Debug, Clone, Default)]
pub struct Wording {
    /// A verdict's conclusion in the notice's words, by verdict name (`pass`, `fail`, …).
    pub conclusions: Vec<(String, Bilingual)>,
    pub not_checked: Vec<NotChecked>,
    pub administrative: Vec<Administrative>,
    /// The pack's readings of the whole text (`reading` in the policy), printed once under the conclusion.
    pub readings: Vec<Bilingual>,
    /// The clauses no rule cites, for the clause map (`explain::clause_map`).
    pub not_encoded: Vec<NotEncoded>,
}

/// A clause no rule cites: what it says and how the pack treats it, in the clause map's language.
#[derive(Debug, Clone)]
pub struct NotEncoded {
    pub clause: String,
    pub what: String,
    pub why: String,
}

/// A clause of the notice this pack does not check.
#[derive(Debug, Clone)]
pub struct NotChecked {
    pub clause: String,
    pub text: Bilingual,
}

/// A fact of the procedure the notice states: 办理时限, 承办部门.
#[derive(Debug, Clone)]
pub struct Administrative {
    pub label: Bilingual,
    pub value: Bilingual,
    pub clause: Option<Citation>,
}

impl Policy {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn title(&self) -> &Bilingual {
        &self.title
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn valid_from(&self) -> Date {
        self.valid_from
    }

    pub fn valid_until(&self) -> Option<Date> {
        self.valid_until
    }

    pub fn facts(&self) -> &[FactDef] {
        &self.facts
    }

    pub fn enums(&self) -> &[EnumDef] {
        &self.enums
    }

    pub fn tables(&self) -> &[TableDef] {
        &self.tables
    }

    pub fn params(&self) -> &[ParamDef] {
        &self.params
    }

    pub fn derived(&self) -> &[DerivedDef] {
        &self.derived
    }

    pub fn outputs(&self) -> &[DerivedId] {
        &self.outputs
    }

    pub fn rules(&self) -> &[RuleDef] {
        &self.rules
    }

    pub fn eval_order(&self) -> &[u16] {
        &self.eval_order
    }

    pub fn properties(&self) -> &[Property] {
        &self.properties
    }

    pub fn conversions(&self) -> &[Conversion] {
        &self.conversions
    }

    pub fn wording(&self) -> &Wording {
        &self.wording
    }

    /// The conclusion the pack words a verdict with (`conclusion pass "…"`), if it gives one.
    pub fn conclusion(&self, verdict: &str) -> Option<&Bilingual> {
        self.wording.conclusions.iter().find(|(v, _)| v == verdict).map(|(_, text)| text)
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// The partition of each fact's domain this policy induces, built once.
    pub fn partition(&self) -> &crate::partition::Partition {
        self.partition.get_or_init(|| crate::partition::Partition::new(self))
    }

    pub fn fact_index(&self, name: &str) -> Option<FactId> {
        self.facts.iter().position(|f| f.name == name).map(|i| i as FactId)
    }

    pub fn enum_def(&self, id: EnumId) -> &EnumDef {
        &self.enums[id as usize]
    }

    /// What a `let` name stands for, followed through names to the first expression that is not one.
    pub fn resolve<'p>(&'p self, expr: &'p Expr) -> &'p Expr {
        let mut expr = expr;
        // Definitions are acyclic after checking; the bound only guards a policy built some other way.
        for _ in 0..=self.derived.len() {
            match expr {
                Expr::Derived(d) => match self.derived.get(*d as usize) {
                    Some(def) => expr = &def.expr,
                    None => break,
                },
                _ => break,
            }
        }
        expr
    }

    /// The facts an expression reads, through derived values and tables (keys and rows), each once and in
    /// the order first met.
    pub fn facts_read(&self, expr: &Expr) -> Vec<FactId> {
        let mut out = Vec::new();
        self.walk_deep(expr, &mut |e| {
            if let Expr::Fact(f) = e
                && !out.contains(f)
            {
                out.push(*f);
            }
        });
        out
    }

    /// Visits `expr` and everything inside it, in pre-order, following each derived value and table (its
    /// keys, then its rows) into its definition the first time it is named. Definitions are acyclic after
    /// checking, and each is entered once, so the walk ends on any policy `check` built.
    pub fn walk_deep<'p>(&'p self, expr: &'p Expr, visit: &mut dyn FnMut(&'p Expr)) {
        let mut seen = vec![false; self.derived.len() + self.tables.len()];
        self.walk_deep_from(expr, visit, &mut seen);
    }

    fn walk_deep_from<'p>(&'p self, expr: &'p Expr, visit: &mut dyn FnMut(&'p Expr), seen: &mut [bool]) {
        expr.walk(&mut |e| {
            visit(e);
            let (slot, inner): (usize, Vec<&'p Expr>) = match e {
                Expr::Derived(d) => match self.derived.get(*d as usize) {
                    Some(def) => (*d as usize, vec![&def.expr]),
                    None => return true,
                },
                Expr::Table(t) => match self.tables.get(*t as usize) {
                    Some(table) => (self.derived.len() + *t as usize, table.keys.iter().chain(&table.rows).collect()),
                    None => return true,
                },
                _ => return true,
            };
            if let Some(entered @ false) = seen.get_mut(slot) {
                *entered = true;
                for e in inner {
                    self.walk_deep_from(e, visit, seen);
                }
            }
            true
        });
    }
}

/// What a `fold` over an expression does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Go on into this node's children.
    Descend,
    /// Do not enter this node's children; go on with its siblings.
    Skip,
}

impl Expr {
    /// The expressions directly inside this one. A derived value or a table is a name here (no children):
    /// `Policy::walk_deep` follows names into their definitions. The match is exhaustive on purpose, so a new
    /// kind of node cannot be walked past unnoticed.
    pub fn children(&self) -> impl Iterator<Item = &Expr> {
        let none: [Option<&Expr>; 3] = [None, None, None];
        let (fixed, many): ([Option<&Expr>; 3], &[Expr]) = match self {
            Expr::Const(_) | Expr::Fact(_) | Expr::Derived(_) | Expr::Param(_) | Expr::Table(_) | Expr::AsOf => {
                (none, &[])
            }
            Expr::Not(e) | Expr::Neg(e) => ([Some(e), None, None], &[]),
            Expr::InEnum { value: e, .. } | Expr::InText { value: e, .. } => ([Some(e), None, None], &[]),
            Expr::HasAny { set: e, .. } | Expr::HasOnly { set: e, .. } => ([Some(e), None, None], &[]),
            Expr::And(parts)
            | Expr::Or(parts)
            | Expr::Min(parts)
            | Expr::Max(parts)
            | Expr::Sum(parts)
            | Expr::Count { parts, .. } => (none, parts.as_slice()),
            Expr::Compare(c) => ([Some(&c.lhs), Some(&c.rhs), None], &[]),
            Expr::Has { set, item, .. } => ([Some(set), Some(item), None], &[]),
            Expr::Arith { lhs, rhs, .. } => ([Some(lhs), Some(rhs), None], &[]),
            Expr::If { condition, then, otherwise } => ([Some(condition), Some(then), Some(otherwise)], &[]),
        };
        fixed.into_iter().flatten().chain(many)
    }

    /// Pre-order walk: `visit` sees each node before its children and returns whether to enter them.
    /// Expressions are as deep as the rule text nests them, which the parser bounds.
    pub fn walk<'e>(&'e self, visit: &mut dyn FnMut(&'e Expr) -> bool) {
        if visit(self) {
            for child in self.children() {
                child.walk(visit);
            }
        }
    }

    /// Pre-order fold: `step` gets the accumulator and a node, and says whether to enter its children.
    pub fn fold<'e, T>(&'e self, init: T, step: &mut dyn FnMut(T, &'e Expr) -> (T, Walk)) -> T {
        let (mut acc, next) = step(init, self);
        if next == Walk::Descend {
            for child in self.children() {
                acc = child.fold(acc, step);
            }
        }
        acc
    }

    /// Whether this node or any node inside it (not through names) satisfies `test`.
    pub fn any(&self, test: &mut dyn FnMut(&Expr) -> bool) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            found = found || test(e);
            !found
        });
        found
    }
}

#[derive(Debug, Clone, Default)]
pub struct Source {
    pub title: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub signed: Option<Date>,
    pub file: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Bool,
    /// A quantity of one dimension; counts and ratios are dimensionless.
    Num(Dimension),
    Date,
    Text,
    Enum(EnumId),
    Set(EnumId),
    /// The branches of a conditional have different units (a monthly or an hourly minimum): it may be
    /// reported as an output, never compared or computed with.
    Mixed,
}

#[derive(Debug, Clone)]
pub struct FactDef {
    pub name: String,
    pub ty: Type,
    /// The unit values are kept in, for quantities.
    pub unit: Option<Unit>,
    /// Counts accept whole numbers only.
    pub whole: bool,
    /// Whether values below zero are accepted (`may_be_negative`, see `check::may_be_negative`).
    pub signed: bool,
    pub label: Bilingual,
    pub ask: Option<Bilingual>,
    pub clauses: Vec<String>,
    /// The document that proves the fact, for the list of materials.
    pub evidence: Option<Bilingual>,
    /// When the document is needed, in the pack's words; otherwise derived from the rules that read the fact.
    pub evidence_when: Option<Bilingual>,
    /// The record of a list this fact is (`fact rate: % per county` gives `rate_鹿城区`), for the fact-file
    /// sheet, which shows a list once with its rows.
    pub record: Option<RecordOf>,
    pub span: Span,
}

/// Which list a fact is one record of, and which record.
#[derive(Debug, Clone)]
pub struct RecordOf {
    /// The list's name (`rate`) and label (「回收利用率」).
    pub list: String,
    pub label: Bilingual,
    /// The named enum whose values are the records, and this record's value.
    pub key: EnumId,
    pub value: u16,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub values: Vec<EnumValue>,
    /// The name of an enum declared with `enum NAME { … }`; `None` for one written in place.
    pub name: Option<String>,
    /// The values run from the lowest to the highest (`enum NAME ordered { … }`): `>=` and `<` compare
    /// them by position.
    pub ordered: bool,
}

impl EnumDef {
    pub fn index(&self, name: &str) -> Option<u16> {
        self.values.iter().position(|v| v.name == name).map(|i| i as u16)
    }

    /// A value by its name, its Chinese label or a declared alias, as a rule file may write it in quotes.
    pub fn lookup(&self, text: &str) -> Option<u16> {
        self.index(text).or_else(|| {
            let spelt =
                |v: &EnumValue| v.label.as_ref().is_some_and(|l| l.zh == text) || v.aliases.iter().any(|a| a == text);
            self.values.iter().position(spelt).map(|i| i as u16)
        })
    }
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub name: String,
    pub label: Option<Bilingual>,
    /// Other spellings a person may type for this value (`aka` in the rule file).
    pub aliases: Vec<String>,
}

/// A value fixed in the rule text.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    Bool(bool),
    Num(Quantity),
    Date(Date),
    Text(String),
    Enum(u16),
    Set(u64),
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: String,
    pub label: Option<Bilingual>,
    /// Each row's quotes of the notice, in row order.
    pub row_quotes: Vec<Vec<String>>,
    pub keys: Vec<Expr>,
    pub ty: Type,
    pub rows: Vec<Expr>,
    /// How to turn key values into a cell of `cells`.
    pub columns: Vec<Column>,
    /// Row index for every combination of column positions (row-major), `None` for a gap that the
    /// checker allowed because a column is open (free text or a number).
    pub cells: Vec<Option<u16>>,
    /// A table of one value per record (`table target: % by county`, keyed by a named enum rather than a
    /// fact): never evaluated as a whole; the checker reads a record's row in place (`target[鹿城区]`), and
    /// `keys` then holds a placeholder of the enum's type.
    pub per: Option<EnumId>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Column {
    /// Position = enum ordinal.
    Enum {
        size: usize,
    },
    /// Position = index of the literal, or `literals.len()` for any other value.
    Text {
        literals: Vec<String>,
    },
    Num {
        literals: Vec<Decimal>,
    },
}

impl Column {
    pub fn width(&self) -> usize {
        match self {
            Column::Enum { size } => *size,
            Column::Text { literals } => literals.len() + 1,
            Column::Num { literals } => literals.len() + 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ParamDef {
    pub name: String,
    pub label: Option<Bilingual>,
    pub ty: Type,
    pub periods: Vec<Period>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Period {
    pub from: Date,
    pub until: Option<Date>,
    pub value: Constant,
}

#[derive(Debug, Clone)]
pub struct DerivedDef {
    pub name: String,
    pub ty: Type,
    /// The unit the author declared (`output share: % = …`): the value is shown in it.
    pub unit: Option<Unit>,
    pub expr: Expr,
    pub label: Bilingual,
    pub is_output: bool,
    /// The clauses the definition cites.
    pub clauses: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Consequence {
    Fail { remedy: Option<Bilingual> },
    Refer { to: Bilingual },
    Warn,
    NotApplicable,
}

/// A rule's place in the verdict lattice, read top down: a failed scope rule makes the policy not
/// applicable whatever else holds, then a failed rule fails the case, then a failed refer rule refers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Scope,
    Fail,
    Refer,
}

impl Consequence {
    /// The rule's level in the verdict lattice; warnings do not take part in the verdict.
    pub fn level(&self) -> Option<Level> {
        match self {
            Consequence::NotApplicable => Some(Level::Scope),
            Consequence::Fail { .. } => Some(Level::Fail),
            Consequence::Refer { .. } => Some(Level::Refer),
            Consequence::Warn => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub id: String,
    pub title: Bilingual,
    pub clause: Option<Citation>,
    /// For a target with a due date, the due-date gate comes first (`period >= due`): before it the rule is
    /// skipped by evaluation and reported as not yet due, on track or behind (`explain::targets`).
    pub applies: Option<Expr>,
    pub requires: Expr,
    pub consequence: Consequence,
    /// What the report says when the rule does not apply, or (a scope rule) why the notice does not.
    pub inapplicable: Option<Bilingual>,
    /// The pack's own readings of words the clause leaves open.
    pub readings: Vec<Bilingual>,
    pub target: Option<Target>,
    /// 牵头单位 and 责任单位, as the text names them (empty when it names none).
    pub lead: Vec<Bilingual>,
    pub responsible: Vec<Bilingual>,
    pub span: Span,
}

/// A target that falls due on a date.
#[derive(Debug, Clone)]
pub struct Target {
    pub due: Date,
    /// `period >= due`, the first part of the rule's `applies`.
    pub gate: Expr,
    /// The rule's own `when`, without the gate.
    pub when: Option<Expr>,
    /// The line a not-yet-due target is measured against; without it the target is only "not yet due".
    pub on_track: Option<Expr>,
}

#[derive(Debug, Clone)]
pub struct Citation {
    pub reference: String,
    pub quotes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    Increasing(FactId),
    Decreasing(FactId),
}

/// A resolved expression. Negations are pushed down to the comparisons at check time, so an explanation
/// can always name the comparison that decided a rule in the direction it was decided.
#[derive(Debug, Clone)]
pub enum Expr {
    Const(Constant),
    Fact(FactId),
    Derived(DerivedId),
    Param(ParamId),
    Table(TableId),
    AsOf,
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(Box<Comparison>),
    /// An enum value in a set of values (a bit mask over the enum's ordinals).
    InEnum {
        value: Box<Expr>,
        mask: u64,
        negated: bool,
    },
    InText {
        value: Box<Expr>,
        texts: Vec<String>,
        negated: bool,
    },
    HasAny {
        set: Box<Expr>,
        mask: u64,
        negated: bool,
    },
    HasOnly {
        set: Box<Expr>,
        mask: u64,
        negated: bool,
    },
    Has {
        set: Box<Expr>,
        item: Box<Expr>,
        negated: bool,
    },
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Neg(Box<Expr>),
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Min(Vec<Expr>),
    Max(Vec<Expr>),
    Sum(Vec<Expr>),
    /// How many of the parts hold (`count(c in county: …)`), in `unit` (the clause's measure word, or none).
    /// Compared with a number it is decided by the parts already known where it can be: `>= 5` holds once
    /// five hold, whatever the others turn out to be (`eval::count_compare`).
    Count {
        parts: Vec<Expr>,
        unit: Unit,
    },
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub op: CmpOp,
    pub lhs: Expr,
    pub rhs: Expr,
    /// The clause's own word (以下, 大于…) and whether the rule negated the comparison it belongs to.
    pub word: Option<String>,
    pub word_negated: bool,
    /// Where the word comes from when it is not the notice.
    pub word_source: Option<String>,
    /// The left side as the author wrote it, to name a computed value in explanations.
    pub lhs_text: String,
    /// How a report names a total, a mean or a count over a series or a list, in both languages
    /// (「新增面积（合计）」), where the rule text would read as code.
    pub lhs_label: Option<Bilingual>,
    /// The right side's name when it is a record's row of a table (「本县目标（泗洪县）」), which the checker
    /// has read in place as a constant.
    pub rhs_label: Option<Bilingual>,
    /// That row's quotes of the notice, shown when the comparison does not hold.
    pub rhs_quotes: Vec<String>,
    pub span: Span,
}
