//! SQL for the webhook outbox: events, one delivery row per (event, endpoint), and what the
//! dispatcher needs to pick the next deliveries and record their attempts.

use super::sql::{Connection, OptionalExtension, Row, params};

use crate::error::AppError;
use crate::model::webhooks::{Delivery, DeliveryStatus};
use crate::time::Timestamp;

/// Stores one event and a pending delivery of it to every enabled endpoint whose mask has `bit`;
/// returns how many deliveries it made (none: the event is not kept).
pub(crate) fn enqueue(
    conn: &Connection,
    kind: &str,
    bit: u32,
    room_id: Option<i64>,
    data: &str,
    at: i64,
    give_up_at: i64,
) -> Result<usize, AppError> {
    conn.prepare_cached(
        "INSERT INTO webhook_events (type, room_id, data, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![kind, room_id, data, at])?;
    let event_id = conn.last_insert_rowid()?;
    let made = conn
        .prepare_cached(
            "INSERT INTO webhook_deliveries
               (event_id, webhook_id, room_id, status, next_attempt_at, give_up_at, created_at)
             SELECT ?1, id, ?2, 'pending', ?3, ?4, ?3 FROM webhooks
             WHERE enabled = 1 AND (event_mask & ?5) <> 0",
        )?
        .execute(params![event_id, room_id, at, give_up_at, bit])?;
    if made == 0 {
        conn.prepare_cached("DELETE FROM webhook_events WHERE id = ?1")?
            .execute([event_id])?;
    }
    Ok(made)
}

/// Stores an event for one endpoint only, whatever it subscribes to (a test event); returns the
/// delivery's id.
pub(crate) fn enqueue_for(
    conn: &Connection,
    webhook_id: i64,
    kind: &str,
    data: &str,
    at: i64,
    give_up_at: i64,
) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO webhook_events (type, room_id, data, created_at) VALUES (?1, NULL, ?2, ?3)",
    )?
    .execute(params![kind, data, at])?;
    let event_id = conn.last_insert_rowid()?;
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries
           (event_id, webhook_id, room_id, status, next_attempt_at, give_up_at, created_at)
         VALUES (?1, ?2, NULL, 'pending', ?3, ?4, ?3)",
    )?
    .execute(params![event_id, webhook_id, at, give_up_at])?;
    Ok(conn.last_insert_rowid()?)
}

/// A pending delivery with everything its request needs.
#[derive(Debug, Clone)]
pub(crate) struct DueDelivery {
    pub id: i64,
    pub event_id: i64,
    pub kind: String,
    pub event_at: i64,
    pub data: String,
    pub url: String,
    pub secret: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub give_up_at: i64,
}

/// A due delivery with its event and endpoint, followed by the statement's condition.
macro_rules! due_from {
    ($rest:literal) => {
        concat!(
            "SELECT d.id, d.event_id, e.type, e.created_at, e.data, w.url, w.secret,
               d.attempts, d.next_attempt_at, d.give_up_at
             FROM webhook_deliveries d
             JOIN webhooks w ON w.id = d.webhook_id
             JOIN webhook_events e ON e.id = d.event_id ",
            $rest
        )
    };
}

fn due_row(r: &Row<'_>) -> super::sql::Result<DueDelivery> {
    Ok(DueDelivery {
        id: r.get(0)?,
        event_id: r.get(1)?,
        kind: r.get(2)?,
        event_at: r.get(3)?,
        data: r.get(4)?,
        url: r.get(5)?,
        secret: r.get(6)?,
        attempts: r.get(7)?,
        next_attempt_at: r.get(8)?,
        give_up_at: r.get(9)?,
    })
}

/// The first pending delivery of a queue: `(id, webhook_id, room_id)`.
pub(crate) type Head = (i64, i64, Option<i64>);

