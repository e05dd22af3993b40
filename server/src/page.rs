//! The self-assessment page: server-rendered HTML forms, one screen of questions at a time, chosen by
//! the question plan. Every answer so far rides in the form as a hidden field and is checked again on
//! every post, so the server stores nothing and a tampered field only gets its question asked again.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use comply_engine::eval::{FactSet, FactValue, Verdict};
use comply_engine::explain::{self, Lang, localized};
use comply_engine::facts;
use comply_engine::policy::{FactId, Policy, Type};
use jiff::civil::Date;

use crate::AppState;
use crate::api::{ApiError, lang_of, read_text, summary};
use crate::html::{self, Switch, esc, lang_code};
use crate::plan::{self, Question};

/// Questions per screen: few enough for a phone, enough that a short policy takes a handful of screens.
const PER_SCREEN: usize = 3;
const FORM_ID: &str = "interview";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assess/{id}", get(start).post(answer))
        .route("/assess/{id}/facts.toml", post(download))
        .route("/static/app.css", get(|| asset(html::app_css(), "text/css; charset=utf-8")))
        .route("/static/app.js", get(|| asset(html::JS, "text/javascript; charset=utf-8")))
}

async fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, kind)], body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    explain::pick(lang, zh, en)
}

fn html_response(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

async fn home(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let lang = lang_of(query.as_deref());
    let book = state.rulebook();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{}</p><ul class=\"policies\">",
        t(lang, "选择要自查的政策", "Choose a policy to assess against"),
        t(
            lang,
            "逐屏回答问题，只问仍可能影响结论的事项；最后得到可打印的自查报告。您的回答只保存在本页面中，服务器不保存。",
            "Answer a few questions per screen; only questions that can still change the verdict are asked. At the end you get a printable report. Your answers stay in this page; the server keeps nothing.",
        )
    );
    for policy in book.policies() {
        let info = summary(policy, lang);
        let source = source_line(policy, lang);
        let query = if lang == Lang::En { "?lang=en" } else { "" };
        let _ = write!(
            body,
            "<li><a href=\"/assess/{id}{query}\">{title}</a><p class=\"source\">{source}</p></li>",
            id = esc(policy.id()),
            title = esc(&info.title),
            source = esc(&source),
        );
    }
    body.push_str("</ul>");
    let title = t(lang, "政策自查", "Policy self-assessment");
    html_response(StatusCode::OK, html::page(lang, title, Switch::Link("/"), &body))
}

fn source_line(policy: &Policy, lang: Lang) -> String {
    explain::render::source_line(&explain::header(policy, lang), lang)
}

/// The interview's state as the form carries it.
struct Interview {
    lang: Lang,
    as_of_text: String,
    as_of: Option<Date>,
    /// Fact name to the answer as typed (sets: values joined by `,`), all valid for the policy.
    answers: BTreeMap<String, String>,
    /// Facts the applicant said they cannot answer.
    skipped: Vec<String>,
}

impl Interview {
    fn fact_set(&self, policy: &Policy) -> FactSet {
        let mut set = FactSet::empty(policy);
        for (name, text) in &self.answers {
            if let Some(id) = policy.fact_index(name)
                && let Ok(Some(value)) = read(policy, id, text)
            {
                set.set(id, Some(value));
            }
        }
        set
    }

    /// The answers given in another time base (150 元/天 for an hourly wage) and converted by a law the
    /// pack cites: the report says so, as `check` and `ask` do, rather than show 18.75 元/小时 unexplained.
    fn conversions(&self, policy: &Policy) -> Vec<facts::Converted> {
        let raw: Vec<(String, facts::Raw)> =
            self.answers.iter().map(|(name, text)| (name.clone(), facts::Raw::Text(text.clone()))).collect();
        facts::conversions(policy, &raw)
    }

    fn skipped_ids(&self, policy: &Policy) -> Vec<FactId> {
        self.skipped.iter().filter_map(|n| policy.fact_index(n)).collect()
    }

