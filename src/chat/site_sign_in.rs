//! The shop's own sign-in (contract §8): the shop's site signs a short-lived JWT for its
//! signed-in customer with the site secret; the same `sub` always opens the same customer and
//! room. Unlike Chatwoot's identity HMAC, the token must expire within a day, so a leaked one
//! stops working.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::accounts::{SignedIn, insert_with_room};
use super::validate;
use crate::auth::Tokens;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::Role;
use crate::store::users;
use crate::time::now_ms;

/// The furthest ahead a site token may expire.
const MAX_LIFETIME_SECS: i64 = 24 * 3600;

/// What the shop's site says of its customer.
#[derive(Debug, Deserialize)]
struct SiteClaims {
    sub: String,
    exp: i64,
    name: Option<String>,
    email: Option<String>,
}

fn refused() -> AppError {
    AppError::unauthorized("The shop's sign-in token is not valid")
}

/// Checks the site's token: HS256 with `secret` only, a `sub`, an `exp` in the future and at
/// most a day ahead.
fn verify(secret: &str, token: &str) -> Result<SiteClaims, AppError> {
    let mut rules = Validation::new(Algorithm::HS256);
    rules.set_required_spec_claims(&["exp", "sub"]);
    rules.leeway = 0;
    let claims = jsonwebtoken::decode::<SiteClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &rules,
    )
    .map_err(|_| refused())?
    .claims;
    let now = now_ms() / 1000;
    if claims.exp > now + MAX_LIFETIME_SECS
        || claims.sub.trim().is_empty()
        || claims.sub.len() > 200
    {
        return Err(refused());
    }
    Ok(claims)
}

/// `POST /api/auth/site`: signs in (creating on the first visit) the customer the site vouches
/// for; `name` and `email` refresh their profile. Off (404) without a site secret.
pub(crate) async fn sign_in(
    db: &Db,
    tokens: &Tokens,
    secret: Option<&str>,
    token: &str,
) -> Result<SignedIn, AppError> {
    let Some(secret) = secret else {
        return Err(AppError::not_found("The shop's sign-in is not set up"));
    };
    let claims = verify(secret, token)?;
    // What the site sends is kept only when it is something we would accept from a person.
    let name = claims
        .name
        .as_deref()
        .and_then(|n| validate::person_name("name", n).ok())
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let email = claims
        .email
        .as_deref()
        .and_then(|e| validate::email(e.trim()).ok())
        .map(str::to_string);
    let site_id = claims.sub;
    let user = db
        .write(move |conn| {
            let id = match users::by_site_id(conn, &site_id)? {
                Some(known) => known.id,
                None => {
                    let mut bytes = [0u8; 6];
                    rand::fill(&mut bytes);
                    let tag: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                    let new = users::NewUser {
                        user_name: &format!("site-{tag}"),
                        password_hash: "",
                        role: Role::Customer,
                        first_name: "",
                        last_name: "",
                        email: None,
                        phone: None,
                    };
                    let created = insert_with_room(conn, &new, now_ms())?;
                    users::set_site_id(conn, created.id, &site_id)?;
                    created.id
                }
            };
            users::refresh_from_site(conn, id, name.as_deref(), email.as_deref())?;
            let user = users::by_id(conn, id)?
                .ok_or_else(|| AppError::Internal("a site customer vanished".into()))?;
            if !user.is_active {
                return Err(AppError::AccountDeactivated);
            }
            Ok(Outcome::quiet(user))
        })
        .await?;
    let access_token = tokens.issue(user.id, user.role, user.token_version)?;
    Ok(SignedIn {
        access_token,
        user: user.profile(),
    })
}
