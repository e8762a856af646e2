//! Serves socketioxide inside poem on the same port as REST.
//!
//! Why this exists: poem takes hyper's upgrade handle out of the request when it reads it, and
//! its tower bridge does not put it back, so socketioxide behind a plain `.compat()` can serve
//! long-polling but never completes a WebSocket upgrade. This endpoint sends polling requests
//! through the bridge, and for a WebSocket upgrade answers `101` itself and hands the upgraded
//! connection to socketioxide's `(IO, http::Request<()>)` service, which exists for this.
//!
//! Memory: socketioxide keeps the handshake request of every socket for the socket's life. hyper
//! parses headers without copying, so each header value and the URI are slices of the
//! connection's read buffer (8 to 16 KiB); handing those on would keep that whole buffer alive
//! per socket. The handshake given to socketioxide therefore owns copies of them, and the read
//! buffer is freed once the upgrade completes: about 16 KiB less per idle socket.

use engineioxide::service::NotFoundService;
use poem::endpoint::{BoxEndpoint, TowerCompatExt};
use poem::http::{StatusCode, header};
use poem::{Endpoint, EndpointExt, Request, Response};
use socketioxide::adapter::Adapter;
use socketioxide::service::SocketIoService;
use tower_service::Service;

use super::kill::{KillSwitch, Killable};

pub(crate) type Svc<A> = SocketIoService<NotFoundService, A>;

/// The `/socket.io/` endpoint: polling and WebSocket transports.
pub(crate) struct SocketIoEndpoint<A: Adapter> {
    websocket: Svc<A>,
    polling: BoxEndpoint<'static, Response>,
}

impl<A: Adapter> SocketIoEndpoint<A> {
    pub(crate) fn new(svc: Svc<A>) -> Self {
        SocketIoEndpoint {
            websocket: svc.clone(),
            polling: svc.compat().map_to_response().boxed(),
        }
    }
}

/// The client's `Sec-WebSocket-Key` when this is an Engine.IO v4 WebSocket upgrade.
fn websocket_key(req: &Request) -> Option<String> {
    let upgrade = req.header(header::UPGRADE)?;
    let query = req.uri().query().unwrap_or("");
    let engine_io_ws = query.split('&').any(|p| p == "transport=websocket")
        && query.split('&').any(|p| p == "EIO=4");
    if !upgrade.eq_ignore_ascii_case("websocket") || !engine_io_ws {
        return None;
    }
    req.header("sec-websocket-key").map(str::to_string)
}

/// The upgrade request as socketioxide keeps it, sharing no memory with hyper's read buffer.
fn owned_handshake(req: &Request) -> Option<poem::http::Request<()>> {
    let uri: poem::http::Uri = req.uri().to_string().parse().ok()?;
    let mut builder = poem::http::Request::builder()
        .method(req.method().clone())
        .uri(uri)
        .version(req.version());
    for (name, value) in req.headers() {
        // `from_bytes` copies; a clone would share the read buffer.
        let name = header::HeaderName::from_bytes(name.as_str().as_bytes()).ok()?;
        let value = header::HeaderValue::from_bytes(value.as_bytes()).ok()?;
        builder = builder.header(name, value);
    }
    builder.body(()).ok()
}

impl<A: Adapter> Endpoint for SocketIoEndpoint<A> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let Some(key) = websocket_key(&req) else {
            return self.polling.call(req).await;
        };
        let on_upgrade = req
            .take_upgrade()
            .map_err(|_| poem::Error::from_status(StatusCode::BAD_REQUEST))?;
        let mut handshake = owned_handshake(&req)
            .ok_or_else(|| poem::Error::from_status(StatusCode::BAD_REQUEST))?;
        // Kept with the socket's request parts, so a socket whose queue overflows can be cut.
        let switch = KillSwitch::new();
        handshake.extensions_mut().insert(switch.clone());
        let mut svc = self.websocket.clone();
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(io) => {
                    if let Err(err) = svc.call((Killable::new(io, switch), handshake)).await {
                        tracing::debug!(%err, "websocket handshake refused");
                    }
                }
                Err(err) => tracing::debug!(%err, "websocket upgrade failed"),
            }
        });
        Ok(Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::UPGRADE, "websocket")
            .header(header::CONNECTION, "Upgrade")
            .header(
                "sec-websocket-accept",
                tungstenite::handshake::derive_accept_key(key.as_bytes()),
            )
            .finish())
    }
}

/// The TCP acceptor the server listens with: poem's, plus `TCP_NODELAY` on every accepted
/// connection. Without it, Nagle's algorithm holds a second small write (an ack right after a
/// `new_message` on the same socket) until the client's delayed ACK arrives, up to 40 ms on
/// Linux, which caps a closed-loop sender at about 25 messages a second.
pub(crate) struct NoDelayAcceptor {
    inner: poem::listener::TcpAcceptor,
}

impl NoDelayAcceptor {
    pub(crate) fn from_tokio(listener: tokio::net::TcpListener) -> std::io::Result<Self> {
        Ok(NoDelayAcceptor {
            inner: poem::listener::TcpAcceptor::from_tokio(listener)?,
        })
    }
}

impl poem::listener::Acceptor for NoDelayAcceptor {
    type Io = tokio::net::TcpStream;

    fn local_addr(&self) -> Vec<poem::web::LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(
        Self::Io,
        poem::web::LocalAddr,
        poem::web::RemoteAddr,
        poem::http::uri::Scheme,
    )> {
        let accepted = self.inner.accept().await?;
        // A socket that refuses the option still works, only with Nagle's delays.
        let _ = accepted.0.set_nodelay(true);
        Ok(accepted)
    }
}
