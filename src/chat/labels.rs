//! Session labels (contract §10): staff who may see a session's room, and admins, tag it with
//! a few short words; the admin session list filters by them. Limits: at most 10 labels, each
//! 1 to 32 characters after trimming, stored lowercase, duplicates dropped; anything else is a
//! 400 naming `labels` and nothing changes.

use super::rooms::{audience, visible};
use super::{Event, access};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::Session;
use crate::store::{labels, sessions};

/// The most labels one session carries.
pub(crate) const MAX_LABELS: usize = 10;
/// The longest label, in characters.
pub(crate) const LABEL_MAX: usize = 32;

/// Checks and normalises a label list: trimmed, lowercase, deduplicated, sorted.
pub(crate) fn normalise(raw: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for label in raw {
        let label = label.trim().to_lowercase();
        let n = label.chars().count();
        if n == 0 || n > LABEL_MAX || label.chars().any(char::is_control) {
            return Err(AppError::bad_request(format!(
                "labels must each be 1 to {LABEL_MAX} characters, without control characters"
            )));
        }
        if !out.contains(&label) {
            out.push(label);
        }
    }
    if out.len() > MAX_LABELS {
        return Err(AppError::bad_request(format!(
            "labels must hold at most {MAX_LABELS} different labels"
        )));
    }
    out.sort();
    Ok(out)
}

/// `PUT /chat/sessions/:id/labels`: replaces the session's labels; staff hear of it on the
/// feed as `session_updated`.
pub(crate) async fn set(
    db: &Db,
    caller: &Caller,
    session_id: i64,
    raw: Vec<String>,
) -> Result<Session, AppError> {
    access::label_session(caller)?;
    super::validate::id("id", session_id)?;
    let wanted = normalise(&raw)?;
    let caller = caller.clone();
    db.write(move |conn| {
        let row = sessions::by_id(conn, session_id)?
            .ok_or_else(|| AppError::not_found("Session not found"))?;
        visible(conn, &caller, row.room_id)?;
        labels::replace(conn, session_id, &wanted)?;
        let session = sessions::view(conn, session_id)?;
        let events = vec![Event::SessionLabelled(
            session.clone(),
            audience(conn, row.room_id)?,
        )];
        Ok(Outcome::with(session, events))
    })
    .await
}

/// The labels already in use, most used first: the desk's suggestions (staff and admins).
pub(crate) async fn in_use(db: &Db, caller: &Caller) -> Result<Vec<String>, AppError> {
    access::label_session(caller)?;
    db.read(|conn| labels::in_use(conn, 200)).await
}
