//! SQL, one module per aggregate. Functions take a connection (the writer's inside its
//! transaction, or a pooled reader) and return rows or the wire shapes of model.rs; they never
//! decide who may do what, and never know about HTTP or sockets.

pub(crate) mod attachments;
pub(crate) mod canned;
pub(crate) mod console_sessions;
pub(crate) mod handover;
pub(crate) mod labels;
pub(crate) mod mail;
pub(crate) mod messages;
pub(crate) mod notes;
pub(crate) mod outbox;
pub(crate) mod presence;
pub(crate) mod privacy;
pub(crate) mod queue_stats;
pub(crate) mod reports;
pub(crate) mod room_views;
pub(crate) mod rooms;
pub(crate) mod search;
pub(crate) mod sessions;
pub(crate) mod settings;
pub(crate) mod sql;
pub(crate) mod stats;
pub(crate) mod transcripts;
pub(crate) mod users;
pub(crate) mod webhooks;

/// A user summary from the four columns from `at` (user name, first, last, avatar) of a joined
/// row: the views that embed people read them in the same statement.
pub(crate) fn summary(
    r: &sql::Row<'_>,
    id: i64,
    at: usize,
) -> sql::Result<crate::model::UserSummary> {
    Ok(crate::model::UserSummary {
        id,
        user_name: r.get(at)?,
        first_name: r.get(at + 1)?,
        last_name: r.get(at + 2)?,
        avatar: r.get(at + 3)?,
    })
}

/// [`summary`] of a user who may be absent (a NULL id from a LEFT JOIN).
pub(crate) fn maybe_summary(
    r: &sql::Row<'_>,
    id: Option<i64>,
    at: usize,
) -> sql::Result<Option<crate::model::UserSummary>> {
    id.map(|id| summary(r, id, at)).transpose()
}
