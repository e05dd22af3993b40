//! A report as text for a clerk, or as JSON for other tools (the JSON shape is a contract: fields are added,
//! never removed). Both read the typed report; neither decides anything.

use std::fmt::Write as _;

use super::{Detail, Header, Lang, Report, RuleOutcome, RuleReport, Truth, pick};

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The groups a report lists rules in, in the order a clerk acts on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    OutOfScope,
    Fails,
    Referred,
    Missing,
    Unsettled,
    Warnings,
    Met,
    /// Targets not yet due: where they stand so far.
    Pending,
    NotApplicable,
}

impl Group {
    pub const ALL: [Group; 9] = [
        Group::OutOfScope,
        Group::Fails,
        Group::Referred,
        Group::Missing,
        Group::Warnings,
        Group::Unsettled,
        Group::Met,
        Group::Pending,
        Group::NotApplicable,
    ];

    /// A rule's group in a report: an undecided rule is “待补充” only where its facts could still change the
    /// conclusion (`missing`); otherwise it is listed apart, so that nobody is asked for what does not matter.
    pub fn of(rule: &RuleReport, missing: &[String]) -> Group {
        match rule.outcome {
            RuleOutcome::Fail if rule.scope => Group::OutOfScope,
            RuleOutcome::Fail => Group::Fails,
            RuleOutcome::Refer => Group::Referred,
            RuleOutcome::Unknown if rule.missing.iter().any(|m| missing.contains(m)) => Group::Missing,
            RuleOutcome::Unknown if rule.missing.is_empty() => Group::Missing,
            RuleOutcome::Unknown => Group::Unsettled,
            RuleOutcome::Warn => Group::Warnings,
            RuleOutcome::Pass => Group::Met,
            RuleOutcome::NotYetDue => Group::Pending,
            RuleOutcome::Skipped => Group::NotApplicable,
        }
    }

    pub fn heading(self, lang: Lang) -> &'static str {
        match self {
            Group::OutOfScope => pick(lang, "不属于本通知适用范围", "Outside the notice's scope"),
            Group::Fails => pick(lang, "不符合", "Not met"),
            Group::Referred => pick(lang, "报请决定", "Referred for a decision"),
            Group::Missing => pick(lang, "待补充材料", "More information needed"),
            Group::Unsettled => pick(lang, "未能核查（不影响本次结论）", "Not checked (does not affect this verdict)"),
            Group::Warnings => pick(lang, "提示（不影响结论）", "Warnings (do not affect the verdict)"),
            Group::Met => pick(lang, "符合", "Met"),
            Group::Pending => pick(lang, "未到考核时点", "Not yet due"),
            Group::NotApplicable => pick(lang, "不适用", "Not applicable"),
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Group::OutOfScope => "✗",
            Group::Fails => "✗",
            Group::Referred => "→",
            Group::Missing => "?",
            Group::Unsettled => "?",
            Group::Warnings => "!",
            Group::Met => "✓",
            Group::Pending => "…",
            Group::NotApplicable => "–",
        }
    }
}

/// The rules of a report in one group, in the rule file's order. Where the notice does not apply, only
/// what put the case outside it is listed: the other rules conclude nothing.
pub fn rules_in(report: &Report, group: Group) -> impl Iterator<Item = &RuleReport> {
    let shown = report.verdict != crate::eval::Verdict::NotApplicable || group == Group::OutOfScope;
    report.rules.iter().filter(move |r| shown && Group::of(r, &report.missing) == group)
}

/// Said under the missing facts when the exact search ran out of work (`Report::missing_approximate`).
pub fn approximate_note(lang: Lang) -> &'static str {
    pick(
        lang,
        "（情形较复杂，未能逐一排除：以上事项中可能有并不影响结论的）",
        "(too many combinations to rule out each one: some of these may not in fact change the verdict)",
    )
}

pub fn detail_mark(holds: Truth) -> &'static str {
    match holds {
        Truth::Holds => "✓",
        Truth::Fails => "✗",
        Truth::Unknown => "?",
    }
}

/// The notice, its number, issuer and validity in one line.
pub fn source_line(header: &Header, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(title) = &header.source_title {
        parts.push(format!("《{title}》"));
    }
    match &header.number {
        Some(n) => parts.push(n.clone()),
        None => parts.push(pick(lang, "无文号", "no document number").to_string()),
    }
    if let Some(issuer) = &header.issuer {
        parts.push(issuer.clone());
    }
    parts.push(header.validity.clone());
    parts.join(pick(lang, "，", ", "))
}

/// The case block's lines as label and value, in a fixed order.
pub fn case_lines(report: &Report, lang: Lang) -> Vec<(&'static str, String)> {
    let Some(case) = &report.case else { return Vec::new() };
    crate::facts::case::FIELDS
        .iter()
        .enumerate()
        .filter_map(|(i, (_, zh, en))| case.get(i).map(|v| (pick(lang, zh, en), v.to_string())))
        .collect()
}

