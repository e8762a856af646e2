//! Announces committed events. One task takes them in commit order from the writer and emits
//! each once (socketioxide serializes a broadcast once for all its recipients), so every member
//! of a room sees its `new_message` events in increasing id order. It also keeps room
//! membership honest: when a room is assigned, staff sockets that may no longer see it leave it.

use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::operators::BroadcastOperators;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{NAMESPACE, STAFF_ROOM, console_key, room_key, user_key};
use crate::auth::Caller;
use crate::chat::Event;
use crate::model::Role;

pub async fn run(io: SocketIo, mut events: UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        let Some(ns) = io.of(NAMESPACE) else { continue };
        let sent = match event {
            Event::MessageCreated(message) => {
                ns.to(room_key(message.room_id)).emit("new_message", &message).await
            }
            Event::SessionCreated(session) => {
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                ns.to(to).emit("session_created", &session).await
            }
            Event::SessionClaimed(session) => {
                if let Some(staff) = session.staff_id {
                    drop_lost_access(&io, session.room_id, staff);
                }
                let joined = json!({
                    "sessionId": session.id, "roomId": session.room_id, "staff": session.staff,
                });
                let room = room_key(session.room_id);
                let first = ns.to(room.clone()).emit("session_joined", &joined).await;
                let second = match io.of(NAMESPACE) {
                    Some(ns) => ns.to([STAFF_ROOM.to_string(), room]).emit("session_updated", &session).await,
                    None => Ok(()),
                };
                first.and(second)
            }
            Event::SessionEnded(session) => {
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                ns.to(to).emit("session_updated", &session).await
            }
            Event::RoomUpdated(activity) => {
                if activity.reason == "assigned"
                    && let Some(staff) = activity.staff_id
                {
                    drop_lost_access(&io, activity.room_id, staff);
                }
                ns.to(STAFF_ROOM).emit("room_updated", &activity).await
            }
            Event::MessagesRead { room_id, user_id, message_id } => {
                let body = json!({ "roomId": room_id, "userId": user_id, "messageId": message_id });
                ns.to(room_key(room_id)).emit("messages_read", &body).await
            }
            Event::UserRevoked(user_id) => disconnect(ns.to(user_key(user_id))).await,
            Event::ConsoleSessionEnded(sid) => disconnect(ns.to(console_key(&sid))).await,
        };
        if let Err(err) = sent {
            tracing::debug!(%err, "some sockets did not take an event");
        }
    }
}

async fn disconnect(sockets: BroadcastOperators) -> Result<(), socketioxide::BroadcastError> {
    let _ = sockets.disconnect().await;
    Ok(())
}

/// A room now assigned to `staff_id`: other staff members' sockets in it may no longer see it
/// (contract §6), so they leave it and are told why; admins and the customer stay.
fn drop_lost_access(io: &SocketIo, room_id: i64, staff_id: i64) {
    let Some(ns) = io.of(NAMESPACE) else { return };
    let key = room_key(room_id);
    for socket in ns.to(key.clone()).sockets() {
        let Some(caller) = socket.extensions.get::<Caller>() else { continue };
        if caller.role == Role::Staff && caller.id != staff_id {
            socket.leave(key.clone());
            let notice = json!({ "message": "This room was assigned to another staff member", "roomId": room_id });
            let _ = socket.emit("error", &notice);
        }
    }
}
