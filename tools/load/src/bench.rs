//! The load tool's other measurements: a large database generated in seconds, the server's
//! history read timed in-process, `join_room` timed from a client, and cold start.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use frontdesk::Config;
use frontdesk::auth::Caller;
use frontdesk::chat::messages;
use frontdesk::db::Db;
use frontdesk::model::{Role, UserSummary};
use frontdesk::realtime::NAMESPACE;

use crate::wire::{Conn, Packet};
use crate::{Credentials, PASSWORD, measure};

/// Creates a new database at `path` holding `rooms` customers with a room each and `total`
/// messages, `hot` of them in room 1 (spread through the table, as real traffic would leave
/// them). Every customer is `perf<N>` with the password [`PASSWORD`]; room N belongs to `perf<N>`.
/// The schema comes from the server itself; the rows come from one recursive-CTE statement per
/// table inside one transaction.
pub async fn generate_db(path: &Path, rooms: u64, total: u64, hot: u64) -> Result<Value, String> {
    if path.exists() {
        return Err(format!("{} exists; give a new path", path.display()));
    }
    if rooms < 2 || hot > total {
        return Err("need at least 2 rooms and --hot no larger than --messages".into());
    }
    let started = Instant::now();
    {
        // Creates the schema exactly as the server does, then lets the writer thread go.
        Db::open_unannounced(&Config::new(path)).await?;
    }
    let hash = frontdesk::auth::hash_password(PASSWORD).map_err(|e| e.to_string())?;
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let now = frontdesk::time::now_ms();
    // One message every 10 ms, ending now.
    let first_at = now - total as i64 * 10;
    let every = total.checked_div(hot).map_or(0, |n| n.max(1));
    let sql = "
        PRAGMA synchronous = OFF;
        BEGIN;
        INSERT INTO users (user_name, password_hash, role, first_name, last_name, created_at)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rooms)
            SELECT 'perf' || i, :hash, 'CUSTOMER', 'Perf', 'Customer ' || i, :first FROM n;
        INSERT INTO rooms (id, name, customer_id, created_at, last_message_at)
            SELECT id, 'Support Request #' || id, id, :first, :first FROM users
            WHERE user_name LIKE 'perf%';
        INSERT INTO messages (room_id, sender_id, content, created_at)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :total)
            SELECT r, r,
                   'Message ' || i || ' about order #' || (i * 7919 % 100000) || ': '
                       || substr('Hello, my parcel has not arrived yet and the tracking page '
                                 || 'shows no update since Monday. Could you check it please?',
                                 1, 20 + i % 80),
                   :first + i * 10
            FROM (SELECT i, CASE WHEN :every > 0 AND i % :every = 0 AND i / :every <= :hot THEN 1
                                 ELSE 2 + (i % (:rooms - 1)) END AS r FROM n);
        UPDATE rooms SET
            message_count = (SELECT count(*) FROM messages m WHERE m.room_id = rooms.id),
            last_message_at = coalesce(
                (SELECT max(created_at) FROM messages m WHERE m.room_id = rooms.id), created_at);
        COMMIT;
        PRAGMA wal_checkpoint(TRUNCATE);";
    let mut remaining = sql;
    // `execute_batch` takes no parameters: bind them statement by statement.
    while let Some(end) = remaining.find(';') {
        let statement = remaining[..=end].trim();
        remaining = &remaining[end + 1..];
        if statement == ";" || statement.is_empty() {
            continue;
        }
        let mut stmt = conn.prepare(statement).map_err(|e| e.to_string())?;
        for i in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(i).unwrap_or_default().to_string();
            let bound = match name.as_str() {
                ":rooms" => stmt.raw_bind_parameter(i, rooms as i64),
                ":hash" => stmt.raw_bind_parameter(i, hash.as_str()),
                ":first" => stmt.raw_bind_parameter(i, first_at),
                ":total" => stmt.raw_bind_parameter(i, total as i64),
                ":every" => stmt.raw_bind_parameter(i, every as i64),
                ":hot" => stmt.raw_bind_parameter(i, hot as i64),
                other => return Err(format!("unbound parameter {other}")),
            };
            bound.map_err(|e| e.to_string())?;
        }
        let mut rows = stmt.raw_query();
        while rows.next().map_err(|e| e.to_string())?.is_some() {}
    }
    // The positions the server keeps as it writes, filled for the bulk-inserted history.
    conn.execute_batch(&format!(
        "BEGIN; {} COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
        frontdesk::db::FILL_POSITIONS
    ))
    .map_err(|e| e.to_string())?;
    // The search index the server keeps as it writes, filled for the same history.
    conn.execute_batch(&format!(
        "BEGIN; {} COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
        frontdesk::db::SEARCH_INDEX
    ))
    .map_err(|e| e.to_string())?;
    let count = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| e.to_string())
    };
    let hot_count = conn
        .query_row(
            "SELECT message_count FROM rooms WHERE id = ?1",
            params![1],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| e.to_string())?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(json!({
        "db": path.display().to_string(),
        "users": count("SELECT count(*) FROM users")?,
        "rooms": count("SELECT count(*) FROM rooms")?,
        "messages": count("SELECT count(*) FROM messages")?,
        "hot_room": 1,
        "hot_room_messages": hot_count,
        "file_mib": measure::round3(bytes as f64 / 1048576.0),
        "generate_s": measure::round3(started.elapsed().as_secs_f64()),
    }))
}

