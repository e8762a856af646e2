//! Certificates from an ACME CA (`--acme-domain`), got and renewed by Frontdesk itself:
//! instant-acme speaks the protocol (poem 3.1.12's own `issue_cert` fails on the `processing`
//! state that CAs with asynchronous finalization answer, Let's Encrypt and pebble among them);
//! poem's certificate resolver serves the result, and poem's HTTP-01 endpoint answers the CA's
//! check on the plain-HTTP port (`redirect.rs` routes `/.well-known/acme-challenge/` to it).
//!
//! Start-up never waits for the CA (a cached certificate serves at once; an unreachable CA is
//! retried, not fatal); renewal starts when a third of the certificate's life is left (Let's
//! Encrypt's advice: 30 days of 90); failures back off from a minute to an hour, well inside
//! the CA's rate limits; a cached certificate that does not cover every configured domain is
//! replaced. The cache (`cert.pem`, `key.pem`, the account's credentials) lives in a 0700
//! folder, each file written 0600; the account is reused across restarts.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};
use poem::listener::acme::{self as poem_acme, Http01TokensMap, ResolveServerCert};
use poem::listener::{AcceptorExt, BoxAcceptor, Listener};
use rustls::sign::CertifiedKey;
use sha2::Digest;

use super::AcmeSettings;
use crate::realtime::NoDelayAcceptor;

/// First wait after a failed attempt; doubled on each failure up to `LONGEST_WAIT`.
const FIRST_RETRY: Duration = Duration::from_secs(60);
const LONGEST_WAIT: Duration = Duration::from_secs(3600);

/// The TLS acceptor over `tcp`, with the cached certificate if it is still good, and a task
/// keeping it renewed.
pub(super) async fn acceptor(
    settings: &AcmeSettings,
    tcp: NoDelayAcceptor,
    tokens: Http01TokensMap,
) -> Result<BoxAcceptor, String> {
    super::install_crypto();
    private_dir(&settings.cache_dir)?;
    let resolver = Arc::new(ResolveServerCert::default());
    if let Some(cached) = cached(settings) {
        tracing::info!(expires = %super::expiry_text(&cached), "using the cached certificate");
        *resolver.cert.write() = Some(Arc::new(cached));
    }
    tokio::spawn(keep_renewed(
        Arc::downgrade(&resolver),
        settings.clone(),
        tokens,
    ));
    // Http01: poem then offers no `acme-tls/1` protocol; the check arrives over plain HTTP.
    let listener = poem_acme::ResolvedCertListener::new(
        Bound(tcp),
        resolver,
        poem_acme::ChallengeType::Http01,
    );
    let acceptor = listener.into_acceptor().await.map_err(|e| e.to_string())?;
    Ok(acceptor.boxed())
}

/// An already bound acceptor, as the `Listener` poem's resolver wants to wrap.
struct Bound(NoDelayAcceptor);

impl Listener for Bound {
    type Acceptor = NoDelayAcceptor;

    async fn into_acceptor(self) -> std::io::Result<NoDelayAcceptor> {
        Ok(self.0)
    }
}

/// Creates the cache folder owner-only, or makes an existing one so.
fn private_dir(dir: &Path) -> Result<(), String> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .and_then(|()| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| {
            format!(
                "cannot prepare the certificate cache {}: {e}",
                dir.display()
            )
        })
}

/// The cached pair, when it can be used and covers every configured domain.
fn cached(settings: &AcmeSettings) -> Option<CertifiedKey> {
    let dir = &settings.cache_dir;
    let cert = std::fs::read(dir.join("cert.pem")).ok()?;
    let key = std::fs::read(dir.join("key.pem")).ok()?;
    match super::certified_key(&cert, &key) {
        Ok(pair) if covers(&pair, &settings.domains) => Some(pair),
        Ok(_) => {
            tracing::info!("the cached certificate does not cover every domain; getting a new one");
            None
        }
        Err(e) => {
            tracing::warn!("ignoring the cached certificate: {e}");
            None
        }
    }
}

/// Whether the certificate names every one of `domains`.
fn covers(pair: &CertifiedKey, domains: &[String]) -> bool {
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
    let Some((_, cert)) = pair
        .cert
        .first()
        .and_then(|c| X509Certificate::from_der(c.as_ref()).ok())
    else {
        return false;
    };
    let Ok(Some(names)) = cert.subject_alternative_name() else {
        return false;
    };
    let named: Vec<&str> = names
        .value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some(*d),
            _ => None,
        })
        .collect();
    domains
        .iter()
        .all(|d| named.iter().any(|n| n.eq_ignore_ascii_case(d)))
}

/// How long until `pair` should be renewed: zero once a third of its life is left.
fn renew_in(pair: &CertifiedKey) -> Duration {
    let Some((from, until)) = super::validity(pair) else {
        return Duration::ZERO;
    };
    let life = until.duration_since(from).unwrap_or_default();
    let renew_at = until - life / 3;
    renew_at
        .duration_since(SystemTime::now())
        .unwrap_or_default()
}

