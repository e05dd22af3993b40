//! The records store against SQLite and PostgreSQL: every test runs the same code against both
//! (`testing::targets`; PostgreSQL when `COMPLY_TEST_POSTGRES` names a server, always under `.ci/run`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use comply_engine::Rulebook;
use comply_engine::explain::{self, Lang, render};
use comply_engine::facts;
use comply_records::db;
use comply_records::testing::targets;
use comply_records::{CaseBlock, Decision, ProblemKind, Role, Search, Store, StoreError};

/// The stored test cases shipped with the packs: (file name, text).
fn shipped_cases() -> Vec<(String, String)> {
    let cases: Vec<_> =
        comply_engine::embedded_files("tests").into_iter().filter(|(n, _)| n.ends_with(".toml")).collect();
    assert!(cases.len() >= 10, "expected the shipped test cases, found {}", cases.len());
    cases
}

/// Evaluates a fact file as `comply check --format json` does and records it.
fn record_case(store: &mut Store, book: &Rulebook, name: &str, text: &str, case: CaseBlock) -> comply_records::Record {
    let file = facts::read_file(name, text).unwrap();
    let policy = book.policy(&policy_of(name, &file)).unwrap();
    let as_of = file.as_of.clone().unwrap();
    let bound = facts::bind(policy, &file.facts).unwrap();
    let report = explain::report(policy, &bound, as_of.parse().unwrap(), Lang::Zh);
    let decision = Decision {
        case,
        policy: policy.id().to_string(),
        as_of,
        rulebook: book,
        lang: Lang::Zh,
        facts_name: "facts.toml".into(),
        facts: text.into(),
        verdict: report.verdict.as_str().into(),
        report: render::json(&report),
        actor: "clerk-1".into(),
        corrects: None,
    };
    store.record_decision(&decision).unwrap()
}

/// A stored test case names its policy by its folder (`rules/tests/<policy>/…`).
fn policy_of(name: &str, file: &facts::FactFile) -> String {
    file.policy.clone().unwrap_or_else(|| name.rsplit('/').nth(1).unwrap().to_string())
}

fn case(n: usize) -> CaseBlock {
    CaseBlock {
        case_no: format!("温经信〔2026〕{n}号"),
        applicant: format!("温州某某科技有限公司{n}"),
        credit_code: format!("91330300MA2H{n:06}"),
    }
}

fn book() -> Rulebook {
    Rulebook::embedded().unwrap()
}

#[test]
fn replay_of_every_stored_record_gives_the_stored_report_byte_for_byte() {
    let book = book();
    for target in targets("replay") {
        let mut store = Store::open(&target).unwrap();
        let cases = shipped_cases();
        for (i, (name, text)) in cases.iter().enumerate() {
            record_case(&mut store, &book, name, text, case(i));
        }
        drop(store);
        // A new connection and a rulebook rebuilt from the stored texts alone.
        let mut store = Store::open(&target).unwrap();
        let mut replayed = 0;
        store
            .replay(None, |record, replay| {
                replayed += 1;
                let (verdict, json) = replay.outcome.as_ref().unwrap_or_else(|e| panic!("#{}: {e:?}", record.seq));
                assert_eq!(*verdict, record.verdict);
                assert_eq!(json.as_bytes(), record.report.as_bytes(), "record #{} replays differently", record.seq);
            })
            .unwrap();
        assert_eq!(replayed, cases.len(), "{target}");
        // Each rulebook is stored once, however many decisions name it.
        let mut conn = db::connect(&target).unwrap();
        let rows = conn.query("SELECT COUNT(*) FROM rulebooks", &[]).unwrap();
        assert_eq!(rows[0].int(0), Some(1), "{target}");
    }
}

