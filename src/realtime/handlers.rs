//! The client events of contract §5. Each reads its payload, calls one rule in chat/, and
//! replies; the events that announce a change come from fanout.rs after the commit.

use std::sync::Arc;

use serde_json::{Value, json};
use socketioxide::extract::{Extension, SocketRef, State, TryData};

use super::order::{SendOrder, Turn};
use super::payload::{self, Ack, reply};
use super::{STAFF_ROOM, console_key, room_key, user_key};
use crate::app::App;
use crate::auth::Caller;
use crate::chat::{messages, rooms, sessions};
use crate::error::AppError;
use crate::rate::Action;

type Payload = TryData<Value>;

/// Readies a socket that passed the handshake, before the client is told it is connected:
/// socketioxide sends the CONNECT answer before it runs the connect handler, so a client that
/// emits right away (as guide clients do) must find its handlers and rooms already in place.
pub fn prepare(socket: &SocketRef, caller: &Caller) {
    socket.extensions.insert(SendOrder::new());
    socket.join(user_key(caller.id));
    if let Some(sid) = &caller.console_session {
        socket.join(console_key(sid));
    }
    if caller.is_staff() {
        socket.join(STAFF_ROOM);
    }
    socket.on("join_room", join_room);
    socket.on("leave_room", leave_room);
    socket.on("send_message", send_message);
    socket.on("join_session", join_session);
    socket.on("leave_session", leave_session);
    socket.on("typing", typing);
    socket.on("mark_read", mark_read);
}

/// The socket is connected (its handlers are in place, see [`prepare`]): count it and greet it.
pub async fn on_connect(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) {
    app.metrics.sockets.inc();
    socket.on_disconnect(on_disconnect);
    let hello = json!({
        "message": "Connected to chat server",
        "userId": caller.id,
        "userRole": caller.role.as_str(),
    });
    let _ = socket.emit("connected", &hello);
}

async fn on_disconnect(State(app): State<Arc<App>>) {
    app.metrics.sockets.dec();
}

/// Joins a room after checking access, then sends `joined_room` and `room_history` (the latest
/// page, or with `afterMessageId` everything after it). The socket joins before the history is
/// read, so a message committed in between arrives as `new_message` and none is missed.
async fn join_room(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    TryData(data): Payload,
    ack: Ack,
) {
    let result = async {
        app.limits.socket_event(caller.id, Action::Join)?;
        let map = payload::object(data)?;
        let room_id = payload::id(&map, "roomId")?;
        let after = payload::optional_id(&map, "afterMessageId")?;
        let rights = rooms::enter(&app.db, &caller, room_id).await?;
        let key = room_key(room_id);
        socket.join(key.clone());
        let history = match after {
            Some(after) => {
                messages::catch_up(&app.db, &caller, room_id, after, app.config.catch_up_max).await
            }
            None => {
                let limit = app.config.page_limit(None);
                messages::history(&app.db, &caller, room_id, limit, None).await
            }
        };
        let history = history.inspect_err(|_| socket.leave(key.clone()))?;
        let _ = socket.emit(
            "joined_room",
            &json!({ "roomId": room_id, "message": "Successfully joined room" }),
        );
        let access = json!({ "roomId": room_id, "canSend": rights.can_send });
        let _ = socket.emit("room_access", &access);
        let _ = socket.emit("room_history", &history);
        let joined =
            json!({ "roomId": room_id, "userId": caller.id, "userName": caller.user_name });
        let _ = socket.to(key).emit("user_joined", &joined).await;
        Ok::<_, AppError>(json!({ "roomId": room_id }))
    }
    .await;
    reply(&socket, ack, "join_room", result);
}

async fn leave_room(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    TryData(data): Payload,
    ack: Ack,
) {
    let result = async {
        app.limits.socket_event(caller.id, Action::Join)?;
        let map = payload::object(data)?;
        let room_id = payload::id(&map, "roomId")?;
        let key = room_key(room_id);
        if socket.rooms().iter().any(|r| r == &key) {
            socket.leave(key.clone());
            let left =
                json!({ "roomId": room_id, "userId": caller.id, "userName": caller.user_name });
            let _ = socket.to(key).emit("user_left", &left).await;
        }
        Ok::<_, AppError>(json!({ "roomId": room_id }))
    }
    .await;
    reply(&socket, ack, "leave_room", result);
}

