//! What the rules announce after a commit. realtime/fanout.rs decides who hears each one.

use serde::Serialize;

use crate::model::{Message, Session};

/// A committed change that connected clients should hear about.
#[derive(Debug, Clone)]
pub enum Event {
    /// A message was stored: `new_message` to the room.
    MessageCreated(Message),
    /// A customer opened a session: `session_created` to staff and the room.
    SessionCreated(Session),
    /// A session was claimed: `session_joined` to the room, `session_updated` to staff.
    SessionClaimed(Session),
    /// A session ended: `session_updated` to staff and the room.
    SessionEnded(Session),
    /// A room was assigned or had activity while unassigned: `room_updated` to staff.
    RoomUpdated(RoomActivity),
    /// A read marker moved: `messages_read` to the room.
    MessagesRead {
        room_id: i64,
        user_id: i64,
        message_id: i64,
    },
    /// The user's tokens were revoked (deactivated, password changed): close their sockets.
    UserRevoked(i64),
    /// A console session was signed out: close the sockets its pages opened.
    ConsoleSessionEnded(String),
}

/// The `room_updated` payload: enough for a console to move the room between lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomActivity {
    pub room_id: i64,
    pub staff_id: Option<i64>,
    /// `assigned` or `message`.
    pub reason: &'static str,
    pub last_message_at: String,
    /// The message that caused it, for `message`.
    pub message: Option<Message>,
}
