//! The contract's error body (§2) for every REST failure: ours (from [`AppError`]) and poem's
//! own (malformed JSON, bad path parameters, unknown routes, missing tokens).

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use std::marker::PhantomData;

use poem_openapi::registry::{MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};

use crate::error::{AppError, ErrorCode};
use crate::model::UserSummary;

/// `{"statusCode": 409, "message": "Session already claimed by Mai", "error": "Conflict",
/// "code": "SESSION_ALREADY_CLAIMED"}`: the NestJS shape existing clients parse, plus the stable
/// code integrators branch on (contract §7).
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    pub status_code: u16,
    pub message: String,
    pub error: String,
    /// What went wrong, for a program: stable, never changed once shipped.
    pub code: ErrorCode,
    /// With `SESSION_ALREADY_CLAIMED`: who holds the session, so a page names them in its own
    /// language.
    #[oai(skip_serializing_if_is_none)]
    pub holder: Option<UserSummary>,
}

impl ErrorBody {
    pub(crate) fn new(
        status: StatusCode,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> ErrorBody {
        ErrorBody {
            status_code: status.as_u16(),
            message: message.into(),
            error: status.canonical_reason().unwrap_or("Error").to_string(),
            code,
            holder: None,
        }
    }
}

/// Every error status an endpoint can answer, so each appears in the spec.
#[derive(Debug, ApiResponse)]
pub(crate) enum ApiError {
    /// The input is malformed or out of range.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No token, or an invalid or expired one; or wrong credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The resource exists but the caller may not do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The resource does not exist.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The current state does not allow it.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is larger than the server accepts.
    // The body limit answers 411 itself (an upload must say its length, so it is never held
    // whole in memory to be measured); the variant is here so the spec lists the status.
    #[allow(dead_code)]
    #[oai(status = 411)]
    LengthRequired(Json<ErrorBody>),
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body is not `application/json`.
    /// A body that is not JSON (poem answers it, `contract_error` gives it the contract's
    /// body), or an uploaded file of a kind that is not accepted.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Too many attempts; retry after the given seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// An unexpected fault on the server.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// Storage is busy or full; nothing was changed.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Json(ErrorBody {
            holder: err.holder().cloned(),
            ..ErrorBody::new(status, err.code(), err.message())
        });
        match err {
            AppError::BadRequest(_) => ApiError::BadRequest(body),
            AppError::Unauthorized(_) | AppError::AccountDeactivated => {
                ApiError::Unauthorized(body)
            }
            AppError::Forbidden(_) => ApiError::Forbidden(body),
            AppError::NotFound(_) => ApiError::NotFound(body),
            AppError::Conflict(..) | AppError::AlreadyClaimed { .. } => ApiError::Conflict(body),
            AppError::PayloadTooLarge(_) => ApiError::PayloadTooLarge(body),
            AppError::UnsupportedMediaType(_) => ApiError::UnsupportedMediaType(body),
            AppError::RateLimited {
                retry_after_secs, ..
            } => ApiError::TooManyRequests(body, retry_after_secs),
            AppError::Unavailable(_) => ApiError::Unavailable(body),
            AppError::Internal(_) => ApiError::Internal(body),
        }
    }
}

/// The statuses one operation can answer with besides its success: the spec lists these and
/// no other (issue 11), so a generated client handles exactly what can happen.
pub(crate) trait Statuses: Send + Sync + 'static {
    const STATUSES: &'static [u16];
}

