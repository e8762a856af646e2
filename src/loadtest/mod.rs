//! The load tool's core (`frontdesk-load`, and the smoke test that runs it in-process): drives a
//! running server the way a busy shop does and checks that every message arrives exactly once.
//!
//! 1. Registers one customer per room through `POST /api/auth/register` (argon2 makes this slow,
//!    so it runs with bounded concurrency and is timed on its own).
//! 2. Opens two WebSocket Socket.IO connections per room, both signed in as the room's customer
//!    (two tabs), and both `join_room`; plus `idle` signed-in sockets that only answer pings, and
//!    `staff` sockets that receive the staff feed.
//! 3. In each room the first socket sends `messages` messages closed-loop (each `send_message`
//!    carries an ack id; the next goes out only after the ack), while the second socket checks
//!    that each `new_message` arrives exactly once and in id order, and times send → delivery.
//!    `rounds` repeats this on the same sockets (a soak), sampling the server's memory each time.
//!
//! The tool is cheap on purpose, since it shares the machine with the server: one task per room
//! (driving both sockets), one per staff or idle socket, a lean client ([`wire`]) with reused
//! buffers, and no allocation per message except the latency sample.

pub mod bench;
pub mod http;
pub mod measure;
pub mod wire;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::realtime::NAMESPACE;
use wire::{Conn, Packet};

/// Password of every account the tool creates.
pub const PASSWORD: &str = "load-test-password-1";

/// A user name and password, as `NAME:PASSWORD` on the command line.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_name: String,
    pub password: String,
}

impl std::str::FromStr for Credentials {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (user_name, password) = s
            .split_once(':')
            .ok_or_else(|| "expected NAME:PASSWORD".to_string())?;
        Ok(Credentials {
            user_name: user_name.into(),
            password: password.into(),
        })
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server, such as `http://127.0.0.1:3000`.
    pub url: String,
    /// Rooms, each with one customer, two sockets and `messages` messages per round.
    pub rooms: usize,
    pub messages: usize,
    /// How many times the message phase runs on the same sockets.
    pub rounds: usize,
    /// Pause between rounds.
    pub pause: Duration,
    /// Signed-in sockets that only answer pings.
    pub idle: usize,
    /// Customers registered for the idle sockets when there are no rooms to borrow tokens from.
    pub idle_users: usize,
    /// Staff sockets on the staff feed; they need `admin` (creates staff accounts through
    /// `POST /api/admin/users`) or `staff_login` (an existing staff account for all of them).
    pub staff: usize,
    pub admin: Option<Credentials>,
    pub staff_login: Option<Credentials>,
    /// The server's process id, to read its resident memory.
    pub server_pid: Option<u32>,
    pub register_concurrency: usize,
    pub connect_concurrency: usize,
    /// Length of each message's content.
    pub content_bytes: usize,
    /// A round (or connecting, or the staff feed catching up) that takes longer fails the run.
    pub timeout: Duration,
    /// Keep every socket open this long after the rounds (to watch the server's memory).
    pub hold: Duration,
}

impl Options {
    pub fn new(url: impl Into<String>) -> Options {
        Options {
            url: url.into(),
            rooms: 10,
            messages: 10,
            rounds: 1,
            pause: Duration::ZERO,
            idle: 0,
            idle_users: 10,
            staff: 0,
            admin: None,
            staff_login: None,
            server_pid: None,
            register_concurrency: 8,
            connect_concurrency: 64,
            content_bytes: 64,
            timeout: Duration::from_secs(60),
            hold: Duration::ZERO,
        }
    }
}

