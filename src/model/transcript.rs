//! The wire shape of a transcript (contract §10): a room's conversation, whole or one session.

use poem_openapi::Object;
use serde::Serialize;

use super::{Message, Room, Session};

/// Everything said in a room (or in one of its sessions), to keep or hand on.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
pub struct Transcript {
    pub room: Room,
    /// The sessions covered, oldest first.
    pub sessions: Vec<Session>,
    /// Their messages, oldest first (for a whole room, also those sent outside any session).
    pub messages: Vec<Message>,
}
