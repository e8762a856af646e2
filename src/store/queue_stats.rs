//! The live figures of `/metrics` read from the database: how many sessions wait for a claim
//! and since when, and (PostgreSQL) how large the database is.

use super::sql::Connection;

/// Sessions that are `OPEN` (not yet claimed) and the earliest `started_at` among them (ms).
pub(crate) fn waiting(conn: &Connection) -> super::sql::Result<(i64, Option<i64>)> {
    conn.prepare_cached("SELECT count(*), min(started_at) FROM sessions WHERE status = 'OPEN'")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// The PostgreSQL database's size in bytes; `None` on SQLite, whose size is its files'.
pub(crate) fn database_bytes(conn: &Connection) -> super::sql::Result<Option<i64>> {
    if !conn.is_postgres() {
        return Ok(None);
    }
    conn.prepare_cached("SELECT pg_database_size(current_database())")?
        .query_row([], |r| r.get(0))
}
