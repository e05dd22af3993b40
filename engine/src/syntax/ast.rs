//! The typed syntax tree: what the author wrote, with a span on everything a diagnostic may point at.
//! Nothing here is resolved or checked yet; `check` turns it into a `Policy`.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::diag::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A text in Chinese with an optional English rendering.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bilingual {
    pub zh: String,
    pub en: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyAst {
    pub id: Ident,
    pub span: Span,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Title(Bilingual, Span),
    Source(Vec<SourceField>, Span),
    Validity {
        from: Date,
        until: Option<Date>,
        span: Span,
    },
    /// `enum NAME [ordered] { … }`: a named enum, shared by the facts, tables and outputs that name it.
    Enum(EnumDeclAst),
    Fact(FactAst),
    Table(TableAst),
    Param(ParamAst),
    Derived(DerivedAst),
    Output(DerivedAst),
    Rule(RuleAst),
    Property(PropertyAst),
    /// `conclusion pass "…"`: the words a verdict is reported with.
    Conclusion {
        verdict: Spanned<String>,
        text: Bilingual,
    },
    /// `reading "…"` in the policy: the pack's reading of the whole text, printed once in every report.
    Reading(Bilingual),
    /// `not_checked "二（二）2" "…"`: a clause this pack does not check.
    NotChecked {
        clause: String,
        text: Bilingual,
        span: Span,
    },
    /// `not_encoded "一" "what it says": "why"`: a clause no rule cites, for the clause map.
    NotEncoded {
        clause: String,
        what: String,
        why: String,
    },
    /// `administrative "办理时限": "…" clause …`: a fact of the procedure the notice states.
    Administrative {
        label: Bilingual,
        value: Bilingual,
        clause: Option<ClauseAst>,
        span: Span,
    },
    /// `period EXPR`: the date the figures measure.
    Period(Expr, Span),
    /// `convert 1 天 = 8 小时 by "…"`: a conversion across time bases that a law fixes, with its citation.
    Conversion(ConversionAst),
}

