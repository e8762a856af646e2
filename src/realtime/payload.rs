//! Client event payloads as typed structs, and one uniform answer. Each payload is declared with
//! [`payload!`]: its fields, their JSON names and types; every malformed one gets the same clear
//! message as before (`roomId must be a positive integer`), which serde's own wording
//! ("invalid type: string, expected i64") would not give, and a typed `Data<T>` extractor
//! would drop the event silently instead.

use std::convert::Infallible;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;

use super::names::server;
use crate::error::AppError;

/// A client event's payload, read from the event's JSON.
pub(crate) trait Payload: Sized {
    fn parse(data: Value) -> Result<Self, AppError>;
}

/// A field type a payload can have, and how it is read (with its message when it is wrong).
pub(crate) trait Field: Sized {
    fn read(map: &Map<String, Value>, name: &str) -> Result<Self, AppError>;
}

/// A positive integer id (room, session, message).
impl Field for i64 {
    fn read(map: &Map<String, Value>, name: &str) -> Result<i64, AppError> {
        Option::<i64>::read(map, name)?
            .ok_or_else(|| AppError::bad_request(format!("{name} must be a positive integer")))
    }
}

/// An optional positive integer id (absent or null is `None`).
impl Field for Option<i64> {
    fn read(map: &Map<String, Value>, name: &str) -> Result<Option<i64>, AppError> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(AppError::bad_request(format!(
                    "{name} must be a positive integer"
                ))),
            },
        }
    }
}

impl Field for String {
    fn read(map: &Map<String, Value>, name: &str) -> Result<String, AppError> {
        Option::<String>::read(map, name)?
            .ok_or_else(|| AppError::bad_request(format!("{name} must be a string")))
    }
}

/// An optional string (absent or null is `None`).
impl Field for Option<String> {
    fn read(map: &Map<String, Value>, name: &str) -> Result<Option<String>, AppError> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.contains('\0') => Err(AppError::bad_request(format!(
                "{name} {}",
                crate::model::text::NUL_REFUSED
            ))),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(AppError::bad_request(format!("{name} must be a string"))),
        }
    }
}

/// A list of positive integer ids (absent or null is empty).
impl Field for Vec<i64> {
    fn read(map: &Map<String, Value>, name: &str) -> Result<Vec<i64>, AppError> {
        let wrong = || AppError::bad_request(format!("{name} must be a list of positive integers"));
        match map.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_i64().filter(|n| *n > 0).ok_or_else(wrong))
                .collect(),
            Some(_) => Err(wrong()),
        }
    }
}

impl Field for bool {
    fn read(map: &Map<String, Value>, name: &str) -> Result<bool, AppError> {
        map.get(name)
            .and_then(Value::as_bool)
            .ok_or_else(|| AppError::bad_request(format!("{name} must be true or false")))
    }
}

/// The payload as an object, or a 400 saying what was expected.
pub(crate) fn object(data: Value) -> Result<Map<String, Value>, AppError> {
    match data {
        Value::Object(map) => Ok(map),
        _ => Err(AppError::bad_request("payload must be a JSON object")),
    }
}

/// Declares a payload struct, each field with its JSON name: `room_id: i64 = "roomId"`.
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty = $key:literal),* $(,)? }) => {
        $(#[$meta])*
        pub(crate) struct $name {
            $(pub(crate) $field: $ty,)*
        }

        impl $crate::realtime::payload::Payload for $name {
            fn parse(data: serde_json::Value) -> Result<Self, $crate::error::AppError> {
                let map = $crate::realtime::payload::object(data)?;
                Ok($name {
                    $($field: <$ty as $crate::realtime::payload::Field>::read(&map, $key)?,)*
                })
            }
        }
    };
}
pub(crate) use payload;

/// The client's ack callback, and whether it passed one: a refusal is told once, in the ack
/// when one was asked for, else as an `error` event (contract §7).
pub(crate) struct Ack<A: Adapter> {
    sender: AckSender<A>,
    asked: bool,
}

impl<A: Adapter> FromMessageParts<A> for Ack<A> {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<A>>,
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
pub(crate) fn reply<A: Adapter, T: Serialize>(
    socket: &SocketRef<A>,
    ack: Ack<A>,
    event: &str,
    result: Result<T, AppError>,
) {
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
                let _ = socket.emit(server::ERROR, &body);
            }
        }
    }
}
