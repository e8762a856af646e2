//! `/api/admin/webhooks`: endpoints the shop's other systems listen on, and their deliveries
//! (contract §11). Admins only.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{AdminChange, AdminChangeWithBody, AdminCreate, AdminRead, ApiResult, Read};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::webhooks::{self, NewWebhook, WebhookChanges};
use crate::model::text::Text;
use crate::model::webhooks::{Delivery, Webhook};

pub(crate) struct WebhooksApi {
    pub app: Arc<App>,
}

/// A new endpoint.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct CreateWebhookBody {
    /// An absolute `http://` or `https://` URL.
    pub url: Text,
    /// At least one of `session.created`, `session.claimed`, `session.ended`,
    /// `message.created`, `room.assigned`, `room.transferred`, `rating.created`.
    pub events: Vec<Text>,
    /// The signing key (16 to 200 characters); absent: 32 random bytes, hex.
    pub secret: Option<Text>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct UpdateWebhookBody {
    pub url: Option<Text>,
    pub events: Option<Vec<Text>>,
    /// false: no new events, and pending deliveries wait; true: they go out again.
    pub enabled: Option<bool>,
}

#[derive(ApiResponse)]
pub(crate) enum WebhookCreated {
    /// The endpoint exists and hears its events from now on; `Location` is the endpoint.
    #[oai(status = 201)]
    Created(Json<Webhook>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub(crate) enum TestQueued {
    /// The test delivery is queued and goes out at once; follow it in the deliveries.
    #[oai(status = 201)]
    Created(Json<Delivery>),
}

#[derive(ApiResponse)]
pub(crate) enum Deleted {
    /// The endpoint and its deliveries are gone.
    #[oai(status = 204)]
    NoContent,
}

fn texts(list: Vec<Text>) -> Vec<String> {
    list.into_iter().map(Text::into_string).collect()
}

#[OpenApi(prefix_path = "/admin/webhooks", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Adds an endpoint; the answer holds its signing secret.
    #[oai(path = "/", method = "post", operation_id = "createWebhook")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: Json<CreateWebhookBody>,
    ) -> ApiResult<WebhookCreated, AdminCreate> {
        let b = body.0;
        let new = NewWebhook {
            url: b.url.into_string(),
            events: texts(b.events),
            secret: b.secret.map(Text::into_string),
        };
        let hook = webhooks::create(&self.app.db, &auth.0, new).await?;
        let location = format!("/api/admin/webhooks/{}", hook.id);
        Ok(WebhookCreated::Created(Json(hook), location))
    }

    /// Every endpoint, oldest first.
    #[oai(path = "/", method = "get", operation_id = "listWebhooks")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<Webhook>>, AdminRead> {
        Ok(Json(webhooks::list(&self.app.db, &auth.0).await?))
    }

    /// One endpoint.
    #[oai(path = "/:id", method = "get", operation_id = "getWebhook")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// The endpoint id.
        id: Path<i64>,
    ) -> ApiResult<Json<Webhook>, Read> {
        Ok(Json(webhooks::get(&self.app.db, &auth.0, id.0).await?))
    }

    /// Changes the URL or the event types, or disables / enables the endpoint.
    #[oai(path = "/:id", method = "patch", operation_id = "updateWebhook")]
    async fn update(
        &self,
        auth: BearerAuth,
        /// The endpoint id.
        id: Path<i64>,
        body: Json<UpdateWebhookBody>,
    ) -> ApiResult<Json<Webhook>, AdminChangeWithBody> {
        let b = body.0;
        let changes = WebhookChanges {
            url: b.url.map(Text::into_string),
            events: b.events.map(texts),
            enabled: b.enabled,
        };
        Ok(Json(
            webhooks::update(&self.app.db, &auth.0, id.0, changes).await?,
        ))
    }

    /// Deletes the endpoint and its deliveries, pending ones too.
    #[oai(path = "/:id", method = "delete", operation_id = "deleteWebhook")]
    async fn delete(
        &self,
        auth: BearerAuth,
        /// The endpoint id.
        id: Path<i64>,
    ) -> ApiResult<Deleted, AdminChange> {
        webhooks::delete(&self.app.db, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// The endpoint's deliveries, newest first.
    #[oai(
        path = "/:id/deliveries",
        method = "get",
        operation_id = "listWebhookDeliveries"
    )]
    async fn deliveries(
        &self,
        auth: BearerAuth,
        /// The endpoint id.
        id: Path<i64>,
        /// Only deliveries older than this delivery id (the next page).
        before: Query<Option<i64>>,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<Delivery>>, Read> {
        let limit = self.app.config.page_limit(limit.0);
        Ok(Json(
            webhooks::deliveries(&self.app.db, &auth.0, id.0, before.0, limit).await?,
        ))
    }

    /// Sends the endpoint a `webhook.test` event, signed and retried like any other.
    #[oai(path = "/:id/test", method = "post", operation_id = "testWebhook")]
    async fn test(
        &self,
        auth: BearerAuth,
        /// The endpoint id.
        id: Path<i64>,
    ) -> ApiResult<TestQueued, AdminChange> {
        Ok(TestQueued::Created(Json(
            webhooks::send_test(&self.app.db, &auth.0, id.0).await?,
        )))
    }

    /// Tries a delivery again now, whatever its state, with the same `Frontdesk-Delivery`.
    #[oai(
        path = "/:id/deliveries/:delivery_id/retry",
        method = "post",
        operation_id = "retryWebhookDelivery"
    )]
    async fn retry(
        &self,
        auth: BearerAuth,
        /// The endpoint id.
        id: Path<i64>,
        /// The delivery id.
        delivery_id: Path<i64>,
    ) -> ApiResult<Json<Delivery>, AdminChange> {
        Ok(Json(
            webhooks::retry(&self.app.db, &auth.0, id.0, delivery_id.0).await?,
        ))
    }
}