    fn hidden_fields(&self) -> String {
        let mut out = format!(
            "<input type=\"hidden\" name=\"lang\" value=\"{}\"><input type=\"hidden\" name=\"as_of\" value=\"{}\">",
            lang_code(self.lang),
            esc(&self.as_of_text)
        );
        for (name, value) in &self.answers {
            let _ = write!(out, "<input type=\"hidden\" name=\"a:{}\" value=\"{}\">", esc(name), esc(value));
        }
        for name in &self.skipped {
            let _ = write!(out, "<input type=\"hidden\" name=\"skip\" value=\"{}\">", esc(name));
        }
        out
    }
}

/// An answer as the page carries it, read by the value reader `ask` and `check` use. A set question
/// answered with nothing ticked is the empty set, not "don't know".
fn read(policy: &Policy, id: FactId, text: &str) -> Result<Option<FactValue>, facts::FactError> {
    let fact = &policy.facts()[id as usize];
    if matches!(fact.ty, Type::Set(_)) && text.trim().is_empty() {
        return Ok(Some(FactValue::Set(0)));
    }
    facts::read_answer(policy, fact, text)
}

/// What the applicant typed into one question of the screen, and what was wrong with it.
#[derive(Default)]
struct Entry {
    values: Vec<String>,
    error: Option<String>,
}

async fn start(State(state): State<AppState>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Response {
    let lang = lang_of(query.as_deref());
    let book = state.rulebook();
    let Some(policy) = book.policy(&id) else { return not_found(lang) };
    let interview = Interview {
        lang,
        as_of_text: policy.valid_from().to_string(),
        as_of: Some(policy.valid_from()),
        answers: BTreeMap::new(),
        skipped: Vec::new(),
    };
    screen(policy, &interview, &BTreeMap::new(), None, true)
}

fn not_found(lang: Lang) -> Response {
    let body = format!(
        "<h1>{}</h1><p><a href=\"/\">{}</a></p>",
        t(lang, "没有这项政策", "No such policy"),
        t(lang, "返回政策列表", "Back to the list of policies")
    );
    html_response(
        StatusCode::NOT_FOUND,
        html::page(lang, t(lang, "没有这项政策", "No such policy"), Switch::Link("/"), &body),
    )
}

/// Reads the posted form into the interview so far; returns it with the action asked for and the
/// questions the screen showed.
fn read_form(
    policy: &Policy,
    pairs: &[(String, String)],
) -> (Interview, String, Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut lang = Lang::Zh;
    let mut as_of_text = String::new();
    let mut answers = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut action = String::from("next");
    let mut shown = Vec::new();
    let mut typed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs {
        match key.as_str() {
            "lang" if value == "en" => lang = Lang::En,
            "as_of" => as_of_text = value.trim().to_string(),
            "action" => action = value.clone(),
            "skip" => {
                if policy.fact_index(value).is_some() && !skipped.contains(value) {
                    skipped.push(value.clone());
                }
            }
            "shown" => {
                if policy.fact_index(value).is_some() && !shown.contains(value) {
                    shown.push(value.clone());
                }
            }
            _ => {
                if let Some(name) = key.strip_prefix("a:") {
                    // Answers carried from earlier screens are checked again: only valid ones are kept.
                    if let Some(id) = policy.fact_index(name)
                        && let Ok(Some(_)) = read(policy, id, value)
                    {
                        answers.insert(name.to_string(), value.clone());
                    }
                } else if let Some(name) = key.strip_prefix("q:") {
                    typed.entry(name.to_string()).or_default().push(value.clone());
                }
            }
        }
    }
    if let Some(switch) = action.strip_prefix("lang-") {
        lang = if switch == "en" { Lang::En } else { Lang::Zh };
    }
    let as_of = as_of_text.parse().ok();
    (Interview { lang, as_of_text, as_of, answers, skipped }, action, shown, typed)
}

/// The posted form as name/value pairs, read under the form's byte cap (413, or 400 for bytes that are not
/// UTF-8, as JSON like every other refusal).
async fn form_pairs(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Vec<(String, String)>, Response> {
    let text =
        read_text(body, headers, state.limits().form_body, Lang::Zh).await.map_err(IntoResponse::into_response)?;
    serde_urlencoded::from_str(&text).map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "表单内容无法解析 (the form could not be read)")
            .into_response()
    })
}

