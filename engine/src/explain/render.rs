//! A report as text for a clerk, or as JSON for other tools (the JSON shape is a contract: keep it stable).

use std::fmt::Write as _;

use super::{Header, Lang, Report, Truth, pick};
use crate::eval::{Outcome, Verdict};

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn verdict_text(verdict: Verdict, lang: Lang) -> &'static str {
    match (verdict, lang) {
        (Verdict::Pass, Lang::Zh) => "符合（pass）",
        (Verdict::Fail, Lang::Zh) => "不符合（fail）",
        (Verdict::Refer, Lang::Zh) => "须报请个案研究（refer）",
        (Verdict::Undetermined, Lang::Zh) => "尚无法判定（undetermined）",
        (Verdict::NotApplicable, Lang::Zh) => "不适用（not_applicable）",
        (Verdict::Pass, Lang::En) => "pass",
        (Verdict::Fail, Lang::En) => "fail",
        (Verdict::Refer, Lang::En) => "refer for a case-by-case decision",
        (Verdict::Undetermined, Lang::En) => "undetermined",
        (Verdict::NotApplicable, Lang::En) => "not applicable",
    }
}

fn outcome_mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::Refer => "→",
        Outcome::Warn => "!",
        Outcome::Unknown => "?",
        Outcome::Skipped => "–",
    }
}

fn outcome_text(outcome: Outcome, lang: Lang) -> &'static str {
    match (outcome, lang) {
        (Outcome::Pass, Lang::Zh) => "符合",
        (Outcome::Fail, Lang::Zh) => "不符合",
        (Outcome::Refer, Lang::Zh) => "报请研究",
        (Outcome::Warn, Lang::Zh) => "提示（不影响结论）",
        (Outcome::Unknown, Lang::Zh) => "待定",
        (Outcome::Skipped, Lang::Zh) => "不适用",
        (Outcome::Pass, Lang::En) => "pass",
        (Outcome::Fail, Lang::En) => "fail",
        (Outcome::Refer, Lang::En) => "refer",
        (Outcome::Warn, Lang::En) => "warning (does not affect the verdict)",
        (Outcome::Unknown, Lang::En) => "unknown",
        (Outcome::Skipped, Lang::En) => "skipped",
    }
}

fn detail_mark(holds: Truth) -> &'static str {
    match holds {
        Truth::Holds => "✓",
        Truth::Fails => "✗",
        Truth::Unknown => "?",
    }
}

/// The notice, its number, issuer and validity in one line.
fn source_line(header: &Header, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(title) = &header.source_title {
        parts.push(format!("《{title}》"));
    }
    match &header.number {
        Some(n) => parts.push(n.clone()),
        None => parts.push(pick(lang, "（无文号）", "(no document number)").to_string()),
    }
    if let Some(issuer) = &header.issuer {
        parts.push(issuer.clone());
    }
    let from = &header.valid_from;
    let validity = match (lang, &header.valid_until) {
        (Lang::Zh, None) => format!("{from} 起施行"),
        (Lang::Zh, Some(u)) => format!("{from} 至 {u} 施行"),
        (Lang::En, None) => format!("in force from {from}"),
        (Lang::En, Some(u)) => format!("in force {from} to {u}"),
    };
    parts.push(validity);
    parts.join(pick(lang, "，", ", "))
}

pub fn text(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let colon = pick(lang, "：", ": ");
    let (open, close) = (pick(lang, "（", " ("), pick(lang, "）", ")"));
    let _ =
        writeln!(out, "{}{colon}{}{open}{}{close}", pick(lang, "政策", "Policy"), report.header.title, report.policy);
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "依据", "Source"), source_line(&report.header, lang));
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
        // A target says where it stands (met, behind, not yet due…) instead of the bare outcome.
        let (mark, word) = match &rule.target {
            // A soft (力争) target missed at its due date is flagged, not failed.
            Some(t) if rule.outcome == Outcome::Warn => (
                "!",
                format!(
                    "{}{}",
                    t.status.text(lang),
                    pick(lang, "（软性目标，不影响结论）", " (a soft target: does not affect the verdict)")
                ),
            ),
            Some(t) => (t.status.mark(), t.status.text(lang).to_string()),
            None => (outcome_mark(rule.outcome), outcome_text(rule.outcome, lang).to_string()),
        };
        let _ = writeln!(out, "{mark} {}{citation}  {word} {}", rule.title, format_args!("[{}]", rule.id));
        if let Some(line) = &rule.responsibility {
            let _ = writeln!(out, "    {line}");
        }
        if let Some(head) = &rule.head {
            let _ = writeln!(out, "    {head}");
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
        for detail in rule.details.iter().filter(|d| !(d.holds == Truth::Unknown && d.value_only)) {
            let _ = writeln!(out, "    {} {}", detail_mark(detail.holds), detail.text);
        }
        if let Some(consequence) = &rule.consequence {
            let _ = writeln!(out, "    {consequence}");
        }
        if matches!(rule.outcome, Outcome::Fail | Outcome::Refer | Outcome::Warn) {
            for quote in &rule.quotes {
                let _ = writeln!(out, "    {}{colon}“{quote}”", pick(lang, "原文", "Text"));
            }
        }
    }
    if !report.progress.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "目标进度：", "Progress on the targets:"));
        for line in &report.progress {
            let unit = if line.unit.is_empty() { pick(lang, "全部目标", "all targets") } else { &line.unit };
            let _ = writeln!(out, "  {unit}{colon}{}", super::targets::counts_text(&line.counts, lang));
        }
    }
    if !report.missing_facts.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            pick(lang, "可能改变结论的缺失事实：", "Missing facts that could change the verdict:")
        );
        for fact in &report.missing_facts {
            let _ = writeln!(out, "  - {}（{}）", fact.label, fact.name);
        }
    }
    if !report.output_lines.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "结果：", "Outputs:"));
        for line in &report.output_lines {
            let _ = writeln!(out, "  {}{colon}{}", line.label, line.value);
        }
    }
    out
}
