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

mod accounts;
pub mod bench;
pub mod files;
pub mod hooks;
pub mod http;
pub mod measure;
mod options;
mod packet;
mod report;
mod room;
pub mod search_bench;
pub mod wire;

pub use options::{Credentials, Options};
pub use report::Report;

use accounts::{Account, register_customers, staff_tokens};
use room::{RoomStats, listener_task, room_task};

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use frontdesk::realtime::NAMESPACE;
use wire::{Conn, Packet};

/// Password of every account the tool creates.
pub const PASSWORD: &str = "load-test-password-1";

/// Round number that tells every task to close its sockets.
const STOP: u32 = u32::MAX;

/// `http://host:port` as the address to connect to and the `Host` to send.
async fn resolve(url: &str) -> Result<(SocketAddr, String), String> {
    let host = url
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or("--url must start with http://")?
        .to_string();
    let addr = tokio::net::lookup_host(&host)
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    Ok((addr, host))
}

/// What every task shares.
struct Ctx {
    /// The nodes of the server (one, or a cluster's), as address and `Host`: a room's two
    /// sockets go to two consecutive nodes, so with several every message crosses nodes.
    nodes: Vec<(SocketAddr, String)>,
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
    let mut nodes = Vec::new();
    for url in opts.url.split(',').filter(|u| !u.trim().is_empty()) {
        nodes.push(resolve(url.trim()).await?);
    }
    let (addr, host) = nodes.first().cloned().ok_or("--url names no server")?;
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
        nodes,
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
    for (i, account) in accounts.iter().take(opts.rooms).enumerate() {
        rooms.spawn(room_task(
            ctx.clone(),
            i,
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

/// Opens a socket signed in with `token` on node `node` (modulo their number); with a room,
/// also joins it.
async fn open_socket(
    ctx: &Ctx,
    node: usize,
    token: &str,
    room_id: Option<i64>,
) -> io::Result<Conn> {
    let (addr, host) = &ctx.nodes[node % ctx.nodes.len()];
    let mut conn = Conn::open(*addr, host, NAMESPACE, 2048).await?;
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