async fn answer(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let pairs = match form_pairs(&state, &headers, body).await {
        Ok(pairs) => pairs,
        Err(response) => return response,
    };
    let book = state.rulebook();
    let lang_hint = if pairs.iter().any(|(k, v)| k == "lang" && v == "en") { Lang::En } else { Lang::Zh };
    let Some(policy) = book.policy(&id) else { return not_found(lang_hint) };
    let (mut interview, action, shown, typed) = read_form(policy, &pairs);
    let first_screen = pairs.iter().any(|(k, _)| k == "first");
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut date_error = None;
    if interview.as_of.is_none() {
        date_error =
            Some(facts::FactError::BadAsOf { given: interview.as_of_text.clone() }.render(interview.lang).to_string());
    }
    if action == "skip" {
        for name in &shown {
            if !interview.skipped.contains(name) {
                interview.skipped.push(name.clone());
            }
        }
    } else if action == "next" {
        for name in &shown {
            let Some(id) = policy.fact_index(name) else { continue };
            let fact = &policy.facts()[id as usize];
            let values: Vec<String> = typed.get(name).cloned().unwrap_or_default();
            let is_set = matches!(fact.ty, Type::Set(_));
            let text = if is_set {
                values.iter().filter(|v| !v.is_empty()).cloned().collect::<Vec<_>>().join(",")
            } else {
                values.iter().map(|v| v.trim()).find(|v| !v.is_empty()).unwrap_or("").to_string()
            };
            let mut entry = Entry { values, error: None };
            if text.is_empty() && !is_set {
                entry.error = Some(
                    t(
                        interview.lang,
                        "请回答这个问题；不清楚时请选择“不清楚，跳过”",
                        "Please answer this question, or choose “I don't know, skip”",
                    )
                    .to_string(),
                );
            } else {
                match read(policy, id, &text) {
                    Ok(Some(_)) => {
                        interview.answers.insert(name.clone(), text);
                        interview.skipped.retain(|s| s != name);
                    }
                    // "不知道" typed into the field: the same as the skip button.
                    Ok(None) => {
                        if !interview.skipped.contains(name) {
                            interview.skipped.push(name.clone());
                        }
                    }
                    Err(error) => entry.error = Some(error.render(interview.lang)),
                }
            }
            entries.insert(name.clone(), entry);
        }
    }
    let has_errors = date_error.is_some() || entries.values().any(|e| e.error.is_some());
    if has_errors || action.starts_with("lang-") {
        // The same screen again, with what was typed and the messages beside the fields.
        let keep: BTreeMap<String, Entry> = entries.into_iter().filter(|(_, e)| e.error.is_some()).collect();
        return screen_of(policy, &interview, &shown, &keep, date_error, first_screen);
    }
    screen(policy, &interview, &BTreeMap::new(), None, false)
}

/// Re-shows the questions named in `shown` (answered ones drop out).
fn screen_of(
    policy: &Policy,
    interview: &Interview,
    shown: &[String],
    entries: &BTreeMap<String, Entry>,
    date_error: Option<String>,
    first: bool,
) -> Response {
    let Some(as_of) = interview.as_of else {
        return screen(policy, interview, entries, date_error, true);
    };
    let facts = interview.fact_set(policy);
    let plan = plan::plan(policy, &facts, as_of, &interview.skipped_ids(policy), interview.lang);
    let questions: Vec<&Question> = plan
        .questions
        .iter()
        .filter(|q| {
            shown.contains(&q.fact) && (!interview.answers.contains_key(&q.fact) || entries.contains_key(&q.fact))
        })
        .collect();
    if questions.is_empty() {
        return screen(policy, interview, entries, date_error, first);
    }
    render_questions(policy, interview, &questions, entries, date_error, first, plan.verdict, &facts, as_of)
}

