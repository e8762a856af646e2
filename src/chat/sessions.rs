//! Sessions: a customer opens one, exactly one staff member claims it, someone ends it.

use super::access::{self, RoomFacts};
use super::rooms::{audience, visible};
use super::{ActivityReason, Event, LeaveReason, RoomActivity, validate};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::model::{Session, SessionStatus};
use crate::store::{rooms, sessions, users};
use crate::time::{Timestamp, now_ms};

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
        let id = sessions::insert(conn, room_id, &title, now, after_hours)?;
        rooms::record_session_start(conn, room_id, now)?;
        let session = load(conn, id)?;
        let audience = audience(conn, room_id)?;
        Ok(Outcome::with(
            session.clone(),
            vec![Event::SessionCreated(session, audience)],
        ))
    })
    .await
}

fn load(conn: &rusqlite::Connection, id: i64) -> Result<Session, AppError> {
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
                SessionStatus::Ended => {
                    return Err(AppError::conflict(
                        ErrorCode::SessionEnded,
                        "Session has already ended",
                    ));
                }
                SessionStatus::InProgress if row.staff_id == Some(caller.id) => {
                    return Ok(Outcome::quiet(sessions::view(conn, row.id)?));
                }
                SessionStatus::InProgress => {
                    let holder = match row.staff_id {
                        Some(id) => users::by_id(conn, id)?.map(|u| u.summary()),
                        None => None,
                    };
                    return Err(AppError::AlreadyClaimed { holder });
                }
                SessionStatus::Open => {}
            }
            let now = now_ms();
            sessions::claim(conn, session_id, caller.id, now)?;
            rooms::set_staff(conn, row.room_id, caller.id)?;
            let session = load(conn, session_id)?;
            let room = rooms::by_id(conn, row.room_id)?
                .ok_or_else(|| AppError::Internal("claimed session lost its room".into()))?;
            let audience = audience(conn, room.id)?;
            let events = vec![
                Event::AccessChanged {
                    audience: audience.clone(),
                    reason: LeaveReason::Assigned,
                },
                Event::SessionClaimed(session.clone(), audience.clone()),
                Event::RoomUpdated(
                    RoomActivity {
                        room_id: room.id,
                        staff_id: Some(caller.id),
                        reason: ActivityReason::Assigned,
                        last_message_at: Timestamp::from_ms(room.last_message_at),
                        message: None,
                    },
                    audience,
                ),
            ];
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
    conn: &rusqlite::Connection,
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
        let (row, room) = with_room(conn, session_id)?;
        access::end_session(&caller, row.staff_id, room.customer_id)?;
        if row.status == SessionStatus::Ended {
            return Err(AppError::conflict(
                ErrorCode::SessionEnded,
                "Session has already ended",
            ));
        }
        sessions::end(conn, session_id, now_ms())?;
        rooms::record_session_end(conn, row.room_id)?;
        let session = load(conn, session_id)?;
        let audience = audience(conn, row.room_id)?;
        let events = vec![
            Event::AccessChanged {
                audience: audience.clone(),
                reason: LeaveReason::Ended,
            },
            Event::SessionEnded(session.clone(), audience),
        ];
        Ok(Outcome::with(session, events))
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
