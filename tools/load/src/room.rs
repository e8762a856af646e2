//! The socket side of a load run: one task per room (its two sockets, the closed-loop sender and
//! the receiver that checks every delivery) and one per idle or staff socket.

use super::*;

/// What one room saw; summed over rooms for the report.
#[derive(Debug, Default)]
pub(super) struct RoomStats {
    pub(super) sent: u64,
    pub(super) acked: u64,
    pub(super) delivered: u64,
    pub(super) duplicates: u64,
    pub(super) out_of_order: u64,
    pub(super) errors: u64,
    pub(super) first_error: Option<String>,
    pub(super) latencies: Vec<u32>,
    pub(super) ack_latencies: Vec<u32>,
}

impl RoomStats {
    fn error(&mut self, message: impl Into<String>) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message.into());
        }
    }

    pub(super) fn merge(&mut self, other: RoomStats) {
        self.sent += other.sent;
        self.acked += other.acked;
        self.delivered += other.delivered;
        self.duplicates += other.duplicates;
        self.out_of_order += other.out_of_order;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies.extend_from_slice(&other.latencies);
        self.ack_latencies.extend_from_slice(&other.ack_latencies);
    }
}

/// The fields of `new_message` the receiver checks.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delivered<'a> {
    id: i64,
    room_id: i64,
    #[serde(borrow)]
    content: &'a str,
}

/// The receiving side of one room: which sequence numbers arrived, and in what id order.
struct Receiver {
    room_id: i64,
    /// One bit per sequence number over all rounds.
    seen: Vec<u64>,
    last_id: i64,
    /// Send times of the current round, by sequence number minus `base`.
    sent_at: Vec<Instant>,
    base: u64,
    /// Unique deliveries of the current round.
    this_round: usize,
}

impl Receiver {
    fn deliver(&mut self, data: &str, stats: &mut RoomStats) {
        let now = Instant::now();
        let Ok(msg) = serde_json::from_str::<Delivered<'_>>(data) else {
            stats.error(format!("unreadable new_message: {data}"));
            return;
        };
        let seq = msg.content.get(..10).and_then(|s| s.parse::<u64>().ok());
        let Some(seq) = seq.filter(|_| msg.room_id == self.room_id) else {
            stats.error(format!("new_message not sent by this room's test: {data}"));
            return;
        };
        let (word, bit) = ((seq / 64) as usize, 1u64 << (seq % 64));
        if word >= self.seen.len() {
            stats.error(format!("new_message with unknown sequence {seq}"));
            return;
        }
        if self.seen[word] & bit != 0 {
            stats.duplicates += 1;
            return;
        }
        self.seen[word] |= bit;
        stats.delivered += 1;
        if msg.id <= self.last_id {
            stats.out_of_order += 1;
        }
        self.last_id = self.last_id.max(msg.id);
        if let Some(at) = seq
            .checked_sub(self.base)
            .and_then(|i| self.sent_at.get(i as usize))
        {
            self.this_round += 1;
            let micros = now.duration_since(*at).as_micros();
            stats.latencies.push(micros.min(u32::MAX as u128) as u32);
        }
    }
}

