//! `comply batch`: CSV and JSON Lines in, one result per row out, bad rows reported and kept, and memory
//! that stays flat however long the file is.

use std::path::{Path, PathBuf};

const MINIMUM_WAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/minimum_wage.rules");
const ZERO_LAND: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/zero_land.rules");
const LUCHENG_14TH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/lucheng_14th.rules");
const LIUCHENG_2013: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/liucheng_2013.rules");
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
            (cells.next().unwrap().to_string(), cells.nth(1).unwrap().to_string())
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
    // Without an id column the id stays blank (a row number could collide with a real id); `line` is the
    // spreadsheet's line number, the header being line 1.
    assert!(rows[0].starts_with(",2,pass,"), "{out}");
    assert!(rows[1].starts_with(",3,error,") && rows[1].contains("monthly_wage"), "{out}");
    assert!(rows[2].starts_with(",4,error,") && rows[2].contains("county"), "{out}");
    assert!(rows[3].starts_with(",5,error,"), "{out}");
    assert!(rows[4].starts_with(",6,error,") && rows[4].contains("元/小时"), "{out}");
    assert!(rows[5].starts_with(",7,fail,monthly_floor"), "{out}");
    // Each bad row is named on standard error with its line and column.
    assert!(err.contains("第 3 行，列 monthly_wage"), "{err}");
    assert!(err.contains("第 4 行，列 county"), "{err}");
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
    // A key that is no fact is carried through (see below), so the last row is undetermined, not an error.
    assert_eq!(verdicts, ["pass", "error", "error", "undetermined"]);
    assert!(err.contains("line 2: the line is not valid JSON"), "{err}");
}

#[test]
fn jsonl_unknown_keys_are_carried_through_like_csv_columns() {
    let dir = scratch("jsonl-carried");
    let mut text = String::from(
        "{\"id\": \"E1\", \"姓名\": \"王芳\", \"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": 1900, \"部门\": \"财务\"}\n\
         {\"id\": \"E2\", \"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": 1700, \"工号\": 17}\n\
         {\"id\": \"E3\", \"姓名\": \"李强\", \"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": \"x\"}\n",
    );
    // Past the first chunk the CSV columns are fixed: a key first seen there is kept by JSON Lines output only.
    for n in 4..=4100 {
        text.push_str(&format!(
            "{{\"id\": \"E{n}\", \"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": 1900}}\n"
        ));
    }
    text.push_str("{\"id\": \"E4101\", \"county\": \"鹿城区\", \"employment\": \"全日制\", \"monthly_wage\": 1900, \"籍贯\": \"瑞安\"}\n");
    let input = write(&dir, "rows.jsonl", &text);

    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out.lines().count(), 1 + 4101, "rows in = rows out");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].ends_with(",error,姓名,部门,工号"), "{}", lines[0]);
    assert!(lines[1].starts_with("E1,1,pass,") && lines[1].ends_with(",王芳,财务,"), "{}", lines[1]);
    assert!(lines[2].starts_with("E2,2,fail,") && lines[2].ends_with(",,,17"), "{}", lines[2]);
    assert!(
        lines[3].starts_with("E3,3,error,") && lines[3].ends_with(",李强,,"),
        "error rows keep them too: {}",
        lines[3]
    );
    assert_eq!(err.matches("`姓名`").count(), 1, "listed once: {err}");
    assert!(err.contains("`籍贯` 第 4101 行才首次出现"), "{err}");

    let (code, out, _) = batch(&input, &["--format", "jsonl"]);
    assert_eq!(code, 2);
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 4101);
    assert_eq!(rows[0]["carried"], serde_json::json!({"姓名": "王芳", "部门": "财务"}));
    assert_eq!(rows[1]["carried"], serde_json::json!({"工号": 17}), "values keep their JSON type");
    assert_eq!(rows[3].get("carried"), None, "a row with nothing to carry has no `carried`");
    assert_eq!(rows[4100]["carried"], serde_json::json!({"籍贯": "瑞安"}));

    // CSV columns that are no fact reach JSON Lines output as well.
    let csv = write(&dir, "rows.csv", "id,姓名,county,employment,monthly_wage\nE1,王芳,鹿城区,全日制,1900\n");
    let (code, out, _) = batch(&csv, &["--format", "jsonl"]);
    assert_eq!(code, 0);
    let row: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(row["carried"], serde_json::json!({"姓名": "王芳"}));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_column_is_carried_through_and_named_once() {
    let dir = scratch("column");
    let input = write(&dir, "payroll.csv", "id,county,wage,employment\n1,鹿城区,1900,全日制\n");
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().next().unwrap().ends_with(",error,wage"), "{out}");
    assert!(out.lines().nth(1).unwrap().ends_with(",1900"), "{out}");
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
        assert_eq!(out, "id,line,verdict,rules,missing,missing_approximate,tier,minimum,shortfall,error\n", "{name}");
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
        // One row per year of the plan, as a district office keeps it: 2024's water sections (98.5%) fail the
        // rule kept every year; the earlier years' targets are not yet due, so those rows pass.
        (LUCHENG_14TH, "lucheng_14th", "lucheng_14th_years.csv", "2026-03-01"),
        // One row per county, as the city's 联创办 collects them at the end of 2013: a county short of its
        // quality-education bases or below its hospital grade fails; the others pass.
        (LIUCHENG_2013, "liucheng_2013_county", "liucheng_2013_counties.csv", "2014-01-20"),
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

