//! `/api/chat/sessions`: the queue, the claim, and ending a session.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{ApiResult, Change, ChangeWithBody, Read, StaffList};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::{labels, ratings, sessions};
use crate::model::text::Text;
use crate::model::{Rating, Session};

/// A customer's rating of a session that ended.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct RatingBody {
    /// 1 (bad) to 5 (very good).
    pub score: i64,
    /// At most 1,000 characters.
    pub comment: Option<Text>,
}

/// A session's labels, replacing the ones it had.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct LabelsBody {
    /// At most 10; each 1 to 32 characters, trimmed and stored lowercase, duplicates dropped.
    pub labels: Vec<Text>,
}

#[derive(ApiResponse)]
pub(crate) enum Rated {
    /// The rating is stored; `Location` is the session, which now shows it.
    #[oai(status = 201)]
    Created(Json<Rating>, #[oai(header = "Location")] String),
}

pub(crate) struct SessionsApi {
    pub app: Arc<App>,
}

#[OpenApi(prefix_path = "/chat/sessions", tag = "ApiTags::Sessions")]
impl SessionsApi {
    /// `OPEN` sessions waiting for staff, oldest first.
    #[oai(
        path = "/unassigned",
        method = "get",
        operation_id = "listUnassignedSessions"
    )]
    async fn unassigned(
        &self,
        auth: BearerAuth,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many to skip from the start of the list (default 0).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<Session>>, StaffList> {
        let limit = self.app.config.page_limit(limit.0);
        Ok(Json(
            sessions::unassigned(&self.app.db, &auth.0, limit, offset.0.unwrap_or(0)).await?,
        ))
    }

    /// One session.
    #[oai(path = "/:id", method = "get", operation_id = "getSession")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// The session id.
        id: Path<i64>,
    ) -> ApiResult<Json<Session>, Read> {
        Ok(Json(sessions::get(&self.app.db, &auth.0, id.0).await?))
    }

    /// Claim: of any number of concurrent claimers exactly one gets the session; the others
    /// get 409 naming who has it. Claiming a session you hold returns it.
    #[oai(path = "/:id/join", method = "post", operation_id = "claimSession")]
    async fn join(
        &self,
        auth: BearerAuth,
        /// The session id.
        id: Path<i64>,
    ) -> ApiResult<Json<Session>, Change> {
        Ok(Json(sessions::claim(&self.app.db, &auth.0, id.0).await?))
    }

    /// End: the room stays open and keeps its staff member; the customer may open a new one.
    #[oai(path = "/:id/end", method = "post", operation_id = "endSession")]
    async fn end(
        &self,
        auth: BearerAuth,
        /// The session id.
        id: Path<i64>,
    ) -> ApiResult<Json<Session>, Change> {
        Ok(Json(sessions::end(&self.app.db, &auth.0, id.0).await?))
    }

    /// Rate a session that ended, once: only its customer (contract §8). Staff hear of it as
    /// `session_updated`.
    #[oai(path = "/:id/rating", method = "post", operation_id = "rateSession")]
    async fn rate(
        &self,
        auth: BearerAuth,
        /// The session id.
        id: Path<i64>,
        body: Json<RatingBody>,
    ) -> ApiResult<Rated, ChangeWithBody> {
        let b = body.0;
        let comment = b.comment.map(Text::into_string);
        let rating = ratings::rate(&self.app.db, &auth.0, id.0, b.score, comment).await?;
        Ok(Rated::Created(
            Json(rating),
            format!("/api/chat/sessions/{}", id.0),
        ))
    }

    /// Replaces the session's labels: staff who may see its room, and admins; customers 403.
    /// Other desks hear of it as `session_updated`.
    #[oai(
        path = "/:id/labels",
        method = "put",
        operation_id = "setSessionLabels"
    )]
    async fn labels(
        &self,
        auth: BearerAuth,
        /// The session id.
        id: Path<i64>,
        body: Json<LabelsBody>,
    ) -> ApiResult<Json<Session>, ChangeWithBody> {
        let wanted = body.0.labels.into_iter().map(Text::into_string).collect();
        Ok(Json(
            labels::set(&self.app.db, &auth.0, id.0, wanted).await?,
        ))
    }
}
