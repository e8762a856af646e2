//! Sessions: a customer opens one, exactly one staff member claims it, someone ends it.

use super::access::{self, RoomFacts};
use super::rooms::{audience, visible};
use super::{Event, LeaveReason, routing, validate};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::model::{Session, SessionStatus};
use crate::store::{rooms, sessions};
use crate::time::now_ms;

/// Opens a session in the caller's room (409 if one is already active); outside business
/// hours it still opens, marked as opened after hours, and waits in the queue.
pub(crate) async fn open(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    title: &str,
) -> Result<Session, AppError> {
    let title = validate::title(title)?.to_string();
    let caller = caller.clone();
    db.write(move |conn| {
        let room =
            rooms::by_id(conn, room_id)?.ok_or_else(|| AppError::not_found("Room not found"))?;
        access::open_session(&caller, &RoomFacts::of(&room, false))?;
        let now = now_ms();
        let after_hours = !super::settings::is_open(conn, now)?;
        // The room's lock before the session exists, as every rule that changes a room's
        // session takes it (chat/routing.rs): a message sent at once reads either no session
        // or this one, committed.
        rooms::record_session_start(conn, room_id, now)?;
        let id = sessions::insert(conn, room_id, &title, now, after_hours)?;
        let created = load(conn, id)?;
        let mut events = vec![Event::SessionCreated(created, audience(conn, room_id)?)];
        events.extend(routing::offer_waiting(conn)?);
        Ok(Outcome::with(load(conn, id)?, events))
    })
    .await
}

fn load(conn: &crate::store::sql::Connection, id: i64) -> Result<Session, AppError> {
    sessions::view(conn, id)
}

/// The claim, for REST `join` and socket `join_session` alike. It runs on the writer thread, so
/// of any number of concurrent claimers exactly one finds the session `OPEN`; the others get a
/// 409 naming who has it. Claiming a session you already hold returns it unchanged.
pub(crate) async fn claim(db: &Db, caller: &Caller, session_id: i64) -> Result<Session, AppError> {
    access::claim_session(caller)?;
    let caller = caller.clone();
    let claimed = db
        .write(move |conn| {
            let row = sessions::by_id(conn, session_id)?
                .ok_or_else(|| AppError::not_found("Session not found"))?;
            match row.status {
                SessionStatus::InProgress if row.staff_id == Some(caller.id) => {
                    return Ok(Outcome::quiet(sessions::view(conn, row.id)?));
                }
                SessionStatus::Open => {}
                _ => return Err(routing::not_open(conn, session_id)?),
            }
            let (session, events) = routing::assign(conn, session_id, row.room_id, caller.id)?;
            Ok(Outcome::with(session, events))
        })
        .await;
    if let Err(AppError::AlreadyClaimed { .. }) = claimed {
        db.tally().claim_lost();
    }
    claimed
}

/// A session and its room, for a rule that checks the room's customer (404 if no session).
pub(super) fn with_room(
    conn: &crate::store::sql::Connection,
    session_id: i64,
) -> Result<(sessions::SessionRow, rooms::RoomRow), AppError> {
    let row = sessions::by_id(conn, session_id)?
        .ok_or_else(|| AppError::not_found("Session not found"))?;
    let room = rooms::by_id(conn, row.room_id)?
        .ok_or_else(|| AppError::Internal("session lost its room".into()))?;
    Ok((row, room))
}

/// Ends a session; the room stays open and keeps its staff member.
pub(crate) async fn end(db: &Db, caller: &Caller, session_id: i64) -> Result<Session, AppError> {
    let caller = caller.clone();
    db.write(move |conn| {
        let (row, room) = with_room_for_change(conn, session_id)?;
        access::end_session(&caller, row.staff_id, room.customer_id)?;
        let ended = || AppError::conflict(ErrorCode::SessionEnded, "Session has already ended");
        if row.status == SessionStatus::Ended {
            return Err(ended());
        }
        let (session, events) = end_now(conn, session_id, row.room_id, None)?.ok_or_else(ended)?;
        Ok(Outcome::with(session, events))
    })
    .await
}

