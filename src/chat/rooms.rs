//! Rooms: who sees which, and the lists staff work from.

use crate::store::sql::Connection;

use super::access::{self, RoomFacts};
use super::events::Audience;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::AppError;
use crate::model::{Role, Room, Session, SessionStatus};
use crate::store::room_views::{self, RoomFilter};
use crate::store::rooms::{self, RoomRow};
use crate::store::sessions;

/// Loads a room the caller may see: 404 when it does not exist, 403 when it is not theirs.
pub(crate) fn visible(
    conn: &Connection,
    caller: &Caller,
    room_id: i64,
) -> Result<RoomRow, AppError> {
    let room = rooms::by_id(conn, room_id)?.ok_or_else(|| AppError::not_found("Room not found"))?;
    let has_open_session = caller.role == Role::Staff
        && room.staff_id.is_some()
        && room.staff_id != Some(caller.id)
        && sessions::active_for_room(conn, room_id)?
            .is_some_and(|s| s.status == SessionStatus::Open);
    access::view_room(caller, &RoomFacts::of(&room, has_open_session))?;
    Ok(room)
}

/// Who may read room `room_id` as it stands now, inside the transaction that changed it; the
/// fan-out checks every socket in the room and on the staff feed against it.
pub(crate) fn audience(conn: &Connection, room_id: i64) -> Result<Audience, AppError> {
    let room = rooms::by_id(conn, room_id)?
        .ok_or_else(|| AppError::Internal("a changed room vanished".into()))?;
    let has_open_session =
        sessions::active_for_room(conn, room_id)?.is_some_and(|s| s.status == SessionStatus::Open);
    Ok(Audience {
        room_id,
        facts: RoomFacts::of(&room, has_open_session),
    })
}

/// `GET /chat/rooms`: a customer's own room; staff, the rooms assigned to them; admins, all.
pub(crate) async fn list_mine(
    db: &Db,
    caller: &Caller,
    limit: u32,
    offset: u32,
) -> Result<Vec<Room>, AppError> {
    let filter = match caller.role {
        Role::Customer => RoomFilter::OfCustomer(caller.id),
        Role::Staff => RoomFilter::AssignedTo(caller.id),
        Role::Admin => RoomFilter::All,
    };
    let viewer = caller.id;
    db.read(move |conn| room_views::list(conn, filter, viewer, limit, offset))
        .await
}

/// Rooms nobody is assigned to that have a message or an active session, latest activity first.
pub(crate) async fn unassigned(
    db: &Db,
    caller: &Caller,
    limit: u32,
    offset: u32,
) -> Result<Vec<Room>, AppError> {
    access::see_queues(caller)?;
    let viewer = caller.id;
    db.read(move |conn| room_views::list(conn, RoomFilter::Unassigned, viewer, limit, offset))
        .await
}

/// Assigned rooms: every one for an admin, the caller's own for staff.
pub(crate) async fn assigned(
    db: &Db,
    caller: &Caller,
    limit: u32,
    offset: u32,
) -> Result<Vec<Room>, AppError> {
    access::see_queues(caller)?;
    let filter = if caller.is_admin() {
        RoomFilter::Assigned
    } else {
        RoomFilter::AssignedTo(caller.id)
    };
    let viewer = caller.id;
    db.read(move |conn| room_views::list(conn, filter, viewer, limit, offset))
        .await
}

/// One room, if the caller may see it.
pub(crate) async fn get(db: &Db, caller: &Caller, room_id: i64) -> Result<Room, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        visible(conn, &caller, room_id)?;
        room_views::one(conn, room_id, caller.id)
    })
    .await
}

/// A room's sessions, newest first (a customer's history of consultations).
pub(crate) async fn sessions(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    limit: u32,
    offset: u32,
) -> Result<Vec<Session>, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        visible(conn, &caller, room_id)?;
        sessions::room_views(conn, room_id, limit, offset)
    })
    .await
}

/// What the caller may do in a room they may read, told to the page so that it never
/// re-derives a rule (`room_access`, after `joined_room` and after every change of who holds the
/// room).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoomRights {
    /// A message from the caller would be accepted (possibly assigning the room to them).
    pub can_send: bool,
}

impl RoomRights {
    /// The caller's rights in a room with these facts, from the permission table.
    pub(crate) fn of(caller: &Caller, facts: &RoomFacts) -> RoomRights {
        RoomRights {
            can_send: access::send(caller, facts).is_ok(),
        }
    }
}

/// Checks that the caller may see (and so join) a room, without building its view, and says
/// what they may do there.
pub(crate) async fn enter(db: &Db, caller: &Caller, room_id: i64) -> Result<RoomRights, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        let room = visible(conn, &caller, room_id)?;
        Ok(RoomRights::of(&caller, &RoomFacts::of(&room, false)))
    })
    .await
}
