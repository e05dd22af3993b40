//! The desk's pages: server-rendered forms, every value escaped, every form carrying the session's CSRF
//! token. The handlers only run after `guard` has checked the session and the role.

use std::fmt::Write as _;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use comply_engine::Rulebook;
use comply_engine::eval::{FactSet, FactValue};
use comply_engine::explain::{self, Lang, localized};
use comply_engine::facts;
use comply_engine::policy::{FactDef, Policy, Type};
use comply_records::replay::{self, ReplayError};
use comply_records::{CaseBlock, Decision, Role, Search, StoreError};

use super::{Desk, LOGIN_COOKIE, SESSION_COOKIE, Session, cookie, field, form_pairs, same_secret, set_cookie};
use crate::html::{self, Switch, esc};

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    explain::pick(lang, zh, en)
}

fn lang_of(query: Option<&str>) -> Lang {
    crate::api::lang_of(query)
}

fn lang_field(pairs: &[(String, String)]) -> Lang {
    if field(pairs, "lang") == Some("en") { Lang::En } else { Lang::Zh }
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_pairs(query.unwrap_or("").as_bytes())
}

fn with_lang(path: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => path.to_string(),
        Lang::En if path.contains('?') => format!("{path}&lang=en"),
        Lang::En => format!("{path}?lang=en"),
    }
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

fn hidden(session: &Session, lang: Lang) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">",
        esc(&session.csrf),
        html::lang_code(lang)
    )
}

/// The frame of every staff page: who is logged in, the chain banner, the way out.
async fn staff_page(desk: &Desk, session: &Session, lang: Lang, path: &str, title: &str, body: &str) -> String {
    let chain = desk.chain_state(false).await;
    let mut out = String::new();
    let _ = write!(
        out,
        "<nav class=\"desk-nav no-print\"><a href=\"{list}\">{cases}</a>{new}\
         <span class=\"who\">{who}{user}（{role}）</span>\
         <form method=\"post\" action=\"/desk/logout\" class=\"inline\">{hidden}<button class=\"secondary\" type=\"submit\">{logout}</button></form></nav>",
        list = with_lang("/desk", lang),
        cases = t(lang, "案件列表", "Cases"),
        new = if session.role == Role::Clerk {
            format!(" <a href=\"{}\">{}</a>", with_lang("/desk/new", lang), t(lang, "新建案件", "New case"))
        } else {
            String::new()
        },
        who = t(lang, "当前用户：", "Signed in: "),
        user = esc(&session.user),
        role = session.role.label(lang),
        hidden = hidden(session, lang),
        logout = t(lang, "退出登录", "Sign out"),
    );
    out.push_str(&banner(&chain, lang));
    out.push_str(body);
    html::page(lang, title, Switch::Link(path), &out)
}

/// The chain status shown on every staff page.
fn banner(chain: &Result<comply_records::VerifyReport, String>, lang: Lang) -> String {
    match chain {
        Ok(report) if report.ok() => format!(
            "<p class=\"status chain-ok\" id=\"chain\">{} {} {}</p>",
            match lang {
                Lang::Zh => format!("记录哈希链完整：共 {} 条记录。", report.records),
                Lang::En => format!("The record chain is intact: {} record(s).", report.records),
            },
            t(lang, "链头", "head"),
            esc(report.head.as_deref().unwrap_or("-"))
        ),
        Ok(report) => {
            let first = report.problems.first().map(|p| p.render(lang)).unwrap_or_default();
            format!(
                "<p class=\"status chain-bad error\" id=\"chain\" role=\"alert\">{}{}</p>",
                t(lang, "记录哈希链校验失败：", "The record chain does not verify: "),
                esc(&first)
            )
        }
        Err(e) => format!("<p class=\"status chain-bad error\" id=\"chain\" role=\"alert\">{}</p>", esc(e)),
    }
}

fn store_failure(error: &StoreError, lang: Lang) -> Response {
    let body =
        format!("<h1>{}</h1><p>{}</p>", t(lang, "记录库出错", "Records database error"), esc(&error.render(lang)));
    (StatusCode::SERVICE_UNAVAILABLE, Html(html::page(lang, t(lang, "出错", "Error"), Switch::Link("/desk"), &body)))
        .into_response()
}

/// A logged-in user asking for what their role may not do.
pub(crate) fn refused(session: &Session, status: StatusCode) -> Response {
    let lang = Lang::Zh;
    let body = format!(
        "<h1>{}</h1><p>{}（{}）</p><p><a href=\"/desk\">{}</a></p>",
        t(lang, "无权进行此操作", "Not allowed"),
        esc(&session.user),
        session.role.label(lang),
        t(lang, "返回案件列表", "Back to the cases")
    );
    (status, Html(html::page(lang, t(lang, "无权进行此操作", "Not allowed"), Switch::Link("/desk"), &body)))
        .into_response()
}

