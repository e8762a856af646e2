//! The live queue for `/metrics`: how many sessions wait for a claim and since when.

use super::sql::Connection;

/// Sessions that are `OPEN` (not yet claimed) and the earliest `started_at` among them (ms).
pub(crate) fn waiting(conn: &Connection) -> super::sql::Result<(i64, Option<i64>)> {
    conn.prepare_cached("SELECT count(*), min(started_at) FROM sessions WHERE status = 'OPEN'")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
}
