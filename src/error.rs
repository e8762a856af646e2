//! The one error type of every rule. Each variant is a status of contract §2 and carries a
//! stable machine-readable [`ErrorCode`] (contract §7); REST turns it into the NestJS-shaped
//! body (api/error.rs) and Socket.IO into an `error` event or a failed ack. Database faults are
//! logged here and never shown to a client.

use std::fmt;

use poem_openapi::Enum;
use serde::Serialize;

use crate::model::UserSummary;

/// What went wrong, for a program to branch on: UPPER_SNAKE, documented in the spec, and never
/// changed once shipped (a new case gets a new code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Enum)]
#[oai(rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: the input is malformed, of the wrong type, or out of range.
    ValidationFailed,
    /// 401: no token, a bad or expired one, or wrong credentials.
    Unauthorized,
    /// 401: the account exists but was deactivated.
    AccountDeactivated,
    /// 403: the caller may not do this.
    Forbidden,
    /// 404: no such thing (or route).
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: someone else already claimed the session.
    SessionAlreadyClaimed,
    /// 409: the session has ended.
    SessionEnded,
    /// 409: the room already has a session that is not `ENDED`.
    ActiveSessionExists,
    /// 409: the room is assigned to another staff member (or another won the auto-assign).
    RoomAssignedToOther,
    /// 409: the staff member already holds as many chats as the shop allows.
    StaffAtCapacity,
    /// 409: the session was already rated.
    AlreadyRated,
    /// 409: the session has not ended yet.
    SessionNotEnded,
    /// 409: the user name is already taken.
    UserNameTaken,
    /// 409: another canned reply already has this shortcut.
    ShortcutTaken,
    /// 409: the `clientMessageId` was already used by this sender in another room.
    ClientMessageIdReused,
    /// 409: an admin may not change their own role or deactivate themselves.
    OwnAccountChange,
    /// 409: the account was erased (contract §11) and cannot be reactivated.
    AccountErased,
    /// 411: a body was sent without a length.
    LengthRequired,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 415: the body is not of a type this endpoint takes.
    UnsupportedMediaType,
    /// 429: too many attempts; retry after the given seconds.
    RateLimited,
    /// 500: our own fault.
    InternalError,
    /// 503: storage is busy or full; nothing was changed, the client may retry.
    ServiceUnavailable,
}

impl ErrorCode {
    /// The code poem's own errors (and any other bare status) stand for.
    pub fn for_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            409 => ErrorCode::ActiveSessionExists,
            411 => ErrorCode::LengthRequired,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::ServiceUnavailable,
            500..=599 => ErrorCode::InternalError,
            _ => ErrorCode::ValidationFailed,
        }
    }
}

/// A refused or failed action, with a message a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum AppError {
    /// 400: the input is malformed or out of range.
    BadRequest(String),
    /// 401: no token, a bad or expired one, or wrong credentials.
    Unauthorized(String),
    /// 401: the credentials are right but the account was deactivated.
    AccountDeactivated,
    /// 403: the thing exists but the caller may not do this to it.
    Forbidden(String),
    /// 404: the thing does not exist.
    NotFound(String),
    /// 409: the state does not allow it; the code says which state.
    Conflict(ErrorCode, String),
    /// 409: another staff member holds the session; who, as data a page can show in its own
    /// language (never parsed out of the message).
    AlreadyClaimed { holder: Option<UserSummary> },
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge(String),
    /// 415: a file of a kind that is not accepted (told by its bytes).
    UnsupportedMediaType(String),
    /// 429: too many attempts; try again after the given seconds.
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// 503: storage is busy or full; nothing was changed, the client may retry.
    Unavailable(String),
    /// 500: our own fault; the detail is logged, the client sees a generic message.
    Internal(String),
}