pub(crate) async fn login_form(RawQuery(query): RawQuery) -> Response {
    let lang = lang_of(query.as_deref());
    login_page(lang, None, StatusCode::OK)
}

fn login_page(lang: Lang, error: Option<String>, status: StatusCode) -> Response {
    // The form's token is also a cookie: a login form posted from another site carries neither.
    let token = comply_records::users::random_token();
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p>", esc(&e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1>{error}<form method=\"post\" action=\"/desk/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\"><input type=\"hidden\" name=\"lang\" value=\"{code}\">\
         <div class=\"field\"><label for=\"name\">{name}</label><input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" required></div>\
         <div class=\"field\"><label for=\"password\">{password}</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required></div>\
         <div class=\"actions\"><button class=\"primary\" type=\"submit\" id=\"login\">{submit}</button></div></form>",
        title = t(lang, "审批局案件台 登录", "Case desk sign-in"),
        code = html::lang_code(lang),
        name = t(lang, "用户名", "User name"),
        password = t(lang, "密码", "Password"),
        submit = t(lang, "登录", "Sign in"),
    );
    let mut response = (
        status,
        Html(html::page(lang, t(lang, "案件台登录", "Case desk sign-in"), Switch::Link("/desk/login"), &body)),
    )
        .into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &token, Some(3600)));
    response
}

pub(crate) async fn login(State(desk): State<Desk>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let lang = lang_field(&pairs);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(field(&pairs, "csrf").unwrap_or(""), &expected) {
        return login_page(
            lang,
            Some(t(lang, "登录表单已过期，请重新登录", "The sign-in form expired; please sign in again").into()),
            StatusCode::FORBIDDEN,
        );
    }
    let name = field(&pairs, "name").unwrap_or("").trim().to_string();
    let password = field(&pairs, "password").unwrap_or("").to_string();
    let locked_name = name.clone();
    match desk.store(move |s| s.login_locked_for(&locked_name)).await {
        Ok(None) => {}
        Ok(Some(wait)) => {
            let message = match lang {
                Lang::Zh => format!("登录失败次数过多，请 {wait} 秒后再试"),
                Lang::En => format!("Too many failed sign-ins; try again in {wait} s"),
            };
            return login_page(lang, Some(message), StatusCode::TOO_MANY_REQUESTS);
        }
        Err(e) => return store_failure(&e, lang),
    }
    let Some(_permit) = desk.login_permit().await else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let checked_name = name.clone();
    let user = match desk.store(move |s| s.authenticate(&checked_name, &password)).await {
        Ok(user) => user,
        Err(e) => return store_failure(&e, lang),
    };
    let Some(user) = user else {
        let failed = name.clone();
        if let Err(e) = desk.store(move |s| s.login_failed(&failed)).await {
            return store_failure(&e, lang);
        }
        return login_page(
            lang,
            Some(t(lang, "用户名或密码不正确", "Wrong user name or password").into()),
            StatusCode::UNAUTHORIZED,
        );
    };
    let opened = desk
        .store(move |s| {
            s.login_succeeded(&user.name)?;
            let opened = s.open_session(&user.name, user.role)?;
            s.record_action(&user.name, "login", "desk")?;
            Ok(opened)
        })
        .await;
    let token = match opened {
        Ok((token, _)) => token,
        Err(e) => return store_failure(&e, lang),
    };
    desk.chain_changed();
    let mut response = see_other(&with_lang("/desk", lang));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, Some(8 * 3600)));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", Some(0)));
    response
}

pub(crate) async fn logout(
    State(desk): State<Desk>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> Response {
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let actor = session.user.clone();
    let _ = desk
        .store(move |s| {
            s.close_session(&token)?;
            s.record_action(&actor, "logout", "desk")
        })
        .await;
    desk.chain_changed();
    let mut response = see_other("/desk/login");
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)));
    response
}

/// A record's time as a clerk reads it: to the minute, UTC said.
fn shown_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(minute)) => format!("{day} {minute} UTC"),
        _ => at.to_string(),
    }
}

/// The verdict in the words the public page uses.
fn verdict_words(verdict: &str, lang: Lang) -> &'static str {
    crate::page::verdict_words(verdict, lang).0
}

const VERDICTS: [&str; 5] = ["pass", "fail", "refer", "undetermined", "not_applicable"];

