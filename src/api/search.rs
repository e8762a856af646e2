//! `/api/chat/search`: messages across every room the caller may read.

use std::sync::Arc;

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::error::{ApiResult, OwnList};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::search;
use crate::model::SearchResults;

/// Search across rooms (its own resource: it reads every room the caller may see).
pub(crate) struct SearchApi {
    pub app: Arc<App>,
}

#[OpenApi(prefix_path = "/chat", tag = "ApiTags::Rooms")]
impl SearchApi {
    /// Messages matching `q`, newest first, each with its room: a customer searches their own
    /// room, staff the rooms they may open, admins every room. Case and diacritics do not
    /// matter (`cham soc` finds `chăm sóc`, `dang` finds `Đặng`); `"two words"` is a phrase,
    /// `word*` a prefix; anything else is read as plain words.
    #[oai(path = "/search", method = "get", operation_id = "searchMessages")]
    async fn search(
        &self,
        auth: BearerAuth,
        /// What to look for: 1 to 200 characters holding at most 16 words or phrases.
        q: Query<Option<String>>,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many matches to skip (default 0, at most 1000).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<SearchResults>, OwnList> {
        let limit = self.app.config.page_limit(limit.0);
        let q = q.0.unwrap_or_default();
        Ok(Json(
            search::search(&self.app.db, &auth.0, &q, limit, offset.0.unwrap_or(0)).await?,
        ))
    }
}