/// The one JSON line the tool prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Every message acked, delivered exactly once and in order, the staff feed complete, and
    /// no socket dropped.
    pub ok: bool,
    pub rooms: usize,
    pub messages_per_room: usize,
    pub rounds: usize,
    pub sockets: usize,
    pub idle: usize,
    pub staff: usize,
    /// Messages sent, acked with `ok: true`, and delivered to the rooms' second sockets.
    pub messages: u64,
    pub acked: u64,
    pub delivered: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub missing: u64,
    /// Refused sends (`ok: false` acks, `error` events) and socket failures.
    pub errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    /// `room_updated` (reason `message`) events received by all staff sockets, and expected.
    pub staff_delivered: u64,
    pub staff_expected: u64,
    /// Idle or staff sockets the server closed during the run.
    pub dropped_sockets: u64,
    pub register_s: f64,
    pub connect_s: f64,
    /// Time spent in the message rounds (pauses excluded).
    pub run_s: f64,
    pub msgs_per_s: f64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
    /// Send → ack at the sending socket (the closed loop's round trip).
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub server_rss_connected_mib: Option<f64>,
    pub server_rss_after_mib: Option<f64>,
    pub server_rss_peak_mib: Option<f64>,
    /// With several rounds: the server's memory after each round (at most 24 samples).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub server_rss_rounds_mib: Vec<f64>,
    /// This tool's own CPU (user + system) during the rounds, per message sent.
    pub tool_cpu_us_per_msg: f64,
    /// The server's CPU during the rounds, per message sent, and as a share of one core.
    pub server_cpu_us_per_msg: Option<f64>,
    pub server_cpu_cores: Option<f64>,
    /// CPU that neither the server nor this tool used during the rounds (other processes), in
    /// cores: a noisy neighbour shows here.
    pub other_cpu_cores: Option<f64>,
}

/// Round number that tells every task to close its sockets.
const STOP: u32 = u32::MAX;

/// What every task shares.
struct Ctx {
    addr: SocketAddr,
    host: String,
    messages: usize,
    rounds: usize,
    timeout: Duration,
    /// The padding after the sequence number in each message.
    pad: String,
    connect_gate: Semaphore,
}

