//! SQL for sessions, and assembling the `Session` shape.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{rooms, users};
use crate::error::{AppError, ErrorCode};
use crate::model::{RoomRef, Session, SessionStatus, UserSummary};
use crate::time::format_ms;

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub room_id: i64,
    pub title: String,
    pub status: SessionStatus,
    pub staff_id: Option<i64>,
    pub started_at: i64,
    pub claimed_at: Option<i64>,
    pub ended_at: Option<i64>,
}

const COLUMNS: &str = "id, room_id, title, status, staff_id, started_at, claimed_at, ended_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let status: String = r.get(3)?;
    Ok(SessionRow {
        id: r.get(0)?,
        room_id: r.get(1)?,
        title: r.get(2)?,
        status: SessionStatus::parse(&status).unwrap_or(SessionStatus::Ended),
        staff_id: r.get(4)?,
        started_at: r.get(5)?,
        claimed_at: r.get(6)?,
        ended_at: r.get(7)?,
    })
}

/// Opens a session; a room that already has one that is not ended is a 409.
pub fn insert(conn: &Connection, room_id: i64, title: &str, now: i64) -> Result<i64, AppError> {
    let result = conn
        .prepare_cached(
            "INSERT INTO sessions (room_id, title, status, started_at) VALUES (?1, ?2, 'OPEN', ?3)",
        )?
        .execute(params![room_id, title, now]);
    match result {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(e) if super::is_unique_violation(&e) => Err(AppError::conflict(
            ErrorCode::ActiveSessionExists,
            "This room already has an active session",
        )),
        Err(e) => Err(e.into()),
    }
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<SessionRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The room's session that is not ended, if any (there is at most one).
pub fn active_for_room(conn: &Connection, room_id: i64) -> Result<Option<SessionRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE room_id = ?1 AND status <> 'ENDED'");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([room_id], from_row)
        .optional()?)
}

pub fn claim(conn: &Connection, id: i64, staff_id: i64, now: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE sessions SET status = 'IN_PROGRESS', staff_id = ?2, claimed_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, staff_id, now])?;
    Ok(())
}

pub fn end(conn: &Connection, id: i64, now: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE sessions SET status = 'ENDED', ended_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// Open sessions, oldest first: the queue.
pub fn list_open(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<SessionRow>, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions WHERE status = 'OPEN' ORDER BY started_at, id
         LIMIT ?1 OFFSET ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![limit, offset], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A room's sessions, newest first.
pub fn list_for_room(
    conn: &Connection,
    room_id: i64,
    limit: u32,
    offset: u32,
) -> Result<Vec<SessionRow>, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions WHERE room_id = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![room_id, limit, offset], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The `Session` shape, with its room, customer and staff.
pub fn view(conn: &Connection, row: &SessionRow) -> Result<Session, AppError> {
    let room = rooms::by_id(conn, row.room_id)?
        .ok_or_else(|| AppError::Internal(format!("session {} has no room", row.id)))?;
    let customer = users::summary(conn, room.customer_id)?;
    view_in(conn, row, &room, customer)
}

/// The `Session` shape for a caller that already holds its room and customer (a room's view
/// embedding its active session), so neither is read twice.
pub fn view_in(
    conn: &Connection,
    row: &SessionRow,
    room: &rooms::RoomRow,
    customer: UserSummary,
) -> Result<Session, AppError> {
    let staff = row
        .staff_id
        .map(|id| users::summary(conn, id))
        .transpose()?;
    Ok(Session {
        id: row.id,
        title: row.title.clone(),
        status: row.status,
        started_at: format_ms(row.started_at),
        claimed_at: row.claimed_at.map(format_ms),
        ended_at: row.ended_at.map(format_ms),
        room_id: row.room_id,
        customer_id: room.customer_id,
        staff_id: row.staff_id,
        room: RoomRef {
            id: room.id,
            name: room.name.clone(),
            customer: customer.clone(),
        },
        customer,
        staff,
    })
}
