//! The one JSON line a load run prints: what was sent, what arrived, how fast, at what cost.

use serde::Serialize;

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
