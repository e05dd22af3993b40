//! Desk sessions and login throttling, kept in the store so that any instance serving the desk can answer
//! any request. A session token is only ever stored as its hash; the CSRF token rides with the session.

use comply_engine::identity::Fingerprint;

use crate::users::{Role, random_token};
use crate::{Store, StoreError};

/// How long a session lasts after login.
pub const SESSION_SECONDS: i64 = 8 * 3600;
/// Failures allowed before a name is locked for 30 s; each further failure doubles the wait, to 15 min.
const FREE_FAILURES: i64 = 5;
const MAX_LOCK_SECONDS: i64 = 15 * 60;

/// A logged-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// Sent back in a hidden field of every form; a cross-site form cannot know it.
    pub csrf: String,
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn token_hash(token: &str) -> String {
    let mut f = Fingerprint::new("comply session v1");
    f.text(token);
    f.finish().to_string()
}

impl Store {
    /// Opens a session for `name`; returns the token for the cookie and the session.
    pub fn open_session(&mut self, name: &str, role: Role) -> Result<(String, Session), StoreError> {
        let token = random_token();
        let session = Session { user: name.to_string(), role, csrf: random_token() };
        let at = now();
        self.conn().execute("DELETE FROM sessions WHERE expires_at < $1", &[at.into()])?;
        self.conn().execute(
            "INSERT INTO sessions (token_hash, name, csrf, expires_at) VALUES ($1, $2, $3, $4)",
            &[token_hash(&token).into(), name.into(), session.csrf.as_str().into(), (at + SESSION_SECONDS).into()],
        )?;
        Ok((token, session))
    }

    /// The live session a cookie's token names, with the user's current role.
    pub fn session(&mut self, token: &str) -> Result<Option<Session>, StoreError> {
        let rows = self.conn().query(
            "SELECT s.name, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.name \
             WHERE s.token_hash = $1 AND s.expires_at >= $2",
            &[token_hash(token).into(), now().into()],
        )?;
        Ok(rows
            .first()
            .and_then(|r| Role::parse(&r.text(1)).map(|role| Session { user: r.text(0), role, csrf: r.text(2) })))
    }

    pub fn close_session(&mut self, token: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM sessions WHERE token_hash = $1", &[token_hash(token).into()])?;
        Ok(())
    }

    /// Seconds `name` must still wait before another login attempt, if any.
    pub fn login_locked_for(&mut self, name: &str) -> Result<Option<i64>, StoreError> {
        let rows = self.conn().query("SELECT locked_until FROM login_failures WHERE name = $1", &[name.into()])?;
        let wait = rows.first().and_then(|r| r.int(0)).map(|until| until - now());
        Ok(wait.filter(|w| *w > 0))
    }

    pub fn login_failed(&mut self, name: &str) -> Result<(), StoreError> {
        self.in_write(|store| {
            let rows = store.conn().query("SELECT failures FROM login_failures WHERE name = $1", &[name.into()])?;
            let failures = rows.first().and_then(|r| r.int(0)).unwrap_or(0) + 1;
            let locked_until = if failures >= FREE_FAILURES {
                now() + (30i64 << (failures - FREE_FAILURES).min(5)).min(MAX_LOCK_SECONDS)
            } else {
                0
            };
            store.conn().execute("DELETE FROM login_failures WHERE name = $1", &[name.into()])?;
            store.conn().execute(
                "INSERT INTO login_failures (name, failures, locked_until) VALUES ($1, $2, $3)",
                &[name.into(), failures.into(), locked_until.into()],
            )?;
            Ok(())
        })
    }

    pub fn login_succeeded(&mut self, name: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM login_failures WHERE name = $1", &[name.into()])?;
        Ok(())
    }
}
