//! `/console/rooms/:id/transcript`: the desk's and the admin console's download links. A link
//! cannot carry the API's bearer token, so this door takes the console cookie instead and
//! answers exactly what `GET /api/chat/rooms/:id/transcript` answers: the same rule, the same
//! file.

use std::sync::Arc;

use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::session::ConsoleUser;
use super::view::error_page;
use crate::api::transcript_file::{TranscriptFile, TranscriptFormat};
use crate::app::App;
use crate::chat::transcripts;
use crate::error::AppError;

/// `?sessionId=&format=` as the API takes them.
#[derive(Debug, Deserialize)]
pub(crate) struct TranscriptQuery {
    #[serde(rename = "sessionId")]
    session_id: Option<i64>,
    format: Option<String>,
}

/// The transcript file, or the console's error page (403, 404, a bad format).
#[handler]
pub(crate) async fn download(
    Data(app): Data<&Arc<App>>,
    user: ConsoleUser,
    Path(room_id): Path<i64>,
    Query(query): Query<TranscriptQuery>,
) -> poem::Result<Response> {
    let format = match query.format.as_deref() {
        None | Some("json") => TranscriptFormat::Json,
        Some("txt") => TranscriptFormat::Txt,
        Some("html") => TranscriptFormat::Html,
        Some(_) => {
            let err = AppError::bad_request("format must be json, txt or html");
            return Err(error_page(user.lang, &err));
        }
    };
    let t = transcripts::transcript(&app.db, &user.caller, room_id, query.session_id)
        .await
        .map_err(|e| error_page(user.lang, &e))?;
    Ok(TranscriptFile::render(&t, format, query.session_id).into_response())
}
