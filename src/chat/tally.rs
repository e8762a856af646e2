//! What the rules count for `/metrics`, whichever door called them: committed events are
//! counted where the writer publishes them (so a rolled-back or unsynced change never counts),
//! refusals by the rule that refuses.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Event;

#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Messages committed (an idempotent resend stores and counts nothing).
    pub messages_stored: AtomicU64,
    /// Session claims committed, by a claim or by a staff member's first message.
    pub claims_won: AtomicU64,
    /// Claims refused because someone else held the session.
    pub claims_lost: AtomicU64,
}

impl Tally {
    /// Counts one event the writer has made durable and is about to announce.
    pub(crate) fn published(&self, event: &Event) {
        let counter = match event {
            Event::MessageCreated(_) => &self.messages_stored,
            Event::SessionClaimed(..) => &self.claims_won,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a claim lost to another staff member.
    pub(crate) fn claim_lost(&self) {
        self.claims_lost.fetch_add(1, Ordering::Relaxed);
    }
}
