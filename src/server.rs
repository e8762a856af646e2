//! Builds the routes (/api, /socket.io, /healthz) and serves them. Taking a bound listener and
//! a shutdown future is what lets a test start the real server on port 0.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use poem::middleware::SetHeader;
use poem::web::Json;
use poem::{EndpointExt, IntoResponse, Response, Route, Server, get, handler};
use tokio::net::TcpListener;

use crate::access_log::AccessLog;
use crate::api;
use crate::api::body_limit::{BodyLimit, MULTIPART_OVERHEAD};
use crate::api::cors::AllowOrigins;
use crate::api::error::{contract_error, error_response};
use crate::app::App;
use crate::auth::Tokens;
use crate::config::Config;
use crate::console;
use crate::db::{Db, ServerLock};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::model::Role;
use crate::proxy::ResolveClient;
use crate::rate::Limiters;
use crate::realtime;
use crate::store::{settings, users};
use crate::tls;

/// Opens the database, prepares the token signer, and serves until `shutdown` resolves. Pending
/// writes are committed before it returns.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    config.validate()?;
    // Nodes of a cluster share their PostgreSQL on purpose; a SQLite file has one server.
    let _one_server = match config.database_url {
        None => Some(ServerLock::acquire(&config.db_path).map_err(|e| e.to_string())?),
        Some(_) => None,
    };
    let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
    let db = open_db(&config, events_tx).await?;
    let secret = jwt_secret(&config, &db).await?;
    // Before a socket is served: a node that cannot reach the others must not start.
    let link = match &config.redis_url {
        Some(url) => Some(realtime::cluster::connect(url, &cluster_id(&db).await?).await?),
        None => None,
    };
    crate::chat::attachments::purge_abandoned(&db)
        .await
        .map_err(|e| format!("cannot clear unfinished uploads: {e}"))?;
    db.campaign(&config);
    let node = match &link {
        Some(link) => link.node.name.clone(),
        None => format!("{:016x}", rand::random::<u64>()),
    };
    let presence = crate::chat::presence::Presence::new(node);
    presence
        .start(&db)
        .await
        .map_err(|e| format!("cannot reset staff presence: {e}"))?;
    let _dispatcher = crate::hooks::start(db.clone(), config.webhooks.clone())?;
    let mail = config
        .mail
        .clone()
        .map(|m| Arc::new(crate::mail::Mailer::new(m)));
    let _mail_sender = match &mail {
        Some(mailer) => Some(crate::mail::start(db.clone(), mailer.clone())?),
        None => None,
    };
    let tokens = Tokens::new(secret.as_bytes(), config.token_ttl);
    let max_body = config.max_body_bytes;
    let upload_max = config.attachments.max_file_bytes + MULTIPART_OVERHEAD;
    let cors = config.cors_origins.clone();
    let limits = Limiters::new(&config.rates);
    let metrics = Arc::new(Metrics::new(db.writer_stats(), db.tally().clone()));
    let app = Arc::new(App {
        config,
        db,
        tokens,
        limits,
        metrics: metrics.clone(),
        presence,
        mail,
        cluster: link.as_ref().map(|l| l.node.clone()),
    });
    let forgetting = Arc::downgrade(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::rate::FORGET_EVERY);
        loop {
            tick.tick().await;
            let Some(app) = forgetting.upgrade() else {
                break;
            };
            app.limits.forget_idle();
        }
    });
    let beating = Arc::downgrade(&app);
    let heartbeat = tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::chat::presence::HEARTBEAT);
        loop {
            tick.tick().await;
            let Some(app) = beating.upgrade() else {
                break;
            };
            if let Err(e) = app.presence.heartbeat(&app.db).await {
                tracing::warn!(error = %e, "could not tell the database this node runs");
            }
        }
    });
    let ending = Arc::downgrade(&app);
    let period = app.config.idle_check_every;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let Some(app) = ending.upgrade() else {
                break;
            };
            if !app.db.leads() {
                continue;
            }
            if let Err(e) = crate::chat::sessions::end_idle(&app.db).await {
                tracing::warn!(error = %e, "could not end idle sessions");
            }
        }
    });
    if let Some(mailer) = app.mail.clone() {
        let alerting = Arc::downgrade(&app);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(mailer.settings.alert_check_every);
            loop {
                tick.tick().await;
                let Some(app) = alerting.upgrade() else {
                    break;
                };
                if !app.db.leads() {
                    continue;
                }
                if let Err(e) = crate::chat::mail::alert_waiting(&app.db, &mailer).await {
                    tracing::warn!(error = %e, "could not write waiting alerts");
                }
            }
        });
    }
    first_run_guidance(&app).await;
    let backups = app.config.backups.clone().map(|schedule| {
        let metrics = metrics.clone();
        tokio::spawn(crate::db::run_backups(
            app.config.db_path.clone(),
            schedule,
            move |result| metrics.backup_done(result),
        ))
    });

    let (lost_tx, mut lost_rx) = tokio::sync::watch::channel(false);
    let realtime = realtime::build(app.clone(), events_rx, link, lost_tx).await?;
    let api = api::service(app.clone());
    let routes = Route::new()
        .at("/healthz", get(healthz))
        .at("/metrics", get(metrics_text))
        .at("/api/openapi.json", api.spec_endpoint())
        .at("/api/docs", api::docs::endpoint(&api))
        .nest(
            "/api",
            api.with(BodyLimit {
                max: max_body,
                upload_max,
            })
            .with(AllowOrigins {
                origins: cors.clone(),
            })
            // Sign-in, sign-up, guest and site answers carry a token, the rest personal
            // data: no cache may keep any of them (the consoles set the same).
            .with(SetHeader::new().overriding(poem::http::header::CACHE_CONTROL, "no-store")),
        )
        .nest_no_strip(
            "/socket.io",
            realtime.endpoint.with(AllowOrigins { origins: cors }),
        )
        .nest(
            "/console",
            console::routes(app.clone()).with(BodyLimit::plain(max_body)),
        )
        .at(
            "/chat",
            console::customer_page(app.clone()).with(BodyLimit::plain(max_body)),
        )
        .at("/widget.js", console::widget())
        .at("/", console::home_page())
        .nest("/static", console::static_files())
        .data(app.clone())
        .with(crate::panic_guard::catch_panics())
        .with(AccessLog { metrics })
        .with(ResolveClient {
            trusted: app.config.trusted_proxies.clone(),
        })
        .catch_all_error(contract_error);

    let tls::Listening {
        acceptor,
        local,
        public,
        port,
        challenges,
    } = tls::listen(&app.config, listener).await?;
    let redirect = match &app.config.http_redirect {
        Some(plain) => tls::redirect::bind(plain, port, challenges).await?,
        None => None,
    };
    println!("Frontdesk listening on {local}");
    println!("  customers: {public}/chat   staff: {public}/console   API: {public}/api/docs");
    tracing::info!(%local, db = %app.config.db_path.display(), "listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let close_sockets = realtime.close;
    let lost_redis = app.cluster.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown => {}
            // `/healthz` answers 503 meanwhile, so a balancer stops sending before it goes.
            // Without a cluster the sender is gone at once: that is no reason to stop.
            _ = async {
                if lost_rx.wait_for(|lost| *lost).await.is_err() {
                    std::future::pending::<()>().await;
                }
            } => {
                tokio::time::sleep(realtime::cluster::LOST_GRACE).await;
            }
        }
        close_sockets().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    if let Some((acceptor, to_https)) = redirect {
        let stop = stopped(stop_rx.clone());
        tokio::spawn(
            Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
                to_https,
                stop,
                Some(Duration::from_secs(1)),
            ),
        );
    }
    let served = Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(routes, stopped(stop_rx), Some(Duration::from_secs(3)))
        .await
        .map_err(|e| e.to_string());
    if let Some(backups) = backups {
        backups.abort();
    }
    // The desks this node held are closed: routing stops counting them at once (and no
    // heartbeat states them again).
    heartbeat.abort();
    if let Err(e) = app.presence.stop(&app.db).await {
        tracing::warn!(error = %e, "could not uncount this node's staff sockets");
    }
    // Another node leads from now on, without waiting for every handle on the database to go.
    app.db.resign();
    if lost_redis.is_some_and(|node| node.is_lost()) {
        return Err("stopped: the connection to Redis (--redis-url) broke".into());
    }
    served
}