/// The next screen: the plan's first questions, or the report when nothing is left to ask.
fn screen(
    policy: &Policy,
    interview: &Interview,
    entries: &BTreeMap<String, Entry>,
    date_error: Option<String>,
    first: bool,
) -> Response {
    let lang = interview.lang;
    let as_of = match interview.as_of {
        Some(d) => d,
        None => policy.valid_from(),
    };
    let facts = interview.fact_set(policy);
    let plan = plan::plan(policy, &facts, as_of, &interview.skipped_ids(policy), lang);
    if !first && date_error.is_none() && plan.questions.is_empty() {
        return final_screen(policy, interview, &facts, as_of);
    }
    let questions = screenful(policy, &facts, as_of, &interview.skipped_ids(policy), &plan.questions);
    render_questions(policy, interview, &questions, entries, date_error, first, plan.verdict, &facts, as_of)
}

/// The questions of one screen: the plan's first, then each next one that stays in the plan whatever the
/// choices already on the screen are answered (so no screen asks 街道 beside 县区 when only 洞头区 needs it).
/// Choices are tried exhaustively; a figure or a text cannot be, so nothing is added after one.
fn screenful<'q>(
    policy: &Policy,
    facts: &FactSet,
    as_of: Date,
    skipped: &[FactId],
    plan: &'q [Question],
) -> Vec<&'q Question> {
    /// Completions of the screen's choices tried per candidate: a screen costs at most this many plans.
    const COMBINATIONS: usize = 256;
    let mut screen: Vec<&Question> = Vec::new();
    let mut completions = vec![facts.clone()];
    for question in plan {
        if screen.len() == PER_SCREEN {
            break;
        }
        let Some(id) = policy.fact_index(&question.fact) else { continue };
        let stays = screen.is_empty()
            || completions.iter().all(|c| {
                plan::plan(policy, c, as_of, skipped, Lang::Zh).questions.iter().any(|q| q.fact == question.fact)
            });
        if !stays {
            continue;
        }
        screen.push(question);
        let values: Vec<String> = match question.kind {
            "bool" => vec!["true".into(), "false".into()],
            "enum" => question.choices.iter().map(|c| c.value.clone()).collect(),
            _ => break,
        };
        let expanded: Vec<FactSet> = completions
            .iter()
            .flat_map(|c| {
                values.iter().filter_map(move |v| {
                    let mut next = c.clone();
                    read(policy, id, v).ok().flatten().map(|value| {
                        next.set(id, Some(value));
                        next
                    })
                })
            })
            .collect();
        if expanded.len() > COMBINATIONS {
            break;
        }
        completions = expanded;
    }
    screen
}

/// A verdict (its contract string, as plans and records carry it) in the words and colour of a page.
pub(crate) fn verdict_words(verdict: &str, lang: Lang) -> (&'static str, &'static str) {
    match verdict.parse::<Verdict>() {
        Ok(v) => (explain::verdict_short(v, lang), explain::html::verdict_class(v)),
        Err(()) => ("?", "verdict-other"),
    }
}

fn header_block(policy: &Policy, lang: Lang) -> String {
    let info = summary(policy, lang);
    format!("<h1>{}</h1><p class=\"source\">{}</p>", esc(&info.title), esc(&source_line(policy, lang)))
}

/// The verdict so far and what is still open, shown on every screen.
fn status_block(policy: &Policy, verdict: &str, open: &[String], lang: Lang) -> String {
    let (words, class) = verdict_words(verdict, lang);
    let mut out = format!(
        "<section class=\"status\" aria-live=\"polite\" aria-label=\"{}\"><p>{}<span class=\"{class}\" id=\"verdict\">{words}</span></p>",
        t(lang, "目前结论", "Verdict so far"),
        t(lang, "目前结论：", "Verdict so far: "),
    );
    if !open.is_empty() {
        let labels: Vec<String> = open
            .iter()
            .filter_map(|name| policy.fact_index(name))
            .map(|id| format!("<li>{}</li>", esc(localized(&policy.facts()[id as usize].label, lang))))
            .collect();
        // A long list folds away (no script needed): on a phone it would push the questions off the screen.
        let count = match lang {
            Lang::Zh => format!("尚待回答 {} 项", labels.len()),
            Lang::En => format!("{} question(s) still open", labels.len()),
        };
        let _ = write!(out, "<details><summary>{count}</summary><ul class=\"open\">{}</ul></details>", labels.concat());
    }
    out.push_str("</section>");
    out
}

