//! The one handle every statement in `store/` runs through, whichever engine holds the data.
//!
//! Why a handle of our own and not rusqlite's types: the rules and their SQL are written once
//! and must run on the embedded SQLite file and on a cluster's PostgreSQL (docs/SCALING.md).
//! The handle keeps rusqlite's small vocabulary (`prepare_cached`, `execute`, `query_row`,
//! `query_map`, `optional`, `params!`, rows read by column index), so a statement reads the
//! same as before, and each engine answers it in its own module.

mod lite;
mod pg;
mod value;

pub(crate) use pg::PgConn;
pub(crate) use value::{FromColumn, Param, Value};

/// A statement's placeholders are written `?1`, `?2`, ... on both engines.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::sql::Param]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::store::sql::Param),+] as &[&dyn $crate::store::sql::Param]
    };
}
pub(crate) use params;

/// A connection of either engine, borrowed for one job (a write rule or a read).
#[derive(Clone, Copy)]
pub(crate) enum Connection<'c> {
    Lite(&'c rusqlite::Connection),
    Pg(&'c PgConn),
}

/// A prepared statement, from the connection's cache.
pub(crate) enum Statement<'c> {
    Lite(rusqlite::CachedStatement<'c>),
    Pg(&'c PgConn, tokio_postgres::Statement),
}

/// One row of a result, read by column index.
pub(crate) enum Row<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r tokio_postgres::Row),
}

/// Why a statement failed. A missing row is its own case, so `optional()` reads the same on
/// every engine.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("the query returned no row")]
    NoRow,
    #[error("column {column}: {message}")]
    Decode { column: usize, message: String },
    #[error(transparent)]
    Lite(rusqlite::Error),
    #[error("{}", crate::db::pg_error_text(.0))]
    Pg(#[from] tokio_postgres::Error),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        match err {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRow,
            other => Error::Lite(other),
        }
    }
}

impl Error {
    /// Whether a UNIQUE constraint refused the change, which the caller turns into a 409.
    pub(crate) fn is_unique_violation(&self) -> bool {
        match self {
            Error::Lite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            }
            Error::Pg(e) => e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

/// The arguments of a statement: `params![...]`, an array of one kind, or `[]`.
pub(crate) trait Params {
    fn values(&self) -> impl Iterator<Item = Value<'_>>;
}

impl Params for &[&dyn Param] {
    fn values(&self) -> impl Iterator<Item = Value<'_>> {
        self.iter().map(|p| p.value())
    }
}

/// `[]`: no arguments (its own impl, so the empty array needs no type).
impl Params for [&dyn Param; 0] {
    fn values(&self) -> impl Iterator<Item = Value<'_>> {
        std::iter::empty()
    }
}

macro_rules! array_params {
    ($($n:literal)+) => {$(
        impl<T: Param> Params for [T; $n] {
            fn values(&self) -> impl Iterator<Item = Value<'_>> {
                self.iter().map(|p| p.value())
            }
        }
    )+};
}
array_params!(1 2 3 4 5 6 7 8);

/// A column index; only numbers, as every statement here reads its columns by position.
pub(crate) trait ColumnIndex: Copy {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// Turns "no row" into `None`, as rusqlite's extension of the same name does.
pub(crate) trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl<'c> Connection<'c> {
    /// Whether the statements run on PostgreSQL: for the few features each engine has its own
    /// way of doing (message search), chosen in `store/` and nowhere else.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Connection::Pg(_))
    }

    /// The statement, compiled once per connection and kept in its cache.
    pub(crate) fn prepare_cached(&self, sql: &str) -> Result<Statement<'c>> {
        match self {
            Connection::Lite(c) => Ok(Statement::Lite(c.prepare_cached(sql)?)),
            Connection::Pg(c) => Ok(Statement::Pg(c, c.prepare(sql)?)),
        }
    }

    /// The first row of a statement, mapped; [`Error::NoRow`] when there is none.
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// The id of the row the last `INSERT` on this connection added (PostgreSQL: the last value
    /// an identity column's sequence gave this session, which is that row's id).
    pub(crate) fn last_insert_rowid(&self) -> Result<i64> {
        match self {
            Connection::Lite(c) => Ok(c.last_insert_rowid()),
            Connection::Pg(_) => self
                .prepare_cached("SELECT lastval()")?
                .query_row([], |r| r.get(0))
                .map_err(|e| match e {
                    Error::NoRow => Error::decode(0, "no row was inserted"),
                    e => e,
                }),
        }
    }

    /// Runs statements without arguments or results (`BEGIN`, `SAVEPOINT job`, ...).
    pub(crate) fn batch_execute(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Lite(c) => Ok(c.prepare_cached(sql)?.execute([]).map(|_| ())?),
            Connection::Pg(c) => c.batch_execute(sql),
        }
    }

    /// Runs such statements in order, stopping at the first that fails. PostgreSQL gets them
    /// as one message (one round trip, as the writer wants between jobs); SQLite, which has no
    /// round trips, runs each from its statement cache.
    pub(crate) fn batch_execute_each(&self, statements: &[&str]) -> Result<()> {
        match self {
            Connection::Lite(_) => statements.iter().try_for_each(|s| self.batch_execute(s)),
            Connection::Pg(_) if statements.is_empty() => Ok(()),
            Connection::Pg(c) => c.batch_execute(&statements.join("; ")),
        }
    }
}

impl Statement<'_> {
    /// Runs the statement; how many rows it changed.
    pub(crate) fn execute(&mut self, params: impl Params) -> Result<usize> {
        match self {
            Statement::Lite(s) => lite::execute(s, params),
            Statement::Pg(c, s) => c.execute(s, params),
        }
    }

    /// The first row, mapped; [`Error::NoRow`] when there is none.
    pub(crate) fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        match self {
            Statement::Lite(s) => lite::query_row(s, params, f),
            Statement::Pg(c, s) => pg::query_row(c, s, params, f),
        }
    }

    /// Every row, mapped; the first failure ends the list.
    pub(crate) fn query_map<T>(
        &mut self,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        match self {
            Statement::Lite(s) => lite::query_map(s, params, f),
            Statement::Pg(c, s) => pg::query_map(c, s, params, f),
        }
    }
}

impl Row<'_> {
    /// Column `idx` as `T`, converted as each engine converts its own values.
    pub(crate) fn get<I: ColumnIndex, T: FromColumn>(&self, idx: I) -> Result<T> {
        let i = idx.index();
        let value = match self {
            Row::Lite(r) => value::from_lite(r.get_ref(i)?),
            Row::Pg(r) => pg::cell(r, i),
        };
        value
            .and_then(T::from_value)
            .map_err(|e| Error::decode(i, e))
    }
}

impl Error {
    pub(crate) fn decode(column: usize, message: impl std::fmt::Display) -> Self {
        Error::Decode {
            column,
            message: message.to_string(),
        }
    }
}
