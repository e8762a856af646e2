//! SQL for sessions, and their `Session` views (joined, one statement per list).

use super::sql::{Connection, OptionalExtension, Row, params};

use super::labels::labels_column;
use crate::error::{AppError, ErrorCode};
use crate::model::{Rating, RoomRef, Session, SessionStatus};
use crate::time::Timestamp;

/// A stored session.
#[derive(Debug, Clone)]
pub(crate) struct SessionRow {
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

fn from_row(r: &Row<'_>) -> super::sql::Result<SessionRow> {
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
pub(crate) fn insert(
    conn: &Connection,
    room_id: i64,
    title: &str,
    now: i64,
    after_hours: bool,
) -> Result<i64, AppError> {
    let result = conn
        .prepare_cached(
            "INSERT INTO sessions (room_id, title, status, started_at, after_hours)
             VALUES (?1, ?2, 'OPEN', ?3, ?4)",
        )?
        .execute(params![room_id, title, now, after_hours]);
    match result {
        Ok(_) => Ok(conn.last_insert_rowid()?),
        Err(e) if e.is_unique_violation() => Err(AppError::conflict(
            ErrorCode::ActiveSessionExists,
            "This room already has an active session",
        )),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<SessionRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The room's session that is not ended, if any (there is at most one).
pub(crate) fn active_for_room(
    conn: &Connection,
    room_id: i64,
) -> Result<Option<SessionRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE room_id = ?1 AND status <> 'ENDED'");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([room_id], from_row)
        .optional()?)
}

/// Claims session `id` if it is still `OPEN`; false when it is not (another claim won). The
/// condition is the statement's own, so on PostgreSQL, where nodes claim at once, a second
/// claim waits for the first's row lock, reads the row again and changes nothing.
pub(crate) fn claim(conn: &Connection, id: i64, staff_id: i64, now: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE sessions SET status = 'IN_PROGRESS', staff_id = ?2, claimed_at = ?3
             WHERE id = ?1 AND status = 'OPEN'",
        )?
        .execute(params![id, staff_id, now])?
        == 1)
}

/// Ends session `id` if it is not ended yet and, with `quiet_since`, if nothing was written
/// in it since then (`idle_since`'s test, repeated here where the room is locked); false when
/// it is not ended by this. The conditions are the statement's own, as a claim's is, so of two
/// ends at once (two people, a person and the idle timer, on two nodes) one ends it and the
/// other changes nothing.
pub(crate) fn end(
    conn: &Connection,
    id: i64,
    now: i64,
    quiet_since: Option<i64>,
) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE sessions SET status = 'ENDED', ended_at = ?2
             WHERE id = ?1 AND status <> 'ENDED'
               AND coalesce((SELECT max(m.created_at) FROM messages m WHERE m.session_id = ?1), 0) < ?3",
        )?
        .execute(params![id, now, quiet_since.unwrap_or(i64::MAX)])?
        == 1)
}

/// The joined `Session` view around a `WHERE` and what follows it: the session, its room and
/// customer, its staff member, in one constant statement.
macro_rules! session_views {
    ($rest:literal) => {
        concat!(
            "SELECT s.id, s.room_id, s.title, s.status, s.staff_id, s.started_at, s.claimed_at,
                s.ended_at, r.name, r.customer_id,
                cu.user_name, cu.first_name, cu.last_name, cu.avatar,
                su.user_name, su.first_name, su.last_name, su.avatar,
                s.rating_score, s.rating_comment, s.rated_at, s.after_hours, ",
            labels_column!(),
            "
             FROM sessions s JOIN rooms r ON r.id = s.room_id
             JOIN users cu ON cu.id = r.customer_id
             LEFT JOIN users su ON su.id = s.staff_id ",
            $rest
        )
    };
}

fn view_from_row(r: &Row<'_>) -> super::sql::Result<Session> {
    let row = from_row(r)?;
    let customer_id: i64 = r.get(9)?;
    let customer = super::summary(r, customer_id, 10)?;
    Ok(Session {
        id: row.id,
        title: row.title,
        status: row.status,
        started_at: Timestamp::from_ms(row.started_at),
        claimed_at: row.claimed_at.map(Timestamp::from_ms),
        ended_at: row.ended_at.map(Timestamp::from_ms),
        room_id: row.room_id,
        customer_id,
        staff_id: row.staff_id,
        room: RoomRef {
            id: row.room_id,
            name: r.get(8)?,
            customer: customer.clone(),
        },
        customer,
        staff: super::maybe_summary(r, row.staff_id, 14)?,
        opened_after_hours: r.get(21)?,
        rating: match r.get::<_, Option<i64>>(18)? {
            Some(score) => Some(Rating {
                score,
                comment: r.get(19)?,
                created_at: Timestamp::from_ms(r.get(20)?),
            }),
            None => None,
        },
        labels: super::labels::from_column(r.get(22)?),
    })
}

/// Stores the rating of an ended session that has none; false when it already had one.
/// Sessions not yet ended whose latest message (or, without one, whose start) is before
/// `before`, as (session, room) ids.
pub(crate) fn idle_since(conn: &Connection, before: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT s.id, s.room_id FROM sessions s
             WHERE s.status <> 'ENDED' AND s.started_at < ?1
               AND coalesce((SELECT max(m.created_at) FROM messages m WHERE m.session_id = s.id), 0) < ?1
             ORDER BY s.id",
        )?
        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

pub(crate) fn rate(
    conn: &Connection,
    id: i64,
    score: i64,
    comment: Option<&str>,
    now: i64,
) -> Result<bool, AppError> {
    let changed = conn
        .prepare_cached(
            "UPDATE sessions SET rating_score = ?2, rating_comment = ?3, rated_at = ?4
             WHERE id = ?1 AND rating_score IS NULL",
        )?
        .execute(params![id, score, comment, now])?;
    Ok(changed == 1)
}

/// One session's view.
pub(crate) fn view(conn: &Connection, id: i64) -> Result<Session, AppError> {
    conn.prepare_cached(session_views!("WHERE s.id = ?1"))?
        .query_row([id], view_from_row)
        .optional()?
        .ok_or_else(|| AppError::not_found("Session not found"))
}

/// Open sessions, oldest first: the queue.
pub(crate) fn open_views(
    conn: &Connection,
    limit: u32,
    offset: u32,
) -> Result<Vec<Session>, AppError> {
    let sql =
        session_views!("WHERE s.status = 'OPEN' ORDER BY s.started_at, s.id LIMIT ?1 OFFSET ?2");
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params![limit, offset], view_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A room's sessions, newest first.
pub(crate) fn room_views(
    conn: &Connection,
    room_id: i64,
    limit: u32,
    offset: u32,
) -> Result<Vec<Session>, AppError> {
    let sql = session_views!("WHERE s.room_id = ?1 ORDER BY s.id DESC LIMIT ?2 OFFSET ?3");
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params![room_id, limit, offset], view_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}
