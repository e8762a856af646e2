//! `/api/auth`: sign-up, sign-in, and who am I.

use std::sync::Arc;

use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{ApiResult, Guest, Own, SignIn, SignUp, SiteSignIn};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::accounts::{self, SignedIn};
use crate::chat::site_sign_in;
use crate::model::UserProfile;
use crate::model::text::Text;

pub(crate) struct AuthApi {
    pub app: Arc<App>,
}

/// A customer signing up.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct RegisterBody {
    /// 3 to 50 of letters, digits, `_`, `.`, `-`; unique, case-insensitive.
    pub user_name: Text,
    /// At least 8 characters.
    pub password: Text,
    #[oai(default)]
    pub first_name: Text,
    #[oai(default)]
    pub last_name: Text,
}

/// A visitor starting a chat as a guest (contract §8); which of `email` and `phone` are asked
/// for (hidden, optional, required) is the shop's pre-chat setting.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct GuestBody {
    /// 1 to 50 characters, trimmed.
    #[oai(default)]
    pub first_name: Text,
    pub last_name: Option<Text>,
    pub email: Option<Text>,
    pub phone: Option<Text>,
}

/// The identity token the shop's own site signed for its signed-in customer.
#[derive(Debug, Object)]
pub(crate) struct SiteBody {
    /// A JWT (HS256, the site secret): `sub` (the shop's id for the customer), `exp` (at most
    /// 24 h ahead), optional `name` and `email`.
    pub token: Text,
}

/// Credentials.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct LoginBody {
    pub user_name: Text,
    pub password: Text,
}

/// A token and who it belongs to.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct AuthResponse {
    /// Send as `Authorization: Bearer <token>`, and as `auth.token` on Socket.IO.
    pub access_token: String,
    pub user: UserProfile,
}

impl From<SignedIn> for AuthResponse {
    fn from(s: SignedIn) -> Self {
        AuthResponse {
            access_token: s.access_token,
            user: s.user,
        }
    }
}

#[derive(ApiResponse)]
pub(crate) enum Registered {
    /// The account and its room exist; `Location` is the new account (`/api/auth/me`).
    #[oai(status = 201)]
    Created(Json<AuthResponse>, #[oai(header = "Location")] String),
}

/// The client's address for the per-address limits: the peer, or what a trusted proxy says
/// (proxy.rs).
fn client_address(req: &Request) -> String {
    crate::proxy::Client::of(req).address_key()
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Customer sign-up: creates the account and its permanent room, and signs in.
    #[oai(path = "/auth/register", method = "post", operation_id = "register")]
    async fn register(
        &self,
        req: &Request,
        body: Json<RegisterBody>,
    ) -> ApiResult<Registered, SignUp> {
        let b = body.0;
        self.app.limits.sign_up(&client_address(req))?;
        let signed_in = accounts::register(
            &self.app.db,
            &self.app.tokens,
            b.user_name.into_string(),
            b.password.into_string(),
            b.first_name.into_string(),
            b.last_name.into_string(),
        )
        .await?;
        Ok(Registered::Created(
            Json(signed_in.into()),
            "/api/auth/me".to_string(),
        ))
    }

    /// Guest chat: a customer with a generated user name and no password, their room at once,
    /// and a token that lasts at least 30 days (kept on the visitor's device). Limited per
    /// client address like sign-up.
    #[oai(path = "/auth/guest", method = "post", operation_id = "startAsGuest")]
    async fn guest(&self, req: &Request, body: Json<GuestBody>) -> ApiResult<Registered, Guest> {
        let b = body.0;
        self.app.limits.sign_up(&client_address(req))?;
        let form = accounts::GuestForm {
            first_name: b.first_name.into_string(),
            last_name: b.last_name.map(Text::into_string),
            email: b.email.map(Text::into_string),
            phone: b.phone.map(Text::into_string),
        };
        let signed_in = accounts::guest(&self.app.db, &self.app.tokens, form).await?;
        Ok(Registered::Created(
            Json(signed_in.into()),
            "/api/auth/me".to_string(),
        ))
    }

    /// The shop's own sign-in: the site vouches for its signed-in customer with a token it
    /// signed; the same `sub` always opens the same customer and room. 404 when the server has
    /// no site secret.
    #[oai(path = "/auth/site", method = "post", operation_id = "signInFromSite")]
    async fn site(
        &self,
        req: &Request,
        body: Json<SiteBody>,
    ) -> ApiResult<Json<AuthResponse>, SiteSignIn> {
        self.app.limits.sign_up(&client_address(req))?;
        let secret = self.app.config.site_secret.as_deref();
        let signed_in =
            site_sign_in::sign_in(&self.app.db, &self.app.tokens, secret, &body.0.token.0).await?;
        Ok(Json(signed_in.into()))
    }

    /// Sign-in for every role. A wrong name and a wrong password get the same 401; too many
    /// failures for one name from one address get 429 with `Retry-After`.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        req: &Request,
        body: Json<LoginBody>,
    ) -> ApiResult<Json<AuthResponse>, SignIn> {
        let b = body.0;
        let name = b.user_name.0.clone();
        let attempt = accounts::login(
            &self.app.db,
            &self.app.tokens,
            b.user_name.into_string(),
            b.password.into_string(),
        );
        let signed_in = self
            .app
            .limits
            .sign_in(&client_address(req), &name, attempt)
            .await?;
        Ok(Json(signed_in.into()))
    }

    /// The caller's own account.
    #[oai(path = "/auth/me", method = "get", operation_id = "getMe")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Json<UserProfile>, Own> {
        Ok(Json(accounts::me(&self.app.db, &auth.0).await?))
    }
}
