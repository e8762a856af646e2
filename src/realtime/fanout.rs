//! Announces committed events. One task takes them in commit order from the writer and hands
//! each to its recipients in that order, so every member of a room sees its `new_message`
//! events in increasing id order; each payload is serialized once (deliver.rs). It also keeps
//! room membership honest: when a room is assigned, staff sockets that may no longer see it
//! leave it.

use serde::Serialize;
use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::operators::BroadcastOperators;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{NAMESPACE, STAFF_ROOM, console_key, deliver, room_key, user_key};
use crate::auth::Caller;
use crate::chat::Event;
use crate::model::Role;

pub async fn run(io: SocketIo, mut events: UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        let Some(ns) = io.of(NAMESPACE) else { continue };
        match event {
            Event::MessageCreated(message) => {
                send(ns.to(room_key(message.room_id)), "new_message", &message);
            }
            Event::SessionCreated(session) => {
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                send(ns.to(to), "session_created", &session);
            }
            Event::SessionClaimed(session) => {
                if let Some(staff) = session.staff_id {
                    drop_lost_access(&io, session.room_id, staff);
                }
                let joined = json!({
                    "sessionId": session.id, "roomId": session.room_id, "staff": session.staff,
                });
                send(ns.to(room_key(session.room_id)), "session_joined", &joined);
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                if let Some(ns) = io.of(NAMESPACE) {
                    send(ns.to(to), "session_updated", &session);
                }
            }
            Event::SessionEnded(session) => {
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                send(ns.to(to), "session_updated", &session);
            }
            Event::RoomUpdated(activity) => {
                if activity.reason == "assigned"
                    && let Some(staff) = activity.staff_id
                {
                    drop_lost_access(&io, activity.room_id, staff);
                }
                send(ns.to(STAFF_ROOM), "room_updated", &activity);
            }
            Event::MessagesRead {
                room_id,
                user_id,
                message_id,
            } => {
                let body = json!({ "roomId": room_id, "userId": user_id, "messageId": message_id });
                send(ns.to(room_key(room_id)), "messages_read", &body);
            }
            Event::UserRevoked(user_id) => {
                let _ = ns.to(user_key(user_id)).disconnect().await;
            }
            Event::ConsoleSessionEnded(sid) => {
                let _ = ns.to(console_key(&sid)).disconnect().await;
            }
        }
    }
}

fn send<T: Serialize>(to: BroadcastOperators, event: &str, payload: &T) {
    if let Some(raw) = deliver::prepare(payload) {
        deliver::to_each(to.sockets(), event, &raw);
    }
}

/// A room now assigned to `staff_id`: other staff members' sockets in it may no longer see it
/// (contract §6), so they leave it and are told why, and the room hears `user_left` as if they
/// had left; admins and the customer stay.
fn drop_lost_access(io: &SocketIo, room_id: i64, staff_id: i64) {
    let Some(ns) = io.of(NAMESPACE) else { return };
    let key = room_key(room_id);
    for socket in ns.to(key.clone()).sockets() {
        let Some(caller) = socket.extensions.get::<Caller>() else {
            continue;
        };
        if caller.role == Role::Staff && caller.id != staff_id {
            socket.leave(key.clone());
            let notice = json!({
                "message": "This room was assigned to another staff member", "roomId": room_id,
            });
            let _ = socket.emit("error", &notice);
            let left =
                json!({ "roomId": room_id, "userId": caller.id, "userName": caller.user_name });
            if let Some(ns) = io.of(NAMESPACE) {
                send(ns.to(key.clone()), "user_left", &left);
            }
        }
    }
}
