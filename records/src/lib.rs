//! Decision records: what was decided, on which facts, under which rules, by whom and when, kept so that
//! nobody can change it unseen and anyone can evaluate it again under the rules then in force.
//!
//! Records are append-only and hash-chained: each record's hash covers its content and the previous
//! record's hash (`chain`), so an edited record no longer gives its own hash, and a removed, inserted or
//! reordered one breaks the link of the record after it. A correction is a new record that names the one it corrects. The rulebook a decision names by
//! fingerprint is stored once, content-addressed, and `replay` loads it again byte for byte.
//!
//! One code path for SQLite (the default, a file) and PostgreSQL (`postgres://…`): see `db`.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod chain;
pub mod db;
pub mod replay;
pub mod schema;
pub mod sessions;
#[doc(hidden)]
pub mod testing;
pub mod users;

use std::collections::BTreeSet;

use comply_engine::Rulebook;
use comply_engine::explain::Lang;
use comply_engine::identity::RulebookFiles;
use serde::{Deserialize, Serialize};

pub use chain::{Problem, ProblemKind, VerifyReport};
pub use db::DbError;
pub use users::{Role, User};

/// The current time as RFC 3339 (UTC). Only records read the clock: when a decision was made is a fact
/// about the record, never an input to the evaluation.
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Who a case is about, as a clerk files it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseBlock {
    /// 案号
    pub case_no: String,
    /// 申请人
    pub applicant: String,
    /// 统一社会信用代码
    pub credit_code: String,
}

/// What the case list searches by; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    pub case_no: String,
    pub applicant: String,
    pub credit_code: String,
    pub verdict: String,
    /// YYYY-MM-DD (or YYYY-MM, YYYY): the day the decision was recorded.
    pub date: String,
}

/// A decision to record: the case, the facts as given, and the report the engine produced for them.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub case: CaseBlock,
    pub policy: String,
    /// YYYY-MM-DD
    pub as_of: String,
    pub rulebook: &'a Rulebook,
    pub lang: Lang,
    /// The fact file's name decides how its text is read (`.json` is JSON, anything else TOML).
    pub facts_name: String,
    pub facts: String,
    pub verdict: String,
    /// The JSON report exactly as it was given out.
    pub report: String,
    pub actor: String,
    /// The record this one corrects.
    pub corrects: Option<i64>,
}

