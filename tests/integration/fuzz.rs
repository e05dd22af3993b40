//! Grammar-aware fuzzing: rule files built from the grammar's own constructs (deep nesting, long sums, chains
//! of values, large tables, around and past every limit), and batch CSV, TOML and JSON inputs built from the
//! spellings people type, valid and not. Each case is run through the real loader and commands; the
//! properties are that nothing panics or overflows, that what is past a limit is refused with its code,
//! that what loads evaluates, and that batch gives one output row per input row.
//!
//! `cargo test` runs a few cases of each; the longer run (README, "Limits") is
//!
//! ```text
//! PROPTEST_CASES=20000 nice cargo test --release --test integration fuzz
//! ```

use comply::Rulebook;
use comply::generate::{Generator, Rng};
use comply::limits::{MAX_DEPTH, MAX_NESTING, MAX_TERMS};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this default for the long run.
    ProptestConfig { cases: crate::common::proptest_cases(24), failure_persistence: None, ..ProptestConfig::default() }
}

pub(crate) const FACTS: &str = "  fact x: number { label \"数\" }\n  fact w: 元/月 { label \"月工资\" }\n  fact b: bool { label \"是否\" }\n  \
    fact k: enum { 甲 aka \"甲区\", 乙, 丙 \"丙区\" } { label \"区\" }\n  fact s: set of { a \"改建\", c \"扩建\" } { label \"内容\" }\n";

fn policy(extra: &str, requirement: &str) -> String {
    format!(
        "policy p {{\n  title \"示例\" en \"Example\"\n  source {{ title \"示例通知\" number none issuer \"示例局\" signed 2021-01-01 }}\n  \
         in_force from 2021-01-01\n{FACTS}{extra}\n  rule r {{ title \"示例\" clause \"一\" require {requirement} }}\n  output o = {requirement}\n}}\n"
    )
}

/// A numeric expression of the grammar, up to `depth` levels of constructs.
fn number(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        (0u32..5000).prop_map(|n| n.to_string()),
        (0u32..100, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        Just("v0".to_string()),
    ];
    leaf.prop_recursive(depth, 64, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("({e})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} + {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} - {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} * {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("max({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("min({a}, {b})")),
            (condition(1), inner.clone(), inner.clone()).prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            inner.prop_map(|e| format!("-{e}")),
        ]
    })
    .boxed()
}

pub(crate) fn condition(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just("b".to_string()),
        Just("k = 甲".to_string()),
        Just("k in {乙, 丙}".to_string()),
        Just("s has any {a}".to_string()),
        Just("w >= 1860 元/月（不低于）".to_string()),
        Just("x > 3".to_string()),
    ];
    leaf.prop_recursive(depth, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|c| format!("not {c}")),
        ]
    })
    .boxed()
}

/// The stress shapes, each sized from well inside to well past its limit.
#[derive(Debug, Clone)]
enum Stress {
    Parens(usize),
    Ifs(usize),
    Nots(usize),
    Sum(usize),
    Chain(usize),
    /// A table of `keys` enum keys with `values` values each and a row per combination.
    Table {
        keys: usize,
        values: usize,
    },
}

fn stress() -> impl Strategy<Value = Stress> {
    prop_oneof![
        (0..3 * MAX_NESTING).prop_map(Stress::Parens),
        (0..3 * MAX_NESTING).prop_map(Stress::Ifs),
        (0..30 * MAX_NESTING).prop_map(Stress::Nots),
        (1..3 * MAX_TERMS).prop_map(Stress::Sum),
        (1..MAX_DEPTH).prop_map(Stress::Chain),
        (1usize..4, 1usize..12).prop_map(|(keys, values)| Stress::Table { keys, values }),
    ]
}

