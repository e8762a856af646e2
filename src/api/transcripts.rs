//! `/api/chat/rooms/:id/transcript`: a room's conversation (or one session's) as a file.

use std::sync::Arc;

use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use super::ApiTags;
use super::error::{ApiResult, Read};
use super::security::BearerAuth;
use super::transcript_file::{TranscriptFile, TranscriptFormat};
use crate::app::App;
use crate::chat::transcripts;

/// The transcript download, beside the rooms' other operations.
pub(crate) struct TranscriptsApi {
    pub app: Arc<App>,
}

#[OpenApi(prefix_path = "/chat/rooms", tag = "ApiTags::Rooms")]
impl TranscriptsApi {
    /// Everything said in the room, or in one of its sessions, as a file to download: for
    /// anyone who may read the room's messages.
    #[oai(
        path = "/:id/transcript",
        method = "get",
        operation_id = "getRoomTranscript"
    )]
    async fn transcript(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
        /// Only this session of the room (404 if it is not one of the room's); without it, the
        /// whole room.
        #[oai(name = "sessionId")]
        session_id: Query<Option<i64>>,
        /// `json` (default), `txt` or `html`.
        format: Query<Option<TranscriptFormat>>,
    ) -> ApiResult<TranscriptFile, Read> {
        let t = transcripts::transcript(&self.app.db, &auth.0, id.0, session_id.0).await?;
        let format = format.0.unwrap_or(TranscriptFormat::Json);
        Ok(TranscriptFile::render(&t, format, session_id.0))
    }
}
