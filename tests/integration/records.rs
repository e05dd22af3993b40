//! Decision records through the command line (`check --record`, `records …`, `users …`) against SQLite and,
//! when `COMPLY_TEST_POSTGRES` names a server (always under `.ci/run`), PostgreSQL; and the rulebook's
//! content hash that records name their rules by.

use std::path::Path;

use comply::Rulebook;
use comply_records::testing::targets;

use crate::common::comply_with_input;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn comply(args: &[&str]) -> crate::common::Output {
    comply_with_input(args, "")
}

/// The example cases checked against the shipped packs: `examples/<policy>/*.toml`.
fn example_cases() -> Vec<String> {
    let mut out = Vec::new();
    for policy in Rulebook::embedded().unwrap().policy_ids() {
        let dir = Path::new(ROOT).join("examples").join(&policy);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml" || e == "json") {
                out.push(path.display().to_string());
            }
        }
    }
    out.sort();
    assert!(out.len() >= 20, "expected the example cases, found {}", out.len());
    out
}

#[test]
fn the_rulebook_hash_does_not_depend_on_where_the_files_lie() {
    let embedded = Rulebook::embedded().unwrap();
    let from_disk = Rulebook::load_path(&Path::new(ROOT).join("rules")).unwrap();
    assert_eq!(embedded.files(), from_disk.files());
    assert_eq!(embedded.hash(), from_disk.hash());
    // Every cited gazette is part of the identity.
    assert!(
        embedded.files().sources.keys().any(|k| k == "sources/gazette_2015_10.txt"),
        "{:?}",
        embedded.files().sources.keys()
    );
    // Stored and loaded again: the same files, the same hash, the same policy hashes.
    let reloaded = Rulebook::from_files(embedded.files()).unwrap();
    assert_eq!(reloaded.files(), embedded.files());
    assert_eq!(reloaded.hash(), embedded.hash());
    for id in embedded.policy_ids() {
        assert_eq!(reloaded.policy_hash(&id), embedded.policy_hash(&id), "{id}");
    }
}

#[test]
fn a_changed_gazette_text_changes_the_hash_of_the_policies_that_cite_it() {
    let book = Rulebook::embedded().unwrap();
    let mut files = book.files().clone();
    let cited = "sources/gazette_2015_10.txt";
    files.sources.get_mut(cited).unwrap().push('\n');
    let changed = Rulebook::from_files(&files).unwrap();
    assert_ne!(changed.hash(), book.hash());
    let citing: Vec<String> = book
        .policies()
        .iter()
        .filter(|p| p.source().file.as_deref().is_some_and(|f| f.ends_with("gazette_2015_10.txt")))
        .map(|p| p.id().to_string())
        .collect();
    assert!(!citing.is_empty());
    for id in book.policy_ids() {
        let same = changed.policy_hash(&id) == book.policy_hash(&id);
        assert_eq!(same, !citing.contains(&id), "{id}");
    }
}

#[test]
fn lint_shows_the_rulebook_and_policy_hashes() {
    let book = Rulebook::embedded().unwrap();
    let out = comply(&["lint"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&format!("规则集指纹：{}", book.hash())), "{}", out.stdout);
    for id in book.policy_ids() {
        assert!(out.stdout.contains(&format!("  {id}: {}", book.policy_hash(&id).unwrap())), "{}", out.stdout);
    }
    let disk = comply(&["lint", &format!("{ROOT}/rules"), "--lang", "en"]);
    assert!(disk.stdout.contains(&format!("rulebook fingerprint: {}", book.hash())), "{}", disk.stdout);
}

