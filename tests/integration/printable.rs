//! `comply check --format html` is a document a bureau can print and file: rendered by headless Chromium to
//! a PDF whose text (read back with `pdftotext`) holds the case number, the conclusion and every rule's
//! title. Page 1 is kept as a picture in `target/printable/` for a person to look at.
//!
//! Chromium and poppler-utils come from Debian (`.ci/run` installs them). Without them the test says so and
//! passes on a developer's machine, but fails under CI, where they must be present.

use std::path::{Path, PathBuf};
use std::process::Command;

use comply::Rulebook;

use crate::common::comply_with_input;

const CASE: &str = "examples/zero_land/eligible_extension.toml";

fn tools_present() -> bool {
    let found = |tool: &str| Command::new(tool).arg("-v").output().is_ok();
    let present = found("chromium") && found("pdftotext") && found("pdftoppm");
    assert!(present || std::env::var_os("CI").is_none(), "CI must install chromium and poppler-utils");
    present
}

fn chromium(out_flag: &str, html: &Path) -> std::process::Output {
    let profile = std::env::temp_dir().join(format!("comply-printable-profile-{}", std::process::id()));
    let output = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-pdf-header-footer", "--window-size=1240,1754"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(out_flag)
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(profile);
    output
}

fn artefacts() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/printable"));
    std::fs::create_dir_all(&dir).expect("artefact folder");
    dir
}

#[test]
fn the_html_report_prints_with_the_case_number_the_conclusion_and_every_rule_title() {
    let out = comply_with_input(&["check", "--facts", CASE, "--format", "html"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let html = out.stdout;
    assert!(html.starts_with("<!doctype html>") && !html.contains("<script") && !html.contains("http"), "{html}");
    if !tools_present() {
        eprintln!("chromium or pdftotext missing: the printed document was not checked");
        return;
    }
    let dir = artefacts();
    let file = dir.join("zero_land_eligible_extension.html");
    std::fs::write(&file, &html).expect("written");
    let pdf = dir.join("zero_land_eligible_extension.pdf");
    let printed = chromium(&format!("--print-to-pdf={}", pdf.display()), &file);
    assert!(pdf.exists(), "no PDF: {}", String::from_utf8_lossy(&printed.stderr));
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext runs");
    // Lines wrap anywhere on paper: compare without white space.
    let text: String = String::from_utf8_lossy(&text.stdout).split_whitespace().collect();
    for expected in [
        "瓯飞审〔2020〕零技第0012号",
        "温州示例机械制造有限公司",
        "符合申请条件，可提交“零土地”技改申请（不代表审批通过）",
    ] {
        assert!(text.contains(expected), "the printed report lacks {expected}: {text}");
    }
    let book = Rulebook::embedded().expect("shipped packs");
    let policy = book.policy("zero_land").expect("shipped");
    for rule in policy.rules() {
        let title: String = rule.title.zh.split_whitespace().collect();
        assert!(text.contains(&title), "the printed report lacks the rule {title}");
    }
    assert!(text.contains("承办人") && text.contains("日期"), "no lines to sign");
    let first_page = dir.join("zero_land_eligible_extension-page");
    let status = Command::new("pdftoppm")
        .args(["-r", "80", "-png", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&first_page)
        .status()
        .expect("pdftoppm runs");
    assert!(status.success());
}
