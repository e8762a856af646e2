//! What the rules count for `/metrics`, whichever door called them: committed events are
//! counted where the writer publishes them (so a rolled-back or unsynced change never counts),
//! refusals by the rule that refuses.

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use super::Event;

#[derive(Debug)]
pub(crate) struct Tally {
    /// Messages committed (an idempotent resend stores and counts nothing).
    pub messages_stored: AtomicU64,
    /// Session claims committed, by a claim or by a staff member's first message.
    pub claims_won: AtomicU64,
    /// Claims refused because someone else held the session.
    pub claims_lost: AtomicU64,
    /// Seconds from a session's opening to its claim, observed as each claim commits.
    pub claim_wait_seconds: Histogram,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            messages_stored: AtomicU64::default(),
            claims_won: AtomicU64::default(),
            claims_lost: AtomicU64::default(),
            // 1 s to about 4.5 h.
            claim_wait_seconds: Histogram::new(exponential_buckets(1.0, 2.0, 15)),
        }
    }
}

/// Milliseconds between two of our timestamps (`2024-01-01T10:00:00.000Z`).
fn millis_between(from: &str, to: &str) -> Option<i64> {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    Some((parse(to)? - parse(from)?).num_milliseconds())
}

impl Tally {
    /// Counts one event the writer has made durable and is about to announce.
    pub(crate) fn published(&self, event: &Event) {
        let counter = match event {
            Event::MessageCreated(_) => &self.messages_stored,
            Event::SessionClaimed(session, _) => {
                if let Some(claimed) = &session.claimed_at
                    && let Some(ms) = millis_between(&session.started_at, claimed)
                {
                    self.claim_wait_seconds.observe(ms.max(0) as f64 / 1000.0);
                }
                &self.claims_won
            }
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a claim lost to another staff member.
    pub(crate) fn claim_lost(&self) {
        self.claims_lost.fetch_add(1, Ordering::Relaxed);
    }
}