/// A file of `rows` data rows, one of them (line `bad_line`) with a stray opening quote.
fn payroll_with_stray_quote(rows: usize, bad_line: usize) -> String {
    let mut text = String::from("id,county,employment,monthly_wage\n");
    for i in 1..=rows {
        let line = i + 1;
        if line == bad_line {
            text.push_str(&format!("R{i},\"鹿城区,全日制,1900\n"));
        } else {
            text.push_str(&format!("R{i},鹿城区,全日制,{}\n", 1900 + i));
        }
    }
    text
}

#[test]
fn a_stray_quote_in_row_10_of_1000_does_not_swallow_the_rows_after_it() {
    let dir = scratch("stray");
    let input = write(&dir, "payroll.csv", &payroll_with_stray_quote(1000, 11));
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 2, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 1000, "rows in = rows out");
    assert!(rows[9].starts_with("R10,11,error,"), "{}", rows[9]);
    assert!(rows[10].starts_with("R11,12,pass,"), "{}", rows[10]);
    assert!(rows[999].starts_with("R1000,1001,pass,"), "{}", rows[999]);
    assert_eq!(out.matches(",error,").count(), 1, "one error row only");
    assert!(err.contains("第 11 行：本行的引号不成对"), "{err}");
}

#[test]
fn error_rows_keep_their_id() {
    let dir = scratch("ids");
    let input = write(&dir, "ids.csv", "id,county,employment,monthly_wage\nR1,鹿城市,全日制,1900\n,鹿城区,全日制,x\n");
    let (_, out, _) = batch(&input, &[]);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(rows[0].starts_with("R1,2,error,"), "{out}");
    // A blank id stays blank: a row number in its place could collide with a real id.
    assert!(rows[1].starts_with(",3,error,"), "{out}");
}

#[test]
fn ids_a_spreadsheet_would_run_as_formulas_are_written_safely() {
    let dir = scratch("formula");
    let text = "id,county,employment,monthly_wage,备注\n\
                \"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",鹿城区,全日制,1900,@SUM(A1:A9)\n\
                +1,鹿城区,全日制,1900,-2+3\n\
                -5,鹿城区,全日制,1900,ok\n";
    let input = write(&dir, "formula.csv", text);
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 0, "{err}");
    for line in out.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '@']), "unsafe cell {cell:?} in {out}");
        }
    }
    assert!(out.contains("'=HYPERLINK"), "{out}");
    assert!(out.contains("'@SUM(A1:A9)"), "{out}");
    assert!(out.contains("'-2+3"), "{out}");
    // A plain negative number is a number, not a formula.
    assert!(out.lines().nth(3).unwrap().starts_with("-5,"), "{out}");
}