/// What a rule's quotes are introduced with, and whether they are printed: a rule that did not hold shows
/// the passage it rests on.
pub fn shows_quotes(rule: &RuleReport) -> bool {
    matches!(rule.outcome, RuleOutcome::Fail | RuleOutcome::Refer | RuleOutcome::Warn)
}

/// The report's title: 「…核查报告」 (「…报告」 after a pack title that already ends in 核查); in English a target
/// pack's is a progress check, not a compliance check.
pub fn title(report: &Report, lang: Lang) -> String {
    let name = &report.header.title;
    match lang {
        Lang::Zh if name.ends_with("核查") => format!("{name}报告"),
        Lang::Zh => format!("{name}核查报告"),
        Lang::En if !report.progress.is_empty() => format!("Progress check: {name}"),
        Lang::En => format!("Compliance check: {name}"),
    }
}

/// Where the targets stand, under the conclusion: a pass of a target pack may hide targets behind or that
/// cannot be told, which the conclusion alone would not say (「目标进度：已达到 4、进度滞后 3」).
pub fn standing_line(report: &Report, lang: Lang) -> Option<String> {
    let all = report.progress.iter().find(|line| line.all)?;
    Some(format!("{}{}", pick(lang, "目标进度：", "Targets: "), super::targets::counts_text(&all.counts, lang)))
}

pub fn progress_missing_heading(lang: Lang) -> &'static str {
    pick(
        lang,
        "判断目标进度还需填报（不影响结论）：",
        "Figures needed to tell the targets' progress (they do not change the verdict):",
    )
}

pub fn text(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let colon = pick(lang, "：", ": ");
    match lang {
        Lang::Zh => {
            let _ = writeln!(out, "{}", title(report, lang));
        }
        Lang::En => {
            let _ = writeln!(out, "{} ({})", title(report, lang), report.policy);
        }
    }
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "依据", "Source"), source_line(&report.header, lang));
    for (label, value) in case_lines(report, lang) {
        let _ = writeln!(out, "{label}{colon}{value}");
    }
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "评估日期", "As of"), report.as_of_text);
    if let Some(period) = &report.period {
        let _ = writeln!(out, "{period}");
    }
    let _ = writeln!(out, "{}{colon}{}", pick(lang, "结论", "Verdict"), report.conclusion);
    if let Some(reason) = &report.reason {
        let _ = writeln!(out, "{}{colon}{reason}", pick(lang, "理由", "Reason"));
    }
    if let Some(standing) = standing_line(report, lang) {
        let _ = writeln!(out, "{standing}");
    }
    for reading in &report.readings {
        let _ = writeln!(out, "{}{colon}{reading}", pick(lang, "本规则包的理解", "This pack's reading"));
    }
    if !report.conversions.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "按规定换算：", "Converted as the law provides:"));
        for line in &report.conversions {
            let _ = writeln!(out, "  {}", line.text);
        }
    }
    for group in Group::ALL {
        let rules: Vec<&RuleReport> = rules_in(report, group).collect();
        if rules.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}{}",
            group.heading(lang),
            match lang {
                Lang::Zh => format!("（{} 项）", rules.len()),
                Lang::En => format!(" ({})", rules.len()),
            }
        );
        for rule in rules {
            rule_text(&mut out, rule, group, lang);
        }
    }
    if !report.progress.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "目标进度：", "Progress on the targets:"));
        for line in &report.progress {
            let unit = &line.unit;
            let _ = writeln!(out, "  {unit}{colon}{}", super::targets::counts_text(&line.counts, lang));
        }
    }
    if !report.missing_facts.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            pick(lang, "可能改变结论的待补充事项：", "Missing facts that could change the verdict:")
        );
        for fact in &report.missing_facts {
            let _ = writeln!(out, "  - {}", fact.label);
        }
        if report.missing_approximate {
            let _ = writeln!(out, "  {}", approximate_note(lang));
        }
    }
    if !report.progress_missing.is_empty() {
        let _ = writeln!(out, "\n{}", progress_missing_heading(lang));
        for fact in &report.progress_missing {
            let _ = writeln!(out, "  - {}", fact.label);
        }
    }
    if !report.output_details.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "结果：", "Outputs:"));
        for line in &report.output_details {
            let _ = writeln!(out, "  {}{colon}{}", line.label, line.value);
            if let Some(reason) = &line.reason {
                let _ = writeln!(out, "    {}{colon}{reason}", pick(lang, "依据", "Because"));
            }
        }
    }
    // Where the notice does not apply, its procedure and its unchecked clauses are beside the point.
    let applies = report.verdict != crate::eval::Verdict::NotApplicable;
    if applies && !report.administrative.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "办理事项：", "Procedure:"));
        for line in &report.administrative {
            let clause = line.clause.as_ref().map(|c| format!(" 〔{c}〕")).unwrap_or_default();
            let _ = writeln!(out, "  {}{colon}{}{clause}", line.label, line.value);
        }
    }
    if applies && !report.not_checked.is_empty() {
        let _ = writeln!(out, "\n{}", pick(lang, "未纳入本次核查的事项：", "Not covered by this check:"));
        for item in &report.not_checked {
            let _ = writeln!(out, "  - 〔{}〕 {}", item.clause, item.text);
        }
    }
    let _ = writeln!(out, "\n{}{colon}{}", pick(lang, "说明", "Note"), report.disclaimer);
    out
}