#[allow(clippy::too_many_arguments)]
fn render_questions(
    policy: &Policy,
    interview: &Interview,
    questions: &[&Question],
    entries: &BTreeMap<String, Entry>,
    date_error: Option<String>,
    first: bool,
    verdict: &str,
    _facts: &FactSet,
    _as_of: Date,
) -> Response {
    let lang = interview.lang;
    let open: Vec<String> = {
        let as_of = interview.as_of.unwrap_or(policy.valid_from());
        plan::plan(policy, &interview.fact_set(policy), as_of, &interview.skipped_ids(policy), lang)
            .questions
            .into_iter()
            .map(|q| q.fact)
            .collect()
    };
    let mut body = header_block(policy, lang);
    body.push_str(&status_block(policy, verdict, &open, lang));
    let error_count = entries.values().filter(|e| e.error.is_some()).count() + usize::from(date_error.is_some());
    if error_count > 0 {
        let _ = write!(
            body,
            "<div class=\"error-summary\" role=\"alert\"><p class=\"error\">{}</p></div>",
            t(
                lang,
                "有回答需要修改，请看标红的问题。",
                "Some answers need correcting: see the questions marked in red."
            )
        );
    }
    let _ = write!(body, "<form id=\"{FORM_ID}\" method=\"post\" action=\"/assess/{}\" novalidate>", esc(policy.id()));
    if first {
        body.push_str("<input type=\"hidden\" name=\"first\" value=\"1\">");
        // The date is asked, never read from the clock: a verdict must not change because the day did.
        let _ = write!(body, "<input type=\"hidden\" name=\"lang\" value=\"{}\">", lang_code(lang));
        for (name, value) in &interview.answers {
            let _ = write!(body, "<input type=\"hidden\" name=\"a:{}\" value=\"{}\">", esc(name), esc(value));
        }
        for name in &interview.skipped {
            let _ = write!(body, "<input type=\"hidden\" name=\"skip\" value=\"{}\">", esc(name));
        }
        let error = date_error
            .as_deref()
            .map(|e| format!("<p class=\"error\" id=\"e-as_of\">{}</p>", esc(e)))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<div class=\"field{cls}\"><label for=\"q-as_of\">{label}</label><p class=\"hint\" id=\"h-as_of\">{hint}</p>{error}\
             <input type=\"text\" id=\"q-as_of\" name=\"as_of\" value=\"{value}\" inputmode=\"numeric\" autocomplete=\"off\" aria-describedby=\"h-as_of{desc}\"></div>",
            cls = if date_error.is_some() { " has-error" } else { "" },
            label = t(lang, "按哪一天的规定评估", "Assess under the rules in force on"),
            hint = t(lang, "日期，格式 YYYY-MM-DD，如 2021-03-01", "a date, YYYY-MM-DD, e.g. 2021-03-01"),
            value = esc(&interview.as_of_text),
            desc = if date_error.is_some() { " e-as_of" } else { "" },
        );
    } else {
        body.push_str(&interview.hidden_fields());
    }
    for question in questions {
        let _ = write!(body, "<input type=\"hidden\" name=\"shown\" value=\"{}\">", esc(&question.fact));
        body.push_str(&question_field(question, entries.get(&question.fact), lang));
    }
    let _ = write!(
        body,
        "<div class=\"actions\"><button class=\"primary\" type=\"submit\" name=\"action\" value=\"next\">{}</button>",
        t(lang, "继续", "Continue")
    );
    if !questions.is_empty() {
        let _ = write!(
            body,
            "<button class=\"secondary\" type=\"submit\" name=\"action\" value=\"skip\" formnovalidate>{}</button>",
            t(lang, "不清楚，跳过", "I don't know, skip")
        );
    }
    body.push_str("</div></form>");
    body.push_str(&answers_block(policy, interview));
    let title = format!("{} — {}", localized(policy.title(), lang), t(lang, "自查", "self-assessment"));
    let status = if error_count > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    html_response(status, html::page(lang, &title, Switch::FormButton(FORM_ID), &body))
}

