//! `frontdesk-load`: drives a running Frontdesk server and prints one JSON line (see
//! the `frontdesk_load` library beside it and docs/PERFORMANCE.md). Exits 1 when a message was lost, doubled or
//! reordered (or a socket dropped), 2 when the server could not be driven at all.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use frontdesk::model::Role;
use frontdesk_load::{Credentials, Options, bench};

/// Load generator and benchmarks for Frontdesk.
#[derive(Debug, Parser)]
#[command(name = "frontdesk-load", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Bench>,
    #[command(flatten)]
    run: RunArgs,
}

/// The message load (the default command).
#[derive(Debug, Args)]
struct RunArgs {
    /// The server's base URL; for a cluster, its nodes' comma-separated (a room's two sockets
    /// go to two consecutive nodes, so every message crosses nodes).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Rooms: one customer, two sockets, and --messages closed-loop messages each.
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    /// Messages per room per round.
    #[arg(long, default_value_t = 10)]
    messages: usize,
    /// Repeat the message phase on the same sockets (a soak); memory is sampled each round.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Milliseconds to wait between rounds.
    #[arg(long, default_value_t = 0)]
    pause_ms: u64,
    /// Extra signed-in sockets that only answer pings.
    #[arg(long, default_value_t = 0)]
    idle: usize,
    /// Customers to sign up for the idle sockets when --rooms is 0.
    #[arg(long, default_value_t = 10)]
    idle_users: usize,
    /// Staff sockets on the staff feed (needs --admin or --staff-login).
    #[arg(long, default_value_t = 0)]
    staff: usize,
    /// An admin (NAME:PASSWORD) who creates one staff account per staff socket.
    #[arg(long)]
    admin: Option<Credentials>,
    /// An existing staff account (NAME:PASSWORD) for every staff socket.
    #[arg(long)]
    staff_login: Option<Credentials>,
    /// The server's process id, to report its resident memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Sign-ups in flight at once (each costs the server an argon2 hash).
    #[arg(long, default_value_t = 8)]
    register_concurrency: usize,
    /// Socket connections being opened at once.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,
    /// Characters in each message.
    #[arg(long, default_value_t = 64)]
    content_bytes: usize,
    /// Seconds a round (or connecting) may take before the run fails.
    #[arg(long, default_value_t = 60)]
    timeout_s: u64,
    /// Seconds to keep every socket open after the rounds (to watch the server's memory).
    #[arg(long, default_value_t = 0)]
    hold_s: u64,
    /// Worker threads for the tool (1: a single-threaded runtime, leaving the rest to the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Create a large database: customers perf1..perfN (room N is perfN's), messages spread
    /// over them, --hot of them in room 1.
    GenDb {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 1_000)]
        rooms: u64,
        #[arg(long, default_value_t = 1_000_000)]
        messages: u64,
        #[arg(long, default_value_t = 100_000)]
        hot: u64,
    },
    /// Time join_room's history read in-process, through the server's own rule.
    HistoryDb {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 1)]
        room: i64,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 1_000)]
        iterations: usize,
    },
    /// Time the server's search rule in-process (GET /api/chat/search's call), per query.
    SearchDb {
        #[arg(long)]
        db: PathBuf,
        /// Who searches: admin (every room), staff (the rooms staff may read) or customer
        /// (the customer of --room, in that room).
        #[arg(long = "as", default_value = "staff", value_parser = parse_role)]
        role: Role,
        #[arg(long, default_value_t = 1)]
        room: i64,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// The queries (default: one- and two-word queries over gen-db's messages).
        queries: Vec<String>,
    },
    /// Time join_room → room_history against a running server, from a client.
    HistorySocket {
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// The room's customer (gen-db makes perf1 for room 1, password load-test-password-1).
        #[arg(long)]
        login: Credentials,
        #[arg(long, default_value_t = 1)]
        room: i64,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// Subscribe a webhook to `message.created` that points here, receive its deliveries, and
    /// report their lag (arrival minus the event's `createdAt`), order per room and doubles.
    WebhookReceiver {
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// An admin (NAME:PASSWORD) who creates the webhook.
        #[arg(long)]
        admin: Credentials,
        /// Where to listen for deliveries.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Stop after this many deliveries.
        #[arg(long, default_value_t = 10_000)]
        expect: usize,
        /// Stop after this many seconds without a delivery.
        #[arg(long, default_value_t = 120)]
        idle_s: u64,
    },
    /// Upload and download throughput of attachments, and the server's memory meanwhile.
    Files {
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// The size of each file.
        #[arg(long, default_value_t = 10)]
        size_mib: usize,
        /// How many files to upload, then download, one after another.
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// The server's pid, to report its resident memory.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Time from starting `frontdesk serve` to its first answered request.
    ColdStart {
        /// The server binary.
        #[arg(long, default_value = "target/release/frontdesk")]
        server: PathBuf,
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let threads = cli.run.threads.max(1);
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let result = match cli.command {
        None => return runtime.block_on(load(cli.run)),
        Some(Bench::GenDb {
            db,
            rooms,
            messages,
            hot,
        }) => runtime.block_on(bench::generate_db(&db, rooms, messages, hot)),
        Some(Bench::HistoryDb {
            db,
            room,
            limit,
            iterations,
        }) => runtime.block_on(bench::history_in_process(&db, room, limit, iterations)),
        Some(Bench::SearchDb {
            db,
            role,
            room,
            limit,
            iterations,
            queries,
        }) => {
            let queries = if queries.is_empty() {
                frontdesk_load::search_bench::DEFAULT_QUERIES
                    .iter()
                    .map(|q| q.to_string())
                    .collect()
            } else {
                queries
            };
            runtime.block_on(frontdesk_load::search_bench::search_in_process(
                &db, role, room, &queries, limit, iterations,
            ))
        }
        Some(Bench::HistorySocket {
            url,
            login,
            room,
            iterations,
        }) => runtime.block_on(bench::history_over_socket(&url, &login, room, iterations)),
        Some(Bench::ColdStart { server, db, runs }) => bench::cold_start(&server, &db, runs),
        Some(Bench::WebhookReceiver {
            url,
            admin,
            listen,
            expect,
            idle_s,
        }) => runtime.block_on(frontdesk_load::hooks::receive(
            &url, &admin, &listen, expect, idle_s,
        )),
        Some(Bench::Files {
            url,
            size_mib,
            count,
            server_pid,
        }) => runtime.block_on(frontdesk_load::files::files(
            &url, size_mib, count, server_pid,
        )),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn load(args: RunArgs) -> ExitCode {
    let mut opts = Options::new(args.url);
    opts.rooms = args.rooms;
    opts.messages = args.messages;
    opts.rounds = args.rounds.max(1);
    opts.pause = Duration::from_millis(args.pause_ms);
    opts.idle = args.idle;
    opts.idle_users = args.idle_users;
    opts.staff = args.staff;
    opts.admin = args.admin;
    opts.staff_login = args.staff_login;
    opts.server_pid = args.server_pid;
    opts.register_concurrency = args.register_concurrency;
    opts.connect_concurrency = args.connect_concurrency;
    opts.content_bytes = args.content_bytes;
    opts.timeout = Duration::from_secs(args.timeout_s.max(1));
    opts.hold = Duration::from_secs(args.hold_s);
    match frontdesk_load::run(opts).await {
        Ok(report) => {
            println!(
                "{}",
                serde_json::to_string(&report).unwrap_or_else(|e| e.to_string())
            );
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("frontdesk-load: {e}");
            ExitCode::from(2)
        }
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s}: expected admin, staff or customer"))
}

fn fail(message: String) -> ExitCode {
    eprintln!("frontdesk-load: {message}");
    ExitCode::from(2)
}
