//! Every Socket.IO event name of contract §5, written once. `docs/asyncapi.json` documents each
//! one, and a test holds the document and these lists together in both directions.

/// Events a client sends; each has exactly one handler (handlers.rs).
pub(crate) mod client {
    pub(crate) const JOIN_ROOM: &str = "join_room";
    pub(crate) const LEAVE_ROOM: &str = "leave_room";
    pub(crate) const SEND_MESSAGE: &str = "send_message";
    pub(crate) const JOIN_SESSION: &str = "join_session";
    pub(crate) const LEAVE_SESSION: &str = "leave_session";
    pub(crate) const TYPING: &str = "typing";
    pub(crate) const MARK_READ: &str = "mark_read";
}

/// Events the server sends.
pub(crate) mod server {
    pub(crate) const CONNECTED: &str = "connected";
    pub(crate) const ERROR: &str = "error";
    pub(crate) const JOINED_ROOM: &str = "joined_room";
    pub(crate) const ROOM_ACCESS: &str = "room_access";
    pub(crate) const ROOM_HISTORY: &str = "room_history";
    pub(crate) const LEFT_ROOM: &str = "left_room";
    pub(crate) const USER_JOINED: &str = "user_joined";
    pub(crate) const USER_LEFT: &str = "user_left";
    pub(crate) const USER_TYPING: &str = "user_typing";
    pub(crate) const NEW_MESSAGE: &str = "new_message";
    pub(crate) const MESSAGES_READ: &str = "messages_read";
    pub(crate) const SESSION_CREATED: &str = "session_created";
    pub(crate) const SESSION_UPDATED: &str = "session_updated";
    pub(crate) const SESSION_JOINED: &str = "session_joined";
    pub(crate) const SESSION_LEFT: &str = "session_left";
    pub(crate) const ROOM_UPDATED: &str = "room_updated";
}

/// Everything the server accepts.
#[cfg(test)]
pub(crate) const ACCEPTED: [&str; 7] = [
    client::JOIN_ROOM,
    client::LEAVE_ROOM,
    client::SEND_MESSAGE,
    client::JOIN_SESSION,
    client::LEAVE_SESSION,
    client::TYPING,
    client::MARK_READ,
];

/// Everything the server emits.
#[cfg(test)]
pub(crate) const EMITTED: [&str; 16] = [
    server::CONNECTED,
    server::ERROR,
    server::JOINED_ROOM,
    server::ROOM_ACCESS,
    server::ROOM_HISTORY,
    server::LEFT_ROOM,
    server::USER_JOINED,
    server::USER_LEFT,
    server::USER_TYPING,
    server::NEW_MESSAGE,
    server::MESSAGES_READ,
    server::SESSION_CREATED,
    server::SESSION_UPDATED,
    server::SESSION_JOINED,
    server::SESSION_LEFT,
    server::ROOM_UPDATED,
];
