//! `frontdesk-load files`: upload and download throughput of attachments (contract §9) and
//! what they cost the server's memory. One customer uploads a file of `--size-mib` (a PDF
//! header and varied bytes, so nothing compresses or dedupes) `--count` times, one after
//! another, then downloads each from its signed link, reading the body as it streams. With
//! `--server-pid` it reports the server's resident memory before, after, and at its peak
//! (`VmHWM`: start the server fresh for a clean peak).

use std::net::SocketAddr;
use std::time::Instant;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http;
use crate::measure::{peak_rss_mib, percentiles_ms, round3, rss_mib};

const BOUNDARY: &str = "frontdesk-load-boundary-7d1f";

/// Runs the benchmark against the server at `url`; returns the report as JSON.
pub async fn files(
    url: &str,
    size_mib: usize,
    count: usize,
    server_pid: Option<u32>,
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
    let name = format!("files{:06x}", rand::random::<u32>() & 0xff_ffff);
    let body = json!({"userName": name, "password": "load-test-password-1", "firstName": "File", "lastName": "Load"});
    let (status, reply) =
        http::call(addr, host, "POST", "/api/auth/register", None, Some(&body)).await?;
    if status != 201 {
        return Err(format!("sign-up answered {status}: {reply}"));
    }
    let token = reply["accessToken"].as_str().ok_or("no token")?.to_string();
    let (_, rooms) = http::call(addr, host, "GET", "/api/chat/rooms", Some(&token), None).await?;
    let room = rooms[0]["id"].as_i64().ok_or("no room")?;

    let size = size_mib * 1024 * 1024;
    let mut file = b"%PDF-1.4\n".to_vec();
    file.extend(
        (0..size - file.len()).map(|i| ((i as u64).wrapping_mul(2_654_435_761) >> 13) as u8),
    );

    let rss_before = server_pid.and_then(rss_mib);
    let mut up = Vec::with_capacity(count);
    let mut urls = Vec::with_capacity(count);
    let started = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        let answer = upload(addr, host, &token, room, &file).await?;
        up.push(t.elapsed().as_micros() as u32);
        urls.push(answer["url"].as_str().ok_or("no url")?.to_string());
    }
    let up_secs = started.elapsed().as_secs_f64();
    let rss_after_uploads = server_pid.and_then(rss_mib);
    let mut down = Vec::with_capacity(count);
    let started = Instant::now();
    for url in &urls {
        let t = Instant::now();
        let got = download(addr, host, url).await?;
        if got != size {
            return Err(format!("downloaded {got} bytes of {size}"));
        }
        down.push(t.elapsed().as_micros() as u32);
    }
    let down_secs = started.elapsed().as_secs_f64();
    let total_mib = (size_mib * count) as f64;
    let (up_p50, _, up_p99) = percentiles_ms(&mut up);
    let (down_p50, _, down_p99) = percentiles_ms(&mut down);
    Ok(json!({
        "fileMib": size_mib,
        "files": count,
        "uploadMibPerSec": round3(total_mib / up_secs),
        "uploadMsP50": up_p50,
        "uploadMsP99": up_p99,
        "downloadMibPerSec": round3(total_mib / down_secs),
        "downloadMsP50": down_p50,
        "downloadMsP99": down_p99,
        "serverRssMibBefore": rss_before.map(round3),
        "serverRssMibAfterUploads": rss_after_uploads.map(round3),
        "serverRssMibAfter": server_pid.and_then(rss_mib).map(round3),
        "serverPeakRssMib": server_pid.and_then(peak_rss_mib).map(round3),
    }))
}

/// One multipart upload, the body written in 1 MiB slices; returns the answer's JSON.
async fn upload(
    addr: SocketAddr,
    host: &str,
    token: &str,
    room: i64,
    file: &[u8],
) -> Result<Value, String> {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"manual.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let length = head.len() + file.len() + tail.len();
    let request = format!(
        "POST /api/chat/rooms/{room}/attachments HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n{head}"
    );
    let io = |e: std::io::Error| format!("upload: {e}");
    let mut stream = TcpStream::connect(addr).await.map_err(io)?;
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    for slice in file.chunks(1024 * 1024) {
        stream.write_all(slice).await.map_err(io)?;
    }
    stream.write_all(tail.as_bytes()).await.map_err(io)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.map_err(io)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("upload: truncated answer")?;
    if !head.starts_with("HTTP/1.1 201") {
        return Err(format!(
            "upload answered {}",
            head.lines().next().unwrap_or_default()
        ));
    }
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.split("\r\n").nth(1).unwrap_or_default()
    } else {
        body
    };
    serde_json::from_str(body).map_err(|e| format!("upload: {e}: {body}"))
}

/// Downloads `path`, reading the body as it arrives; returns its length.
async fn download(addr: SocketAddr, host: &str, path: &str) -> Result<usize, String> {
    let io = |e: std::io::Error| format!("download: {e}");
    let mut stream = TcpStream::connect(addr).await.map_err(io)?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    let mut buf = vec![0; 256 * 1024];
    let mut head = Vec::new();
    let mut body = 0;
    loop {
        let n = stream.read(&mut buf).await.map_err(io)?;
        if n == 0 {
            break;
        }
        if body == 0 && !head.ends_with(b"\r\n\r\n") {
            head.extend_from_slice(&buf[..n]);
            if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                if !head.starts_with(b"HTTP/1.1 200") {
                    return Err(format!(
                        "download answered {}",
                        String::from_utf8_lossy(&head[..end.min(40)])
                    ));
                }
                body = head.len() - end - 4;
                head.truncate(end + 4);
            }
        } else {
            body += n;
        }
    }
    Ok(body)
}