#[test]
fn batch_refuses_an_output_that_is_the_input_and_loses_no_row() {
    let dir = scratch("same");
    let text = payroll_with_stray_quote(400, 0);
    let input = write(&dir, "same.csv", &text);
    let (code, _, err) = batch(&input, &["--output", &input]);
    assert_eq!(code, 2);
    assert!(err.contains("就是输入文件"), "{err}");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "the input must be untouched");
    #[cfg(unix)]
    {
        let link = dir.join("link.csv");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let (code, _, err) = batch(&input, &["--output", link.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        let hard = dir.join("hard.csv");
        std::fs::hard_link(&input, &hard).unwrap();
        let (code, _, err) = batch(&input, &["--output", hard.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "the input must be untouched");
    }
}

#[test]
fn a_refused_run_leaves_the_old_output_untouched_and_no_partial_file() {
    let dir = scratch("partial");
    let output = write(&dir, "results.csv", "old results\n");
    let input = write(&dir, "payroll.csv", "id,county,county\nR1,鹿城区,鹿城区\n");
    let (code, _, err) = batch(&input, &["--output", &output]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "old results\n");
    let good = write(&dir, "good.csv", "id,county,employment,monthly_wage\nR1,鹿城区,全日制,1900\n");
    let (code, _, err) = batch(&good, &["--output", &output]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&output).unwrap().contains("R1,2,pass"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_gbk_file_with_chinese_headers_and_an_extra_column_is_read() {
    let dir = scratch("gbk");
    let text = "编号,姓名,所在县（市、区）,用工形式,月工资\r\nE1,王芳,鹿城区,全日制,\"1,860\"\r\nE2,李强,泰顺县,全日制,1500元\r\n";
    let (bytes, _, unmappable) = encoding_gbk(text);
    assert!(!unmappable);
    let path = dir.join("gbk.csv");
    std::fs::write(&path, bytes).unwrap();
    let (code, out, err) = batch(path.to_str().unwrap(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("GBK"), "{err}");
    assert!(err.contains("`姓名`"), "the extra column is named once: {err}");
    assert!(out.contains("E1,2,pass,"), "{out}");
    assert!(out.contains("E2,3,fail,"), "{out}");
    assert!(out.lines().nth(1).unwrap().ends_with(",王芳"), "carried through: {out}");
    // Read as UTF-8 by force, the same file is refused row by row rather than misread.
    let (code, _, _) = batch(path.to_str().unwrap(), &["--encoding", "utf-8"]);
    assert_eq!(code, 2);
}

fn encoding_gbk(text: &str) -> (Vec<u8>, (), bool) {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    (bytes.into_owned(), (), unmappable)
}

#[test]
fn headers_may_be_labels_or_ids_in_any_case() {
    let dir = scratch("headers");
    let input = write(&dir, "h.csv", "ID,County,用工形式,Monthly wage\nE1,鹿城区,全日制,1900\n");
    let (code, out, err) = batch(&input, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("E1,2,pass,"), "{out}");
}

#[test]
fn input_dash_reads_standard_input() {
    let args: Vec<String> = ["batch", MINIMUM_WAGE, "--policy", "minimum_wage", "--as-of", AS_OF, "--input", "-"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut input =
        std::io::Cursor::new("id,county,employment,monthly_wage\nE1,鹿城区,全日制,1900\n".as_bytes().to_vec());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = comply::cli::run(&args, &mut comply::cli::Io { stdin: &mut input, stdout: &mut out, stderr: &mut err });
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(out.contains("E1,2,pass,"), "{out}");
}

#[test]
fn batch_help_documents_the_exit_codes() {
    let (code, out, _) = run(&["batch", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("退出码：0") && !out.contains("Exit codes"), "{out}");
    let (code, out, _) = run(&["batch", "--help", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes: 0") && !out.contains("退出码"), "{out}");
}

#[test]
fn the_messy_spreadsheet_example_is_read_row_for_row() {
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/batch/messy_zero_land_gbk.csv");
    let (code, out, err) =
        run(&["batch", ZERO_LAND, "--policy", "zero_land", "--as-of", "2021-03-01", "--input", input]);
    assert_eq!(code, 2, "two rows are bad: {err}");
    assert_eq!(out.lines().count(), 1 + 7, "rows in = rows out: {out}");
    insta::assert_snapshot!("messy_zero_land_output", out);
    insta::assert_snapshot!("messy_zero_land_summary", err);
}

/// A payroll whose rows name their case: 案号 and 申请人 by their Chinese headers, the credit code by its
/// key, one code with a wrong check character (that row is an error row; the others are checked).
const CASES_CSV: &str = "\
编号,案号,申请人,credit_code,county,employment,monthly_wage,承办人
E1,温人社〔2026〕17号,温州某某服饰有限公司,91350100M000100Y43,鹿城区,全日制,1800,李明
E2,温人社〔2026〕18号,温州某某鞋业有限公司,91350100M000100Y44,鹿城区,全日制,1900,李明
E3,,,,泰顺县,全日制,1600,
";

#[test]
fn the_case_block_is_carried_into_every_output_row() {
    let dir = scratch("cases");
    let input = write(&dir, "cases.csv", CASES_CSV);
    let (code, csv, err) = batch(&input, &[]);
    assert_eq!(code, 2, "a bad credit code is an error row: {err}");
    assert!(
        !err.contains("案号") && !err.contains("申请人"),
        "case columns are not reported as unknown columns: {err}"
    );
    let header = csv.lines().next().unwrap_or_default();
    assert_eq!(
        header.split(',').take(5).collect::<Vec<_>>(),
        ["id", "line", "case.number", "case.applicant", "case.credit_code"]
    );
    assert!(csv.contains("校验码应为“3”，实际为“4”"), "{csv}");
    insta::assert_snapshot!("case_columns_csv", csv);
    let (_, jsonl, _) = batch(&input, &["--format", "jsonl"]);
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap_or_default()).expect("JSON");
    assert_eq!(first["case"]["credit_code"], "91350100M000100Y43");
    assert_eq!(first["case"]["officer"], "李明");
    insta::assert_snapshot!("case_columns_jsonl", jsonl);
    // JSON Lines in: a `case` object as in a fact file, or the fields as keys.
    let json_input = write(
        &dir,
        "cases.jsonl",
        r#"{"id": "E1", "case": {"number": "温人社〔2026〕17号", "applicant": "温州某某服饰有限公司"}, "county": "鹿城区", "employment": "全日制", "monthly_wage": 1800}
{"id": "E2", "案号": "温人社〔2026〕18号", "统一社会信用代码": "91350100m000100y43", "county": "鹿城区", "employment": "全日制", "monthly_wage": 1900}
"#,
    );
    let (code, out, err) = batch(&json_input, &["--format", "jsonl"]);
    assert_eq!(code, 1, "{err}");
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(
        rows[0]["case"],
        serde_json::json!({"number": "温人社〔2026〕17号", "applicant": "温州某某服饰有限公司"})
    );
    assert_eq!(
        rows[1]["case"],
        serde_json::json!({"number": "温人社〔2026〕18号", "credit_code": "91350100M000100Y43"})
    );
}

/// A row of a target pack that passes because nothing is due yet says which targets are not yet due, so
/// that it is not read as one that met them all; a pack without targets has no such column.
#[test]
fn target_rows_list_the_targets_not_yet_due() {
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/batch/lucheng_14th_years.csv");
    let args = ["batch", LUCHENG_14TH, "--policy", "lucheng_14th", "--as-of", "2026-03-01", "--input", input];
    let (_, csv, err) = run(&args);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,line,verdict,rules,missing,missing_approximate,not_yet_due,behind,cannot_tell,error"),
        "{err}"
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with("2021年,2,pass,,,,province_top_10;"), "{first}");
    assert!(first.ends_with(",,,"), "2021 is behind no line: {first}");
    let second = lines.next().unwrap();
    assert!(second.ends_with(",gdp_1700,,"), "2022's GDP is below the plan's line for that year: {second}");
    let last = csv.lines().find(|l| l.starts_with("2025年")).unwrap();
    assert_eq!(last, "2025年,6,pass,,,,,,,", "2025's figures are at the due date: every target is assessed");
    let (_, jsonl, _) = run(&[&args[..], &["--format", "jsonl"]].concat());
    let row: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(row["not_yet_due"][0], "province_top_10", "{row}");
    assert_eq!(row["behind"], serde_json::json!([]), "{row}");
    assert_eq!(row["cannot_tell"], serde_json::json!([]), "{row}");
    let (_, payroll, _) = batch(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/batch/payroll.csv"), &[]);
    assert!(!payroll.contains("not_yet_due"), "{payroll}");
}