/// Opens the database off the async threads (schema upgrades and the pool's connections block).
pub(crate) async fn open_db(
    config: &Config,
    events: tokio::sync::mpsc::UnboundedSender<crate::chat::Event>,
) -> Result<Db, String> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || Db::open(&config, events))
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?
}

/// The configured secret, or the one generated on first run and kept in the database so that
/// tokens survive a restart.
async fn jwt_secret(config: &Config, db: &Db) -> Result<String, String> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    db.write(move |conn| {
        settings::get_or_insert(conn, "jwt_secret", &fresh).map(crate::db::Outcome::quiet)
    })
    .await
    .map_err(|e| format!("cannot keep the generated JWT secret: {e}"))
}

/// The name of the cluster this database makes: random, kept in the database by its first
/// node. The nodes' Socket.IO rooms on Redis are under it, so clusters (shops) that share one
/// Redis never hear each other.
async fn cluster_id(db: &Db) -> Result<String, String> {
    let fresh = format!("{:016x}", rand::random::<u64>());
    db.write(move |conn| {
        settings::get_or_insert(conn, "cluster_id", &fresh).map(crate::db::Outcome::quiet)
    })
    .await
    .map_err(|e| format!("cannot keep the cluster's name: {e}"))
}

/// A new shop with no admin is told exactly how to make one.
async fn first_run_guidance(app: &App) {
    let admins = app
        .db
        .read(|conn| users::count_active_with_role(conn, Role::Admin))
        .await;
    if matches!(admins, Ok(0)) {
        let db = app.config.db_path.display();
        println!(
            "No admin account yet. Create one (it works while the server runs):\n  \
             frontdesk user create --role admin --username admin --db {db}"
        );
    }
}

