//! Reassigning a room to another staff member: the admin's rule. The room's claimed session
//! moves along, so the new staff member can answer and end it.

use super::rooms::audience;
use super::{ActivityReason, Event, LeaveReason, RoomActivity, access, routing};
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
    let viewer = caller.id;
    db.write(move |conn| {
        let room =
            rooms::by_id(conn, room_id)?.ok_or_else(|| AppError::not_found("Room not found"))?;
        let target = users::by_id(conn, staff_id)?
            .filter(|u| u.is_active && u.role.is_staff())
            .ok_or_else(|| {
                AppError::bad_request(
                    "A room can only be assigned to an active staff member or admin",
                )
            })?;
        if room.staff_id == Some(target.id) {
            return Ok(Outcome::quiet(room_views::one(conn, room_id, viewer)?));
        }
        let active = sessions::active_for_room(conn, room_id)?;
        if active
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::InProgress)
        {
            routing::check_capacity(conn, &super::settings::load(conn)?, target.id)?;
        }
        rooms::set_staff(conn, room_id, target.id)?;
        let audience = audience(conn, room_id)?;
        let mut events = vec![Event::AccessChanged {
            audience: audience.clone(),
            reason: LeaveReason::Assigned,
        }];
        let moved = active.filter(|a| a.status == SessionStatus::InProgress);
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
        if moved.is_some() {
            // The previous holder has one chat fewer.
            events.extend(routing::offer_waiting(conn)?);
        }
        Ok(Outcome::with(
            room_views::one(conn, room_id, viewer)?,
            events,
        ))
    })
    .await
}
