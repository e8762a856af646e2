//! The bearer-token scheme of the spec, and how a token becomes a [`Caller`].

use std::sync::Arc;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::error::ApiError;
use crate::app::App;
use crate::auth::{Caller, authenticate};

/// `Authorization: Bearer <JWT>` from `POST /api/auth/login` or `/api/auth/register`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub(crate) struct BearerAuth(pub Caller);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let app = req
        .data::<Arc<App>>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    authenticate(&app.db, &app.tokens, &bearer.token)
        .await
        .map_err(|e| ApiError::from(e).into())
}