/// A read-only connection for a benchmark's setup lookups (which room, whose customer): not
/// the timed part, which goes through the server's own `Db`.
pub(crate) fn open_for_setup(path: &Path) -> Result<Connection, String> {
    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// Times the server's own rule for `join_room`'s history (`frontdesk::chat::messages::history`,
/// the call the socket handler makes: a pooled read-only connection through `Db::read`, the
/// room's visibility check, the latest page) plus serializing the payload, on a room, as its
/// customer, `iterations` times; also the oldest page, reached with `before`.
pub async fn history_in_process(
    path: &Path,
    room_id: i64,
    limit: u32,
    iterations: usize,
) -> Result<Value, String> {
    let db = Db::open_unannounced(&Config::new(path)).await?;
    let conn = open_for_setup(path)?;
    let customer = conn
        .query_row(
            "SELECT u.id, u.user_name, u.first_name, u.last_name, u.avatar
             FROM rooms r JOIN users u ON u.id = r.customer_id WHERE r.id = ?1",
            params![room_id],
            |r| {
                Ok(UserSummary {
                    id: r.get(0)?,
                    user_name: r.get(1)?,
                    first_name: r.get(2)?,
                    last_name: r.get(3)?,
                    avatar: r.get(4)?,
                })
            },
        )
        .optional()
        .map_err(|e| e.to_string())?;
    let oldest = conn
        .query_row(
            "SELECT id FROM messages WHERE room_id = ?1 ORDER BY id LIMIT 1 OFFSET ?2",
            params![room_id, limit],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    let customer = customer.ok_or_else(|| format!("room {room_id} or its customer not found"))?;
    let oldest =
        oldest.ok_or_else(|| format!("room {room_id} has no more than {limit} messages"))?;
    // The room's customer, signed in for as long as the benchmark runs.
    let caller = Caller {
        id: customer.id,
        role: Role::Customer,
        user_name: customer.user_name.clone(),
        summary: customer,
        console_session: None,
        expires_at_ms: i64::MAX,
    };
    let mut latest = Vec::with_capacity(iterations);
    let mut deepest = Vec::with_capacity(iterations);
    let mut first_ms = 0.0;
    let mut payload_bytes = 0;
    for i in 0..iterations {
        for (before, samples) in [(None, &mut latest), (Some(oldest), &mut deepest)] {
            let started = Instant::now();
            let history = messages::history(&db, &caller, room_id, limit, before)
                .await
                .map_err(|e| e.to_string())?;
            let body = serde_json::to_string(&history).map_err(|e| e.to_string())?;
            let micros = started.elapsed().as_micros() as u32;
            if i == 0 && before.is_none() {
                first_ms = micros as f64 / 1000.0;
                payload_bytes = body.len();
            }
            samples.push(micros);
        }
    }
    let (p50, p99, max) = measure::percentiles_ms(&mut latest);
    let (d50, d99, dmax) = measure::percentiles_ms(&mut deepest);
    Ok(json!({
        "room": room_id,
        "limit": limit,
        "iterations": iterations,
        "latest_page_first_ms": measure::round3(first_ms),
        "latest_page_p50_ms": measure::round3(p50),
        "latest_page_p99_ms": measure::round3(p99),
        "latest_page_max_ms": measure::round3(max),
        "oldest_page_p50_ms": measure::round3(d50),
        "oldest_page_p99_ms": measure::round3(d99),
        "oldest_page_max_ms": measure::round3(dmax),
        "payload_bytes": payload_bytes,
    }))
}

/// Times `join_room` on a running server as a client sees it: from sending `join_room` to
/// receiving `room_history`, `iterations` times on one socket. This bounds the server-side
/// time from above (it adds the loopback and both WebSocket stacks).
pub async fn history_over_socket(
    url: &str,
    who: &Credentials,
    room_id: i64,
    iterations: usize,
) -> Result<Value, String> {
    let host = url
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or("--url must start with http://")?;
    let addr: SocketAddr = tokio::net::lookup_host(host)
        .await
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("cannot resolve the host")?;
    let token = crate::accounts::login(addr, host, who).await?;
    let mut conn = Conn::open(addr, host, NAMESPACE, 64 * 1024)
        .await
        .map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| e.to_string();
    conn.connect_namespace(&json!({ "token": &*token }).to_string())
        .await
        .map_err(io)?;
    conn.wait_event("connected").await.map_err(io)?;
    let mut samples = Vec::with_capacity(iterations);
    let mut payload_bytes = 0;
    for i in 0..iterations {
        let started = Instant::now();
        conn.emit(
            "join_room",
            Some(i as u64),
            &format!("{{\"roomId\":{room_id}}}"),
        )
        .await
        .map_err(io)?;
        let data = conn.wait_event("room_history").await.map_err(io)?;
        samples.push(started.elapsed().as_micros() as u32);
        payload_bytes = data.len();
        conn.wait_ack(i as u64).await.map_err(io)?;
        // Stay well under the per-user join rate.
        tokio::time::sleep(Duration::from_millis(120)).await;
        while let Ok(Ok(p)) = tokio::time::timeout(Duration::from_millis(1), conn.next()).await {
            if p == Packet::Ping {
                conn.pong().await.map_err(io)?;
            }
        }
    }
    conn.close().await;
    let (p50, p99, max) = measure::percentiles_ms(&mut samples);
    Ok(json!({
        "room": room_id,
        "iterations": iterations,
        "join_to_history_p50_ms": measure::round3(p50),
        "join_to_history_p99_ms": measure::round3(p99),
        "join_to_history_max_ms": measure::round3(max),
        "payload_bytes": payload_bytes,
    }))
}

/// Starts `server serve --db <db>` `runs` times and times each from spawning the process to
/// the first `200` from `/healthz`; each server is stopped with SIGTERM before the next.
pub fn cold_start(server: &Path, db: &Path, runs: usize) -> Result<Value, String> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let started = Instant::now();
        let mut child = Command::new(server)
            .args(["serve", "--addr", &addr.to_string(), "--db"])
            .arg(db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
        let served = loop {
            if healthz(addr) {
                break Some(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(30) {
                break None;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("the server exited with {status}"));
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let served = served.ok_or("the server did not answer within 30 s")?;
        samples.push(served.as_micros() as u32);
    }
    let all: Vec<f64> = samples
        .iter()
        .map(|&us| measure::round3(us as f64 / 1000.0))
        .collect();
    let (p50, _, max) = measure::percentiles_ms(&mut samples);
    Ok(json!({
        "runs": runs,
        "start_to_first_response_ms": all,
        "median_ms": measure::round3(p50),
        "max_ms": measure::round3(max),
    }))
}

fn healthz(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(50)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && &head[9..12] == b"200"
}
