//! The bureau's case desk at `/desk`: staff log in, clerks create cases (the policy's questions plus the
//! case block), everyone sees the bureau's cases, auditors verify and replay the records. Every case is
//! a decision record in the records store (`comply-records`), so what the desk shows is what `comply
//! records verify|replay` checks.
//!
//! Access is decided in one place: `ROUTES` lists every desk route with who may use it, the router is
//! built from that table, and one layer (`guard`) checks the session, the role and, on every POST, the
//! form's CSRF token before a handler runs. A test walks the table.

mod pages;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use comply_records::{Role, Store, StoreError, VerifyReport};

use crate::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The login form and the login itself.
    Public,
    /// Any logged-in member of staff.
    Staff,
    /// Clerks only: they create cases.
    Clerk,
    /// Auditors only: they run verify and replay.
    Auditor,
}

impl Access {
    fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Staff => true,
            Access::Clerk => role == Role::Clerk,
            Access::Auditor => role == Role::Auditor,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    LoginForm,
    Login,
    Logout,
    List,
    NewChoose,
    NewForm,
    NewCreate,
    CaseFile,
    Verify,
    Replay,
}

/// One desk route: method, path (axum syntax), who may use it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    page: Page,
}

const fn route(method: &'static str, path: &'static str, access: Access, page: Page) -> Route {
    Route { method, path, access, page }
}

/// Every desk route. The router is built from this table and nothing else.
pub const ROUTES: &[Route] = &[
    route("GET", "/desk/login", Access::Public, Page::LoginForm),
    route("POST", "/desk/login", Access::Public, Page::Login),
    route("POST", "/desk/logout", Access::Staff, Page::Logout),
    route("GET", "/desk", Access::Staff, Page::List),
    route("GET", "/desk/new", Access::Clerk, Page::NewChoose),
    route("GET", "/desk/new/{policy}", Access::Clerk, Page::NewForm),
    route("POST", "/desk/new/{policy}", Access::Clerk, Page::NewCreate),
    route("GET", "/desk/case/{seq}", Access::Staff, Page::CaseFile),
    route("POST", "/desk/verify", Access::Auditor, Page::Verify),
    route("POST", "/desk/replay", Access::Auditor, Page::Replay),
];

pub(crate) use comply_records::sessions::Session;

pub(crate) const SESSION_COOKIE: &str = "desk_session";
pub(crate) const LOGIN_COOKIE: &str = "desk_login";
/// How long the chain banner's verdict is reused before the store is walked again.
const BANNER_TTL: Duration = Duration::from_secs(10);
const FORM_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub(crate) struct Desk {
    inner: Arc<Inner>,
}

struct Inner {
    app: AppState,
    /// rusqlite and postgres are synchronous: every use runs on a blocking thread, one at a time.
    store: Mutex<Option<Store>>,
    /// argon2id takes ~20 ms of a core: at most two logins are checked at once.
    logins: tokio::sync::Semaphore,
    banner: Mutex<Option<(Instant, Result<VerifyReport, String>)>>,
}

/// The desk's routes, to merge into the server (`Config::with_routes`). Opens (and migrates) the store.
pub fn routes(app: AppState, db: &str) -> Result<Router<AppState>, StoreError> {
    let store = Store::open(db)?;
    let desk = Desk {
        inner: Arc::new(Inner {
            app,
            store: Mutex::new(Some(store)),
            logins: tokio::sync::Semaphore::new(2),
            banner: Mutex::new(None),
        }),
    };
    let mut router: Router<Desk> = Router::new();
    for r in ROUTES {
        let filter = if r.method == "POST" { MethodFilter::POST } else { MethodFilter::GET };
        router = router.route(
            r.path,
            match r.page {
                Page::LoginForm => on(filter, pages::login_form),
                Page::Login => on(filter, pages::login),
                Page::Logout => on(filter, pages::logout),
                Page::List => on(filter, pages::list),
                Page::NewChoose => on(filter, pages::new_choose),
                Page::NewForm => on(filter, pages::new_form),
                Page::NewCreate => on(filter, pages::new_create),
                Page::CaseFile => on(filter, pages::case_file),
                Page::Verify => on(filter, pages::verify),
                Page::Replay => on(filter, pages::replay),
            },
        );
    }
    Ok(router.route_layer(middleware::from_fn_with_state(desk.clone(), guard)).with_state(desk))
}

impl Drop for Inner {
    /// The PostgreSQL client blocks on its own runtime when it closes, which must not happen on one of the
    /// server's async threads: the store is closed on a plain thread.
    fn drop(&mut self) {
        let store = match self.store.get_mut() {
            Ok(store) => store.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(store) = store {
            let _ = std::thread::spawn(move || drop(store)).join();
        }
    }
}

impl Desk {
    pub(crate) fn app(&self) -> &AppState {
        &self.inner.app
    }

    /// Runs `work` on the store on a blocking thread.
    pub(crate) async fn store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        let joined = tokio::task::spawn_blocking(move || {
            let mut store = match inner.store.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            match store.as_mut() {
                Some(store) => work(store),
                None => Err(StoreError::Write("the desk is shutting down".into())),
            }
        })
        .await;
        joined.unwrap_or_else(|e| Err(StoreError::Write(e.to_string())))
    }

    /// The session the request's cookie names, looked up in the store (any instance may have opened it).
    async fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let token = cookie(headers, SESSION_COOKIE)?;
        self.store(move |s| s.session(&token)).await.ok().flatten()
    }

    pub(crate) async fn login_permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.inner.logins.acquire().await.ok()
    }

    /// The chain's state for the banner on every page: walked again at most every few seconds, or now
    /// when `fresh` (an auditor asked).
    pub(crate) async fn chain_state(&self, fresh: bool) -> Result<VerifyReport, String> {
        if !fresh {
            let banner = self.inner.banner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, state)) = banner.as_ref()
                && at.elapsed() < BANNER_TTL
            {
                return state.clone();
            }
        }
        let state = self.store(|s| s.verify()).await.map_err(|e| e.render(comply_engine::explain::Lang::Zh));
        *self.inner.banner.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), state.clone()));
        state
    }

    /// After a write, the banner is walked again on the next page.
    pub(crate) fn chain_changed(&self) {
        *self.inner.banner.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// The value of one cookie of the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A cookie only the desk's own pages send back: not readable by script, not sent by other sites' forms.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let age = max_age.map(|a| format!("; Max-Age={a}")).unwrap_or_default();
    HeaderValue::from_str(&format!("{name}={value}; Path=/desk; HttpOnly; SameSite=Strict{age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The form fields of a urlencoded body.
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The one access check: which route this is, who is asking, and, for a POST, whether the form carries
/// the session's CSRF token. A handler only runs when all three agree.
async fn guard(State(desk): State<Desk>, request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let method = request.method().clone();
    let Some(route) = ROUTES.iter().find(|r| r.path == path && r.method == method.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if route.access == Access::Public {
        return next.run(request).await;
    }
    let Some(session) = desk.session(request.headers()).await else {
        // Not logged in: to the login form, never the page.
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/desk/login")]).into_response();
    };
    if !route.access.allows(session.role) {
        return pages::refused(&session, StatusCode::FORBIDDEN);
    }
    let mut request = request;
    if method == Method::POST {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        let pairs = form_pairs(&bytes);
        let token = field(&pairs, "csrf").unwrap_or("");
        if !same_secret(token, &session.csrf) {
            return pages::refused(&session, StatusCode::FORBIDDEN);
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    request.extensions_mut().insert(session);
    next.run(request).await
}
