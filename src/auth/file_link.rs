//! Signed, expiring links to attachments (contract §9). An `<img src>` sends no header, so the
//! link itself is the credential: it names the file, an expiry, and an HMAC-SHA256 over both
//! made with the file's own random key (kept in its row). Changing any part, or waiting past
//! the expiry, gives 403; erasing the file takes its key with it.
//!
//! Links are made whenever a message is read, with an expiry rounded up to the hour, so the
//! same file has the same link for an hour (browsers cache it) and a link is good for at least
//! [`LIFETIME_SECS`] after the page got it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a link stays good after it is handed out, at least: a day, so a desk left open
/// over lunch still shows its pictures, while a link copied out of a page stops working.
pub(crate) const LIFETIME_SECS: i64 = 24 * 3600;

/// The path (no scheme or host) of file `id`, good until `now` + [`LIFETIME_SECS`] or up to
/// an hour longer.
pub(crate) fn url(id: i64, key: &str, now_secs: i64) -> String {
    let expires = (now_secs + LIFETIME_SECS) / 3600 * 3600 + 3600;
    format!(
        "/api/chat/attachments/{id}?expires={expires}&signature={}",
        signature(id, expires, key)
    )
}

/// Whether `signature` is this file's for `expires`, and `expires` is still ahead.
pub(crate) fn verify(id: i64, key: &str, expires: i64, signature: &str, now_secs: i64) -> bool {
    if expires < now_secs {
        return false;
    }
    let Some(given) = decode_hex(signature) else {
        return false;
    };
    mac(id, expires, key).verify_slice(&given).is_ok()
}

/// A new random key for a file (32 bytes, hex).
pub(crate) fn new_key() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

fn signature(id: i64, expires: i64, key: &str) -> String {
    hex(&mac(id, expires, key).finalize().into_bytes())
}

fn mac(id: i64, expires: i64, key: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{id}.{expires}").as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (i64, String) {
        let query = url.split_once('?').unwrap().1;
        let (e, s) = query.split_once('&').unwrap();
        (
            e.trim_start_matches("expires=").parse().unwrap(),
            s.trim_start_matches("signature=").to_string(),
        )
    }

    #[test]
    fn a_link_is_good_until_it_expires_and_only_as_made() {
        let key = new_key();
        let now = 1_800_000_000;
        let (expires, sig) = parts(&url(7, &key, now));
        assert!(expires >= now + LIFETIME_SECS && expires <= now + LIFETIME_SECS + 3600);
        assert!(verify(7, &key, expires, &sig, now));
        assert!(verify(7, &key, expires, &sig, expires));
        assert!(!verify(7, &key, expires, &sig, expires + 1), "expired");
        assert!(!verify(8, &key, expires, &sig, now), "another file");
        assert!(
            !verify(7, &key, expires + 3600, &sig, now),
            "a later expiry"
        );
        assert!(!verify(7, &new_key(), expires, &sig, now), "another key");
        let mut changed = sig.clone().into_bytes();
        changed[0] = if changed[0] == b'0' { b'1' } else { b'0' };
        assert!(!verify(
            7,
            &key,
            expires,
            std::str::from_utf8(&changed).unwrap(),
            now
        ));
        assert!(!verify(7, &key, expires, "zz", now));
    }

    #[test]
    fn links_are_stable_within_the_hour() {
        let key = new_key();
        assert_eq!(url(1, &key, 3600 * 10), url(1, &key, 3600 * 10 + 3599));
    }
}
