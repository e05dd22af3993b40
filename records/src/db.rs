//! The two databases behind one small interface. Every statement the store runs is written once, in the SQL
//! both SQLite and PostgreSQL accept, with `$1`-style parameters; a driver only moves values in and out.
//! The single difference in SQL is how a writer takes the lock that keeps the chain a line (`begin_write`).

use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};

/// A value going into or coming out of a statement: the store only uses integers and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<Option<i64>> for Value {
    fn from(i: Option<i64>) -> Value {
        i.map_or(Value::Null, Value::Int)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn text(&self, i: usize) -> String {
        match self.0.get(i) {
            Some(Value::Text(s)) => s.clone(),
            Some(Value::Int(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    pub fn int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Value::Int(n)) => Some(*n),
            Some(Value::Text(s)) => s.parse().ok(),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    #[error("unexpected column type in the database: {0}")]
    Column(String),
}

impl From<postgres::Error> for DbError {
    /// The server's own message ("deadlock detected", …), not only "db error".
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection to either database.
pub trait Conn: Send {
    fn dialect(&self) -> Dialect;
    /// Statements without parameters, separated by `;` (migrations, transaction control).
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;

    /// Starts a transaction that no other writer of `table` can interleave with, in any process: SQLite
    /// takes the database's write lock at once (`BEGIN IMMEDIATE`), PostgreSQL an exclusive table lock
    /// that still lets readers read.
    fn begin_write(&mut self, table: &str) -> Result<(), DbError> {
        match self.dialect() {
            Dialect::Sqlite => self.batch("BEGIN IMMEDIATE"),
            Dialect::Postgres => self.batch(&format!("BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE")),
        }
    }

    fn begin_read(&mut self) -> Result<(), DbError> {
        match self.dialect() {
            // One snapshot for a whole walk of the chain, however long it takes.
            Dialect::Sqlite => self.batch("BEGIN"),
            Dialect::Postgres => self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        }
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.batch("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.batch("ROLLBACK")
    }
}

/// Whether `--db` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

pub fn connect(target: &str) -> Result<Box<dyn Conn>, DbError> {
    if is_postgres(target) {
        let mut client = postgres::Client::connect(target, postgres::NoTls)?;
        // The server's defaults, stated rather than assumed: a COMMIT returns only once the WAL is flushed.
        client.batch_execute("SET synchronous_commit = on; SET client_min_messages = warning")?;
        Ok(Box::new(Postgres(client)))
    } else {
        let conn = rusqlite::Connection::open(target)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // WAL: readers never block the writer. synchronous=FULL: each commit is fsynced before it returns,
        // so an acknowledged record survives a power cut, not only a killed process.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        Ok(Box::new(Sqlite(conn)))
    }
}

struct Sqlite(rusqlite::Connection);

/// `$1` → `?1`: SQLite reads `$1` as a named parameter, numbered by first appearance, not by its digits.
fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl Conn for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut statement = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        Ok(statement.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        use rusqlite::types::ValueRef;
        let mut statement = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    other => return Err(DbError::Column(format!("{:?}", other.data_type()))),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}

struct Postgres(postgres::Client);

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => i.to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as ToSql>::accepts(ty) || <&str as ToSql>::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

impl Conn for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.0.batch_execute(sql)?)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        Ok(self.0.execute(sql, &params)?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.0.query(sql, &params)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                values.push(if *ty == Type::INT8 {
                    row.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int)
                } else if *ty == Type::INT4 {
                    row.try_get::<_, Option<i32>>(i)?.map_or(Value::Null, |n| Value::Int(n.into()))
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME {
                    row.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text)
                } else {
                    return Err(DbError::Column(ty.name().to_string()));
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}
