//! PostgreSQL for the tests of the cluster work: Debian's server, started here as a plain
//! process under a temporary directory (`initdb` and `pg_ctl`, as the `postgres` user when the
//! tests run as root, since `initdb` refuses root) and stopped by its pid when the test ends.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::tls::{TestCa, free_port};

/// A running PostgreSQL server of its own; stopped when dropped.
pub(crate) struct Postgres {
    dir: TempDir,
    pid: i32,
    pub port: u16,
}

/// The newest PostgreSQL installed the Debian way (`/usr/lib/postgresql/<version>/bin`).
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).expect(
        "PostgreSQL is not installed: `apt-get install postgresql` (scripts/test.sh does it)",
    )
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program` from PostgreSQL's bin folder, run as `postgres` when we are root.
fn pg_command(program: &str) -> Command {
    let path = bin_dir().join(program);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    /// Creates a new cluster (user `fd`, trusted on loopback) and starts it on a free port.
    pub(crate) fn start() -> Postgres {
        Self::start_with(None)
    }

    /// Like [`Postgres::start`], but TCP connections must use TLS, with a certificate for
    /// `localhost` and 127.0.0.1 that `ca` signed (the Unix socket stays open, for the tests'
    /// own connections).
    pub(crate) fn start_tls(ca: &TestCa) -> Postgres {
        Self::start_with(Some(ca))
    }

    fn start_with(ca: Option<&TestCa>) -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        let chown = |path: &Path| {
            if is_root() {
                let mut c = Command::new("chown");
                c.args(["-R", "postgres"]).arg(path);
                run(c, "chown");
            }
        };
        chown(dir.path());
        let data = dir.path().join("pg");
        let mut init = pg_command("initdb");
        init.arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "fd", "-E", "UTF8", "--no-sync"]);
        run(init, "initdb");
        let mut options = format!(
            "-p {{port}} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.path().display()
        );
        if let Some(ca) = ca {
            use std::os::unix::fs::PermissionsExt;
            let (cert, key) = ca.leaf();
            std::fs::write(data.join("server.crt"), cert).unwrap();
            std::fs::write(data.join("server.key"), key).unwrap();
            std::fs::set_permissions(
                data.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
            )
            .unwrap();
            chown(&data);
            options.push_str(" -c ssl=on");
        }
        // A free port can be taken by another test's server between the look and the bind:
        // try another then.
        let mut tries = 0;
        let port = loop {
            let port = free_port();
            let mut start = pg_command("pg_ctl");
            start
                .arg("-D")
                .arg(&data)
                .args(["-w", "-l"])
                .arg(dir.path().join("pg.log"))
                .arg("-o")
                .arg(options.replace("{port}", &port.to_string()))
                .arg("start");
            tries += 1;
            if tries == 3 {
                run(start, "pg_ctl start");
                break port;
            }
            if start.output().is_ok_and(|out| out.status.success()) {
                break port;
            }
        };
        let pid = std::fs::read_to_string(data.join("postmaster.pid"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        Postgres { dir, pid, port }
    }

    /// The URL of database `name` on this server (`postgres` always exists).
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://fd@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub(crate) async fn create_database(&self, name: &str) -> String {
        let admin = self.connect("postgres").await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        self.url(name)
    }

    /// A client of database `name`, over the Unix socket (which needs no TLS in either mode).
    pub(crate) async fn connect(&self, name: &str) -> tokio_postgres::Client {
        let socket = format!(
            "host={} port={} user=fd dbname={name}",
            self.dir.path().display(),
            self.port
        );
        let (client, connection) = tokio_postgres::connect(&socket, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to {name}: {e}"));
        tokio::spawn(connection);
        client
    }

    /// The server's log, for a failing test's message.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pg.log")).unwrap_or_default()
    }

    fn data(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    /// Immediate shutdown by pid (SIGQUIT), then wait until the postmaster is gone, so the
    /// temporary directory is removed after it.
    fn drop(&mut self) {
        // SAFETY: signalling the postmaster we started.
        unsafe {
            libc::kill(self.pid, libc::SIGQUIT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.data().join("pg/postmaster.pid").exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
