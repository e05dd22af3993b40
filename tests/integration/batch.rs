//! `comply batch`: CSV and JSON Lines in, one result per row out, bad rows reported and kept, and memory
//! that stays flat however long the file is.

use std::path::{Path, PathBuf};

const MINIMUM_WAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/minimum_wage.rules");
const ZERO_LAND: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/zero_land.rules");
const AS_OF: &str = "2016-03-01";

fn run(args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut input = std::io::Cursor::new(Vec::new());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = comply::cli::Io { stdin: &mut input, stdout: &mut out, stderr: &mut err };
    let code = comply::cli::run(&args, &mut io);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

/// A scratch folder of its own for each test, so tests running in parallel never share a file.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("comply-batch-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn batch(input: &str, extra: &[&str]) -> (u8, String, String) {
    let mut args = vec!["batch", MINIMUM_WAGE, "--policy", "minimum_wage", "--as-of", AS_OF, "--input", input];
    args.extend_from_slice(extra);
    run(&args)
}

const PAYROLL_CSV: &str = "\
id,county,subdistrict,employment,monthly_wage,hourly_wage
E1 王芳,洞头区,灵昆街道,全日制,1800,
E2 李强,洞头区,北岙街道,full_time,1800,
E3 张敏,泰顺县,,part_time,,13.8
E4 刘洋,鹿城区,,全日制,,
E5 陈静,乐清市,,非全日制,,\"15 元/小时\"
";

const PAYROLL_JSONL: &str = r#"{"id": "E1 王芳", "county": "洞头区", "subdistrict": "灵昆街道", "employment": "全日制", "monthly_wage": 1800}
{"id": "E2 李强", "county": "洞头区", "subdistrict": "北岙街道", "employment": "full_time", "monthly_wage": "1800"}
{"id": "E3 张敏", "county": "泰顺县", "employment": "part_time", "hourly_wage": 13.8}

{"id": "E4 刘洋", "county": "鹿城区", "employment": "全日制", "monthly_wage": null}
{"id": "E5 陈静", "county": "乐清市", "subdistrict": "", "employment": "非全日制", "hourly_wage": "15 元/小时"}
"#;

#[test]
fn csv_rows_each_get_a_verdict_and_a_summary() {
    let dir = scratch("csv");
    let input = write(&dir, "payroll.csv", PAYROLL_CSV);
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().count(), 1 + 5, "{out}");
    insta::assert_snapshot!("csv_output", out);
    insta::assert_snapshot!("csv_summary", err);
}

#[test]
fn json_lines_give_the_same_verdicts_as_csv() {
    let dir = scratch("jsonl");
    let csv_input = write(&dir, "payroll.csv", PAYROLL_CSV);
    let json_input = write(&dir, "payroll.jsonl", PAYROLL_JSONL);
    let (code, out, err) = batch(&json_input, &["--format", "jsonl"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("jsonl_output", out);
    let from_json: Vec<(String, String)> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_string(), v["verdict"].as_str().unwrap().to_string())
        })
        .collect();
    let (_, csv_out, _) = batch(&csv_input, &[]);
    let from_csv: Vec<(String, String)> = csv_out
        .lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            (cells.next().unwrap().to_string(), cells.next().unwrap().to_string())
        })
        .collect();
    assert_eq!(from_json, from_csv);
}

#[test]
fn bad_rows_become_error_rows_and_the_others_are_still_checked() {
    let dir = scratch("bad");
    let input = write(
        &dir,
        "bad.csv",
        "county,employment,monthly_wage\n\
         鹿城区,全日制,1900\n\
         鹿城区,全日制,一千九\n\
         鹿城市,全日制,1900\n\
         鹿城区,全日制\n\
         鹿城区,全日制,\"1900 元/小时\"\n\
         泰顺县,全日制,1500\n",
    );
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 2, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "output rows = input rows\n{out}");
    assert!(rows[0].starts_with("1,pass,"), "{out}");
    assert!(rows[1].starts_with("2,error,") && rows[1].contains("monthly_wage"), "{out}");
    assert!(rows[2].starts_with("3,error,") && rows[2].contains("county"), "{out}");
    assert!(rows[3].starts_with("4,error,"), "{out}");
    assert!(rows[4].starts_with("5,error,") && rows[4].contains("元/小时"), "{out}");
    assert!(rows[5].starts_with("6,fail,monthly_floor"), "{out}");
    // Each bad row is named on standard error with its row and column.
    assert!(err.contains("第 2 行，列 monthly_wage"), "{err}");
    assert!(err.contains("第 3 行，列 county"), "{err}");
    insta::assert_snapshot!("bad_rows_output", out);
    insta::assert_snapshot!("bad_rows_summary", err);
}