/// Declares a set of statuses for [`Refusal`].
macro_rules! statuses {
    ($($(#[$meta:meta])* $name:ident = [$($status:literal),+];)+) => {
        $(
            $(#[$meta])*
            pub(crate) struct $name;
            impl Statuses for $name {
                const STATUSES: &'static [u16] = &[$($status),+];
            }
        )+
    };
}

statuses! {
    /// Sign-up: a taken name, a bad body, too many sign-ups from one address.
    SignUp = [400, 409, 413, 415, 429, 500, 503];
    /// Guest chat: a bad or missing form field, too many guests from one address.
    Guest = [400, 413, 415, 429, 500, 503];
    /// The shop's sign-in: a bad token, the feature off (404), too many from one address.
    SiteSignIn = [400, 401, 404, 413, 415, 429, 500, 503];
    /// Sign-in: wrong credentials, a bad body, too many failures.
    SignIn = [400, 401, 413, 415, 429, 500, 503];
    /// The caller's own account: only the token can be wrong.
    Own = [401, 500, 503];
    /// A list anyone signed in may read (`limit`/`offset` can be malformed).
    OwnList = [400, 401, 500, 503];
    /// A list for staff or admins only.
    StaffList = [400, 401, 403, 500, 503];
    /// One thing by id: it may not exist or not be the caller's.
    Read = [400, 401, 403, 404, 500, 503];
    /// A change to one thing by id that its state may refuse.
    Change = [400, 401, 403, 404, 409, 500, 503];
    /// A change by id with a JSON body.
    ChangeWithBody = [400, 401, 403, 404, 409, 413, 415, 500, 503];
    /// Creating something from a JSON body that its state may refuse.
    Create = [400, 401, 403, 409, 413, 415, 500, 503];
    /// What anyone may read, without a token.
    PublicRead = [500, 503];
    /// Something only admins read, without parameters.
    AdminRead = [401, 403, 500, 503];
    /// A change from a JSON body to something that always exists.
    SettingsChange = [400, 401, 403, 413, 415, 500, 503];
    /// An upload: 411 without a `Content-Length`, 413 past a limit, 415 for a kind of file
    /// that is not accepted.
    Upload = [400, 401, 403, 404, 409, 411, 413, 415, 500, 503];
    /// A signed link: 403 when its signature is changed or expired.
    SignedRead = [400, 403, 404, 500, 503];
    /// Something admins add from a JSON body, that nothing else can refuse.
    AdminCreate = [400, 401, 403, 413, 415, 500, 503];
    /// An admin's change to one thing by id, without a body.
    AdminChange = [400, 401, 403, 404, 500, 503];
    /// An admin's change to one thing by id, from a JSON body.
    AdminChangeWithBody = [400, 401, 403, 404, 413, 415, 500, 503];
    /// The caller's own staff-only settings, without parameters.
    StaffOwn = [401, 403, 500, 503];
    /// A request that sends mail about one thing by id: its state may refuse (409), and it is
    /// rate limited (429).
    MailRequest = [400, 401, 403, 404, 409, 429, 500, 503];
}

/// [`ApiError`] narrowed in the spec to the statuses `S` of one operation. A rule that refuses
/// with a status outside `S` is a bug: it is logged and answered as a 500, so the spec stays true.
pub(crate) struct Refusal<S: Statuses>(ApiError, PhantomData<S>);

impl<S: Statuses> From<AppError> for Refusal<S> {
    fn from(err: AppError) -> Self {
        let err = if S::STATUSES.contains(&err.status()) {
            err
        } else {
            tracing::error!(status = err.status(), error = %err, "a status this operation does not declare");
            AppError::Internal(format!("undeclared status {}: {err}", err.status()))
        };
        Refusal(ApiError::from(err), PhantomData)
    }
}

impl<S: Statuses> ApiResponse for Refusal<S> {
    fn meta() -> MetaResponses {
        let mut meta = ApiError::meta();
        meta.responses
            .retain(|r| r.status.is_some_and(|s| S::STATUSES.contains(&s)));
        meta
    }

    fn register(registry: &mut Registry) {
        ApiError::register(registry);
    }
}

impl<S: Statuses> IntoResponse for Refusal<S> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl<S: Statuses> From<Refusal<S>> for poem::Error {
    fn from(refusal: Refusal<S>) -> poem::Error {
        poem::Error::from_response(refusal.0.into_response())
    }
}

/// What a REST endpoint returns: its success, or a refusal among the statuses `S`.
pub(crate) type ApiResult<T, S> = Result<T, Refusal<S>>;

/// Turns any error that reached the top of the routes into the contract's body. Our own errors
/// already carry it; poem's (bad JSON, bad path parameter, unknown route, missing token, body
/// too large) get it here, with a message in NestJS's words where clients may look for them.
pub(crate) async fn contract_error(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let message = match status {
        StatusCode::UNAUTHORIZED => "Missing or invalid bearer token".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large".to_string(),
        StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!(error = %err, "unhandled error");
            "Internal server error".to_string()
        }
        // poem-openapi names path parameters by position (`param0`); say what a person can fix.
        StatusCode::BAD_REQUEST if err.is::<poem_openapi::error::ParsePathError>() => {
            "Path id must be a positive integer".to_string()
        }
        _ => err.to_string(),
    };
    error_response(status, message)
}

/// A response with the contract's error body, its code the one the status stands for.
pub(crate) fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    let code = ErrorCode::for_status(status.as_u16());
    Json(ErrorBody::new(status, code, message))
        .with_status(status)
        .into_response()
}