/// Gets a certificate when there is none or it is due, for as long as the server runs.
async fn keep_renewed(
    resolver: Weak<ResolveServerCert>,
    settings: AcmeSettings,
    tokens: Http01TokensMap,
) {
    let mut account: Option<Account> = None;
    let mut retry = FIRST_RETRY;
    loop {
        let Some(current) = resolver.upgrade() else {
            return;
        };
        let due = current
            .cert
            .read()
            .as_deref()
            .map_or(Duration::ZERO, renew_in);
        if !due.is_zero() {
            drop(current);
            // Woken at least daily, so a clock change cannot postpone a renewal by weeks.
            tokio::time::sleep(due.min(Duration::from_secs(24 * 3600))).await;
            continue;
        }
        match renew(&mut account, &current, &settings, &tokens).await {
            Ok(expires) => {
                tracing::info!(domains = ?settings.domains, %expires, "certificate obtained");
                retry = FIRST_RETRY;
            }
            Err(e) => {
                tracing::error!(
                    domains = ?settings.domains,
                    directory = %settings.directory,
                    retry_in_seconds = retry.as_secs(),
                    "cannot get a certificate: {e}"
                );
                drop(current);
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LONGEST_WAIT);
            }
        }
    }
}

/// One attempt: order, prove control of each domain, download, cache, serve. The expiry.
async fn renew(
    account: &mut Option<Account>,
    resolver: &ResolveServerCert,
    settings: &AcmeSettings,
    tokens: &Http01TokensMap,
) -> Result<String, String> {
    let account = match account {
        Some(a) => a,
        None => account.insert(open_account(settings).await?),
    };
    let identifiers: Vec<Identifier> = settings
        .domains
        .iter()
        .map(|d| Identifier::Dns(d.clone()))
        .collect();
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
        .await
        .map_err(|e| format!("the CA refused the order: {e}"))?;
    let mut answered = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(authz) = authorizations.next().await {
        let mut authz = authz.map_err(|e| e.to_string())?;
        match authz.status {
            AuthorizationStatus::Pending => {}
            AuthorizationStatus::Valid => continue,
            other => return Err(format!("authorization is {other:?}")),
        }
        let mut challenge = authz
            .challenge(ChallengeType::Http01)
            .ok_or("the CA offers no HTTP-01 check")?;
        tokens.insert(&challenge.token, challenge.key_authorization().as_str());
        answered.push(challenge.token.clone());
        challenge.set_ready().await.map_err(|e| e.to_string())?;
    }
    let ready = order.poll_ready(&RetryPolicy::default()).await;
    for token in &answered {
        tokens.remove(token);
    }
    match ready.map_err(|e| e.to_string())? {
        OrderStatus::Ready => {}
        other => {
            return Err(format!(
                "the CA did not accept the check ({other:?}): does each domain point to this \
                 server, with port 80 reaching --http-addr?"
            ));
        }
    }
    let key_pem = order.finalize().await.map_err(|e| e.to_string())?;
    let chain_pem = order
        .poll_certificate(&RetryPolicy::default())
        .await
        .map_err(|e| e.to_string())?;
    let pair = super::certified_key(chain_pem.as_bytes(), key_pem.as_bytes())?;
    let dir = &settings.cache_dir;
    write_private(&dir.join("key.pem"), key_pem.as_bytes())?;
    write_private(&dir.join("cert.pem"), chain_pem.as_bytes())?;
    let expires = super::expiry_text(&pair);
    *resolver.cert.write() = Some(Arc::new(pair));
    Ok(expires)
}

/// The account kept for this CA, or a new one (kept for next time). One file per directory
/// URL, so pointing Frontdesk at another CA never reuses an account it does not know.
async fn open_account(settings: &AcmeSettings) -> Result<Account, String> {
    let digest = sha2::Sha256::digest(settings.directory.as_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let path = settings.cache_dir.join(format!("account-{name}.json"));
    let builder = || Account::builder().map_err(|e| e.to_string());
    if let Ok(saved) = std::fs::read(&path)
        && let Ok(credentials) = serde_json::from_slice::<AccountCredentials>(&saved)
    {
        return builder()?
            .from_credentials(credentials)
            .await
            .map_err(|e| format!("cannot reach the CA: {e}"));
    }
    let contact = settings
        .contact
        .as_ref()
        .map(|c| match c.starts_with("mailto:") {
            true => c.clone(),
            false => format!("mailto:{c}"),
        });
    let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, credentials) = builder()?
        .create(
            &NewAccount {
                contact: &contacts,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            settings.directory.clone(),
            None,
        )
        .await
        .map_err(|e| format!("cannot open an account with the CA: {e}"))?;
    let json = serde_json::to_vec(&credentials).map_err(|e| e.to_string())?;
    write_private(&path, &json)?;
    Ok(account)
}

/// Writes `path` whole (a temporary file renamed over it), readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut temp = path.as_os_str().to_owned();
    temp.push(".new");
    let temp = std::path::PathBuf::from(temp);
    let _ = std::fs::remove_file(&temp);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| format!("cannot keep the certificate in {}: {e}", path.display()))
}
