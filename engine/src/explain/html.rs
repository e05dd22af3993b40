//! A report as HTML: `fragment` for a page that has its own frame (the self-assessment page, the case desk)
//! and `document` for a self-contained printable file (`comply check --format html`): A4, no script, no
//! network, fonts the machine has. Both read the typed report and say what the text report says, in the
//! same groups and order (`render::RuleView`); every text is escaped.

use std::fmt::Write as _;

use super::render::{Group, Line, RuleView, case_lines, detail_mark, rules_in, source_line};
use super::{Lang, Report, pick, verdict_short};
use crate::eval::Verdict;

/// Text made safe for an HTML element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The class a page colours a verdict with.
pub fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "verdict-pass",
        Verdict::Fail | Verdict::NotApplicable => "verdict-fail",
        Verdict::Undetermined | Verdict::Refer => "verdict-other",
    }
}

/// The styles of the report itself, on screen and on paper; a page that embeds the fragment serves them.
pub const REPORT_CSS: &str = r#"
.report { border-top: 2px solid currentColor; margin-top: 12px; }
.report h1 { font-size: 1.4rem; margin: 10px 0 4px; }
.report h2 { font-size: 1.08rem; margin: 18px 0 6px; padding-bottom: 2px; border-bottom: 1px solid #b1b4b6; }
.report h3 { font-size: 1rem; margin: 0; font-weight: 700; }
.report p, .report li, .report dd { overflow-wrap: anywhere; }
.report p { margin: 4px 0; }
.report .source, .report .quote, .report .rule-id, .report .citation { color: #4a4a4a; }
.report .source { font-size: .92rem; }
.report dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
.report dl.facts dt { color: #4a4a4a; }
.report dl.facts dd { margin: 0; }
.report .conclusion { font-size: 1.08rem; margin: 10px 0 2px; }
.report .conclusion-words { font-weight: 700; margin: 0 0 10px; }
.report .rule { padding: 6px 0; border-bottom: 1px solid #dcdee0; break-inside: avoid; }
.report .rule ul { list-style: none; margin: 4px 0; padding-left: 1.4em; }
.report .rule li .mark { display: inline-block; width: 1.3em; margin-left: -1.3em; }
.report .rule-id { font-size: .8rem; font-weight: 400; }
.report .citation { font-weight: 400; }
.report .status { font-weight: 700; }
.report .quote { font-size: .92rem; margin: 2px 0 2px 1.4em; }
.report .inapplicable { color: #4a4a4a; }
.report .disclaimer { margin-top: 16px; font-size: .92rem; }
.report .signature { display: none; }
.verdict-pass { color: #0b6e2f; font-weight: 700; }
.verdict-fail { color: #b00020; font-weight: 700; }
.verdict-other { color: #7a4b00; font-weight: 700; }
@media print {
  .report { border-top: 0; }
  .report h2 { break-after: avoid; }
  .report .signature { display: grid; grid-template-columns: 1fr 1fr; gap: 12px 32px; margin-top: 28px; }
  .report .signature p { border-bottom: 1px solid #000; padding-bottom: 18px; margin: 0; }
}
"#;

/// The report as an `<article id="report">`, to sit inside a page.
pub fn fragment(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let colon = pick(lang, "：", ": ");
    let e = escape;
    let _ = write!(out, "<article class=\"report\" id=\"report\" lang=\"{}\">", html_lang(lang));
    let title = super::render::title(report, lang);
    let _ = write!(out, "<h1>{}</h1>", e(&title));
    let _ = write!(
        out,
        "<p class=\"source\">{}{colon}{}</p>",
        pick(lang, "依据", "Source"),
        e(&source_line(&report.header, lang))
    );
    out.push_str("<dl class=\"facts\" id=\"case\">");
    for (label, value) in case_lines(report, lang) {
        let _ = write!(out, "<dt>{label}</dt><dd>{}</dd>", e(&value));
    }
    let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", pick(lang, "评估日期", "As of"), e(&report.as_of_text));
    if let Some((label, value)) = report.period.as_deref().and_then(|p| p.split_once(pick(lang, "：", ": "))) {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", e(label), e(value));
    }
    out.push_str("</dl>");
    let short = verdict_short(report.verdict, lang);
    let _ = write!(
        out,
        "<p class=\"conclusion\">{}{colon}<span class=\"{}\" id=\"verdict\">{short}</span></p>",
        pick(lang, "结论", "Verdict"),
        verdict_class(report.verdict),
    );
    if report.conclusion != short {
        let _ = write!(out, "<p class=\"conclusion-words\">{}</p>", e(&report.conclusion));
    }
    if let Some(reason) = &report.reason {
        let _ = write!(out, "<p>{}{colon}{}</p>", pick(lang, "理由", "Reason"), e(reason));
    }
    if let Some(standing) = super::render::standing_line(report, lang) {
        let _ = write!(out, "<p class=\"standing\">{}</p>", e(&standing));
    }
    for reading in &report.readings {
        let _ = write!(
            out,
            "<p class=\"reading\">{}{colon}{}</p>",
            pick(lang, "本规则包的理解", "This pack's reading"),
            e(reading)
        );
    }
    if !report.conversions.is_empty() {
        let _ = write!(out, "<h2>{}</h2><ul>", pick(lang, "按规定换算", "Converted as the law provides"));
        for line in &report.conversions {
            let _ = write!(out, "<li>{}</li>", e(&line.text));
        }
        out.push_str("</ul>");
    }
    for group in Group::ALL {
        let rules: Vec<_> = rules_in(report, group).collect();
        if rules.is_empty() {
            continue;
        }
        let count = match lang {
            Lang::Zh => format!("（{} 项）", rules.len()),
            Lang::En => format!(" ({})", rules.len()),
        };
        let _ = write!(out, "<section class=\"group\"><h2>{}{count}</h2>", group.heading(lang));
        for rule in rules {
            rule_html(&mut out, &RuleView::of(rule, group, lang), lang);
        }
        out.push_str("</section>");
    }
    if !report.progress.is_empty() {
        let _ = write!(out, "<h2>{}</h2><dl class=\"facts\">", pick(lang, "目标进度", "Progress on the targets"));
        for line in &report.progress {
            let unit = &line.unit;
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", e(unit), e(&super::targets::counts_text(&line.counts, lang)));
        }
        out.push_str("</dl>");
    }
    if !report.missing_facts.is_empty() {
        let _ = write!(
            out,
            "<h2>{}</h2><ul>",
            pick(lang, "可能改变结论的待补充事项", "Missing facts that could change the verdict")
        );
        for fact in &report.missing_facts {
            let _ = write!(out, "<li>{}</li>", e(&fact.label));
        }
        out.push_str("</ul>");
        if report.missing_approximate {
            let _ = write!(out, "<p>{}</p>", e(super::render::approximate_note(lang)));
        }
    }
    if !report.progress_missing.is_empty() {
        let heading = super::render::progress_missing_heading(lang);
        let _ = write!(out, "<h2>{}</h2><ul>", e(heading.trim_end_matches(['：', ':'])));
        for fact in &report.progress_missing {
            let _ = write!(out, "<li>{}</li>", e(&fact.label));
        }
        out.push_str("</ul>");
    }
    if !report.output_details.is_empty() {
        let _ = write!(out, "<h2>{}</h2><dl class=\"facts\" id=\"outputs\">", pick(lang, "结果", "Outputs"));
        for line in &report.output_details {
            let _ = write!(out, "<dt>{}</dt><dd>{}", e(&line.label), e(&line.value));
            if let Some(reason) = &line.reason {
                let _ = write!(
                    out,
                    "<br><span class=\"source\">{}{colon}{}</span>",
                    pick(lang, "依据", "Because"),
                    e(reason)
                );
            }
            out.push_str("</dd>");
        }
        out.push_str("</dl>");
    }
    // Where the notice does not apply, its procedure and its unchecked clauses are beside the point.
    let applies = report.verdict != Verdict::NotApplicable;
    if applies && !report.administrative.is_empty() {
        let _ = write!(out, "<h2>{}</h2><dl class=\"facts\">", pick(lang, "办理事项", "Procedure"));
        for line in &report.administrative {
            let clause = line.clause.as_ref().map(|c| format!(" 〔{}〕", e(c))).unwrap_or_default();
            let _ = write!(out, "<dt>{}</dt><dd>{}{clause}</dd>", e(&line.label), e(&line.value));
        }
        out.push_str("</dl>");
    }
    if applies && !report.not_checked.is_empty() {
        let _ = write!(out, "<h2>{}</h2><ul>", pick(lang, "未纳入本次核查的事项", "Not covered by this check"));
        for item in &report.not_checked {
            let _ = write!(out, "<li>〔{}〕 {}</li>", e(&item.clause), e(&item.text));
        }
        out.push_str("</ul>");
    }
    let _ = write!(out, "<p class=\"disclaimer\">{}{colon}{}</p>", pick(lang, "说明", "Note"), e(&report.disclaimer));
    let (officer, date) = (pick(lang, "承办人", "Officer"), pick(lang, "日期", "Date"));
    signature(&mut out, [&format!("{officer}{colon}"), &format!("{date}{colon}")]);
    out.push_str("</article>");
    out
}

/// Lines to sign on paper, each under its label: the report's and the list of materials' (hidden on screen
/// by `.signature` in the styles, shown in print).
pub(super) fn signature(out: &mut String, labels: [&str; 2]) {
    let _ = write!(out, "<div class=\"signature\"><p>{}</p><p>{}</p></div>", escape(labels[0]), escape(labels[1]));
}

fn rule_html(out: &mut String, view: &RuleView<'_>, lang: Lang) {
    let colon = pick(lang, "：", ": ");
    let e = escape;
    let citation = if view.citation.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"citation\">〔{}〕</span>", e(view.citation))
    };
    let id = format!(" <span class=\"rule-id\">[{}]</span>", e(view.id));
    if let Some(why) = view.inapplicable {
        let (open, close) = (pick(lang, "不适用（", "not applicable ("), pick(lang, "）", ")"));
        let _ = write!(
            out,
            "<p class=\"rule inapplicable\">{} {}{citation}{colon}{open}{}{close}{id}</p>",
            view.mark,
            e(view.title),
            e(why)
        );
        return;
    }
    let status = view.status.as_ref().map(|s| format!(" <span class=\"status\">{}</span>", e(s))).unwrap_or_default();
    let _ = write!(out, "<section class=\"rule\"><h3>{} {}{citation}{status}{id}</h3><ul>", view.mark, e(view.title));
    for (kind, text) in &view.lines {
        let text = e(text);
        let _ = match kind {
            Line::Responsibility | Line::Head | Line::Consequence => write!(out, "<li>{text}</li>"),
            Line::Conditions => write!(out, "<li>{}{text}</li>", pick(lang, "适用情形：", "Applies because: ")),
            Line::Detail(holds) => write!(out, "<li><span class=\"mark\">{}</span>{text}</li>", detail_mark(*holds)),
            Line::Reading => {
                write!(out, "<li>{}{colon}{text}</li>", pick(lang, "本规则包的理解", "This pack's reading"))
            }
            Line::Quote => write!(out, "<li class=\"quote\">{}{colon}“{text}”</li>", pick(lang, "原文", "Text")),
        };
    }
    out.push_str("</ul></section>");
}

fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// The report as a self-contained HTML file to print and sign: the fragment with its styles inline, no
/// script and nothing fetched.
pub fn document(report: &Report, lang: Lang) -> String {
    let title = super::render::title(report, lang);
    // Each printed page carries the case number, so a loose page of the file can be put back.
    let running = report.case.as_ref().and_then(|c| c.number.as_ref()).map_or(String::new(), |number| {
        format!(
            "@page {{ @top-right {{ content: {}; font-size: 9pt; color: #4a4a4a; }} }}\n",
            css_string(&format!("{}{}", pick(lang, "案号：", "Case "), number))
        )
    });
    page(&title, lang, &running, &fragment(report, lang))
}

/// Text as a CSS string literal: quotes, backslashes and line ends escaped, and `<` too so that the text
/// cannot close the `<style>` element it sits in.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' | '\n' | '\r' => {
                let _ = write!(out, "\\{:x} ", c as u32);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A self-contained A4 page around `body`: the report's styles and `extra_css` inline, CJK fonts the machine
/// has, no script and nothing fetched. Every printable document (the report, the list of materials) is one.
pub fn page(title: &str, lang: Lang, extra_css: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>\nbody {{ margin: 0 auto; max-width: 46rem; padding: 16px; color: #1b1b1b; line-height: 1.6; \
         font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif; }}\n\
         @page {{ size: A4; margin: 18mm 16mm; @bottom-center {{ content: {pages}; font-size: 9pt; color: #4a4a4a; }} }}\n@media print {{ body {{ max-width: none; padding: 0; font-size: 10.5pt; }} }}\n\
         {css}{extra_css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        lang = html_lang(lang),
        title = escape(title),
        css = REPORT_CSS,
        pages = match lang {
            Lang::Zh => r#""第 " counter(page) " 页，共 " counter(pages) " 页""#,
            Lang::En => r#""Page " counter(page) " of " counter(pages)"#,
        },
    )
}
