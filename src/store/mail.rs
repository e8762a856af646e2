//! SQL for e-mail: the mail outbox (one row per message to send), which sessions already had
//! their waiting alert, and staff's notification choices. Never decides who may do what.

use super::sql::{Connection, OptionalExtension, params};

use crate::error::AppError;

/// What kind of mail a row is (stored, so the names never change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailKind {
    WaitingAlert,
    Transcript,
}

impl MailKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MailKind::WaitingAlert => "waiting_alert",
            MailKind::Transcript => "transcript",
        }
    }
}

/// A mail to write to the outbox.
#[derive(Debug, Clone)]
pub(crate) struct NewMail {
    pub kind: MailKind,
    pub user_id: i64,
    pub session_id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Writes one pending mail, due at `at`; returns its id (the Message-ID is made from it).
pub(crate) fn enqueue(
    conn: &Connection,
    m: &NewMail,
    at: i64,
    give_up_at: i64,
) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO mail_outbox (kind, user_id, session_id, to_address, subject, text_body,
           html_body, next_attempt_at, give_up_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
    )?
    .execute(params![
        m.kind.as_str(),
        m.user_id,
        m.session_id,
        m.to,
        m.subject,
        m.text,
        m.html,
        at,
        give_up_at
    ])?;
    Ok(conn.last_insert_rowid()?)
}

/// A pending mail with everything its sending needs.
#[derive(Debug, Clone)]
pub(crate) struct DueMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attempts: i64,
    pub give_up_at: i64,
    pub created_at: i64,
}

/// Pending mails due by `now`, oldest first.
pub(crate) fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<DueMail>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT id, to_address, subject, text_body, html_body, attempts, give_up_at, created_at
             FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2",
        )?
        .query_map(params![now, limit as i64], |r| {
            Ok(DueMail {
                id: r.get(0)?,
                to: r.get(1)?,
                subject: r.get(2)?,
                text: r.get(3)?,
                html: r.get(4)?,
                attempts: r.get(5)?,
                give_up_at: r.get(6)?,
                created_at: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// When the next pending mail falls due, if one waits.
pub(crate) fn next_due(conn: &Connection) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached("SELECT min(next_attempt_at) FROM mail_outbox WHERE status = 'pending'")?
        .query_row([], |r| r.get(0))?)
}

/// Marks a mail sent and blanks its address and bodies (the database is no mail archive).
pub(crate) fn mark_sent(conn: &Connection, id: i64, now: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2,
           last_error = NULL, to_address = '', subject = '', text_body = '', html_body = ''
         WHERE id = ?1 AND status = 'pending'",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Records a failed attempt: pending again at `next_attempt_at`, or failed for good (`None`),
/// when its address and bodies are blanked too.
pub(crate) fn mark_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    next_attempt_at: Option<i64>,
) -> Result<(), AppError> {
    match next_attempt_at {
        Some(next) => conn
            .prepare_cached(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2,
                   next_attempt_at = ?3
                 WHERE id = ?1 AND status = 'pending'",
            )?
            .execute(params![id, error, next])?,
        None => conn
            .prepare_cached(
                "UPDATE mail_outbox SET status = 'failed', attempts = attempts + 1,
                   last_error = ?2, to_address = '', subject = '', text_body = '', html_body = ''
                 WHERE id = ?1 AND status = 'pending'",
            )?
            .execute(params![id, error])?,
    };
    Ok(())
}

/// `OPEN` sessions started at or before `cutoff` whose waiting alert was not written yet:
/// `(id, started_at)`.
pub(crate) fn waiting_unalerted(
    conn: &Connection,
    cutoff: i64,
) -> Result<Vec<(i64, i64)>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT s.id, s.started_at FROM sessions s
             WHERE s.status = 'OPEN' AND s.started_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM mail_alerted_sessions a WHERE a.session_id = s.id)
             ORDER BY s.started_at, s.id",
        )?
        .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Notes that session `session_id`'s waiting alert was written (never again).
pub(crate) fn mark_alerted(conn: &Connection, session_id: i64, now: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO mail_alerted_sessions (session_id, alerted_at) VALUES (?1, ?2)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![session_id, now])?;
    Ok(())
}

/// Active staff and admins who opted in to waiting alerts and have an address: `(id, email)`.
pub(crate) fn alert_recipients(conn: &Connection) -> Result<Vec<(i64, String)>, AppError> {
    let rows = conn
        .prepare_cached(
            "SELECT u.id, u.email FROM notification_prefs p JOIN users u ON u.id = p.user_id
             WHERE p.waiting_alerts = 1 AND u.is_active = 1 AND u.role IN ('STAFF', 'ADMIN')
               AND coalesce(u.email, '') <> ''
             ORDER BY u.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A user's address and whether they want waiting alerts.
pub(crate) fn prefs(conn: &Connection, user_id: i64) -> Result<(Option<String>, bool), AppError> {
    let email: Option<String> = conn
        .prepare_cached("SELECT email FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .flatten();
    let alerts: bool = conn
        .prepare_cached("SELECT waiting_alerts FROM notification_prefs WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    Ok((email, alerts))
}

/// Stores a user's address (`None`: removed) and their waiting-alert choice.
pub(crate) fn put_prefs(
    conn: &Connection,
    user_id: i64,
    email: Option<&str>,
    waiting_alerts: bool,
    now: i64,
) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE users SET email = ?2 WHERE id = ?1")?
        .execute(params![user_id, email])?;
    conn.prepare_cached(
        "INSERT INTO notification_prefs (user_id, waiting_alerts, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET waiting_alerts = ?2, updated_at = ?3",
    )?
    .execute(params![user_id, waiting_alerts, now])?;
    Ok(())
}

/// How many mails of `kind` about session `session_id` were written since `since`, and the
/// latest one's time.
pub(crate) fn count_for_session(
    conn: &Connection,
    kind: MailKind,
    session_id: i64,
    since: i64,
) -> Result<(i64, Option<i64>), AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), max(created_at) FROM mail_outbox
             WHERE kind = ?1 AND session_id = ?2 AND created_at >= ?3",
        )?
        .query_row(params![kind.as_str(), session_id, since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
}

/// How many mails of `kind` to user `user_id` were written since `since`, and the oldest one's
/// time (when the window frees a place).
pub(crate) fn count_for_user(
    conn: &Connection,
    kind: MailKind,
    user_id: i64,
    since: i64,
) -> Result<(i64, Option<i64>), AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), min(created_at) FROM mail_outbox
             WHERE kind = ?1 AND user_id = ?2 AND created_at >= ?3",
        )?
        .query_row(params![kind.as_str(), user_id, since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
}

/// For an erasure: mails still waiting to go to user `user_id`, or about a session of room
/// `room_id`, are dropped with their addresses and bodies (they name the customer).
pub(crate) fn forget_user(
    conn: &Connection,
    user_id: i64,
    room_id: Option<i64>,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE mail_outbox SET status = 'failed', last_error = 'erased', to_address = '',
           subject = '', text_body = '', html_body = ''
         WHERE status = 'pending' AND (user_id = ?1
           OR session_id IN (SELECT id FROM sessions WHERE room_id = ?2))",
    )?
    .execute(params![user_id, room_id])?;
    Ok(())
}