/// One side of a `convert` declaration: a number and the unit written after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub value: Decimal,
    pub unit: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversionAst {
    pub left: Measure,
    pub right: Measure,
    /// The law that fixes the conversion; required, checked by the checker (C090).
    pub citation: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceField {
    pub key: String,
    pub value: SourceValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceValue {
    Text(String),
    Date(Date),
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValueAst {
    pub id: Ident,
    pub label: Option<Bilingual>,
    /// Other spellings read as this value (`aka "灵昆", "灵昆镇"`), with their spans.
    pub aliases: Vec<(String, Span)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDeclAst {
    pub id: Ident,
    /// The values run from the lowest to the highest, so `>=` and `<` compare them.
    pub ordered: bool,
    pub values: Vec<EnumValueAst>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeAst {
    Bool,
    Count,
    Date,
    Text,
    Number,
    /// `enum [ordered] { … }` written in place.
    Enum {
        values: Vec<EnumValueAst>,
        ordered: bool,
    },
    Set(Vec<EnumValueAst>),
    /// `set of NAME`: several values of a named enum.
    SetOf(Ident),
    /// Any other word: a unit, or the name of an enum declared with `enum NAME { … }`.
    Unit(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

/// The `{ label … ask … clause … }` block that facts, derived values and outputs share.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Details {
    pub label: Option<Bilingual>,
    pub ask: Option<Bilingual>,
    pub clauses: Vec<ClauseAst>,
    /// The document that proves the fact.
    pub evidence: Option<Bilingual>,
    /// When the document is needed, where the rules' own conditions do not say it well.
    pub evidence_when: Option<Bilingual>,
    /// Declared `may_be_negative`: values below zero are accepted whatever the unit.
    pub may_be_negative: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FactAst {
    pub id: Ident,
    pub ty: Spanned<TypeAst>,
    /// `yearly 2021..2025`: a series, one fact per year (first and last year, inclusive).
    pub yearly: Option<Spanned<(i16, i16)>>,
    /// `per county`: a list of records, one fact per value of the named enum.
    pub per: Option<Ident>,
    pub details: Details,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableAst {
    pub id: Ident,
    /// `table NAME: TYPE by …`: the type of the rows' values, so that they may name values of a named enum.
    pub ty: Option<Spanned<TypeAst>>,
    pub label: Option<Bilingual>,
    pub keys: Vec<Expr>,
    pub rows: Vec<TableRowAst>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableRowAst {
    pub patterns: Vec<Spanned<Pattern>>,
    pub value: Expr,
    /// The passages of the notice this row copies.
    pub quotes: Vec<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    Any,
    One(SetItem),
    Set(Vec<SetItem>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    Name(Ident),
    Text(String, Span),
    Number(Decimal, Span),
}

impl SetItem {
    pub fn span(&self) -> Span {
        match self {
            SetItem::Name(id) => id.span,
            SetItem::Text(_, span) | SetItem::Number(_, span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamAst {
    pub id: Ident,
    pub label: Option<Bilingual>,
    pub ty: Spanned<TypeAst>,
    pub periods: Vec<PeriodAst>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodAst {
    pub from: Date,
    pub until: Option<Date>,
    pub value: Expr,
    pub span: Span,
}

/// A `let` or an `output`: a named value computed from facts.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedAst {
    pub id: Ident,
    pub ty: Option<Spanned<TypeAst>>,
    pub value: Expr,
    pub details: Details,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClauseAst {
    pub reference: String,
    pub quotes: Vec<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleAst {
    pub id: Ident,
    pub span: Span,
    pub titles: Vec<Spanned<Bilingual>>,
    pub clauses: Vec<ClauseAst>,
    pub applies: Vec<Expr>,
    pub requires: Vec<Expr>,
    pub otherwise: Vec<Spanned<ConsequenceAst>>,
    /// What the report says when the rule does not apply.
    pub inapplicable: Vec<Spanned<Bilingual>>,
    /// The pack's own reading of open words of the clause.
    pub readings: Vec<Bilingual>,
    pub target: TargetAst,
}

/// A rule's target items: when it falls due, the on-track line before then, who answers for it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetAst {
    pub due: Vec<Spanned<Date>>,
    pub on_track: Vec<Expr>,
    /// Each `lead` line's units, each named in Chinese and (optionally) English.
    pub lead: Vec<Spanned<Vec<Bilingual>>>,
    pub responsible: Vec<Spanned<Vec<Bilingual>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConsequenceAst {
    Fail { remedy: Option<Bilingual> },
    Refer { to: Bilingual },
    Warn,
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyAst {
    Increasing(Ident),
    Decreasing(Ident),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn negate(self) -> CmpOp {
        match self {
            CmpOp::Ge => CmpOp::Lt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Lt => "<",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }

    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Ge => ordering != Less,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Le => ordering != Greater,
            CmpOp::Lt => ordering == Less,
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
        }
    }
}

/// What `over` makes of the records: every one holds, one does, how many do, or the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverKind {
    All,
    Any,
    Count,
    Sum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number with the unit written after it (`10 万元/亩`, `25%`), or a bare number.
    Number {
        value: Decimal,
        unit: Option<String>,
    },
    Date(Date),
    Text(String),
    Bool(bool),
    AsOf,
    Name(Ident),
    /// One year of a series: `gdp[2025]`.
    Index {
        series: Ident,
        year: Spanned<i16>,
    },
    /// One record of a list: `rate[鹿城区]`, or `rate[c]` for the record `over` is visiting.
    Record {
        list: Ident,
        key: Ident,
    },
    /// `all(c in county where …: …)` and its kin: the body for each value of a named enum.
    Over {
        kind: OverKind,
        var: Ident,
        domain: Ident,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare {
        op: CmpOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        word: Option<Spanned<String>>,
        /// Where the word comes from when it is not the notice (`by "《劳动法》第四十八条"`).
        word_source: Option<String>,
    },
    /// `value approximately target within tolerance（左右）`
    Approx {
        value: Box<Expr>,
        target: Box<Expr>,
        tolerance: Box<Expr>,
        word: Option<Spanned<String>>,
    },
    In {
        value: Box<Expr>,
        set: Vec<SetItem>,
    },
    HasAny {
        set: Box<Expr>,
        items: Vec<SetItem>,
    },
    HasOnly {
        set: Box<Expr>,
        items: Vec<SetItem>,
    },
    Has {
        set: Box<Expr>,
        item: Box<Expr>,
    },
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Neg(Box<Expr>),
}
