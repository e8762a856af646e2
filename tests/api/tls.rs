//! HTTPS served by Frontdesk itself: from certificate files (reloaded when they change, a
//! broken pair refused) and from an ACME CA: Let's Encrypt's test CA, Debian's `pebble`,
//! started here as a plain process and stopped by pid. Each test runs the real executable, so
//! signals and the trust store (`SSL_CERT_FILE`) are its own. The ACME test is in tls_acme.rs;
//! the helpers here serve both.
//!
//! Pebble validates for real: it fetches the HTTP-01 answer from `http://localhost:<port>/`,
//! our `--http-addr`, so `localhost` (127.0.0.1 in /etc/hosts) needs no fake DNS and no
//! "always valid" switch. `PEBBLE_VA_NOSLEEP` only removes pebble's random wait before it
//! checks, and `PEBBLE_WFE_NONCEREJECT=0` its deliberate rejection of 5% of nonces, so the
//! test's time does not depend on chance.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, SanType};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::process::BIN;

/// A CA made for one test, and leaf pairs it signs.
pub(crate) struct TestCa {
    ca: Certificate,
}

impl TestCa {
    pub(crate) fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(vec![]);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        TestCa {
            ca: Certificate::from_params(params).expect("CA"),
        }
    }

    pub(crate) fn pem(&self) -> String {
        self.ca.serialize_pem().unwrap()
    }

    /// A certificate for `localhost` and 127.0.0.1 and its key, both PEM.
    pub(crate) fn leaf(&self) -> (String, String) {
        let mut params = CertificateParams::new(vec!["localhost".to_string()]);
        params
            .subject_alt_names
            .push(SanType::IpAddress(Ipv4Addr::LOCALHOST.into()));
        let leaf = Certificate::from_params(params).unwrap();
        (
            leaf.serialize_pem_with_signer(&self.ca).unwrap(),
            leaf.serialize_private_key_pem(),
        )
    }
}

/// A port nobody listens on right now (for the processes that must be told theirs).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A process stopped by its pid when the test ends, however it ends.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `frontdesk serve` with `args`, logging to `log`; returns once it says where it listens.
pub(crate) fn frontdesk(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    log: &Path,
) -> (Proc, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--db")
        .arg(dir.join("frontdesk.db"))
        .args(args)
        .env("RUST_LOG", "frontdesk=info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start frontdesk");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| {
                panic!(
                    "frontdesk exited before listening: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                )
            })
            .unwrap();
        if let Some(url) = line.strip_prefix("Frontdesk listening on ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Proc(child), url)
}

/// An HTTPS client trusting only `root_pem`, reaching `localhost` at 127.0.0.1.
pub(crate) fn client(root_pem: &str, port: u16) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root_pem.as_bytes()).unwrap())
        .resolve("localhost", SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Whether a fresh connection trusting only `root_pem` gets a healthy answer.
pub(crate) async fn healthy_with(root_pem: &str, port: u16) -> bool {
    let res = client(root_pem, port)
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await;
    matches!(res, Ok(r) if r.status() == StatusCode::OK)
}

/// Waits until `check` holds, up to `limit`.
pub(crate) async fn eventually<F: std::future::Future<Output = bool>>(
    limit: Duration,
    mut check: impl FnMut() -> F,
) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// A customer signs up over HTTPS and reads their room: REST works over TLS. The token.
pub(crate) async fn rest_over_https(http: &reqwest::Client, base: &str) -> String {
    let res = http
        .post(format!("{base}/api/auth/register"))
        .json(
            &json!({ "userName": "tls-customer", "password": crate::helpers::PASSWORD,
                       "firstName": "T", "lastName": "LS" }),
        )
        .send()
        .await
        .expect("register over https");
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    let token = body["accessToken"].as_str().expect("token").to_string();
    let rooms: Value = http
        .get(format!("{base}/api/chat/rooms"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rooms.as_array().map(Vec::len), Some(1), "{rooms}");
    token
}

/// Socket.IO over HTTPS long-polling and over `wss://`: the Engine.IO handshake on both, and
/// a signed-in connect to `/chat` over the WebSocket (our upgrade endpoint, through TLS).
pub(crate) async fn socketio_over_tls(
    http: &reqwest::Client,
    root_pem: &str,
    port: u16,
    token: &str,
) {
    let polling = http
        .get(format!(
            "https://localhost:{port}/socket.io/?EIO=4&transport=polling"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        polling.starts_with("0{") && polling.contains("\"sid\""),
        "{polling}"
    );

    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile_certs(root_pem) {
        roots.add(cert).unwrap();
    }
    let tls = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let url = format!("wss://localhost:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::client_async_tls_with_config(
        url,
        tcp,
        None,
        Some(tokio_tungstenite::Connector::Rustls(Arc::new(tls))),
    )
    .await
    .expect("websocket over TLS");
    let open = next_text(&mut ws).await.expect("engine.io open");
    assert!(open.starts_with("0{"), "{open}");
    let connect = format!("40/chat,{}", json!({ "token": token }));
    ws.send(Message::text(connect)).await.unwrap();
    let joined = next_text(&mut ws).await.expect("namespace connect answer");
    assert!(
        joined.starts_with("40/chat,") && joined.contains("\"sid\""),
        "signed-in connect over wss: {joined}"
    );
}

type Wss =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame other than a ping (answered), within ten seconds.
pub(crate) async fn next_text(ws: &mut Wss) -> Result<String, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    ws.send(Message::text("3")).await.unwrap();
                }
                Some(Ok(Message::Text(t))) => return t.to_string(),
                Some(Ok(_)) => continue,
                other => panic!("websocket ended: {other:?}"),
            }
        }
    })
    .await
}

