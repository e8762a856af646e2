//! Classifying one Engine.IO / Socket.IO text packet from the server without copying it: the
//! load client's parser, apart from its connection handling (wire.rs).

use std::ops::Range;

/// One packet from the server, classified without copying. Ranges index [`Conn::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// Engine.IO open `0{...}`.
    Open,
    /// Engine.IO ping `2`: answer with [`Conn::pong`].
    Ping,
    /// Socket.IO CONNECT accepted on the namespace.
    Connected,
    /// Socket.IO CONNECT_ERROR; `data` is the error object.
    ConnectError { data: Range<usize> },
    /// Socket.IO EVENT: `name` and `data` (the arguments after the name, without the brackets).
    Event {
        name: Range<usize>,
        data: Range<usize>,
    },
    /// Socket.IO ACK with its id; `data` is the argument list without the brackets.
    Ack { id: u64, data: Range<usize> },
    /// Socket.IO DISCONNECT, Engine.IO close, or a WebSocket close frame.
    Closed,
    /// Anything else (pong, noop, binary): ignored by the tool.
    Other,
}

/// Classifies one Engine.IO text packet for namespace `nsp` (such as `/chat`).
pub fn classify(text: &str, nsp: &str) -> Packet {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'0') => return Packet::Open,
        Some(b'1') => return Packet::Closed,
        Some(b'2') if bytes.len() == 1 => return Packet::Ping,
        Some(b'4') => {}
        _ => return Packet::Other,
    }
    let Some(&kind) = bytes.get(1) else {
        return Packet::Other;
    };
    // After the Socket.IO type comes `/nsp,` (for any namespace but `/`).
    let mut at = 2;
    if text[at..].starts_with('/') {
        let Some(rest) = text[at..].strip_prefix(nsp) else {
            return Packet::Other;
        };
        if !rest.starts_with(',') {
            return Packet::Other;
        }
        at += nsp.len() + 1;
    }
    let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
    let id = text[at..at + digits].parse::<u64>().ok();
    let body = at + digits;
    match kind {
        b'0' => Packet::Connected,
        b'1' => Packet::Closed,
        b'4' => Packet::ConnectError {
            data: body..text.len(),
        },
        b'2' => {
            // `["name",arg...]`: event names never hold a quote.
            let Some(after) = text[body..].strip_prefix("[\"") else {
                return Packet::Other;
            };
            let Some(len) = after.find('"') else {
                return Packet::Other;
            };
            let name_start = body + 2;
            let name = name_start..name_start + len;
            let mut data_start = name.end + 1;
            if text.as_bytes().get(data_start) == Some(&b',') {
                data_start += 1;
            }
            let data_end = if text.ends_with(']') {
                text.len() - 1
            } else {
                text.len()
            };
            Packet::Event {
                name,
                data: data_start.min(data_end)..data_end,
            }
        }
        b'3' => match (id, text[body..].starts_with('[') && text.ends_with(']')) {
            (Some(id), true) => Packet::Ack {
                id,
                data: body + 1..text.len() - 1,
            },
            _ => Packet::Other,
        },
        _ => Packet::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::{Packet, classify};

    #[test]
    fn classifies_engine_io_packets() {
        assert_eq!(classify("0{\"sid\":\"x\"}", "/chat"), Packet::Open);
        assert_eq!(classify("2", "/chat"), Packet::Ping);
        assert_eq!(classify("3", "/chat"), Packet::Other);
        assert_eq!(
            classify("40/chat,{\"sid\":\"a\"}", "/chat"),
            Packet::Connected
        );
        assert_eq!(classify("40/other,{}", "/chat"), Packet::Other);
    }

    #[test]
    fn finds_event_name_and_data() {
        let text = "42/chat,[\"new_message\",{\"id\":1}]";
        let Packet::Event { name, data } = classify(text, "/chat") else {
            panic!("not an event");
        };
        assert_eq!(&text[name], "new_message");
        assert_eq!(&text[data], "{\"id\":1}");
    }

    #[test]
    fn finds_ack_id_and_data() {
        let text = "43/chat,17[{\"ok\":true}]";
        let Packet::Ack { id, data } = classify(text, "/chat") else {
            panic!("not an ack");
        };
        assert_eq!(id, 17);
        assert_eq!(&text[data], "{\"ok\":true}");
    }

    #[test]
    fn refused_connect_carries_the_message() {
        let text = "44/chat,{\"message\":\"Unauthorized\"}";
        let Packet::ConnectError { data } = classify(text, "/chat") else {
            panic!("not a connect error");
        };
        assert_eq!(&text[data], "{\"message\":\"Unauthorized\"}");
    }
}