/// A stored record, as it is hashed and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub seq: i64,
    /// `decision`, `correction`, or a staff action (`user_added`, …).
    pub kind: String,
    pub at: String,
    pub actor: String,
    pub corrects: Option<i64>,
    pub case_no: String,
    pub applicant: String,
    pub credit_code: String,
    pub policy: String,
    pub as_of: String,
    pub rulebook: Option<String>,
    pub lang: String,
    pub facts_name: String,
    pub facts: String,
    pub verdict: String,
    pub report: String,
    /// What a staff action did, in words (empty for decisions).
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Record {
    /// A staff action that is not a decision: only who, what and when.
    pub(crate) fn action(actor: &str, kind: &str, detail: &str) -> Record {
        Record {
            seq: 0,
            kind: kind.to_string(),
            at: now(),
            actor: actor.to_string(),
            corrects: None,
            case_no: String::new(),
            applicant: String::new(),
            credit_code: String::new(),
            policy: String::new(),
            as_of: String::new(),
            rulebook: None,
            lang: String::new(),
            facts_name: String::new(),
            facts: String::new(),
            verdict: String::new(),
            report: String::new(),
            detail: detail.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn text_fields(&self) -> [(&'static str, &str); 14] {
        [
            ("kind", &self.kind),
            ("actor", &self.actor),
            ("case_no", &self.case_no),
            ("applicant", &self.applicant),
            ("credit_code", &self.credit_code),
            ("policy", &self.policy),
            ("as_of", &self.as_of),
            ("lang", &self.lang),
            ("facts_name", &self.facts_name),
            ("facts", &self.facts),
            ("verdict", &self.verdict),
            ("report", &self.report),
            ("detail", &self.detail),
            ("at", &self.at),
        ]
    }

    pub fn is_decision(&self) -> bool {
        matches!(self.kind.as_str(), "decision" | "correction")
    }

    pub fn lang(&self) -> Lang {
        if self.lang == "en" { Lang::En } else { Lang::Zh }
    }

    fn from_row(row: &db::Row) -> Record {
        Record {
            seq: row.int(0).unwrap_or(0),
            kind: row.text(1),
            at: row.text(2),
            actor: row.text(3),
            corrects: row.int(4),
            case_no: row.text(5),
            applicant: row.text(6),
            credit_code: row.text(7),
            policy: row.text(8),
            as_of: row.text(9),
            rulebook: match row.0.get(10) {
                Some(db::Value::Text(h)) => Some(h.clone()),
                _ => None,
            },
            lang: row.text(11),
            facts_name: row.text(12),
            facts: row.text(13),
            verdict: row.text(14),
            report: row.text(15),
            detail: row.text(16),
            prev_hash: row.text(17),
            hash: row.text(18),
        }
    }

    fn values(&self) -> Vec<db::Value> {
        vec![
            self.seq.into(),
            self.kind.as_str().into(),
            self.at.as_str().into(),
            self.actor.as_str().into(),
            self.corrects.into(),
            self.case_no.as_str().into(),
            self.applicant.as_str().into(),
            self.credit_code.as_str().into(),
            self.policy.as_str().into(),
            self.as_of.as_str().into(),
            self.rulebook.as_deref().map_or(db::Value::Null, db::Value::from),
            self.lang.as_str().into(),
            self.facts_name.as_str().into(),
            self.facts.as_str().into(),
            self.verdict.as_str().into(),
            self.report.as_str().into(),
            self.detail.as_str().into(),
            self.prev_hash.as_str().into(),
            self.hash.as_str().into(),
        ]
    }
}

const COLUMNS: &str = "seq, kind, at, actor, corrects, case_no, applicant, credit_code, policy, as_of, rulebook, \
                       lang, facts_name, facts, verdict, report, detail, prev_hash, hash";

/// How many records one query reads: a walk over a large store holds one page at a time.
const PAGE: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("record #{0} does not exist")]
    NoSuchRecord(i64),
    #[error("record #{0} is not a decision, so it cannot be corrected")]
    NotADecision(i64),
    #[error("the stored rulebook {0} is missing or unreadable")]
    Rulebook(String),
    #[error("{0}")]
    User(users::UserError),
    #[error("the field `{0}` contains a NUL character, which cannot be stored")]
    Nul(String),
    #[error("cannot write: {0}")]
    Write(String),
}

impl StoreError {
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (StoreError::Db(e), Lang::Zh) => format!("记录库出错：{e}"),
            (StoreError::Db(e), Lang::En) => format!("records database error: {e}"),
            (StoreError::NoSuchRecord(n), Lang::Zh) => format!("记录 #{n} 不存在"),
            (StoreError::NotADecision(n), Lang::Zh) => format!("记录 #{n} 不是核查决定，不能被更正"),
            (StoreError::Rulebook(h), Lang::Zh) => format!("记录库中缺少或无法读取规则集 {h}"),
            (StoreError::User(e), lang) => e.render(lang),
            (StoreError::Write(e), Lang::Zh) => format!("无法写出：{e}"),
            (StoreError::Nul(f), Lang::Zh) => format!("字段 `{f}` 含有 NUL 字符，无法保存"),
            (other, Lang::En) => other.to_string(),
        }
    }
}

/// An open records database, migrated to the current schema.
pub struct Store {
    conn: Box<dyn db::Conn>,
    /// Rulebooks known to be stored already, so a busy desk does not send the same texts again.
    stored_rulebooks: BTreeSet<String>,
}

impl Store {
    /// Opens (creating and migrating when needed) `target`: a SQLite file, or a `postgres://` URL.
    pub fn open(target: &str) -> Result<Store, StoreError> {
        let mut conn = db::connect(target)?;
        schema::migrate(conn.as_mut())?;
        Ok(Store { conn, stored_rulebooks: BTreeSet::new() })
    }