/// One room: connects its two sockets, then runs each round it is told to.
pub(super) async fn room_task(
    ctx: Arc<Ctx>,
    index: usize,
    account: Account,
    mut control: watch::Receiver<u32>,
    ready: mpsc::UnboundedSender<Result<(), String>>,
    done: mpsc::UnboundedSender<bool>,
) -> RoomStats {
    let mut stats = RoomStats::default();
    let opened = async {
        let _permit = ctx.connect_gate.acquire().await.map_err(io::Error::other)?;
        let a = open_socket(&ctx, index, &account.token, Some(account.room_id)).await?;
        let b = open_socket(&ctx, index + 1, &account.token, Some(account.room_id)).await?;
        Ok::<_, io::Error>((a, b))
    };
    let (mut a, mut b) = match opened.await {
        Ok(pair) => pair,
        Err(e) => {
            let _ = ready.send(Err(format!("room {}: {e}", account.room_id)));
            return stats;
        }
    };
    let _ = ready.send(Ok(()));
    let m = ctx.messages;
    let total_seqs = m * ctx.rounds;
    stats.latencies.reserve(total_seqs);
    stats.ack_latencies.reserve(total_seqs);
    let now = Instant::now();
    let mut rx = Receiver {
        room_id: account.room_id,
        seen: vec![0; total_seqs.div_ceil(64)],
        last_id: 0,
        sent_at: vec![now; m],
        base: 0,
        this_round: 0,
    };
    // A socket that failed is not read again; its rounds report failure.
    let mut broken = false;
    loop {
        let round = if broken {
            next_round(&mut control).await
        } else {
            // Between rounds: answer pings, and count anything that still arrives.
            tokio::select! {
                r = next_round(&mut control) => r,
                p = a.next() => {
                    broken = !between_rounds(&mut a, p, None, &mut stats).await;
                    continue;
                }
                p = b.next() => {
                    broken = !between_rounds(&mut b, p, Some(&mut rx), &mut stats).await;
                    continue;
                }
            }
        };
        if round == STOP {
            break;
        }
        let ok =
            !broken && run_round(&ctx, &account, round, &mut a, &mut b, &mut rx, &mut stats).await;
        let _ = done.send(ok);
    }
    a.close().await;
    b.close().await;
    stats
}

/// The next round number [`run`] announces ([`STOP`] once it is gone).
async fn next_round(control: &mut watch::Receiver<u32>) -> u32 {
    match control.changed().await {
        Ok(()) => *control.borrow_and_update(),
        Err(_) => STOP,
    }
}

/// Handles a packet that arrives between rounds; false when the socket is gone.
async fn between_rounds(
    conn: &mut Conn,
    packet: io::Result<Packet>,
    rx: Option<&mut Receiver>,
    stats: &mut RoomStats,
) -> bool {
    match packet {
        Ok(Packet::Ping) => match conn.pong().await {
            Ok(()) => true,
            Err(e) => {
                stats.error(format!("pong: {e}"));
                false
            }
        },
        Ok(Packet::Event { name, data }) if conn.text(name.clone()) == "new_message" => {
            if let Some(rx) = rx {
                rx.deliver(conn.text(data), stats);
            }
            true
        }
        Ok(Packet::Closed) => {
            stats.error("the server closed a room socket");
            false
        }
        Err(e) => {
            stats.error(format!("room socket: {e}"));
            false
        }
        Ok(_) => true,
    }
}

