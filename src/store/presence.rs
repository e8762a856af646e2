//! SQL for staff presence (who has the desk open, who is away) and the routing choice that
//! reads it together with the sessions each one holds.

use super::sql::{Connection, OptionalExtension, params};

use crate::error::AppError;

/// `node` counts `sockets` desk sockets of `user_id`, as counted at `seq`; an older count
/// arriving later is ignored.
pub(crate) fn set_sockets(
    conn: &Connection,
    node: &str,
    user_id: i64,
    sockets: i64,
    seq: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO node_sockets (node, user_id, sockets, seq) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (node, user_id) DO UPDATE SET sockets = ?3, seq = ?4
         WHERE node_sockets.seq < ?4",
    )?
    .execute(params![node, user_id, sockets, seq])?;
    Ok(())
}

/// `node` counts no socket of anyone whose count it last wrote before `seq`: the counts a
/// node restates (with the `seq` they were read at) leave nobody else counted.
pub(crate) fn zero_older_sockets(conn: &Connection, node: &str, seq: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE node_sockets SET sockets = 0, seq = ?2
         WHERE node = ?1 AND seq < ?2 AND sockets > 0",
    )?
    .execute(params![node, seq])?;
    Ok(())
}

/// `node` is running at `now`.
pub(crate) fn node_seen(conn: &Connection, node: &str, now: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO nodes (name, seen_at) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET seen_at = ?2",
    )?
    .execute(params![node, now])?;
    Ok(())
}

/// Forgets the nodes last seen before `before`, and the sockets they counted.
pub(crate) fn forget_nodes(conn: &Connection, before: i64) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM nodes WHERE seen_at < ?1")?
        .execute([before])?;
    Ok(())
}

/// `node` stopped: its sockets are gone with it.
pub(crate) fn node_stopped(conn: &Connection, node: &str) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM nodes WHERE name = ?1")?
        .execute([node])?;
    Ok(())
}

pub(crate) fn set_away(conn: &Connection, user_id: i64, away: bool) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO staff_presence (user_id, away) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET away = ?2",
    )?
    .execute(params![user_id, away])?;
    Ok(())
}

pub(crate) fn is_away(conn: &Connection, user_id: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT away FROM staff_presence WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// `IN_PROGRESS` sessions `staff_id` holds.
pub(crate) fn chats_held(conn: &Connection, staff_id: i64) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM sessions WHERE staff_id = ?1 AND status = 'IN_PROGRESS'",
        )?
        .query_row([staff_id], |r| r.get(0))?)
}

/// Whether `u` has a desk socket on a node seen since `?2`.
macro_rules! online {
    () => {
        "EXISTS (SELECT 1 FROM node_sockets ns JOIN nodes n ON n.name = ns.node
                 WHERE ns.user_id = u.id AND ns.sockets > 0 AND n.seen_at >= ?2)"
    };
}

/// The staff member automatic routing gives the next session to: an active STAFF account with
/// the desk open on a node seen since `live_since` and not away, holding fewer than `cap` chats
/// (`cap` 0: no cap), the fewest of all; of equals, the one whose latest claim is oldest (idle
/// longest).
pub(crate) fn next_free(
    conn: &Connection,
    cap: i64,
    live_since: i64,
) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached(concat!(
            "SELECT u.id FROM users u LEFT JOIN staff_presence p ON p.user_id = u.id
             WHERE coalesce(p.away, 0) = 0 AND u.is_active = 1 AND u.role = 'STAFF' AND ",
            online!(),
            " AND (?1 = 0 OR (SELECT count(*) FROM sessions s
                               WHERE s.staff_id = u.id AND s.status = 'IN_PROGRESS') < ?1)
             ORDER BY (SELECT count(*) FROM sessions s
                       WHERE s.staff_id = u.id AND s.status = 'IN_PROGRESS'),
                      coalesce((SELECT max(s.claimed_at) FROM sessions s WHERE s.staff_id = u.id), 0),
                      u.id
             LIMIT 1",
        ))?
        .query_row([cap, live_since], |r| r.get(0))
        .optional()?)
}

/// The oldest `OPEN` session, for routing the queue.
pub(crate) fn oldest_waiting(conn: &Connection) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM sessions WHERE status = 'OPEN' ORDER BY started_at, id LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// A colleague a room can be transferred to, as the desk's transfer dialog lists them.
pub(crate) struct Colleague {
    pub id: i64,
    pub name: String,
    /// A desk socket is connected and they are not away.
    pub online: bool,
    pub away: bool,
    /// `IN_PROGRESS` sessions they hold.
    pub chats: i64,
}

/// Every active STAFF and ADMIN account but `except`, online (on a node seen since
/// `live_since`) ones first, then by name.
pub(crate) fn colleagues(
    conn: &Connection,
    except: i64,
    live_since: i64,
) -> Result<Vec<Colleague>, AppError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT u.id, u.first_name, u.last_name, u.user_name, ",
        online!(),
        " AS online, coalesce(p.away, 0) = 1,
                (SELECT count(*) FROM sessions s
                 WHERE s.staff_id = u.id AND s.status = 'IN_PROGRESS')
         FROM users u LEFT JOIN staff_presence p ON p.user_id = u.id
         WHERE u.is_active = 1 AND u.role IN ('STAFF', 'ADMIN') AND u.id <> ?1
         ORDER BY online DESC, u.first_name, u.user_name",
    ))?;
    let rows = stmt.query_map([except, live_since], |r| {
        let first: String = r.get(1)?;
        let last: String = r.get(2)?;
        let user_name: String = r.get(3)?;
        let connected: bool = r.get(4)?;
        let away: bool = r.get(5)?;
        Ok(Colleague {
            id: r.get(0)?,
            name: crate::model::display_name(&first, &last, &user_name),
            online: connected && !away,
            away: connected && away,
            chats: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