pub(crate) async fn list(
    State(desk): State<Desk>,
    Extension(session): Extension<Session>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(query.as_deref());
    let pairs = query_pairs(query.as_deref());
    let get = |name: &str| field(&pairs, name).unwrap_or("").to_string();
    let search = Search {
        case_no: get("case_no"),
        applicant: get("applicant"),
        credit_code: get("credit_code"),
        verdict: get("verdict"),
        date: get("date"),
    };
    let wanted = search.clone();
    let book = desk.app().rulebook();
    let found = match desk.store(move |s| s.search(&wanted, 200)).await {
        Ok(found) => found,
        Err(e) => return store_failure(&e, lang),
    };
    let mut body = format!("<h1>{}</h1>", t(lang, "案件列表", "Cases"));
    let _ = write!(body, "<form method=\"get\" action=\"/desk\" class=\"search\" id=\"search\">");
    if lang == Lang::En {
        body.push_str("<input type=\"hidden\" name=\"lang\" value=\"en\">");
    }
    for (name, label, value) in [
        ("case_no", t(lang, "案号", "Case number"), &search.case_no),
        ("applicant", t(lang, "申请人", "Applicant"), &search.applicant),
        ("credit_code", t(lang, "统一社会信用代码", "Unified social credit code"), &search.credit_code),
        ("date", t(lang, "日期（YYYY-MM-DD）", "Date (YYYY-MM-DD)"), &search.date),
    ] {
        let _ = write!(
            body,
            "<div class=\"field\"><label for=\"s-{name}\">{label}</label><input type=\"text\" id=\"s-{name}\" name=\"{name}\" value=\"{}\"></div>",
            esc(value)
        );
    }
    let _ = write!(
        body,
        "<div class=\"field\"><label for=\"s-verdict\">{}</label><select id=\"s-verdict\" name=\"verdict\"><option value=\"\">{}</option>",
        t(lang, "结论", "Verdict"),
        t(lang, "全部", "any")
    );
    for v in VERDICTS {
        let selected = if search.verdict == v { " selected" } else { "" };
        let _ = write!(body, "<option value=\"{v}\"{selected}>{}</option>", verdict_words(v, lang));
    }
    let _ = write!(
        body,
        "</select></div><div class=\"actions\"><button class=\"primary\" type=\"submit\">{}</button></div></form>",
        t(lang, "查询", "Search")
    );
    if session.role == Role::Auditor {
        let _ = write!(
            body,
            "<div class=\"actions no-print\"><form method=\"post\" action=\"/desk/verify\">{h}<button class=\"secondary\" type=\"submit\" id=\"verify\">{v}</button></form>\
             <form method=\"post\" action=\"/desk/replay\">{h}<button class=\"secondary\" type=\"submit\" id=\"replay\">{r}</button></form></div>",
            h = hidden(&session, lang),
            v = t(lang, "校验哈希链", "Verify the chain"),
            r = t(lang, "重放全部决定", "Replay every decision"),
        );
    }
    let _ = write!(
        body,
        "<table class=\"cases\" id=\"cases\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "记录", "Record"),
        t(lang, "案号", "Case number"),
        t(lang, "申请人", "Applicant"),
        t(lang, "统一社会信用代码", "Credit code"),
        t(lang, "政策", "Policy"),
        t(lang, "结论", "Verdict"),
        t(lang, "记录时间", "Recorded"),
    );
    for r in &found {
        let _ = write!(
            body,
            "<tr><td><a href=\"{href}\">#{seq}</a></td><td><a href=\"{href}\">{case_no}</a></td><td>{applicant}</td><td>{code}</td><td>{policy}</td><td class=\"verdict-{verdict}\">{words}</td><td>{at}</td></tr>",
            href = with_lang(&format!("/desk/case/{}", r.seq), lang),
            seq = r.seq,
            case_no = esc(&r.case_no),
            applicant = esc(&r.applicant),
            code = esc(&r.credit_code),
            policy = esc(book.policy(&r.policy).map_or(r.policy.as_str(), |p| localized(p.title(), lang))),
            verdict = esc(&r.verdict),
            words = verdict_words(&r.verdict, lang),
            at = esc(&shown_time(&r.at)),
        );
    }
    body.push_str("</tbody></table>");
    if found.is_empty() {
        let _ = write!(body, "<p id=\"no-cases\">{}</p>", t(lang, "没有符合条件的案件。", "No matching cases."));
    }
    let page = staff_page(&desk, &session, lang, "/desk", t(lang, "案件列表", "Cases"), &body).await;
    Html(page).into_response()
}

