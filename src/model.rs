//! The wire shapes of contract §3, shared by REST and Socket.IO so both doors say exactly the
//! same thing. Each derives `Object` (for the OpenAPI spec) and `Serialize` (for socket events).

use poem_openapi::{Enum, Object};
use serde::Serialize;

use crate::time::Timestamp;

/// Who a user is; decides every permission of contract §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "UPPERCASE")]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Customer,
    Staff,
    Admin,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "CUSTOMER",
            Role::Staff => "STAFF",
            Role::Admin => "ADMIN",
        }
    }

    /// Parses the stored form or a case-insensitive CLI value.
    pub fn parse(s: &str) -> Option<Role> {
        match s.to_ascii_uppercase().as_str() {
            "CUSTOMER" => Some(Role::Customer),
            "STAFF" => Some(Role::Staff),
            "ADMIN" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Staff and admins work the queue; customers never do.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionStatus {
    Open,
    InProgress,
    Ended,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Open => "OPEN",
            SessionStatus::InProgress => "IN_PROGRESS",
            SessionStatus::Ended => "ENDED",
        }
    }

    pub fn parse(s: &str) -> Option<SessionStatus> {
        match s {
            "OPEN" => Some(SessionStatus::Open),
            "IN_PROGRESS" => Some(SessionStatus::InProgress),
            "ENDED" => Some(SessionStatus::Ended),
            _ => None,
        }
    }
}

/// The public face of a user, embedded wherever a person is named.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub id: i64,
    pub user_name: String,
    pub first_name: String,
    pub last_name: String,
    #[oai(nullable)]
    pub avatar: Option<String>,
}

impl UserSummary {
    /// How staff and customers see this person named.
    pub fn display_name(&self) -> String {
        display_name(&self.first_name, &self.last_name, &self.user_name)
    }
}

/// The full name, or the user name when no name was given: one rule for every page and message.
pub(crate) fn display_name(first: &str, last: &str, user_name: &str) -> String {
    let full = format!("{first} {last}");
    match full.trim() {
        "" => user_name.to_string(),
        full => full.to_string(),
    }
}

/// A user as the account endpoints show it (the caller, or an admin's view of anyone).
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub id: i64,
    pub user_name: String,
    pub first_name: String,
    pub last_name: String,
    #[oai(nullable)]
    pub avatar: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub created_at: Timestamp,
}

/// The author of a message: a summary plus the role, so clients can style staff replies.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    pub id: i64,
    pub user_name: String,
    pub first_name: String,
    pub last_name: String,
    #[oai(nullable)]
    pub avatar: Option<String>,
    pub role: Role,
}

/// A canned reply (contract §10): a stock answer staff insert on the desk by typing `/` and
/// its shortcut; `{firstName}` in the content is filled with the customer's first name.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct CannedReply {
    pub id: i64,
    /// `[a-z0-9-]{1,32}`, unique.
    pub shortcut: String,
    /// 1 to 5,000 characters.
    pub content: String,
}

/// A private note in a room's thread (contract §10): staff and admins only.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: i64,
    pub room_id: i64,
    pub content: String,
    pub created_at: Timestamp,
    pub author: UserSummary,
}

/// One chat message (contract §3).
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub content: String,
    pub created_at: Timestamp,
    pub room_id: i64,
    #[oai(nullable)]
    pub session_id: Option<i64>,
    pub sender: Sender,
    #[oai(nullable)]
    pub client_message_id: Option<String>,
    /// Files sent with the message (contract §9); empty when none.
    pub attachments: Vec<Attachment>,
}

/// A file uploaded to a room (contract §9). `url` is a signed path that works for a day
/// without a header, so `<img src>` and plain links work in every page.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    /// Taken from the file's bytes: `image/png`, `image/jpeg`, `image/gif`, `image/webp`,
    /// `application/pdf` or `text/plain`.
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    pub url: String,
}

/// The room as embedded in a session: enough to name it and its customer.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct RoomRef {
    pub id: i64,
    pub name: String,
    pub customer: UserSummary,
}

/// One consultation (contract §3).
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: i64,
    pub title: String,
    pub status: SessionStatus,
    pub started_at: Timestamp,
    #[oai(nullable)]
    pub claimed_at: Option<Timestamp>,
    #[oai(nullable)]
    pub ended_at: Option<Timestamp>,
    pub room_id: i64,
    pub customer_id: i64,
    #[oai(nullable)]
    pub staff_id: Option<i64>,
    pub room: RoomRef,
    pub customer: UserSummary,
    #[oai(nullable)]
    pub staff: Option<UserSummary>,
    /// Opened outside the shop's business hours: it waited for the shop to open.
    pub opened_after_hours: bool,
    /// The customer's rating, once the session ended and they gave one.
    #[oai(nullable)]
    pub rating: Option<Rating>,
    /// Labels staff chose for the session (contract §10): at most 10, each 1 to 32
    /// characters, lowercase, trimmed, no duplicates, in alphabetical order.
    pub labels: Vec<String>,
}

/// How a customer rated a session that ended (contract §8).
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    /// 1 (bad) to 5 (very good).
    pub score: i64,
    #[oai(nullable)]
    pub comment: Option<String>,
    pub created_at: Timestamp,
}

/// Prisma's `_count` as the guide's clients read it.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
pub struct RoomCount {
    pub messages: i64,
}

/// A customer's permanent room (contract §3).
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Room {
    pub id: i64,
    pub name: String,
    pub is_closed: bool,
    pub customer_id: i64,
    #[oai(nullable)]
    pub staff_id: Option<i64>,
    pub created_at: Timestamp,
    pub last_message_at: Timestamp,
    pub customer: UserSummary,
    #[oai(nullable)]
    pub staff: Option<UserSummary>,
    /// The latest message, if any.
    pub messages: Vec<Message>,
    #[oai(rename = "_count")]
    #[serde(rename = "_count")]
    pub count: RoomCount,
    /// The session that is not ended, if any.
    #[oai(nullable)]
    pub active_session: Option<Session>,
    /// Messages from others after the caller's read marker.
    pub unread_count: i64,
}

/// Paging facts of a history page (contract §5 `room_history`).
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub limit: i64,
    /// Whether older messages exist before this page (or, for a catch-up, newer ones after it).
    pub has_more: bool,
    /// The id to pass as `before` for the next older page, when there is one.
    #[oai(nullable)]
    pub next_before: Option<i64>,
    /// All messages in the room.
    pub total: i64,
}

/// A page of a room's messages, oldest first.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
pub struct History {
    pub messages: Vec<Message>,
    pub pagination: Pagination,
}
pub mod mail;
pub mod privacy;
pub mod search;
pub mod shop;
pub mod text;
pub mod transcript;

pub use search::{SearchHit, SearchResults};
pub use transcript::Transcript;
pub mod webhooks;
