//! `/api/admin/users`: user management for admins.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{ApiResult, Change, ChangeWithBody, Create, Read, StaffList};
use super::security::BearerAuth;
use crate::app::App;
use crate::auth::Actor;
use crate::chat::accounts::{self, NewAccount, UserChanges};
use crate::chat::privacy;
use crate::model::privacy::UserExport;
use crate::model::text::Text;
use crate::model::{Role, UserProfile};

pub(crate) struct UsersApi {
    pub app: Arc<App>,
}

/// A page of users.
#[derive(Debug, Object)]
pub(crate) struct UserPage {
    pub users: Vec<UserProfile>,
    /// How many users match, across all pages.
    pub total: i64,
}

/// A user an admin creates; a customer gets a room.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct CreateUserBody {
    pub user_name: Text,
    pub password: Text,
    pub role: Role,
    #[oai(default)]
    pub first_name: Text,
    #[oai(default)]
    pub last_name: Text,
}

/// Fields to change; absent fields stay as they are. `avatar: null` clears it.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct UpdateUserBody {
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub avatar: MaybeUndefined<Text>,
    /// Between STAFF and ADMIN only.
    pub role: Option<Role>,
    /// A new password; the user's existing tokens and sockets end.
    pub password: Option<Text>,
}

#[derive(ApiResponse)]
pub(crate) enum UserCreated {
    /// The account exists (a customer's with its room); `Location` is the new user.
    #[oai(status = 201)]
    Created(Json<UserProfile>, #[oai(header = "Location")] String),
}

#[OpenApi(prefix_path = "/admin/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// Users, newest first; `search` matches user name, first or last name.
    #[oai(path = "/", method = "get", operation_id = "listUsers")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only users whose user name, first or last name contains this text.
        search: Query<Option<String>>,
        /// Only users with this role.
        role: Query<Option<Role>>,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many to skip from the start of the list (default 0).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<UserPage>, StaffList> {
        let limit = self.app.config.page_limit(limit.0);
        let offset = offset.0.unwrap_or(0);
        let (users, total) =
            accounts::list(&self.app.db, &auth.0, search.0, role.0, limit, offset).await?;
        Ok(Json(UserPage { users, total }))
    }

    /// Creates a user of any role.
    #[oai(path = "/", method = "post", operation_id = "createUser")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: Json<CreateUserBody>,
    ) -> ApiResult<UserCreated, Create> {
        let b = body.0;
        let account = NewAccount {
            user_name: b.user_name.into_string(),
            password: b.password.into_string(),
            role: b.role,
            first_name: b.first_name.into_string(),
            last_name: b.last_name.into_string(),
        };
        let user = accounts::create(&self.app.db, Actor::User(&auth.0), account).await?;
        let location = format!("/api/admin/users/{}", user.id);
        Ok(UserCreated::Created(Json(user), location))
    }

    /// One user.
    #[oai(path = "/:id", method = "get", operation_id = "getUser")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// The user id.
        id: Path<i64>,
    ) -> ApiResult<Json<UserProfile>, Read> {
        Ok(Json(accounts::get(&self.app.db, &auth.0, id.0).await?))
    }

    /// Changes names, avatar, role (staff/admin) or password.
    #[oai(path = "/:id", method = "patch", operation_id = "updateUser")]
    async fn update(
        &self,
        auth: BearerAuth,
        /// The user id.
        id: Path<i64>,
        body: Json<UpdateUserBody>,
    ) -> ApiResult<Json<UserProfile>, ChangeWithBody> {
        let b = body.0;
        let avatar = match b.avatar {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v.into_string())),
        };
        let changes = UserChanges {
            first_name: b.first_name.map(Text::into_string),
            last_name: b.last_name.map(Text::into_string),
            avatar,
            role: b.role,
            password: b.password.map(Text::into_string),
        };
        Ok(Json(
            accounts::update(&self.app.db, Actor::User(&auth.0), id.0, changes).await?,
        ))
    }

    /// Deactivates: the user can no longer sign in, and their tokens and sockets end at once.
    #[oai(
        path = "/:id/deactivate",
        method = "post",
        operation_id = "deactivateUser"
    )]
    async fn deactivate(
        &self,
        auth: BearerAuth,
        /// The user id.
        id: Path<i64>,
    ) -> ApiResult<Json<UserProfile>, Change> {
        Ok(Json(
            accounts::set_active(&self.app.db, Actor::User(&auth.0), id.0, false).await?,
        ))
    }

    /// Reactivates a deactivated user.
    #[oai(path = "/:id/activate", method = "post", operation_id = "activateUser")]
    async fn activate(
        &self,
        auth: BearerAuth,
        /// The user id.
        id: Path<i64>,
    ) -> ApiResult<Json<UserProfile>, Change> {
        Ok(Json(
            accounts::set_active(&self.app.db, Actor::User(&auth.0), id.0, true).await?,
        ))
    }

    /// Everything kept about a user (profile, contact details, room, sessions, messages and
    /// their files' details) as one JSON document, for a data-protection request.
    #[oai(path = "/:id/export", method = "get", operation_id = "exportUser")]
    async fn export(
        &self,
        auth: BearerAuth,
        /// The user id.
        id: Path<i64>,
    ) -> ApiResult<Json<UserExport>, Read> {
        Ok(Json(
            privacy::export(&self.app.db, Actor::User(&auth.0), id.0).await?,
        ))
    }

    /// Erases a customer's personal data for good (names, e-mail, phone, message text, files);
    /// counts and times stay; the account can never sign in again. Staff accounts: 400.
    #[oai(path = "/:id/erase", method = "post", operation_id = "eraseUser")]
    async fn erase(
        &self,
        auth: BearerAuth,
        /// The user id.
        id: Path<i64>,
    ) -> ApiResult<Json<UserProfile>, Change> {
        Ok(Json(
            privacy::erase(&self.app.db, Actor::User(&auth.0), id.0).await?,
        ))
    }
}
