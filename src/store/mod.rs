//! SQL, one module per aggregate. Functions take a connection (the writer's inside its
//! transaction, or a pooled reader) and return rows or the wire shapes of model.rs; they never
//! decide who may do what, and never know about HTTP or sockets.

pub mod console_sessions;
pub mod handover;
pub mod messages;
pub mod reports;
pub mod rooms;
pub mod sessions;
pub mod settings;
pub mod stats;
pub mod users;

/// Whether an error is a UNIQUE constraint failing, which the caller turns into a 409.
pub fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}
