//! Transcripts (contract §10): a room's conversation, or one session's, for anyone who may read
//! the room (the same check as reading its messages). Formatting is the door's business.

use super::rooms::visible;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::AppError;
use crate::model::Transcript;
use crate::store::{room_views, sessions, transcripts};

/// The most sessions a whole-room transcript lists (a room has one per consultation).
const MAX_SESSIONS: u32 = 10_000;

/// The room with the sessions and messages covered: one session's when `session_id` is given
/// (404 unless it is a session of this room), else every one and every message.
pub(crate) async fn transcript(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    session_id: Option<i64>,
) -> Result<Transcript, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        visible(conn, &caller, room_id)?;
        let room = room_views::one(conn, room_id, caller.id)?;
        let sessions = match session_id {
            Some(id) => {
                let session = sessions::view(conn, id)?;
                if session.room_id != room_id {
                    return Err(AppError::not_found("Session not found in this room"));
                }
                vec![session]
            }
            None => {
                let mut all = sessions::room_views(conn, room_id, MAX_SESSIONS, 0)?;
                all.reverse();
                all
            }
        };
        let messages = transcripts::messages(conn, room_id, session_id)?;
        Ok(Transcript {
            room,
            sessions,
            messages,
        })
    })
    .await
}
