//! A transcript as a file to download: JSON (the wire shapes), plain text (time, author, text),
//! or a standalone HTML page (askama escapes every user string). Always
//! `Content-Disposition: attachment`, so a browser saves it instead of showing it as our page.

use askama::Template;
use poem::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Enum};

use crate::model::{Message, Role, Session, Transcript, display_name};

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

/// One line of the conversation as the text and HTML files show it.
struct Line {
    /// The session this message starts, when it is the first of one (or leaves one).
    heading: Option<String>,
    time: String,
    author: String,
    staff: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "transcript.html")]
struct TranscriptPage<'a> {
    title: String,
    customer: String,
    covered: String,
    sessions: Vec<String>,
    lines: &'a [Line],
}

/// `2024-01-01T10:00:00.000Z` as `2024-01-01 10:00:00 UTC`.
fn readable(iso: &str) -> String {
    format!("{} UTC", iso.get(..19).unwrap_or(iso).replace('T', " "))
}

fn author(m: &Message) -> String {
    display_name(
        &m.sender.first_name,
        &m.sender.last_name,
        &m.sender.user_name,
    )
}

/// A session in one line: number, topic, status, when, who.
fn session_line(s: &Session) -> String {
    let mut line = format!(
        "Session #{}: {} ({}), started {}",
        s.id,
        s.title,
        s.status.as_str(),
        readable(&s.started_at)
    );
    if let Some(staff) = &s.staff {
        line.push_str(&format!(", with {}", staff.display_name()));
    }
    if let Some(ended) = &s.ended_at {
        line.push_str(&format!(", ended {}", readable(ended)));
    }
    if let Some(r) = &s.rating {
        line.push_str(&format!(", rated {}/5", r.score));
        if let Some(c) = &r.comment {
            line.push_str(&format!(" ({c})"));
        }
    }
    line
}

fn lines(t: &Transcript) -> Vec<Line> {
    let mut current: Option<Option<i64>> = None;
    t.messages
        .iter()
        .map(|m| {
            let heading = (current != Some(m.session_id)).then(|| match m.session_id {
                Some(id) => t
                    .sessions
                    .iter()
                    .find(|s| s.id == id)
                    .map_or(format!("Session #{id}"), |s| {
                        format!("Session #{id}: {}", s.title)
                    }),
                None => "Outside a session".to_string(),
            });
            current = Some(m.session_id);
            Line {
                heading,
                time: readable(&m.created_at),
                author: author(m),
                staff: m.sender.role != Role::Customer,
                text: m.content.clone(),
            }
        })
        .collect()
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
        let covered = format!(
            "{}, {} session(s), {} message(s); times in UTC",
            if session_id.is_some() {
                "One session"
            } else {
                "The whole room"
            },
            t.sessions.len(),
            t.messages.len()
        );
        let title = format!("{} — {}", t.room.name, t.room.customer.display_name());
        let (body, content_type, ext) = match format {
            TranscriptFormat::Json => (
                serde_json::to_vec_pretty(t).unwrap_or_default(),
                "application/json",
                "json",
            ),
            TranscriptFormat::Txt => {
                let mut out = format!("{title}\n{covered}\n\n");
                for s in &t.sessions {
                    out.push_str(&session_line(s));
                    out.push('\n');
                }
                for line in lines(t) {
                    if let Some(h) = &line.heading {
                        out.push_str(&format!("\n--- {h} ---\n"));
                    }
                    // Continuation lines are indented, so every message starts a line of its own.
                    let text = line.text.replace('\n', "\n    ");
                    out.push_str(&format!("[{}] {}: {text}\n", line.time, line.author));
                }
                (out.into_bytes(), "text/plain; charset=utf-8", "txt")
            }
            TranscriptFormat::Html => {
                let lines = lines(t);
                let page = TranscriptPage {
                    title,
                    customer: t.room.customer.display_name(),
                    covered,
                    sessions: t.sessions.iter().map(session_line).collect(),
                    lines: &lines,
                };
                let html = page.render().unwrap_or_else(|e| {
                    tracing::error!(error = %e, "transcript template failed");
                    String::new()
                });
                (html.into_bytes(), "text/html; charset=utf-8", "html")
            }
        };
        TranscriptFile {
            body,
            content_type,
            filename: format!("{stem}.{ext}"),
        }
    }
}

impl TranscriptFile {
    /// The rendered file as text (txt and html are UTF-8), for an e-mail's body (src/mail/).
    pub(crate) fn into_text(self) -> String {
        String::from_utf8(self.body).unwrap_or_default()
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
