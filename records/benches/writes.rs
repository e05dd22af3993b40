//! Record writes per second, fsync on (SQLite `synchronous=FULL` in WAL mode; PostgreSQL
//! `synchronous_commit=on`), against a baseline measured in the same run: a bare insert of the same
//! report text in its own transaction with the same durability, without the chain (head read, hash).
//! PostgreSQL is measured when `COMPLY_TEST_POSTGRES` names a server (`.ci/postgres start DIR` gives one).
//!
//! cargo bench -p comply-records --bench writes

use comply_engine::Rulebook;
use comply_engine::explain::{self, Lang, render};
use comply_engine::facts;
use comply_records::db::{self, Conn};
use comply_records::testing::{postgres_target, sqlite_target};
use comply_records::{CaseBlock, Decision, Store};
use divan::Bencher;

fn main() {
    divan::main();
}

const FACTS: &str = r#"policy = "minimum_wage"
as_of = "2016-03-01"
[facts]
county = "洞头区"
subdistrict = "灵昆街道"
employment = "full_time"
monthly_wage = "1700 元/月"
"#;

struct Case {
    book: Rulebook,
    report: String,
    verdict: String,
}

fn case() -> Case {
    let book = Rulebook::embedded().unwrap();
    let file = facts::read_file("facts.toml", FACTS).unwrap();
    let policy = book.policy("minimum_wage").unwrap();
    let bound = facts::bind(policy, &file.facts).unwrap();
    let report = explain::report(policy, &bound, "2016-03-01".parse().unwrap(), Lang::Zh);
    Case { report: render::json(&report), verdict: report.verdict.as_str().to_string(), book }
}

fn decision(case: &Case) -> Decision<'_> {
    Decision {
        case: CaseBlock {
            case_no: "温经信〔2026〕1号".into(),
            applicant: "温州某某科技有限公司".into(),
            credit_code: "91330300MA2H000001".into(),
        },
        policy: "minimum_wage".into(),
        as_of: "2016-03-01".into(),
        rulebook: &case.book,
        lang: Lang::Zh,
        facts_name: "facts.toml".into(),
        facts: FACTS.into(),
        verdict: case.verdict.clone(),
        report: case.report.clone(),
        actor: "clerk-1".into(),
        corrects: None,
    }
}

fn append(bencher: Bencher, target: Option<String>) {
    let Some(target) = target else { return };
    let case = case();
    let decision = decision(&case);
    let mut store = Store::open(&target).unwrap();
    bencher.bench_local(|| store.record_decision(&decision).unwrap());
}

fn baseline(bencher: Bencher, target: Option<String>) {
    let Some(target) = target else { return };
    let case = case();
    let mut conn: Box<dyn Conn> = db::connect(&target).unwrap();
    conn.batch("CREATE TABLE plain (report TEXT NOT NULL)").unwrap();
    bencher.bench_local(|| {
        conn.batch("BEGIN").unwrap();
        conn.execute("INSERT INTO plain (report) VALUES ($1)", &[case.report.as_str().into()]).unwrap();
        conn.commit().unwrap();
    });
}

#[divan::bench(sample_count = 30, sample_size = 5)]
fn sqlite_record(bencher: Bencher) {
    append(bencher, Some(sqlite_target("bench")));
}

#[divan::bench(sample_count = 30, sample_size = 5)]
fn sqlite_bare_insert_baseline(bencher: Bencher) {
    baseline(bencher, Some(sqlite_target("bench")));
}

#[divan::bench(sample_count = 30, sample_size = 5)]
fn postgres_record(bencher: Bencher) {
    append(bencher, postgres_target("bench"));
}

#[divan::bench(sample_count = 30, sample_size = 5)]
fn postgres_bare_insert_baseline(bencher: Bencher) {
    baseline(bencher, postgres_target("bench"));
}
