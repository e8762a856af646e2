//! `/api/settings/public` and `/api/admin/settings`: the shop's texts, hours and desk rules.

use std::sync::Arc;

use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::error::{AdminRead, ApiResult, PublicRead, SettingsChange};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::settings;
use crate::model::shop::{PublicSettings, SettingsPatch, ShopSettings};

pub(crate) struct SettingsApi {
    pub app: Arc<App>,
}

#[OpenApi(tag = "ApiTags::Settings")]
impl SettingsApi {
    /// What the customer page shows (no sign-in): the shop's name, welcome text, topics,
    /// pre-chat fields, and whether it is open now (if not, the next opening).
    #[oai(
        path = "/settings/public",
        method = "get",
        operation_id = "getPublicSettings"
    )]
    async fn public(&self) -> ApiResult<Json<PublicSettings>, PublicRead> {
        Ok(Json(settings::public(&self.app.db).await?))
    }

    /// Every setting (admins).
    #[oai(path = "/admin/settings", method = "get", operation_id = "getSettings")]
    async fn get(&self, auth: BearerAuth) -> ApiResult<Json<ShopSettings>, AdminRead> {
        Ok(Json(settings::get(&self.app.db, &auth.0).await?))
    }

    /// Changes the fields given (admins); the result is checked whole, and a refusal names the
    /// field and saves nothing.
    #[oai(
        path = "/admin/settings",
        method = "put",
        operation_id = "updateSettings"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        body: Json<SettingsPatch>,
    ) -> ApiResult<Json<ShopSettings>, SettingsChange> {
        Ok(Json(settings::update(&self.app.db, &auth.0, body.0).await?))
    }
}
