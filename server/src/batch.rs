//! `POST /v1/batch`: a CSV or JSON Lines upload streamed through the command line's own `comply batch`
//! (injected as a [`Runner`] by the crate that owns it), so the API keeps its rules: rows in = rows out,
//! bad cells as error rows. The upload is read piece by piece with an idle deadline and a byte cap; at most
//! `Limits::batch_uploads` run at once and more get 503 at once.

use std::io::{Read, Write};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply_engine::explain::Lang;
use comply_engine::facts::FactError;
use http_body_util::BodyExt;
use tokio::sync::mpsc;

use crate::AppState;
use crate::api::{ApiError, lang_of, pick};

/// What a batch request asks for.
#[derive(Debug, Clone)]
pub struct Job {
    pub policy: String,
    pub as_of: String,
    /// `csv` or `jsonl`, for the input and the output alike.
    pub format: &'static str,
    pub lang: Lang,
}

/// Runs a batch job from `input` to `output`; returns the command's exit code.
pub type Runner = Arc<dyn Fn(Job, Box<dyn std::io::BufRead + Send>, Box<dyn Write + Send>) -> u8 + Send + Sync>;

fn param<'q>(query: Option<&'q str>, name: &str) -> Option<&'q str> {
    query?.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

fn decode(text: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={text}"))
        .ok()
        .and_then(|mut v| v.pop())
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The upload as a blocking reader, fed by the async side.
struct Upload {
    pieces: mpsc::Receiver<std::io::Result<Bytes>>,
    current: Bytes,
}

impl Read for Upload {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.pieces.blocking_recv() {
                Some(Ok(piece)) => self.current = piece,
                Some(Err(error)) => return Err(error),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// The results as a blocking writer, drained by the response body.
struct Results(mpsc::Sender<std::io::Result<Bytes>>);

impl Write for Results {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only documents the parameters
pub struct BatchParams {
    /// The policy every row is checked against.
    policy: String,
    /// The evaluation date, YYYY-MM-DD.
    as_of: String,
    /// `csv` (default) or `jsonl`, for the upload and the results alike.
    format: Option<String>,
    /// `zh` (default) or `en`.
    lang: Option<String>,
}

/// `POST /v1/batch?policy=ID&as_of=YYYY-MM-DD[&format=csv|jsonl][&lang=en]`, the rows as the body: one result
/// row per input row, streamed as `comply batch` writes them.
#[utoipa::path(post, path = "/v1/batch", params(BatchParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "one result row per input row (CSV or JSON Lines)", body = String),
        (status = 400, body = ApiError), (status = 413, body = ApiError), (status = 503, body = ApiError)))]
pub(crate) async fn handler(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let query = query.as_deref();
    let lang = lang_of(query);
    let Some((runner, uploads)) = state.batch() else {
        return ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "not_implemented",
            pick(lang, "本服务未提供批量核查", "batch is not offered here"),
        )
        .into_response();
    };
    let book = state.rulebook();
    let policy = decode(param(query, "policy").unwrap_or_default());
    if book.policy(&policy).is_none() {
        let error = FactError::UnknownPolicy { id: policy, known: book.policy_ids() };
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_facts", error.render(lang)).into_response();
    }
    let as_of = decode(param(query, "as_of").unwrap_or_default());
    if as_of.parse::<jiff::civil::Date>().is_err() {
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_facts", FactError::BadAsOf { given: as_of }.render(lang))
            .into_response();
    }
    let format = match param(query, "format") {
        None | Some("csv") => "csv",
        Some("jsonl") => "jsonl",
        Some(_) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                pick(lang, "format 只能是 csv 或 jsonl", "format is csv or jsonl"),
            )
            .into_response();
        }
    };
    let limit = state.limits().batch_body;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            pick(lang, "上传内容过大", "the upload is too large"),
        )
        .into_response();
    }
    let Ok(permit) = uploads.try_acquire_owned() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            pick(lang, "批量核查正忙，请稍后再试", "too many batch uploads at once: try again shortly"),
        )
        .into_response();
    };
    let (pieces, upload) = mpsc::channel::<std::io::Result<Bytes>>(8);
    let (results, out) = mpsc::channel::<std::io::Result<Bytes>>(8);
    let idle = state.limits().batch_idle_timeout;
    let failed = results.clone();
    tokio::spawn(async move {
        let mut body = body;
        let mut total = 0usize;
        loop {
            let problem = match tokio::time::timeout(idle, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else { continue };
                    total += data.len();
                    if total > limit {
                        "the upload is over the size limit"
                    } else if pieces.send(Ok(data)).await.is_err() {
                        return;
                    } else {
                        continue;
                    }
                }
                Ok(None) => return,
                Ok(Some(Err(_))) => "the upload broke off",
                Err(_) => "the upload paused too long",
            };
            let error = || std::io::Error::new(std::io::ErrorKind::TimedOut, problem);
            let _ = pieces.send(Err(error())).await;
            // The response is already under way: end it broken, so no one takes the rows so far for all.
            let _ = failed.send(Err(error())).await;
            return;
        }
    });
    let job = Job { policy, as_of, format, lang };
    tokio::task::spawn_blocking(move || {
        let input = std::io::BufReader::with_capacity(1 << 16, Upload { pieces: upload, current: Bytes::new() });
        let output = std::io::BufWriter::with_capacity(1 << 16, Results(results));
        runner(job, Box::new(input), Box::new(output));
        drop(permit);
    });
    let stream = futures_util::stream::unfold(out, |mut out| async move { out.recv().await.map(|item| (item, out)) });
    let kind = if format == "csv" { "text/csv; charset=utf-8" } else { "application/x-ndjson; charset=utf-8" };
    (StatusCode::OK, [(header::CONTENT_TYPE, kind)], Body::from_stream(stream)).into_response()
}