/// The rule file for a stress shape, and the code it must be refused with (None: it must load).
fn stressed(shape: &Stress) -> (String, Option<&'static str>) {
    match *shape {
        Stress::Parens(n) => (
            policy("  let v0 = x", &format!("{}x{} >= 0", "(".repeat(n), ")".repeat(n))),
            // The policy's and the rule's braces are two levels more.
            (n + 2 > MAX_NESTING).then_some("C070"),
        ),
        Stress::Ifs(n) => (
            policy("  let v0 = x", &format!("{}x >= 0", "if x > 1 then x >= 1 else ".repeat(n))),
            (n + 2 > MAX_NESTING).then_some("C070"),
        ),
        Stress::Nots(n) => {
            (policy("  let v0 = x", &format!("{}x >= 0", "not ".repeat(n))), (n + 2 > MAX_NESTING).then_some("C070"))
        }
        Stress::Sum(n) => {
            (policy("  let v0 = x", &format!("{} >= 0", vec!["x"; n].join(" + "))), (n > MAX_TERMS).then_some("C071"))
        }
        Stress::Chain(n) => {
            let lets: Vec<String> = (0..n)
                .map(|i| if i == 0 { "  let v0 = x".into() } else { format!("  let v{i} = v{} + 1", i - 1) })
                .collect();
            // Three levels per value (its sum, the reference, the value itself), and the output of the
            // comparison two more: past the limit at about a third.
            (policy(&lets.join("\n"), &format!("v{} >= 0", n - 1)), (3 * n + 2 > MAX_DEPTH).then_some("C072"))
        }
        Stress::Table { keys, values } => {
            let names: Vec<String> = (0..values).map(|v| format!("v{v}")).collect();
            let mut extra = String::from("  let v0 = x\n");
            for k in 0..keys {
                extra.push_str(&format!("  fact e{k}: enum {{ {} }} {{ label \"键{k}\" }}\n", names.join(", ")));
            }
            let by: Vec<String> = (0..keys).map(|k| format!("e{k}")).collect();
            extra.push_str(&format!("  table t by {} {{\n", by.join(", ")));
            let total = values.pow(keys as u32);
            for cell in 0..total.min(4000) {
                let mut rest = cell;
                let pattern: Vec<String> = (0..keys)
                    .map(|_| {
                        let v = rest % values;
                        rest /= values;
                        format!("v{v}")
                    })
                    .collect();
                extra.push_str(&format!("    {} => {}\n", pattern.join(", "), cell % 7));
            }
            extra.push_str("  }\n");
            (policy(&extra, "t >= 0"), None)
        }
    }
}

pub(crate) fn load(text: &str) -> Result<Rulebook, comply::LoadError> {
    let no_sources =
        |_: &str, _: &str| Err(comply::check::SourceProblem::Read(comply::limits::ReadProblem::Io("none".into())));
    Rulebook::from_texts(vec![("fuzz.rules".to_string(), text.to_string())], &no_sources)
}