    pub fn dialect(&self) -> db::Dialect {
        self.conn.dialect()
    }

    /// Appends a decision (or, with `corrects`, a correction) and returns the stored record. When this
    /// returns, the record is committed (and fsynced: see `db::connect`).
    pub fn record_decision(&mut self, decision: &Decision<'_>) -> Result<Record, StoreError> {
        let rulebook = decision.rulebook.hash().to_string();
        let record = Record {
            seq: 0,
            kind: if decision.corrects.is_some() { "correction" } else { "decision" }.to_string(),
            at: now(),
            actor: decision.actor.clone(),
            corrects: decision.corrects,
            case_no: decision.case.case_no.clone(),
            applicant: decision.case.applicant.clone(),
            credit_code: decision.case.credit_code.clone(),
            policy: decision.policy.clone(),
            as_of: decision.as_of.clone(),
            rulebook: Some(rulebook.clone()),
            lang: lang_code(decision.lang).to_string(),
            facts_name: decision.facts_name.clone(),
            facts: decision.facts.clone(),
            verdict: decision.verdict.clone(),
            report: decision.report.clone(),
            detail: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        self.append(record, Some(decision.rulebook.files()))
    }

    /// Appends a staff action that is not a decision (a user added, a password changed, …).
    pub fn record_action(&mut self, actor: &str, kind: &str, detail: &str) -> Result<Record, StoreError> {
        self.append(Record::action(actor, kind, detail), None)
    }

    fn append(&mut self, record: Record, rulebook: Option<&RulebookFiles>) -> Result<Record, StoreError> {
        self.in_write(|store| store.append_locked(record, rulebook))
    }

    /// Runs `work` in one write transaction: everything it appends is committed together, or nothing is.
    pub(crate) fn in_write<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.begin_write("records")?;
        match work(self) {
            Ok(value) => {
                self.conn.commit()?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.rollback();
                // A rulebook inserted in the rolled-back transaction is not stored after all.
                self.stored_rulebooks.clear();
                Err(e)
            }
        }
    }

    /// Inside a write transaction: numbers the record, links it to the chain's head and inserts it.
    pub(crate) fn append_locked(
        &mut self,
        mut record: Record,
        rulebook: Option<&RulebookFiles>,
    ) -> Result<Record, StoreError> {
        let head = self.conn.query("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1", &[])?;
        let (last, prev_hash) = head.first().map_or((0, String::new()), |r| (r.int(0).unwrap_or(0), r.text(1)));
        if let Some(field) = record.text_fields().iter().find_map(|(name, text)| text.contains('\0').then_some(*name)) {
            // PostgreSQL cannot store NUL in text; SQLite could, but then the two would differ.
            return Err(StoreError::Nul(field.to_string()));
        }
        if let Some(target) = record.corrects {
            let rows = self.conn.query("SELECT kind FROM records WHERE seq = $1", &[target.into()])?;
            match rows.first().map(|r| r.text(0)) {
                None => return Err(StoreError::NoSuchRecord(target)),
                Some(kind) if kind != "decision" && kind != "correction" => {
                    return Err(StoreError::NotADecision(target));
                }
                Some(_) => {}
            }
        }
        if let (Some(files), Some(hash)) = (rulebook, &record.rulebook) {
            self.store_rulebook(hash, files)?;
        }
        record.seq = last + 1;
        record.prev_hash = prev_hash;
        record.hash = chain::record_hash(&record).to_string();
        let placeholders: Vec<String> = (1..=19).map(|i| format!("${i}")).collect();
        self.conn.execute(
            &format!("INSERT INTO records ({COLUMNS}) VALUES ({})", placeholders.join(", ")),
            &record.values(),
        )?;
        Ok(record)
    }

