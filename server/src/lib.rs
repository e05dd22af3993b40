//! `comply serve`: the HTTP API under `/v1` and the self-assessment page at `/`, over the same engine
//! calls the command line makes. The server keeps no state but the rulebook: every request carries its
//! facts (the page carries the answers in its own form fields), so instances behind a load balancer are
//! interchangeable.
//!
//! Other parts of the project add their pages by merging a `Router<AppState>` into [`app_with`]; they
//! share the rulebook and the limits through [`AppState`].

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod batch;
pub mod desk;
mod html;
mod http;
mod openapi;
pub mod page;
pub mod plan;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use comply_engine::{LoadError, Rulebook};

pub use http::{Running, StartError};

/// What a request may cost the server. The defaults suit a public page on a small machine.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A JSON body for `check` or `plan`: a fact file is a few kilobytes.
    pub json_body: usize,
    /// A page's form post (every answer so far rides along).
    pub form_body: usize,
    /// A rule file posted to `lint`.
    pub lint_body: usize,
    /// A batch upload as a whole; it is streamed, so this bounds time, not memory.
    pub batch_body: usize,
    /// How long a client may take to send its request line and headers before the connection is closed.
    pub header_timeout: Duration,
    /// How long a request (body included) may take, batch excepted.
    pub request_timeout: Duration,
    /// How long a batch upload may pause between two pieces of its body.
    pub batch_idle_timeout: Duration,
    /// Batch uploads evaluated at once; more get 503 at once rather than a queue.
    pub batch_uploads: usize,
    /// Open connections; more are refused at accept.
    pub connections: usize,
    /// Request headers per request; more get 431.
    pub headers: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            json_body: 256 * 1024,
            form_body: 64 * 1024,
            lint_body: 1024 * 1024,
            batch_body: 512 * 1024 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            batch_idle_timeout: Duration::from_secs(30),
            batch_uploads: 2,
            connections: 1024,
            headers: 64,
        }
    }
}

/// Where the rulebook comes from, so that a reload reads the same place again.
#[derive(Debug, Clone)]
pub enum RuleSource {
    /// The packs built into the binary.
    Embedded,
    /// A rule file or a folder of them.
    Path(PathBuf),
}

impl RuleSource {
    pub fn load(&self) -> Result<Rulebook, LoadError> {
        match self {
            RuleSource::Embedded => Rulebook::embedded(),
            RuleSource::Path(path) => Rulebook::load_path(path),
        }
    }
}

/// What every handler shares: the current rulebook and the limits. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// Swapped whole on reload; a request holds the `Arc` it started with, so it finishes on the old book.
    rules: RwLock<Arc<Rulebook>>,
    source: RuleSource,
    limits: Limits,
    logger: Logger,
    batch: Option<batch::Runner>,
    batch_uploads: Arc<tokio::sync::Semaphore>,
}

/// Where request logs go: one JSON object per line.
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

impl AppState {
    /// Logs to stderr.
    pub fn new(rules: Rulebook, source: RuleSource, limits: Limits) -> AppState {
        AppState::with_logger(rules, source, limits, Arc::new(|line: &str| eprintln!("{line}")))
    }

    pub fn with_logger(rules: Rulebook, source: RuleSource, limits: Limits, logger: Logger) -> AppState {
        let rules = RwLock::new(Arc::new(rules));
        let batch_uploads = Arc::new(tokio::sync::Semaphore::new(limits.batch_uploads));
        AppState { inner: Arc::new(Inner { rules, source, limits, logger, batch: None, batch_uploads }) }
    }

    /// Gives `/v1/batch` the command line's own batch (the crate that owns it injects it: rows in = rows out
    /// by the same code). Call before the state is shared.
    pub fn with_batch(mut self, runner: batch::Runner) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.batch = Some(runner);
        }
        self
    }

    pub(crate) fn batch(&self) -> Option<(batch::Runner, Arc<tokio::sync::Semaphore>)> {
        self.inner.batch.clone().map(|r| (r, Arc::clone(&self.inner.batch_uploads)))
    }

    pub(crate) fn log(&self, event: &serde_json::Value) {
        (self.inner.logger)(&event.to_string());
    }

    /// The rulebook as of now.
    pub fn rulebook(&self) -> Arc<Rulebook> {
        match self.inner.rules.read() {
            Ok(guard) => Arc::clone(&guard),
            // A writer never panics while holding the lock (it only swaps an Arc), but stay total.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Loads the rule source again and swaps it in only when it loads without errors; returns the number
    /// of policies now served. On error the old rulebook stays.
    pub fn reload(&self) -> Result<usize, LoadError> {
        let fresh = Arc::new(self.inner.source.load()?);
        let count = fresh.policies().len();
        match self.inner.rules.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(count)
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }
}

/// The server's own routes: the API and the page.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// The server's routes with more merged in (e.g. the bureau's desk), all behind the same security
/// headers, timeouts and request log.
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    let routes = Router::new().merge(api::routes()).merge(page::routes()).merge(extra).with_state(state.clone());
    http::layers(routes, state)
}

/// How `comply serve` runs.
pub struct Config {
    pub addr: SocketAddr,
    pub state: AppState,
    /// Routes added by other crates or modules.
    pub extra: Router<AppState>,
}

impl Config {
    pub fn new(addr: SocketAddr, state: AppState) -> Config {
        Config { addr, state, extra: Router::new() }
    }

    /// Adds routes (e.g. the bureau's desk) behind the same layers as the server's own.
    pub fn with_routes(mut self, routes: Router<AppState>) -> Config {
        self.extra = self.extra.merge(routes);
        self
    }
}

/// Starts the server on a background thread; it serves until the handle is dropped. `SIGHUP` reloads
/// the rulebook. Logs one JSON line per request through the state's logger.
pub fn start(config: Config) -> Result<Running, StartError> {
    http::start(config)
}
