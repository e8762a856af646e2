//! Ratings (contract §8): the customer of a session that ended says how it went, once; staff
//! hear of it on the feed as `session_updated`, the dashboard counts it.

use super::rooms::audience;
use super::{Event, access, settings};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::model::{Rating, SessionStatus};
use crate::store::sessions;
use crate::time::now_ms;

/// The longest comment kept.
const COMMENT_MAX: usize = 1000;

/// Rates session `session_id` with `score` (1 to 5) and an optional comment.
pub(crate) async fn rate(
    db: &Db,
    caller: &Caller,
    session_id: i64,
    score: i64,
    comment: Option<String>,
) -> Result<Rating, AppError> {
    if !(1..=5).contains(&score) {
        return Err(AppError::bad_request("score must be from 1 to 5"));
    }
    let comment = comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > COMMENT_MAX)
    {
        return Err(AppError::bad_request(format!(
            "comment must be at most {COMMENT_MAX} characters"
        )));
    }
    let caller = caller.clone();
    db.write(move |conn| {
        let (row, room) = super::sessions::with_room(conn, session_id)?;
        access::rate_session(&caller, room.customer_id)?;
        if !settings::load(conn)?.ratings_enabled {
            return Err(AppError::forbidden("This shop does not ask for ratings"));
        }
        if row.status != SessionStatus::Ended {
            return Err(AppError::conflict(
                ErrorCode::SessionNotEnded,
                "A session can be rated once it has ended",
            ));
        }
        if !sessions::rate(conn, session_id, score, comment.as_deref(), now_ms())? {
            return Err(AppError::conflict(
                ErrorCode::AlreadyRated,
                "This session was already rated",
            ));
        }
        let session = sessions::view(conn, session_id)?;
        let rating = session
            .rating
            .clone()
            .ok_or_else(|| AppError::Internal("a stored rating vanished".into()))?;
        let events = vec![Event::SessionRated(session, audience(conn, row.room_id)?)];
        Ok(Outcome::with(rating, events))
    })
    .await
}
