//! Schema migrations: numbered, applied once each, in order, inside one locked transaction, so that two
//! processes opening a new database at the same time cannot both apply them. A migration is never edited
//! after it has shipped; a change is a new migration.

use crate::db::{Conn, DbError};

/// (version, statements). The SQL is the common subset of SQLite and PostgreSQL: TEXT and BIGINT columns,
/// no auto-increment (the chain numbers its records itself), no engine-specific types.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
    CREATE TABLE rulebooks (
        hash TEXT PRIMARY KEY,
        files TEXT NOT NULL
    );
    CREATE TABLE records (
        seq BIGINT PRIMARY KEY,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        corrects BIGINT REFERENCES records (seq),
        case_no TEXT NOT NULL,
        applicant TEXT NOT NULL,
        credit_code TEXT NOT NULL,
        policy TEXT NOT NULL,
        as_of TEXT NOT NULL,
        rulebook TEXT REFERENCES rulebooks (hash),
        lang TEXT NOT NULL,
        facts_name TEXT NOT NULL,
        facts TEXT NOT NULL,
        verdict TEXT NOT NULL,
        report TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    );
    CREATE INDEX records_case_no ON records (case_no);
    CREATE INDEX records_credit_code ON records (credit_code);
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    ",
    ),
    (
        2,
        // Desk sessions and failed logins live in the store, so that every `comply serve` instance on it
        // knows them. Tokens are stored hashed: a copy of the database opens no session.
        "
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL REFERENCES users (name),
        csrf TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE login_failures (
        name TEXT PRIMARY KEY,
        failures BIGINT NOT NULL,
        locked_until BIGINT NOT NULL
    );
    ",
    ),
];

pub const CURRENT: i64 = 2;

pub fn migrate(conn: &mut dyn Conn) -> Result<i64, DbError> {
    conn.batch("CREATE TABLE IF NOT EXISTS comply_schema (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")?;
    conn.begin_write("comply_schema")?;
    let result = apply(conn);
    match result {
        Ok(version) => {
            conn.commit()?;
            Ok(version)
        }
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

fn apply(conn: &mut dyn Conn) -> Result<i64, DbError> {
    let rows = conn.query("SELECT MAX(version) FROM comply_schema", &[])?;
    let mut version = rows.first().and_then(|r| r.int(0)).unwrap_or(0);
    for (number, sql) in MIGRATIONS {
        if *number <= version {
            continue;
        }
        // Both databases run DDL inside the transaction, so a half-applied step rolls back whole.
        conn.batch(sql)?;
        conn.execute(
            "INSERT INTO comply_schema (version, applied_at) VALUES ($1, $2)",
            &[(*number).into(), crate::now().into()],
        )?;
        version = *number;
    }
    Ok(version)
}
