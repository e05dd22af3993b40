//! Evaluating stored decisions again: under the rulebook each one names (`replay`: any difference can only
//! mean the engine changed), or under new rules (`rerun`: which decided cases a rule change would decide
//! differently).

use std::collections::BTreeMap;

use comply_engine::Rulebook;
use comply_engine::explain::{Lang, render};
use comply_engine::facts;

use crate::{Record, Store, StoreError};

/// Why a stored decision could not be evaluated again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// The stored rulebook no longer loads (it did when the decision was made).
    Rules(String),
    UnknownPolicy(String),
    BadDate(String),
    /// The stored facts no longer read or bind.
    Facts(String),
}

impl ReplayError {
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (ReplayError::Rules(m), Lang::Zh) => format!("规则集无法载入：{m}"),
            (ReplayError::Rules(m), Lang::En) => format!("the rulebook does not load: {m}"),
            (ReplayError::UnknownPolicy(p), Lang::Zh) => format!("规则集中没有政策 `{p}`"),
            (ReplayError::UnknownPolicy(p), Lang::En) => format!("the rulebook has no policy `{p}`"),
            (ReplayError::BadDate(d), Lang::Zh) => format!("评估日期 `{d}` 无效"),
            (ReplayError::BadDate(d), Lang::En) => format!("the evaluation date `{d}` is not valid"),
            (ReplayError::Facts(m), _) => m.clone(),
        }
    }
}

/// The verdict and the JSON report of a stored case's facts under `book`, produced as `comply check
/// --format json` produces them.
pub fn evaluate(book: &Rulebook, record: &Record) -> Result<(String, String), ReplayError> {
    evaluate_text(book, &record.policy, &record.as_of, record.lang(), &record.facts_name, &record.facts)
}

/// The same, from the parts a decision is stored with (the desk evaluates a new case with this, so that a
/// replay repeats exactly what it did).
pub fn evaluate_text(
    book: &Rulebook,
    policy: &str,
    as_of: &str,
    lang: Lang,
    facts_name: &str,
    facts_text: &str,
) -> Result<(String, String), ReplayError> {
    let file = facts::read_file(facts_name, facts_text).map_err(|e| ReplayError::Facts(e.render(lang)))?;
    // The stored policy and date are the caller's, as `check --policy --as-of` would pass them.
    let resolved = book.resolve(&file, Some(policy), Some(as_of)).map_err(|e| match e {
        facts::FactError::UnknownPolicy { .. } => ReplayError::UnknownPolicy(policy.to_string()),
        facts::FactError::BadAsOf { .. } => ReplayError::BadDate(as_of.to_string()),
        e => ReplayError::Facts(e.render(lang)),
    })?;
    let report = resolved.report(lang);
    Ok((report.verdict.as_str().to_string(), render::json(&report)))
}

/// One decision evaluated again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub seq: i64,
    pub case_no: String,
    pub stored_verdict: String,
    pub outcome: Result<(String, String), ReplayError>,
}

impl Replayed {
    /// Replay: the report must be the stored one, byte for byte.
    pub fn same_report(&self, record_report: &str) -> bool {
        matches!(&self.outcome, Ok((_, json)) if json == record_report)
    }
}

/// Loaded rulebooks by fingerprint: a store holds few, named by many records.
#[derive(Default)]
pub struct Rulebooks(BTreeMap<String, Result<Rulebook, ReplayError>>);

impl Rulebooks {
    pub fn get(&mut self, store: &mut Store, hash: &str) -> Result<&Rulebook, ReplayError> {
        if !self.0.contains_key(hash) {
            let loaded = match store.rulebook_files(hash) {
                Ok(files) => {
                    Rulebook::from_files(&files).map_err(|e| ReplayError::Rules(e.render())).and_then(|book| {
                        // A stored rulebook is kept verbatim, so it must load to the fingerprint it is kept under.
                        if book.hash().to_string() == hash {
                            Ok(book)
                        } else {
                            Err(ReplayError::Rules(format!("reloaded as {}", book.hash())))
                        }
                    })
                }
                Err(e) => Err(ReplayError::Rules(e.render(Lang::En))),
            };
            self.0.insert(hash.to_string(), loaded);
        }
        match self.0.get(hash) {
            Some(Ok(book)) => Ok(book),
            Some(Err(e)) => Err(e.clone()),
            None => Err(ReplayError::Rules(hash.to_string())),
        }
    }
}

impl Store {
    /// Every stored decision (or those of one case: by 案号, or `#N` for one record), evaluated again
    /// under the rulebook it names. `visit` gets each with the stored record.
    pub fn replay(&mut self, case: Option<&str>, mut visit: impl FnMut(&Record, &Replayed)) -> Result<(), StoreError> {
        let mut books = Rulebooks::default();
        self.for_each_decision(case, |store, record| {
            let outcome = match &record.rulebook {
                Some(hash) => books.get(store, hash).and_then(|book| evaluate(book, record)),
                None => Err(ReplayError::Rules(String::new())),
            };
            visit(record, &Replayed::new(record, outcome));
        })
    }

    /// Every stored decision evaluated under `book` instead of the rules it was made under.
    pub fn rerun(
        &mut self,
        book: &Rulebook,
        case: Option<&str>,
        mut visit: impl FnMut(&Record, &Replayed),
    ) -> Result<(), StoreError> {
        self.for_each_decision(case, |_, record| visit(record, &Replayed::new(record, evaluate(book, record))))
    }

    /// The decisions to evaluate, one page in memory at a time.
    fn for_each_decision(
        &mut self,
        case: Option<&str>,
        mut visit: impl FnMut(&mut Store, &Record),
    ) -> Result<(), StoreError> {
        if let Some(case) = case {
            let mut found = self.case_records(case)?;
            if found.is_empty()
                && let Some(seq) = case.strip_prefix('#').and_then(|n| n.parse::<i64>().ok())
            {
                found.push(self.record(seq)?);
            }
            for record in found.iter().filter(|r| r.is_decision()) {
                visit(self, record);
            }
            return Ok(());
        }
        let mut after = 0;
        loop {
            let page = self.records_after(after)?;
            let Some(last) = page.last() else { return Ok(()) };
            after = last.seq;
            for record in page.iter().filter(|r| r.is_decision()) {
                visit(self, record);
            }
        }
    }
}

impl Replayed {
    fn new(record: &Record, outcome: Result<(String, String), ReplayError>) -> Replayed {
        Replayed { seq: record.seq, case_no: record.case_no.clone(), stored_verdict: record.verdict.clone(), outcome }
    }
}
