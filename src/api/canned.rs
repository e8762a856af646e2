//! `/api/chat/canned-replies`: the shop's stock answers (contract §10). Staff and admins read
//! them; admins add, change and delete them.

use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{AdminChange, ApiResult, ChangeWithBody, Create, StaffList};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::canned;
use crate::model::CannedReply;
use crate::model::text::Text;

pub(crate) struct CannedApi {
    pub app: Arc<App>,
}

/// A canned reply as written by an admin.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct CannedReplyBody {
    /// `[a-z0-9-]{1,32}`, unique among the replies.
    pub shortcut: Text,
    /// 1 to 5,000 characters; `{firstName}` is filled with the customer's first name on the desk.
    pub content: Text,
}

#[derive(ApiResponse)]
pub(crate) enum CannedCreated {
    /// The reply exists; `Location` is its address.
    #[oai(status = 201)]
    Created(Json<CannedReply>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub(crate) enum CannedDeleted {
    /// The reply is gone.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/chat/canned-replies", tag = "ApiTags::Rooms")]
impl CannedApi {
    /// Every canned reply, by shortcut: staff and admins.
    #[oai(path = "/", method = "get", operation_id = "listCannedReplies")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<CannedReply>>, StaffList> {
        Ok(Json(canned::list(&self.app.db, &auth.0).await?))
    }

    /// Adds a reply (admins); a shortcut in use is 409 `SHORTCUT_TAKEN`.
    #[oai(path = "/", method = "post", operation_id = "createCannedReply")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: Json<CannedReplyBody>,
    ) -> ApiResult<CannedCreated, Create> {
        let b = body.0;
        let reply = canned::create(&self.app.db, &auth.0, &b.shortcut.0, &b.content.0).await?;
        let location = format!("/api/chat/canned-replies/{}", reply.id);
        Ok(CannedCreated::Created(Json(reply), location))
    }

    /// Replaces a reply's shortcut and content (admins).
    #[oai(path = "/:id", method = "put", operation_id = "updateCannedReply")]
    async fn update(
        &self,
        auth: BearerAuth,
        /// The reply id.
        id: Path<i64>,
        body: Json<CannedReplyBody>,
    ) -> ApiResult<Json<CannedReply>, ChangeWithBody> {
        let b = body.0;
        Ok(Json(
            canned::update(&self.app.db, &auth.0, id.0, &b.shortcut.0, &b.content.0).await?,
        ))
    }

    /// Deletes a reply (admins).
    #[oai(path = "/:id", method = "delete", operation_id = "deleteCannedReply")]
    async fn delete(
        &self,
        auth: BearerAuth,
        /// The reply id.
        id: Path<i64>,
    ) -> ApiResult<CannedDeleted, AdminChange> {
        canned::delete(&self.app.db, &auth.0, id.0).await?;
        Ok(CannedDeleted::NoContent)
    }
}