/// Prometheus text format. Like `/healthz` it carries no personal data, so it needs no token;
/// keep the port private or filter `/metrics` at the proxy if the counts are sensitive. The
/// queue and the file sizes are read now, off the async threads.
#[handler]
async fn metrics_text(poem::web::Data(app): poem::web::Data<&Arc<App>>) -> Response {
    let path = app.config.db_path.clone();
    let leads = app.db.leads();
    let live = app
        .db
        .read(move |conn| {
            let (waiting, oldest) = crate::store::queue_stats::waiting(conn)?;
            let engine_bytes = crate::store::queue_stats::database_bytes(conn)?;
            let size = |suffix: &str| {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                std::fs::metadata(name).map(|m| m.len()).unwrap_or(0)
            };
            Ok(crate::metrics::Live {
                sessions_waiting: waiting,
                oldest_wait_seconds: oldest
                    .map(|t| (crate::time::now_ms() - t).max(0) as f64 / 1000.0)
                    .unwrap_or(0.0),
                db_bytes: engine_bytes.map_or_else(|| size(""), |b| b.max(0) as u64),
                wal_bytes: size("-wal"),
                leads,
            })
        })
        .await;
    let live = live.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "metrics: cannot read the queue");
        crate::metrics::Live::default()
    });
    Response::builder()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(app.metrics.render(&live))
}

/// 200 when the database answers; 503 otherwise.
#[handler]
async fn healthz(poem::web::Data(app): poem::web::Data<&Arc<App>>) -> Response {
    if app.cluster.as_ref().is_some_and(|node| node.is_lost()) {
        let down = "The connection to Redis broke; this node is stopping";
        return error_response(poem::http::StatusCode::SERVICE_UNAVAILABLE, down);
    }
    let probe = app
        .db
        .read(|conn| Ok::<_, AppError>(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await;
    match probe {
        Ok(_) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(e) => error_response(poem::http::StatusCode::SERVICE_UNAVAILABLE, e.message()),
    }
}