/// [`with_room`] for a rule that changes the session: the room's row is locked (PostgreSQL)
/// before the session is read, so who holds the session cannot change between the rule's
/// check and its change (a transfer on another node waits, or has already moved it).
fn with_room_for_change(
    conn: &crate::store::sql::Connection,
    session_id: i64,
) -> Result<(sessions::SessionRow, rooms::RoomRow), AppError> {
    let read = || {
        sessions::by_id(conn, session_id)?.ok_or_else(|| AppError::not_found("Session not found"))
    };
    let room = rooms::by_id_for_change(conn, read()?.room_id)?
        .ok_or_else(|| AppError::Internal("session lost its room".into()))?;
    Ok((read()?, room))
}

/// Ends session `session_id` of room `room_id` and announces it, whoever or whatever ends it:
/// a person, the idle timer, an erasure. With `quiet_since` (the idle timer) only if nothing
/// was written in it since then. `None` when it is not ended by this (ended already, or no
/// longer idle: on PostgreSQL another node may have changed it since the caller read it),
/// announcing nothing.
pub(super) fn end_now(
    conn: &crate::store::sql::Connection,
    session_id: i64,
    room_id: i64,
    quiet_since: Option<i64>,
) -> Result<Option<(Session, Vec<Event>)>, AppError> {
    // The room's lock before the session's: the order every rule takes them in
    // (chat/routing.rs). A message sent meanwhile on another node has committed by now.
    rooms::by_id_for_change(conn, room_id)?;
    if !sessions::end(conn, session_id, now_ms(), quiet_since)? {
        return Ok(None);
    }
    rooms::record_session_end(conn, room_id)?;
    let session = load(conn, session_id)?;
    let audience = audience(conn, room_id)?;
    let mut events = vec![
        Event::AccessChanged {
            audience: audience.clone(),
            reason: LeaveReason::Ended,
        },
        Event::SessionEnded(session.clone(), audience),
    ];
    // Its staff member may have room for a waiting one now.
    events.extend(routing::offer_waiting(conn)?);
    Ok(Some((session, events)))
}

/// With `autoEndIdleMinutes` set, ends every session nobody has written in for that long (or,
/// without messages, opened that long ago); returns how many. Run by a timer; because idleness
/// is read from the stored times, a restart loses nothing: what became idle meanwhile ends at
/// the first check.
pub(crate) async fn end_idle(db: &Db) -> Result<usize, AppError> {
    db.write(|conn| {
        let minutes = i64::from(super::settings::load(conn)?.auto_end_idle_minutes);
        if minutes == 0 {
            return Ok(Outcome::quiet(0));
        }
        let mut events = Vec::new();
        let since = now_ms() - minutes * 60_000;
        let idle = sessions::idle_since(conn, since)?;
        let mut ended = 0;
        for (session_id, room_id) in &idle {
            if let Some((_, announced)) = end_now(conn, *session_id, *room_id, Some(since))? {
                events.extend(announced);
                ended += 1;
            }
        }
        Ok(Outcome::with(ended, events))
    })
    .await
}

/// One session, for whoever may read its room now: having claimed it once gives no lasting
/// right (the room may since have gone to someone else).
pub(crate) async fn get(db: &Db, caller: &Caller, session_id: i64) -> Result<Session, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        let row = sessions::by_id(conn, session_id)?
            .ok_or_else(|| AppError::not_found("Session not found"))?;
        visible(conn, &caller, row.room_id)?;
        sessions::view(conn, row.id)
    })
    .await
}

/// Stepping away from a session without ending it (`leave_session`): the staff member who holds
/// it, or an admin. Returns the session, so the door can tell its room.
pub(crate) async fn leave(db: &Db, caller: &Caller, session_id: i64) -> Result<Session, AppError> {
    let session = get(db, caller, session_id).await?;
    access::leave_session(caller, session.staff_id)?;
    Ok(session)
}

/// The queue: `OPEN` sessions, oldest first.
pub(crate) async fn unassigned(
    db: &Db,
    caller: &Caller,
    limit: u32,
    offset: u32,
) -> Result<Vec<Session>, AppError> {
    access::see_queues(caller)?;
    db.read(move |conn| sessions::open_views(conn, limit, offset))
        .await
}