#[test]
fn a_verdict_edited_in_the_database_is_named_by_verify() {
    let book = book();
    let (name, text) = shipped_cases().remove(0);
    for target in targets("tamper") {
        let mut store = Store::open(&target).unwrap();
        for i in 1..=4 {
            record_case(&mut store, &book, &name, &text, case(i));
        }
        assert!(store.verify().unwrap().ok());
        // Straight into the table, as someone with database access would.
        let mut conn = db::connect(&target).unwrap();
        conn.execute("UPDATE records SET verdict = $1 WHERE seq = 3", &["pass_edited".into()]).unwrap();
        let report = store.verify().unwrap();
        assert_eq!(report.records, 4);
        let first = &report.problems[0];
        assert_eq!((first.seq, &first.kind), (3, &ProblemKind::Altered), "{target}: {report:?}");
        assert_eq!(first.case_no, "温经信〔2026〕3号");
        assert_eq!(report.problems.len(), 1, "only the edited record is wrong: {report:?}");
        assert!(first.render(Lang::Zh).contains("记录 #3（案号 温经信〔2026〕3号）未通过校验"));
    }
}

#[test]
fn a_removed_record_or_an_edited_rulebook_is_named_by_verify() {
    let book = book();
    let (name, text) = shipped_cases().remove(0);
    for target in targets("remove") {
        let mut store = Store::open(&target).unwrap();
        for i in 1..=3 {
            record_case(&mut store, &book, &name, &text, case(i));
        }
        let mut conn = db::connect(&target).unwrap();
        conn.execute("DELETE FROM records WHERE seq = 2", &[]).unwrap();
        let report = store.verify().unwrap();
        assert_eq!(report.problems[0].seq, 3, "{report:?}");
        assert!(report.problems.iter().any(|p| p.kind == ProblemKind::BrokenLink), "{report:?}");
        assert!(report.problems.iter().any(|p| p.kind == ProblemKind::Gap { expected: 2 }), "{report:?}");

        // Now the stored rule text instead.
        let files = conn.query("SELECT hash, files FROM rulebooks", &[]).unwrap();
        let edited = files[0].text(1).replacen("1860", "1760", 1);
        assert_ne!(edited, files[0].text(1), "the shipped minimum wage mentions 1860");
        conn.execute("UPDATE rulebooks SET files = $1", &[edited.into()]).unwrap();
        let report = store.verify().unwrap();
        assert!(
            report.problems.iter().any(|p| matches!(&p.kind, ProblemKind::Rulebook { missing: false, .. })),
            "{report:?}"
        );
    }
}

#[test]
fn hostile_text_is_stored_and_returned_intact() {
    let book = book();
    let (name, text) = shipped_cases().remove(0);
    let hostile = [
        "'; DROP TABLE records; --",
        "\" OR 1=1 --",
        "<script>alert('x')</script>",
        "Robert'); DELETE FROM users WHERE ('1'='1",
        "$1 ?1 :name @x",
        "温州\u{200b}某某\u{202e}公司 \\ % _",
    ];
    for target in targets("hostile") {
        let mut store = Store::open(&target).unwrap();
        for (i, h) in hostile.iter().enumerate() {
            let block = CaseBlock { case_no: format!("{h}{i}"), applicant: h.to_string(), credit_code: h.to_string() };
            let stored = record_case(&mut store, &book, &name, &text, block.clone());
            let back = store.record(stored.seq).unwrap();
            assert_eq!(
                (back.case_no, back.applicant, back.credit_code),
                (block.case_no.clone(), block.applicant, block.credit_code)
            );
            assert_eq!(store.case_records(&block.case_no).unwrap().len(), 1, "{target}: search by 案号 {h:?}");
            let by_applicant = Search { applicant: h.to_string(), ..Search::default() };
            let found = store.search(&by_applicant, 50).unwrap();
            assert!(found.iter().all(|r| r.applicant.contains(h)), "{target}: {h:?} matched other text");
            assert_eq!(found.first().map(|r| r.seq), Some(stored.seq), "{target}: {h:?}");
            store.record_action(h, h, h).unwrap();
        }
        assert!(store.verify().unwrap().ok(), "{target}");
        // `%` and `_` typed into a search box match themselves, not everything.
        let percent = Search { applicant: "%".into(), ..Search::default() };
        let hits: Vec<String> = store.search(&percent, 50).unwrap().into_iter().map(|r| r.applicant).collect();
        assert_eq!(hits, [hostile[5].to_string()], "{target}");
        let by_verdict = Search { verdict: "no such verdict".into(), ..Search::default() };
        assert!(store.search(&by_verdict, 50).unwrap().is_empty());
        let nul = CaseBlock { case_no: "a\0b".into(), ..CaseBlock::default() };
        let file = facts::read_file(&name, &text).unwrap();
        let policy = book.policy(&policy_of(&name, &file)).unwrap();
        let decision = Decision {
            case: nul,
            policy: policy.id().to_string(),
            as_of: "2020-01-01".into(),
            rulebook: &book,
            lang: Lang::Zh,
            facts_name: "facts.toml".into(),
            facts: text.clone(),
            verdict: "pass".into(),
            report: "{}".into(),
            actor: "x".into(),
            corrects: None,
        };
        assert!(matches!(store.record_decision(&decision), Err(StoreError::Nul(f)) if f == "case_no"));
    }
}

