//! Rate limits (GCRA, from `governor`), keyed per user or per client address, so one user's
//! flood is refused early and never slows anyone else. Every refusal says when to retry.
//! Sign-in guessing has its own rules (sign_in.rs): failures per name and address.

mod sign_in;

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;
use crate::error::AppError;
use sign_in::{SignInGuard, SignInRules, Verdict};

/// What a limit protects, to word the refusal.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Action {
    Login,
    Message,
    Typing,
    /// Joining or leaving a room.
    Join,
    /// The other requests of a connection (read markers, stepping away from a session); they
    /// share the joins' allowance.
    Control,
}

/// The server's limiters.
pub(crate) struct Limiters {
    sign_in: SignInGuard,
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
            Action::Control => "Too many requests on this connection; slow down",
        };
        AppError::RateLimited {
            message: message.into(),
            retry_after_secs: retry_after_secs.max(1),
        }
    })
}

impl Limiters {
    pub(crate) fn new(rates: &RateLimits) -> Limiters {
        Limiters {
            sign_in: SignInGuard::new(SignInRules {
                per_pair: rates.login_per_name_per_minute.max(1),
                per_name_ceiling: rates.login_per_name_ceiling.max(1),
            }),
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

    /// A sign-up (or other account-creating) attempt from `address`.
    pub(crate) fn sign_up(&self, address: &str) -> Result<(), AppError> {
        check(&self.login_by_address, &address.to_string(), Action::Login)
    }

    /// Runs a sign-in `attempt` by `address` for `user_name` under the guessing rules of
    /// sign_in.rs: refused (429) or held back first as they say, and its outcome recorded: a
    /// 401 counts as a failure, a success forgives this address's failures for the name.
    pub(crate) async fn sign_in<T>(
        &self,
        address: &str,
        user_name: &str,
        attempt: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        self.sign_up(address)?;
        match self.sign_in.check(address, user_name) {
            Verdict::Refuse(retry_after_secs) => {
                return Err(AppError::RateLimited {
                    message: "Too many failed sign-ins from here; try again later".into(),
                    retry_after_secs,
                });
            }
            Verdict::Proceed(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
            Verdict::Proceed(_) => {}
        }
        let outcome = attempt.await;
        match &outcome {
            Ok(_) => self.sign_in.succeeded(address, user_name),
            Err(AppError::Unauthorized(_)) => self.sign_in.failed(address, user_name),
            Err(_) => {}
        }
        outcome
    }

    /// A socket event of `user_id`.
    pub(crate) fn socket_event(&self, user_id: i64, action: Action) -> Result<(), AppError> {
        let limiter = match action {
            Action::Message => &self.messages,
            Action::Typing => &self.typing,
            Action::Join | Action::Control | Action::Login => &self.joins,
        };
        check(limiter, &user_id, action)
    }

    /// Forgets keys that are back to full allowance, so memory stays bounded.
    pub(crate) fn forget_idle(&self) {
        self.sign_in.forget_idle();
        self.login_by_address.retain_recent();
        self.messages.retain_recent();
        self.typing.retain_recent();
        self.joins.retain_recent();
    }
}

/// How often idle keys are forgotten.
pub(crate) const FORGET_EVERY: Duration = Duration::from_secs(60);
