//! The HTTPS flags of `serve` (contract §12), turned into `config::Config`'s `tls` and
//! `http_redirect`.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::tls::{AcmeSettings, LETS_ENCRYPT, PlainHttp, Tls};

/// Serving HTTPS directly, without a proxy in front.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// PEM certificate chain to serve HTTPS with on --addr (with --tls-key). Re-read on SIGHUP
    /// and when the file changes; a new pair that does not work is refused and the old one kept.
    #[arg(
        long,
        env = "FRONTDESK_TLS_CERT",
        requires = "tls_key",
        conflicts_with = "acme_domain"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "FRONTDESK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Get and renew the HTTPS certificate for this domain from an ACME CA (repeat the flag or
    /// separate with commas). The domain must point to this server; the CA checks it over plain
    /// HTTP on port 80 (--http-addr) and visitors use --addr (e.g. 0.0.0.0:443). The
    /// certificate and the CA account are kept in `acme/` next to --db.
    #[arg(long, env = "FRONTDESK_ACME_DOMAIN", value_delimiter = ',')]
    pub acme_domain: Vec<String>,
    /// The ACME CA's directory URL.
    #[arg(long, env = "FRONTDESK_ACME_DIRECTORY", default_value = LETS_ENCRYPT)]
    pub acme_directory: String,
    /// E-mail address the ACME CA may write to about the certificate.
    #[arg(long, env = "FRONTDESK_ACME_EMAIL")]
    pub acme_email: Option<String>,
    /// Plain-HTTP address that redirects every request to HTTPS. Default with --acme-domain:
    /// 0.0.0.0:80 if it can be bound (only logged if not); otherwise none.
    #[arg(long, env = "FRONTDESK_HTTP_ADDR")]
    pub http_addr: Option<String>,
}

impl TlsArgs {
    /// The TLS mode and the redirecting address; the ACME cache goes next to the database.
    pub(crate) fn settings(self, db: &Path) -> (Tls, Option<PlainHttp>) {
        let domains: Vec<String> = self
            .acme_domain
            .iter()
            .map(|d| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        let acme = !domains.is_empty();
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Tls::Files { cert, key },
            _ if acme => Tls::Acme(AcmeSettings {
                domains,
                directory: self.acme_directory,
                contact: self.acme_email.filter(|e| !e.trim().is_empty()),
                cache_dir: db.parent().unwrap_or(Path::new(".")).join("acme"),
            }),
            _ => Tls::Off,
        };
        let http = match self.http_addr {
            Some(addr) => Some(PlainHttp {
                addr,
                required: true,
            }),
            None if acme => Some(PlainHttp {
                addr: "0.0.0.0:80".into(),
                required: false,
            }),
            None => None,
        };
        (tls, http)
    }
}
