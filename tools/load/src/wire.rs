//! A lean Socket.IO v5 / Engine.IO v4 client over the WebSocket transport only, written for the
//! load tool: one reusable read buffer and one reusable write buffer per connection, no task of
//! its own, and no allocation per packet. It speaks exactly what the tool needs:
//!
//! - the WebSocket opening handshake (RFC 6455 §4.1) on a plain `TcpStream`, then
//!   unfragmented text frames, masked from the client as the RFC requires;
//! - Engine.IO: the open packet `0{...}`, ping `2` (answered by the caller with pong `3`);
//! - Socket.IO: `40/chat,{auth}` to connect, `42/chat,[id]["event",data]` events,
//!   `43/chat,id[...]` acks, `44/chat,{...}` a refused connect.
//!
//! [`Conn::next`] is cancel-safe (it only reads into the connection's buffer), so a task can
//! `select!` over several connections; writes happen outside the `select!`.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::ops::Range;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use super::packet::{Packet, classify};

/// Largest frame accepted from the server (a `room_history` page is well below this).
const MAX_FRAME: usize = 16 * 1024 * 1024;

/// One Socket.IO connection to a namespace over WebSocket.
pub struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet consumed: `rbuf[start..filled]`.
    rbuf: Vec<u8>,
    start: usize,
    filled: usize,
    /// The payload of the last frame [`Conn::next`] returned.
    frame: Range<usize>,
    /// Where the last frame ended: consumed at the next call.
    frame_end: usize,
    /// Reused for every outgoing frame: header, mask, masked payload.
    wbuf: Vec<u8>,
    /// Reused to compose each outgoing payload before masking.
    payload: String,
    mask_seed: u32,
    nsp: &'static str,
}

