//! `webhook-receiver`: the receiving end of Frontdesk's webhooks for the load runs
//! (docs/PERFORMANCE.md). It signs in as an admin, subscribes an endpoint pointing at itself to
//! `message.created`, then answers every delivery 204 and times it: the lag is its arrival minus
//! the event's `createdAt` (when the outbox row was written, in the same transaction as the
//! message). It also checks what the dispatcher promises: every room's messages arrive in id
//! order, and none twice. Just enough HTTP/1.1 (keep-alive, `Content-Length` bodies) of its own.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::measure::{percentiles_ms, round3};
use crate::{Credentials, accounts, http};

/// One delivery as it arrived.
struct Arrival {
    at_ms: i64,
    created_ms: i64,
    room: i64,
    message: i64,
    delivery: String,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Receives until `expect` deliveries arrived, or `idle_s` passed without one; returns the
/// report.
pub async fn receive(
    url: &str,
    admin: &Credentials,
    listen: &str,
    expect: usize,
    idle_s: u64,
) -> Result<Value, String> {
    let host = url
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or("--url must start with http://")?
        .to_string();
    let server: SocketAddr = tokio::net::lookup_host(&host)
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let me = listener.local_addr().map_err(|e| e.to_string())?;
    let token = accounts::login(server, &host, admin).await?;
    let body = json!({"url": format!("http://{me}/hook"), "events": ["message.created"]});
    let (status, hook) = http::call(
        server,
        &host,
        "POST",
        "/api/admin/webhooks",
        Some(&token),
        Some(&body),
    )
    .await?;
    if status != 201 {
        return Err(format!("creating the webhook answered {status}: {hook}"));
    }
    eprintln!("webhook {} subscribed; receiving on {me}", hook["id"]);

    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(stream, tx.clone()));
        }
    });
    let mut got: Vec<Arrival> = Vec::with_capacity(expect);
    let mut first: Option<Instant> = None;
    while got.len() < expect {
        match tokio::time::timeout(Duration::from_secs(idle_s), rx.recv()).await {
            Ok(Some(a)) => {
                first.get_or_insert_with(Instant::now);
                got.push(a);
            }
            _ => break,
        }
    }
    Ok(report(&got, first.map(|f| f.elapsed())))
}

fn report(got: &[Arrival], span: Option<Duration>) -> Value {
    let mut lags: Vec<u32> = got
        .iter()
        .map(|a| ((a.at_ms - a.created_ms).max(0) as u32).saturating_mul(1000))
        .collect();
    let (p50, p99, max) = percentiles_ms(&mut lags);
    let mut last: HashMap<i64, i64> = HashMap::new();
    let mut out_of_order = 0;
    let mut seen = HashSet::new();
    let mut doubled = 0;
    for a in got {
        if !seen.insert(a.delivery.as_str()) {
            doubled += 1;
            continue;
        }
        let previous = last.insert(a.room, a.message);
        if previous.is_some_and(|p| p >= a.message) {
            out_of_order += 1;
        }
    }
    let secs = span.map(|s| s.as_secs_f64()).unwrap_or(0.0);
    json!({
        "received": got.len(),
        "rooms": last.len(),
        "out_of_order": out_of_order,
        "doubled": doubled,
        "lag_ms": {"p50": p50, "p99": p99, "max": max},
        "first_to_last_s": round3(secs),
        "per_s": if secs > 0.0 { round3(got.len() as f64 / secs) } else { 0.0 },
    })
}

/// One keep-alive connection: read each request, answer 204, report it.
async fn serve(mut stream: TcpStream, tx: mpsc::UnboundedSender<Arrival>) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let length: usize = header("content-length:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let delivery = header("frontdesk-delivery:").unwrap_or_default();
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let at_ms = now_ms();
        let body: Value =
            serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or_default();
        buf.drain(..head_end + length);
        let created_ms = body["createdAt"]
            .as_str()
            .and_then(parse_iso_ms)
            .unwrap_or(at_ms);
        let _ = tx.send(Arrival {
            at_ms,
            created_ms,
            room: body["data"]["roomId"].as_i64().unwrap_or(0),
            message: body["data"]["id"].as_i64().unwrap_or(0),
            delivery,
        });
        let answer = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// `2024-01-01T10:00:00.000Z` as Unix milliseconds (the only form Frontdesk writes).
fn parse_iso_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24 || b[23] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + ms)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_frontdesk_times() {
        assert_eq!(super::parse_iso_ms("1970-01-01T00:00:01.500Z"), Some(1500));
        assert_eq!(
            super::parse_iso_ms("2024-01-01T10:00:00.000Z"),
            Some(1_704_103_200_000)
        );
    }
}
