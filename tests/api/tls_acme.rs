//! HTTPS from an ACME CA: Let's Encrypt's test CA, Debian's `pebble`, started here as a plain
//! process and stopped by pid, validating for real (see tls.rs for why `localhost` needs no
//! fake DNS); then REST, Socket.IO polling and wss over the certificate it issued.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::tls::{
    Proc, TestCa, client, eventually, free_port, frontdesk, healthy_with, install_crypto,
    rest_over_https, socketio_over_tls,
};
use reqwest::StatusCode;
use serde_json::json;

/// Debian's pebble (Let's Encrypt's test CA), listening on its own ports under `dir`.
struct Pebble {
    _proc: Proc,
    directory: String,
    management: u16,
}

fn pebble(dir: &Path, ca: &TestCa, http_port: u16, https_port: u16) -> Pebble {
    let binary = ["/usr/bin/pebble", "/usr/sbin/pebble"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect(
            "pebble (Let's Encrypt's test CA) is not installed: `apt-get install pebble` \
             (scripts/test.sh installs it)",
        );
    let (cert, key) = ca.leaf();
    std::fs::write(dir.join("pebble-cert.pem"), cert).unwrap();
    std::fs::write(dir.join("pebble-key.pem"), key).unwrap();
    let (acme, management) = (free_port(), free_port());
    let config = json!({ "pebble": {
        "listenAddress": format!("127.0.0.1:{acme}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": dir.join("pebble-cert.pem"),
        "privateKey": dir.join("pebble-key.pem"),
        "httpPort": http_port,
        "tlsPort": https_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false
    }});
    std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
    let child = Command::new(binary)
        .arg("-config")
        .arg(dir.join("pebble.json"))
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(std::fs::File::create(dir.join("pebble.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pebble");
    let proc = Proc(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", acme)).is_err() {
        assert!(Instant::now() < deadline, "pebble did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Pebble {
        _proc: proc,
        directory: format!("https://127.0.0.1:{acme}/dir"),
        management,
    }
}

#[tokio::test]
async fn acme_gets_a_certificate_from_pebble_and_serves_rest_and_socketio() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("pebble's listener CA");
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    let (https_port, http_port) = (free_port(), free_port());
    let pebble = pebble(dir.path(), &ca, http_port, https_port);
    let log = dir.path().join("frontdesk.log");
    let (https_addr, http_addr) = (
        format!("127.0.0.1:{https_port}"),
        format!("127.0.0.1:{http_port}"),
    );
    let ca_file = dir.path().join("ca.pem");
    let (_server, url) = frontdesk(
        dir.path(),
        &[
            "--addr",
            &https_addr,
            "--http-addr",
            &http_addr,
            "--acme-domain",
            "localhost",
            "--acme-directory",
            &pebble.directory,
            "--acme-email",
            "owner@shop.example",
        ],
        // The ACME client's trust store: pebble's own HTTPS is signed by the test's CA.
        &[("SSL_CERT_FILE", ca_file.to_str().unwrap())],
        &log,
    );
    assert_eq!(url, format!("https://{https_addr}"));

    // Pebble makes a new root each run; its management port hands it out.
    let root = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .build()
        .unwrap()
        .get(format!("https://127.0.0.1:{}/roots/0", pebble.management))
        .send()
        .await
        .expect("pebble's root")
        .text()
        .await
        .unwrap();
    let issued = eventually(Duration::from_secs(60), || healthy_with(&root, https_port)).await;
    assert!(
        issued,
        "no certificate from pebble: {}",
        std::fs::read_to_string(&log).unwrap()
    );

    let http = client(&root, https_port);
    let base = format!("https://localhost:{https_port}");
    let token = rest_over_https(&http, &base).await;
    socketio_over_tls(&http, &root, https_port, &token).await;

    // The certificate, its key and the CA account are kept, private, next to the database.
    let cache = dir.path().join("acme");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700);
    let kept: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 3, "{kept:?}");
    for file in &kept {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }

    // Plain HTTP on the same host redirects to https.
    let plain = http
        .get(format!("http://localhost:{http_port}/chat"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        plain.headers()["location"],
        format!("https://localhost:{https_port}/chat").as_str()
    );
}
