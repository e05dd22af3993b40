//! The JSON API under `/v1`. Each handler translates HTTP to the engine call the command line makes and
//! back; none re-implements a rule. Bad input is a 4xx with the command line's own wording, never a 500.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use comply_engine::check::SourceProblem;
use comply_engine::diag::Severity;
use comply_engine::explain::{self, Lang, localized, render};
use comply_engine::facts::{self, FactError};
use comply_engine::limits::ReadProblem;
use comply_engine::policy::{Policy, Type};
use comply_engine::{Resolved, Rulebook, embedded_files};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/policies", get(policies))
        .route("/v1/policies/{id}", get(policy_sheet))
        .route("/v1/check", post(check))
        .route("/v1/plan", post(plan))
        .route("/v1/lint", post(lint))
        .route("/v1/batch", post(crate::batch::handler))
        .route("/v1/openapi.json", get(crate::openapi::document))
        .fallback(not_found)
}

/// An error as every endpoint returns it: a stable code for programs and a message for people, in the
/// language asked for (Chinese by default).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// `bad_facts`, `bad_request`, `too_large`, `timeout`, `not_found`, `busy`, …
    pub error: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, error, message: message.into() }
    }

    fn bad_facts(error: &FactError, lang: Lang) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_facts", error.render(lang))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&self).unwrap_or_default();
        (self.status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
    }
}

async fn not_found(RawQuery(query): RawQuery) -> ApiError {
    let lang = lang_of(query.as_deref());
    ApiError::new(StatusCode::NOT_FOUND, "not_found", pick(lang, "没有这个地址", "no such address"))
}

pub(crate) fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    explain::pick(lang, zh, en)
}

/// `?lang=en` for English; anything else is Chinese, the default of every command.
pub(crate) fn lang_of(query: Option<&str>) -> Lang {
    let english = query.is_some_and(|q| q.split('&').any(|pair| pair == "lang=en"));
    if english { Lang::En } else { Lang::Zh }
}

pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

/// Reads a whole body of at most `limit` bytes as UTF-8 text. A declared length over the limit is
/// refused before a byte is read.
pub(crate) async fn read_text(body: Body, headers: &HeaderMap, limit: usize, lang: Lang) -> Result<String, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            match lang {
                Lang::Zh => format!("请求内容过大：最多 {limit} 字节"),
                Lang::En => format!("the request body is too large: at most {limit} bytes"),
            },
        )
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let over = std::error::Error::source(&error).is_some_and(|e| e.is::<http_body_util::LengthLimitError>())
                || error.to_string().contains("length limit");
            return Err(if over {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    pick(lang, "请求内容未能完整读取", "the request body could not be read"),
                )
            });
        }
    };
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            match lang {
                Lang::Zh => format!("请求内容不是有效的 UTF-8 文本（第 {} 字节起）", e.utf8_error().valid_up_to()),
                Lang::En => format!("the request body is not valid UTF-8 (from byte {})", e.utf8_error().valid_up_to()),
            },
        )
    })
}

/// A fact file posted as JSON, resolved against the rulebook as `comply check` resolves it.
pub(crate) fn read_case<'b>(book: &'b Rulebook, text: &str, lang: Lang) -> Result<Resolved<'b>, ApiError> {
    let file = facts::read_file("request.json", text).map_err(|e| ApiError::bad_facts(&e, lang))?;
    book.resolve(&file, None, None).map_err(|e| match e {
        // The command line's advice names a flag; a request has none.
        FactError::NoAsOf => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_facts",
            pick(
                lang,
                "未给出评估日期：请在请求中写 \"as_of\": \"YYYY-MM-DD\"",
                "no evaluation date: write \"as_of\": \"YYYY-MM-DD\" in the request",
            ),
        ),
        e => ApiError::bad_facts(&e, lang),
    })
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    status: &'static str,
    /// Policies in the rulebook now served.
    policies: usize,
}

