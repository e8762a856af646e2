//! The e-mail flags of `serve` (issue 14), turned into `config::Config`'s `mail`.

use clap::Args;

use crate::config::MailSettings;

/// Sending e-mail (staff's waiting alerts, customers' transcripts) through an SMTP server.
#[derive(Debug, Args)]
pub struct MailArgs {
    /// SMTP server to send e-mail through: `smtps://user:password@host:465` (TLS from the
    /// start), `smtp://user:password@host:587?tls=required` (STARTTLS, refused without it),
    /// `smtp://...?tls=opportunistic` (STARTTLS when offered) or `smtp://host:25` (plain). URL
    /// encode special characters of the user and password. Unset: e-mail is off; nothing
    /// is written for sending and the pages say so.
    #[arg(
        long,
        env = "FRONTDESK_SMTP_URL",
        hide_env_values = true,
        requires = "smtp_from"
    )]
    pub smtp_url: Option<String>,
    /// The sender of every e-mail, like `Shop support <support@shop.example>`.
    #[arg(long, env = "FRONTDESK_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Milliseconds before a failed e-mail's first retry (each later one waits twice as long,
    /// up to an hour, for 24 hours).
    #[arg(long, env = "FRONTDESK_SMTP_FIRST_RETRY_MS", default_value_t = 20_000)]
    pub smtp_first_retry_ms: u64,
}

impl MailArgs {
    /// The mail settings, or `None` when no SMTP server is given.
    pub fn settings(&self) -> Option<MailSettings> {
        let url = self.smtp_url.as_ref()?;
        let mut mail = MailSettings::new(url.trim(), self.smtp_from.clone().unwrap_or_default());
        mail.first_retry = std::time::Duration::from_millis(self.smtp_first_retry_ms);
        Some(mail)
    }
}
