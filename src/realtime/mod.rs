//! The `/chat` Socket.IO namespace (contract §5): handshake auth, the client events, and the
//! fan-out of committed events. Served on the same port as REST through [`SocketIoEndpoint`].

pub(crate) mod cluster;
mod deliver;
mod fanout;
mod handlers;
mod handshake;
mod kill;
mod names;
mod order;
mod payload;
mod recheck;
mod upgrade;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use poem::endpoint::BoxEndpoint;
use poem::{EndpointExt, Response};
use socketioxide::adapter::{Adapter, LocalAdapter};
use socketioxide::handler::ConnectHandler;
use socketioxide::{ParserConfig, SocketIo, SocketIoBuilder};
use tokio::sync::mpsc::UnboundedReceiver;

pub(crate) use upgrade::{NoDelayAcceptor, SocketIoEndpoint};

use crate::app::App;
use crate::chat::Event;

/// The one namespace clients use.
pub const NAMESPACE: &str = "/chat";
/// Socket.IO room of every staff and admin socket: the staff feed.
const STAFF_ROOM: &str = "staff";
/// Socket.IO room of every admin socket: admins read every room.
const ADMINS_ROOM: &str = "admins";
/// Socket.IO room of every customer socket: what staff say among themselves skips it.
const CUSTOMERS_ROOM: &str = "customers";

/// Socket.IO room of every socket held by one node of a cluster, so a broadcast can leave out
/// the sockets this node has already delivered to itself.
fn node_key(node: &str) -> String {
    format!("node:{node}")
}

/// Socket.IO room of a chat room's members.
fn room_key(room_id: i64) -> String {
    format!("room:{room_id}")
}

/// Socket.IO room of every socket of one user, so revoking the user closes them all.
fn user_key(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// The user whose room [`user_key`] named, among a socket's rooms.
fn user_of_rooms(rooms: &[socketioxide_core::adapter::Room]) -> Option<i64> {
    rooms
        .iter()
        .find_map(|r| r.strip_prefix("user:")?.parse().ok())
}

/// Socket.IO room of the sockets opened by one console session's pages.
fn console_key(sid: &str) -> String {
    format!("console:{sid}")
}

/// How often sockets whose credential has expired are looked for.
const EXPIRY_SWEEP: std::time::Duration = std::time::Duration::from_secs(30);

/// Closes this node's sockets whose token (or console session) has expired: a credential is
/// checked at the handshake, and a socket must not outlive it.
async fn close_expired<A: Adapter>(io: SocketIo<A>) {
    let mut tick = tokio::time::interval(EXPIRY_SWEEP);
    loop {
        tick.tick().await;
        let Some(ns) = io.of(NAMESPACE) else { return };
        let now = crate::time::now_ms();
        for socket in ns.sockets() {
            if socket
                .extensions
                .get::<crate::auth::Caller>()
                .is_some_and(|c| c.expires_at_ms <= now)
            {
                let _ = socket.disconnect();
            }
        }
    }
}

/// The Socket.IO side of a running node: its endpoint, and how to close its sockets.
pub(crate) struct Realtime {
    pub endpoint: BoxEndpoint<'static, Response>,
    pub close: Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>,
}

/// Builds the Socket.IO service with the configured limits, registers `/chat`, and starts the
/// task that announces committed events in commit order. With a cluster `link` the sockets of
/// every node share their rooms through Redis, and `lost` is told when that link breaks.
pub(crate) async fn build(
    app: Arc<App>,
    events: UnboundedReceiver<Event>,
    link: Option<cluster::Link>,
    lost: tokio::sync::watch::Sender<bool>,
) -> Result<Realtime, String> {
    let builder = configure(SocketIo::builder(), &app);
    let Some(link) = link else {
        let (svc, io) = builder.build_svc();
        io.ns(
            NAMESPACE,
            handlers::on_connect::<LocalAdapter>.with(handshake::authenticate::<LocalAdapter>),
        );
        return Ok(start(app, io, svc, events));
    };
    let (svc, io) = builder
        .with_adapter::<cluster::RedisAdapter>(link.adapter())
        .build_svc();
    io.ns(
        NAMESPACE,
        handlers::on_connect::<cluster::RedisAdapter>
            .with(handshake::authenticate::<cluster::RedisAdapter>),
    )
    .await
    .map_err(|e| format!("cannot share /chat through Redis: {e}"))?;
    link.watch(lost);
    Ok(start(app, io, svc, events))
}

fn configure<A: Adapter>(builder: SocketIoBuilder<A>, app: &Arc<App>) -> SocketIoBuilder<A> {
    let limits = &app.config.socket;
    builder
        .with_state(app.clone())
        .ping_interval(limits.ping_interval)
        .ping_timeout(limits.ping_timeout)
        .connect_timeout(limits.connect_timeout)
        .max_payload(limits.max_payload)
        // The same cap on the websocket transport: a larger message or frame closes that
        // connection before it is buffered.
        .ws_max_message_size(limits.max_payload as usize)
        .ws_max_frame_size(limits.max_payload as usize)
        .max_buffer_size(limits.max_buffer_size)
        .ws_read_buffer_size(limits.ws_read_buffer_size)
        // Chat events are JSON: a packet announcing any binary attachment is dropped and its
        // connection closed, before anything is buffered.
        .with_parser(
            ParserConfig::common()
                .max_incoming_binaries(0)
                .max_incoming_binary_buf_size(0)
                .packet_completion_timeout(limits.connect_timeout),
        )
}

fn start<A: Adapter>(
    app: Arc<App>,
    io: SocketIo<A>,
    svc: upgrade::Svc<A>,
    events: UnboundedReceiver<Event>,
) -> Realtime {
    tokio::spawn(fanout::run(io.clone(), app, events));
    tokio::spawn(close_expired(io.clone()));
    Realtime {
        endpoint: SocketIoEndpoint::new(svc).boxed(),
        close: Box::new(move || Box::pin(async move { io.close().await })),
    }
}
