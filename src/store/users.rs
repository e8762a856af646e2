//! SQL for users.

use super::sql::{Connection, OptionalExtension, Row, params};

use crate::error::{AppError, ErrorCode};
use crate::model::{Role, UserProfile, UserSummary};
use crate::time::Timestamp;

/// A stored user, secrets included; never sent to a client as it is.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub id: i64,
    pub user_name: String,
    pub password_hash: String,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub avatar: Option<String>,
    pub is_active: bool,
    pub token_version: i64,
    pub created_at: i64,
}

impl UserRow {
    pub(crate) fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            user_name: self.user_name.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            avatar: self.avatar.clone(),
        }
    }

    pub(crate) fn profile(&self) -> UserProfile {
        UserProfile {
            id: self.id,
            user_name: self.user_name.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            avatar: self.avatar.clone(),
            role: self.role,
            is_active: self.is_active,
            created_at: Timestamp::from_ms(self.created_at),
        }
    }

    /// How staff and customers see this person named.
    pub(crate) fn display_name(&self) -> String {
        crate::model::display_name(&self.first_name, &self.last_name, &self.user_name)
    }
}

const COLUMNS: &str = "id, user_name, password_hash, role, first_name, last_name, avatar, \
                       is_active, token_version, created_at";

fn from_row(r: &Row<'_>) -> super::sql::Result<UserRow> {
    let role: String = r.get(3)?;
    Ok(UserRow {
        id: r.get(0)?,
        user_name: r.get(1)?,
        password_hash: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Customer),
        first_name: r.get(4)?,
        last_name: r.get(5)?,
        avatar: r.get(6)?,
        is_active: r.get(7)?,
        token_version: r.get(8)?,
        created_at: r.get(9)?,
    })
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

pub(crate) fn by_name(conn: &Connection, user_name: &str) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE user_name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([user_name], from_row)
        .optional()?)
}

/// The customer the shop's own site knows as `site_id`, if they came before.
pub(crate) fn by_site_id(conn: &Connection, site_id: &str) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE site_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([site_id], from_row)
        .optional()?)
}

/// Ties a new customer to the shop's id for them.
pub(crate) fn set_site_id(conn: &Connection, id: i64, site_id: &str) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE users SET site_id = ?2 WHERE id = ?1")?
        .execute(params![id, site_id])?;
    Ok(())
}

/// What the shop's site says of its customer now: their name and e-mail, when given.
pub(crate) fn refresh_from_site(
    conn: &Connection,
    id: i64,
    first_name: Option<&str>,
    email: Option<&str>,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE users SET first_name = coalesce(?2, first_name), email = coalesce(?3, email)
         WHERE id = ?1",
    )?
    .execute(params![id, first_name, email])?;
    Ok(())
}

/// The fields of a user about to be created.
pub(crate) struct NewUser<'a> {
    pub user_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// A guest's contact details from the pre-chat form.
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// Inserts a user; a taken name (case-insensitive) is a 409.
pub(crate) fn insert(conn: &Connection, user: &NewUser<'_>, now: i64) -> Result<i64, AppError> {
    let result = conn
        .prepare_cached(
            "INSERT INTO users
               (user_name, password_hash, role, first_name, last_name, created_at, email, phone)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            user.user_name,
            user.password_hash,
            user.role.as_str(),
            user.first_name,
            user.last_name,
            now,
            user.email,
            user.phone
        ]);
    match result {
        Ok(_) => Ok(conn.last_insert_rowid()?),
        Err(e) if e.is_unique_violation() => Err(AppError::conflict(
            ErrorCode::UserNameTaken,
            "userName is already taken",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A page of users, newest first, optionally filtered by a name fragment and a role.
pub(crate) fn list(
    conn: &Connection,
    search: Option<&str>,
    role: Option<Role>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<UserRow>, i64), AppError> {
    let pattern = search.map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let role = role.map(|r| r.as_str());
    let filter = "(CAST(?1 AS TEXT) IS NULL OR user_name LIKE ?1 ESCAPE '\\' OR first_name LIKE ?1 ESCAPE '\\'
                   OR last_name LIKE ?1 ESCAPE '\\') AND (CAST(?2 AS TEXT) IS NULL OR role = ?2)";
    let sql =
        format!("SELECT {COLUMNS} FROM users WHERE {filter} ORDER BY id DESC LIMIT ?3 OFFSET ?4");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![pattern, role, limit, offset], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let total = conn
        .prepare_cached(&format!("SELECT count(*) FROM users WHERE {filter}"))?
        .query_row(params![pattern, role], |r| r.get(0))?;
    Ok((rows, total))
}

/// Changes names, avatar and role; `None` leaves a field as it is.
pub(crate) fn update_profile(
    conn: &Connection,
    id: i64,
    first_name: Option<&str>,
    last_name: Option<&str>,
    avatar: Option<Option<&str>>,
    role: Option<Role>,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE users SET first_name = coalesce(?2, first_name), last_name = coalesce(?3, last_name),
                role = coalesce(?4, role),
                avatar = CASE WHEN ?5 THEN ?6 ELSE avatar END,
                token_version = token_version + CASE WHEN ?4 IS NOT NULL AND ?4 <> role THEN 1 ELSE 0 END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        first_name,
        last_name,
        role.map(|r| r.as_str()),
        avatar.is_some(),
        avatar.flatten()
    ])?;
    Ok(())
}

/// Sets a new password and ends every token issued before it.
pub(crate) fn set_password(
    conn: &Connection,
    id: i64,
    password_hash: &str,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE users SET password_hash = ?2, token_version = token_version + 1 WHERE id = ?1",
    )?
    .execute(params![id, password_hash])?;
    Ok(())
}

/// Activates or deactivates; deactivating also ends every token.
pub(crate) fn set_active(conn: &Connection, id: i64, active: bool) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE users SET is_active = ?2, token_version = token_version + CASE WHEN CAST(?2 AS BIGINT) = 0 THEN 1 ELSE 0 END WHERE id = ?1",
    )?
    .execute(params![id, active])?;
    Ok(())
}

pub(crate) fn count_active_with_role(conn: &Connection, role: Role) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM users WHERE role = ?1 AND is_active = 1")?
        .query_row([role.as_str()], |r| r.get(0))?)
}

/// Holds staff member `id`'s row until the transaction ends, so that what is counted for them
/// next (chats held, for the cap) cannot change under the assignment that rests on it. On
/// PostgreSQL nodes assign at once and this orders them per staff member; on SQLite the one
/// writer already runs one rule at a time, so there is nothing to lock.
pub(crate) fn lock_for_assignment(conn: &Connection, id: i64) -> Result<(), AppError> {
    if conn.is_postgres() {
        // NO KEY UPDATE: two assignments to one person wait for each other, but a message
        // they send meanwhile (whose foreign key takes a KEY SHARE lock on their row) does not.
        conn.prepare_cached("SELECT id FROM users WHERE id = ?1 FOR NO KEY UPDATE")?
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()?;
    }
    Ok(())
}