/// What a report shows of one rule, decided once for every format: the heading and the lines under it.
pub struct RuleView<'r> {
    pub mark: &'static str,
    pub title: &'r str,
    pub citation: &'r str,
    pub id: &'r str,
    /// A target's standing (已达到, 未到考核时点…), said beside the title.
    pub status: Option<String>,
    /// A rule that does not apply is one line: why not.
    pub inapplicable: Option<&'r str>,
    pub lines: Vec<(Line, String)>,
}

/// The kinds of line under a rule's heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// Due date, 牵头单位 and 责任单位 of a target.
    Responsibility,
    /// Why an undecided rule is undecided.
    Head,
    /// The tests that made a failed rule apply.
    Conditions,
    Detail(Truth),
    Reading,
    Consequence,
    Quote,
}

impl<'r> RuleView<'r> {
    pub fn of(rule: &'r RuleReport, group: Group, lang: Lang) -> RuleView<'r> {
        let mut view = RuleView {
            mark: group.mark(),
            title: &rule.title,
            citation: &rule.citation,
            id: &rule.id,
            status: None,
            inapplicable: None,
            lines: Vec::new(),
        };
        if let Some(why) = rule.inapplicable.as_ref().filter(|_| rule.target.is_none()) {
            view.inapplicable = Some(why);
            return view;
        }
        // A target says where it stands (met, behind, not yet due…) beside its title.
        match &rule.target {
            // A soft (力争) target missed at its due date is flagged, not failed.
            Some(t) if rule.outcome == RuleOutcome::Warn => {
                let soft = pick(lang, "（软性目标，不影响结论）", " (a soft target: does not affect the verdict)");
                (view.mark, view.status) = ("!", Some(format!("{}{soft}", t.status.text(lang))));
            }
            Some(t) => (view.mark, view.status) = (t.status.mark(), Some(t.status.text(lang).to_string())),
            None => {}
        }
        let lines = &mut view.lines;
        lines.extend(rule.responsibility.iter().map(|l| (Line::Responsibility, l.clone())));
        lines.extend(rule.head.iter().map(|h| (Line::Head, h.clone())));
        if !rule.conditions.is_empty() {
            lines.push((Line::Conditions, rule.conditions.join(pick(lang, "；", "; "))));
        }
        // “? 某事实：未知” only repeats the missing facts named above it, and a test already said as the
        // reason the rule applies (a warning that applies exactly when its test fails) is not said again
        // with a cross, which on paper reads as a failure.
        let repeated = |d: &&Detail| d.holds == Truth::Unknown && d.value_only || rule.conditions.contains(&d.text);
        let shown = rule.details.iter().filter(|d| !repeated(d));
        lines.extend(shown.map(|d| (Line::Detail(d.holds), d.text.clone())));
        lines.extend(rule.readings.iter().map(|r| (Line::Reading, r.clone())));
        // An out-of-scope rule's consequence is the report's reason, already given under the conclusion.
        if let Some(consequence) = rule.consequence.as_ref().filter(|_| group != Group::OutOfScope) {
            lines.push((Line::Consequence, consequence.clone()));
        }
        if shows_quotes(rule) {
            lines.extend(rule.quotes.iter().map(|q| (Line::Quote, q.clone())));
        }
        view
    }
}

fn rule_text(out: &mut String, rule: &RuleReport, group: Group, lang: Lang) {
    let colon = pick(lang, "：", ": ");
    let view = RuleView::of(rule, group, lang);
    let citation = if view.citation.is_empty() { String::new() } else { format!(" 〔{}〕", view.citation) };
    if let Some(why) = view.inapplicable {
        let (open, close) = (pick(lang, "不适用（", "not applicable ("), pick(lang, "）", ")"));
        let _ = writeln!(out, "  {} {}{citation}{colon}{open}{why}{close}  [{}]", view.mark, view.title, view.id);
        return;
    }
    match &view.status {
        Some(status) => {
            let _ = writeln!(out, "  {} {}{citation}  {status}  [{}]", view.mark, view.title, view.id);
        }
        None => {
            let _ = writeln!(out, "  {} {}{citation}  [{}]", view.mark, view.title, view.id);
        }
    }
    for (kind, text) in &view.lines {
        let _ = match kind {
            Line::Responsibility | Line::Head | Line::Consequence => writeln!(out, "      {text}"),
            Line::Conditions => writeln!(out, "      {}{text}", pick(lang, "适用情形：", "Applies because: ")),
            Line::Detail(holds) => writeln!(out, "      {} {text}", detail_mark(*holds)),
            Line::Reading => {
                writeln!(out, "      {}{colon}{text}", pick(lang, "本规则包的理解", "This pack's reading"))
            }
            Line::Quote => writeln!(out, "      {}{colon}“{text}”", pick(lang, "原文", "Text")),
        };
    }
}
