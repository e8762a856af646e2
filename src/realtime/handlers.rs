//! The client events of contract §5. Each is one [`on`] line: its name, its rate-limit class,
//! and a handler that gets the typed payload, calls one rule in chat/ and returns the ack's
//! fields; the limit, the parsing and the one reply (ack or `error`) are done by [`on`] for all.
//! The events that announce a change come from fanout.rs after the commit.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{Extension, SocketRef, State, TryData};

use super::names::{client, server};
use super::order::{SendOrder, Turn};
use super::payload::{Ack, Payload, payload, reply};
use super::{ADMINS_ROOM, CUSTOMERS_ROOM, STAFF_ROOM, console_key, node_key, room_key, user_key};
use crate::app::App;
use crate::auth::Caller;
use crate::chat::{messages, notes, presence, rooms, sessions};
use crate::error::AppError;
use crate::model::Role;
use crate::rate::Action;

/// What every handler gets besides its payload.
struct Ctx<A: Adapter> {
    socket: SocketRef<A>,
    app: Arc<App>,
    caller: Caller,
}

/// Registers `event`: rate-limited as `action`, its payload parsed as `P`, answered once.
fn on<A: Adapter, P, F, Fut, T>(socket: &SocketRef<A>, event: &'static str, action: Action, f: F)
where
    P: Payload + Send + 'static,
    F: Fn(Ctx<A>, P) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Serialize + Send + 'static,
{
    socket.on(
        event,
        move |socket: SocketRef<A>,
              State(app): State<Arc<App>>,
              Extension(caller): Extension<Caller>,
              TryData(data): TryData<Value>,
              ack: Ack<A>| {
            let ctx = Ctx {
                socket,
                app,
                caller,
            };
            run(ctx, event, action, data.ok(), ack, f.clone())
        },
    );
}

/// [`on`] for an event whose order per socket matters: each waits for the socket's earlier
/// ones (order.rs). Only `send_message` needs it; a turn for every event would hold typing
/// and joins behind sends.
fn on_in_order<A: Adapter, P, F, Fut, T>(
    socket: &SocketRef<A>,
    event: &'static str,
    action: Action,
    f: F,
) where
    P: Payload + Send + 'static,
    F: Fn(Ctx<A>, P) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Serialize + Send + 'static,
{
    socket.on(
        event,
        move |socket: SocketRef<A>,
              State(app): State<Arc<App>>,
              Extension(caller): Extension<Caller>,
              turn: Turn,
              TryData(data): TryData<Value>,
              ack: Ack<A>| {
            let f = f.clone();
            async move {
                let _turn = turn.wait().await;
                let ctx = Ctx {
                    socket,
                    app,
                    caller,
                };
                run(ctx, event, action, data.ok(), ack, f).await;
            }
        },
    );
}

/// The one skeleton of every event: limit, parse, rule, reply.
async fn run<A: Adapter, P, F, Fut, T>(
    ctx: Ctx<A>,
    event: &'static str,
    action: Action,
    data: Option<Value>,
    ack: Ack<A>,
    f: F,
) where
    P: Payload,
    F: Fn(Ctx<A>, P) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
    T: Serialize,
{
    let socket = ctx.socket.clone();
    let result = async {
        ctx.app.limits.socket_event(ctx.caller.id, action)?;
        let payload = P::parse(data.unwrap_or(Value::Null))?;
        f(ctx, payload).await
    }
    .await;
    reply(&socket, ack, event, result);
}

/// Readies a socket that passed the handshake, before the client is told it is connected:
/// socketioxide sends the CONNECT answer before it runs the connect handler, so a client that
/// emits right away (as guide clients do) must find its handlers and rooms already in place.
pub(crate) fn prepare<A: Adapter>(socket: &SocketRef<A>, caller: &Caller, app: &App) {
    socket.extensions.insert(SendOrder::new());
    socket.join(user_key(caller.id));
    if let Some(sid) = &caller.console_session {
        socket.join(console_key(sid));
    }
    if caller.is_staff() {
        socket.join(STAFF_ROOM);
    }
    match caller.role {
        Role::Admin => socket.join(ADMINS_ROOM),
        Role::Customer => socket.join(CUSTOMERS_ROOM),
        Role::Staff => {}
    }
    if let Some(node) = &app.cluster {
        socket.join(node_key(&node.name));
    }
    on(socket, client::JOIN_ROOM, Action::Join, join_room);
    on(socket, client::LEAVE_ROOM, Action::Join, leave_room);
    on_in_order(socket, client::SEND_MESSAGE, Action::Message, send_message);
    on(socket, client::JOIN_SESSION, Action::Join, join_session);
    on(
        socket,
        client::LEAVE_SESSION,
        Action::Control,
        leave_session,
    );
    on(socket, client::TYPING, Action::Typing, typing);
    on(socket, client::MARK_READ, Action::Control, mark_read);
    on(socket, client::SET_AWAY, Action::Control, set_away);
    on(socket, client::ADD_NOTE, Action::Message, add_note);
}

/// The socket is connected (its handlers are in place, see [`prepare`]): count it and greet it.
pub(crate) async fn on_connect<A: Adapter>(
    socket: SocketRef<A>,
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) {
    app.metrics.sockets.inc();
    socket.on_disconnect(on_disconnect);
    if let Err(e) = app.presence.arrived(&app.db, &caller).await {
        tracing::warn!(error = %e, "could not count a staff socket for routing");
    }
    let hello = json!({
        "message": "Connected to chat server",
        "userId": caller.id,
        "userRole": caller.role.as_str(),
    });
    let _ = socket.emit(server::CONNECTED, &hello);
}

async fn on_disconnect(State(app): State<Arc<App>>, Extension(caller): Extension<Caller>) {
    app.metrics.sockets.dec();
    if let Err(e) = app.presence.departed(&app.db, &caller).await {
        tracing::warn!(error = %e, "could not uncount a staff socket for routing");
    }
}

/// Whether the socket is in a chat room's Socket.IO room.
fn is_in<A: Adapter>(socket: &SocketRef<A>, key: &str) -> bool {
    socket.rooms().iter().any(|r| r == key)
}

payload!(JoinRoom { room_id: i64 = "roomId", after: Option<i64> = "afterMessageId" });

/// Joins a room after checking access, then sends `joined_room`, `room_access` and
/// `room_history` (the latest page, or with `afterMessageId` everything after it). The socket
/// joins before the history is read, so a message committed in between arrives as
/// `new_message` and none is missed.
async fn join_room<A: Adapter>(ctx: Ctx<A>, p: JoinRoom) -> Result<Value, AppError> {
    let Ctx {
        socket,
        app,
        caller,
    } = ctx;
    let rights = rooms::enter(&app.db, &caller, p.room_id).await?;
    let key = room_key(p.room_id);
    socket.join(key.clone());
    let history = match p.after {
        Some(after) => {
            let max = app.config.catch_up_max;
            messages::catch_up(&app.db, &caller, p.room_id, after, max).await
        }
        None => {
            let limit = app.config.page_limit(None);
            messages::history(&app.db, &caller, p.room_id, limit, None).await
        }
    };
    let history = history.inspect_err(|_| socket.leave(key.clone()))?;
    let joined = json!({ "roomId": p.room_id, "message": "Successfully joined room" });
    let _ = socket.emit(server::JOINED_ROOM, &joined);
    let access = json!({ "roomId": p.room_id, "canSend": rights.can_send });
    let _ = socket.emit(server::ROOM_ACCESS, &access);
    let _ = socket.emit(server::ROOM_HISTORY, &history);
    let who = json!({ "roomId": p.room_id, "userId": caller.id, "userName": caller.user_name });
    let _ = socket.to(key).emit(server::USER_JOINED, &who).await;
    Ok(json!({ "roomId": p.room_id }))
}

payload!(RoomRef {
    room_id: i64 = "roomId"
});

async fn leave_room<A: Adapter>(ctx: Ctx<A>, p: RoomRef) -> Result<Value, AppError> {
    let key = room_key(p.room_id);
    if is_in(&ctx.socket, &key) {
        ctx.socket.leave(key.clone());
        let caller = &ctx.caller;
        let who = json!({ "roomId": p.room_id, "userId": caller.id, "userName": caller.user_name });
        let _ = ctx.socket.to(key).emit(server::USER_LEFT, &who).await;
    }
    Ok(json!({ "roomId": p.room_id }))
}

payload!(SendMessage {
    room_id: i64 = "roomId",
    content: Option<String> = "content",
    client_message_id: Option<String> = "clientMessageId",
    attachment_ids: Vec<i64> = "attachmentIds",
});

/// Stores a message; the ack comes after the commit, `new_message` from the fan-out. One
/// socket's messages are stored in the order it sent them.
async fn send_message<A: Adapter>(ctx: Ctx<A>, p: SendMessage) -> Result<Value, AppError> {
    let outgoing = messages::Outgoing {
        room_id: p.room_id,
        content: p.content,
        client_message_id: p.client_message_id,
        attachment_ids: p.attachment_ids,
    };
    let limits = &ctx.app.config.attachments;
    let message = messages::send(&ctx.app.db, limits, &ctx.caller, outgoing).await?;
    Ok(json!({ "message": message }))
}

payload!(AddNote {
    room_id: i64 = "roomId",
    content: String = "content",
});

/// A private note (contract §10); `note_added` comes from the fan-out, to staff sockets only.
async fn add_note<A: Adapter>(ctx: Ctx<A>, p: AddNote) -> Result<Value, AppError> {
    let note = notes::add(&ctx.app.db, &ctx.caller, p.room_id, &p.content).await?;
    Ok(json!({ "note": note }))
}

payload!(SessionRef {
    session_id: i64 = "sessionId"
});

/// The same claim as `POST /api/chat/sessions/:id/join`; the claimer's socket joins the room.
async fn join_session<A: Adapter>(ctx: Ctx<A>, p: SessionRef) -> Result<Value, AppError> {
    let session = sessions::claim(&ctx.app.db, &ctx.caller, p.session_id).await?;
    ctx.socket.join(room_key(session.room_id));
    Ok(json!({ "session": session }))
}

/// Tells the room the caller stepped away from a session; the session is not ended.
async fn leave_session<A: Adapter>(ctx: Ctx<A>, p: SessionRef) -> Result<Value, AppError> {
    let session = sessions::leave(&ctx.app.db, &ctx.caller, p.session_id).await?;
    let caller = &ctx.caller;
    let left = json!({
        "sessionId": p.session_id, "userId": caller.id, "userName": caller.user_name,
    });
    let to = ctx.socket.within(room_key(session.room_id));
    let _ = to.emit(server::SESSION_LEFT, &left).await;
    Ok(json!({ "sessionId": p.session_id }))
}

payload!(Typing {
    room_id: i64 = "roomId",
    is_typing: bool = "isTyping"
});

/// Typing indicators go only to rooms the socket has joined (access was checked on joining).
async fn typing<A: Adapter>(ctx: Ctx<A>, p: Typing) -> Result<Value, AppError> {
    let key = room_key(p.room_id);
    if !is_in(&ctx.socket, &key) {
        return Err(AppError::forbidden(
            "Join the room before sending typing indicators",
        ));
    }
    let caller = &ctx.caller;
    let body = json!({
        "roomId": p.room_id, "userId": caller.id, "userName": caller.user_name,
        "isTyping": p.is_typing,
    });
    let _ = ctx.socket.to(key).emit(server::USER_TYPING, &body).await;
    Ok(json!({ "roomId": p.room_id }))
}

payload!(MarkRead {
    room_id: i64 = "roomId",
    message_id: i64 = "messageId"
});

/// Stores the caller's read marker; the room hears `messages_read` from the fan-out.
async fn mark_read<A: Adapter>(ctx: Ctx<A>, p: MarkRead) -> Result<Value, AppError> {
    let marker = messages::mark_read(&ctx.app.db, &ctx.caller, p.room_id, p.message_id).await?;
    Ok(json!({ "roomId": p.room_id, "messageId": marker }))
}

payload!(SetAway {
    away: bool = "away"
});

/// A staff member away gets no automatically routed chats; back, they may get waiting ones.
async fn set_away<A: Adapter>(ctx: Ctx<A>, p: SetAway) -> Result<Value, AppError> {
    let away = presence::set_away(&ctx.app.db, &ctx.caller, p.away).await?;
    Ok(json!({ "away": away }))
}
