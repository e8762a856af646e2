//! Times the server's own search rule (`frontdesk::chat::search::search`, the call
//! `GET /api/chat/search` makes: a pooled read-only connection through `Db::read`, the query
//! parsed, one page of matches with their rooms and the bounded count) plus serializing the
//! answer, for each query, as an admin, a staff member or a room's customer.

use std::path::Path;
use std::time::Instant;

use rusqlite::params;
use serde_json::{Value, json};

use frontdesk::Config;
use frontdesk::auth::Caller;
use frontdesk::chat::search;
use frontdesk::db::Db;
use frontdesk::model::{Role, UserSummary};

use crate::measure;

/// One- and two-word queries over what `gen-db` writes: words in every message, in some, in
/// few; an order number; a phrase; a prefix; a word that is in none.
pub const DEFAULT_QUERIES: &[&str] = &[
    "parcel",
    "monday",
    "update",
    "31415",
    "refund",
    "parcel monday",
    "tracking update",
    "order 31415",
    "\"tracking page\"",
    "track*",
];

/// Runs each query `iterations` times as `role` (a customer: the customer of `room`).
pub async fn search_in_process(
    path: &Path,
    role: Role,
    room: i64,
    queries: &[String],
    limit: u32,
    iterations: usize,
) -> Result<Value, String> {
    let db = Db::open_unannounced(&Config::new(path)).await?;
    let customer = crate::bench::open_for_setup(path)?
        .query_row(
            "SELECT u.id, u.user_name FROM rooms r JOIN users u ON u.id = r.customer_id
             WHERE r.id = ?1",
            params![room],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .map_err(|e| format!("room {room} or its customer not found: {e}"))?;
    // A staff member or admin needs no row: search reads only their id and role.
    let (id, user_name) = match role {
        Role::Customer => customer,
        _ => (i64::MAX, "bench".to_string()),
    };
    let caller = Caller {
        id,
        role,
        user_name: user_name.clone(),
        summary: UserSummary {
            id,
            user_name,
            first_name: String::new(),
            last_name: String::new(),
            avatar: None,
        },
        console_session: None,
        expires_at_ms: i64::MAX,
    };
    let mut rows = Vec::new();
    for q in queries {
        let mut samples = Vec::with_capacity(iterations);
        let mut found = (0, 0, false);
        for _ in 0..iterations {
            let started = Instant::now();
            let r = search::search(&db, &caller, q, limit, 0)
                .await
                .map_err(|e| format!("{q}: {e}"))?;
            let body = serde_json::to_string(&r).map_err(|e| e.to_string())?;
            samples.push(started.elapsed().as_micros() as u32);
            found = (r.results.len(), r.total, r.total_capped);
            std::hint::black_box(body);
        }
        let (p50, p99, max) = measure::percentiles_ms(&mut samples);
        rows.push(json!({
            "q": q,
            "results": found.0,
            "total": found.1,
            "total_capped": found.2,
            "p50_ms": measure::round3(p50),
            "p99_ms": measure::round3(p99),
            "max_ms": measure::round3(max),
        }));
    }
    Ok(json!({
        "role": role.as_str(),
        "room": room,
        "limit": limit,
        "iterations": iterations,
        "queries": rows,
    }))
}
