//! Password hashing with argon2 (the crate's recommended parameters: 19 MiB, 2 passes).
//! Hashing is deliberately slow and memory-hungry, so it runs off the async threads and at
//! most one hash per core runs at once: a burst of sign-ins queues instead of taking
//! 19 MiB per request.

use std::sync::{LazyLock, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// One permit per core.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores)
});

/// A PHC-format hash of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hash: {e}")))
}

/// Whether `password` matches a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that matches no password, for checking unknown user names against: a wrong name then
/// costs as much as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-never-matches").unwrap_or_default())
}

async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable("The server is shutting down".into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

/// [`hash_password`] off the async threads, at most one per core at a time.
pub(crate) async fn hash(password: String) -> Result<String, AppError> {
    bounded(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async threads; `None` as the hash checks against the decoy
/// (and is always false).
pub(crate) async fn verify(password: String, hash: Option<String>) -> bool {
    bounded(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_password(&password, decoy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}
