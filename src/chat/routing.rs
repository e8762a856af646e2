//! Who gets which chat (contract §10): the capacity cap every assignment checks, and automatic
//! routing. Every function here runs inside a write rule, in the same transaction as the
//! change it follows, so a count and the assignment that rests on it can never be split by
//! another assignment: no mix of REST claims, socket claims, first messages and automatic
//! routing can push anyone past the cap. On SQLite the one writer thread orders them; on
//! PostgreSQL, where several nodes write at once, the staff member's row is locked before the
//! count ([`users::lock_for_assignment`]) and the claim is conditional on the session still
//! being `OPEN` ([`sessions::claim`]). Every rule takes its locks room first, then the staff
//! member, then the session, so two nodes' rules about one room wait for each other rather than
//! deadlock (one that touches two rooms, ending a chat and then offering the queue, can still
//! meet another such rule the other way round: PostgreSQL then aborts one, a 503 to retry).
//!
//! With `routing: "auto"` a new session goes at once to the free staff member (see
//! [`presence::next_free`]); when nobody is free it waits in the queue, and the queue is offered
//! again, oldest first, whenever someone may have become free: a session ends, a staff member
//! connects or comes back from away, or an admin raises the cap or turns routing on. Admins
//! are never routed to (they watch the dashboard with a socket open); they claim by hand.

use crate::store::sql::Connection;

use super::rooms::audience;
use super::{ActivityReason, Event, LeaveReason, RoomActivity, settings};
use crate::error::{AppError, ErrorCode};
use crate::model::shop::{Routing, ShopSettings};
use crate::model::{Session, SessionStatus};
use crate::store::{presence, rooms, sessions, users};
use crate::time::{Timestamp, now_ms};

/// Refuses `staff_id` another chat when they already hold the shop's `maxChatsPerStaff`.
pub(crate) fn check_capacity(
    conn: &Connection,
    shop: &ShopSettings,
    staff_id: i64,
) -> Result<(), AppError> {
    let cap = i64::from(shop.max_chats_per_staff);
    users::lock_for_assignment(conn, staff_id)?;
    if cap > 0 && presence::chats_held(conn, staff_id)? >= cap {
        return Err(AppError::conflict(
            ErrorCode::StaffAtCapacity,
            format!(
                "This staff member already holds {cap} chats, the most the shop allows at once"
            ),
        ));
    }
    Ok(())
}

/// Claims `OPEN` session `session_id` for `staff_id` within the cap: the claim of every door
/// (a staff member's own, a first reply's auto-assign, routing). When the session is no longer
/// `OPEN` (another node's claim won), the refusal says who has it.
pub(crate) fn claim_within_cap(
    conn: &Connection,
    session_id: i64,
    staff_id: i64,
    now: i64,
) -> Result<(), AppError> {
    check_capacity(conn, &settings::load(conn)?, staff_id)?;
    if sessions::claim(conn, session_id, staff_id, now)? {
        Ok(())
    } else {
        Err(not_open(conn, session_id)?)
    }
}

/// Why session `session_id` cannot be claimed: ended, or held by someone (named).
pub(crate) fn not_open(conn: &Connection, session_id: i64) -> Result<AppError, AppError> {
    let row = sessions::by_id(conn, session_id)?
        .ok_or_else(|| AppError::not_found("Session not found"))?;
    Ok(match row.status {
        SessionStatus::Ended => {
            AppError::conflict(ErrorCode::SessionEnded, "Session has already ended")
        }
        _ => AppError::AlreadyClaimed {
            holder: match row.staff_id {
                Some(id) => users::by_id(conn, id)?.map(|u| u.summary()),
                None => None,
            },
        },
    })
}

/// Gives session `session_id` (`OPEN`, in room `room_id`) to `staff_id` within the cap: the
/// claim itself, shared by a staff member's own claim and by routing. Returns the session and
/// its events.
pub(crate) fn assign(
    conn: &Connection,
    session_id: i64,
    room_id: i64,
    staff_id: i64,
) -> Result<(Session, Vec<Event>), AppError> {
    // The room first: every rule that changes a room, its holder's row and its session takes
    // their locks in that order (sending, hand-overs, claims, ends; see the module's comment).
    let room = rooms::by_id_for_change(conn, room_id)?
        .ok_or_else(|| AppError::Internal("claimed session lost its room".into()))?;
    claim_within_cap(conn, session_id, staff_id, now_ms())?;
    rooms::set_staff(conn, room_id, staff_id)?;
    let session = sessions::view(conn, session_id)?;
    let audience = audience(conn, room_id)?;
    let events = vec![
        Event::AccessChanged {
            audience: audience.clone(),
            reason: LeaveReason::Assigned,
        },
        Event::SessionClaimed(session.clone(), audience.clone()),
        Event::RoomUpdated(
            RoomActivity {
                room_id,
                staff_id: Some(staff_id),
                reason: ActivityReason::Assigned,
                last_message_at: Timestamp::from_ms(room.last_message_at),
                message: None,
            },
            audience,
        ),
    ];
    Ok((session, events))
}

/// With automatic routing on, gives waiting sessions, oldest first, to free staff until one or
/// the other runs out; returns the events of the assignments made.
pub(crate) fn offer_waiting(conn: &Connection) -> Result<Vec<Event>, AppError> {
    let shop = settings::load(conn)?;
    let mut events = Vec::new();
    if shop.routing != Routing::Auto {
        return Ok(events);
    }
    let cap = i64::from(shop.max_chats_per_staff);
    while let Some(session_id) = presence::oldest_waiting(conn)? {
        let Some(staff_id) = presence::next_free(conn, cap, super::presence::live_since())? else {
            break;
        };
        let row = sessions::by_id(conn, session_id)?
            .ok_or_else(|| AppError::Internal("waiting session vanished".into()))?;
        match assign(conn, session_id, row.room_id, staff_id) {
            Ok((_, made)) => events.extend(made),
            // Another node claimed the session, or filled the staff member, meanwhile (the
            // refusal changed nothing): the next look sees it and moves on.
            Err(e) if e.status() == 409 => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(events)
}
