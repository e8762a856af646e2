//! The accounts a load run signs in with: customers it signs up (one per room) and the staff
//! accounts for the staff-feed sockets.

use super::*;

/// A customer the tool signed up, with their room.
#[derive(Debug, Clone)]
pub(super) struct Account {
    pub(super) token: Arc<str>,
    pub(super) room_id: i64,
}

pub(super) async fn register_customers(
    addr: SocketAddr,
    host: &str,
    count: usize,
    concurrency: usize,
) -> Result<Vec<Account>, String> {
    let run_id = format!("{:06x}", rand::random::<u32>() & 0xff_ffff);
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for i in 0..count {
        let (gate, host) = (gate.clone(), host.to_string());
        let name = format!("lt{run_id}c{i}");
        tasks.spawn(async move {
            let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
            let body = json!({
                "userName": name, "password": PASSWORD, "firstName": "Load", "lastName": "Test",
            });
            let (status, reply) =
                http::call(addr, &host, "POST", "/api/auth/register", None, Some(&body)).await?;
            if status != 201 {
                return Err(format!("sign-up of {name} answered {status}: {reply}"));
            }
            let token = reply["accessToken"]
                .as_str()
                .ok_or("sign-up reply has no accessToken")?
                .to_string();
            let (status, rooms) =
                http::call(addr, &host, "GET", "/api/chat/rooms", Some(&token), None).await?;
            let list = rooms.get("rooms").unwrap_or(&rooms);
            let room_id = list[0]["id"]
                .as_i64()
                .ok_or_else(|| format!("GET /api/chat/rooms answered {status}: {rooms}"))?;
            Ok::<_, String>((
                i,
                Account {
                    token: token.into(),
                    room_id,
                },
            ))
        });
    }
    let mut accounts = vec![None; count];
    while let Some(joined) = tasks.join_next().await {
        let (i, account) = joined.map_err(|e| e.to_string())??;
        accounts[i] = Some(account);
    }
    Ok(accounts.into_iter().flatten().collect())
}

pub(crate) async fn login(
    addr: SocketAddr,
    host: &str,
    who: &Credentials,
) -> Result<Arc<str>, String> {
    let body = json!({ "userName": who.user_name, "password": who.password });
    let (status, reply) =
        http::call(addr, host, "POST", "/api/auth/login", None, Some(&body)).await?;
    match reply["accessToken"].as_str() {
        Some(token) if status == 200 => Ok(token.into()),
        _ => Err(format!(
            "sign-in of {} answered {status}: {reply}",
            who.user_name
        )),
    }
}

/// Tokens for the staff sockets: `staff` new staff accounts made by the admin, or the one
/// existing staff account for all of them.
pub(super) async fn staff_tokens(
    addr: SocketAddr,
    host: &str,
    opts: &Options,
) -> Result<Vec<Arc<str>>, String> {
    if opts.staff == 0 {
        return Ok(Vec::new());
    }
    if let Some(admin) = &opts.admin {
        let admin_token = login(addr, host, admin).await?;
        let run_id = format!("{:06x}", rand::random::<u32>() & 0xff_ffff);
        let mut tokens = Vec::with_capacity(opts.staff);
        for i in 0..opts.staff {
            let name = format!("lt{run_id}s{i}");
            let body = json!({
                "userName": name, "password": PASSWORD, "role": "STAFF",
                "firstName": "Load", "lastName": "Staff",
            });
            let (status, reply) = http::call(
                addr,
                host,
                "POST",
                "/api/admin/users",
                Some(&admin_token),
                Some(&body),
            )
            .await?;
            if status != 201 {
                return Err(format!("creating staff {name} answered {status}: {reply}"));
            }
            let who = Credentials {
                user_name: name,
                password: PASSWORD.into(),
            };
            tokens.push(login(addr, host, &who).await?);
        }
        return Ok(tokens);
    }
    let who = opts.staff_login.as_ref().ok_or("no staff account given")?;
    let token = login(addr, host, who).await?;
    Ok(vec![token; opts.staff])
}
