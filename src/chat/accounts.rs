//! Accounts: sign-up, sign-in, and what admins (and the `user` command) do to users. A customer
//! gets their room in the same transaction that creates them.

use super::{Event, access, validate};
use crate::auth::{Actor, Caller, Tokens, password};
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::model::shop::FieldRule;
use crate::model::{Role, UserProfile};
use crate::store::{console_sessions, rooms, users};
use crate::time::now_ms;

/// What creating an account needs; checked by [`create`].
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub user_name: String,
    pub password: String,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
}

/// A signed-in user: the token to present and who it is.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub access_token: String,
    pub user: UserProfile,
}

/// Creates a user, if the actor may create one of that role (see [`access::create_account`]);
/// a customer gets their room in the same transaction.
pub async fn create(
    db: &Db,
    actor: Actor<'_>,
    account: NewAccount,
) -> Result<UserProfile, AppError> {
    access::create_account(actor, account.role)?;
    validate::user_name(&account.user_name)?;
    validate::password(&account.password)?;
    let first = validate::person_name("firstName", &account.first_name)?.to_string();
    let last = validate::person_name("lastName", &account.last_name)?.to_string();
    let password_hash = password::hash(account.password.clone()).await?;
    db.write(move |conn| {
        let now = now_ms();
        let new = users::NewUser {
            user_name: &account.user_name,
            password_hash: &password_hash,
            role: account.role,
            first_name: &first,
            last_name: &last,
            email: None,
            phone: None,
        };
        insert_with_room(conn, &new, now).map(Outcome::quiet)
    })
    .await
}

/// Inserts a user, and a customer's room in the same transaction.
pub(super) fn insert_with_room(
    conn: &crate::store::sql::Connection,
    new: &users::NewUser<'_>,
    now: i64,
) -> Result<UserProfile, AppError> {
    let id = users::insert(conn, new, now)?;
    if new.role == Role::Customer {
        rooms::insert_for_customer(conn, id, now)?;
    }
    let user = users::by_id(conn, id)?.ok_or_else(|| AppError::Internal("lost user".into()))?;
    Ok(user.profile())
}

/// The id of the user named `user_name`, for the operator's `user` commands (404 if none).
pub(crate) async fn id_of(db: &Db, user_name: &str) -> Result<i64, AppError> {
    let name = user_name.to_string();
    db.read(move |conn| users::by_name(conn, &name))
        .await?
        .map(|u| u.id)
        .ok_or_else(|| AppError::not_found(format!("No user named {user_name}")))
}

/// What a visitor gives to chat as a guest (contract §8).
#[derive(Debug, Clone)]
pub(crate) struct GuestForm {
    pub(crate) first_name: String,
    pub(crate) last_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
}

/// A field of the pre-chat form as the shop's settings ask for it: required and missing is a
/// 400; hidden drops what was sent; otherwise it is checked.
fn prechat_field(
    field: &str,
    rule: FieldRule,
    value: Option<String>,
    check: fn(&str) -> Result<&str, AppError>,
) -> Result<Option<String>, AppError> {
    let value = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    match (rule, value) {
        (FieldRule::Hidden, _) => Ok(None),
        (FieldRule::Required, None) => Err(AppError::bad_request(format!(
            "{field} is required by this shop"
        ))),
        (_, None) => Ok(None),
        (_, Some(v)) => check(&v).map(|v| Some(v.to_string())),
    }
}

/// Guest chat (`POST /api/auth/guest`): a customer with a generated user name and no password,
/// their room, and a token that lasts as long as a guest may come back on the same device.
pub(crate) async fn guest(db: &Db, tokens: &Tokens, form: GuestForm) -> Result<SignedIn, AppError> {
    let first = validate::person_name("firstName", &form.first_name)?.to_string();
    if first.is_empty() {
        return Err(AppError::bad_request(
            "firstName must be 1 to 50 characters",
        ));
    }
    let last = match &form.last_name {
        Some(l) => validate::person_name("lastName", l)?.to_string(),
        None => String::new(),
    };
    let user = db
        .write(move |conn| {
            let prechat = super::settings::load(conn)?.prechat;
            let email = prechat_field("email", prechat.email, form.email, validate::email)?;
            let phone = prechat_field("phone", prechat.phone, form.phone, validate::phone)?;
            let mut bytes = [0u8; 6];
            rand::fill(&mut bytes);
            let tag: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let user_name = format!("guest-{tag}");
            let new = users::NewUser {
                user_name: &user_name,
                password_hash: "",
                role: Role::Customer,
                first_name: &first,
                last_name: &last,
                email: email.as_deref(),
                phone: phone.as_deref(),
            };
            insert_with_room(conn, &new, now_ms()).map(Outcome::quiet)
        })
        .await?;
    let access_token = tokens.issue_for_guest(user.id, user.role)?;
    Ok(SignedIn { access_token, user })
}

