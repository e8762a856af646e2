//! The authenticated caller of a request or socket, checked against the database each time a
//! token is presented, so a deactivated user or a changed password takes effect at once.

use crate::db::Db;
use crate::error::AppError;
use crate::model::{Role, UserSummary};
use crate::store::{console_sessions, users};
use crate::time::now_ms;

use super::Tokens;

/// A user whose token was valid and whose account is active.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub role: Role,
    pub user_name: String,
    pub summary: UserSummary,
}

impl Caller {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Turns a bearer token into a caller, or 401. A token minted for a console page also needs its
/// console session to be alive: signing out of the console ends that page's token.
pub async fn authenticate(db: &Db, tokens: &Tokens, token: &str) -> Result<Caller, AppError> {
    let verified = tokens.verify_claims(token)?;
    let (id, version) = (verified.user_id, verified.token_version);
    let (user, console_ok) = db
        .read(move |conn| {
            let console_ok = match &verified.console_session {
                Some(sid) => console_sessions::live_by_id(conn, sid, now_ms())?
                    .is_some_and(|s| s.user_id == id),
                None => true,
            };
            Ok((users::by_id(conn, id)?, console_ok))
        })
        .await?;
    if !console_ok {
        return Err(AppError::unauthorized("Console session has ended"));
    }
    match user {
        Some(u) if u.is_active && u.token_version == version => Ok(Caller {
            id: u.id,
            role: u.role,
            user_name: u.user_name.clone(),
            summary: u.summary(),
        }),
        Some(u) if !u.is_active => Err(AppError::unauthorized("Account is deactivated")),
        _ => Err(AppError::unauthorized("Invalid or expired token")),
    }
}