pub(crate) fn rustls_pemfile_certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap()
}

pub(crate) fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

#[tokio::test]
async fn https_from_files_serves_everything_and_takes_a_renewed_pair_without_restart() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let (first_ca, second_ca) = (TestCa::new("first CA"), TestCa::new("second CA"));
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (cert, key) = first_ca.leaf();
    std::fs::write(&cert_path, &cert).unwrap();
    std::fs::write(&key_path, &key).unwrap();
    let http_port = free_port();
    let log = dir.path().join("frontdesk.log");
    let http_addr = format!("127.0.0.1:{http_port}");
    let (server, url) = frontdesk(
        dir.path(),
        &["--addr", "127.0.0.1:0", "--http-addr", &http_addr],
        &[
            ("FRONTDESK_TLS_CERT", cert_path.to_str().unwrap()),
            ("FRONTDESK_TLS_KEY", key_path.to_str().unwrap()),
        ],
        &log,
    );
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let base = format!("https://localhost:{port}");
    let http = client(&first_ca.pem(), port);

    let token = rest_over_https(&http, &base).await;
    socketio_over_tls(&http, &first_ca.pem(), port, &token).await;

    // Served over our own TLS, the console's cookies are Secure without any proxy header.
    let login = http
        .get(format!("{base}/console/login"))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Plain HTTP redirects to the same path over https.
    let plain = http
        .get(format!(
            "http://127.0.0.1:{http_port}/console/login?lang=en"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        plain.headers()["location"],
        format!("https://127.0.0.1:{port}/console/login?lang=en").as_str()
    );

    // A key that does not belong to the certificate is refused; the old pair keeps serving.
    let (_, stray_key) = second_ca.leaf();
    std::fs::write(&key_path, &stray_key).unwrap();
    let refused = eventually(Duration::from_secs(15), || async {
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("refused the new TLS certificate")
    })
    .await;
    assert!(
        refused,
        "no refusal logged: {}",
        std::fs::read_to_string(&log).unwrap()
    );
    assert!(
        healthy_with(&first_ca.pem(), port).await,
        "the old pair stopped serving"
    );

    // A good renewed pair is served without a restart, to new connections.
    let (cert, key) = second_ca.leaf();
    std::fs::write(&cert_path, &cert).unwrap();
    std::fs::write(&key_path, &key).unwrap();
    let second_pem = second_ca.pem();
    let renewed = eventually(Duration::from_secs(15), || healthy_with(&second_pem, port)).await;
    assert!(
        renewed,
        "renewed pair not served: {}",
        std::fs::read_to_string(&log).unwrap()
    );
    assert!(
        !healthy_with(&first_ca.pem(), port).await,
        "still serving the old certificate"
    );

    // SIGHUP re-reads the files too (and never stops the server).
    let status = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let reloaded = eventually(Duration::from_secs(10), || async {
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("reason=\"SIGHUP\"")
    })
    .await;
    assert!(reloaded, "{}", std::fs::read_to_string(&log).unwrap());
    assert!(healthy_with(&second_ca.pem(), port).await);
    drop(server);
}