pub(crate) async fn new_choose(
    State(desk): State<Desk>,
    Extension(session): Extension<Session>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(query.as_deref());
    let book = desk.app().rulebook();
    let mut body =
        format!("<h1>{}</h1><ul class=\"policies\">", t(lang, "新建案件：选择政策", "New case: choose a policy"));
    for policy in book.policies() {
        let _ = write!(
            body,
            "<li><a href=\"{}\">{}</a></li>",
            with_lang(&format!("/desk/new/{}", policy.id()), lang),
            esc(localized(policy.title(), lang))
        );
    }
    body.push_str("</ul>");
    Html(staff_page(&desk, &session, lang, "/desk/new", t(lang, "新建案件", "New case"), &body).await).into_response()
}

/// What the clerk typed, field by field, and what was wrong with it.
#[derive(Default)]
struct Typed {
    values: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

impl Typed {
    fn value(&self, name: &str) -> &str {
        self.values.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.values.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub(crate) async fn new_form(
    State(desk): State<Desk>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(query.as_deref());
    let book = desk.app().rulebook();
    let Some(policy) = book.policy(&id) else { return not_found(&desk, &session, lang).await };
    let pairs = query_pairs(query.as_deref());
    let mut typed = Typed::default();
    if let Some(n) = field(&pairs, "corrects") {
        typed.values.push(("corrects".into(), n.to_string()));
    }
    let body = case_form(policy, &session, lang, &typed);
    Html(staff_page(&desk, &session, lang, &format!("/desk/new/{id}"), t(lang, "新建案件", "New case"), &body).await)
        .into_response()
}

async fn not_found(desk: &Desk, session: &Session, lang: Lang) -> Response {
    let body = format!("<h1>{}</h1>", t(lang, "没有找到", "Not found"));
    (
        StatusCode::NOT_FOUND,
        Html(staff_page(desk, session, lang, "/desk", t(lang, "没有找到", "Not found"), &body).await),
    )
        .into_response()
}

fn input(name: &str, label: &str, hint: &str, typed: &Typed) -> String {
    let error = typed.error(name);
    format!(
        "<div class=\"field{cls}\"><label for=\"{name}\">{label}</label>{hint}{error}<input type=\"text\" id=\"{name}\" name=\"{name}\" value=\"{value}\" autocomplete=\"off\"></div>",
        cls = if error.is_some() { " has-error" } else { "" },
        hint = if hint.is_empty() { String::new() } else { format!("<p class=\"hint\">{}</p>", esc(hint)) },
        error = error.map(|e| format!("<p class=\"error\">{}</p>", esc(e))).unwrap_or_default(),
        value = esc(typed.value(name)),
    )
}

/// The new-case form: the case block, the evaluation date, and every fact of the policy, each with
/// "不清楚" allowed (an unknown fact is an answer the report deals with).
fn case_form(policy: &Policy, session: &Session, lang: Lang, typed: &Typed) -> String {
    let mut out = format!(
        "<h1>{}</h1><form method=\"post\" action=\"/desk/new/{}\" id=\"case-form\" novalidate>{}",
        esc(localized(policy.title(), lang)),
        esc(policy.id()),
        hidden(session, lang)
    );
    if !typed.errors.is_empty() {
        let _ = write!(
            out,
            "<p class=\"error\" role=\"alert\">{}</p>",
            t(lang, "有内容需要修改，请看标红的项目。", "Some fields need correcting: see those marked in red.")
        );
    }
    if !typed.value("corrects").is_empty() {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"corrects\" value=\"{v}\"><p class=\"status\">{}{v}</p>",
            t(lang, "本案更正记录 #", "This corrects record #"),
            v = esc(typed.value("corrects"))
        );
    }
    let _ = write!(out, "<h2>{}</h2>", t(lang, "案件信息", "The case"));
    out.push_str(&input(
        "case_no",
        t(lang, "案号", "Case number"),
        t(lang, "必填，如 温经信〔2026〕12号", "required"),
        typed,
    ));
    out.push_str(&input("applicant", t(lang, "申请人", "Applicant"), "", typed));
    out.push_str(&input(
        "credit_code",
        t(lang, "统一社会信用代码", "Unified social credit code"),
        t(lang, "18 位，数字或大写字母", "18 digits or capital letters"),
        typed,
    ));
    out.push_str(&input(
        "as_of",
        t(lang, "按哪一天的规定评估", "Assess under the rules in force on"),
        t(lang, "必填，YYYY-MM-DD", "required, YYYY-MM-DD"),
        typed,
    ));
    let _ = write!(out, "<h2>{}</h2>", t(lang, "申请事项", "The facts"));
    for fact in policy.facts() {
        out.push_str(&fact_field(policy, fact, lang, typed));
    }
    let _ = write!(
        out,
        "<div class=\"actions\"><button class=\"primary\" type=\"submit\" id=\"create\">{}</button></div></form>",
        t(lang, "核查并记录", "Check and record")
    );
    out
}

fn fact_field(policy: &Policy, fact: &FactDef, lang: Lang, typed: &Typed) -> String {
    let key = format!("f:{}", fact.name);
    let label = esc(localized(&fact.label, lang));
    let hint = fact.ask.as_ref().map(|a| localized(a, lang).to_string()).unwrap_or_default();
    let error = typed.error(&key).map(|e| format!("<p class=\"error\">{}</p>", esc(e))).unwrap_or_default();
    let cls = if typed.error(&key).is_some() { "field has-error" } else { "field" };
    let hint_html = if hint.is_empty() { String::new() } else { format!("<p class=\"hint\">{}</p>", esc(&hint)) };
    let chosen = typed.all(&key);
    let choice = |input_type: &str, i: usize, value: &str, text: &str| {
        let checked = if chosen.contains(&value) { " checked" } else { "" };
        format!(
            "<div class=\"choice\"><input type=\"{input_type}\" id=\"{k}-{i}\" name=\"{k}\" value=\"{v}\"{checked}><label for=\"{k}-{i}\">{text}</label></div>",
            k = esc(&key),
            v = esc(value),
            text = esc(text),
        )
    };
    let options: Vec<(String, String)> = match fact.ty {
        Type::Bool => vec![("true".into(), t(lang, "是", "Yes").into()), ("false".into(), t(lang, "否", "No").into())],
        Type::Enum(id) | Type::Set(id) => policy
            .enum_def(id)
            .values
            .iter()
            .map(|v| (v.name.clone(), v.label.as_ref().map_or(v.name.clone(), |l| localized(l, lang).to_string())))
            .collect(),
        _ => Vec::new(),
    };
    match fact.ty {
        Type::Bool | Type::Enum(_) => {
            let mut out = format!("<div class=\"{cls}\"><fieldset><legend>{label}</legend>{hint_html}{error}");
            for (i, (value, text)) in options.iter().enumerate() {
                out.push_str(&choice("radio", i, value, text));
            }
            out.push_str(&choice("radio", options.len(), "", t(lang, "不清楚", "Don't know")));
            out.push_str("</fieldset></div>");
            out
        }
        Type::Set(_) => {
            let mut out = format!(
                "<div class=\"{cls}\"><fieldset><legend>{label}</legend>{hint_html}{error}<p class=\"hint\">{}</p>",
                t(
                    lang,
                    "可多选；都不是请勾选“以上都不是”；都不勾选表示不清楚",
                    "Tick all that apply; “none of these” if none; nothing ticked means unknown"
                )
            );
            for (i, (value, text)) in options.iter().enumerate() {
                out.push_str(&choice("checkbox", i, value, text));
            }
            out.push_str(&choice("checkbox", options.len(), NONE_OF_THESE, t(lang, "以上都不是", "None of these")));
            out.push_str("</fieldset></div>");
            out
        }
        _ => {
            let unit = fact.unit.as_ref().map(|u| u.to_string()).unwrap_or_default();
            let hint = match (hint.is_empty(), unit.is_empty()) {
                (_, true) => hint,
                (true, false) => format!("{}{unit}", t(lang, "单位：", "in ")),
                (false, false) => format!("{hint}（{}{unit}）", t(lang, "单位：", "in ")),
            };
            let mut typed_value = Typed::default();
            typed_value.values.push((key.clone(), typed.value(&key).to_string()));
            if let Some(e) = typed.error(&key) {
                typed_value.errors.push((key.clone(), e.to_string()));
            }
            let full_label = localized(&fact.label, lang).to_string();
            input(
                &key,
                &esc(&full_label),
                &format!("{hint}{}", t(lang, "（不清楚请留空）", " (leave empty if unknown)")),
                &typed_value,
            )
        }
    }
}

const NONE_OF_THESE: &str = "__none__";

/// A stored fact in words: choices by their labels, yes and no as words, quantities with their unit.
fn shown_value(policy: &Policy, fact: &FactDef, value: &FactValue, lang: Lang) -> String {
    let cell = facts::value_cell(policy, fact, value);
    match fact.ty {
        Type::Bool if cell == "true" => t(lang, "是", "yes").to_string(),
        Type::Bool if cell == "false" => t(lang, "否", "no").to_string(),
        Type::Enum(id) | Type::Set(id) => {
            let def = policy.enum_def(id);
            let names: Vec<String> = cell
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| {
                    def.values
                        .iter()
                        .find(|v| v.name == n)
                        .and_then(|v| v.label.as_ref())
                        .map_or(n.to_string(), |l| localized(l, lang).to_string())
                })
                .collect();
            if names.is_empty() { t(lang, "（无）", "(none)").to_string() } else { names.join(t(lang, "、", ", ")) }
        }
        _ => cell,
    }
}

/// Reads the posted facts; a field left empty (or "不清楚") is an unknown fact.
fn read_facts(policy: &Policy, pairs: &[(String, String)], lang: Lang, typed: &mut Typed) -> FactSet {
    let mut set = FactSet::empty(policy);
    for (i, fact) in policy.facts().iter().enumerate() {
        let key = format!("f:{}", fact.name);
        let values: Vec<&str> = pairs.iter().filter(|(k, _)| *k == key).map(|(_, v)| v.as_str()).collect();
        let text = if matches!(fact.ty, Type::Set(_)) {
            if values.contains(&NONE_OF_THESE) {
                set.set(i as u16, Some(FactValue::Set(0)));
                continue;
            }
            values.iter().filter(|v| !v.is_empty()).copied().collect::<Vec<_>>().join(",")
        } else {
            values.first().map(|v| v.trim()).unwrap_or("").to_string()
        };
        if text.is_empty() {
            continue;
        }
        match facts::read_answer(policy, fact, &text) {
            Ok(value) => set.set(i as u16, value),
            Err(e) => typed.errors.push((key, e.render(lang))),
        }
    }
    set
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters, digits and capital letters without I, O, S, V, Z.
fn valid_credit_code(code: &str) -> bool {
    code.chars().count() == 18
        && code.chars().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"IOSVZ".contains(c)))
}