fn question_field(question: &Question, entry: Option<&Entry>, lang: Lang) -> String {
    let name = esc(&question.fact);
    let error = entry.and_then(|e| e.error.as_deref());
    let typed: &[String] = entry.map(|e| e.values.as_slice()).unwrap_or(&[]);
    let mut hint = question.prompt.clone().unwrap_or_default();
    if let Some(unit) = &question.unit {
        let extra = match lang {
            Lang::Zh => format!("单位：{unit}（也可用同类的其他单位）"),
            Lang::En => format!("in {unit} (other units of the same kind are accepted)"),
        };
        hint = if hint.is_empty() { extra } else { format!("{hint} {extra}") };
    }
    let hint_html =
        if hint.is_empty() { String::new() } else { format!("<p class=\"hint\" id=\"h-{name}\">{}</p>", esc(&hint)) };
    let error_html = error.map(|e| format!("<p class=\"error\" id=\"e-{name}\">{}</p>", esc(e))).unwrap_or_default();
    let described: Vec<String> = [(!hint.is_empty()).then(|| format!("h-{name}")), error.map(|_| format!("e-{name}"))]
        .into_iter()
        .flatten()
        .collect();
    let describedby =
        if described.is_empty() { String::new() } else { format!(" aria-describedby=\"{}\"", described.join(" ")) };
    let cls = if error.is_some() { "field has-error" } else { "field" };
    let label = esc(&question.label);
    match question.kind {
        "bool" | "enum" | "set" => {
            let (input_type, options): (&str, Vec<(String, String)>) = match question.kind {
                "bool" => (
                    "radio",
                    vec![("true".into(), t(lang, "是", "Yes").into()), ("false".into(), t(lang, "否", "No").into())],
                ),
                "set" => ("checkbox", question.choices.iter().map(|c| (c.value.clone(), c.label.clone())).collect()),
                _ => ("radio", question.choices.iter().map(|c| (c.value.clone(), c.label.clone())).collect()),
            };
            let mut out =
                format!("<div class=\"{cls}\"><fieldset{describedby}><legend>{label}</legend>{hint_html}{error_html}");
            if question.kind == "set" {
                // Present even when nothing is ticked: an empty set is an answer ("none of these").
                let _ = write!(out, "<input type=\"hidden\" name=\"q:{name}\" value=\"\">");
                let _ = write!(
                    out,
                    "<p class=\"hint\">{}</p>",
                    t(lang, "可多选；都不是则不勾选", "Tick all that apply, or none")
                );
            }
            for (i, (value, text)) in options.iter().enumerate() {
                let checked = if typed.iter().any(|v| v == value) { " checked" } else { "" };
                let _ = write!(
                    out,
                    "<div class=\"choice\"><input type=\"{input_type}\" id=\"q-{name}-{i}\" name=\"q:{name}\" value=\"{v}\"{checked}>\
                     <label for=\"q-{name}-{i}\">{text}</label></div>",
                    v = esc(value),
                    text = esc(text),
                );
            }
            out.push_str("</fieldset></div>");
            out
        }
        _ => {
            let value = typed.first().map(|v| esc(v)).unwrap_or_default();
            let mode = if question.kind == "number" { " inputmode=\"decimal\"" } else { "" };
            format!(
                "<div class=\"{cls}\"><label for=\"q-{name}\">{label}</label>{hint_html}{error_html}\
                 <input type=\"text\" id=\"q-{name}\" name=\"q:{name}\" value=\"{value}\"{mode} autocomplete=\"off\"{describedby}></div>"
            )
        }
    }
}

/// The answers so far, for the applicant to see what the verdict rests on.
fn answers_block(policy: &Policy, interview: &Interview) -> String {
    let lang = interview.lang;
    if interview.answers.is_empty() && interview.skipped.is_empty() {
        return String::new();
    }
    let mut out = format!("<h2>{}</h2><dl class=\"answers\">", t(lang, "已回答", "Your answers"));
    for (name, value) in &interview.answers {
        let Some(id) = policy.fact_index(name) else { continue };
        let fact = &policy.facts()[id as usize];
        let _ = write!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            esc(localized(&fact.label, lang)),
            esc(&shown_value(policy, fact, value, lang))
        );
    }
    for name in &interview.skipped {
        let Some(id) = policy.fact_index(name) else { continue };
        let fact = &policy.facts()[id as usize];
        let _ =
            write!(out, "<dt>{}</dt><dd>{}</dd>", esc(localized(&fact.label, lang)), t(lang, "不清楚", "don't know"));
    }
    out.push_str("</dl>");
    out
}

