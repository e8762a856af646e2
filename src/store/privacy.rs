//! SQL for a customer's data: everything an export holds, and erasing it for good.

use super::sql::{Connection, OptionalExtension, params};

use crate::error::AppError;

/// The customer's room, if they have one.
pub(crate) fn room_of(conn: &Connection, customer_id: i64) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached("SELECT id FROM rooms WHERE customer_id = ?1")?
        .query_row([customer_id], |r| r.get(0))
        .optional()?)
}

/// The contact details an export adds to the profile.
pub(crate) struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub site_id: Option<String>,
}

pub(crate) fn contact(conn: &Connection, user_id: i64) -> Result<Contact, AppError> {
    Ok(conn
        .prepare_cached("SELECT email, phone, site_id FROM users WHERE id = ?1")?
        .query_row([user_id], |r| {
            Ok(Contact {
                email: r.get(0)?,
                phone: r.get(1)?,
                site_id: r.get(2)?,
            })
        })?)
}

/// Whether the account was erased.
pub(crate) fn is_erased(conn: &Connection, user_id: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT erased_at IS NOT NULL FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Overwrites the customer's personal data in place: names, contact details, the text of every
/// message in their room (both sides: a reply quotes and names them), the topics and rating
/// comments of their sessions, and their files; rows, counts and times stay, so the
/// dashboard's history still adds up. The writer runs with `secure_delete` on, so the freed
/// bytes are zeroed in the file rather than left in free space.
pub(crate) fn erase(
    conn: &Connection,
    user_id: i64,
    room_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE users SET user_name = 'erased-' || id, first_name = '', last_name = '',
           avatar = NULL, email = NULL, phone = NULL, site_id = NULL, password_hash = '',
           is_active = 0, token_version = token_version + 1, erased_at = ?2
         WHERE id = ?1",
    )?
    .execute(params![user_id, now])?;
    conn.prepare_cached("DELETE FROM console_sessions WHERE user_id = ?1")?
        .execute([user_id])?;
    let Some(room) = room_id else {
        return Ok(());
    };
    super::search::forget_room(conn, room)?;
    conn.prepare_cached(
        "UPDATE messages SET content = '', client_message_id = NULL WHERE room_id = ?1",
    )?
    .execute([room])?;
    conn.prepare_cached(
        "DELETE FROM attachment_chunks
         WHERE attachment_id IN (SELECT id FROM attachments WHERE room_id = ?1)",
    )?
    .execute([room])?;
    conn.prepare_cached("DELETE FROM attachments WHERE room_id = ?1")?
        .execute([room])?;
    conn.prepare_cached(
        "UPDATE sessions SET title = '—', rating_comment = NULL WHERE room_id = ?1",
    )?
    .execute([room])?;
    super::search::compact(conn)
}
