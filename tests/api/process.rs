//! Runs the real `frontdesk` executable, for what only a separate process can show: signals,
//! crashes, and the operator's commands.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");

/// A server process and its address.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `frontdesk serve` on `addr` (use `127.0.0.1:0` for any port) and waits for the
    /// line saying where it listens.
    pub fn start(db: &Path, addr: &str) -> ServerProcess {
        Self::start_logging(db, addr, Stdio::null(), "info")
    }

    /// Like `start`, with the log (stderr) going to `log` at level `level`.
    pub fn start_logging(db: &Path, addr: &str, log: Stdio, level: &str) -> ServerProcess {
        Self::start_with(db, addr, log, level, &[])
    }

    /// Like `start_logging`, with more environment variables (`FRONTDESK_...` settings).
    pub fn start_with(
        db: &Path,
        addr: &str,
        log: Stdio,
        level: &str,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", addr, "--db"])
            .arg(db)
            .env("FRONTDESK_MESSAGES_PER_SECOND", "10000")
            .env("RUST_LOG", level)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start frontdesk");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("frontdesk exited before listening")
                .unwrap();
            if let Some(url) = line.strip_prefix("Frontdesk listening on ") {
                break url.trim().to_string();
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ServerProcess { child, base }
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status();
        assert!(status.unwrap().success(), "kill -{signal}");
    }

    /// Waits up to `limit` for the process to exit; its exit status if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