#[test]
fn a_correction_names_an_earlier_decision() {
    let book = book();
    let (name, text) = shipped_cases().remove(0);
    for target in targets("correct") {
        let mut store = Store::open(&target).unwrap();
        let first = record_case(&mut store, &book, &name, &text, case(1));
        let action = store.record_action("admin", "user_added", "user=x role=clerk").unwrap();
        let file = facts::read_file(&name, &text).unwrap();
        let mut decision = Decision {
            case: case(1),
            policy: policy_of(&name, &file),
            as_of: file.as_of.clone().unwrap(),
            rulebook: &book,
            lang: Lang::Zh,
            facts_name: "facts.toml".into(),
            facts: text.clone(),
            verdict: first.verdict.clone(),
            report: first.report.clone(),
            actor: "clerk-2".into(),
            corrects: Some(first.seq),
        };
        let correction = store.record_decision(&decision).unwrap();
        assert_eq!((correction.kind.as_str(), correction.corrects), ("correction", Some(first.seq)));
        decision.corrects = Some(99);
        assert!(matches!(store.record_decision(&decision), Err(StoreError::NoSuchRecord(99))));
        decision.corrects = Some(action.seq);
        assert!(matches!(store.record_decision(&decision), Err(StoreError::NotADecision(n)) if n == action.seq));
        // The refused appends left no trace.
        let report = store.verify().unwrap();
        assert_eq!((report.records, report.ok()), (3, true));
        assert_eq!(store.case_records(&case(1).case_no).unwrap().len(), 2);
    }
}

#[test]
fn staff_accounts_hold_argon2id_hashes_and_their_creation_is_recorded() {
    for target in targets("users") {
        let mut store = Store::open(&target).unwrap();
        assert!(matches!(
            store.add_user("admin", "zhang", Role::Clerk, "short"),
            Err(StoreError::User(comply_records::users::UserError::ShortPassword(5)))
        ));
        store.add_user("admin", "zhang", Role::Clerk, "a long passphrase 1").unwrap();
        store.add_user("admin", "li", Role::Auditor, "another passphrase 2").unwrap();
        assert!(matches!(
            store.add_user("admin", "zhang", Role::Auditor, "a long passphrase 1"),
            Err(StoreError::User(comply_records::users::UserError::Exists(_)))
        ));
        assert!(store.add_user("admin", "bad name", Role::Clerk, "a long passphrase 1").is_err());
        let user = store.authenticate("zhang", "a long passphrase 1").unwrap().unwrap();
        assert_eq!(user.role, Role::Clerk);
        assert_eq!(store.authenticate("zhang", "a long passphrase 2").unwrap(), None);
        assert_eq!(store.authenticate("nobody", "a long passphrase 1").unwrap(), None);
        assert_eq!(store.authenticate("zhang' OR '1'='1", "x' OR '1'='1").unwrap(), None);
        let mut conn = db::connect(&target).unwrap();
        let hashes = conn.query("SELECT password_hash FROM users ORDER BY name", &[]).unwrap();
        for row in &hashes {
            let hash = row.text(0);
            assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
            assert!(!hash.contains("passphrase"));
        }
        let names: Vec<_> = store.users().unwrap().into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["li", "zhang"]);
        // Two accounts created, two records; the refused ones left none.
        let mut kinds = Vec::new();
        store
            .each_record(|r| {
                kinds.push((r.kind, r.detail));
                Ok(())
            })
            .unwrap();
        assert_eq!(
            kinds,
            [
                ("user_added".to_string(), "user=zhang role=clerk".to_string()),
                ("user_added".into(), "user=li role=auditor".into())
            ]
        );
    }
}

