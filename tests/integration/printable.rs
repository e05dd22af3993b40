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
    // One profile per document: the tests run side by side, and Chromium refuses a profile in use.
    let stem = html.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
    let profile = std::env::temp_dir().join(format!("comply-printable-profile-{}-{stem}", std::process::id()));
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
    // The lines the officer signs on paper close the report (the same helper as the list of materials').
    assert!(html.contains("<div class=\"signature\"><p>承办人：</p><p>日期：</p></div></article>"), "{html}");
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
    // Every page says which case it belongs to and where it stands in the file.
    assert!(
        text.contains("案号：瓯飞审〔2020〕零技第0012号") && text.contains("第1页，共"),
        "no running header or page number: {text}"
    );
    first_page(&dir, &pdf, "zero_land_eligible_extension");
}

/// Page 1 of `pdf` as `NAME-page-1.png` beside it, for a person to look at.
fn first_page(dir: &Path, pdf: &Path, name: &str) {
    let status = Command::new("pdftoppm")
        .args(["-r", "100", "-png", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg(dir.join(format!("{name}-page")))
        .status()
        .expect("pdftoppm runs");
    assert!(status.success() && dir.join(format!("{name}-page-1.png")).exists());
}

#[test]
fn the_list_of_materials_prints_with_every_document() {
    let out = comply_with_input(&["facts", "--policy", "zero_land", "--format", "html"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let html = out.stdout;
    assert!(html.contains("<div class=\"signature\"><p>申请人：</p><p>收件人、日期：</p></div></article>"), "{html}");
    assert!(html.starts_with("<!doctype html>") && !html.contains("<script") && !html.contains("http"), "{html}");
    if !tools_present() {
        eprintln!("chromium or pdftotext missing: the printed list was not checked");
        return;
    }
    let dir = artefacts();
    let file = dir.join("zero_land_materials.html");
    std::fs::write(&file, &html).expect("written");
    let pdf = dir.join("zero_land_materials.pdf");
    let printed = chromium(&format!("--print-to-pdf={}", pdf.display()), &file);
    assert!(pdf.exists(), "no PDF: {}", String::from_utf8_lossy(&printed.stderr));
    // In the order the page holds the text, so that a table cell's lines stay together.
    let text = Command::new("pdftotext").arg("-raw").arg(&pdf).arg("-").output().expect("pdftotext runs");
    let text: String = String::from_utf8_lossy(&text.stdout).split_whitespace().collect();
    let book = Rulebook::embedded().expect("shipped packs");
    let policy = book.policy("zero_land").expect("shipped");
    for fact in policy.facts() {
        if let Some(evidence) = &fact.evidence {
            let document: String = evidence.zh.split_whitespace().collect();
            assert!(text.contains(&document), "the printed list lacks {document}: {text}");
        }
    }
    assert!(text.contains("申请人：") && text.contains("收件人、日期："), "no lines to sign");
    first_page(&dir, &pdf, "zero_land_materials");
}