/// The first pending delivery of every queue to an enabled endpoint (an earlier one still
/// pending holds the others back), with when it falls due; earliest first.
///
/// The room queues are found by stepping from one (endpoint, room) to the next in
/// `webhook_deliveries_room_queue`, one index seek per queue, so a look costs the number of
/// queues and not the backlog: under a burst the dispatcher looks every few milliseconds, and a
/// scan of every pending delivery (what a `NOT EXISTS` per candidate came to) made its reads
/// cost more than its requests (docs/PERFORMANCE.md). A delivery without a room is a queue of
/// its own; there are few (test events).
pub(crate) fn queue_heads(conn: &Connection) -> Result<Vec<(Head, i64)>, AppError> {
    let rows = conn
        .prepare_cached(
            "WITH RECURSIVE h(id) AS (
               SELECT (SELECT id FROM webhook_deliveries
                       WHERE status = 'pending' AND room_id IS NOT NULL
                       ORDER BY webhook_id, room_id, id LIMIT 1)
               UNION ALL
               SELECT coalesce(
                   (SELECT n.id FROM webhook_deliveries n
                    WHERE n.status = 'pending' AND n.webhook_id = p.webhook_id
                      AND n.room_id > p.room_id
                    ORDER BY n.room_id, n.id LIMIT 1),
                   (SELECT n.id FROM webhook_deliveries n
                    WHERE n.status = 'pending' AND n.webhook_id > p.webhook_id
                      AND n.room_id IS NOT NULL
                    ORDER BY n.webhook_id, n.room_id, n.id LIMIT 1))
               FROM h JOIN webhook_deliveries p ON p.id = h.id
             )
             SELECT d.id, d.webhook_id, d.room_id, d.next_attempt_at FROM h
             JOIN webhook_deliveries d ON d.id = h.id
             JOIN webhooks w ON w.id = d.webhook_id AND w.enabled = 1
             UNION ALL
             SELECT d.id, d.webhook_id, d.room_id, d.next_attempt_at FROM webhooks w
             CROSS JOIN webhook_deliveries d INDEXED BY webhook_deliveries_room_queue
               ON d.webhook_id = w.id AND d.room_id IS NULL AND d.status = 'pending'
             WHERE w.enabled = 1
             ORDER BY 4, 1",
        )?
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A queue from its head on, in order, with everything the requests need: the head alone for a
/// delivery without a room, else the room's pending deliveries to that endpoint from the head.
pub(crate) fn queue_from(
    conn: &Connection,
    (head, webhook_id, room_id): Head,
    limit: usize,
) -> Result<Vec<DueDelivery>, AppError> {
    // Two statements, not one with `room_id = ?3 OR ?3 IS NULL`: that `OR` made SQLite walk
    // every delivery of the endpoint after the head (delivered ones too) instead of the room's
    // pending queue in `webhook_deliveries_room_queue`, a cost that grew with the backlog.
    let Some(room_id) = room_id else {
        let row = conn
            .prepare_cached(due_from!("WHERE d.status = 'pending' AND d.id = ?1"))?
            .query_row([head], due_row)
            .optional()?;
        return Ok(row.into_iter().collect());
    };
    let rows = conn
        .prepare_cached(due_from!(
            "WHERE d.status = 'pending' AND d.webhook_id = ?1 AND d.room_id = ?2 AND d.id >= ?3
             ORDER BY d.id
             LIMIT ?4"
        ))?
        .query_map(params![webhook_id, room_id, head, limit as i64], due_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// What became of one attempt.
#[derive(Debug, Clone)]
pub(crate) struct Attempted {
    pub id: i64,
    pub status: DeliveryStatus,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    /// For a delivery still pending: when to try again.
    pub next_attempt_at: Option<i64>,
}

/// Records an attempt. A delivery that is no longer pending (retried or deleted meanwhile) is
/// left as it is, except that its attempt still counts.
pub(crate) fn record_attempt(conn: &Connection, a: &Attempted) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE webhook_deliveries
         SET attempts = attempts + 1, status = ?2, last_status_code = ?3, last_error = ?4,
             next_attempt_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        a.id,
        a.status.as_str(),
        a.status_code,
        a.error,
        a.next_attempt_at
    ])?;
    Ok(())
}

const DELIVERY_COLUMNS: &str = "d.id, d.event_id, e.type, d.status, d.attempts, d.last_status_code,
     d.last_error, d.next_attempt_at, d.created_at";

fn delivery(r: &Row<'_>) -> super::sql::Result<Delivery> {
    let status: String = r.get(3)?;
    Ok(Delivery {
        id: r.get(0)?,
        event_id: r.get(1)?,
        event: r.get(2)?,
        status: DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed),
        attempts: r.get(4)?,
        last_status_code: r.get(5)?,
        last_error: r.get(6)?,
        next_attempt_at: r.get::<_, Option<i64>>(7)?.map(Timestamp::from_ms),
        created_at: Timestamp::from_ms(r.get(8)?),
    })
}

/// One endpoint's deliveries, newest first, older than `before` when given.
pub(crate) fn deliveries(
    conn: &Connection,
    webhook_id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Delivery>, AppError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id
         WHERE d.webhook_id = ?1 AND d.id < coalesce(?2, 9223372036854775807)
         ORDER BY d.id DESC LIMIT ?3"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![webhook_id, before, limit], delivery)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One delivery of one endpoint.
pub(crate) fn delivery_of(
    conn: &Connection,
    webhook_id: i64,
    id: i64,
) -> Result<Option<Delivery>, AppError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id
         WHERE d.webhook_id = ?1 AND d.id = ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![webhook_id, id], delivery)
        .optional()?)
}

/// Makes a delivery pending again, due at `now`, with a fresh retry window.
pub(crate) fn retry_now(
    conn: &Connection,
    id: i64,
    now: i64,
    give_up_at: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE webhook_deliveries
         SET status = 'pending', next_attempt_at = ?2, give_up_at = CASE WHEN give_up_at > ?3 THEN give_up_at ELSE ?3 END
         WHERE id = ?1",
    )?
    .execute(params![id, now, give_up_at])?;
    Ok(())
}
