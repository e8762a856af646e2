//! Canned replies (contract §10): stock answers admins write and staff insert on the desk by
//! typing `/` and a shortcut. Staff and admins read them; only admins change them.

use super::{access, validate};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::CannedReply;
use crate::store::canned;
use crate::time::now_ms;

/// The longest shortcut.
const SHORTCUT_MAX: usize = 32;

/// A shortcut: 1 to 32 of `a-z`, `0-9` and `-` (trimmed first).
pub(crate) fn shortcut(s: &str) -> Result<String, AppError> {
    let t = s.trim();
    let ok = (1..=SHORTCUT_MAX).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(t.to_string())
    } else {
        Err(AppError::bad_request(
            "shortcut must be 1 to 32 characters of a-z, 0-9 and -",
        ))
    }
}

/// What a new or changed reply says, checked.
fn checked(short: &str, content: &str) -> Result<(String, String), AppError> {
    Ok((shortcut(short)?, validate::content(content)?.to_string()))
}

/// `GET /chat/canned-replies`: every reply, by shortcut.
pub(crate) async fn list(db: &Db, caller: &Caller) -> Result<Vec<CannedReply>, AppError> {
    access::see_canned_replies(caller)?;
    db.read(canned::all).await
}

/// `POST /chat/canned-replies`: a new reply; a shortcut in use is 409 `SHORTCUT_TAKEN`.
pub(crate) async fn create(
    db: &Db,
    caller: &Caller,
    short: &str,
    content: &str,
) -> Result<CannedReply, AppError> {
    access::manage_canned_replies(caller)?;
    let (short, content) = checked(short, content)?;
    db.write(move |conn| {
        Ok(Outcome::quiet(canned::insert(
            conn,
            &short,
            &content,
            now_ms(),
        )?))
    })
    .await
}

/// `PUT /chat/canned-replies/:id`: replaces the shortcut and the content.
pub(crate) async fn update(
    db: &Db,
    caller: &Caller,
    id: i64,
    short: &str,
    content: &str,
) -> Result<CannedReply, AppError> {
    access::manage_canned_replies(caller)?;
    validate::id("id", id)?;
    let (short, content) = checked(short, content)?;
    db.write(move |conn| {
        if !canned::update(conn, id, &short, &content)? {
            return Err(AppError::not_found("Canned reply not found"));
        }
        let reply = canned::by_id(conn, id)?
            .ok_or_else(|| AppError::Internal("changed canned reply vanished".into()))?;
        Ok(Outcome::quiet(reply))
    })
    .await
}

/// `DELETE /chat/canned-replies/:id`.
pub(crate) async fn delete(db: &Db, caller: &Caller, id: i64) -> Result<(), AppError> {
    access::manage_canned_replies(caller)?;
    validate::id("id", id)?;
    db.write(move |conn| {
        if canned::delete(conn, id)? {
            Ok(Outcome::quiet(()))
        } else {
            Err(AppError::not_found("Canned reply not found"))
        }
    })
    .await
}
