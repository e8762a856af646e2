//! Reading event payloads by hand, so that every malformed one gets a clear `error` (a typed
//! `Data<T>` would silently drop it), and answering with one uniform ack shape.

use std::convert::Infallible;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;

use crate::error::AppError;

/// The payload as an object, or a 400 saying what was expected.
pub fn object(data: Result<Value, impl std::fmt::Display>) -> Result<Map<String, Value>, AppError> {
    match data {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(AppError::bad_request("payload must be a JSON object")),
    }
}

/// A required positive integer field.
pub fn id(map: &Map<String, Value>, field: &str) -> Result<i64, AppError> {
    optional_id(map, field)?
        .ok_or_else(|| AppError::bad_request(format!("{field} must be a positive integer")))
}

/// An optional positive integer field (absent or null is `None`).
pub fn optional_id(map: &Map<String, Value>, field: &str) -> Result<Option<i64>, AppError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(AppError::bad_request(format!(
                "{field} must be a positive integer"
            ))),
        },
    }
}

/// A required string field.
pub fn string(map: &Map<String, Value>, field: &str) -> Result<String, AppError> {
    match map.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(AppError::bad_request(format!("{field} must be a string"))),
    }
}

/// An optional string field (absent or null is `None`).
pub fn optional_string(map: &Map<String, Value>, field: &str) -> Result<Option<String>, AppError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AppError::bad_request(format!("{field} must be a string"))),
    }
}

/// A required boolean field.
pub fn boolean(map: &Map<String, Value>, field: &str) -> Result<bool, AppError> {
    map.get(field)
        .and_then(Value::as_bool)
        .ok_or_else(|| AppError::bad_request(format!("{field} must be true or false")))
}

/// The client's ack callback, and whether it passed one: a refusal is told once, in the ack
/// when one was asked for, else as an `error` event (contract §7).
pub struct Ack {
    sender: AckSender,
    asked: bool,
}

impl FromMessageParts<LocalAdapter> for Ack {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<LocalAdapter>>,
        v: &mut socketioxide::handler::Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let sender = AckSender::from_message_parts(s, v, ack_id)?;
        Ok(Ack {
            sender,
            asked: ack_id.is_some(),
        })
    }
}

/// Answers an event: on success the ack gets `{ok: true, ...fields}`; a refusal is told once,
/// as `{ok: false, error: {message, code}}` in the ack when one was asked for, otherwise as an
/// `error {message, code}` event. The connection stays.
pub fn reply<T: Serialize>(socket: &SocketRef, ack: Ack, event: &str, result: Result<T, AppError>) {
    match result {
        Ok(fields) => {
            let mut body = match serde_json::to_value(fields) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            };
            body.insert("ok".into(), Value::Bool(true));
            if let Err(err) = ack.sender.send(&Value::Object(body))
                && super::deliver::ack_overflowed(&err)
            {
                super::deliver::close_overflowing(socket.clone());
            }
        }
        Err(err) => {
            tracing::debug!(event, sid = %socket.id, error = %err, "refused");
            let mut body = json!({ "message": err.message(), "code": err.code() });
            if let Some(holder) = err.holder() {
                body["holder"] = json!(holder);
            }
            if ack.asked {
                let _ = ack.sender.send(&json!({ "ok": false, "error": body }));
            } else {
                let _ = socket.emit("error", &body);
            }
        }
    }
}