/// Stores a message; the ack comes after the commit, `new_message` from the fan-out. One
/// socket's messages are stored in the order it sent them.
async fn send_message(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    turn: Turn,
    TryData(data): Payload,
    ack: Ack,
) {
    let _turn = turn.wait().await;
    let result = async {
        app.limits.socket_event(caller.id, Action::Message)?;
        let map = payload::object(data)?;
        let outgoing = messages::Outgoing {
            room_id: payload::id(&map, "roomId")?,
            content: payload::string(&map, "content")?,
            client_message_id: payload::optional_string(&map, "clientMessageId")?,
        };
        let message = messages::send(&app.db, &caller, outgoing).await?;
        Ok::<_, AppError>(json!({ "message": message }))
    }
    .await;
    reply(&socket, ack, "send_message", result);
}

/// The same claim as `POST /api/chat/sessions/:id/join`; the claimer's socket joins the room.
async fn join_session(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    TryData(data): Payload,
    ack: Ack,
) {
    let result = async {
        app.limits.socket_event(caller.id, Action::Join)?;
        let map = payload::object(data)?;
        let session_id = payload::id(&map, "sessionId")?;
        let session = sessions::claim(&app.db, &caller, session_id).await?;
        socket.join(room_key(session.room_id));
        Ok::<_, AppError>(json!({ "session": session }))
    }
    .await;
    reply(&socket, ack, "join_session", result);
}

/// Tells the room the caller stepped away from a session; the session is not ended.
async fn leave_session(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    TryData(data): Payload,
    ack: Ack,
) {
    let result = async {
        app.limits.socket_event(caller.id, Action::Join)?;
        let map = payload::object(data)?;
        let session_id = payload::id(&map, "sessionId")?;
        let session = sessions::leave(&app.db, &caller, session_id).await?;
        let left =
            json!({ "sessionId": session_id, "userId": caller.id, "userName": caller.user_name });
        let _ = socket
            .within(room_key(session.room_id))
            .emit("session_left", &left)
            .await;
        Ok::<_, AppError>(json!({ "sessionId": session_id }))
    }
    .await;
    reply(&socket, ack, "leave_session", result);
}

/// Typing indicators go only to rooms the socket has joined (access was checked on joining).
async fn typing(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    TryData(data): Payload,
    ack: Ack,
) {
    let result = async {
        app.limits.socket_event(caller.id, Action::Typing)?;
        let map = payload::object(data)?;
        let room_id = payload::id(&map, "roomId")?;
        let is_typing = payload::boolean(&map, "isTyping")?;
        let key = room_key(room_id);
        if !socket.rooms().iter().any(|r| r == &key) {
            return Err(AppError::forbidden("Join the room before sending typing indicators"));
        }
        let body = json!({
            "roomId": room_id, "userId": caller.id, "userName": caller.user_name, "isTyping": is_typing,
        });
        let _ = socket.to(key).emit("user_typing", &body).await;
        Ok::<_, AppError>(json!({ "roomId": room_id }))
    }
    .await;
    reply(&socket, ack, "typing", result);
}

/// Stores the caller's read marker; the room hears `messages_read` from the fan-out.
async fn mark_read(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    TryData(data): Payload,
    ack: Ack,
) {
    let result = async {
        app.limits.socket_event(caller.id, Action::Join)?;
        let map = payload::object(data)?;
        let room_id = payload::id(&map, "roomId")?;
        let message_id = payload::id(&map, "messageId")?;
        let marker = messages::mark_read(&app.db, &caller, room_id, message_id).await?;
        Ok::<_, AppError>(json!({ "roomId": room_id, "messageId": marker }))
    }
    .await;
    reply(&socket, ack, "mark_read", result);
}
