//! What the shop's other systems hear (contract §11): which committed change is which webhook
//! event type, what its `data` is, and the outbox rows the writer adds for it in the change's own
//! transaction. The writer (db/writer.rs) calls [`record`] right after a rule succeeds, inside
//! the rule's savepoint, so an event row exists exactly when its change does; the dispatcher
//! (hooks/) sends them later. With no endpoint subscribed to a type, its events cost one atomic
//! load and a bit test: [`Subscriptions`] keeps the subscribed types in memory.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::store::sql::Connection;
use serde::Serialize;

use super::{ActivityReason, Event};
use crate::error::AppError;
use crate::store::{outbox, room_views, webhooks};
use crate::time::now_ms;

/// The event types of contract §11, each a bit of an endpoint's stored mask. The order is the
/// contract's and the bits never change (they are stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    SessionCreated,
    SessionClaimed,
    SessionEnded,
    MessageCreated,
    RoomAssigned,
    /// A room was transferred to a colleague (contract §10); `data` is
    /// `{roomId, fromStaffId, toStaffId, note, fromStaff}`.
    RoomTransferred,
    RatingCreated,
    /// A customer's personal data was erased; `data` is only `{id}`.
    UserErased,
}

impl EventType {
    /// Every type, in the contract's order.
    pub(crate) const ALL: [EventType; 8] = [
        EventType::SessionCreated,
        EventType::SessionClaimed,
        EventType::SessionEnded,
        EventType::MessageCreated,
        EventType::RoomAssigned,
        EventType::RoomTransferred,
        EventType::RatingCreated,
        EventType::UserErased,
    ];

    /// The wire name (`Frontdesk-Event`, the body's `type`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            EventType::SessionCreated => "session.created",
            EventType::SessionClaimed => "session.claimed",
            EventType::SessionEnded => "session.ended",
            EventType::MessageCreated => "message.created",
            EventType::RoomAssigned => "room.assigned",
            EventType::RoomTransferred => "room.transferred",
            EventType::RatingCreated => "rating.created",
            EventType::UserErased => "user.erased",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Its bit in a stored mask.
    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The types of a stored mask, in the contract's order.
    pub(crate) fn names_of(mask: u32) -> Vec<String> {
        EventType::ALL
            .into_iter()
            .filter(|t| mask & t.bit() != 0)
            .map(|t| t.name().to_string())
            .collect()
    }

    /// The webhook type a committed change is, if it is one.
    fn of(event: &Event) -> Option<EventType> {
        Some(match event {
            Event::MessageCreated(_) => EventType::MessageCreated,
            Event::SessionCreated(..) => EventType::SessionCreated,
            Event::SessionClaimed(..) => EventType::SessionClaimed,
            Event::SessionEnded(..) => EventType::SessionEnded,
            Event::SessionRated(..) => EventType::RatingCreated,
            Event::RoomTransferred(_) => EventType::RoomTransferred,
            Event::UserErased(_) => EventType::UserErased,
            Event::RoomUpdated(activity, _) if activity.reason == ActivityReason::Assigned => {
                EventType::RoomAssigned
            }
            _ => return None,
        })
    }
}

/// The types some enabled endpoint hears, kept in memory so the writer never asks the database
/// for a batch nobody listens to; and the signal that wakes the dispatcher after a commit that
/// added deliveries. The mask may hold more types than are subscribed for a moment (the SQL
/// that makes the rows checks each endpoint), never fewer: see `chat::webhooks::change`.
pub(crate) struct Subscriptions {
    mask: AtomicU32,
    /// Serializes changes to endpoints, so two admins' changes cannot leave a stale mask.
    pub(crate) changing: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
    /// How long a delivery is retried before it is given up.
    pub(crate) retry_window: Duration,
}

impl Subscriptions {
    /// Subscriptions to the types of `mask`.
    pub(crate) fn new(mask: u32, retry_window: Duration) -> Self {
        Subscriptions {
            mask: AtomicU32::new(mask),
            changing: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
            retry_window,
        }
    }