/// Runs the whole load: sign-ups, sockets, rounds. `Err` when the server could not be driven
/// (refused sign-up, a socket that could not connect); a run that completed but lost, doubled
/// or reordered messages returns a report whose `ok` is false.
pub async fn run(opts: Options) -> Result<Report, String> {
    let host = opts
        .url
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or("--url must start with http://")?
        .to_string();
    let addr = tokio::net::lookup_host(&host)
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    if opts.staff > 0 && opts.admin.is_none() && opts.staff_login.is_none() {
        return Err("--staff needs --admin NAME:PASSWORD or --staff-login NAME:PASSWORD".into());
    }

    // 1. Accounts.
    let started = Instant::now();
    let customers = if opts.rooms > 0 {
        opts.rooms
    } else if opts.idle > 0 {
        opts.idle_users.max(1)
    } else {
        0
    };
    let accounts = register_customers(addr, &host, customers, opts.register_concurrency).await?;
    let staff_tokens = staff_tokens(addr, &host, &opts).await?;
    let register_s = started.elapsed().as_secs_f64();

    // 2. Sockets.
    let ctx = Arc::new(Ctx {
        addr,
        host,
        messages: opts.messages,
        rounds: opts.rounds.max(1),
        timeout: opts.timeout,
        pad: "x".repeat(opts.content_bytes.saturating_sub(11).max(1)),
        connect_gate: Semaphore::new(opts.connect_concurrency.max(1)),
    });
    let (control, _) = watch::channel(0u32);
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<bool>();
    let connecting = Instant::now();
    let mut rooms = JoinSet::new();
    for account in accounts.iter().take(opts.rooms) {
        rooms.spawn(room_task(
            ctx.clone(),
            account.clone(),
            control.subscribe(),
            ready_tx.clone(),
            done_tx.clone(),
        ));
    }
    let dropped = Arc::new(AtomicU64::new(0));
    let staff_seen = Arc::new(AtomicU64::new(0));
    let mut others = JoinSet::new();
    for token in &staff_tokens {
        others.spawn(listener_task(
            ctx.clone(),
            token.clone(),
            control.subscribe(),
            ready_tx.clone(),
            Some(staff_seen.clone()),
            dropped.clone(),
        ));
    }
    for i in 0..opts.idle {
        let token = accounts[i % accounts.len().max(1)].token.clone();
        others.spawn(listener_task(
            ctx.clone(),
            token,
            control.subscribe(),
            ready_tx.clone(),
            None,
            dropped.clone(),
        ));
    }
    drop(ready_tx);
    let expected_ready = opts.rooms + staff_tokens.len() + opts.idle;
    let mut connect_error = None;
    for _ in 0..expected_ready {
        match tokio::time::timeout(opts.timeout, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => {}
            Ok(Some(Err(e))) => {
                connect_error.get_or_insert(e);
            }
            Ok(None) | Err(_) => {
                connect_error.get_or_insert("sockets did not connect in time".into());
                break;
            }
        }
    }
    if let Some(e) = connect_error {
        let _ = control.send(STOP);
        return Err(e);
    }
    let connect_s = connecting.elapsed().as_secs_f64();
    let pid = opts.server_pid;
    let server_rss_connected_mib = pid.and_then(measure::rss_mib);

    // 3. Rounds.
    let cpu_before = measure::own_cpu();
    let server_cpu_before = pid.and_then(measure::process_cpu);
    let machine_before = measure::machine_busy();
    let mut run_time = Duration::ZERO;
    let mut rss_rounds = Vec::new();
    let sample_every = opts.rounds.div_ceil(24).max(1);
    let mut failed = false;
    if opts.rooms > 0 && opts.messages > 0 {
        for round in 1..=ctx.rounds as u32 {
            let start = Instant::now();
            let _ = control.send(round);
            for _ in 0..opts.rooms {
                match done_rx.recv().await {
                    Some(true) => {}
                    Some(false) | None => failed = true,
                }
            }
            run_time += start.elapsed();
            if opts.rounds > 1 && ((round as usize).is_multiple_of(sample_every) || round == 1) {
                rss_rounds.extend(pid.and_then(measure::rss_mib));
            }
            if failed {
                break;
            }
            if !opts.pause.is_zero() && (round as usize) < ctx.rounds {
                tokio::time::sleep(opts.pause).await;
            }
        }
    }
    let cpu = measure::own_cpu().saturating_sub(cpu_before);
    let server_cpu = pid
        .and_then(measure::process_cpu)
        .zip(server_cpu_before)
        .map(|(after, before)| after.saturating_sub(before).as_secs_f64());
    let machine = measure::machine_busy()
        .zip(machine_before)
        .map(|(after, before)| after.saturating_sub(before).as_secs_f64());
    let rounds_run = if failed {
        0
    } else {
        ctx.rounds * usize::from(opts.messages > 0)
    };
    let staff_expected = (opts.rooms * opts.messages * rounds_run * staff_tokens.len()) as u64;
    // The staff feed may trail the rooms a little.
    let waiting = Instant::now();
    while staff_seen.load(Ordering::Relaxed) < staff_expected && waiting.elapsed() < opts.timeout {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Late duplicates would show up now.
    tokio::time::sleep(Duration::from_millis(200).max(opts.hold)).await;
    let server_rss_after_mib = pid.and_then(measure::rss_mib);
    let server_rss_peak_mib = pid.and_then(measure::peak_rss_mib);
    let _ = control.send(STOP);

    let mut total = RoomStats::default();
    while let Some(joined) = rooms.join_next().await {
        let stats = joined.map_err(|e| format!("a room task failed: {e}"))?;
        total.merge(stats);
    }
    while others.join_next().await.is_some() {}

    let messages = total.sent;
    let missing = total.sent.saturating_sub(total.delivered);
    let staff_delivered = staff_seen.load(Ordering::Relaxed);
    let dropped_sockets = dropped.load(Ordering::Relaxed);
    let (p50, p99, max) = measure::percentiles_ms(&mut total.latencies);
    let (ack50, ack99, _) = measure::percentiles_ms(&mut total.ack_latencies);
    let run_s = run_time.as_secs_f64();
    let ok = !failed
        && total.errors == 0
        && total.acked == messages
        && total.delivered == messages
        && total.duplicates == 0
        && total.out_of_order == 0
        && staff_delivered == staff_expected
        && dropped_sockets == 0;
    Ok(Report {
        ok,
        rooms: opts.rooms,
        messages_per_room: opts.messages,
        rounds: ctx.rounds,
        sockets: 2 * opts.rooms + staff_tokens.len() + opts.idle,
        idle: opts.idle,
        staff: staff_tokens.len(),
        messages,
        acked: total.acked,
        delivered: total.delivered,
        duplicates: total.duplicates,
        out_of_order: total.out_of_order,
        missing,
        errors: total.errors,
        first_error: total.first_error,
        staff_delivered,
        staff_expected,
        dropped_sockets,
        register_s: measure::round3(register_s),
        connect_s: measure::round3(connect_s),
        run_s: measure::round3(run_s),
        msgs_per_s: if run_s > 0.0 {
            (total.delivered as f64 / run_s).round()
        } else {
            0.0
        },
        latency_p50_ms: measure::round3(p50),
        latency_p99_ms: measure::round3(p99),
        latency_max_ms: measure::round3(max),
        ack_p50_ms: measure::round3(ack50),
        ack_p99_ms: measure::round3(ack99),
        server_rss_connected_mib: server_rss_connected_mib.map(measure::round3),
        server_rss_after_mib: server_rss_after_mib.map(measure::round3),
        server_rss_peak_mib: server_rss_peak_mib.map(measure::round3),
        server_rss_rounds_mib: rss_rounds.into_iter().map(measure::round3).collect(),
        tool_cpu_us_per_msg: if messages > 0 {
            measure::round3(cpu.as_secs_f64() * 1e6 / messages as f64)
        } else {
            0.0
        },
        server_cpu_us_per_msg: server_cpu
            .filter(|_| messages > 0)
            .map(|s| measure::round3(s * 1e6 / messages as f64)),
        server_cpu_cores: server_cpu
            .filter(|_| run_s > 0.0)
            .map(|s| measure::round3(s / run_s)),
        other_cpu_cores: machine
            .zip(server_cpu)
            .filter(|_| run_s > 0.0)
            .map(|(m, s)| measure::round3(((m - s - cpu.as_secs_f64()) / run_s).max(0.0))),
    })
}

/// A customer the tool signed up, with their room.
#[derive(Debug, Clone)]
struct Account {
    token: Arc<str>,
    room_id: i64,
}

async fn register_customers(
    addr: SocketAddr,
    host: &str,
    count: usize,
    concurrency: usize,
) -> Result<Vec<Account>, String> {
    let run_id = format!("{:06x}", rand::random::<u32>() & 0xff_ffff);
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for i in 0..count {
        let (gate, host) = (gate.clone(), host.to_string());
        let name = format!("lt{run_id}c{i}");
        tasks.spawn(async move {
            let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
            let body = json!({
                "userName": name, "password": PASSWORD, "firstName": "Load", "lastName": "Test",
            });
            let (status, reply) =
                http::call(addr, &host, "POST", "/api/auth/register", None, Some(&body)).await?;
            if status != 201 {
                return Err(format!("sign-up of {name} answered {status}: {reply}"));
            }
            let token = reply["accessToken"]
                .as_str()
                .ok_or("sign-up reply has no accessToken")?
                .to_string();
            let (status, rooms) =
                http::call(addr, &host, "GET", "/api/chat/rooms", Some(&token), None).await?;
            let list = rooms.get("rooms").unwrap_or(&rooms);
            let room_id = list[0]["id"]
                .as_i64()
                .ok_or_else(|| format!("GET /api/chat/rooms answered {status}: {rooms}"))?;
            Ok::<_, String>((
                i,
                Account {
                    token: token.into(),
                    room_id,
                },
            ))
        });
    }
    let mut accounts = vec![None; count];
    while let Some(joined) = tasks.join_next().await {
        let (i, account) = joined.map_err(|e| e.to_string())??;
        accounts[i] = Some(account);
    }
    Ok(accounts.into_iter().flatten().collect())
}

async fn login(addr: SocketAddr, host: &str, who: &Credentials) -> Result<Arc<str>, String> {
    let body = json!({ "userName": who.user_name, "password": who.password });
    let (status, reply) =
        http::call(addr, host, "POST", "/api/auth/login", None, Some(&body)).await?;
    match reply["accessToken"].as_str() {
        Some(token) if status == 200 => Ok(token.into()),
        _ => Err(format!(
            "sign-in of {} answered {status}: {reply}",
            who.user_name
        )),
    }
}

/// Tokens for the staff sockets: `staff` new staff accounts made by the admin, or the one
/// existing staff account for all of them.
async fn staff_tokens(
    addr: SocketAddr,
    host: &str,
    opts: &Options,
) -> Result<Vec<Arc<str>>, String> {
    if opts.staff == 0 {
        return Ok(Vec::new());
    }
    if let Some(admin) = &opts.admin {
        let admin_token = login(addr, host, admin).await?;
        let run_id = format!("{:06x}", rand::random::<u32>() & 0xff_ffff);
        let mut tokens = Vec::with_capacity(opts.staff);
        for i in 0..opts.staff {
            let name = format!("lt{run_id}s{i}");
            let body = json!({
                "userName": name, "password": PASSWORD, "role": "STAFF",
                "firstName": "Load", "lastName": "Staff",
            });
            let (status, reply) = http::call(
                addr,
                host,
                "POST",
                "/api/admin/users",
                Some(&admin_token),
                Some(&body),
            )
            .await?;
            if status != 201 {
                return Err(format!("creating staff {name} answered {status}: {reply}"));
            }
            let who = Credentials {
                user_name: name,
                password: PASSWORD.into(),
            };
            tokens.push(login(addr, host, &who).await?);
        }
        return Ok(tokens);
    }
    let who = opts.staff_login.as_ref().ok_or("no staff account given")?;
    let token = login(addr, host, who).await?;
    Ok(vec![token; opts.staff])
}

/// Opens a socket signed in with `token`; with a room, also joins it.
async fn open_socket(ctx: &Ctx, token: &str, room_id: Option<i64>) -> io::Result<Conn> {
    let mut conn = Conn::open(ctx.addr, &ctx.host, NAMESPACE, 2048).await?;
    conn.connect_namespace(&json!({ "token": token }).to_string())
        .await?;
    conn.wait_event("connected").await?;
    if let Some(room_id) = room_id {
        conn.emit("join_room", Some(0), &format!("{{\"roomId\":{room_id}}}"))
            .await?;
        let ack = conn.wait_ack(0).await?;
        if !conn.text(ack.clone()).contains("\"ok\":true") {
            let reply = conn.text(ack).to_string();
            return Err(io::Error::other(format!(
                "join_room {room_id} refused: {reply}"
            )));
        }
    }
    Ok(conn)
}

/// What one room saw; summed over rooms for the report.
#[derive(Debug, Default)]
struct RoomStats {
    sent: u64,
    acked: u64,
    delivered: u64,
    duplicates: u64,
    out_of_order: u64,
    errors: u64,
    first_error: Option<String>,
    latencies: Vec<u32>,
    ack_latencies: Vec<u32>,
}

impl RoomStats {
    fn error(&mut self, message: impl Into<String>) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message.into());
        }
    }

    fn merge(&mut self, other: RoomStats) {
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
async fn room_task(
    ctx: Arc<Ctx>,
    account: Account,
    mut control: watch::Receiver<u32>,
    ready: mpsc::UnboundedSender<Result<(), String>>,
    done: mpsc::UnboundedSender<bool>,
) -> RoomStats {
    let mut stats = RoomStats::default();
    let opened = async {
        let _permit = ctx.connect_gate.acquire().await.map_err(io::Error::other)?;
        let a = open_socket(&ctx, &account.token, Some(account.room_id)).await?;
        let b = open_socket(&ctx, &account.token, Some(account.room_id)).await?;
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
async fn listener_task(
    ctx: Arc<Ctx>,
    token: Arc<str>,
    mut control: watch::Receiver<u32>,
    ready: mpsc::UnboundedSender<Result<(), String>>,
    feed: Option<Arc<AtomicU64>>,
    dropped: Arc<AtomicU64>,
) {
    let opened = async {
        let _permit = ctx.connect_gate.acquire().await.map_err(io::Error::other)?;
        open_socket(&ctx, &token, None).await
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
