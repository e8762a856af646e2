//! Sign-in guessing limits that lend nobody a lockout. Only failed sign-ins count, and they
//! count per user name *and* client address:
//! - one address that fails [`SignInRules::per_pair`] times for one name within a minute is
//!   refused (429) for that name until the minute has passed; other addresses are untouched, so
//!   the real user signs in from their own while someone guesses from elsewhere;
//! - an address that keeps failing for a name is slowed: each attempt of its waits
//!   [`STEP`] per failure it made in the last [`WINDOW`], up to [`MAX_DELAY`];
//! - guessing spread over many addresses is slowed for everyone once a name has more than
//!   [`SignInRules::per_name_ceiling`] failures in [`WINDOW`]: every attempt waits, never a
//!   refusal, so the owner can still get in (a few seconds later).
//!   A successful sign-in clears its address's failures for that name.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The span over which failures are remembered for delays and the per-name ceiling.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The delay added per recent failure.
pub(crate) const STEP: Duration = Duration::from_millis(100);
/// The longest an attempt is held back.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(5);
/// The span of the per-address refusal.
const PAIR_WINDOW: Duration = Duration::from_secs(60);

/// The configured numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignInRules {
    /// Failures one address may make for one name per minute before it is refused.
    pub per_pair: u32,
    /// Failures for one name, from all addresses, in [`WINDOW`] before everyone is slowed.
    pub per_name_ceiling: u32,
}

/// Recent failures: when each happened, oldest first.
#[derive(Default)]
struct Failures(Vec<Instant>);

impl Failures {
    fn prune(&mut self, now: Instant) {
        self.0.retain(|t| now.duration_since(*t) < WINDOW);
    }
    fn within(&self, now: Instant, span: Duration) -> usize {
        self.0
            .iter()
            .filter(|t| now.duration_since(**t) < span)
            .count()
    }
}

/// What an attempt must do before the password is checked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead after waiting this long (zero for a clean address).
    Proceed(Duration),
    /// Refused; try again after this many seconds.
    Refuse(u64),
}

/// Failure counts per (name, address) and per name.
pub(crate) struct SignInGuard {
    rules: SignInRules,
    pairs: Mutex<HashMap<(String, String), Failures>>,
    names: Mutex<HashMap<String, Failures>>,
}

fn delay_for(failures: usize) -> Duration {
    STEP.saturating_mul(failures as u32).min(MAX_DELAY)
}

impl SignInGuard {
    pub(crate) fn new(rules: SignInRules) -> SignInGuard {
        SignInGuard {
            rules,
            pairs: Mutex::default(),
            names: Mutex::default(),
        }
    }

    /// Decides an attempt by `address` for `name` (case-insensitive).
    pub(crate) fn check(&self, address: &str, name: &str) -> Verdict {
        let now = Instant::now();
        let key = (name.to_lowercase(), address.to_string());
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = pairs.get_mut(&key) {
            f.prune(now);
        }
        let (recent, last_minute, oldest_in_minute) = match pairs.get(&key) {
            Some(f) => (
                f.0.len(),
                f.within(now, PAIR_WINDOW),
                f.0.iter()
                    .find(|t| now.duration_since(**t) < PAIR_WINDOW)
                    .copied(),
            ),
            None => (0, 0, None),
        };
        drop(pairs);
        if last_minute >= self.rules.per_pair as usize {
            let free_at =
                oldest_in_minute.map_or(PAIR_WINDOW, |t| PAIR_WINDOW - now.duration_since(t));
            return Verdict::Refuse(free_at.as_secs().max(1));
        }
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        let everyone = names.get_mut(&key.0).map_or(0, |f| {
            f.prune(now);
            f.0.len()
        });
        let ceiling = self.rules.per_name_ceiling as usize;
        let shared = everyone.saturating_sub(ceiling);
        Verdict::Proceed(delay_for(recent.max(shared)))
    }

    /// Records a failed attempt (wrong name or password).
    pub(crate) fn failed(&self, address: &str, name: &str) {
        let now = Instant::now();
        let name = name.to_lowercase();
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        pairs
            .entry((name.clone(), address.to_string()))
            .or_default()
            .0
            .push(now);
        drop(pairs);
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        let all = names.entry(name).or_default();
        all.prune(now);
        all.0.push(now);
        // Past this many the delay is at its cap anyway: keep memory bounded under a flood.
        let keep = self.rules.per_name_ceiling as usize
            + (MAX_DELAY.as_millis() / STEP.as_millis()) as usize;
        if all.0.len() > keep {
            let extra = all.0.len() - keep;
            all.0.drain(..extra);
        }
    }

    /// Records a success: this address's failures for the name are forgiven.
    pub(crate) fn succeeded(&self, address: &str, name: &str) {
        let key = (name.to_lowercase(), address.to_string());
        self.pairs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }

    /// Forgets failures older than the window, so memory stays bounded.
    pub(crate) fn forget_idle(&self) {
        let now = Instant::now();
        self.pairs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, f| {
                f.prune(now);
                !f.0.is_empty()
            });
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, f| {
                f.prune(now);
                !f.0.is_empty()
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> SignInGuard {
        SignInGuard::new(SignInRules {
            per_pair: 3,
            per_name_ceiling: 5,
        })
    }

    #[test]
    fn one_address_is_refused_and_another_is_not() {
        let g = guard();
        for _ in 0..3 {
            assert!(matches!(g.check("a", "mai"), Verdict::Proceed(_)));
            g.failed("a", "mai");
        }
        assert!(matches!(g.check("a", "MAI"), Verdict::Refuse(s) if s >= 1));
        assert_eq!(g.check("b", "mai"), Verdict::Proceed(Duration::ZERO));
        assert_eq!(g.check("a", "lan"), Verdict::Proceed(Duration::ZERO));
    }

    #[test]
    fn repeated_failures_slow_their_own_address() {
        let g = guard();
        g.failed("a", "mai");
        g.failed("a", "mai");
        assert_eq!(g.check("a", "mai"), Verdict::Proceed(STEP * 2));
        g.succeeded("a", "mai");
        assert_eq!(g.check("a", "mai"), Verdict::Proceed(Duration::ZERO));
    }

    #[test]
    fn spread_guessing_slows_everyone_but_never_refuses() {
        let g = guard();
        for i in 0..8 {
            g.failed(&format!("10.0.0.{i}"), "mai");
        }
        assert_eq!(g.check("fresh", "mai"), Verdict::Proceed(STEP * 3));
        for i in 0..1000 {
            g.failed(&format!("x{i}"), "mai");
        }
        assert_eq!(g.check("fresh", "mai"), Verdict::Proceed(MAX_DELAY));
    }
}