    fn store_rulebook(&mut self, hash: &str, files: &RulebookFiles) -> Result<(), StoreError> {
        if self.stored_rulebooks.contains(hash) {
            return Ok(());
        }
        let present = self.conn.query("SELECT 1 FROM rulebooks WHERE hash = $1", &[hash.into()])?;
        if present.is_empty() {
            let text = serde_json::to_string(files).map_err(|_| StoreError::Rulebook(hash.to_string()))?;
            self.conn.execute("INSERT INTO rulebooks (hash, files) VALUES ($1, $2)", &[hash.into(), text.into()])?;
        }
        self.stored_rulebooks.insert(hash.to_string());
        Ok(())
    }

    /// The files of a stored rulebook, exactly as they were recorded.
    pub fn rulebook_files(&mut self, hash: &str) -> Result<RulebookFiles, StoreError> {
        let rows = self.conn.query("SELECT files FROM rulebooks WHERE hash = $1", &[hash.into()])?;
        let text = rows.first().map(|r| r.text(0)).ok_or_else(|| StoreError::Rulebook(hash.to_string()))?;
        serde_json::from_str(&text).map_err(|_| StoreError::Rulebook(hash.to_string()))
    }

    pub fn record(&mut self, seq: i64) -> Result<Record, StoreError> {
        let rows = self.conn.query(&format!("SELECT {COLUMNS} FROM records WHERE seq = $1"), &[seq.into()])?;
        rows.first().map(Record::from_row).ok_or(StoreError::NoSuchRecord(seq))
    }

    /// Every record in chain order, one page in memory at a time, in one consistent snapshot.
    pub fn each_record(&mut self, mut visit: impl FnMut(Record) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.conn.begin_read()?;
        let result = (|| {
            let mut after = 0i64;
            loop {
                let page = self.records_after(after)?;
                let Some(last) = page.last() else { return Ok(()) };
                after = last.seq;
                for record in page {
                    visit(record)?;
                }
            }
        })();
        let _ = self.conn.rollback();
        result
    }

    /// One page of records after `after`, in chain order.
    pub fn records_after(&mut self, after: i64) -> Result<Vec<Record>, StoreError> {
        let rows = self.conn.query(
            &format!("SELECT {COLUMNS} FROM records WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[after.into(), PAGE.into()],
        )?;
        Ok(rows.iter().map(Record::from_row).collect())
    }

    /// The records of one case (by 案号), in chain order.
    pub fn case_records(&mut self, case_no: &str) -> Result<Vec<Record>, StoreError> {
        let rows = self
            .conn
            .query(&format!("SELECT {COLUMNS} FROM records WHERE case_no = $1 ORDER BY seq"), &[case_no.into()])?;
        Ok(rows.iter().map(Record::from_row).collect())
    }

    /// Decisions matching every given field, newest first, at most `limit`: 案号, 申请人 and 统一社会信用代码
    /// by substring, the verdict exactly, the day the decision was recorded (YYYY-MM-DD) by prefix.
    pub fn search(&mut self, filter: &Search, limit: i64) -> Result<Vec<Record>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM records WHERE kind IN ('decision', 'correction')");
        let mut params: Vec<db::Value> = Vec::new();
        let mut like = |sql: &mut String, column: &str, value: &str, contains: bool| {
            // User text is a parameter, never SQL; `%` and `_` in it match themselves.
            let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            params.push(if contains { format!("%{escaped}%") } else { format!("{escaped}%") }.into());
            sql.push_str(&format!(" AND {column} LIKE ${} ESCAPE '\\'", params.len()));
        };
        for (column, value) in
            [("case_no", &filter.case_no), ("applicant", &filter.applicant), ("credit_code", &filter.credit_code)]
        {
            if !value.trim().is_empty() {
                like(&mut sql, column, value.trim(), true);
            }
        }
        if !filter.date.trim().is_empty() {
            like(&mut sql, "at", filter.date.trim(), false);
        }
        if !filter.verdict.trim().is_empty() {
            params.push(filter.verdict.trim().into());
            sql.push_str(&format!(" AND verdict = ${}", params.len()));
        }
        params.push(limit.into());
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", params.len()));
        let rows = self.conn.query(&sql, &params)?;
        Ok(rows.iter().map(Record::from_row).collect())
    }

    pub(crate) fn conn(&mut self) -> &mut dyn db::Conn {
        self.conn.as_mut()
    }
}

pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}