pub(crate) async fn new_create(
    State(desk): State<Desk>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let lang = lang_field(&pairs);
    let book = desk.app().rulebook();
    let Some(policy) = book.policy(&id) else { return not_found(&desk, &session, lang).await };
    let mut typed = Typed { values: pairs.clone(), errors: Vec::new() };
    let text = |name: &str| field(&pairs, name).unwrap_or("").trim().to_string();
    let case = CaseBlock { case_no: text("case_no"), applicant: text("applicant"), credit_code: text("credit_code") };
    if case.case_no.is_empty() || case.case_no.chars().count() > 100 {
        typed.errors.push((
            "case_no".into(),
            t(lang, "请填写案号（100 字以内）", "Give the case number (at most 100 characters)").into(),
        ));
    }
    if case.applicant.chars().count() > 200 {
        typed.errors.push((
            "applicant".into(),
            t(lang, "申请人名称过长（200 字以内）", "The applicant's name is too long").into(),
        ));
    }
    if !case.credit_code.is_empty() && !valid_credit_code(&case.credit_code) {
        let message = match lang {
            Lang::Zh => format!(
                "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z），填写的是“{}”",
                case.credit_code
            ),
            Lang::En => format!(
                "a unified social credit code is 18 digits or capital letters (no I, O, S, V, Z), but “{}” was given",
                case.credit_code
            ),
        };
        typed.errors.push(("credit_code".into(), message));
    }
    let as_of = text("as_of");
    let date: Option<jiff::civil::Date> = as_of.parse().ok();
    if date.is_none() {
        typed.errors.push(("as_of".into(), facts::FactError::BadAsOf { given: as_of.clone() }.render(lang)));
    }
    let corrects = match text("corrects").as_str() {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                typed.errors.push(("corrects".into(), t(lang, "更正的记录号无效", "Not a record number").into()));
                None
            }
        },
    };
    let facts = read_facts(policy, &pairs, lang, &mut typed);
    if !typed.errors.is_empty() {
        let body = case_form(policy, &session, lang, &typed);
        let page =
            staff_page(&desk, &session, lang, &format!("/desk/new/{id}"), t(lang, "新建案件", "New case"), &body).await;
        return (StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response();
    }
    // The facts are kept as the fact file `comply check` reads, and evaluated from that text, so that
    // `records replay` repeats exactly this evaluation.
    let facts_text = facts::fact_file(policy, date, &facts, None);
    let (verdict, report) = match replay::evaluate_text(&book, policy.id(), &as_of, lang, "facts.toml", &facts_text) {
        Ok(done) => done,
        Err(e) => return bad_case(&desk, &session, lang, &e).await,
    };
    let decision_book: std::sync::Arc<Rulebook> = book.clone();
    let actor = session.user.clone();
    let policy_id = policy.id().to_string();
    let stored = desk
        .store(move |s| {
            s.record_decision(&Decision {
                case,
                policy: policy_id,
                as_of,
                rulebook: &decision_book,
                lang,
                facts_name: "facts.toml".into(),
                facts: facts_text,
                verdict,
                report,
                actor,
                corrects,
            })
        })
        .await;
    desk.chain_changed();
    match stored {
        Ok(record) => see_other(&with_lang(&format!("/desk/case/{}", record.seq), lang)),
        Err(e @ (StoreError::NoSuchRecord(_) | StoreError::NotADecision(_))) => {
            typed.errors.push(("corrects".into(), e.render(lang)));
            let body = case_form(policy, &session, lang, &typed);
            let page =
                staff_page(&desk, &session, lang, &format!("/desk/new/{id}"), t(lang, "新建案件", "New case"), &body)
                    .await;
            (StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response()
        }
        Err(e) => store_failure(&e, lang),
    }
}

async fn bad_case(desk: &Desk, session: &Session, lang: Lang, error: &ReplayError) -> Response {
    let body =
        format!("<h1>{}</h1><p class=\"error\">{}</p>", t(lang, "无法核查", "Cannot check"), esc(&error.render(lang)));
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Html(staff_page(desk, session, lang, "/desk", t(lang, "无法核查", "Cannot check"), &body).await),
    )
        .into_response()
}