    /// The stored subscriptions, read on the writer's connection at start-up.
    pub(crate) fn load(conn: &Connection, retry_window: Duration) -> Result<Self, AppError> {
        Ok(Subscriptions::new(
            webhooks::subscribed_mask(conn)?,
            retry_window,
        ))
    }

    pub(crate) fn mask(&self) -> u32 {
        self.mask.load(Ordering::Acquire)
    }

    /// Adds types before a change that may subscribe to them commits.
    pub(crate) fn widen(&self, mask: u32) {
        self.mask.fetch_or(mask, Ordering::AcqRel);
    }

    /// Reads the mask from the database again, in a batch's transaction: on PostgreSQL other
    /// nodes add and change endpoints, and this node's writer must record for them too.
    pub(crate) fn refresh(&self, conn: &Connection) -> Result<(), AppError> {
        self.set(webhooks::subscribed_mask(conn)?);
        Ok(())
    }

    /// Sets the mask to what the database says after a change committed.
    pub(crate) fn set(&self, mask: u32) {
        self.mask.store(mask, Ordering::Release);
    }

    /// Tells the dispatcher that deliveries were committed (or changed).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits for [`Subscriptions::wake`]; a wake with nobody waiting is kept for the next wait.
    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }

    /// When a delivery made at `at` is given up.
    pub(crate) fn give_up_at(&self, at: i64) -> i64 {
        at.saturating_add(self.retry_window.as_millis() as i64)
    }
}

/// Writes the outbox rows for the events of one rule that just succeeded, on the writer's
/// connection inside its savepoint; returns how many deliveries it made.
pub(crate) fn record(
    conn: &Connection,
    subs: &Subscriptions,
    events: &[Event],
) -> Result<usize, AppError> {
    let mask = subs.mask();
    if mask == 0 {
        return Ok(0);
    }
    let mut made = 0;
    for event in events {
        let Some(kind) = EventType::of(event) else {
            continue;
        };
        if mask & kind.bit() == 0 {
            continue;
        }
        let (room_id, data) = data(conn, event)?;
        let at = now_ms();
        made += outbox::enqueue(
            conn,
            kind.name(),
            kind.bit(),
            Some(room_id),
            &data,
            at,
            subs.give_up_at(at),
        )?;
    }
    Ok(made)
}

/// The event's room and its `data`: the public shape of what changed (contract §3). A session's
/// events and `rating.created` carry the `Session` (with its `rating`), `message.created` the
/// `Message`, `room.assigned` the `Room` as its new staff member sees it.
fn data(conn: &Connection, event: &Event) -> Result<(i64, String), AppError> {
    match event {
        Event::MessageCreated(m) => Ok((m.room_id, json(m)?)),
        Event::SessionCreated(s, _)
        | Event::SessionClaimed(s, _)
        | Event::SessionEnded(s, _)
        | Event::SessionRated(s, _) => Ok((s.room_id, json(s)?)),
        Event::RoomTransferred(t) => Ok((t.room_id, json(t)?)),
        // Not a room's: room 0 keeps erasures in order among themselves.
        Event::UserErased(id) => Ok((0, json(&serde_json::json!({ "id": id }))?)),
        Event::RoomUpdated(activity, _) => {
            let viewer = activity.staff_id.unwrap_or(0);
            let room = room_views::one(conn, activity.room_id, viewer)?;
            Ok((activity.room_id, json(&room)?))
        }
        _ => Err(AppError::Internal("not a webhook event".into())),
    }
}

fn json(value: &impl Serialize) -> Result<String, AppError> {
    serde_json::to_string(value)
        .map_err(|e| AppError::Internal(format!("cannot serialize an event: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits are stored: each type keeps its own, and names round-trip.
    #[test]
    fn every_type_has_its_own_bit_and_name() {
        let mut all = 0;
        for t in EventType::ALL {
            assert_eq!(all & t.bit(), 0, "{t:?}");
            all |= t.bit();
            assert_eq!(EventType::parse(t.name()), Some(t));
        }
        assert_eq!(EventType::names_of(all).len(), 8);
        assert_eq!(EventType::parse("user.created"), None);
    }
}
