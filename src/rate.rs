//! Rate limits (GCRA, from `governor`), keyed per user or per client address, so one user's
//! flood is refused early and never slows anyone else. Every refusal says when to retry.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;
use crate::error::AppError;

/// What a limit protects, to word the refusal.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Login,
    Message,
    Typing,
    Join,
}

/// The server's limiters.
pub struct Limiters {
    login_by_name: DefaultKeyedRateLimiter<String>,
    login_by_address: DefaultKeyedRateLimiter<String>,
    messages: DefaultKeyedRateLimiter<i64>,
    typing: DefaultKeyedRateLimiter<i64>,
    joins: DefaultKeyedRateLimiter<i64>,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    action: Action,
) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let message = match action {
            Action::Login => "Too many sign-in attempts; try again later",
            Action::Message => "You are sending messages too fast; slow down",
            Action::Typing => "Too many typing updates",
            Action::Join => "Too many join or leave requests; slow down",
        };
        AppError::RateLimited {
            message: message.into(),
            retry_after_secs: retry_after_secs.max(1),
        }
    })
}

impl Limiters {
    pub fn new(rates: &RateLimits) -> Limiters {
        Limiters {
            login_by_name: RateLimiter::keyed(Quota::per_minute(nz(
                rates.login_per_name_per_minute
            ))),
            login_by_address: RateLimiter::keyed(Quota::per_minute(nz(
                rates.login_per_address_per_minute
            ))),
            messages: RateLimiter::keyed(
                Quota::per_second(nz(rates.messages_per_second))
                    .allow_burst(nz(rates.messages_burst)),
            ),
            typing: RateLimiter::keyed(Quota::per_second(nz(rates.typing_per_second))),
            joins: RateLimiter::keyed(
                Quota::per_second(nz(rates.joins_per_second))
                    .allow_burst(nz(rates.joins_per_second.saturating_mul(4))),
            ),
        }
    }

    /// A sign-in or sign-up attempt from `address` for `user_name`.
    pub fn login(&self, address: &str, user_name: &str) -> Result<(), AppError> {
        check(&self.login_by_address, &address.to_string(), Action::Login)?;
        check(
            &self.login_by_name,
            &user_name.to_lowercase(),
            Action::Login,
        )
    }

    /// A socket event of `user_id`.
    pub fn socket_event(&self, user_id: i64, action: Action) -> Result<(), AppError> {
        let limiter = match action {
            Action::Message => &self.messages,
            Action::Typing => &self.typing,
            Action::Join | Action::Login => &self.joins,
        };
        check(limiter, &user_id, action)
    }

    /// Forgets keys that are back to full allowance, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.login_by_name.retain_recent();
        self.login_by_address.retain_recent();
        self.messages.retain_recent();
        self.typing.retain_recent();
        self.joins.retain_recent();
    }
}

/// How often idle keys are forgotten.
pub const FORGET_EVERY: Duration = Duration::from_secs(60);
