//! The one error type of every rule. Each variant is a status of contract §2; REST turns it into
//! the NestJS-shaped body (api/error.rs) and Socket.IO into an `error` event. Database faults are
//! logged here and never shown to a client.

use std::fmt;

/// A refused or failed action, with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// 400: the input is malformed or out of range.
    BadRequest(String),
    /// 401: no token, a bad or expired one, or wrong credentials.
    Unauthorized(String),
    /// 403: the thing exists but the caller may not do this to it.
    Forbidden(String),
    /// 404: the thing does not exist.
    NotFound(String),
    /// 409: the state does not allow it (already claimed, already ended, name taken).
    Conflict(String),
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge(String),
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
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::PayloadTooLarge(_) => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    /// What the client is told. Internal details never leave the server.
    pub fn message(&self) -> &str {
        match self {
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::PayloadTooLarge(m)
            | AppError::Unavailable(m) => m,
            AppError::RateLimited { message, .. } => message,
            AppError::Internal(_) => "Internal server error",
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
    pub fn conflict(m: impl Into<String>) -> Self {
        AppError::Conflict(m.into())
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        AppError::Unauthorized(m.into())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
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

impl From<r2d2::Error> for AppError {
    fn from(err: r2d2::Error) -> Self {
        tracing::error!(%err, "connection pool");
        AppError::Unavailable("The database is busy; try again shortly".into())
    }
}