#[test]
fn migrations_run_once_and_concurrent_writers_keep_one_chain() {
    let book = book();
    let (name, text) = shipped_cases().remove(0);
    for target in targets("concurrent") {
        // Opening an existing store applies nothing twice.
        drop(Store::open(&target).unwrap());
        let mut store = Store::open(&target).unwrap();
        let mut conn = db::connect(&target).unwrap();
        let versions = conn.query("SELECT version FROM comply_schema", &[]).unwrap();
        let applied: Vec<i64> = versions.iter().filter_map(|r| r.int(0)).collect();
        assert_eq!(applied, (1..=comply_records::schema::CURRENT).collect::<Vec<_>>());
        // Four connections appending at once, as several `comply serve` instances would.
        std::thread::scope(|scope| {
            for t in 0..4 {
                let (target, book, name, text) = (&target, &book, &name, &text);
                scope.spawn(move || {
                    let mut own = Store::open(target).unwrap();
                    for i in 0..10 {
                        record_case(&mut own, book, name, text, case(t * 100 + i));
                    }
                });
            }
        });
        let report = store.verify().unwrap();
        assert_eq!((report.records, report.ok()), (40, true), "{target}: {report:?}");
    }
}

/// Run as a child process by `a_killed_writer_loses_no_acknowledged_record`: appends until killed and
/// prints `ack N` after each commit returns.
#[test]
#[ignore = "run as a child process by the kill -9 test"]
fn writer_child() {
    let Ok(target) = std::env::var("COMPLY_WRITER_TARGET") else { return };
    let book = book();
    let (name, text) = shipped_cases().remove(0);
    let mut store = Store::open(&target).unwrap();
    let mut out = std::io::stdout();
    for i in 0.. {
        let record = record_case(&mut store, &book, &name, &text, case(i));
        writeln!(out, "ack {}", record.seq).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn a_killed_writer_loses_no_acknowledged_record() {
    for target in targets("kill") {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env("COMPLY_WRITER_TARGET", &target)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acknowledged = Vec::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while acknowledged.len() < 30 {
            let line = lines.next().expect("the writer stopped early").unwrap();
            if let Some(n) = line.strip_prefix("ack ") {
                acknowledged.push(n.parse::<i64>().unwrap());
            }
        }
        // SIGKILL, mid-write: the writer is appending continuously.
        child.kill().unwrap();
        child.wait().unwrap();
        let mut store = Store::open(&target).unwrap();
        let report = store.verify().unwrap();
        assert!(report.ok(), "{target}: {report:?}");
        assert!(report.records >= acknowledged.len() as u64, "{target}: {} < {}", report.records, acknowledged.len());
        for seq in &acknowledged {
            let record = store.record(*seq).unwrap();
            assert_eq!(record.case_no, case(*seq as usize - 1).case_no);
        }
        // And the store takes new records after the crash.
        store.record_action("after", "note", "after the crash").unwrap();
        assert!(store.verify().unwrap().ok());
    }
}