/// Liveness and the size of the rulebook.
#[utoipa::path(get, path = "/v1/health", responses((status = 200, body = Health)))]
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let health = Health { status: "ok", policies: state.rulebook().policies().len() };
    axum::Json(health).into_response()
}

#[derive(Serialize, ToSchema)]
pub struct PolicySummary {
    pub id: String,
    pub title: String,
    /// The notice the policy implements: its title, 文号 and issuer.
    pub source: SourceInfo,
    /// First day in force, YYYY-MM-DD.
    pub valid_from: String,
    /// Last day in force, when the notice gives one.
    pub valid_until: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SourceInfo {
    pub title: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub signed: Option<String>,
}

pub(crate) fn summary(policy: &Policy, lang: Lang) -> PolicySummary {
    PolicySummary {
        id: policy.id().to_string(),
        title: localized(policy.title(), lang).to_string(),
        source: SourceInfo {
            title: policy.source().title.clone(),
            number: policy.source().number.clone(),
            issuer: policy.source().issuer.clone(),
            signed: policy.source().signed.map(|d| d.to_string()),
        },
        valid_from: policy.valid_from().to_string(),
        valid_until: policy.valid_until().map(|d| d.to_string()),
    }
}

/// Every policy served, with its source and validity.
#[utoipa::path(get, path = "/v1/policies", params(LangParam), responses((status = 200, body = Vec<PolicySummary>)))]
pub(crate) async fn policies(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let lang = lang_of(query.as_deref());
    let book = state.rulebook();
    let list: Vec<PolicySummary> = book.policies().iter().map(|p| summary(p, lang)).collect();
    axum::Json(list).into_response()
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only documents the parameter
pub struct LangParam {
    /// `zh` (default) or `en`: the language of every message and report text.
    lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FactSheet {
    #[serde(flatten)]
    pub policy: PolicySummary,
    /// What an applicant must supply, in the rule file's order.
    pub facts: Vec<FactInfo>,
}

#[derive(Serialize, ToSchema)]
pub struct FactInfo {
    pub name: String,
    pub label: String,
    /// The interview question, when the rule file words one.
    pub prompt: Option<String>,
    /// `bool`, `number`, `date`, `text`, `enum` (one of `choices`) or `set` (any of `choices`).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The unit a bare number is read in; other units of the same dimension are converted.
    pub unit: Option<String>,
    /// Whole numbers only.
    pub whole: bool,
    pub choices: Vec<Choice>,
    /// The clauses that need the fact.
    pub clauses: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

pub(crate) fn kind_of(ty: Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::Num(_) => "number",
        Type::Date => "date",
        Type::Text => "text",
        Type::Enum(_) => "enum",
        Type::Set(_) => "set",
        Type::Mixed => "mixed",
    }
}

pub(crate) fn choices(policy: &Policy, ty: Type, lang: Lang) -> Vec<Choice> {
    match ty {
        Type::Enum(id) | Type::Set(id) => policy
            .enum_def(id)
            .values
            .iter()
            .map(|v| Choice {
                value: v.name.clone(),
                label: v.label.as_ref().map(|l| localized(l, lang).to_string()).unwrap_or_else(|| v.name.clone()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn unit_text(fact: &comply_engine::policy::FactDef) -> Option<String> {
    fact.unit.filter(|u| !u.is_one()).map(|u| u.to_string())
}

fn fact_info(policy: &Policy, fact: &comply_engine::policy::FactDef, lang: Lang) -> FactInfo {
    FactInfo {
        name: fact.name.clone(),
        label: localized(&fact.label, lang).to_string(),
        prompt: fact.ask.as_ref().map(|a| localized(a, lang).to_string()),
        kind: kind_of(fact.ty),
        unit: unit_text(fact),
        whole: fact.whole,
        choices: choices(policy, fact.ty, lang),
        clauses: fact.clauses.clone(),
    }
}

/// A policy's fact sheet: what an applicant must supply.
#[utoipa::path(get, path = "/v1/policies/{id}", params(("id" = String, Path), LangParam),
    responses((status = 200, body = FactSheet), (status = 404, body = ApiError)))]
pub(crate) async fn policy_sheet(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(query.as_deref());
    let book = state.rulebook();
    let Some(policy) = book.policy(&id) else {
        let error = FactError::UnknownPolicy { id, known: book.policy_ids() };
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", error.render(lang)).into_response();
    };
    let sheet = FactSheet {
        policy: summary(policy, lang),
        facts: policy.facts().iter().map(|f| fact_info(policy, f, lang)).collect(),
    };
    axum::Json(sheet).into_response()
}

/// A fact file as JSON: the same shape `comply check --facts FILE.json` reads.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body
pub struct FactFileDoc {
    /// The policy id; may be left out when the server serves one policy.
    policy: Option<String>,
    /// The evaluation date, YYYY-MM-DD: always the caller's, never the server's clock.
    as_of: String,
    /// Fact name to value: a number, a quantity with its unit as text (`"1900 元/月"`), true/false, an
    /// enum value (by name or label), or an array for a set. `null` or absent is unknown.
    #[schema(value_type = Object)]
    facts: BTreeMap<String, serde_json::Value>,
}

/// The JSON report, the contract `comply check --format json` prints.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the response body
pub struct ReportDoc {
    policy: String,
    as_of: String,
    /// `pass`, `fail`, `refer`, `undetermined` or `not_applicable`.
    verdict: String,
    /// Why the policy does not apply, or why it could not be decided without a missing fact.
    reason: Option<String>,
    rules: Vec<RuleDoc>,
    /// Facts whose answer could still change an undetermined verdict.
    missing: Vec<String>,
    /// The policy's outputs by name (e.g. the approval routes).
    #[schema(value_type = Object)]
    outputs: BTreeMap<String, serde_json::Value>,
    warnings: Vec<String>,
    /// The report model's version.
    version: u32,
    /// The language of the report's texts: `zh` or `en`.
    lang: String,
    /// The notice: title, source_title, number, issuer, valid_from, valid_until, validity.
    #[schema(value_type = Object)]
    header: serde_json::Value,
    /// The fact file's `[case]` block (number, applicant, credit_code, officer, notes), when given.
    #[schema(value_type = Object)]
    case: Option<serde_json::Value>,
    /// The evaluation date in words.
    as_of_text: String,
    /// The verdict in the policy's own words.
    conclusion: String,
    /// The missing facts with their labels.
    #[schema(value_type = Vec<Object>)]
    missing_facts: Vec<serde_json::Value>,
    /// Each output's label, value in words and reason.
    #[schema(value_type = Vec<Object>)]
    output_details: Vec<serde_json::Value>,
    /// The notice's clauses this check does not cover.
    #[schema(value_type = Vec<Object>)]
    not_checked: Vec<serde_json::Value>,
    /// The procedure the notice states (time limits, department).
    #[schema(value_type = Vec<Object>)]
    administrative: Vec<serde_json::Value>,
    /// That the result is a self-assessment aid, not an administrative decision.
    disclaimer: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RuleDoc {
    id: String,
    /// `pass`, `fail`, `refer`, `warn`, `unknown`, `skipped` (does not apply) or `not_yet_due` (a target
    /// whose due date has not come; `target.status` says where it stands).
    outcome: String,
    citation: String,
    explanation: String,
}

/// Checks one case and returns the explained report.
#[utoipa::path(post, path = "/v1/check", params(LangParam), request_body = FactFileDoc,
    responses((status = 200, body = ReportDoc), (status = 400, body = ApiError), (status = 413, body = ApiError)))]
pub(crate) async fn check(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer_case(&state, query.as_deref(), &headers, body, |case, lang| {
        json_response(StatusCode::OK, render::json(&case.report(lang)))
    })
    .await
}

/// Reads a posted fact file within the body limit and answers with `respond`, or with what stopped it.
async fn answer_case(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
    respond: impl FnOnce(Resolved<'_>, Lang) -> Response,
) -> Response {
    let lang = lang_of(query);
    let text = match read_text(body, headers, state.limits().json_body, lang).await {
        Ok(text) => text,
        Err(error) => return error.into_response(),
    };
    let book = state.rulebook();
    match read_case(&book, &text, lang) {
        Ok(case) => respond(case, lang),
        Err(error) => error.into_response(),
    }
}

/// The next questions worth asking for a case: those that can still change the verdict, ranked.
#[utoipa::path(post, path = "/v1/plan", params(LangParam), request_body = FactFileDoc,
    responses((status = 200, body = crate::plan::Plan), (status = 400, body = ApiError), (status = 413, body = ApiError)))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer_case(&state, query.as_deref(), &headers, body, |case, lang| {
        axum::Json(crate::plan::plan(case.policy, &case.facts, case.as_of, &[], lang)).into_response()
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct LintResult {
    /// No errors: the file would load.
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    /// The policies the file declares, when it loads.
    pub policies: Vec<String>,
    pub diagnostics: Vec<LintDiagnostic>,
    /// The diagnostics as `comply lint` prints them, with source lines and carets.
    pub rendered: String,
}

#[derive(Serialize, ToSchema)]
pub struct LintDiagnostic {
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

/// The gazette texts shipped with the packs: the only files a posted rule file may quote from, so a
/// request cannot make the server read its own disk.
fn shipped_sources() -> &'static BTreeMap<String, String> {
    static SOURCES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    SOURCES.get_or_init(|| embedded_files("sources").into_iter().collect())
}

fn confined_source(_rule_file: &str, path: &str) -> Result<String, SourceProblem> {
    let path = path.trim_start_matches("./");
    if path.starts_with('/') || path.split('/').any(|part| part == "..") {
        return Err(SourceProblem::Outside);
    }
    shipped_sources()
        .get(&format!("rules/{path}"))
        .cloned()
        .ok_or_else(|| SourceProblem::Read(ReadProblem::Io("not among the shipped gazette texts".to_string())))
}

/// Runs every static check on a posted rule file (the body, UTF-8). Quoted sources are looked up among
/// the shipped gazette texts only (`sources/…`), never on the server's disk.
#[utoipa::path(post, path = "/v1/lint", params(LangParam), request_body(content = String, content_type = "text/plain"),
    responses((status = 200, body = LintResult), (status = 400, body = ApiError), (status = 413, body = ApiError)))]
pub(crate) async fn lint(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let lang = lang_of(query.as_deref());
    let text = match read_text(body, &headers, state.limits().lint_body, lang).await {
        Ok(text) => text,
        Err(error) => return error.into_response(),
    };
    let chinese = lang == Lang::Zh;
    let files = vec![("posted.rules".to_string(), text)];
    let (book, diagnostics, sources) = match Rulebook::from_texts(files, &confined_source) {
        Ok(book) => {
            let (d, s) = (book.warnings.clone(), book.sources.clone());
            (Some(book), d, s)
        }
        Err(error) => (None, error.diagnostics, error.sources),
    };
    let listed = diagnostics
        .iter()
        .map(|d| {
            let (line, column) = sources.line_column(d.span);
            let (message, _label, help) = d.texts(chinese);
            LintDiagnostic {
                code: d.code,
                severity: if d.severity == Severity::Error { "error" } else { "warning" },
                line,
                column,
                message: message.to_string(),
                help: help.map(str::to_string),
            }
        })
        .collect();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let result = LintResult {
        ok: errors == 0,
        errors,
        warnings: diagnostics.len() - errors,
        policies: book.map(|b| b.policy_ids()).unwrap_or_default(),
        diagnostics: listed,
        rendered: sources.render_in(&diagnostics, chinese),
    };
    axum::Json(result).into_response()
}
