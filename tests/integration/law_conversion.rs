//! Conversions that are law (issue #11): `convert 1 天 = 8 小时 by "…"` lets a daily wage be read for an
//! hourly fact, exactly, with the law named in the report; without the declaration the same value is refused.
//! The rule file is `examples/features/hourly_by_law.rules` (its report snapshots are the example cases).

use crate::common::comply_with_input;

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/features/hourly_by_law.rules");

fn check(rules: &str, wage: &str, lang: &str) -> (u8, String, String) {
    // Tests run in parallel: each case file gets a name of its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("comply-law-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join(format!("case-{n}.toml"));
    std::fs::write(&facts, format!("as_of = \"2020-06-01\"\n[facts]\npiece_rate = false\nhourly_wage = \"{wage}\"\n"))
        .unwrap();
    let out = comply_with_input(&["check", rules, "--facts", facts.to_str().unwrap(), "--lang", lang], "");
    let _ = std::fs::remove_file(&facts);
    (out.code, out.stdout, out.stderr)
}

#[test]
fn a_cited_conversion_reads_a_daily_wage_for_an_hourly_fact() {
    let (code, report, err) = check(RULES, "150 元/天", "zh");
    assert_eq!(code, 0, "{err}");
    assert!(
        report.contains(
            "小时工资：给出 150 元/天，按“1 天 = 8 小时”（《国务院关于职工工作时间的规定》第三条）折合 18.75 元/小时"
        ),
        "{report}"
    );
    assert!(report.contains("小时工资 18.75 元/小时，达到 17 元/小时"), "{report}");
    // The same reader in batch: the shortfall stays in the fact's unit whatever unit the row was given in.
    let csv = "id,piece_rate,hourly_wage\nA,否,120 元/天\nB,否,15\n";
    let out =
        comply_with_input(&["batch", RULES, "--policy", "hourly_by_law", "--as-of", "2020-06-01", "--input", "-"], csv);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rows: Vec<&str> = out.stdout.lines().collect();
    assert!(rows[1].starts_with("A,2,fail,hourly_floor,,,2 元/小时"), "{}", out.stdout);
    assert!(rows[2].starts_with("B,3,fail,hourly_floor,,,2 元/小时"), "{}", out.stdout);
}

#[test]
fn without_the_declaration_a_daily_wage_stays_refused() {
    let dir = std::env::temp_dir().join(format!("comply-law-undeclared-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::copy(format!("{root}/examples/features/sources/wage_notice.txt"), dir.join("sources/wage_notice.txt"))
        .unwrap();
    let text = std::fs::read_to_string(RULES).unwrap();
    let undeclared: String =
        text.lines().filter(|l| !l.trim_start().starts_with("convert ")).collect::<Vec<_>>().join("\n");
    assert_ne!(undeclared, text, "the example declares its conversions with `convert`");
    let rules = dir.join("hourly.rules");
    std::fs::write(&rules, undeclared).unwrap();
    let (code, report, err) = check(rules.to_str().unwrap(), "150 元/天", "zh");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 2, "{report}");
    assert!(err.contains("一天、一月算多少小时由法规规定，不是算术"), "{err}");
    // And with the declaration, a unit that is no time base of the fact is still the wrong unit.
    let (code, _, err) = check(RULES, "150 元/亩", "en");
    assert_eq!(code, 2);
    assert!(err.contains("not convertible to 元/小时"), "{err}");
}

#[test]
fn an_interview_answer_by_the_day_is_converted_and_says_by_which_law() {
    let out =
        comply_with_input(&["ask", RULES, "--policy", "hourly_by_law", "--as-of", "2020-06-01"], "否\n120 元/天\n");
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let line = "小时工资：给出 120 元/天，按“1 天 = 8 小时”（《国务院关于职工工作时间的规定》第三条）折合 15 元/小时";
    // Said once beside the answer and once in the report.
    assert_eq!(out.stdout.matches(line).count(), 2, "{}", out.stdout);
    assert!(out.stdout.contains("  → 15 元/小时"), "{}", out.stdout);
}

#[test]
fn the_printable_report_names_the_law_of_a_conversion() {
    let dir = std::env::temp_dir().join(format!("comply-law-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("case.toml");
    std::fs::write(&facts, "as_of = \"2020-06-01\"\n[facts]\npiece_rate = false\nhourly_wage = \"150 元/天\"\n")
        .unwrap();
    let out = comply_with_input(&["check", RULES, "--facts", facts.to_str().unwrap(), "--format", "html"], "");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("<h2>按规定换算</h2><ul><li>小时工资：给出 150 元/天，按“1 天 = 8 小时”"),
        "{}",
        out.stdout
    );
}
