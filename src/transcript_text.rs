//! A transcript as people read it: plain text (time, author, text) or a standalone HTML page
//! (askama escapes every user string). One rendering for every place that shows one: the
//! download doors (api/transcript_file.rs, console/transcript.rs) and the transcript e-mail
//! (mail/compose.rs).

use askama::Template;

use crate::model::{Message, Role, Session, Transcript, display_name};

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

/// What the transcript covers, in one line: `session_id` when it is one session.
fn covered(t: &Transcript, session_id: Option<i64>) -> String {
    format!(
        "{}, {} session(s), {} message(s); times in UTC",
        if session_id.is_some() {
            "One session"
        } else {
            "The whole room"
        },
        t.sessions.len(),
        t.messages.len()
    )
}

fn title(t: &Transcript) -> String {
    format!("{} — {}", t.room.name, t.room.customer.display_name())
}

/// The transcript as plain text.
pub(crate) fn text(t: &Transcript, session_id: Option<i64>) -> String {
    let mut out = format!("{}\n{}\n\n", title(t), covered(t, session_id));
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
    out
}

/// The transcript as a standalone HTML page, every user string escaped.
pub(crate) fn html(t: &Transcript, session_id: Option<i64>) -> String {
    let lines = lines(t);
    let page = TranscriptPage {
        title: title(t),
        customer: t.room.customer.display_name(),
        covered: covered(t, session_id),
        sessions: t.sessions.iter().map(session_line).collect(),
        lines: &lines,
    };
    page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "transcript template failed");
        String::new()
    })
}