#[test]
fn recorded_checks_verify_replay_and_export() {
    let cases = example_cases();
    for db in targets("cli") {
        for (i, case) in cases.iter().enumerate() {
            let case_no = format!("温经信〔2026〕{i}号");
            let out = comply(&[
                "check",
                "--facts",
                case,
                "--format",
                "json",
                "--record",
                &db,
                "--case-no",
                &case_no,
                "--applicant",
                "<script>alert(1)</script>'; DROP TABLE records;--",
                "--actor",
                "clerk-1",
            ]);
            assert!(out.code < 2, "{case}: {}", out.stderr);
            assert!(out.stderr.contains(&format!("已记录：记录 #{}", i + 1)), "{case}: {}", out.stderr);
            // What was printed is what was stored.
            let mut store = comply_records::Store::open(&db).unwrap();
            let record = store.record(i as i64 + 1).unwrap();
            assert_eq!(format!("{}\n", record.report), out.stdout, "{case}");
            assert_eq!(record.case_no, case_no);
        }
        let verify = comply(&["records", "verify", &db]);
        assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
        assert!(verify.stdout.starts_with(&format!("已校验 {} 条记录：哈希链完整", cases.len())), "{}", verify.stdout);
        let replay = comply(&["records", "replay", &db]);
        assert_eq!(replay.code, 0, "{}{}", replay.stdout, replay.stderr);
        assert_eq!(replay.stdout, format!("已重放 {} 个决定：0 个与存档报告不同\n", cases.len()));
        let one = comply(&["records", "replay", &db, "--case", "温经信〔2026〕3号", "--lang", "en"]);
        assert_eq!(one.stdout, "replayed 1 decision(s): 0 differ from the stored report\n");

        let jsonl = comply(&["records", "export", &db, "--format", "jsonl"]);
        let lines: Vec<serde_json::Value> = jsonl.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), cases.len());
        assert_eq!(lines[0]["applicant"], "<script>alert(1)</script>'; DROP TABLE records;--");
        assert!(lines[1]["prev_hash"] == lines[0]["hash"]);
        let csv = comply(&["records", "export", &db, "--format", "csv"]);
        let rows = csv::Reader::from_reader(csv.stdout.as_bytes()).records().count();
        assert_eq!(rows, cases.len());

        // Rules raising tier 2 from 1660 to 1800 元/月 decide some of these cases differently.
        let new_rules = format!("{ROOT}/tests/fixtures/diff/minimum_wage_1800");
        let rerun = comply(&["records", "rerun", &db, "--rules", &new_rules]);
        assert_eq!(rerun.code, 1, "{}{}", rerun.stdout, rerun.stderr);
        assert!(rerun.stdout.contains("pass → fail"), "{}", rerun.stdout);
        let same = comply(&["records", "rerun", &db, "--rules", &format!("{ROOT}/rules")]);
        assert_eq!(same.code, 0, "{}", same.stdout);
    }
}

#[test]
fn an_edited_verdict_makes_verify_fail_naming_the_record() {
    let cases = example_cases();
    for db in targets("cli_tamper") {
        for (i, case) in cases.iter().take(3).enumerate() {
            let no = format!("A-{i}");
            let out = comply(&["check", "--facts", case, "--record", &db, "--case-no", &no]);
            assert!(out.code < 2, "{}", out.stderr);
        }
        let mut conn = comply_records::db::connect(&db).unwrap();
        // Flip the stored verdict whatever it is, so that the edit is an edit whichever example comes second.
        let flip =
            "UPDATE records SET verdict = CASE WHEN verdict = 'pass' THEN 'fail' ELSE 'pass' END WHERE case_no = 'A-1'";
        conn.execute(flip, &[]).unwrap();
        let verify = comply(&["records", "verify", &db]);
        assert_eq!(verify.code, 1);
        assert_eq!(
            verify.stdout.lines().next().unwrap(),
            "记录 #2（案号 A-1）未通过校验：内容与其哈希不符：记录在写入后被改动过"
        );
    }
}

#[test]
fn users_are_added_with_a_password_from_standard_input_and_never_a_default() {
    for db in targets("cli_users") {
        let short = comply_with_input(&["users", "add", "wang", "--role", "clerk", "--db", &db], "short\n");
        assert_eq!(short.code, 2);
        assert!(short.stderr.contains("密码太短：至少需要 12 个字符"), "{}", short.stderr);
        let empty = comply_with_input(&["users", "add", "wang", "--role", "clerk", "--db", &db], "");
        assert_eq!(empty.code, 2, "no password, no account");
        let ok = comply_with_input(
            &["users", "add", "wang", "--role", "auditor", "--db", &db, "--by", "admin"],
            "a long passphrase\n",
        );
        assert_eq!((ok.code, ok.stdout.as_str()), (0, "已添加用户 wang（审计员）\n"), "{}", ok.stderr);
        let list = comply(&["users", "list", "--db", &db]);
        assert!(list.stdout.starts_with("wang\tauditor\t"), "{}", list.stdout);
        let export = comply(&["records", "export", &db]);
        assert!(export.stdout.contains("\"detail\":\"user=wang role=auditor\""), "{}", export.stdout);
        assert!(export.stdout.contains("\"actor\":\"admin\""));
        assert!(!export.stdout.contains("passphrase"));
    }
}
