//! User management in the admin console (`/console/admin/users`): list and search, create
//! staff, admins and customers, edit, reset a password, deactivate and reactivate. Every
//! change goes through chat/accounts.rs, the same rules as `/api/admin/users`.

use std::sync::Arc;

use super::form::Form;
use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::session::AdminUser;
use super::view::{PageCtx, error_page, render, render_status};
use crate::app::App;
use crate::auth::Actor;
use crate::chat::accounts::{self, NewAccount, UserChanges};
use crate::chat::privacy;
use crate::error::AppError;
use crate::model::{Role, UserProfile};

const PAGE_SIZE: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    done: String,
}

/// What the create form had, to show it again after a refusal.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    page: PageCtx,
    query: ListQuery,
    users: Vec<UserProfile>,
    total: i64,
    error: Option<String>,
    form: CreateForm,
    roles: [Role; 3],
}

impl UsersPage {
    fn name(&self, u: &UserProfile) -> String {
        person(u)
    }
    fn done_text(&self) -> Option<&'static str> {
        done_text(&self.page, &self.query.done)
    }
}

fn person(u: &UserProfile) -> String {
    match format!("{} {}", u.first_name, u.last_name).trim() {
        "" => u.user_name.clone(),
        name => name.to_string(),
    }
}

fn done_text(page: &PageCtx, done: &str) -> Option<&'static str> {
    let t = page.t;
    match done {
        "created" => Some(t.created_ok),
        "saved" => Some(t.saved_ok),
        "password" => Some(t.password_ok),
        "deactivated" => Some(t.deactivated_ok),
        "activated" => Some(t.activated_ok),
        "erased" => Some(t.erased_ok),
        _ => None,
    }
}

async fn users_page(
    req: &Request,
    app: &App,
    user: &AdminUser,
    query: ListQuery,
    error: Option<String>,
    form: CreateForm,
) -> Result<UsersPage, AppError> {
    let search = Some(query.q.clone()).filter(|q| !q.trim().is_empty());
    let role = Role::parse(&query.role);
    let (users, total) =
        accounts::list(&app.db, &user.0.caller, search, role, PAGE_SIZE, 0).await?;
    Ok(UsersPage {
        page: PageCtx::signed_in(req, app, &user.0, "users")?,
        query,
        users,
        total,
        error,
        form,
        roles: [Role::Staff, Role::Admin, Role::Customer],
    })
}

/// `/console/admin/users`: the list, with a search and the create form.
#[handler]
pub(crate) async fn list(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Query(query): Query<ListQuery>,
) -> poem::Result<Response> {
    let page = users_page(req, app, &user, query, None, CreateForm::default())
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(render(&page))
}

/// Creates a user; a refusal shows the form again with the reason.
#[handler]
pub(crate) async fn create(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Form(form): Form<CreateForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let created = match form_role(&form.role) {
        Ok(role) => {
            let account = NewAccount {
                user_name: form.user_name.trim().to_string(),
                password: form.password.clone(),
                role,
                first_name: form.first_name.clone(),
                last_name: form.last_name.clone(),
            };
            accounts::create(&app.db, Actor::User(&user.0.caller), account).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => Ok(Redirect::see_other("/console/admin/users?done=created").into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(..))) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let form = CreateForm {
                password: String::new(),
                ..form
            };
            let page = users_page(
                req,
                app,
                &user,
                ListQuery::default(),
                Some(e.message().into()),
                form,
            )
            .await
            .map_err(|e| error_page(user.0.lang, &e))?;
            Ok(render_status(&page, status))
        }
        Err(e) => Err(error_page(user.0.lang, &e)),
    }
}

#[derive(Template)]
#[template(path = "admin/user_edit.html")]
struct EditPage {
    page: PageCtx,
    subject: UserProfile,
    done: Option<&'static str>,
    error: Option<String>,
    /// Whether the customer's data was erased (no erase form then).
    erased: bool,
}

impl EditPage {
    fn name(&self, u: &UserProfile) -> String {
        person(u)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EditQuery {
    #[serde(default)]
    done: String,
}

async fn edit_page(
    req: &Request,
    app: &App,
    user: &AdminUser,
    id: i64,
    done: &str,
    error: Option<String>,
) -> Result<EditPage, AppError> {
    let subject = accounts::get(&app.db, &user.0.caller, id).await?;
    let page = PageCtx::signed_in(req, app, &user.0, "users")?;
    Ok(EditPage {
        done: done_text(&page, done),
        page,
        subject,
        error,
        erased: privacy::is_erased(&app.db, id).await?,
    })
}

/// `/console/admin/users/:id`: one user's forms.
#[handler]
pub(crate) async fn edit(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> poem::Result<Response> {
    let page = edit_page(req, app, &user, id, &q.done, None)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(render(&page))
}

/// Runs a change, then back to the user's page: with a note on success, with the reason on a
/// refusal a person can fix.
pub(super) async fn apply(
    req: &Request,
    app: &App,
    user: &AdminUser,
    id: i64,
    done: &str,
    change: Result<UserProfile, AppError>,
) -> poem::Result<Response> {
    match change {
        Ok(_) => Ok(
            Redirect::see_other(format!("/console/admin/users/{id}?done={done}")).into_response(),
        ),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(..))) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let page = edit_page(req, app, user, id, "", Some(e.message().into()))
                .await
                .map_err(|e| error_page(user.0.lang, &e))?;
            Ok(render_status(&page, status))
        }
        Err(e) => Err(error_page(user.0.lang, &e)),
    }
}

/// A role from a form's select: one the form offers, never a silent default.
fn form_role(value: &str) -> Result<Role, AppError> {
    Role::parse(value).ok_or_else(|| AppError::bad_request("role must be STAFF, ADMIN or CUSTOMER"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct UpdateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    role: Option<String>,
}

/// Saves names and (between staff and admin) the role.
#[handler]
pub(crate) async fn update(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<UpdateForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let change = match form.role.as_deref().map(form_role).transpose() {
        Ok(role) => {
            let changes = UserChanges {
                first_name: Some(form.first_name),
                last_name: Some(form.last_name),
                role,
                ..UserChanges::default()
            };
            accounts::update(&app.db, Actor::User(&user.0.caller), id, changes).await
        }
        Err(e) => Err(e),
    };
    apply(req, app, &user, id, "saved", change).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// Sets a new password; the user's tokens, sockets and console sessions end.
#[handler]
pub(crate) async fn password(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let changes = UserChanges {
        password: Some(form.password),
        ..UserChanges::default()
    };
    let change = accounts::update(&app.db, Actor::User(&user.0.caller), id, changes).await;
    apply(req, app, &user, id, "password", change).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

/// Deactivates (`active=0`: signed out everywhere at once) or reactivates (`active=1`).
#[handler]
pub(crate) async fn set_active(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let active = form.active == "1";
    let change = accounts::set_active(&app.db, Actor::User(&user.0.caller), id, active).await;
    let done = if active { "activated" } else { "deactivated" };
    apply(req, app, &user, id, done, change).await
}
