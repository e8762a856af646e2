//! What a load run is asked to do: the command line's options, parsed and checked once.

use std::time::Duration;

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
