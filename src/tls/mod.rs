//! HTTPS served by Frontdesk itself (contract §12): the TLS settings, and the acceptor the
//! server listens with: plain TCP, TLS from certificate files the operator keeps
//! (`files.rs`, reloaded without a restart), or TLS with certificates Frontdesk gets and renews
//! from an ACME CA (`acme.rs`). Plain HTTP next to it only redirects (`redirect.rs`). It never
//! sees a request's content: routes are the same whichever acceptor carries them.
//!
//! Layering: poem's `TcpAcceptor` (with TCP_NODELAY, `realtime::NoDelayAcceptor`) -> rustls
//! (poem's `RustlsAcceptor` fed a stream of configs, or poem's ACME `ResolvedCertListener`)
//! -> hyper -> our routes. A WebSocket upgrade is hyper's over whatever stream it was given,
//! so Socket.IO's `realtime/upgrade.rs` works unchanged over TLS.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use poem::listener::acme::Http01TokensMap;
use poem::listener::{AcceptorExt, BoxAcceptor};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

use crate::config::Config;
use crate::realtime::NoDelayAcceptor;

mod acme;
mod files;
pub(crate) mod redirect;

/// Let's Encrypt's production directory, the default ACME CA.
pub const LETS_ENCRYPT: &str = poem::listener::acme::LETS_ENCRYPT_PRODUCTION;

/// Whether and how the server speaks HTTPS itself. `Off` is for a TLS-terminating proxy in
/// front (or plain HTTP on a private network).
#[derive(Debug, Clone, Default)]
pub enum Tls {
    /// Plain HTTP on the main address.
    #[default]
    Off,
    /// A certificate chain and its private key, both PEM, kept up to date by the operator
    /// (certbot, a company CA...); re-read on SIGHUP and when either file changes.
    Files { cert: PathBuf, key: PathBuf },
    /// Certificates got and renewed from an ACME CA (HTTP-01 checks on the plain-HTTP port).
    Acme(AcmeSettings),
}

/// What the ACME CA is asked for, and where the certificate is kept between restarts.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    /// The names the certificate covers; each must resolve to this server (ports 80 and 443).
    pub domains: Vec<String>,
    /// The CA's directory URL ([`LETS_ENCRYPT`] unless told otherwise).
    pub directory: String,
    /// Where the CA may write about expiry or problems (`mailto:` added if missing).
    pub contact: Option<String>,
    /// Private folder (0700) keeping the certificate and its key (next to the database).
    pub cache_dir: PathBuf,
}

/// The plain-HTTP address that redirects to HTTPS.
#[derive(Debug, Clone)]
pub struct PlainHttp {
    /// `host:port` to bind, e.g. `0.0.0.0:80`.
    pub addr: String,
    /// Whether start-up fails when it cannot be bound (the operator named it) or only logs
    /// (the ACME default, port 80, which needs privileges the server may lack).
    pub required: bool,
}

impl Tls {
    /// Whether the main port speaks HTTPS.
    pub fn is_on(&self) -> bool {
        !matches!(self, Tls::Off)
    }

    /// Checks what clap cannot: domain names that an ACME CA could issue for.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let Tls::Acme(acme) = self else {
            return Ok(());
        };
        if acme.domains.is_empty() {
            return Err("--acme-domain needs at least one domain name".into());
        }
        let bad = acme.domains.iter().find(|d| {
            d.is_empty()
                || d.starts_with(['.', '-'])
                || !d
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        });
        if let Some(bad) = bad {
            return Err(format!(
                "--acme-domain `{bad}` is not a domain name; give names like `chat.shop.example` \
                 (no scheme, port or path)"
            ));
        }
        if !acme.directory.starts_with("https://") {
            return Err(format!(
                "--acme-directory `{}` must be an https:// URL",
                acme.directory
            ));
        }
        Ok(())
    }
}

/// The acceptor for the main port and the address people should use.
pub(crate) struct Listening {
    pub(crate) acceptor: BoxAcceptor,
    /// `http://` or `https://` and the bound address: where this process is reached locally.
    pub(crate) local: String,
    /// The base URL to tell people: the first ACME domain when there is one, else `local`.
    pub(crate) public: String,
    /// The bound port, which the HTTP redirect names.
    pub(crate) port: u16,
    /// The ACME CA's pending HTTP-01 checks, answered on the plain-HTTP port.
    pub(crate) challenges: Option<Http01TokensMap>,
}

/// Wraps the bound listener in TLS as configured. A certificate pair that cannot be used stops
/// start-up with the reason; with ACME, start-up never waits for the CA.
pub(crate) async fn listen(
    config: &Config,
    listener: tokio::net::TcpListener,
) -> Result<Listening, String> {
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let tcp = NoDelayAcceptor::from_tokio(listener).map_err(|e| e.to_string())?;
    let challenges = matches!(config.tls, Tls::Acme(_)).then(Http01TokensMap::new);
    let (acceptor, public) = match &config.tls {
        Tls::Off => (tcp.boxed(), format!("http://{addr}")),
        Tls::Files { cert, key } => (files::acceptor(cert, key, tcp)?, format!("https://{addr}")),
        Tls::Acme(acme) => {
            let port = match addr.port() {
                443 => String::new(),
                p => format!(":{p}"),
            };
            let public = format!("https://{}{port}", acme.domains[0]);
            let tokens = challenges.clone().unwrap_or_default();
            (acme::acceptor(acme, tcp, tokens).await?, public)
        }
    };
    let scheme = if config.tls.is_on() { "https" } else { "http" };
    Ok(Listening {
        acceptor,
        local: format!("{scheme}://{addr}"),
        public,
        port: addr.port(),
        challenges,
    })
}

/// rustls refuses to pick between the two crypto libraries in the tree (aws-lc-rs for the
/// server, ring for the ACME client's HTTPS); poem's own TLS code uses aws-lc-rs, so we say so.
fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A certificate chain and private key, both PEM, checked the way a handshake would use them:
/// parsable, the key supported, and the key belonging to the first certificate.
pub(crate) fn certified_key(cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, String> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the certificate file is not PEM: {e}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("the key file holds no private key: {e}"))?;
    let key = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key)
        .map_err(|e| format!("the private key cannot be used: {e}"))?;
    let pair = CertifiedKey::new(chain, key);
    pair.keys_match()
        .map_err(|_| "the private key does not belong to the certificate".to_string())?;
    Ok(pair)
}

/// When the first certificate of `pair` was issued and when it expires.
fn validity(pair: &CertifiedKey) -> Option<(SystemTime, SystemTime)> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(pair.cert.first()?.as_ref()).ok()?;
    let at = |t: i64| SystemTime::UNIX_EPOCH + Duration::from_secs(t.max(0) as u64);
    Some((
        at(cert.validity().not_before.timestamp()),
        at(cert.validity().not_after.timestamp()),
    ))
}

/// The expiry of `pair` as `2024-01-01T10:00:00.000Z`, for log lines.
fn expiry_text(pair: &CertifiedKey) -> String {
    validity(pair)
        .and_then(|(_, until)| until.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|t| crate::time::format_ms(t.as_millis() as i64))
        .unwrap_or_else(|| "unknown".into())
}