/// Sends this round's messages closed-loop on `a` and waits until `b` has every one of them.
async fn run_round(
    ctx: &Ctx,
    account: &Account,
    round: u32,
    a: &mut Conn,
    b: &mut Conn,
    rx: &mut Receiver,
    stats: &mut RoomStats,
) -> bool {
    let m = ctx.messages as u64;
    let base = (round as u64 - 1) * m;
    let end = base + m;
    rx.base = base;
    rx.this_round = 0;
    let mut acked = 0u64;
    let mut refused = 0u64;
    let mut next = base;
    let deadline = tokio::time::sleep(ctx.timeout);
    tokio::pin!(deadline);
    if let Err(e) = send_one(ctx, account, a, next, rx).await {
        stats.error(format!("send: {e}"));
        return false;
    }
    stats.sent += 1;
    next += 1;
    while acked + refused < m || (rx.this_round as u64) + refused < m {
        tokio::select! {
            p = a.next() => match p {
                Ok(Packet::Ack { id, data }) => {
                    if id != next {
                        stats.error(format!("ack {id} while waiting for {next}"));
                        return false;
                    }
                    if let Some(at) = rx.sent_at.get((id - 1 - base) as usize) {
                        let micros = at.elapsed().as_micros().min(u32::MAX as u128) as u32;
                        stats.ack_latencies.push(micros);
                    }
                    if a.text(data.clone()).contains("\"ok\":true") {
                        acked += 1;
                        stats.acked += 1;
                    } else {
                        refused += 1;
                        let reply = a.text(data).to_string();
                        stats.error(format!("send_message refused: {reply}"));
                    }
                    if next < end {
                        if let Err(e) = send_one(ctx, account, a, next, rx).await {
                            stats.error(format!("send: {e}"));
                            return false;
                        }
                        stats.sent += 1;
                        next += 1;
                    }
                }
                Ok(Packet::Ping) => {
                    if let Err(e) = a.pong().await {
                        stats.error(format!("pong: {e}"));
                        return false;
                    }
                }
                Ok(Packet::Closed) => {
                    stats.error("the server closed the sending socket");
                    return false;
                }
                Err(e) => {
                    stats.error(format!("sending socket: {e}"));
                    return false;
                }
                Ok(_) => {}
            },
            p = b.next() => match p {
                Ok(Packet::Event { name, data }) if b.text(name.clone()) == "new_message" => {
                    rx.deliver(b.text(data), stats);
                }
                Ok(Packet::Ping) => {
                    if let Err(e) = b.pong().await {
                        stats.error(format!("pong: {e}"));
                        return false;
                    }
                }
                Ok(Packet::Closed) => {
                    stats.error("the server closed the receiving socket");
                    return false;
                }
                Err(e) => {
                    stats.error(format!("receiving socket: {e}"));
                    return false;
                }
                Ok(_) => {}
            },
            _ = &mut deadline => {
                stats.error(format!(
                    "room {}: round {round} timed out with {acked} acks and {} deliveries of {m}",
                    account.room_id, rx.this_round
                ));
                return false;
            }
        }
    }
    refused == 0
}

/// Sends message `seq` with ack id `seq + 1`: `"<seq, 10 digits> xxxx…"`.
async fn send_one(
    ctx: &Ctx,
    account: &Account,
    a: &mut Conn,
    seq: u64,
    rx: &mut Receiver,
) -> io::Result<()> {
    use std::fmt::Write as _;
    let (room, pad) = (account.room_id, ctx.pad.as_str());
    if let Some(slot) = rx.sent_at.get_mut((seq - rx.base) as usize) {
        *slot = Instant::now();
    }
    a.send_with(|p| {
        let _ = write!(
            p,
            "42{NAMESPACE},{}[\"send_message\",{{\"roomId\":{room},\"content\":\"{seq:010} {pad}\"}}]",
            seq + 1
        );
    })
    .await
}

/// A staff socket (counting `room_updated` for new messages into `feed`) or an idle one.
pub(super) async fn listener_task(
    ctx: Arc<Ctx>,
    token: Arc<str>,
    mut control: watch::Receiver<u32>,
    ready: mpsc::UnboundedSender<Result<(), String>>,
    feed: Option<Arc<AtomicU64>>,
    dropped: Arc<AtomicU64>,
) {
    let opened = async {
        let _permit = ctx.connect_gate.acquire().await.map_err(io::Error::other)?;
        open_socket(&ctx, 0, &token, None).await
    };
    let mut conn = match opened.await {
        Ok(conn) => conn,
        Err(e) => {
            let _ = ready.send(Err(format!("socket: {e}")));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    loop {
        tokio::select! {
            changed = control.changed() => {
                if changed.is_err() || *control.borrow_and_update() == STOP {
                    break;
                }
            }
            p = conn.next() => match p {
                Ok(Packet::Ping) => {
                    if conn.pong().await.is_err() {
                        dropped.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                Ok(Packet::Event { name, data }) => {
                    if let Some(feed) = &feed
                        && conn.text(name) == "room_updated"
                        && conn.text(data).contains("\"reason\":\"message\"")
                    {
                        feed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(Packet::Closed) | Err(_) => {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Ok(_) => {}
            },
        }
    }
    conn.close().await;
}
