//! Databases for tests, shared by this crate's tests and the command line's: a fresh SQLite file, and a
//! fresh PostgreSQL database on the server `COMPLY_TEST_POSTGRES` names (`.ci/run` starts one and always
//! sets it; without it, locally, the PostgreSQL half of a test is skipped, and under CI it fails).

#![allow(clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const POSTGRES_ENV: &str = "COMPLY_TEST_POSTGRES";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A folder of its own for one test, under the system's temporary folder.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(&format!("comply_{label}")));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A new, empty SQLite database file.
pub fn sqlite_target(label: &str) -> String {
    temp_dir(label).join("records.sqlite").display().to_string()
}

/// A new, empty PostgreSQL database, or None when no server is configured outside CI.
pub fn postgres_target(label: &str) -> Option<String> {
    let Ok(url) = std::env::var(POSTGRES_ENV) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{POSTGRES_ENV} must name a PostgreSQL server under CI (.ci/run starts one)"
        );
        eprintln!("{POSTGRES_ENV} is not set: the PostgreSQL half of `{label}` is skipped");
        return None;
    };
    let name = unique(&format!("t_{label}")).to_lowercase();
    let mut conn = crate::db::connect(&url).unwrap_or_else(|e| panic!("cannot reach {url}: {e}"));
    conn.batch(&format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// Both backends for one test: SQLite always, PostgreSQL when configured.
pub fn targets(label: &str) -> Vec<String> {
    let mut out = vec![sqlite_target(label)];
    out.extend(postgres_target(label));
    out
}
