//! The rules of the product: accounts, rooms, sessions, messages. REST and Socket.IO both call
//! these functions, so each rule lives in exactly one place. A write rule runs on the writer
//! thread and returns what changed plus the events that announce it; no door has to remember
//! to notify anyone. Nothing here formats JSON or knows which door called.

pub mod access;
pub mod accounts;
pub mod assign;
pub mod console_sessions;
mod events;
pub mod messages;
pub mod reports;
pub mod rooms;
pub mod sessions;
pub mod stats;
mod tally;
pub mod validate;

pub use events::{ActivityReason, Audience, Event, LeaveReason, RoomActivity};
pub use tally::Tally;
