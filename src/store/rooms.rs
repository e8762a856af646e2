//! SQL for rooms, and assembling the `Room` shape with its customer, staff, latest message,
//! active session and the viewer's unread count.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{messages, sessions, users};
use crate::error::AppError;
use crate::model::{Room, RoomCount};
use crate::time::format_ms;

/// A stored room.
#[derive(Debug, Clone)]
pub struct RoomRow {
    pub id: i64,
    pub name: String,
    pub is_closed: bool,
    pub customer_id: i64,
    pub staff_id: Option<i64>,
    pub created_at: i64,
    pub last_message_at: i64,
    pub message_count: i64,
}

const COLUMNS: &str =
    "id, name, is_closed, customer_id, staff_id, created_at, last_message_at, message_count";

fn from_row(r: &Row<'_>) -> rusqlite::Result<RoomRow> {
    Ok(RoomRow {
        id: r.get(0)?,
        name: r.get(1)?,
        is_closed: r.get(2)?,
        customer_id: r.get(3)?,
        staff_id: r.get(4)?,
        created_at: r.get(5)?,
        last_message_at: r.get(6)?,
        message_count: r.get(7)?,
    })
}

/// Creates the customer's one room, named after its id as the guide shows.
pub fn insert_for_customer(conn: &Connection, customer_id: i64, now: i64) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO rooms (name, customer_id, created_at, last_message_at, activity_at)
         VALUES ('', ?1, ?2, ?2, ?2)",
    )?
    .execute(params![customer_id, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE rooms SET name = 'Support Request #' || id WHERE id = ?1")?
        .execute([id])?;
    Ok(id)
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<RoomRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM rooms WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

pub fn by_customer(conn: &Connection, customer_id: i64) -> Result<Option<RoomRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM rooms WHERE customer_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([customer_id], from_row)
        .optional()?)
}

pub fn set_staff(conn: &Connection, id: i64, staff_id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE rooms SET staff_id = ?2 WHERE id = ?1")?
        .execute(params![id, staff_id])?;
    Ok(())
}

/// Counts a new message and moves the room's activity time.
pub fn record_message(conn: &Connection, id: i64, at: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE rooms SET message_count = message_count + 1, last_message_at = ?2,
           activity_at = max(activity_at, ?2) WHERE id = ?1",
    )?
    .execute(params![id, at])?;
    Ok(())
}

/// A session started in the room at `at`: the room's activity is at least that.
pub fn record_session_start(conn: &Connection, id: i64, at: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE rooms SET activity_at = max(activity_at, ?2) WHERE id = ?1")?
        .execute(params![id, at])?;
    Ok(())
}

/// The room's active session ended: its activity is its last message again.
pub fn record_session_end(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE rooms SET activity_at = last_message_at WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Which rooms a list shows.
#[derive(Debug, Clone, Copy)]
pub enum RoomFilter {
    /// Every room (admin).
    All,
    /// Rooms assigned to one staff member.
    AssignedTo(i64),
    /// Rooms assigned to anyone (admin's "assigned").
    Assigned,
    /// Rooms nobody is assigned to that have a message or an active session.
    Unassigned,
}

/// A page of rooms, latest activity first.
pub fn list(
    conn: &Connection,
    filter: RoomFilter,
    limit: u32,
    offset: u32,
) -> Result<Vec<RoomRow>, AppError> {
    // Every condition names ?3 (the staff id, or NULL) so one parameter list fits them all.
    let (condition, staff) = match filter {
        RoomFilter::All => ("?3 IS NULL", None),
        RoomFilter::AssignedTo(staff) => ("staff_id = ?3", Some(staff)),
        RoomFilter::Assigned => ("staff_id IS NOT NULL AND ?3 IS NULL", None),
        RoomFilter::Unassigned => (
            "staff_id IS NULL AND (message_count > 0 OR EXISTS (SELECT 1 FROM sessions s
              WHERE s.room_id = rooms.id AND s.status <> 'ENDED')) AND ?3 IS NULL",
            None,
        ),
    };
    // Activity (`activity_at`) is the latest message or the start of the active session,
    // whichever is later; the writer keeps it, so the unassigned list is read in index order.
    let sql = format!(
        "SELECT {COLUMNS} FROM rooms WHERE {condition}
         ORDER BY activity_at DESC, id DESC
         LIMIT ?1 OFFSET ?2"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![limit, offset, staff], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The `Room` shape as `viewer_id` sees it.
pub fn view(conn: &Connection, row: &RoomRow, viewer_id: i64) -> Result<Room, AppError> {
    let customer = users::summary(conn, row.customer_id)?;
    let staff = row
        .staff_id
        .map(|id| users::summary(conn, id))
        .transpose()?;
    let latest = messages::latest(conn, row.id)?;
    let active_session = sessions::active_for_room(conn, row.id)?
        .map(|s| sessions::view_in(conn, &s, row, customer.clone()))
        .transpose()?;
    let unread_count = messages::unread_count(conn, row.id, viewer_id)?;
    Ok(Room {
        id: row.id,
        name: row.name.clone(),
        is_closed: row.is_closed,
        customer_id: row.customer_id,
        staff_id: row.staff_id,
        created_at: format_ms(row.created_at),
        last_message_at: format_ms(row.last_message_at),
        customer,
        staff,
        messages: latest.into_iter().collect(),
        count: RoomCount {
            messages: row.message_count,
        },
        active_session,
        unread_count,
    })
}