/// An answer in words: choices by their labels, yes/no as words.
fn shown_value(policy: &Policy, fact: &comply_engine::policy::FactDef, value: &str, lang: Lang) -> String {
    match fact.ty {
        Type::Bool => match value {
            "true" => t(lang, "是", "yes").to_string(),
            "false" => t(lang, "否", "no").to_string(),
            other => other.to_string(),
        },
        Type::Enum(id) | Type::Set(id) => {
            let def = policy.enum_def(id);
            let words: Vec<String> = value
                .split(facts::SET_SEPARATORS)
                .filter(|v| !v.is_empty())
                .map(|v| match def.index(v) {
                    Some(i) => def.values[i as usize]
                        .label
                        .as_ref()
                        .map(|l| localized(l, lang).to_string())
                        .unwrap_or_else(|| v.to_string()),
                    None => v.to_string(),
                })
                .collect();
            if words.is_empty() { t(lang, "（无）", "(none)").to_string() } else { words.join(t(lang, "、", ", ")) }
        }
        _ => value.to_string(),
    }
}

/// The end of the interview: the whole report, a print button and the answers as a fact file.
fn final_screen(policy: &Policy, interview: &Interview, facts: &FactSet, as_of: Date) -> Response {
    let lang = interview.lang;
    let mut report = explain::report(policy, facts, as_of, lang);
    report.conversions = explain::conversion_lines(policy, &interview.conversions(policy), lang);
    let mut body = String::new();
    let _ = write!(
        body,
        "<div class=\"actions no-print\"><button class=\"primary\" type=\"button\" id=\"print\" hidden>{print}</button>\
         <button class=\"secondary\" type=\"submit\" form=\"download\">{download}</button>\
         <a class=\"button\" href=\"/assess/{id}{q}\">{again}</a></div>\
         <p class=\"hint no-print\" id=\"print-note\">{note}</p>",
        print = t(lang, "打印报告", "Print the report"),
        download = t(lang, "下载答案（事实文件）", "Download the answers (fact file)"),
        id = esc(policy.id()),
        q = if lang == Lang::En { "?lang=en" } else { "" },
        again = t(lang, "重新自查", "Start again"),
        note = t(lang, "打印：请使用浏览器的“打印”功能。", "To print, use your browser's Print command."),
    );
    body.push_str(&explain::html::fragment(&report, lang));
    let _ = write!(
        body,
        "<form id=\"download\" method=\"post\" action=\"/assess/{}/facts.toml\">{}</form>",
        esc(policy.id()),
        interview.hidden_fields()
    );
    // The language switch re-renders this report: it posts the same answers back to the interview.
    let _ = write!(
        body,
        "<form id=\"{FORM_ID}\" method=\"post\" action=\"/assess/{}\">{}</form>",
        esc(policy.id()),
        interview.hidden_fields()
    );
    let title = format!("{} — {}", localized(policy.title(), lang), t(lang, "自查报告", "report"));
    html_response(StatusCode::OK, html::page(lang, &title, Switch::FormButton(FORM_ID), &body))
}

/// The answers as a fact file that `comply check --facts` reads.
async fn download(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let pairs = match form_pairs(&state, &headers, body).await {
        Ok(pairs) => pairs,
        Err(response) => return response,
    };
    let book = state.rulebook();
    let Some(policy) = book.policy(&id) else { return not_found(Lang::Zh) };
    let (interview, _, _, _) = read_form(policy, &pairs);
    let out = facts::fact_file(policy, interview.as_of, &interview.fact_set(policy), None);
    let mut response =
        (StatusCode::OK, [(header::CONTENT_TYPE, "application/toml; charset=utf-8")], out).into_response();
    let disposition = format!("attachment; filename=\"{}-answers.toml\"", policy.id());
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
