//! The chain: each record's hash covers every stored field and the previous record's hash, with the
//! engine's one hashing construction (`identity::Fingerprint`). `verify` walks the whole store and names
//! the first record that does not verify, and why.

use std::collections::BTreeMap;

use comply_engine::explain::Lang;
use comply_engine::identity::{Fingerprint, Hash};

use crate::{Record, Store, StoreError};

/// The hash of a record: every column but `hash` itself, in a fixed order, each length-prefixed.
pub fn record_hash(r: &Record) -> Hash {
    let mut f = Fingerprint::new("comply record v1");
    f.text(&r.seq.to_string())
        .text(&r.prev_hash)
        .text(&r.kind)
        .text(&r.at)
        .text(&r.actor)
        .optional(r.corrects.map(|c| c.to_string()).as_deref())
        .text(&r.case_no)
        .text(&r.applicant)
        .text(&r.credit_code)
        .text(&r.policy)
        .text(&r.as_of)
        .optional(r.rulebook.as_deref())
        .text(&r.lang)
        .text(&r.facts_name)
        .text(&r.facts)
        .text(&r.verdict)
        .text(&r.report)
        .text(&r.detail);
    f.finish()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The stored content no longer gives the stored hash: the record was edited.
    Altered,
    /// The record does not name the hash of the one before it: one was removed, inserted or reordered.
    BrokenLink,
    /// A sequence number is missing.
    Gap { expected: i64 },
    /// The rulebook the record names is not stored, or its stored texts no longer give its hash.
    Rulebook { hash: String, missing: bool },
    /// A correction names a record that does not come before it.
    BadCorrection { target: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub seq: i64,
    pub case_no: String,
    pub kind: ProblemKind,
}

impl Problem {
    pub fn render(&self, lang: Lang) -> String {
        let who = match (lang, self.case_no.is_empty()) {
            (Lang::Zh, false) => format!("记录 #{}（案号 {}）", self.seq, self.case_no),
            (Lang::Zh, true) => format!("记录 #{}", self.seq),
            (Lang::En, false) => format!("record #{} (case {})", self.seq, self.case_no),
            (Lang::En, true) => format!("record #{}", self.seq),
        };
        let why = match (&self.kind, lang) {
            (ProblemKind::Altered, Lang::Zh) => "内容与其哈希不符：记录在写入后被改动过".to_string(),
            (ProblemKind::Altered, Lang::En) => {
                "its content does not give its hash: it was changed after it was written".to_string()
            }
            (ProblemKind::BrokenLink, Lang::Zh) => "未接上前一条记录的哈希：有记录被删除、插入或调换".to_string(),
            (ProblemKind::BrokenLink, Lang::En) => {
                "it does not name the previous record's hash: a record was removed, inserted or reordered".to_string()
            }
            (ProblemKind::Gap { expected }, Lang::Zh) => format!("序号不连续：应为 #{expected}，有记录缺失"),
            (ProblemKind::Gap { expected }, Lang::En) => {
                format!("sequence gap: #{expected} expected, a record is missing")
            }
            (ProblemKind::Rulebook { hash, missing: true }, Lang::Zh) => format!("所依据的规则集 {hash} 未保存"),
            (ProblemKind::Rulebook { hash, missing: true }, Lang::En) => {
                format!("the rulebook it names, {hash}, is not stored")
            }
            (ProblemKind::Rulebook { hash, missing: false }, Lang::Zh) => {
                format!("所依据的规则集 {hash} 的存档文本已被改动")
            }
            (ProblemKind::Rulebook { hash, missing: false }, Lang::En) => {
                format!("the stored texts of the rulebook it names, {hash}, were changed")
            }
            (ProblemKind::BadCorrection { target }, Lang::Zh) => format!("所更正的记录 #{target} 不在其之前"),
            (ProblemKind::BadCorrection { target }, Lang::En) => {
                format!("it corrects record #{target}, which does not come before it")
            }
        };
        match lang {
            Lang::Zh => format!("{who}未通过校验：{why}"),
            Lang::En => format!("{who} does not verify: {why}"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    /// The hash of the last record: written down elsewhere, it also proves that nothing was cut off the end.
    pub head: Option<String>,
    /// In chain order; the first is the first record that does not verify.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Problems listed after the first are capped: one altered record is enough to act on.
const MAX_PROBLEMS: usize = 100;

impl Store {
    /// Walks the whole chain in one snapshot.
    pub fn verify(&mut self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        let mut expected_seq = 1i64;
        let mut prev_hash = String::new();
        let mut rulebooks: BTreeMap<String, Option<bool>> = BTreeMap::new();
        let mut pending_rulebooks: Vec<(i64, String, String)> = Vec::new();
        self.each_record(|r| {
            report.records += 1;
            let mut found = Vec::new();
            if r.seq != expected_seq {
                found.push(ProblemKind::Gap { expected: expected_seq });
            }
            if r.prev_hash != prev_hash {
                found.push(ProblemKind::BrokenLink);
            }
            if record_hash(&r).to_string() != r.hash {
                found.push(ProblemKind::Altered);
            }
            if let Some(target) = r.corrects
                && target >= r.seq
            {
                found.push(ProblemKind::BadCorrection { target });
            }
            if let Some(hash) = &r.rulebook {
                pending_rulebooks.push((r.seq, r.case_no.clone(), hash.clone()));
            }
            for kind in found {
                if report.problems.len() < MAX_PROBLEMS {
                    report.problems.push(Problem { seq: r.seq, case_no: r.case_no.clone(), kind });
                }
            }
            expected_seq = r.seq + 1;
            prev_hash = r.hash;
            report.head = Some(prev_hash.clone());
            Ok(())
        })?;
        // Each stored rulebook is checked once, however many records name it.
        for (seq, case_no, hash) in pending_rulebooks {
            let state = match rulebooks.get(&hash) {
                Some(state) => *state,
                None => {
                    let state = match self.rulebook_files(&hash) {
                        Ok(files) => Some(files.hash().to_string() == hash),
                        Err(_) => None,
                    };
                    rulebooks.insert(hash.clone(), state);
                    state
                }
            };
            if state != Some(true) && report.problems.len() < MAX_PROBLEMS {
                report.problems.push(Problem {
                    seq,
                    case_no,
                    kind: ProblemKind::Rulebook { hash, missing: state.is_none() },
                });
            }
        }
        report.problems.sort_by_key(|p| p.seq);
        Ok(report)
    }
}
