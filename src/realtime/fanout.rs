//! Announces committed events. One task takes them in commit order from the writer and hands
//! each to its recipients in that order, so every member of a room sees its `new_message`
//! events in increasing id order; each payload is serialized once (deliver.rs). Every
//! recipient list is a set of Socket.IO rooms, so the same broadcast reaches the sockets of
//! every node of a cluster through the adapter (cluster.rs). The staff feed tells each socket
//! no more than it may read: in full to the rooms of the room's readers, redacted to the rest.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use tokio::sync::mpsc::UnboundedReceiver;

use super::names::server;
use super::{
    ADMINS_ROOM, CUSTOMERS_ROOM, NAMESPACE, STAFF_ROOM, console_key, deliver, node_key, room_key,
    user_key,
};
use crate::app::App;
use crate::chat::access::StaffReaders;
use crate::chat::{Audience, Event};
use crate::model::Session;

pub(crate) async fn run<A: Adapter>(
    io: SocketIo<A>,
    app: Arc<App>,
    mut events: UnboundedReceiver<Event>,
) {
    let fanout = Fanout {
        io,
        node: app.cluster.as_ref().map(|n| node_key(&n.name)),
        app,
    };
    while let Some(event) = events.recv().await {
        fanout.announce(event).await;
    }
}

/// The sockets of this node, and with a cluster those of the others.
pub(super) struct Fanout<A: Adapter> {
    pub io: SocketIo<A>,
    pub app: Arc<App>,
    /// This node's own room, with a cluster: what it has delivered to itself.
    pub node: Option<String>,
}

impl<A: Adapter> Fanout<A> {
    pub(super) fn ns(&self) -> Option<BroadcastOperators<A>> {
        self.io.of(NAMESPACE)
    }

    async fn announce(&self, event: Event) {
        match event {
            Event::AccessChanged { audience, reason } => {
                self.drop_lost_access(&audience, reason).await;
            }
            Event::MessageCreated(message) => {
                let to = [room_key(message.room_id)];
                self.send(&to, &[], server::NEW_MESSAGE, &message).await;
            }
            Event::SessionCreated(session, audience) => {
                self.session_feed(&audience, server::SESSION_CREATED, &session)
                    .await;
            }
            Event::SessionClaimed(session, audience) => {
                let joined = json!({
                    "sessionId": session.id, "roomId": session.room_id, "staff": session.staff,
                });
                let to = [room_key(session.room_id)];
                self.send(&to, &[], server::SESSION_JOINED, &joined).await;
                self.session_feed(&audience, server::SESSION_UPDATED, &session)
                    .await;
            }
            Event::SessionEnded(session, audience)
            | Event::SessionRated(session, audience)
            | Event::SessionLabelled(session, audience) => {
                self.session_feed(&audience, server::SESSION_UPDATED, &session)
                    .await;
            }
            Event::RoomUpdated(activity, audience) => {
                let short = json!({
                    "id": activity.room_id, "roomId": activity.room_id,
                    "staffId": activity.staff_id, "reason": activity.reason,
                });
                self.feed(&audience, false, server::ROOM_UPDATED, &activity, short)
                    .await;
            }
            Event::RoomTransferred(transfer) => {
                let to = [user_key(transfer.to_staff_id)];
                self.send(&to, &[], server::ROOM_TRANSFERRED, &transfer)
                    .await;
            }
            Event::NoteAdded(note) => {
                // Staff and admins in the room: the room's sockets but its customer's.
                let (to, except) = ([room_key(note.room_id)], [CUSTOMERS_ROOM.to_string()]);
                self.send(&to, &except, server::NOTE_ADDED, &note).await;
            }
            Event::MessagesRead {
                room_id,
                user_id,
                message_id,
            } => {
                let body = json!({ "roomId": room_id, "userId": user_id, "messageId": message_id });
                self.send(&[room_key(room_id)], &[], server::MESSAGES_READ, &body)
                    .await;
            }
            Event::UserRevoked(user_id) | Event::UserErased(user_id) => {
                self.disconnect(user_key(user_id)).await;
            }
            Event::ConsoleSessionEnded(sid) => self.disconnect(console_key(&sid)).await,
        }
    }

    /// Sends `event` to every socket in any of the rooms `to` and in none of `except`: this
    /// node's sockets one by one (deliver.rs), the other nodes' through the adapter, which
    /// leaves out this node's own room. `to` is never empty (an empty list means everyone).
    pub(super) async fn send<T: Serialize + ?Sized>(
        &self,
        to: &[String],
        except: &[String],
        event: &str,
        payload: &T,
    ) {
        let (Some(ns), Some(raw)) = (self.ns(), deliver::prepare(payload)) else {
            return;
        };
        let local = ns.clone().to(to.to_vec()).except(except.to_vec());
        deliver::to_each(local.sockets(), event, &raw);
        if let Some(node) = &self.node {
            let mut except = except.to_vec();
            except.push(node.clone());
            let remote = ns.to(to.to_vec()).except(except);
            if let Err(err) = remote.emit(event, &raw).await {
                tracing::warn!(%err, event, "could not reach the other nodes' sockets");
            }
        }
    }

    /// Closes the sockets in a room on every node.
    async fn disconnect(&self, key: String) {
        if let Some(ns) = self.ns()
            && let Err(err) = ns.to(key).disconnect().await
        {
            tracing::warn!(%err, "could not close every socket of a revoked credential");
        }
    }

    /// A session event to the staff feed and the room's own members, in full to those who may
    /// read the room.
    async fn session_feed(&self, audience: &Audience, event: &str, session: &Session) {
        self.feed(audience, true, event, session, redact(session))
            .await;
    }

    /// Sends a staff-feed event (and, `with_room`, to the room's members, who may all read it):
    /// in full to the feed's sockets that may read the room, in `short` to the others. Who may
    /// read it is [`crate::chat::access::view_room`]'s rule, stated as rooms: admins, and
    /// every staff member or only the one holding the room.
    async fn feed<T: Serialize>(
        &self,
        audience: &Audience,
        with_room: bool,
        event: &str,
        full: &T,
        short: serde_json::Value,
    ) {
        let mut feed = vec![STAFF_ROOM.to_string()];
        let mut readers = match audience.facts.staff_readers() {
            StaffReaders::Everyone => vec![STAFF_ROOM.to_string()],
            StaffReaders::Holder(id) => vec![ADMINS_ROOM.to_string(), user_key(id)],
        };
        if with_room {
            feed.push(room_key(audience.room_id));
            readers.push(room_key(audience.room_id));
        }
        self.send(&readers, &[], event, full).await;
        if let StaffReaders::Holder(_) = audience.facts.staff_readers() {
            self.send(&feed, &readers, event, &short).await;
        }
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