pub(crate) async fn case_file(
    State(desk): State<Desk>,
    Extension(session): Extension<Session>,
    Path(seq): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(query.as_deref());
    let Ok(seq) = seq.parse::<i64>() else { return not_found(&desk, &session, lang).await };
    let loaded = desk
        .store(move |s| {
            let record = s.record(seq)?;
            let history =
                if record.case_no.is_empty() { vec![record.clone()] } else { s.case_records(&record.case_no)? };
            let files = match &record.rulebook {
                Some(hash) => Some(s.rulebook_files(hash)?),
                None => None,
            };
            Ok((record, history, files))
        })
        .await;
    let (record, history, files) = match loaded {
        Ok(found) if found.0.is_decision() => found,
        Ok(_) | Err(StoreError::NoSuchRecord(_)) => return not_found(&desk, &session, lang).await,
        Err(e) => return store_failure(&e, lang),
    };
    let mut body = format!(
        "<article class=\"case-file\" id=\"case-file\"><h1>{}{}</h1>",
        t(lang, "案件 ", "Case "),
        esc(&record.case_no)
    );
    let _ = write!(
        body,
        "<dl class=\"answers\" id=\"case-block\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>#{} {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd id=\"record-hash\">{}</dd></dl>",
        t(lang, "申请人", "Applicant"),
        esc(&record.applicant),
        t(lang, "统一社会信用代码", "Credit code"),
        esc(&record.credit_code),
        t(lang, "承办人", "Clerk"),
        esc(&record.actor),
        t(lang, "记录", "Record"),
        record.seq,
        esc(&shown_time(&record.at)),
        t(lang, "规则集指纹", "Rulebook"),
        esc(record.rulebook.as_deref().unwrap_or("-")),
        t(lang, "记录哈希", "Record hash"),
        esc(&record.hash),
    );
    // The report as the rules then in force give it: the stored rulebook, loaded again.
    let book = files.and_then(|f| Rulebook::from_files(&f).ok());
    let replayed = book.as_ref().and_then(|b| {
        let policy = b.policy(&record.policy)?;
        let file = facts::read_file(&record.facts_name, &record.facts).ok()?;
        let bound = facts::bind(policy, &file.facts).ok()?;
        let date = record.as_of.parse().ok()?;
        let report = explain::report(policy, &bound, date, record.lang());
        Some((policy, bound, report))
    });
    match &replayed {
        Some((policy, bound, report)) => {
            let _ = write!(body, "<h2>{}</h2><dl class=\"answers\" id=\"facts\">", t(lang, "申请事项", "Facts"));
            for (i, fact) in policy.facts().iter().enumerate() {
                let value = bound
                    .get(i as u16)
                    .map_or_else(|| t(lang, "不清楚", "unknown").to_string(), |v| shown_value(policy, fact, v, lang));
                let _ = write!(body, "<dt>{}</dt><dd>{}</dd>", esc(localized(&fact.label, lang)), esc(&value));
            }
            body.push_str("</dl>");
            if explain::render::json(report) != record.report {
                let _ = write!(
                    body,
                    "<p class=\"error\" role=\"alert\">{}</p>",
                    t(
                        lang,
                        "注意：按存档规则重新评估的报告与存档报告不一致。",
                        "Warning: evaluated again, the report differs from the stored one."
                    )
                );
            }
            body.push_str(&explain::html::fragment(report, record.lang()));
        }
        None => {
            let _ = write!(
                body,
                "<p class=\"error\">{}</p><pre>{}</pre>",
                t(
                    lang,
                    "存档规则无法载入，以下为存档报告原文。",
                    "The stored rules do not load; the stored report follows."
                ),
                esc(&record.report)
            );
        }
    }
    let _ = write!(
        body,
        "<h2>{}</h2><table class=\"cases\" id=\"history\"><tbody>",
        t(lang, "本案全部记录", "Every record of this case")
    );
    for r in &history {
        let corrects = r.corrects.map(|c| format!("（{}#{c}）", t(lang, "更正 ", "corrects "))).unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td><a href=\"{}\">#{}</a>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"hash\">{}</td></tr>",
            with_lang(&format!("/desk/case/{}", r.seq), lang),
            r.seq,
            esc(&corrects),
            verdict_words(&r.verdict, lang),
            esc(&r.actor),
            esc(&shown_time(&r.at)),
            esc(&r.hash),
        );
    }
    body.push_str("</tbody></table></article>");
    let _ = write!(
        body,
        "<div class=\"actions no-print\"><button class=\"primary\" type=\"button\" id=\"print\" hidden>{}</button>{}</div><p class=\"hint no-print\" id=\"print-note\">{}</p>",
        t(lang, "打印", "Print"),
        if session.role == Role::Clerk {
            format!(
                "<a class=\"button\" href=\"{}\">{}</a>",
                with_lang(&format!("/desk/new/{}?corrects={}", record.policy, record.seq), lang),
                t(lang, "更正本案", "Correct this case")
            )
        } else {
            String::new()
        },
        t(lang, "打印：请使用浏览器的“打印”功能。", "To print, use your browser's Print command."),
    );
    let title = format!("{}{}", t(lang, "案件 ", "Case "), record.case_no);
    Html(staff_page(&desk, &session, lang, &format!("/desk/case/{seq}"), &title, &body).await).into_response()
}

