//! Messages: sending (with auto-assign and idempotent resends), history pages, catch-up after a
//! reconnect, and read markers.

use super::access::{self, RoomFacts, SendRight};
use super::attachments;
use super::rooms::{audience, visible};
use super::{ActivityReason, Audience, Event, LeaveReason, RoomActivity, validate};
use crate::auth::Caller;
use crate::config::AttachmentLimits;
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::model::{History, Message, Pagination, SessionStatus};
use crate::store::messages::{self, NewMessage};
use crate::store::{self, rooms, sessions};
use crate::time::{Timestamp, now_ms};

/// A message a client asks to send.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub room_id: i64,
    /// The text; may be left out (or empty) only when files are sent.
    pub content: Option<String>,
    pub client_message_id: Option<String>,
    /// The caller's unsent uploads in the room to send with it (contract §9).
    pub attachment_ids: Vec<i64>,
}

/// Stores a message and announces it; returns once it is committed. A staff member's (or
/// admin's) first message into an unassigned room assigns the room to them and claims its
/// `OPEN` session, in the same transaction: of several staff sending at once, one is assigned
/// and the others are refused with nothing stored. A `clientMessageId` the sender already used
/// returns the original message and stores and announces nothing. With attachments the text
/// may be empty.
pub(crate) async fn send(
    db: &Db,
    limits: &AttachmentLimits,
    caller: &Caller,
    outgoing: Outgoing,
) -> Result<Message, AppError> {
    validate::id("roomId", outgoing.room_id)?;
    let content = match (&outgoing.content, outgoing.attachment_ids.is_empty()) {
        (None, true) => return Err(AppError::bad_request("content must be a string")),
        (Some(text), true) => validate::content(text)?,
        (text, false) => validate::optional_content(text.as_deref().unwrap_or_default())?,
    }
    .to_string();
    let per_message = limits.per_message;
    if let Some(id) = &outgoing.client_message_id {
        validate::client_message_id(id)?;
    }
    let caller = caller.clone();
    db.write(move |conn| {
        let room_id = outgoing.room_id;
        let client_id = outgoing.client_message_id.as_deref();
        if let Some(key) = client_id
            && let Some(original) = messages::by_client_id(conn, caller.id, key)?
        {
            if original.room_id != room_id {
                return Err(AppError::conflict(
                    ErrorCode::ClientMessageIdReused,
                    "clientMessageId was already used in another room",
                ));
            }
            return Ok(Outcome::quiet(original));
        }
        let now = now_ms();
        let room = rooms::count_message(conn, room_id, now)?
            .ok_or_else(|| AppError::not_found("Room not found"))?;
        let right = access::send(&caller, &RoomFacts::of(&room, false))?;
        let files = &outgoing.attachment_ids;
        attachments::check_unsent(conn, &caller, room_id, files, per_message)?;
        let new = NewMessage {
            room_id,
            sender_id: caller.id,
            content: &content,
            client_message_id: client_id,
        };
        let (mut message, session) = messages::insert(conn, &new, room.message_count, now)?;
        if !files.is_empty() {
            for &file in files {
                store::attachments::attach(conn, file, message.id)?;
            }
            message = messages::by_id(conn, message.id)?
                .ok_or_else(|| AppError::Internal("stored message vanished".into()))?;
        }
        let open_session = message
            .session_id
            .filter(|_| session == Some(SessionStatus::Open));
        let mut events = Vec::new();
        if right == SendRight::AutoAssign {
            rooms::set_staff(conn, room_id, caller.id)?;
            if let Some(session_id) = open_session {
                super::routing::claim_within_cap(conn, session_id, caller.id, now)?;
                events.push(Event::SessionClaimed(
                    sessions::view(conn, session_id)?,
                    audience(conn, room_id)?,
                ));
            }
        }
        let assigned = right == SendRight::AutoAssign;
        if assigned || room.staff_id.is_none() {
            // Known without reading again: the room is the caller's now, or still unassigned;
            // an auto-assign claimed its open session, if it had one.
            let has_open_session = !assigned && open_session.is_some();
            let audience = Audience {
                room_id,
                facts: RoomFacts {
                    customer_id: room.customer_id,
                    staff_id: if assigned { Some(caller.id) } else { None },
                    has_open_session,
                },
            };
            if assigned {
                // Whoever read the room because it was unassigned (or had an open session) and
                // may not now leaves it before the message is announced.
                events.insert(
                    0,
                    Event::AccessChanged {
                        audience: audience.clone(),
                        reason: LeaveReason::Assigned,
                    },
                );
            }
            events.push(Event::RoomUpdated(
                RoomActivity {
                    room_id,
                    staff_id: if assigned {
                        Some(caller.id)
                    } else {
                        room.staff_id
                    },
                    reason: if assigned {
                        ActivityReason::Assigned
                    } else {
                        ActivityReason::Message
                    },
                    last_message_at: Timestamp::from_ms(now),
                    // Once assigned, only its staff member may read the room: the text stays out of
                    // the feed every staff socket hears.
                    message: if assigned {
                        None
                    } else {
                        Some(message.clone())
                    },
                },
                audience,
            ));
        }
        events.push(Event::MessageCreated(message.clone()));
        Ok(Outcome::with(message, events))
    })
    .await
}

/// A page of history, oldest first, before message `before` (or the newest).
pub async fn history(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    limit: u32,
    before: Option<i64>,
) -> Result<History, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        let room = visible(conn, &caller, room_id)?;
        let (messages, has_more) = messages::page_before(conn, room_id, before, limit)?;
        let next_before = if has_more {
            messages.first().map(|m| m.id)
        } else {
            None
        };
        let pagination = Pagination {
            limit: limit as i64,
            has_more,
            next_before,
            total: room.message_count,
        };
        Ok(History {
            messages,
            pagination,
        })
    })
    .await
}

/// What a reconnecting client missed: messages after `after`, oldest first, up to `max`;
/// `hasMore` says to ask again from the last one.
pub(crate) async fn catch_up(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    after: i64,
    max: u32,
) -> Result<History, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        let room = visible(conn, &caller, room_id)?;
        let (messages, has_more) = messages::page_after(conn, room_id, after, max)?;
        let pagination = Pagination {
            limit: max as i64,
            has_more,
            next_before: None,
            total: room.message_count,
        };
        Ok(History {
            messages,
            pagination,
        })
    })
    .await
}

/// Moves the caller's read marker in a room forward to `message_id`.
pub(crate) async fn mark_read(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    message_id: i64,
) -> Result<i64, AppError> {
    validate::id("roomId", room_id)?;
    validate::id("messageId", message_id)?;
    let caller = caller.clone();
    db.write(move |conn| {
        visible(conn, &caller, room_id)?;
        if !messages::exists_in_room(conn, room_id, message_id)? {
            return Err(AppError::not_found("Message not found in this room"));
        }
        let marker = messages::mark_read(conn, caller.id, room_id, message_id)?;
        let event = Event::MessagesRead {
            room_id,
            user_id: caller.id,
            message_id: marker,
        };
        Ok(Outcome::with(marker, vec![event]))
    })
    .await
}
