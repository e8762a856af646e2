//! SQL for the admin dashboard's figures. It counts and measures; medians, day boundaries and
//! who may see the figures are decided in chat/stats.rs.

use super::sql::{Connection, params};

use crate::error::AppError;

/// How many sessions wait for staff now, and since when the oldest has waited.
pub(crate) fn waiting(conn: &Connection) -> Result<(i64, Option<i64>), AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*), min(started_at) FROM sessions WHERE status = 'OPEN'")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Sessions started in `[from, to)`.
pub(crate) fn started_between(conn: &Connection, from: i64, to: i64) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM sessions WHERE started_at >= ?1 AND started_at < ?2")?
        .query_row(params![from, to], |r| r.get(0))?)
}

/// Sessions started per day of `day_ms` length from `from`, as `(day index, count)`.
pub(crate) fn started_per_day(
    conn: &Connection,
    from: i64,
    day_ms: i64,
) -> Result<Vec<(i64, i64)>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT (started_at - ?1) / ?2 AS day, count(*) FROM sessions
             WHERE started_at >= ?1 GROUP BY day ORDER BY day",
        )?
        .query_map(params![from, day_ms], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// For each session started since `since` that a staff member or admin answered: the time from
/// its start to the first staff message in it, in milliseconds.
pub(crate) fn first_reply_delays(conn: &Connection, since: i64) -> Result<Vec<i64>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT min(m.created_at) - s.started_at FROM sessions s
               JOIN messages m ON m.session_id = s.id
               JOIN users u ON u.id = m.sender_id AND u.role IN ('STAFF', 'ADMIN')
             WHERE s.started_at >= ?1 GROUP BY s.id",
        )?
        .query_map([since], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// How long each session started since `since` and already ended lasted, in milliseconds.
pub(crate) fn session_lengths(conn: &Connection, since: i64) -> Result<Vec<i64>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT ended_at - started_at FROM sessions
             WHERE status = 'ENDED' AND ended_at IS NOT NULL AND started_at >= ?1",
        )?
        .query_map([since], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// How many sessions started since `since` were opened outside business hours.
pub(crate) fn after_hours_since(conn: &Connection, since: i64) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM sessions WHERE started_at >= ?1 AND after_hours = 1")?
        .query_row([since], |r| r.get(0))?)
}

/// How many sessions started since `since` were rated, and their mean score.
pub(crate) fn ratings_since(conn: &Connection, since: i64) -> Result<(i64, Option<f64>), AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(rating_score), CAST(avg(rating_score) AS DOUBLE PRECISION) FROM sessions
             WHERE started_at >= ?1 AND rating_score IS NOT NULL",
        )?
        .query_row([since], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// One active staff member's or admin's current work.
#[derive(Debug, Clone)]
pub(crate) struct StaffLoad {
    pub user_name: String,
    pub first_name: String,
    pub last_name: String,
    /// Sessions they hold now (`IN_PROGRESS`).
    pub in_progress: i64,
    /// Rooms assigned to them.
    pub rooms: i64,
    /// Sessions they claimed that started since the window's start.
    pub handled: i64,
}

/// The load of every active staff member and admin, busiest first.
pub(crate) fn staff_load(conn: &Connection, since: i64) -> Result<Vec<StaffLoad>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT u.user_name, u.first_name, u.last_name,
               (SELECT count(*) FROM sessions s WHERE s.staff_id = u.id AND s.status = 'IN_PROGRESS'),
               (SELECT count(*) FROM rooms r WHERE r.staff_id = u.id),
               (SELECT count(*) FROM sessions s WHERE s.staff_id = u.id AND s.started_at >= ?1)
             FROM users u WHERE u.role IN ('STAFF', 'ADMIN') AND u.is_active = 1
             ORDER BY 4 DESC, 6 DESC, u.id",
        )?
        .query_map([since], |r| {
            Ok(StaffLoad {
                user_name: r.get(0)?,
                first_name: r.get(1)?,
                last_name: r.get(2)?,
                in_progress: r.get(3)?,
                rooms: r.get(4)?,
                handled: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
