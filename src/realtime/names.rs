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
    pub(crate) const SET_AWAY: &str = "set_away";
    pub(crate) const ADD_NOTE: &str = "add_note";
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
    pub(crate) const ROOM_TRANSFERRED: &str = "room_transferred";
    pub(crate) const NOTE_ADDED: &str = "note_added";
}

/// Everything the server accepts.
#[cfg(test)]
pub(crate) const ACCEPTED: [&str; 9] = [
    client::JOIN_ROOM,
    client::LEAVE_ROOM,
    client::SEND_MESSAGE,
    client::JOIN_SESSION,
    client::LEAVE_SESSION,
    client::TYPING,
    client::MARK_READ,
    client::SET_AWAY,
    client::ADD_NOTE,
];

/// Everything the server emits.
#[cfg(test)]
pub(crate) const EMITTED: [&str; 18] = [
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
    server::ROOM_TRANSFERRED,
    server::NOTE_ADDED,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::{ACCEPTED, EMITTED};

    fn crate_file(path: &str) -> String {
        let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
    }

    /// The names of the document's operations with this action (`receive`: the server takes
    /// the event from clients; `send`: the server emits it).
    fn documented(action: &str) -> BTreeSet<String> {
        let doc: serde_json::Value = serde_json::from_str(&crate_file("docs/asyncapi.json"))
            .expect("docs/asyncapi.json is JSON");
        assert_eq!(doc["asyncapi"], "3.0.0");
        let ops = doc["operations"].as_object().expect("operations");
        for (name, op) in ops {
            assert_eq!(
                op["channel"]["$ref"], "#/channels/chat",
                "channel of {name}"
            );
            let message = &doc["components"]["messages"][name];
            assert_eq!(
                message["name"],
                name.as_str(),
                "message of operation {name}"
            );
            assert!(message["payload"].is_object(), "payload of {name}");
        }
        ops.iter()
            .filter(|(_, op)| op["action"] == action)
            .map(|(name, _)| name.clone())
            .collect()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    /// Issue 11: the AsyncAPI document names exactly the events the server accepts and emits.
    #[test]
    fn the_asyncapi_document_names_every_event_and_no_other() {
        assert_eq!(documented("receive"), set(&ACCEPTED), "client events");
        assert_eq!(documented("send"), set(&EMITTED), "server events");
    }

    /// The lists above are the server's only event names: every constant of this file is in
    /// one of them, and no handler or emit in src/realtime spells a name out.
    #[test]
    fn no_event_name_is_written_outside_this_file() {
        let this = crate_file("src/realtime/names.rs");
        let declared: BTreeSet<String> = this
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub(crate) const "))
            .filter_map(|l| l.split('"').nth(1))
            .map(str::to_string)
            .collect();
        let listed: BTreeSet<String> = set(&ACCEPTED).union(&set(&EMITTED)).cloned().collect();
        assert_eq!(declared, listed);

        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/realtime");
        for entry in std::fs::read_dir(&dir).expect("src/realtime") {
            let path = entry.expect("entry").path();
            if path.ends_with("names.rs") {
                continue;
            }
            let code = std::fs::read_to_string(&path).expect("source");
            for needle in ["emit(\"", "on(\"", "on(socket, \"", "send(ns.to("] {
                for (i, _) in code.match_indices(needle) {
                    let rest = &code[i + needle.len()..];
                    let line = rest.lines().next().unwrap_or("");
                    assert!(
                        !needle.ends_with('"') && !line.contains(", \""),
                        "{}: an event name written out: {needle}{line}",
                        path.display()
                    );
                }
            }
        }
    }
}
