//! A customer's data-protection requests in the admin console: the export as a download and
//! the erasure, which asks for the user name typed out first. Both go through chat/privacy.rs,
//! the same rules as `/api/admin/users/:id/export` and `/erase`.

use std::sync::Arc;

use super::form::Form;
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::admin_users::apply;
use super::session::AdminUser;
use super::view::error_page;
use crate::app::App;
use crate::auth::Actor;
use crate::chat::{accounts, privacy};
use crate::error::AppError;

/// `GET /console/admin/users/:id/export`: the export as a JSON file.
#[handler]
pub(crate) async fn export(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let doc = privacy::export(&app.db, Actor::User(&user.0.caller), id)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    let body = serde_json::to_vec_pretty(&doc)
        .map_err(|e| error_page(user.0.lang, &AppError::Internal(e.to_string())))?;
    Ok(Response::builder()
        .content_type("application/json; charset=utf-8")
        .header(
            "Content-Disposition",
            format!("attachment; filename=\"frontdesk-user-{id}.json\""),
        )
        .header("Cache-Control", "no-store")
        .body(body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct EraseForm {
    #[serde(default)]
    csrf: String,
    /// The user name, typed by the admin to say they mean it.
    #[serde(default)]
    confirm: String,
}

/// `POST /console/admin/users/:id/erase`: erases once the user name was typed exactly.
#[handler]
pub(crate) async fn erase(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<EraseForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let subject = accounts::get(&app.db, &user.0.caller, id)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    let change = if form.confirm.trim() == subject.user_name {
        privacy::erase(&app.db, Actor::User(&user.0.caller), id).await
    } else {
        Err(AppError::bad_request(user.0.lang.strings().erase_mismatch))
    };
    apply(req, app, &user, id, "erased", change)
        .await
        .map(IntoResponse::into_response)
}
