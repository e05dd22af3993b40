//! A report as text for a clerk, or as JSON for other tools (the JSON shape is a contract: keep it stable).

use std::fmt::Write as _;

use super::{Lang, Report, pick};

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn verdict_text(verdict: &str, lang: Lang) -> &'static str {
    match (verdict, lang) {
        ("pass", Lang::Zh) => "符合（pass）",
        ("fail", Lang::Zh) => "不符合（fail）",
        ("refer", Lang::Zh) => "须报请个案研究（refer）",
        ("undetermined", Lang::Zh) => "尚无法判定（undetermined）",
        ("not_applicable", Lang::Zh) => "不适用（not_applicable）",
        ("pass", Lang::En) => "pass",
        ("fail", Lang::En) => "fail",
        ("refer", Lang::En) => "refer for a case-by-case decision",
        ("undetermined", Lang::En) => "undetermined",
        (_, Lang::En) => "not applicable",
        (_, Lang::Zh) => "不适用（not_applicable）",
    }
}

fn outcome_mark(outcome: &str) -> &'static str {
    match outcome {
        "pass" => "✓",
        "fail" => "✗",
        "refer" => "→",
        "warn" => "!",
        "unknown" => "?",
        _ => "–",
    }
}

fn outcome_text(outcome: &str, lang: Lang) -> &'static str {
    match (outcome, lang) {
        ("pass", Lang::Zh) => "符合",
        ("fail", Lang::Zh) => "不符合",
        ("refer", Lang::Zh) => "报请研究",
        ("warn", Lang::Zh) => "提示（不影响结论）",
        ("unknown", Lang::Zh) => "待定",
        (_, Lang::Zh) => "不适用",
        ("pass", Lang::En) => "pass",
        ("fail", Lang::En) => "fail",
        ("refer", Lang::En) => "refer",
        ("warn", Lang::En) => "warning (does not affect the verdict)",
        ("unknown", Lang::En) => "unknown",
        (_, Lang::En) => "skipped",
    }
}

pub fn text(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let colon = pick(lang, "：", ": ");
    let (open, close) = (pick(lang, "（", " ("), pick(lang, "）", ")"));
    let _ =
        writeln!(out, "{}{colon}{}{open}{}{close}", pick(lang, "政策", "Policy"), report.policy_title, report.policy);
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "依据", "Source"), report.source);
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "评估日期", "As of"), report.as_of);
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "结论", "Verdict"), verdict_text(report.verdict, lang));
    if let Some(reason) = &report.reason {
        let _ = writeln!(out, "{}{colon}{reason}", pick(lang, "理由", "Reason"));
    }
    if !report.rules.is_empty() {
        out.push('\n');
    }
    for rule in &report.rules {
        let citation = if rule.citation.is_empty() { String::new() } else { format!(" 〔{}〕", rule.citation) };
        let _ = writeln!(
            out,
            "{} {}{citation}  {} {}",
            outcome_mark(rule.outcome),
            rule.title,
            outcome_text(rule.outcome, lang),
            format_args!("[{}]", rule.id)
        );
        if !rule.head.is_empty() {
            let _ = writeln!(out, "    {}", rule.head);
        }
        if !rule.conditions.is_empty() {
            let _ = writeln!(
                out,
                "    {}{}",
                pick(lang, "适用情形：", "Applies because: "),
                rule.conditions.join(pick(lang, "；", "; "))
            );
        }
        // “? 某事实：未知” only repeats the missing-facts line above it.
        let bare_unknown =
            |line: &str| line.starts_with('?') && (line.ends_with("：未知") || line.ends_with(": unknown"));
        for line in rule.details.iter().filter(|l| !bare_unknown(l)) {
            let _ = writeln!(out, "    {line}");
        }
        if let Some(consequence) = &rule.consequence {
            let _ = writeln!(out, "    {consequence}");
        }
        if matches!(rule.outcome, "fail" | "refer" | "warn") {
            for quote in &rule.quotes {
                let _ = writeln!(out, "    {}{colon}“{quote}”", pick(lang, "原文", "Text"));
            }
        }
    }
    if !report.missing_labels.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            pick(lang, "可能改变结论的缺失事实：", "Missing facts that could change the verdict:")
        );
        for label in &report.missing_labels {
            let _ = writeln!(out, "  - {label}");
        }
    }
    if !report.output_lines.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "结果：", "Outputs:"));
        for (label, value) in &report.output_lines {
            let _ = writeln!(out, "  {label}{colon}{value}");
        }
    }
    out
}
