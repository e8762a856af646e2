//! Canned replies in the admin console (`/console/admin/canned`): every reply as a small form
//! to change or delete it, and a form to add one. Every change goes through chat/canned.rs, the
//! same rules as `/api/chat/canned-replies`; a refusal shows the page again with the reason.

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
use crate::chat::canned;
use crate::error::AppError;
use crate::model::CannedReply;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// A reply's form as posted.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    shortcut: String,
    #[serde(default)]
    content: String,
}

#[derive(Template)]
#[template(path = "admin/canned.html")]
struct CannedPage {
    page: PageCtx,
    replies: Vec<CannedReply>,
    /// The add form as typed, shown again after a refusal.
    form: ReplyForm,
    error: Option<String>,
    done: Option<&'static str>,
}

async fn page_for(
    req: &Request,
    app: &App,
    user: &AdminUser,
    form: ReplyForm,
    error: Option<String>,
    done: &str,
) -> Result<CannedPage, AppError> {
    let replies = canned::list(&app.db, &user.0.caller).await?;
    let page = PageCtx::signed_in(req, app, &user.0, "canned")?;
    let t = page.t;
    Ok(CannedPage {
        done: match done {
            "saved" => Some(t.canned_saved_ok),
            "deleted" => Some(t.canned_deleted_ok),
            _ => None,
        },
        page,
        replies,
        form,
        error,
    })
}

/// Shows a refusal the person can fix (a bad field, a taken shortcut) on the page itself.
async fn refused(
    req: &Request,
    app: &App,
    user: &AdminUser,
    form: ReplyForm,
    e: AppError,
) -> poem::Result<Response> {
    let lang = user.0.lang;
    match e {
        AppError::BadRequest(_) | AppError::Conflict(..) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let page = page_for(req, app, user, form, Some(e.message().into()), "")
                .await
                .map_err(|e| error_page(lang, &e))?;
            Ok(render_status(&page, status))
        }
        e => Err(error_page(lang, &e)),
    }
}

/// `/console/admin/canned`: the replies and the form to add one.
#[handler]
pub(crate) async fn list(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Query(q): Query<DoneQuery>,
) -> poem::Result<Response> {
    let page = page_for(req, app, &user, ReplyForm::default(), None, &q.done)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(render(&page))
}

/// Adds a reply.
#[handler]
pub(crate) async fn create(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Form(form): Form<ReplyForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    match canned::create(&app.db, &user.0.caller, &form.shortcut, &form.content).await {
        Ok(_) => Ok(Redirect::see_other("/console/admin/canned?done=saved").into_response()),
        Err(e) => refused(req, app, &user, form, e).await,
    }
}

/// Changes a reply's shortcut and content.
#[handler]
pub(crate) async fn update(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    match canned::update(&app.db, &user.0.caller, id, &form.shortcut, &form.content).await {
        Ok(_) => Ok(Redirect::see_other("/console/admin/canned?done=saved").into_response()),
        Err(e) => refused(req, app, &user, ReplyForm::default(), e).await,
    }
}

/// Deletes a reply.
#[handler]
pub(crate) async fn delete(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    canned::delete(&app.db, &user.0.caller, id)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(Redirect::see_other("/console/admin/canned?done=deleted").into_response())
}
