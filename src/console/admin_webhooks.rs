//! Webhooks in the admin console (`/console/admin/webhooks`): the endpoints with a form to add
//! one; each endpoint's page with its secret, its deliveries (status, attempts, last code, next
//! attempt), "send a test event", "retry now", disable/enable and delete. Every change goes
//! through chat/webhooks.rs, the same rules as `/api/admin/webhooks`.

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
use crate::chat::outbox::EventType;
use crate::chat::webhooks::{self, NewWebhook, WebhookChanges};
use crate::error::AppError;
use crate::model::webhooks::{Delivery, DeliveryStatus, Webhook};

/// The deliveries an endpoint's page shows (newest first).
const DELIVERIES_SHOWN: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// The create form as typed, to show it again after a refusal.
#[derive(Debug, Default)]
struct CreateForm {
    url: String,
    events: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct ListPage {
    page: PageCtx,
    hooks: Vec<Webhook>,
    form: CreateForm,
    error: Option<String>,
    done: Option<&'static str>,
    types: Vec<&'static str>,
}

impl ListPage {
    fn checked(&self, kind: &str) -> bool {
        self.form.events.iter().any(|e| e == kind)
    }
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct DetailPage {
    page: PageCtx,
    hook: Webhook,
    deliveries: Vec<Delivery>,
    done: Option<&'static str>,
}

impl DetailPage {
    fn status_text(&self, d: &Delivery) -> &'static str {
        let t = self.page.t;
        match d.status {
            DeliveryStatus::Pending => t.wh_pending,
            DeliveryStatus::Delivered => t.wh_delivered,
            DeliveryStatus::Failed => t.wh_failed,
        }
    }

    /// The existing status colours: waiting, fine, over.
    fn status_class(&self, d: &Delivery) -> &'static str {
        match d.status {
            DeliveryStatus::Pending => "OPEN",
            DeliveryStatus::Delivered => "IN_PROGRESS",
            DeliveryStatus::Failed => "ENDED",
        }
    }
}

fn done_text(page: &PageCtx, done: &str) -> Option<&'static str> {
    let t = page.t;
    match done {
        "created" => Some(t.wh_created_ok),
        "deleted" => Some(t.wh_deleted_ok),
        "enabled" => Some(t.wh_enabled_ok),
        "disabled" => Some(t.wh_disabled_ok),
        "test" => Some(t.wh_test_ok),
        "retry" => Some(t.wh_retry_ok),
        _ => None,
    }
}

async fn list_page(
    req: &Request,
    app: &App,
    user: &AdminUser,
    form: CreateForm,
    error: Option<String>,
    done: &str,
) -> Result<ListPage, AppError> {
    let hooks = webhooks::list(&app.db, &user.0.caller).await?;
    let page = PageCtx::signed_in(req, app, &user.0, "webhooks")?;
    Ok(ListPage {
        done: done_text(&page, done),
        page,
        hooks,
        form,
        error,
        types: EventType::ALL.iter().map(|t| t.name()).collect(),
    })
}

/// `/console/admin/webhooks`: the endpoints and the form to add one.
#[handler]
pub(crate) async fn list(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Query(q): Query<DoneQuery>,
) -> poem::Result<Response> {
    let page = list_page(req, app, &user, CreateForm::default(), None, &q.done)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(render(&page))
}

/// Adds an endpoint (the form's fields come as pairs, so every ticked `events` box is kept);
/// a refusal shows the form again with the reason.
#[handler]
pub(crate) async fn create(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> poem::Result<Response> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    user.0.check_csrf(&field("csrf"))?;
    let form = CreateForm {
        url: field("url"),
        events: fields
            .iter()
            .filter(|(k, _)| k == "events")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let secret = Some(field("secret")).filter(|s| !s.is_empty());
    let new = NewWebhook {
        url: form.url.clone(),
        events: form.events.clone(),
        secret,
    };
    match webhooks::create(&app.db, &user.0.caller, new).await {
        Ok(hook) => Ok(Redirect::see_other(format!(
            "/console/admin/webhooks/{}?done=created",
            hook.id
        ))
        .into_response()),
        Err(e @ AppError::BadRequest(_)) => {
            let page = list_page(req, app, &user, form, Some(e.message().into()), "")
                .await
                .map_err(|e| error_page(user.0.lang, &e))?;
            Ok(render_status(&page, StatusCode::BAD_REQUEST))
        }
        Err(e) => Err(error_page(user.0.lang, &e)),
    }
}

/// `/console/admin/webhooks/:id`: the endpoint, its secret and its latest deliveries.
#[handler]
pub(crate) async fn detail(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> poem::Result<Response> {
    let lang = user.0.lang;
    let caller = &user.0.caller;
    let hook = webhooks::get(&app.db, caller, id)
        .await
        .map_err(|e| error_page(lang, &e))?;
    let deliveries = webhooks::deliveries(&app.db, caller, id, None, DELIVERIES_SHOWN)
        .await
        .map_err(|e| error_page(lang, &e))?;
    let page =
        PageCtx::signed_in(req, app, &user.0, "webhooks").map_err(|e| error_page(lang, &e))?;
    Ok(render(&DetailPage {
        done: done_text(&page, &q.done),
        page,
        hook,
        deliveries,
    }))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    enabled: String,
}

fn back_to(id: i64, done: &str) -> Response {
    Redirect::see_other(format!("/console/admin/webhooks/{id}?done={done}")).into_response()
}

/// Disables (`enabled=0`) or enables (`enabled=1`) an endpoint.
#[handler]
pub(crate) async fn set_enabled(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let enabled = form.enabled == "1";
    let changes = WebhookChanges {
        enabled: Some(enabled),
        ..WebhookChanges::default()
    };
    webhooks::update(&app.db, &user.0.caller, id, changes)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(back_to(id, if enabled { "enabled" } else { "disabled" }))
}

/// Queues a test event for the endpoint.
#[handler]
pub(crate) async fn send_test(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    webhooks::send_test(&app.db, &user.0.caller, id)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(back_to(id, "test"))
}

/// Tries one delivery again now.
#[handler]
pub(crate) async fn retry(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path((id, delivery)): Path<(i64, i64)>,
    Form(form): Form<ActionForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    webhooks::retry(&app.db, &user.0.caller, id, delivery)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(back_to(id, "retry"))
}

/// Deletes the endpoint and its deliveries.
#[handler]
pub(crate) async fn delete(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    webhooks::delete(&app.db, &user.0.caller, id)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(Redirect::see_other("/console/admin/webhooks?done=deleted").into_response())
}
