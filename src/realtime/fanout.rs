//! Announces committed events. One task takes them in commit order from the writer and hands
//! each to its recipients in that order, so every member of a room sees its `new_message`
//! events in increasing id order; each payload is serialized once (deliver.rs). It also keeps
//! contract §6 true at every moment, from the permission table itself: after any change that
//! can take a right away, every socket in the room is checked against `access::view_room`, and
//! the staff feed tells each socket no more than it may read.

use serde::Serialize;
use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;
use tokio::sync::mpsc::UnboundedReceiver;

use super::names::server;
use super::{NAMESPACE, STAFF_ROOM, console_key, deliver, room_key, user_key};
use crate::auth::Caller;
use crate::chat::access;
use crate::chat::rooms::RoomRights;
use crate::chat::{Audience, Event, LeaveReason};
use crate::model::Session;

pub(crate) async fn run(io: SocketIo, mut events: UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        let Some(ns) = io.of(NAMESPACE) else { continue };
        match event {
            Event::AccessChanged { audience, reason } => {
                drop_lost_access(&io, &audience, reason);
            }
            Event::MessageCreated(message) => {
                send(
                    ns.to(room_key(message.room_id)),
                    server::NEW_MESSAGE,
                    &message,
                );
            }
            Event::SessionCreated(session, audience) => {
                session_feed(&io, &audience, server::SESSION_CREATED, &session);
            }
            Event::SessionClaimed(session, audience) => {
                let joined = json!({
                    "sessionId": session.id, "roomId": session.room_id, "staff": session.staff,
                });
                send(
                    ns.to(room_key(session.room_id)),
                    server::SESSION_JOINED,
                    &joined,
                );
                session_feed(&io, &audience, server::SESSION_UPDATED, &session);
            }
            Event::SessionEnded(session, audience)
            | Event::SessionRated(session, audience)
            | Event::SessionLabelled(session, audience) => {
                session_feed(&io, &audience, server::SESSION_UPDATED, &session);
            }
            Event::RoomUpdated(activity, audience) => {
                let short = json!({
                    "id": activity.room_id, "roomId": activity.room_id,
                    "staffId": activity.staff_id, "reason": activity.reason,
                });
                let to = [STAFF_ROOM.to_string()];
                feed(&io, &audience, &to, server::ROOM_UPDATED, &activity, short);
            }
            Event::RoomTransferred(transfer) => {
                send(
                    ns.to(user_key(transfer.to_staff_id)),
                    server::ROOM_TRANSFERRED,
                    &transfer,
                );
            }
            Event::NoteAdded(note) => {
                let staff: Vec<_> = ns
                    .to(room_key(note.room_id))
                    .sockets()
                    .into_iter()
                    .filter(|s| s.extensions.get::<Caller>().is_some_and(|c| c.is_staff()))
                    .collect();
                if let Some(raw) = deliver::prepare(&note) {
                    deliver::to_each(staff, server::NOTE_ADDED, &raw);
                }
            }
            Event::MessagesRead {
                room_id,
                user_id,
                message_id,
            } => {
                let body = json!({ "roomId": room_id, "userId": user_id, "messageId": message_id });
                send(ns.to(room_key(room_id)), server::MESSAGES_READ, &body);
            }
            Event::UserRevoked(user_id) | Event::UserErased(user_id) => {
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

/// What a staff socket that may not read a session's room hears of it: enough to drop it from
/// a queue, nothing of the customer or the topic (contract §6).
fn redact(session: &Session) -> serde_json::Value {
    json!({
        "id": session.id, "roomId": session.room_id,
        "status": session.status, "staffId": session.staff_id,
    })
}

fn may_read(socket: &SocketRef, audience: &Audience) -> bool {
    socket
        .extensions
        .get::<Caller>()
        .is_some_and(|caller| access::view_room(&caller, &audience.facts).is_ok())
}

/// A session event to the staff feed and the room's own members, in full to those who may
/// read the room.
fn session_feed(io: &SocketIo, audience: &Audience, event: &str, session: &Session) {
    let to = [STAFF_ROOM.to_string(), room_key(audience.room_id)];
    feed(io, audience, &to, event, session, redact(session));
}

/// Sends a staff-feed event to the sockets in `to`: in full to each socket that may read the
/// room, in `short` to the others.
fn feed<T: Serialize>(
    io: &SocketIo,
    audience: &Audience,
    to: &[String],
    event: &str,
    full: &T,
    short: serde_json::Value,
) {
    let Some(ns) = io.of(NAMESPACE) else { return };
    let (readers, others): (Vec<_>, Vec<_>) = ns
        .to(to.to_vec())
        .sockets()
        .into_iter()
        .partition(|s| may_read(s, audience));
    if let Some(raw) = deliver::prepare(full) {
        deliver::to_each(readers, event, &raw);
    }
    if !others.is_empty()
        && let Some(raw) = deliver::prepare(&short)
    {
        deliver::to_each(others, event, &raw);
    }
}

/// Takes out of the room every socket that may no longer read it (contract §6): it is told
/// with `left_room {roomId, reason}` and the room hears `user_left` as if it had left. Every
/// socket that stays hears `room_access {roomId, canSend}`, what it may do there now.
fn drop_lost_access(io: &SocketIo, audience: &Audience, reason: LeaveReason) {
    let Some(ns) = io.of(NAMESPACE) else { return };
    let key = room_key(audience.room_id);
    for socket in ns.to(key.clone()).sockets() {
        let Some(caller) = socket.extensions.get::<Caller>() else {
            continue;
        };
        if access::view_room(&caller, &audience.facts).is_ok() {
            let rights = RoomRights::of(&caller, &audience.facts);
            let body = json!({ "roomId": audience.room_id, "canSend": rights.can_send });
            let _ = socket.emit(server::ROOM_ACCESS, &body);
            continue;
        }
        socket.leave(key.clone());
        let notice = json!({ "roomId": audience.room_id, "reason": reason });
        let _ = socket.emit(server::LEFT_ROOM, &notice);
        let left = json!({
            "roomId": audience.room_id, "userId": caller.id, "userName": caller.user_name,
        });
        if let Some(ns) = io.of(NAMESPACE) {
            send(ns.to(key.clone()), server::USER_LEFT, &left);
        }
    }
}
