//! A customer's data, for their data-protection rights (contract §11; Vietnam's 2023
//! personal-data decree, the GDPR): an export of everything kept about them, and an erasure
//! that is final. Admins only.
//!
//! Erasure overwrites the personal data in place (names, contact details, every message text
//! of their room, topics, rating comments, files); the writer runs with `secure_delete` on, so
//! the freed bytes are zeroed; it merges the search index so no term survives behind a tombstone; and after the
//! commit it checkpoints and truncates the WAL, whose older frames still held the old pages.
//! Rows, counts and times stay, so the dashboard's history still adds up. Backups taken before
//! the erasure still hold the data: they age out with `--backup-keep`.

use super::access;
use crate::auth::Actor;
use crate::chat::Event;
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::model::privacy::UserExport;
use crate::model::{Role, UserProfile};
use crate::store::{messages, privacy, sessions, users};
use crate::time::{Timestamp, now_ms};

/// Everything kept about user `id`, as one document.
pub(crate) async fn export(db: &Db, actor: Actor<'_>, id: i64) -> Result<UserExport, AppError> {
    access::manage_accounts(actor)?;
    db.read(move |conn| {
        let user = users::by_id(conn, id)?.ok_or_else(|| AppError::not_found("User not found"))?;
        let contact = privacy::contact(conn, id)?;
        let room_id = privacy::room_of(conn, id)?;
        let (sessions, messages) = match room_id {
            Some(room) => (
                sessions::room_views(conn, room, u32::MAX, 0)?,
                messages::page_after(conn, room, 0, u32::MAX - 1)?.0,
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok(UserExport {
            exported_at: Timestamp::from_ms(now_ms()),
            user: user.profile(),
            email: contact.email,
            phone: contact.phone,
            site_id: contact.site_id,
            room_id,
            sessions,
            messages,
        })
    })
    .await
}

/// Erases customer `id`'s personal data for good; the account can never sign in again. An
/// active session in their room ends. Erasing twice changes nothing more.
pub(crate) async fn erase(db: &Db, actor: Actor<'_>, id: i64) -> Result<UserProfile, AppError> {
    access::manage_accounts(actor)?;
    let profile = db
        .write(move |conn| {
            let user =
                users::by_id(conn, id)?.ok_or_else(|| AppError::not_found("User not found"))?;
            if user.role != Role::Customer {
                return Err(AppError::bad_request(
                    "Only customer accounts can be erased; deactivate a staff account instead",
                ));
            }
            if privacy::is_erased(conn, id)? {
                return Ok(Outcome::quiet(user.profile()));
            }
            let room = privacy::room_of(conn, id)?;
            let mut events = vec![Event::UserErased(id)];
            if let Some(room) = room
                && let Some(active) = sessions::active_for_room(conn, room)?
                && let Some((_, ended)) = super::sessions::end_now(conn, active.id, room, None)?
            {
                events.extend(ended);
            }
            // The writer's connection runs with `secure_delete` on (db/connection.rs).
            privacy::erase(conn, id, room, now_ms())?;
            crate::store::mail::forget_user(conn, id, room)?;
            let user = users::by_id(conn, id)?
                .ok_or_else(|| AppError::Internal("erased user vanished".into()))?;
            Ok(Outcome::with(user.profile(), events))
        })
        .await?;
    db.checkpoint_truncate().await?;
    Ok(profile)
}

/// Whether user `id` was erased (the console shows it instead of the erase form).
pub(crate) async fn is_erased(db: &Db, id: i64) -> Result<bool, AppError> {
    db.read(move |conn| privacy::is_erased(conn, id)).await
}

/// Refuses to bring an erased account back.
pub(crate) fn check_not_erased(
    conn: &crate::store::sql::Connection,
    id: i64,
) -> Result<(), AppError> {
    if privacy::is_erased(conn, id)? {
        return Err(AppError::conflict(
            ErrorCode::AccountErased,
            "This account was erased and cannot be used again",
        ));
    }
    Ok(())
}