impl Conn {
    /// Opens a WebSocket to `/socket.io/?EIO=4&transport=websocket` and waits for Engine.IO's
    /// open packet. `read_buffer` is the initial read buffer (it grows for larger frames).
    pub async fn open(
        addr: SocketAddr,
        host: &str,
        nsp: &'static str,
        read_buffer: usize,
    ) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut conn = Conn {
            stream,
            rbuf: vec![0; read_buffer.max(256)],
            start: 0,
            filled: 0,
            frame: 0..0,
            frame_end: 0,
            wbuf: Vec::with_capacity(256),
            payload: String::with_capacity(256),
            mask_seed: rand::random::<u32>() | 1,
            nsp,
        };
        conn.handshake(host).await?;
        match conn.next().await? {
            Packet::Open => Ok(conn),
            other => Err(invalid(format!(
                "expected the Engine.IO open packet, got {other:?}: {}",
                conn.frame_text()
            ))),
        }
    }

    async fn handshake(&mut self, host: &str) -> io::Result<()> {
        let key = tungstenite::handshake::client::generate_key();
        let request = format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        self.stream.write_all(request.as_bytes()).await?;
        // Read up to the end of the response head; what follows is already frame data.
        let head_end = loop {
            if let Some(end) = find(&self.rbuf[..self.filled], b"\r\n\r\n") {
                break end + 4;
            }
            if self.filled == self.rbuf.len() {
                return Err(invalid("handshake response head too large".into()));
            }
            let n = self.stream.read(&mut self.rbuf[self.filled..]).await?;
            if n == 0 {
                return Err(invalid("connection closed during the handshake".into()));
            }
            self.filled += n;
        };
        let head = String::from_utf8_lossy(&self.rbuf[..head_end]).to_ascii_lowercase();
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes()).to_ascii_lowercase();
        if !head.starts_with("http/1.1 101") {
            let line = head.lines().next().unwrap_or_default().to_string();
            return Err(invalid(format!("websocket upgrade refused: {line}")));
        }
        if !head.contains(&format!("sec-websocket-accept: {accept}")) {
            return Err(invalid("wrong Sec-WebSocket-Accept".into()));
        }
        self.start = head_end;
        self.frame_end = head_end;
        Ok(())
    }

    /// Connects to the namespace with `auth` (a JSON object) and waits for the CONNECT reply.
    /// Pings that arrive meanwhile are answered. `Err` carries the server's refusal.
    pub async fn connect_namespace(&mut self, auth: &str) -> io::Result<()> {
        let nsp = self.nsp;
        self.send_with(|p| {
            let _ = write!(p, "40{nsp},{auth}");
        })
        .await?;
        loop {
            match self.next().await? {
                Packet::Connected => return Ok(()),
                Packet::ConnectError { data } => {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!("connect refused: {}", self.text(data)),
                    ));
                }
                Packet::Ping => self.pong().await?,
                Packet::Closed => return Err(closed()),
                _ => {}
            }
        }
    }

    /// Waits for the event `name` (answering pings, skipping other packets).
    pub async fn wait_event(&mut self, name: &str) -> io::Result<Range<usize>> {
        loop {
            match self.next().await? {
                Packet::Event { name: n, data } if self.text(n.clone()) == name => return Ok(data),
                Packet::Ping => self.pong().await?,
                Packet::Closed => return Err(closed()),
                _ => {}
            }
        }
    }

    /// Waits for the ack `id` (answering pings, skipping other packets).
    pub async fn wait_ack(&mut self, id: u64) -> io::Result<Range<usize>> {
        loop {
            match self.next().await? {
                Packet::Ack { id: got, data } if got == id => return Ok(data),
                Packet::Ping => self.pong().await?,
                Packet::Closed => return Err(closed()),
                _ => {}
            }
        }
    }

    /// The next packet. Cancel-safe: dropping the future loses nothing.
    pub async fn next(&mut self) -> io::Result<Packet> {
        self.start = self.frame_end;
        loop {
            if let Some(packet) = self.parse_frame()? {
                return Ok(packet);
            }
            self.make_room();
            let n = self.stream.read(&mut self.rbuf[self.filled..]).await?;
            if n == 0 {
                return Ok(Packet::Closed);
            }
            self.filled += n;
        }
    }

    /// Text of the last packet [`Conn::next`] returned, by range.
    pub fn text(&self, range: Range<usize>) -> &str {
        self.frame_text().get(range).unwrap_or_default()
    }

    /// The whole text of the last packet.
    pub fn frame_text(&self) -> &str {
        std::str::from_utf8(&self.rbuf[self.frame.clone()]).unwrap_or_default()
    }

    /// Answers an Engine.IO ping.
    pub async fn pong(&mut self) -> io::Result<()> {
        self.send_with(|p| p.push('3')).await
    }

    /// Emits `event` with one JSON argument (already serialized) and an optional ack id:
    /// `42/nsp,[id]["event",data]`.
    pub async fn emit(&mut self, event: &str, ack: Option<u64>, data: &str) -> io::Result<()> {
        let nsp = self.nsp;
        self.send_with(|p| {
            let _ = write!(p, "42{nsp},");
            if let Some(id) = ack {
                let _ = write!(p, "{id}");
            }
            let _ = write!(p, "[\"{event}\",{data}]");
        })
        .await
    }

    /// Sends one text frame whose payload `compose` writes into a reused buffer.
    pub async fn send_with(&mut self, compose: impl FnOnce(&mut String)) -> io::Result<()> {
        self.payload.clear();
        compose(&mut self.payload);
        let len = self.payload.len();
        self.wbuf.clear();
        self.wbuf.push(0x81); // FIN + text
        if len < 126 {
            self.wbuf.push(0x80 | len as u8);
        } else if len <= u16::MAX as usize {
            self.wbuf.push(0x80 | 126);
            self.wbuf.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            self.wbuf.push(0x80 | 127);
            self.wbuf.extend_from_slice(&(len as u64).to_be_bytes());
        }
        // xorshift32: the RFC wants an unpredictable mask; the server only unmasks it.
        let mut x = self.mask_seed;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.mask_seed = x;
        let mask = x.to_be_bytes();
        self.wbuf.extend_from_slice(&mask);
        self.wbuf.extend(
            self.payload
                .bytes()
                .enumerate()
                .map(|(i, b)| b ^ mask[i & 3]),
        );
        self.stream.write_all(&self.wbuf).await
    }

    /// Sends a WebSocket close frame and shuts the connection down.
    pub async fn close(mut self) {
        let _ = self.stream.write_all(&[0x88, 0x80, 0, 0, 0, 0]).await;
        let _ = self.stream.shutdown().await;
    }

    /// Parses one complete frame at `start`, if the buffer holds one.
    fn parse_frame(&mut self) -> io::Result<Option<Packet>> {
        loop {
            let avail = &self.rbuf[self.start..self.filled];
            if avail.len() < 2 {
                return Ok(None);
            }
            let (b0, b1) = (avail[0], avail[1]);
            if b1 & 0x80 != 0 {
                return Err(invalid("masked frame from the server".into()));
            }
            let (len, header) = match b1 & 0x7f {
                126 if avail.len() >= 4 => (u16::from_be_bytes([avail[2], avail[3]]) as usize, 4),
                127 if avail.len() >= 10 => {
                    let mut n = [0u8; 8];
                    n.copy_from_slice(&avail[2..10]);
                    (u64::from_be_bytes(n) as usize, 10)
                }
                126 | 127 => return Ok(None),
                n => (n as usize, 2),
            };
            if len > MAX_FRAME {
                return Err(invalid(format!("frame of {len} bytes is too large")));
            }
            if avail.len() < header + len {
                // Make sure the whole frame fits once read.
                let need = header + len;
                if need > self.rbuf.len() - self.start {
                    self.compact();
                    if need > self.rbuf.len() {
                        self.rbuf.resize(need.next_power_of_two(), 0);
                    }
                }
                return Ok(None);
            }
            let payload = self.start + header..self.start + header + len;
            let end = payload.end;
            let opcode = b0 & 0x0f;
            if b0 & 0x80 == 0 || opcode == 0 {
                return Err(invalid("fragmented frames are not supported".into()));
            }
            match opcode {
                0x1 => {
                    self.frame = payload;
                    self.frame_end = end;
                    let text = std::str::from_utf8(&self.rbuf[self.frame.clone()])
                        .map_err(|_| invalid("text frame is not UTF-8".into()))?;
                    let packet = classify(text, self.nsp);
                    // Ranges from `classify` are relative to the frame.
                    return Ok(Some(packet));
                }
                0x8 => {
                    self.frame = payload;
                    self.frame_end = end;
                    return Ok(Some(Packet::Closed));
                }
                // Binary, ping and pong frames: not used by the server towards this client.
                _ => {
                    self.start = end;
                    self.frame_end = end;
                }
            }
        }
    }

    /// Moves unread bytes to the front when the free tail is short.
    fn make_room(&mut self) {
        if self.start == self.filled {
            self.start = 0;
            self.filled = 0;
            self.frame_end = 0;
            self.frame = 0..0;
        } else if self.filled == self.rbuf.len() || self.rbuf.len() - self.filled < 512 {
            self.compact();
            if self.filled == self.rbuf.len() {
                let len = self.rbuf.len() * 2;
                self.rbuf.resize(len, 0);
            }
        }
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.rbuf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.frame_end = self.frame_end.saturating_sub(self.start);
            self.start = 0;
            self.frame = 0..0;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "the server closed the socket",
    )
}
