//! Handshake auth: the JWT from `auth.token` or the `token` query parameter. Every failure
//! reads exactly `Unauthorized` in the client's `connect_error`, whatever went wrong.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State, TryData};

use crate::app::App;
use crate::auth::authenticate as check_token;

/// The only thing a refused client is told.
#[derive(Debug)]
pub(crate) struct Unauthorized;

impl fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unauthorized")
    }
}

impl std::error::Error for Unauthorized {}

fn query_token<A: Adapter>(socket: &SocketRef<A>) -> Option<String> {
    let query = socket.req_parts().uri.query()?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(str::to_string)
}

/// Connect middleware: admits a socket whose token names an active user, and keeps that user
/// on the socket for every handler.
pub(crate) async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    State(app): State<Arc<App>>,
    TryData(auth): TryData<Value>,
) -> Result<(), Unauthorized> {
    let from_auth = auth
        .ok()
        .and_then(|v| v.get("token")?.as_str().map(str::to_string));
    let token = from_auth
        .or_else(|| query_token(&socket))
        .ok_or(Unauthorized)?;
    let caller = check_token(&app.db, &app.tokens, &token)
        .await
        .map_err(|_| Unauthorized)?;
    super::handlers::prepare(&socket, &caller, &app);
    socket.extensions.insert(caller);
    Ok(())
}
