//! Webhook endpoints and their deliveries (contract §11), for admins over REST and in the
//! console: add, list, change (url, types, enabled), delete, list deliveries, send a test event,
//! retry a delivery now. Every change to endpoints keeps the writer's in-memory subscriptions
//! right (see [`change`]); the events themselves are written by chat/outbox.rs.

use crate::store::sql::Connection;

use super::access;
use super::outbox::EventType;
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::webhooks::{Delivery, Webhook};
use crate::store::webhooks::WebhookRow;
use crate::store::{outbox, webhooks};
use crate::time::{Timestamp, now_ms};

/// The type of a test event, sent to one endpoint whatever it subscribes to. Receivers that
/// switch on `type` ignore it like any type they do not know.
pub(crate) const TEST_EVENT: &str = "webhook.test";

/// A new endpoint as asked for.
#[derive(Debug, Clone)]
pub(crate) struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    /// `None`: 32 random bytes, hex.
    pub secret: Option<String>,
}

/// Changes to an endpoint; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub(crate) struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

fn shape(row: WebhookRow) -> Webhook {
    Webhook {
        id: row.id,
        url: row.url,
        events: EventType::names_of(row.event_mask),
        secret: row.secret,
        enabled: row.enabled,
        created_at: Timestamp::from_ms(row.created_at),
    }
}

/// An absolute http or https URL with a host, as typed (trimmed).
pub(crate) fn checked_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    let refused = || AppError::bad_request("url must be an absolute http:// or https:// URL");
    if url.len() > 2000 {
        return Err(AppError::bad_request("url must be at most 2000 characters"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| refused())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(refused());
    }
    Ok(url.to_string())
}

/// The mask of a list of known types, at least one.
pub(crate) fn checked_events(events: &[String]) -> Result<u32, AppError> {
    if events.is_empty() {
        return Err(AppError::bad_request(
            "events must list at least one event type",
        ));
    }
    let mut mask = 0;
    for (i, name) in events.iter().enumerate() {
        let kind = EventType::parse(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
            AppError::bad_request(format!(
                "events[{i}] is not an event type; use one of {}",
                known.join(", ")
            ))
        })?;
        mask |= kind.bit();
    }
    Ok(mask)
}

fn checked_secret(secret: Option<String>) -> Result<String, AppError> {
    match secret {
        None => {
            let mut bytes = [0u8; 32];
            rand::fill(&mut bytes);
            Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
        }
        Some(s) => {
            let n = s.chars().count();
            if !(16..=200).contains(&n) || s.chars().any(char::is_control) {
                return Err(AppError::bad_request(
                    "secret must be 16 to 200 characters without control characters",
                ));
            }
            Ok(s)
        }
    }
}

/// Runs a change to endpoints so that the writer's subscriptions never miss a type: the types it
/// may add are added before it runs, and the mask is set from the database as the change left it
/// (read inside its transaction, while no other change can run) once it has committed.
async fn change<T: Send + 'static>(
    db: &Db,
    may_add: u32,
    rule: impl FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let subs = db.webhooks().clone();
    let _one_at_a_time = subs.changing.lock().await;
    subs.widen(may_add);
    let (value, mask) = db
        .write(move |conn| {
            let value = rule(conn)?;
            Ok(Outcome::quiet((value, webhooks::subscribed_mask(conn)?)))
        })
        .await?;
    subs.set(mask);
    subs.wake();
    Ok(value)
}

fn not_found() -> AppError {
    AppError::not_found("Webhook not found")
}

/// `POST /api/admin/webhooks`.
pub(crate) async fn create(db: &Db, caller: &Caller, new: NewWebhook) -> Result<Webhook, AppError> {
    access::manage_webhooks(caller)?;
    let url = checked_url(&new.url)?;
    let mask = checked_events(&new.events)?;
    let secret = checked_secret(new.secret)?;
    let row = change(db, mask, move |conn| {
        webhooks::insert(conn, &url, mask, &secret, now_ms())
    })
    .await?;
    Ok(shape(row))
}

/// `GET /api/admin/webhooks`: every endpoint, oldest first.
pub(crate) async fn list(db: &Db, caller: &Caller) -> Result<Vec<Webhook>, AppError> {
    access::manage_webhooks(caller)?;
    let rows = db.read(webhooks::all).await?;
    Ok(rows.into_iter().map(shape).collect())
}