/// Everything that loads is evaluated: explained on generated fact sets and decided on the fast path.
fn evaluate_all(book: &Rulebook, seed: u64) {
    for policy in book.policies() {
        let generator = Generator::new(policy);
        let mut rng = Rng::new(seed);
        let mut scratch = comply::eval::Scratch::new();
        for _ in 0..8 {
            let as_of = generator.as_of(&mut rng);
            let facts = generator.fact_set(&mut rng, as_of);
            let report = comply::explain::report(policy, &facts, as_of, comply::explain::Lang::Zh);
            let fast = comply::eval::decide(policy, &facts, as_of, &mut scratch);
            assert_eq!(report.verdict, fast.verdict, "the fast path disagrees with the report");
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_generated_rule_files_load_or_are_refused_and_what_loads_evaluates(
        requirement in number(6), condition in condition(4), seed in any::<u64>()
    ) {
        let text = policy("  let v0 = x + 1", &format!("({requirement}) >= 0 or {condition}"));
        match load(&text) {
            Ok(book) => evaluate_all(&book, seed),
            Err(error) => {
                let rendered = error.render();
                prop_assert!(error.diagnostics.iter().all(|d| d.code != "C000"), "internal error:\n{}\n{}", rendered, text);
            }
        }
    }

    #[test]
    fn fuzz_stress_shapes_around_every_limit(shape in stress(), seed in any::<u64>()) {
        let (text, refused_with) = stressed(&shape);
        match (load(&text), refused_with) {
            (Ok(book), None) => evaluate_all(&book, seed),
            (Err(error), Some(code)) => {
                prop_assert!(error.diagnostics.iter().any(|d| d.code == code), "{shape:?}: expected {code}:\n{}", error.render());
            }
            (Ok(_), Some(code)) => prop_assert!(false, "{shape:?} loaded, but must be refused with {code}"),
            (Err(error), None) => {
                // Large tables may be refused for their size (C036); nothing else may refuse these shapes.
                prop_assert!(error.diagnostics.iter().all(|d| d.code == "C036"), "{shape:?}:\n{}", error.render());
            }
        }
    }
}

/// Cells as people type them in a payroll, good and bad, for `county,employment,monthly_wage,hourly_wage`.
const COUNTIES: &[&str] = &["鹿城区", "洞头区", "泰顺县", "鹿城", "Lucheng", "", " 乐清市 ", "=1+1", "@SUM(A1)"];
const EMPLOYMENT: &[&str] = &["全日制", "full_time", "非全日制", "part_time", "全职", "", "1"];
const WAGES: &[&str] = &[
    "1860",
    "1,860",
    "\"1,860\"",
    "１８６０",
    "1860元",
    "1860 元/月",
    "15,5",
    "1.860,00",
    "1e30",
    "-5",
    "",
    "abc",
    "150 元/天",
    "0.186万元/月",
    "1860.00000000000000000000000001",
];
const SUBDISTRICTS: &[&str] = &["灵昆街道", "灵昆", "靈昆街道", "北岙", "", "灵昆岛", "大门镇"];

fn csv_row() -> impl Strategy<Value = String> {
    (0..COUNTIES.len(), 0..SUBDISTRICTS.len(), 0..EMPLOYMENT.len(), 0..WAGES.len(), 0..WAGES.len(), "[A-Z0-9=@+-]{0,6}")
        .prop_map(|(c, s, e, m, h, id)| {
            let wage =
                |w: &str| if w.contains(',') && !w.starts_with('"') { format!("\"{w}\"") } else { w.to_string() };
            format!("{id},{},{},{},{},{}", COUNTIES[c], SUBDISTRICTS[s], EMPLOYMENT[e], wage(WAGES[m]), wage(WAGES[h]))
        })
}

fn run(args: &[&str], stdin: &[u8]) -> (u8, String, String) {
    let out = crate::common::comply_with_bytes(args, stdin);
    (out.code, out.stdout, out.stderr)
}

const MINIMUM_WAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/minimum_wage.rules");

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_batch_csv_gives_one_output_row_per_input_row(
        rows in prop::collection::vec(csv_row(), 0..60),
        stray in prop::option::of(0usize..60),
        gbk in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let mut lines = rows.clone();
        // At most one stray opening quote, so that no later quote can close it into a multi-line cell.
        if let Some(at) = stray.filter(|s| *s < lines.len()) {
            lines[at] = lines[at].replacen(',', ",\"", 1).replace("\"1,860\"", "1860");
            lines[at] = lines[at].replace("\"\"", "");
        }
        let newline = if crlf { "\r\n" } else { "\n" };
        let text = format!("id,所在县（市、区）,subdistrict,employment,monthly_wage,hourly_wage{newline}{}{}",
            lines.join(newline), if lines.is_empty() { "" } else { newline });
        let bytes = if gbk { encoding_rs::GBK.encode(&text).0.into_owned() } else { text.into_bytes() };
        let (code, out, err) = run(
            &["batch", MINIMUM_WAGE, "--policy", "minimum_wage", "--as-of", "2016-03-01", "--input", "-"],
            &bytes,
        );
        prop_assert!(code <= 2, "{err}");
        let data_lines = lines.iter().filter(|l| !l.trim().is_empty()).count();
        prop_assert_eq!(out.lines().count(), 1 + data_lines, "rows in = rows out\n{}\n{}", out, err);
        for line in out.lines().skip(1) {
            prop_assert!(!line.starts_with(['=', '+', '@']), "unsafe cell: {line}");
        }
    }

    #[test]
    fn fuzz_fact_files_are_checked_or_refused_with_a_message(
        c in 0..COUNTIES.len(), s in 0..SUBDISTRICTS.len(), e in 0..EMPLOYMENT.len(), m in 0..WAGES.len(),
        bare in any::<bool>(), json in any::<bool>(),
    ) {
        let wage = WAGES[m].trim_matches('"');
        let dir = std::env::temp_dir().join(format!("comply-fuzz-{}-{c}-{s}-{e}-{m}-{bare}-{json}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (name, text) = if json {
            let wage = if bare && wage.parse::<f64>().is_ok() { wage.to_string() } else { format!("{wage:?}") };
            ("case.json", format!(
                "{{\"facts\": {{\"county\": {:?}, \"subdistrict\": {:?}, \"employment\": {:?}, \"monthly_wage\": {wage}}}}}",
                COUNTIES[c], SUBDISTRICTS[s], EMPLOYMENT[e]))
        } else {
            let wage = if bare && wage.parse::<f64>().is_ok() { wage.to_string() } else { format!("{wage:?}") };
            ("case.toml", format!(
                "[facts]\ncounty = {:?}\nsubdistrict = {:?}\nemployment = {:?}\nmonthly_wage = {wage}\n",
                COUNTIES[c], SUBDISTRICTS[s], EMPLOYMENT[e]))
        };
        let path = dir.join(name);
        std::fs::write(&path, &text).unwrap();
        let (code, out, err) = run(&["check", MINIMUM_WAGE, "--facts", path.to_str().unwrap(), "--as-of", "2016-03-01"], b"");
        std::fs::remove_dir_all(&dir).unwrap();
        prop_assert!(code <= 2);
        if code == 2 {
            prop_assert!(out.is_empty(), "no report for bad input:\n{out}");
            prop_assert!(err.contains('`') || err.contains("TOML") || err.contains("JSON"), "the message names nothing:\n{err}\n{text}");
        } else {
            prop_assert!(out.contains("结论："), "{out}");
        }
    }
}
