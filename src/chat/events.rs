//! What the rules announce after a commit. realtime/fanout.rs decides who hears each one; each
//! event that can change who may read a room carries the room's [`Audience`] as it is after the
//! change, so the fan-out checks the permission table once per socket instead of guessing per
//! event type.

use serde::Serialize;

use super::access::RoomFacts;
use crate::model::{Message, Note, Session, UserSummary};

/// A room's permission facts right after a committed change: who may read it now.
#[derive(Debug, Clone)]
pub(crate) struct Audience {
    pub room_id: i64,
    pub facts: RoomFacts,
}

/// Why a socket was taken out of a room (`left_room {roomId, reason}`, contract §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum LeaveReason {
    /// The room (or its session) went to another staff member.
    Assigned,
    /// The room was transferred to a colleague (contract §10).
    Transferred,
    /// The session that let the socket read the room ended.
    Ended,
}

/// Why a room shows up on the staff feed (`room_updated.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ActivityReason {
    /// The room now has a staff member (claim, auto-assign, reassignment).
    Assigned,
    /// A message arrived while the room was unassigned.
    Message,
}

/// A committed change that connected clients should hear about.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// A change that may take a right to read a room away: every socket in the room is checked
    /// against the permission table, and those that may no longer read it leave it. Announced
    /// before anything else of the same change, so nobody hears what they may not read.
    AccessChanged {
        audience: Audience,
        reason: LeaveReason,
    },
    /// A message was stored: `new_message` to the room.
    MessageCreated(Message),
    /// A customer opened a session: `session_created` to staff and the room.
    SessionCreated(Session, Audience),
    /// A session was claimed: `session_joined` to the room, `session_updated` to staff.
    SessionClaimed(Session, Audience),
    /// A session ended: `session_updated` to staff and the room.
    SessionEnded(Session, Audience),
    /// The customer rated an ended session: `session_updated` to staff and the room.
    SessionRated(Session, Audience),
    /// Staff changed a session's labels: `session_updated` to staff and the room.
    SessionLabelled(Session, Audience),
    /// A room was assigned or had activity while unassigned: `room_updated` to staff.
    RoomUpdated(RoomActivity, Audience),
    /// A room was transferred: `room_transferred` to the receiving staff member's sockets.
    RoomTransferred(Transfer),
    /// A private note was written: `note_added` to the staff and admin sockets in the room.
    NoteAdded(Note),
    /// A read marker moved: `messages_read` to the room.
    MessagesRead {
        room_id: i64,
        user_id: i64,
        message_id: i64,
    },
    /// The user's tokens were revoked (deactivated, password changed): close their sockets.
    UserRevoked(i64),
    /// A customer's personal data was erased (contract §11): their sockets close, and webhook
    /// subscribers hear `user.erased`.
    UserErased(i64),
    /// A console session was signed out: close the sockets its pages opened.
    ConsoleSessionEnded(String),
}

/// The `room_updated` payload: enough for a console to move the room between lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoomActivity {
    pub room_id: i64,
    pub staff_id: Option<i64>,
    pub reason: ActivityReason,
    pub last_message_at: crate::time::Timestamp,
    /// The message that caused it, for `message`.
    pub message: Option<Message>,
}

/// The `room_transferred` payload: what the receiving colleague's desk shows with the room.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Transfer {
    pub room_id: i64,
    pub from_staff_id: Option<i64>,
    pub to_staff_id: i64,
    pub note: Option<String>,
    /// Who held the room before, for the desk's toast (ext beyond contract §10's fields).
    pub from_staff: Option<UserSummary>,
}
