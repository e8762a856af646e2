//! Moving a room to another staff member: an admin's reassignment and a staff member's
//! transfer (contract §10) are one rule, [`hand_over`]. The room's claimed session moves along,
//! so the new holder can answer and end it; the target's capacity is checked in the same
//! transaction, and the queue is offered again because the previous holder has a chat fewer.

use crate::store::sql::Connection;

use super::rooms::audience;
use super::{
    ActivityReason, Event, LeaveReason, RoomActivity, Transfer, access, routing, validate,
};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::{Room, SessionStatus};
use crate::store::{handover, room_views, rooms, sessions, users};
use crate::time::Timestamp;

/// Assigns room `room_id` to `staff_id` (an active staff member or admin). Only admins may. The
/// room's `IN_PROGRESS` session, if any, is handed over too (`session_joined` tells the
/// customer who now helps them); an `OPEN` one stays in the queue for anyone to claim.
/// Everyone on the staff feed hears `room_updated` with reason `assigned`.
pub(crate) async fn reassign(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    staff_id: i64,
) -> Result<Room, AppError> {
    access::reassign_room(caller)?;
    let caller = caller.clone();
    db.write(move |conn| hand_over(conn, &caller, room_id, staff_id, None))
        .await
}

/// `POST /chat/rooms/:id/transfer`: the room's staff member (or an admin) hands the room to a
/// colleague with an optional note. Besides what [`reassign`] announces, the previous holder's
/// sockets leave the room with reason `transferred` and the target's sockets hear
/// `room_transferred` with the note, so their desk opens it at once.
pub(crate) async fn transfer(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    staff_id: i64,
    note: Option<String>,
) -> Result<Room, AppError> {
    let note = validate::transfer_note(note)?;
    let caller = caller.clone();
    db.write(move |conn| {
        let room = rooms::by_id_for_change(conn, room_id)?
            .ok_or_else(|| AppError::not_found("Room not found"))?;
        access::transfer_room(&caller, room.staff_id)?;
        hand_over(conn, &caller, room_id, staff_id, Some(note))
    })
    .await
}

/// The one rule of both doors. `transfer` is `Some(note)` for a transfer, `None` for an
/// admin's reassignment. Giving a room to the staff member who holds it changes nothing.
fn hand_over(
    conn: &Connection,
    caller: &Caller,
    room_id: i64,
    staff_id: i64,
    transfer: Option<Option<String>>,
) -> Result<Outcome<Room>, AppError> {
    let room = rooms::by_id_for_change(conn, room_id)?
        .ok_or_else(|| AppError::not_found("Room not found"))?;
    let target = users::by_id(conn, staff_id)?
        .filter(|u| u.is_active && u.role.is_staff())
        .ok_or_else(|| {
            AppError::bad_request("A room can only be given to an active staff member or admin")
        })?;
    if room.staff_id == Some(target.id) {
        return Ok(Outcome::quiet(room_views::one(conn, room_id, caller.id)?));
    }
    let active = sessions::active_for_room(conn, room_id)?;
    let moved = active.filter(|a| a.status == SessionStatus::InProgress);
    if moved.is_some() {
        routing::check_capacity(conn, &super::settings::load(conn)?, target.id)?;
    }
    rooms::set_staff(conn, room_id, target.id)?;
    let audience = audience(conn, room_id)?;
    let reason = if transfer.is_some() {
        LeaveReason::Transferred
    } else {
        LeaveReason::Assigned
    };
    let mut events = vec![Event::AccessChanged {
        audience: audience.clone(),
        reason,
    }];
    if let Some(active) = &moved {
        handover::move_session(conn, active.id, target.id)?;
        let session = sessions::view(conn, active.id)?;
        events.push(Event::SessionClaimed(session, audience.clone()));
    }
    events.push(Event::RoomUpdated(
        RoomActivity {
            room_id,
            staff_id: Some(target.id),
            reason: ActivityReason::Assigned,
            last_message_at: Timestamp::from_ms(room.last_message_at),
            message: None,
        },
        audience,
    ));
    if let Some(note) = transfer {
        let from = match room.staff_id {
            Some(id) => users::by_id(conn, id)?.map(|u| u.summary()),
            None => None,
        };
        events.push(Event::RoomTransferred(Transfer {
            room_id,
            from_staff_id: room.staff_id,
            to_staff_id: target.id,
            note,
            from_staff: from,
        }));
    }
    if moved.is_some() {
        // The previous holder has one chat fewer.
        events.extend(routing::offer_waiting(conn)?);
    }
    Ok(Outcome::with(
        room_views::one(conn, room_id, caller.id)?,
        events,
    ))
}
