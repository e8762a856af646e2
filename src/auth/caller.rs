//! The authenticated caller of a request or socket, checked against the database each time a
//! token is presented, so a deactivated user or a changed password takes effect at once.

use crate::db::Db;
use crate::error::AppError;
use crate::model::{Role, UserSummary};
use crate::store::users::UserRow;
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
    /// The console session this caller's token (or cookie) belongs to, if any: a socket opened
    /// with it is closed when that session is signed out.
    pub console_session: Option<String>,
    /// When the credential stops being valid (UTC milliseconds); long-lived sockets are closed
    /// then.
    pub expires_at_ms: i64,
}

impl Caller {
    /// The caller a valid credential for `user` stands for.
    pub(crate) fn new(
        user: &UserRow,
        console_session: Option<String>,
        expires_at_ms: i64,
    ) -> Caller {
        Caller {
            id: user.id,
            role: user.role,
            user_name: user.user_name.clone(),
            summary: user.summary(),
            console_session,
            expires_at_ms,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Who asks a rule that can also run without a signed-in user (creating accounts): the rule
/// checks the actor itself, so no door can forget to.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in user, held to the permission table like everywhere else.
    User(&'a Caller),
    /// The person at the server's console (the `user` command): they own the database file, so
    /// the rules trust them as an admin.
    Operator,
    /// Someone signing themselves up: they may create their own customer account and nothing
    /// else.
    Visitor,
}

/// Turns a bearer token into a caller, or 401. A token minted for a console page also needs its
/// console session to be alive: signing out of the console ends that page's token.
pub(crate) async fn authenticate(
    db: &Db,
    tokens: &Tokens,
    token: &str,
) -> Result<Caller, AppError> {
    let verified = tokens.verify_claims(token)?;
    let (id, version) = (verified.user_id, verified.token_version);
    let console_session = verified.console_session.clone();
    let (user, console_expiry) = db
        .read(move |conn| {
            // Ok(None): no console session involved; Err: the token's session is gone.
            let console_expiry = match &console_session {
                Some(sid) => console_sessions::live_by_id(conn, sid, now_ms())?
                    .filter(|s| s.user_id == id)
                    .map(|s| Some(s.expires_at))
                    .ok_or(()),
                None => Ok(None),
            };
            Ok((users::by_id(conn, id)?, console_expiry))
        })
        .await?;
    let Ok(console_expiry) = console_expiry else {
        return Err(AppError::unauthorized("Console session has ended"));
    };
    let token_expiry = verified.expires_at.saturating_mul(1000);
    let expires_at_ms = console_expiry.map_or(token_expiry, |c| c.min(token_expiry));
    match user {
        Some(u) if u.is_active && u.token_version == version => {
            Ok(Caller::new(&u, verified.console_session, expires_at_ms))
        }
        Some(u) if !u.is_active => Err(AppError::AccountDeactivated),
        _ => Err(AppError::unauthorized("Invalid or expired token")),
    }
}

/// The caller an active account stands for when only its id is known: a socket held by another
/// node of a cluster is known here by its `user:` room alone, and the rules about who may stay
/// in a room read only the role and the id. `None`: no such active account.
pub(crate) async fn of_active_user(db: &Db, id: i64) -> Result<Option<Caller>, AppError> {
    let user = db.read(move |conn| users::by_id(conn, id)).await?;
    Ok(user
        .filter(|u| u.is_active)
        .map(|u| Caller::new(&u, None, i64::MAX)))
}