/// `GET /api/admin/webhooks/:id`.
pub(crate) async fn get(db: &Db, caller: &Caller, id: i64) -> Result<Webhook, AppError> {
    access::manage_webhooks(caller)?;
    let row = db.read(move |conn| webhooks::by_id(conn, id)).await?;
    row.map(shape).ok_or_else(not_found)
}

/// `PATCH /api/admin/webhooks/:id`: a new url, new types, or disabled/enabled. A disabled
/// endpoint gets no new events; its pending deliveries wait and go out once it is enabled.
pub(crate) async fn update(
    db: &Db,
    caller: &Caller,
    id: i64,
    changes: WebhookChanges,
) -> Result<Webhook, AppError> {
    access::manage_webhooks(caller)?;
    let url = changes.url.as_deref().map(checked_url).transpose()?;
    let mask = changes.events.as_deref().map(checked_events).transpose()?;
    let enabled = changes.enabled;
    let may_add = mask.unwrap_or(u32::MAX);
    let row = change(db, may_add, move |conn| {
        let mut row = webhooks::by_id(conn, id)?.ok_or_else(not_found)?;
        if let Some(url) = url {
            row.url = url;
        }
        if let Some(mask) = mask {
            row.event_mask = mask;
        }
        if let Some(enabled) = enabled {
            row.enabled = enabled;
        }
        webhooks::update(conn, &row)?;
        Ok(row)
    })
    .await?;
    Ok(shape(row))
}

/// `DELETE /api/admin/webhooks/:id`: the endpoint and its deliveries, pending ones too.
pub(crate) async fn delete(db: &Db, caller: &Caller, id: i64) -> Result<(), AppError> {
    access::manage_webhooks(caller)?;
    let gone = change(db, 0, move |conn| webhooks::delete(conn, id)).await?;
    if gone { Ok(()) } else { Err(not_found()) }
}

/// `GET /api/admin/webhooks/:id/deliveries`: newest first, older than `before` when given.
pub(crate) async fn deliveries(
    db: &Db,
    caller: &Caller,
    id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Delivery>, AppError> {
    access::manage_webhooks(caller)?;
    db.read(move |conn| {
        webhooks::by_id(conn, id)?.ok_or_else(not_found)?;
        outbox::deliveries(conn, id, before, limit)
    })
    .await
}

/// `POST /api/admin/webhooks/:id/test`: a `webhook.test` event for this endpoint alone, sent
/// like any other (signed, retried); to a disabled endpoint once it is enabled again.
pub(crate) async fn send_test(db: &Db, caller: &Caller, id: i64) -> Result<Delivery, AppError> {
    access::manage_webhooks(caller)?;
    let subs = db.webhooks().clone();
    let window = subs.clone();
    let delivery = db
        .write(move |conn| {
            webhooks::by_id(conn, id)?.ok_or_else(not_found)?;
            let data = serde_json::json!({
                "webhookId": id,
                "message": "A test event from Frontdesk: this endpoint is reachable.",
            })
            .to_string();
            let at = now_ms();
            let give_up = window.give_up_at(at);
            let delivery_id = outbox::enqueue_for(conn, id, TEST_EVENT, &data, at, give_up)?;
            let delivery = outbox::delivery_of(conn, id, delivery_id)?
                .ok_or_else(|| AppError::Internal("new delivery vanished".into()))?;
            Ok(Outcome::quiet(delivery))
        })
        .await?;
    subs.wake();
    Ok(delivery)
}

/// `POST /api/admin/webhooks/:id/deliveries/:deliveryId/retry`: try this delivery now, whatever
/// its state (a delivered one is sent again, with the same `Frontdesk-Delivery`), with a fresh
/// retry window. Later deliveries of its room to this endpoint wait for it again, so the order
/// the receiver sees stays the order of the changes.
pub(crate) async fn retry(
    db: &Db,
    caller: &Caller,
    id: i64,
    delivery_id: i64,
) -> Result<Delivery, AppError> {
    access::manage_webhooks(caller)?;
    let subs = db.webhooks().clone();
    let window = subs.clone();
    let delivery = db
        .write(move |conn| {
            outbox::delivery_of(conn, id, delivery_id)?
                .ok_or_else(|| AppError::not_found("Delivery not found"))?;
            let now = now_ms();
            outbox::retry_now(conn, delivery_id, now, window.give_up_at(now))?;
            let delivery = outbox::delivery_of(conn, id, delivery_id)?
                .ok_or_else(|| AppError::Internal("delivery vanished".into()))?;
            Ok(Outcome::quiet(delivery))
        })
        .await?;
    subs.wake();
    Ok(delivery)
}
