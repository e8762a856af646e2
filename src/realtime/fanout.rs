//! Announces committed events. One task takes them in commit order from the writer and emits
//! each once (socketioxide serializes a broadcast once for all its recipients), so every member
//! of a room sees its `new_message` events in increasing id order.

use serde_json::json;
use socketioxide::SocketIo;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{NAMESPACE, STAFF_ROOM, room_key, user_key};
use crate::chat::Event;

pub async fn run(io: SocketIo, mut events: UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        let Some(ns) = io.of(NAMESPACE) else { continue };
        let sent = match event {
            Event::MessageCreated(message) => {
                ns.to(room_key(message.room_id))
                    .emit("new_message", &message)
                    .await
            }
            Event::SessionCreated(session) => {
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                ns.to(to).emit("session_created", &session).await
            }
            Event::SessionClaimed(session) => {
                let joined = json!({
                    "sessionId": session.id, "roomId": session.room_id, "staff": session.staff,
                });
                let room = room_key(session.room_id);
                let first = ns.to(room.clone()).emit("session_joined", &joined).await;
                let second = io.of(NAMESPACE).map(|ns| {
                    ns.to([STAFF_ROOM.to_string(), room])
                        .emit("session_updated", &session)
                });
                match second {
                    Some(fut) => first.and(fut.await),
                    None => first,
                }
            }
            Event::SessionEnded(session) => {
                let to = [STAFF_ROOM.to_string(), room_key(session.room_id)];
                ns.to(to).emit("session_updated", &session).await
            }
            Event::RoomUpdated(activity) => ns.to(STAFF_ROOM).emit("room_updated", &activity).await,
            Event::MessagesRead {
                room_id,
                user_id,
                message_id,
            } => {
                let body = json!({ "roomId": room_id, "userId": user_id, "messageId": message_id });
                ns.to(room_key(room_id)).emit("messages_read", &body).await
            }
            Event::UserRevoked(user_id) => {
                let _ = ns.to(user_key(user_id)).disconnect().await;
                Ok(())
            }
        };
        if let Err(err) = sent {
            tracing::debug!(%err, "some sockets did not take an event");
        }
    }
}