/// Customer self-sign-up: the account, its room, and a token.
pub(crate) async fn register(
    db: &Db,
    tokens: &Tokens,
    user_name: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<SignedIn, AppError> {
    let account = NewAccount {
        user_name,
        password,
        role: Role::Customer,
        first_name,
        last_name,
    };
    let user = create(db, Actor::Visitor, account).await?;
    let access_token = tokens.issue(user.id, user.role, 0)?;
    Ok(SignedIn { access_token, user })
}

/// The refusal for a wrong user name or password (the same for both).
pub(crate) const WRONG_CREDENTIALS: &str = "Invalid username or password";
/// Sign-in. An unknown name and a wrong password get the same answer, after the same work.
pub(crate) async fn login(
    db: &Db,
    tokens: &Tokens,
    user_name: String,
    password: String,
) -> Result<SignedIn, AppError> {
    let wrong = || AppError::unauthorized(WRONG_CREDENTIALS);
    let found = db
        .read(move |conn| users::by_name(conn, &user_name))
        .await?;
    let Some(user) = found else {
        password::verify(password, None).await;
        return Err(wrong());
    };
    if !password::verify(password, Some(user.password_hash.clone())).await {
        return Err(wrong());
    }
    if !user.is_active {
        return Err(AppError::AccountDeactivated);
    }
    let access_token = tokens.issue(user.id, user.role, user.token_version)?;
    Ok(SignedIn {
        access_token,
        user: user.profile(),
    })
}

/// The caller's own profile.
pub(crate) async fn me(db: &Db, caller: &Caller) -> Result<UserProfile, AppError> {
    get_profile(db, caller.id).await
}

async fn get_profile(db: &Db, id: i64) -> Result<UserProfile, AppError> {
    db.read(move |conn| users::by_id(conn, id))
        .await?
        .map(|u| u.profile())
        .ok_or_else(|| AppError::not_found("User not found"))
}

/// One user, for an admin.
pub(crate) async fn get(db: &Db, caller: &Caller, id: i64) -> Result<UserProfile, AppError> {
    access::manage_users(caller)?;
    get_profile(db, id).await
}

/// A page of users for an admin, with the total that match.
pub(crate) async fn list(
    db: &Db,
    caller: &Caller,
    search: Option<String>,
    role: Option<Role>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<UserProfile>, i64), AppError> {
    access::manage_users(caller)?;
    let search = search
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let (rows, total) = db
        .read(move |conn| users::list(conn, search.as_deref(), role, limit, offset))
        .await?;
    Ok((rows.iter().map(users::UserRow::profile).collect(), total))
}

/// What an admin may change about a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `Some(None)` clears the avatar.
    pub avatar: Option<Option<String>>,
    pub role: Option<Role>,
    pub password: Option<String>,
}

/// Changes a user. Roles move between staff and admin only: a customer owns a room, and a staff
/// account has none, so those are separate accounts. A new password ends the user's sessions.
pub(crate) async fn update(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    changes: UserChanges,
) -> Result<UserProfile, AppError> {
    let acting = access::manage_accounts(actor)?;
    let first = changes
        .first_name
        .as_deref()
        .map(|s| validate::person_name("firstName", s));
    let first = first.transpose()?.map(str::to_string);
    let last = changes
        .last_name
        .as_deref()
        .map(|s| validate::person_name("lastName", s));
    let last = last.transpose()?.map(str::to_string);
    let avatar = match &changes.avatar {
        Some(Some(a)) => Some(Some(validate::avatar(a)?.to_string())),
        Some(None) => Some(None),
        None => None,
    };
    let password_hash = match &changes.password {
        Some(p) => Some(password::hash(validate::password(p)?.to_string()).await?),
        None => None,
    };
    let role = changes.role;
    db.write(move |conn| {
        let user = users::by_id(conn, id)?.ok_or_else(|| AppError::not_found("User not found"))?;
        if let Some(role) = role
            && role != user.role
        {
            if role == Role::Customer || user.role == Role::Customer {
                return Err(AppError::bad_request(
                    "A customer cannot become staff or admin (or back); create a separate account",
                ));
            }
            if Some(user.id) == acting {
                return Err(AppError::conflict(
                    ErrorCode::OwnAccountChange,
                    "You cannot change your own role",
                ));
            }
        }
        let avatar_ref = avatar.as_ref().map(|a| a.as_deref());
        users::update_profile(
            conn,
            id,
            first.as_deref(),
            last.as_deref(),
            avatar_ref,
            role,
        )?;
        let mut events = Vec::new();
        if let Some(h) = &password_hash {
            users::set_password(conn, id, h)?;
        }
        // A new password or role ends the user's tokens (see users::update_profile), so their
        // live sockets close too and reconnect with what they now are.
        // Their console sessions end in the same transaction.
        if password_hash.is_some() || role.is_some_and(|r| r != user.role) {
            console_sessions::delete_for_user(conn, id)?;
            events.push(Event::UserRevoked(id));
        }
        let user = users::by_id(conn, id)?.ok_or_else(|| AppError::not_found("User not found"))?;
        Ok(Outcome::with(user.profile(), events))
    })
    .await
}

/// Activates or deactivates a user; a deactivated user's tokens, sockets and console sessions
/// end at once.
pub(crate) async fn set_active(
    db: &Db,
    actor: Actor<'_>,
    id: i64,
    active: bool,
) -> Result<UserProfile, AppError> {
    let acting = access::manage_accounts(actor)?;
    if !active && Some(id) == acting {
        return Err(AppError::conflict(
            ErrorCode::OwnAccountChange,
            "You cannot deactivate your own account",
        ));
    }
    db.write(move |conn| {
        let user = users::by_id(conn, id)?.ok_or_else(|| AppError::not_found("User not found"))?;
        if active {
            super::privacy::check_not_erased(conn, id)?;
        }
        if user.is_active == active {
            return Ok(Outcome::quiet(user.profile()));
        }
        users::set_active(conn, id, active)?;
        if !active {
            console_sessions::delete_for_user(conn, id)?;
        }
        let user = users::by_id(conn, id)?.ok_or_else(|| AppError::not_found("User not found"))?;
        let events = if active {
            Vec::new()
        } else {
            vec![Event::UserRevoked(id)]
        };
        Ok(Outcome::with(user.profile(), events))
    })
    .await
}
