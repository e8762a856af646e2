//! The rules of e-mail (issue 14): staff choose waiting alerts, the sweep writes one alert per
//! waiting session to those who chose them, and a customer asks for an ended session's
//! transcript. Each writes its mail rows (store/mail.rs) in the transaction of the change that
//! causes them; src/mail/ sends them. Without `--smtp-url` (`mailer` is `None`) nothing is
//! written: the choices can still be read, and a transcript request is refused.

use super::{access, settings, validate};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::{AppError, ErrorCode};
use crate::mail::{Mailer, compose};
use crate::model::mail::{Notifications, TranscriptEmail};
use crate::model::{SessionStatus, Transcript};
use crate::store::mail::{self, MailKind, NewMail};
use crate::store::{privacy, room_views, sessions, transcripts};
use crate::time::now_ms;

/// One session's transcript is e-mailed at most once per this many minutes...
pub(crate) const TRANSCRIPT_SESSION_GAP_MINUTES: i64 = 10;
/// ...and one customer gets at most this many transcript e-mails in 24 hours (over all their
/// sessions), so the button cannot be used to flood an address typed into the guest form.
pub(crate) const TRANSCRIPTS_PER_DAY: i64 = 5;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// `GET /api/users/me/notifications`.
pub(crate) async fn notifications(
    db: &Db,
    mailer: Option<&Mailer>,
    caller: &Caller,
) -> Result<Notifications, AppError> {
    access::choose_notifications(caller)?;
    let (id, enabled) = (caller.id, mailer.is_some());
    db.read(move |conn| {
        let (email, waiting_alerts) = mail::prefs(conn, id)?;
        Ok(Notifications {
            email,
            waiting_alerts,
            email_enabled: enabled,
            alert_wait_minutes: settings::load(conn)?.email_alert_wait_minutes,
        })
    })
    .await
}

/// `PUT /api/users/me/notifications`: the caller's address (empty or absent: none) and whether
/// they want waiting alerts, which need an address.
pub(crate) async fn set_notifications(
    db: &Db,
    mailer: Option<&Mailer>,
    caller: &Caller,
    email: Option<String>,
    waiting_alerts: bool,
) -> Result<Notifications, AppError> {
    access::choose_notifications(caller)?;
    let email = email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    if let Some(e) = &email {
        validate::email(e)?;
    }
    if waiting_alerts && email.is_none() {
        return Err(AppError::bad_request(
            "email is needed to get waiting alerts",
        ));
    }
    let id = caller.id;
    db.write(move |conn| {
        mail::put_prefs(conn, id, email.as_deref(), waiting_alerts, now_ms())?;
        Ok(Outcome::quiet(()))
    })
    .await?;
    notifications(db, mailer, caller).await
}

/// With `emailAlertWaitMinutes` set, writes one alert per opted-in staff member for every
/// session that has waited (`OPEN`) that long and had none yet; returns how many mails. Run by
/// a timer; the wait is read from the stored start and the alert is remembered per session,
/// so a restart neither loses nor repeats one.
pub(crate) async fn alert_waiting(db: &Db, mailer: &Mailer) -> Result<usize, AppError> {
    let retry_window = mailer.settings.retry_window.as_millis() as i64;
    let written = db
        .write(move |conn| {
            let shop = settings::load(conn)?;
            let minutes = i64::from(shop.email_alert_wait_minutes);
            if minutes == 0 {
                return Ok(Outcome::quiet(0));
            }
            let now = now_ms();
            let waiting = mail::waiting_unalerted(conn, now - minutes * 60_000)?;
            if waiting.is_empty() {
                return Ok(Outcome::quiet(0));
            }
            let recipients = mail::alert_recipients(conn)?;
            let mut written = 0;
            for (session_id, started_at) in waiting {
                mail::mark_alerted(conn, session_id, now)?;
                let session = sessions::view(conn, session_id)?;
                let waited = (now - started_at) / 60_000;
                let text =
                    compose::waiting_alert(shop.email_language, &shop.shop_name, &session, waited);
                for (user_id, to) in &recipients {
                    let m = NewMail {
                        kind: MailKind::WaitingAlert,
                        user_id: *user_id,
                        session_id,
                        to: to.clone(),
                        subject: text.subject.clone(),
                        text: text.text.clone(),
                        html: text.html.clone(),
                    };
                    mail::enqueue(conn, &m, now, now + retry_window)?;
                    written += 1;
                }
            }
            Ok(Outcome::quiet(written))
        })
        .await?;
    if written > 0 {
        mailer.wake();
    }
    Ok(written)
}

/// `POST /api/chat/sessions/:id/transcript-email`: the session's customer has its transcript
/// sent to the address on file, once it has ended, within the limits above.
pub(crate) async fn email_transcript(
    db: &Db,
    mailer: Option<&Mailer>,
    caller: &Caller,
    session_id: i64,
) -> Result<TranscriptEmail, AppError> {
    let Some(mailer) = mailer else {
        return Err(AppError::not_found("E-mail is not set up on this server"));
    };
    let caller = caller.clone();
    let retry_window = mailer.settings.retry_window.as_millis() as i64;
    let sent_to = db
        .write(move |conn| {
            let (row, room) = super::sessions::with_room(conn, session_id)?;
            access::email_transcript(&caller, room.customer_id)?;
            if row.status != SessionStatus::Ended {
                return Err(AppError::conflict(
                    ErrorCode::SessionNotEnded,
                    "The transcript can be e-mailed once the session has ended",
                ));
            }
            let Some(to) = privacy::contact(conn, caller.id)?
                .email
                .filter(|e| !e.trim().is_empty())
            else {
                return Err(AppError::bad_request(
                    "email: there is no e-mail address on file for you",
                ));
            };
            let now = now_ms();
            let gap = TRANSCRIPT_SESSION_GAP_MINUTES * 60_000;
            let (recent, last) =
                mail::count_for_session(conn, MailKind::Transcript, session_id, now - gap)?;
            if recent > 0 {
                return Err(limited(
                    format!(
                        "This transcript was e-mailed a moment ago; it can be sent again \
                         {TRANSCRIPT_SESSION_GAP_MINUTES} minutes later"
                    ),
                    last.unwrap_or(now) + gap - now,
                ));
            }
            let (today, oldest) =
                mail::count_for_user(conn, MailKind::Transcript, caller.id, now - DAY_MS)?;
            if today >= TRANSCRIPTS_PER_DAY {
                return Err(limited(
                    format!("At most {TRANSCRIPTS_PER_DAY} transcripts are e-mailed a day"),
                    oldest.unwrap_or(now) + DAY_MS - now,
                ));
            }
            let shop = settings::load(conn)?;
            let t = Transcript {
                room: room_views::one(conn, row.room_id, caller.id)?,
                sessions: vec![sessions::view(conn, session_id)?],
                messages: transcripts::messages(conn, row.room_id, Some(session_id))?,
            };
            let text = compose::transcript(shop.email_language, &shop.shop_name, &t, session_id);
            let m = NewMail {
                kind: MailKind::Transcript,
                user_id: caller.id,
                session_id,
                to: to.clone(),
                subject: text.subject,
                text: text.text,
                html: text.html,
            };
            mail::enqueue(conn, &m, now, now + retry_window)?;
            Ok(Outcome::quiet(to))
        })
        .await?;
    mailer.wake();
    Ok(TranscriptEmail { sent_to })
}

fn limited(message: String, wait_ms: i64) -> AppError {
    AppError::RateLimited {
        message,
        retry_after_secs: (wait_ms.max(1000) as u64).div_ceil(1000),
    }
}