#[test]
fn bad_json_lines_are_error_rows_too() {
    let dir = scratch("badjson");
    let input = write(
        &dir,
        "bad.jsonl",
        "{\"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": 1900}\n\
         {\"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": 1900\n\
         [1, 2]\n\
         {\"county\": \"鹿城区\", \"employment\": \"全日制\", \"wage\": 1900}\n",
    );
    let (code, out, err) = batch(&input, &["--format", "jsonl", "--lang", "en"]);
    assert_eq!(code, 2, "{err}");
    let verdicts: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["verdict"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(verdicts, ["pass", "error", "error", "error"]);
    assert!(err.contains("row 4, column wage: policy minimum_wage declares no fact `wage`"), "{err}");
}

#[test]
fn an_unknown_column_stops_before_any_row() {
    let dir = scratch("column");
    let input = write(&dir, "payroll.csv", "id,county,wage\n1,鹿城区,1900\n");
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(err.matches("`wage`").count(), 1, "reported once: {err}");
    insta::assert_snapshot!("unknown_column", err);
}

#[test]
fn an_empty_file_and_a_header_only_file_give_no_rows() {
    let dir = scratch("empty");
    for (name, text) in [("empty.csv", ""), ("header.csv", "id,county,employment,monthly_wage\n"), ("empty.jsonl", "")]
    {
        let input = write(&dir, name, text);
        let (code, out, err) = batch(&input, &[]);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(out, "id,verdict,rules,missing,tier,minimum,shortfall,error\n", "{name}");
        assert!(err.starts_with("共 0 行"), "{name}: {err}");
    }
}

#[test]
fn results_can_go_to_a_file() {
    let dir = scratch("output");
    let input = write(&dir, "payroll.csv", PAYROLL_CSV);
    let output = dir.join("results.csv");
    let (code, out, _) = batch(&input, &["--output", output.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    let (_, to_stdout, _) = batch(&input, &[]);
    assert_eq!(std::fs::read_to_string(&output).unwrap(), to_stdout);
}

#[test]
fn the_date_and_a_known_format_are_required() {
    let (code, _, err) = run(&["batch", MINIMUM_WAGE, "--policy", "minimum_wage", "--input", "x.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("--as-of"), "{err}");
    let (code, _, err) = batch("payroll.xlsx", &[]);
    assert_eq!(code, 2);
    assert!(err.contains(".csv"), "{err}");
}

#[test]
fn shipped_examples_check_without_errors() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/batch");
    for (rules, policy, file, as_of) in [
        (ZERO_LAND, "zero_land", "zero_land_firms.csv", "2021-03-01"),
        (MINIMUM_WAGE, "minimum_wage", "payroll.csv", "2016-03-01"),
    ] {
        let input = format!("{examples}/{file}");
        let rows = std::fs::read_to_string(&input).unwrap().lines().count() - 1;
        let (code, out, err) = run(&["batch", rules, "--policy", policy, "--as-of", as_of, "--input", &input]);
        assert_eq!(code, 1, "{file}: {err}");
        assert_eq!(out.lines().count() - 1, rows, "{file}");
        assert!(!out.contains(",error,"), "{file}: {out}");
        // A realistic mix: some rows pass and some fail.
        assert!(out.contains(",pass,") && out.contains(",fail,"), "{file}");
        insta::assert_snapshot!(format!("example_{policy}_summary"), err);
    }
}

/// Writes `rows` generated payroll rows (deterministic), cycling through every county and both forms of
/// employment, some below the minimum, some with a blank cell.
fn payroll_file(path: &Path, rows: usize) {
    use std::io::Write;
    // The counties are the policy's own, so the generated file follows the pack if a county is added.
    let book = comply::Rulebook::embedded().unwrap();
    let policy = book.policy("minimum_wage").unwrap();
    let comply::policy::Type::Enum(county_enum) = policy.facts()[policy.fact_index("county").unwrap() as usize].ty
    else {
        panic!("county is a choice");
    };
    let counties: Vec<&str> = policy.enum_def(county_enum).values.iter().map(|v| v.name.as_str()).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "id,county,subdistrict,employment,monthly_wage,hourly_wage").unwrap();
    let mut x: u64 = 0x2015_1101;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let county = counties[(x % counties.len() as u64) as usize];
        let subdistrict = if county == "洞头区" && x.is_multiple_of(3) { "灵昆街道" } else { "" };
        if x.is_multiple_of(7) {
            writeln!(out, "W{i},{county},{subdistrict},非全日制,,{}.{}", 12 + x % 8, x % 10).unwrap();
        } else if x.is_multiple_of(97) {
            writeln!(out, "W{i},{county},{subdistrict},全日制,,").unwrap();
        } else {
            writeln!(out, "W{i},{county},{subdistrict},全日制,{},", 1400 + x % 3000).unwrap();
        }
    }
}

/// Runs the built binary on a generated file and returns (seconds, peak resident memory in kB), read from
/// GNU time's "Maximum resident set size".
fn measure(input: &Path, output: &Path) -> (f64, u64) {
    let start = std::time::Instant::now();
    let result = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_comply"))
        .args(["batch", MINIMUM_WAGE, "--policy", "minimum_wage", "--as-of", AS_OF, "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .output()
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    let peak = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {err}"));
    (seconds, peak)
}

/// `cargo test --release --test integration batch -- --ignored --nocapture` (needs /usr/bin/time, GNU time).
#[test]
#[ignore = "generates and checks a million rows; run on demand"]
fn a_million_rows_in_flat_memory() {
    let dir = scratch("million");
    let small = dir.join("small.csv");
    let big = dir.join("big.csv");
    payroll_file(&small, 100_000);
    payroll_file(&big, 1_000_000);
    let (_, small_peak) = measure(&small, &dir.join("small.out.csv"));
    let (seconds, big_peak) = measure(&big, &dir.join("big.out.csv"));
    let lines = std::fs::read_to_string(dir.join("big.out.csv")).unwrap().lines().count();
    assert_eq!(lines, 1_000_001, "output rows = input rows");
    eprintln!(
        "1,000,000 rows in {seconds:.2} s ({:.0} rows/s); peak RSS {:.1} MB (100,000 rows: {:.1} MB)",
        1_000_000.0 / seconds,
        big_peak as f64 / 1024.0,
        small_peak as f64 / 1024.0
    );
    // Ten times the rows may not cost more than a little more memory.
    assert!(big_peak < small_peak + 16 * 1024, "memory grew with the file: {small_peak} kB -> {big_peak} kB");
    std::fs::remove_dir_all(&dir).unwrap();
}
