//! TLS from a certificate and key the operator keeps up to date (`--tls-cert`, `--tls-key`).
//! A renewed pair is picked up without a restart: on SIGHUP, and when either file's size,
//! modification time or inode changes (checked every few seconds, which also sees certbot's
//! symlink swaps that file-change notifications miss). A new pair is checked first; one that
//! cannot be used is refused with a log line and the previous one keeps serving.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use poem::listener::{AcceptorExt, BoxAcceptor, RustlsCertificate, RustlsConfig};
use tokio::sync::mpsc;

use crate::realtime::NoDelayAcceptor;

/// How often the files are looked at for a change.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// The TLS acceptor over `tcp`, serving the pair in `cert` and `key` and every good pair that
/// replaces it. Fails (with the file and the reason) when the first pair cannot be used.
pub(super) fn acceptor(
    cert: &Path,
    key: &Path,
    tcp: NoDelayAcceptor,
) -> Result<BoxAcceptor, String> {
    super::install_crypto();
    let first = read_pair(cert, key)?;
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(first).expect("an empty channel has room");
    tokio::spawn(watch(cert.to_path_buf(), key.to_path_buf(), tx));
    let configs =
        futures_util::StreamExt::boxed(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|config| (config, rx))
        }));
    Ok(tcp.rustls(configs).boxed())
}

/// Reads and checks both files; the config poem's acceptor is given.
fn read_pair(cert: &Path, key: &Path) -> Result<RustlsConfig, String> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let (cert_pem, key_pem) = (read(cert)?, read(key)?);
    let pair = super::certified_key(&cert_pem, &key_pem)
        .map_err(|e| format!("{} and {}: {e}", cert.display(), key.display()))?;
    tracing::info!(
        cert = %cert.display(),
        expires = %super::expiry_text(&pair),
        "TLS certificate loaded"
    );
    Ok(RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert_pem).key(key_pem)))
}

/// What tells a changed file from the one read before.
type Stamp = Option<(u64, SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?, meta.ino()))
}

/// Sends a checked pair whenever SIGHUP arrives or the files change, until the acceptor is gone.
async fn watch(cert: PathBuf, key: PathBuf, tx: mpsc::Sender<RustlsConfig>) {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut seen = (stamp(&cert), stamp(&key));
    while !tx.is_closed() {
        let hangup = async {
            match hangups.as_mut() {
                Some(s) => s.recv().await,
                None => std::future::pending().await,
            }
        };
        let reason = tokio::select! {
            _ = hangup => "SIGHUP",
            _ = tokio::time::sleep(LOOK_EVERY) => {
                let now = (stamp(&cert), stamp(&key));
                if now == seen {
                    continue;
                }
                seen = now;
                "the files changed"
            }
        };
        match read_pair(&cert, &key) {
            Ok(config) => {
                tracing::info!(reason, "TLS certificate reloaded");
                if tx.send(config).await.is_err() {
                    return;
                }
            }
            Err(e) => tracing::error!(
                reason,
                "refused the new TLS certificate, still serving the previous one: {e}"
            ),
        }
    }
}
