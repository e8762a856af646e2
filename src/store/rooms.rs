//! SQL for rooms. Their `Room` views, joined in one statement per list, are in room_views.rs.

use super::sql::{Connection, OptionalExtension, Row, params};

use crate::error::AppError;

/// A stored room.
#[derive(Debug, Clone)]
pub(crate) struct RoomRow {
    pub customer_id: i64,
    pub staff_id: Option<i64>,
    pub last_message_at: i64,
    pub message_count: i64,
}

/// The columns [`from_row`] reads, as a literal so statements are constants.
macro_rules! columns {
    () => {
        "customer_id, staff_id, last_message_at, message_count"
    };
}

fn from_row(r: &Row<'_>) -> super::sql::Result<RoomRow> {
    Ok(RoomRow {
        customer_id: r.get(0)?,
        staff_id: r.get(1)?,
        last_message_at: r.get(2)?,
        message_count: r.get(3)?,
    })
}

/// Creates the customer's one room, named after its id as the guide shows.
pub(crate) fn insert_for_customer(
    conn: &Connection,
    customer_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO rooms (name, customer_id, created_at, last_message_at, activity_at)
         VALUES ('', ?1, ?2, ?2, ?2)",
    )?
    .execute(params![customer_id, now])?;
    let id = conn.last_insert_rowid()?;
    conn.prepare_cached("UPDATE rooms SET name = 'Support Request #' || id WHERE id = ?1")?
        .execute([id])?;
    Ok(id)
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<RoomRow>, AppError> {
    Ok(conn
        .prepare_cached(concat!("SELECT ", columns!(), " FROM rooms WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Room `id` for a rule that reads it and then changes it (a transfer checks who holds it):
/// on PostgreSQL the row is locked until the transaction ends, the lock counting a message
/// takes too, so what the rule read cannot change under it on another node, and of two such
/// rules at once the second reads what the first left. On SQLite the one writer already runs
/// one rule at a time, so a plain read is the same.
pub(crate) fn by_id_for_change(conn: &Connection, id: i64) -> Result<Option<RoomRow>, AppError> {
    let sql = if conn.is_postgres() {
        concat!(
            "SELECT ",
            columns!(),
            " FROM rooms WHERE id = ?1 FOR UPDATE"
        )
    } else {
        concat!("SELECT ", columns!(), " FROM rooms WHERE id = ?1")
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], from_row)
        .optional()?)
}

pub(crate) fn set_staff(conn: &Connection, id: i64, staff_id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE rooms SET staff_id = ?2 WHERE id = ?1")?
        .execute(params![id, staff_id])?;
    Ok(())
}

/// Counts a new message on room `id` and moves its activity time, and returns the room as
/// that leaves it (`None`: no such room), `message_count` being the message's `seq`. Counting
/// is the first thing sending does: on PostgreSQL it takes the room row's lock, so what the
/// rule reads of the room holds until it commits (a statement that waited for a row's lock
/// reads that row as the lock's holder left it), and two nodes' messages to one room are
/// numbered one after the other. A refused send is undone with its job, the count with it. One
/// statement where reading the room and counting were two: each is a round trip on PostgreSQL.
pub(crate) fn count_message(
    conn: &Connection,
    id: i64,
    at: i64,
) -> Result<Option<RoomRow>, AppError> {
    Ok(conn
        .prepare_cached(concat!(
            "UPDATE rooms SET message_count = message_count + 1, last_message_at = ?2,
               activity_at = CASE WHEN activity_at > ?2 THEN activity_at ELSE ?2 END
             WHERE id = ?1
             RETURNING ",
            columns!()
        ))?
        .query_row(params![id, at], from_row)
        .optional()?)
}

/// A session started in the room at `at`: the room's activity is at least that.
pub(crate) fn record_session_start(conn: &Connection, id: i64, at: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE rooms SET activity_at = CASE WHEN activity_at > ?2 THEN activity_at ELSE ?2 END WHERE id = ?1")?
        .execute(params![id, at])?;
    Ok(())
}

/// The room's active session ended: its activity is its last message again.
pub(crate) fn record_session_end(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE rooms SET activity_at = last_message_at WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
