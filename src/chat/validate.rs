//! Input checks shared by every door, each with a message a person can act on.

use crate::error::AppError;

/// `userName`: 3 to 50 of letters, digits, `_`, `.` and `-`.
pub(crate) fn user_name(s: &str) -> Result<&str, AppError> {
    let ok = (3..=50).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(s)
    } else {
        Err(AppError::bad_request(
            "userName must be 3 to 50 characters of letters, digits, '_', '.' or '-'",
        ))
    }
}

/// Passwords: at least 8 characters; at most 128 so hashing cost stays bounded.
pub(crate) fn password(s: &str) -> Result<&str, AppError> {
    let n = s.chars().count();
    if (8..=128).contains(&n) {
        Ok(s)
    } else {
        Err(AppError::bad_request(
            "password must be 8 to 128 characters",
        ))
    }
}

/// First and last names: trimmed, at most 50 characters, no control characters.
pub(crate) fn person_name<'a>(field: &str, s: &'a str) -> Result<&'a str, AppError> {
    let t = s.trim();
    if t.chars().count() <= 50 && !t.chars().any(char::is_control) {
        Ok(t)
    } else {
        Err(AppError::bad_request(format!(
            "{field} must be at most 50 characters"
        )))
    }
}

/// An e-mail address as a person types it: one `@` with text on both sides and a dot in the
/// domain, at most 254 characters. (Deliverability is the shop's mail server's business.)
pub(crate) fn email(s: &str) -> Result<&str, AppError> {
    let ok = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if ok {
        Ok(s)
    } else {
        Err(AppError::bad_request("email must be an e-mail address"))
    }
}

/// A phone number as a person types it: 6 to 20 digits, with spaces, `+`, `-`, `.` or
/// parentheses between.
pub(crate) fn phone(s: &str) -> Result<&str, AppError> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let ok = (6..=20).contains(&digits)
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    if ok {
        Ok(s)
    } else {
        Err(AppError::bad_request(
            "phone must be a phone number of 6 to 20 digits",
        ))
    }
}

/// Avatars are links: at most 500 characters, http(s) only.
pub(crate) fn avatar(s: &str) -> Result<&str, AppError> {
    let t = s.trim();
    if t.len() <= 500 && (t.starts_with("https://") || t.starts_with("http://")) {
        Ok(t)
    } else {
        Err(AppError::bad_request(
            "avatar must be an http(s) link of at most 500 characters",
        ))
    }
}

/// Text trimmed, then between 1 and `max` characters.
fn bounded_text<'a>(field: &str, s: &'a str, max: usize) -> Result<&'a str, AppError> {
    let t = s.trim();
    let n = t.chars().count();
    if n >= 1 && n <= max {
        Ok(t)
    } else {
        Err(AppError::bad_request(format!(
            "{field} must be 1 to {max} characters"
        )))
    }
}

/// A session topic.
pub(crate) fn title(s: &str) -> Result<&str, AppError> {
    bounded_text("title", s, 200)
}

/// A message.
pub(crate) fn content(s: &str) -> Result<&str, AppError> {
    bounded_text("content", s, 5000)
}

/// The text of a message that carries files: trimmed, at most 5000 characters, may be empty.
pub(crate) fn optional_content(s: &str) -> Result<&str, AppError> {
    let t = s.trim();
    if t.chars().count() <= 5000 {
        Ok(t)
    } else {
        Err(AppError::bad_request(
            "content must be at most 5000 characters",
        ))
    }
}

/// A transfer's note for the receiving colleague: trimmed, at most 1000 characters; empty is
/// no note.
pub(crate) fn transfer_note(note: Option<String>) -> Result<Option<String>, AppError> {
    match note.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() <= 1000 => Ok(Some(t.to_string())),
        Some(_) => Err(AppError::bad_request(
            "note must be at most 1000 characters",
        )),
    }
}

/// A client's idempotency key.
pub(crate) fn client_message_id(s: &str) -> Result<&str, AppError> {
    let n = s.chars().count();
    if (1..=64).contains(&n) {
        Ok(s)
    } else {
        Err(AppError::bad_request(
            "clientMessageId must be 1 to 64 characters",
        ))
    }
}

/// Ids in paths and payloads are positive integers.
pub(crate) fn id(field: &str, value: i64) -> Result<i64, AppError> {
    if value > 0 {
        Ok(value)
    } else {
        Err(AppError::bad_request(format!(
            "{field} must be a positive integer"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        assert!(user_name("ab").is_err());
        assert!(user_name("a b c").is_err());
        assert!(user_name("nguyen.van_a-1").is_ok());
        assert!(user_name(&"x".repeat(51)).is_err());
    }

    #[test]
    fn content_is_trimmed_and_bounded() {
        assert_eq!(content("  hi  ").unwrap(), "hi");
        assert!(content("   ").is_err());
        assert!(content(&"é".repeat(5000)).is_ok());
        assert!(content(&"é".repeat(5001)).is_err());
    }
}
