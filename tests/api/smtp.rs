//! An SMTP receiver for the e-mail tests, written here: a tokio TCP server on port 0 that speaks
//! just enough SMTP (220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354, `.` 250, QUIT 221) and records
//! each message it accepts. It can refuse every transaction for a while (451), and it can be
//! started on a port chosen earlier, to play a server that was down and comes up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl Mail {
    /// A header's value (unfolded; an RFC 2047 base64 word decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let line = unfolded.lines().find(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.eq_ignore_ascii_case(name))
        })?;
        let value = line.split_once(':')?.1.trim().to_string();
        Some(decode_words(&value))
    }

    /// The decoded body of the part whose content type starts with `mime` (`text/plain`,
    /// `text/html`).
    pub fn part(&self, mime: &str) -> Option<String> {
        let kind = self.header("Content-Type")?;
        let boundary = kind
            .split("boundary=")
            .nth(1)?
            .trim_matches('"')
            .to_string();
        for chunk in self.raw.split(&format!("--{boundary}")) {
            let Some((head, body)) = chunk.split_once("\r\n\r\n") else {
                continue;
            };
            let head_l = head.to_ascii_lowercase();
            if !head_l.contains(&format!("content-type: {mime}")) {
                continue;
            }
            // The part ends where the next boundary starts (already split off).
            let body = body.trim_end_matches("\r\n");
            let text = if head_l.contains("content-transfer-encoding: base64") {
                let joined: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(joined)
                        .ok()?,
                )
                .ok()?
            } else if head_l.contains("content-transfer-encoding: quoted-printable") {
                String::from_utf8(
                    quoted_printable::decode(body, quoted_printable::ParseMode::Robust).ok()?,
                )
                .ok()?
            } else {
                body.to_string()
            };
            return Some(text.replace("\r\n", "\n"));
        }
        None
    }
}

fn decode_words(value: &str) -> String {
    value
        .split(' ')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && w.ends_with("?=") {
                let inner = &w[10..w.len() - 2];
                base64::engine::general_purpose::STANDARD
                    .decode(inner)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| w.to_string())
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace("?= =?", "")
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    /// Transactions refused with 451 so far, and how many more to refuse.
    refused: usize,
    refuse_next: usize,
}

/// A running receiver.
pub struct SmtpReceiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpReceiver {
    /// Listens on a new port.
    pub async fn start() -> SmtpReceiver {
        SmtpReceiver::start_on(0).await
    }

    /// Listens on `port` (0: any).
    pub async fn start_on(port: u16) -> SmtpReceiver {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind smtp");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(conversation(socket, st.clone()));
            }
        });
        SmtpReceiver { port, state }
    }

    /// A port that nothing listens on (bound and released), for a receiver that starts later.
    pub async fn free_port() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    }

    /// The `--smtp-url` of this receiver.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Refuses the next `n` transactions with `451` (a transient failure).
    pub fn refuse_next(&self, n: usize) {
        self.state.lock().unwrap().refuse_next = n;
    }

    pub fn refused(&self) -> usize {
        self.state.lock().unwrap().refused
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.state.lock().unwrap().mails.clone()
    }

    /// Waits until at least `n` mails arrived (or `within` passed); returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        while self.mails().len() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.mails()
    }
}

async fn say(w: &mut tokio::net::tcp::OwnedWriteHalf, s: &str) -> std::io::Result<()> {
    w.write_all(format!("{s}\r\n").as_bytes()).await
}

async fn conversation(socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if say(&mut write, "220 test.local ESMTP ready").await.is_err() {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply = if upper.starts_with("EHLO") {
            "250-test.local\r\n250 8BITMIME".to_string()
        } else if upper.starts_with("HELO") {
            "250 test.local".into()
        } else if upper.starts_with("MAIL FROM:") {
            let refuse = {
                let mut s = state.lock().unwrap();
                if s.refuse_next > 0 {
                    s.refuse_next -= 1;
                    s.refused += 1;
                    true
                } else {
                    false
                }
            };
            if refuse {
                "451 4.3.0 try again later".into()
            } else {
                from = cmd[10..].trim().to_string();
                to.clear();
                "250 OK".into()
            }
        } else if upper.starts_with("RCPT TO:") {
            to.push(cmd[8..].trim().to_string());
            "250 OK".into()
        } else if upper == "DATA" {
            if say(&mut write, "354 end with .").await.is_err() {
                return;
            }
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                raw.push_str(l);
            }
            state.lock().unwrap().mails.push(Mail {
                from: from.clone(),
                to: to.clone(),
                raw,
            });
            "250 2.0.0 queued".into()
        } else if upper == "RSET" || upper == "NOOP" {
            "250 OK".into()
        } else if upper == "QUIT" {
            let _ = say(&mut write, "221 bye").await;
            return;
        } else {
            "502 not implemented".into()
        };
        if say(&mut write, &reply).await.is_err() {
            return;
        }
    }
}
