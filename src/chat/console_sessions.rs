//! The web consoles' server-side sessions as rules: opening one (staff and admins only),
//! signing one out (which closes the sockets its pages opened), and finding the signed-in
//! user behind a cookie. console/session.rs only reads and writes the cookie.

use std::time::Duration;

use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::store::console_sessions::{self, ConsoleSessionRow};
use crate::store::users::{self, UserRow};
use crate::time::now_ms;

/// 32 random bytes as 64 hex characters: session ids and CSRF tokens.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a console session for `user_id`, an active staff member or admin, lasting `ttl`;
/// returns the row (its id is the cookie value). Expired rows of anyone are swept in the same
/// write. Customers have no console: 403.
pub(crate) async fn open(
    db: &Db,
    user_id: i64,
    ttl: Duration,
) -> Result<ConsoleSessionRow, AppError> {
    let now = now_ms();
    let row = ConsoleSessionRow {
        id: random_token(),
        user_id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + ttl.as_millis() as i64,
    };
    let stored = row.clone();
    db.write(move |conn| {
        match users::by_id(conn, user_id)? {
            Some(u) if !u.is_active => return Err(AppError::AccountDeactivated),
            Some(u) if u.role.is_staff() => {}
            Some(_) => return Err(AppError::forbidden("The console is for staff and admins")),
            None => return Err(AppError::not_found("User not found")),
        }
        console_sessions::delete_expired(conn, now)?;
        console_sessions::insert(conn, &stored)?;
        Ok(Outcome::quiet(()))
    })
    .await?;
    Ok(row)
}

/// Signs a console session out on the server; its cookie and its pages' tokens stop working
/// and the sockets its pages opened are closed.
pub(crate) async fn close(db: &Db, id: String) -> Result<(), AppError> {
    db.write(move |conn| {
        console_sessions::delete(conn, &id)?;
        Ok(Outcome::with(
            (),
            vec![super::Event::ConsoleSessionEnded(id)],
        ))
    })
    .await
}

/// The live session named by cookie value `id`, with its user, if both still allow a console:
/// the session has not expired and the user is an active staff member or admin.
pub(crate) async fn signed_in(
    db: &Db,
    id: String,
) -> Result<Option<(ConsoleSessionRow, UserRow)>, AppError> {
    db.read(move |conn| {
        let Some(session) = console_sessions::live_by_id(conn, &id, now_ms())? else {
            return Ok(None);
        };
        Ok(users::by_id(conn, session.user_id)?
            .filter(|u| u.is_active && u.role.is_staff())
            .map(|u| (session, u)))
    })
    .await
}
