//! SQL for webhook endpoints. The event types are a bit mask here; which bit is which type is
//! chat/webhooks.rs's business.

use super::sql::{Connection, OptionalExtension, Row, params};

use crate::error::AppError;

/// An endpoint as stored.
#[derive(Debug, Clone)]
pub(crate) struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub event_mask: u32,
    pub secret: String,
    pub enabled: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, url, event_mask, secret, enabled, created_at";

fn from_row(r: &Row<'_>) -> super::sql::Result<WebhookRow> {
    Ok(WebhookRow {
        id: r.get(0)?,
        url: r.get(1)?,
        event_mask: r.get(2)?,
        secret: r.get(3)?,
        enabled: r.get(4)?,
        created_at: r.get(5)?,
    })
}

pub(crate) fn insert(
    conn: &Connection,
    url: &str,
    event_mask: u32,
    secret: &str,
    at: i64,
) -> Result<WebhookRow, AppError> {
    conn.prepare_cached(
        "INSERT INTO webhooks (url, event_mask, secret, enabled, created_at)
         VALUES (?1, ?2, ?3, 1, ?4)",
    )?
    .execute(params![url, event_mask, secret, at])?;
    let id = conn.last_insert_rowid()?;
    by_id(conn, id)?.ok_or_else(|| AppError::Internal("new webhook vanished".into()))
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<WebhookRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// Every endpoint, oldest first.
pub(crate) fn all(conn: &Connection) -> Result<Vec<WebhookRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks ORDER BY id");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Replaces an endpoint's url, types and state.
pub(crate) fn update(conn: &Connection, row: &WebhookRow) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE webhooks SET url = ?2, event_mask = ?3, enabled = ?4 WHERE id = ?1",
    )?
    .execute(params![row.id, row.url, row.event_mask, row.enabled])?;
    Ok(())
}

/// Removes an endpoint with its deliveries, and the events no endpoint is waiting for any more.
pub(crate) fn delete(conn: &Connection, id: i64) -> Result<bool, AppError> {
    conn.prepare_cached("DELETE FROM webhook_deliveries WHERE webhook_id = ?1")?
        .execute([id])?;
    let gone = conn
        .prepare_cached("DELETE FROM webhooks WHERE id = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "DELETE FROM webhook_events WHERE NOT EXISTS
           (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)",
    )?
    .execute([])?;
    Ok(gone > 0)
}

/// The types some enabled endpoint hears, OR-ed together: what the writer's outbox filter keeps
/// in memory.
pub(crate) fn subscribed_mask(conn: &Connection) -> Result<u32, AppError> {
    let mut mask = 0u32;
    let mut stmt = conn.prepare_cached("SELECT event_mask FROM webhooks WHERE enabled = 1")?;
    for m in stmt.query_map([], |r| r.get::<_, u32>(0))? {
        mask |= m?;
    }
    Ok(mask)
}
