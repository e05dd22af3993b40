//! The connection layer: an accept loop over hyper with limits axum's own `serve` does not expose (how
//! long a client may take to send its headers, how many headers, how many connections), the security
//! headers every response carries, the request timeout and the request log.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::api::ApiError;
use crate::{AppState, Config};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// A server started by [`crate::start`]; dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, StartError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(StartError::Runtime)
}

pub fn start(config: Config) -> Result<Running, StartError> {
    let runtime = runtime()?;
    let listener = runtime
        .block_on(TcpListener::bind(config.addr))
        .map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let (stop, stopped) = watch::channel(false);
    // The handler is installed before `start` returns, so a SIGHUP sent afterwards reloads.
    let reloads = runtime.block_on(async { reload_on_hangup(config.state.clone()) });
    let app = crate::app_with(config.state.clone(), config.extra);
    let limits = config.state.limits().clone();
    let thread = std::thread::Builder::new()
        .name("comply-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                if let Some(reloads) = reloads {
                    tokio::spawn(reloads);
                }
                accept_loop(listener, app, limits, stopped).await;
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        })
        .map_err(StartError::Runtime)?;
    Ok(Running { addr, stop, thread: Some(thread) })
}

/// `SIGHUP` loads the rule source again; a rulebook with errors is refused and the old one kept.
fn reload_on_hangup(state: AppState) -> Option<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup()).ok()?;
    Some(async move {
        while hangups.recv().await.is_some() {
            let event = match state.reload() {
                Ok(policies) => serde_json::json!({"event": "reload", "ok": true, "policies": policies}),
                Err(error) => serde_json::json!({"event": "reload", "ok": false, "error": error.render()}),
            };
            state.log(&event);
        }
    })
}

async fn accept_loop(listener: TcpListener, app: Router, limits: crate::Limits, mut stopped: watch::Receiver<bool>) {
    let connections = Arc::new(Semaphore::new(limits.connections));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let Ok((stream, _peer)) = accepted else {
            // Out of file descriptors and the like: wait rather than spin.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        // Over the limit the connection is closed at once: a queue would only hold the file descriptor.
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else { continue };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let limits = limits.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_headers(limits.headers)
                .max_buf_size(64 * 1024);
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}

/// Security headers, the request timeout and the request log around every route.
pub fn layers(routes: Router, state: AppState) -> Router {
    routes
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(middleware::from_fn_with_state(state, log))
        .layer(middleware::from_fn(security_headers))
}

/// The page and the API send the headers a public government page should: no inline or external script
/// or style, no framing, no sniffing, no referrer, nothing cached (the page carries a firm's answers).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A request that takes longer than the limit (a client trickling its body) gets 408. Batch streams its
/// own body with an idle timeout instead, since a large upload may rightly take long.
async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path() == "/v1/batch" {
        return next.run(request).await;
    }
    let limit = state.limits().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "请求未在 {} 秒内发送完毕 (the request was not complete within {} s)",
                limit.as_secs(),
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// One JSON line per request: method, path, status, time. Never the body, the query or a header value,
/// so no fact a firm entered reaches the log.
async fn log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    state.log(&serde_json::json!({
        "event": "request",
        "method": method,
        "path": path,
        "status": response.status().as_u16(),
        "ms": started.elapsed().as_secs_f64() * 1000.0,
    }));
    response
}
