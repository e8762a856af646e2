//! What the shop's e-mails say, in the shop's language (`emailLanguage`): subject lines that
//! say what the mail is, a plain-text part and an HTML part (every user string escaped), and
//! the MIME message the sender hands to SMTP. Never touches the database.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::model::shop::EmailLanguage;
use crate::model::{Session, Transcript};
use crate::store::mail::DueMail;
use crate::transcript_text;

/// A mail's subject and bodies, as the outbox stores them.
#[derive(Debug, Clone)]
pub(crate) struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `&`, `<`, `>`, `"` and `'` as entities: nothing a customer typed becomes markup.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Subject lines carry no line breaks (a header injection needs one).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn shop_or_default(shop: &str, lang: EmailLanguage) -> String {
    match (shop.trim().is_empty(), lang) {
        (false, _) => shop.trim().to_string(),
        (true, EmailLanguage::Vi) => "Frontdesk".into(),
        (true, EmailLanguage::En) => "Frontdesk".into(),
    }
}

fn html_page(lang: EmailLanguage, title: &str, body: &str) -> String {
    let code = match lang {
        EmailLanguage::Vi => "vi",
        EmailLanguage::En => "en",
    };
    format!(
        "<!doctype html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font:15px/1.5 system-ui,sans-serif;color:#1f2430\">{body}</body></html>\n",
        escape(title)
    )
}

/// To a staff member: session `session` has waited `minutes` minutes without being claimed.
pub(crate) fn waiting_alert(
    lang: EmailLanguage,
    shop: &str,
    session: &Session,
    minutes: i64,
) -> Composed {
    let shop = shop_or_default(shop, lang);
    let customer = session.customer.display_name();
    let (subject, lead, topic, who, started, act) = match lang {
        EmailLanguage::Vi => (
            format!(
                "[{shop}] Khách đang chờ {minutes} phút: phiên #{}",
                session.id
            ),
            format!("Một khách hàng đã chờ hơn {minutes} phút mà chưa có nhân viên nhận."),
            "Chủ đề",
            "Khách hàng",
            "Bắt đầu lúc",
            "Mở bàn trực để nhận phiên này.",
        ),
        EmailLanguage::En => (
            format!(
                "[{shop}] A customer has waited {minutes} min: session #{}",
                session.id
            ),
            format!(
                "A customer has waited more than {minutes} minutes and nobody has claimed the chat yet."
            ),
            "Topic",
            "Customer",
            "Started",
            "Open the desk to claim it.",
        ),
    };
    let started_at = session.started_at.to_string();
    let text = format!(
        "{lead}\n\n{topic}: {}\n{who}: {customer}\n{started}: {started_at}\n\n{act}\n",
        session.title
    );
    let body = format!(
        "<p>{}</p><ul><li>{topic}: <strong>{}</strong></li><li>{who}: {}</li>\
         <li>{started}: {started_at}</li></ul><p>{act}</p>",
        escape(&lead),
        escape(&session.title),
        escape(&customer)
    );
    let subject = one_line(&subject);
    Composed {
        html: html_page(lang, &subject, &body),
        text,
        subject,
    }
}

/// To a customer: the transcript of their session `session_id` (the transcript file's own
/// text and escaped HTML, under a few lines in the shop's language).
pub(crate) fn transcript(
    lang: EmailLanguage,
    shop: &str,
    t: &Transcript,
    session_id: i64,
) -> Composed {
    let shop = shop_or_default(shop, lang);
    let title = t
        .sessions
        .first()
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let (subject, lead, keep) = match lang {
        EmailLanguage::Vi => (
            format!("[{shop}] Nội dung cuộc trò chuyện: {title}"),
            format!(
                "Đây là nội dung cuộc trò chuyện của bạn với {shop} (phiên #{session_id}) mà bạn đã yêu cầu."
            ),
            "Bạn nhận được thư này vì đã bấm \"Gửi nội dung qua e-mail\" trên trang chat.",
        ),
        EmailLanguage::En => (
            format!("[{shop}] Transcript of your chat: {title}"),
            format!(
                "Here is the transcript of your chat with {shop} (session #{session_id}) that you asked for."
            ),
            "You get this e-mail because you pressed \"E-mail me the transcript\" on the chat page.",
        ),
    };
    let txt = transcript_text::text(t, Some(session_id));
    let page = transcript_text::html(t, Some(session_id));
    let intro = format!(
        "<p>{}</p><p style=\"color:#5b6270\">{}</p>",
        escape(&lead),
        escape(keep)
    );
    // The transcript page is ours (askama escapes it): the intro goes right after `<main>`.
    let html = match page.find("<main>") {
        Some(at) => format!("{}{intro}{}", &page[..at + 6], &page[at + 6..]),
        None => html_page(lang, &subject, &intro),
    };
    Composed {
        subject: one_line(&subject),
        text: format!("{lead}\n{keep}\n\n{txt}"),
        html,
    }
}

/// The mail `m` as a MIME message: multipart/alternative (text, then HTML), with a Message-ID
/// made from its outbox row, so a copy sent twice (see src/mail/mod.rs) is recognisable.
pub(crate) fn message(from: &Mailbox, m: &DueMail) -> Result<Message, String> {
    let to: Mailbox = m.to.parse().map_err(|e| format!("not a mailbox: {e}"))?;
    let domain = from.email.domain().to_string();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(message_id(m.id, m.created_at, &domain)))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(m.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(m.html.clone()),
                ),
        )
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// `<frontdesk.mail.<row id>.<created ms>@<sender's domain>>`: the same on every attempt.
pub(crate) fn message_id(id: i64, created_at: i64, domain: &str) -> String {
    format!("<frontdesk.mail.{id}.{created_at}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_subjects_no_line_breaks() {
        assert_eq!(
            escape("<b onclick='x'>&\"</b>"),
            "&lt;b onclick=&#39;x&#39;&gt;&amp;&quot;&lt;/b&gt;"
        );
        assert_eq!(one_line("a\r\nBcc: x@y.z"), "a  Bcc: x@y.z");
        assert_eq!(
            message_id(7, 1700000000000, "shop.example"),
            "<frontdesk.mail.7.1700000000000@shop.example>"
        );
    }
}
