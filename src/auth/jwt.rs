//! Access tokens: HS256 only, `exp` required and `nbf` honoured, a small leeway. A token names the user and the
//! user's token version, so a password change or deactivation ends every older token.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::Role;

/// The shortest life of a guest's token.
const GUEST_TOKEN_MIN: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a token carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The user id, as a string per RFC 7519.
    pub sub: String,
    pub role: String,
    /// Must equal the user's current `token_version`.
    pub ver: i64,
    pub iat: i64,
    pub exp: i64,
    /// The console session a token was minted for (console pages only): the token dies with
    /// that session, so signing out of the console also ends the page's REST and socket access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// What a valid token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub user_id: i64,
    pub token_version: i64,
    /// Set for tokens minted by a console page; see [`Claims::sid`].
    pub console_session: Option<String>,
    /// When the token expires, in seconds since the epoch.
    pub expires_at: i64,
}

/// Issues and checks tokens with one secret.
#[derive(Clone)]
pub(crate) struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl Tokens {
    pub(crate) fn new(secret: &[u8], ttl: Duration) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        // A token that says it is not valid yet is refused until it is.
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// A signed token for this user.
    pub(crate) fn issue(
        &self,
        user_id: i64,
        role: Role,
        token_version: i64,
    ) -> Result<String, AppError> {
        self.sign(user_id, role, token_version, None)
    }

    /// A guest's token: it lives on the visitor's device and is the only way back to their
    /// conversation, so it lasts at least [`GUEST_TOKEN_MIN`] (contract §8).
    pub(crate) fn issue_for_guest(&self, user_id: i64, role: Role) -> Result<String, AppError> {
        let ttl = self.ttl.max(GUEST_TOKEN_MIN);
        self.sign_for(user_id, role, 0, None, ttl)
    }

    /// A token for the browser script of a console page, tied to the console session `sid`:
    /// it stops working the moment that session is signed out or expires, whatever its `exp`.
    pub(crate) fn issue_for_console(
        &self,
        user_id: i64,
        role: Role,
        token_version: i64,
        sid: &str,
    ) -> Result<String, AppError> {
        self.sign(user_id, role, token_version, Some(sid.to_string()))
    }

    fn sign(
        &self,
        user_id: i64,
        role: Role,
        token_version: i64,
        sid: Option<String>,
    ) -> Result<String, AppError> {
        self.sign_for(user_id, role, token_version, sid, self.ttl)
    }

    fn sign_for(
        &self,
        user_id: i64,
        role: Role,
        token_version: i64,
        sid: Option<String>,
        ttl: Duration,
    ) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.as_str().to_string(),
            ver: token_version,
            iat: now,
            exp: now + ttl.as_secs() as i64,
            sid,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("cannot sign a token: {e}")))
    }

    /// Everything a valid token says, including the console session it is tied to.
    pub(crate) fn verify_claims(&self, token: &str) -> Result<Verified, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::unauthorized("Invalid or expired token"))?;
        let user_id = data
            .claims
            .sub
            .parse::<i64>()
            .map_err(|_| AppError::unauthorized("Invalid or expired token"))?;
        Ok(Verified {
            user_id,
            token_version: data.claims.ver,
            console_session: data.claims.sid,
            expires_at: data.claims.exp,
        })
    }
}
