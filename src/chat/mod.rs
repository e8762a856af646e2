//! The rules of the product: accounts, rooms, sessions, messages. REST and Socket.IO both call
//! these functions, so each rule lives in exactly one place. A write rule runs on the writer
//! thread and returns what changed plus the events that announce it; no door has to remember
//! to notify anyone. Nothing here formats JSON or knows which door called.

pub(crate) mod access;
pub mod accounts;
pub(crate) mod assign;
pub(crate) mod attachments;
pub(crate) mod canned;
pub(crate) mod console_sessions;
mod events;
mod file_kind;
pub(crate) mod hours;
pub(crate) mod labels;
pub(crate) mod mail;
pub mod messages;
pub(crate) mod notes;
pub(crate) mod outbox;
pub(crate) mod presence;
pub(crate) mod privacy;
pub(crate) mod ratings;
pub(crate) mod reports;
pub(crate) mod rooms;
pub(crate) mod routing;
pub mod search;
pub(crate) mod sessions;
pub(crate) mod settings;
pub(crate) mod site_sign_in;
pub(crate) mod stats;
mod tally;
pub(crate) mod transcripts;
pub(crate) mod validate;
pub(crate) mod webhooks;

pub(crate) use events::{ActivityReason, Audience, Event, LeaveReason, RoomActivity, Transfer};
pub(crate) use tally::Tally;
