//! Hostile rule and fact files are bounded (issue #11, "Crashes and hostile files"): nesting at ten times
//! each limit is refused by every command with exit 2 and a message, never a stack overflow; a file at the
//! limits still loads and is evaluated on batch's worker threads; devices, FIFOs and oversized files are
//! refused without being read to the end; a cited source must stay inside the rule file's folder.

use std::path::{Path, PathBuf};

use comply::limits::{MAX_DEPTH, MAX_NESTING, MAX_TERMS};

fn run(args: &[&str]) -> (u8, String, String) {
    let out = crate::common::comply_with_input(args, "\n\n\n");
    (out.code, out.stdout, out.stderr)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("comply-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A policy whose one rule requires `requirement`, with `extra` declarations before the rule.
fn policy(extra: &str, requirement: &str) -> String {
    format!(
        "policy p {{\n  title \"示例\" en \"Example\"\n  source {{ title \"示例通知\" number none issuer \"示例局\" signed 2021-01-01 }}\n  \
         in_force from 2021-01-01\n  fact x: number {{ label \"数\" }}\n{extra}\n  rule r {{ title \"示例\" clause \"一\" require {requirement} }}\n}}\n"
    )
}

fn nested_parens(n: usize) -> String {
    policy("", &format!("{}x{} >= 0", "(".repeat(n), ")".repeat(n)))
}

fn nested_ifs(n: usize) -> String {
    policy("", &format!("{}0{} >= 0", "if x > 1 then x else ".repeat(n), ""))
}

fn nested_max(n: usize) -> String {
    policy("", &format!("{}x{} >= 0", "max(0, ".repeat(n), ")".repeat(n)))
}

fn many_nots(n: usize) -> String {
    policy("", &format!("{}x >= 0", "not ".repeat(n)))
}

fn long_sum(n: usize) -> String {
    policy("", &format!("{} >= 0", vec!["x"; n].join(" + ")))
}

fn minus_signs(n: usize) -> String {
    policy("", &format!("{}x >= 0", "- ".repeat(n)))
}

/// `let v0 = x; let v1 = v0 + 1; …`: each value is shallow, the chain is deep.
fn let_chain(n: usize, reversed: bool) -> String {
    let mut lets: Vec<String> = (0..n)
        .map(|i| if i == 0 { "  let v0 = x".to_string() } else { format!("  let v{i} = v{} + 1", i - 1) })
        .collect();
    if reversed {
        lets.reverse();
    }
    policy(&lets.join("\n"), &format!("v{} >= 0", n - 1))
}

/// Every command that loads rules, on one rule file: each must exit 2 with a message naming `code`.
fn every_command_refuses(name: &str, text: &str, code: &str) {
    let dir = scratch(name);
    let rules = dir.join("p.rules");
    std::fs::write(&rules, text).unwrap();
    let facts = dir.join("case.toml");
    std::fs::write(&facts, "[facts]\nx = 1\n").unwrap();
    let rows = dir.join("rows.csv");
    std::fs::write(&rows, "id,x\nA,1\nB,2\n").unwrap();
    let (r, f, c) = (rules.to_str().unwrap(), facts.to_str().unwrap(), rows.to_str().unwrap());
    let commands: Vec<Vec<&str>> = vec![
        vec!["lint", r],
        vec!["check", r, "--facts", f, "--as-of", "2021-06-01"],
        vec!["facts", r, "--policy", "p"],
        vec!["ask", r, "--policy", "p", "--as-of", "2021-06-01"],
        vec!["batch", r, "--policy", "p", "--as-of", "2021-06-01", "--input", c],
        vec!["test", r],
        vec!["clauses", r],
        vec!["diff", r, r],
    ];
    for args in commands {
        let (exit, out, err) = run(&args);
        assert_eq!(exit, 2, "{name}: `{}` must refuse the file:\n{out}{err}", args[0]);
        assert!(err.contains(code), "{name}: `{}` must say {code}:\n{err}", args[0]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parentheses_500_deep_are_refused_by_every_command() {
    every_command_refuses("parens", &nested_parens(10 * MAX_NESTING), "C070");
}

#[test]
fn nested_if_and_max_at_ten_times_the_limit_are_refused_by_every_command() {
    every_command_refuses("ifs", &nested_ifs(10 * MAX_NESTING), "C070");
    every_command_refuses("max", &nested_max(10 * MAX_NESTING), "C070");
    // The issue's own case: 400 nested `if`.
    every_command_refuses("ifs400", &nested_ifs(400), "C070");
}

#[test]
fn ten_thousand_nots_are_refused_by_every_command() {
    every_command_refuses("nots", &many_nots(10_000), "C070");
    every_command_refuses("minus", &minus_signs(10 * MAX_NESTING), "C070");
}

#[test]
fn a_sum_of_2000_terms_is_refused_by_every_command_batch_included() {
    every_command_refuses("sum", &long_sum(10 * MAX_TERMS), "C071");
    // The issue's own case, which passed `lint` and then killed `batch` on a worker thread.
    every_command_refuses("sum2000", &long_sum(2000), "C071");
}

#[test]
fn a_chain_of_let_values_ten_times_the_depth_limit_is_refused_in_either_order() {
    every_command_refuses("chain", &let_chain(10 * MAX_DEPTH, false), "C072");
    every_command_refuses("chain_reversed", &let_chain(10 * MAX_DEPTH, true), "C072");
}

/// Just inside every limit, the file loads and batch evaluates it on its worker threads (smaller stacks
/// than the main thread) without overflowing.
#[test]
fn a_file_at_the_limits_loads_and_batch_evaluates_it() {
    let dir = scratch("at_limits");
    let depth = MAX_NESTING - 5;
    let sum = vec!["x"; MAX_TERMS].join(" + ");
    // A sum of the most terms allowed, then a chain of values that brings evaluation close to `MAX_DEPTH`.
    let chain = (MAX_DEPTH - MAX_TERMS) / 3 - 3;
    let lets: Vec<String> = (0..chain)
        .map(|i| if i == 0 { format!("  let v0 = {sum}") } else { format!("  let v{i} = v{} + 1", i - 1) })
        .collect();
    let requirement = format!("{}v{}{} >= 0", "(".repeat(depth), chain - 1, ")".repeat(depth));
    let text = policy(&lets.join("\n"), &requirement);
    let rules = dir.join("p.rules");
    std::fs::write(&rules, &text).unwrap();
    let (code, out, err) = run(&["lint", rules.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    // The explained report on this (test) thread, and the verdicts on batch's worker threads.
    let facts = dir.join("case.toml");
    std::fs::write(&facts, "[facts]\nx = 1\n").unwrap();
    let (code, out, err) =
        run(&["check", rules.to_str().unwrap(), "--facts", facts.to_str().unwrap(), "--as-of", "2021-06-01"]);
    assert_eq!(code, 0, "{out}{err}");
    let rows: String = (0..5000).map(|i| format!("R{i},{}\n", i % 7)).collect();
    let input = dir.join("rows.csv");
    std::fs::write(&input, format!("id,x\n{rows}")).unwrap();
    let args = ["batch", rules.to_str().unwrap(), "--policy", "p", "--as-of", "2021-06-01"];
    let (code, out, err) = run(&[&args[..], &["--input", input.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 5001);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_facts_dev_zero_is_refused_at_once() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/minimum_wage.rules");
    let (code, _, err) = run(&["check", rules, "--facts", "/dev/zero", "--as-of", "2016-03-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("不是普通文件"), "{err}");
}

#[test]
fn a_fact_file_over_the_read_limit_is_refused_with_the_limit_named() {
    let dir = scratch("big_facts");
    let facts = dir.join("big.toml");
    std::fs::write(&facts, format!("[facts]\ncounty = \"鹿城区\"\n# {}\n", "x".repeat(5000))).unwrap();
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/minimum_wage.rules");
    let args = ["check", rules, "--facts", facts.to_str().unwrap(), "--as-of", "2016-03-01"];
    let (code, _, err) = run(&[&args[..], &["--max-file-bytes", "1000"]].concat());
    assert_eq!(code, 2);
    assert!(err.contains("1000 字节"), "{err}");
    let (code, _, err) = run(&args);
    assert_eq!(code, 1, "within the default limit it is read: {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A rule file citing `file` as its source, linted; the quote is in /etc/passwd on any Linux machine.
fn lint_citing(name: &str, file: &str, setup: impl FnOnce(&Path)) -> (u8, String) {
    let dir = scratch(name);
    setup(&dir);
    let text = format!(
        "policy p {{\n  title \"示例\" en \"Example\"\n  source {{ title \"示例通知\" number none issuer \"示例局\" signed 2021-01-01 file \"{file}\" }}\n  \
         in_force from 2021-01-01\n  fact x: number {{ label \"数\" }}\n  rule r {{ title \"示例\" clause \"一\" quote \"root\" require x >= 0 }}\n}}\n"
    );
    let rules = dir.join("p.rules");
    std::fs::write(&rules, text).unwrap();
    let (code, out, err) = run(&["lint", rules.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    (code, format!("{out}{err}"))
}

#[test]
fn lint_refuses_sources_outside_the_rule_files_folder() {
    for path in ["../../../../../../etc/passwd", "/etc/passwd", "/proc/self/environ", "sources/../../x.txt"] {
        let (code, out) = lint_citing("outside", path, |_| {});
        assert_eq!(code, 2, "{path}: {out}");
        assert!(out.contains("C053"), "{path}: {out}");
    }
    #[cfg(unix)]
    {
        let (code, out) = lint_citing("link_out", "sources/passwd.txt", |dir| {
            std::fs::create_dir_all(dir.join("sources")).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", dir.join("sources/passwd.txt")).unwrap();
        });
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("C053"), "a link leading out is refused: {out}");
        // A link that stays inside the folder is followed.
        let (code, out) = lint_citing("link_in", "sources/notice.txt", |dir| {
            std::fs::create_dir_all(dir.join("texts")).unwrap();
            std::fs::create_dir_all(dir.join("sources")).unwrap();
            std::fs::write(dir.join("texts/real.txt"), "root of the notice").unwrap();
            std::os::unix::fs::symlink(dir.join("texts/real.txt"), dir.join("sources/notice.txt")).unwrap();
        });
        assert_eq!(code, 0, "{out}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_as_a_source_is_refused_without_waiting() {
    let (code, out) = lint_citing("fifo", "sources/pipe.txt", |dir| {
        std::fs::create_dir_all(dir.join("sources")).unwrap();
        let made = std::process::Command::new("mkfifo").arg(dir.join("sources/pipe.txt")).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo is needed for this test");
    });
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("C054"), "{out}");
    let (code, out) = lint_citing("device", "sources/zero.txt", |dir| {
        std::fs::create_dir_all(dir.join("sources")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("sources/zero.txt")).unwrap();
    });
    assert_eq!(code, 2, "{out}");
}

#[test]
fn lint_of_a_folder_without_rule_files_is_an_error_not_silence() {
    let dir = scratch("empty_folder");
    let (code, _, err) = run(&["lint", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("*.rules"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