impl AppError {
    /// The HTTP status this error stands for.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized(_) | AppError::AccountDeactivated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(..) | AppError::AlreadyClaimed { .. } => 409,
            AppError::PayloadTooLarge(_) => 413,
            AppError::UnsupportedMediaType(_) => 415,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    /// The machine-readable code of contract §7.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(_) => ErrorCode::ValidationFailed,
            AppError::Unauthorized(_) => ErrorCode::Unauthorized,
            AppError::AccountDeactivated => ErrorCode::AccountDeactivated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(code, _) => *code,
            AppError::AlreadyClaimed { .. } => ErrorCode::SessionAlreadyClaimed,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            AppError::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// What the client is told. Internal details never leave the server.
    pub fn message(&self) -> std::borrow::Cow<'_, str> {
        let text = match self {
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(_, m)
            | AppError::PayloadTooLarge(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::Unavailable(m) => m,
            AppError::AccountDeactivated => "Account is deactivated",
            AppError::RateLimited { message, .. } => message,
            AppError::Internal(_) => "Internal server error",
            AppError::AlreadyClaimed { holder } => {
                let name = holder
                    .as_ref()
                    .map_or("another staff member".into(), |u| u.display_name());
                return format!("Session already claimed by {name}").into();
            }
        };
        text.into()
    }

    /// Who holds the session, for [`AppError::AlreadyClaimed`]; shown beside the code.
    pub fn holder(&self) -> Option<&UserSummary> {
        match self {
            AppError::AlreadyClaimed { holder } => holder.as_ref(),
            _ => None,
        }
    }

    /// Shorthand constructors keep call sites on one line.
    pub fn bad_request(m: impl Into<String>) -> Self {
        AppError::BadRequest(m.into())
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        AppError::Forbidden(m.into())
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        AppError::NotFound(m.into())
    }
    pub fn conflict(code: ErrorCode, m: impl Into<String>) -> Self {
        AppError::Conflict(code, m.into())
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        AppError::Unauthorized(m.into())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for AppError {}

impl From<rusqlite::Error> for AppError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                tracing::warn!(%err, "database busy");
                AppError::Unavailable("The database is busy; try again shortly".into())
            }
            Some(ErrorCode::DiskFull) => {
                tracing::error!(%err, "storage full");
                AppError::Unavailable("Storage is full; nothing was saved".into())
            }
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::SystemIoFailure) => {
                tracing::error!(%err, "storage fault");
                AppError::Unavailable("Storage is unavailable; nothing was saved".into())
            }
            _ => {
                tracing::error!(%err, "database error");
                AppError::Internal(err.to_string())
            }
        }
    }
}

impl From<crate::store::sql::Error> for AppError {
    fn from(err: crate::store::sql::Error) -> Self {
        use crate::store::sql::Error;
        match err {
            Error::Lite(e) => e.into(),
            Error::Pg(e) => postgres_error(&e),
            other => {
                tracing::error!(err = %other, "database error");
                AppError::Internal(other.to_string())
            }
        }
    }
}

/// PostgreSQL's refusals as SQLite's are told: what another node's transaction caused
/// (a deadlock, a lock wait given up) is busy and retryable; a full disk or a lost connection is
/// unavailable storage; both 503, so clients retry, and nothing of the change was kept.
fn postgres_error(err: &tokio_postgres::Error) -> AppError {
    use tokio_postgres::error::SqlState;
    let text = crate::db::pg_error_text(err);
    match err.code() {
        Some(c)
            if *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::QUERY_CANCELED =>
        {
            tracing::warn!(err = %text, "database busy");
            AppError::Unavailable("The database is busy; try again shortly".into())
        }
        Some(c) if *c == SqlState::DISK_FULL => {
            tracing::error!(err = %text, "storage full");
            AppError::Unavailable("Storage is full; nothing was saved".into())
        }
        None if err.is_closed() || err.to_string().contains("connection") => {
            tracing::error!(err = %text, "storage fault");
            AppError::Unavailable("Storage is unavailable; nothing was saved".into())
        }
        _ => {
            tracing::error!(err = %text, "database error");
            AppError::Internal(text)
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(err: r2d2::Error) -> Self {
        tracing::error!(%err, "connection pool");
        AppError::Unavailable("The database is busy; try again shortly".into())
    }
}
