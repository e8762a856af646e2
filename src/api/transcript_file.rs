//! A transcript as a file to download: JSON (the wire shapes), plain text (time, author, text),
//! or a standalone HTML page (rendered by `transcript_text`). Always
//! `Content-Disposition: attachment`, so a browser saves it instead of showing it as our page.

use poem::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Enum};

use crate::model::Transcript;
use crate::transcript_text;

/// The file formats of a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub(crate) enum TranscriptFormat {
    Json,
    Txt,
    Html,
}

/// The transcript file, ready to send.
pub(crate) struct TranscriptFile {
    body: Vec<u8>,
    content_type: &'static str,
    filename: String,
}

impl TranscriptFile {
    /// Renders the transcript in `format`; `session_id` names the file.
    pub(crate) fn render(
        t: &Transcript,
        format: TranscriptFormat,
        session_id: Option<i64>,
    ) -> TranscriptFile {
        let stem = match session_id {
            Some(s) => format!("transcript-room-{}-session-{s}", t.room.id),
            None => format!("transcript-room-{}", t.room.id),
        };
        let (body, content_type, ext) = match format {
            TranscriptFormat::Json => (
                serde_json::to_vec_pretty(t).unwrap_or_default(),
                "application/json",
                "json",
            ),
            TranscriptFormat::Txt => (
                transcript_text::text(t, session_id).into_bytes(),
                "text/plain; charset=utf-8",
                "txt",
            ),
            TranscriptFormat::Html => (
                transcript_text::html(t, session_id).into_bytes(),
                "text/html; charset=utf-8",
                "html",
            ),
        };
        TranscriptFile {
            body,
            content_type,
            filename: format!("{stem}.{ext}"),
        }
    }
}

impl IntoResponse for TranscriptFile {
    fn into_response(self) -> Response {
        Response::builder()
            .header(CONTENT_TYPE, self.content_type)
            .header(
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", self.filename),
            )
            .body(self.body)
    }
}

impl ApiResponse for TranscriptFile {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The transcript as a file: `format=json` (the room, its sessions \
                              and messages), `txt` or `html`.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json",
                        schema: Transcript::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/plain; charset=utf-8",
                        schema: String::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/html; charset=utf-8",
                        schema: String::schema_ref(),
                    },
                ],
                headers: vec![MetaHeader {
                    name: "Content-Disposition".to_string(),
                    description: Some("`attachment; filename=\"transcript-room-…\"`".into()),
                    required: true,
                    deprecated: false,
                    schema: String::schema_ref(),
                }],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        Transcript::register(registry);
    }
}