pub(crate) async fn verify(State(desk): State<Desk>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    let lang = lang_field(&form_pairs(&body));
    let result = desk.chain_state(true).await;
    let mut out = format!("<h1>{}</h1>", t(lang, "哈希链校验", "Chain verification"));
    match &result {
        Ok(report) => {
            let _ = write!(out, "<ul id=\"problems\">");
            for p in &report.problems {
                let _ = write!(out, "<li>{}</li>", esc(&p.render(lang)));
            }
            let _ = write!(
                out,
                "</ul><p id=\"verify-summary\">{}</p>",
                match lang {
                    Lang::Zh => format!("已校验 {} 条记录，{} 处不符。", report.records, report.problems.len()),
                    Lang::En => format!("{} record(s) checked, {} problem(s).", report.records, report.problems.len()),
                }
            );
        }
        Err(e) => {
            let _ = write!(out, "<p class=\"error\">{}</p>", esc(e));
        }
    }
    Html(staff_page(&desk, &session, lang, "/desk", t(lang, "哈希链校验", "Chain verification"), &out).await)
        .into_response()
}

pub(crate) async fn replay(State(desk): State<Desk>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    let lang = lang_field(&form_pairs(&body));
    let result = desk
        .store(move |s| {
            let mut total = 0usize;
            let mut differing = Vec::new();
            s.replay(None, |record, replayed| {
                total += 1;
                if !replayed.same_report(&record.report) {
                    differing.push((record.seq, record.case_no.clone()));
                }
            })?;
            Ok((total, differing))
        })
        .await;
    let mut out = format!("<h1>{}</h1>", t(lang, "重放全部决定", "Replay every decision"));
    match result {
        Ok((total, differing)) => {
            let _ = write!(
                out,
                "<p id=\"replay-summary\">{}</p><ul>",
                match lang {
                    Lang::Zh => format!("已重放 {total} 个决定：{} 个与存档报告不同。", differing.len()),
                    Lang::En =>
                        format!("Replayed {total} decision(s): {} differ from the stored report.", differing.len()),
                }
            );
            for (seq, case_no) in differing {
                let _ = write!(out, "<li><a href=\"/desk/case/{seq}\">#{seq} {}</a></li>", esc(&case_no));
            }
            out.push_str("</ul>");
        }
        Err(e) => {
            let _ = write!(out, "<p class=\"error\">{}</p>", esc(&e.render(lang)));
        }
    }
    Html(staff_page(&desk, &session, lang, "/desk", t(lang, "重放全部决定", "Replay every decision"), &out).await)
        .into_response()
}
