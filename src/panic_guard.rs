//! A handler that panics (a bug) must not cost the client its connection or the integrator a
//! body they cannot parse: poem's `CatchPanic` turns the panic into a 500 with the contract's
//! error body (`{statusCode, message, error, code: "INTERNAL_ERROR"}`), logged as an error with
//! the panic's message. The message never reaches the client.

use std::any::Any;

use poem::Response;
use poem::http::StatusCode;
use poem::middleware::{CatchPanic, PanicHandler};

use crate::api::error::error_response;

/// What the server wraps its routes in.
pub(crate) fn catch_panics() -> CatchPanic<AnswerPanic> {
    CatchPanic::new().with_handler(AnswerPanic)
}

/// Logs the panic and answers the contract's 500.
#[derive(Clone)]
pub(crate) struct AnswerPanic;

impl PanicHandler for AnswerPanic {
    type Response = Response;

    fn get_response(&self, panic: Box<dyn Any + Send + 'static>) -> Response {
        answer_panic(panic)
    }
}

fn answer_panic(panic: Box<dyn Any + Send>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    tracing::error!(panic = %what, "a request handler panicked; answered 500");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

#[cfg(test)]
mod tests {
    use poem::{EndpointExt, Route, Server, get, handler};

    #[handler]
    fn boom() -> &'static str {
        panic!("a bug in a handler")
    }

    #[handler]
    fn fine() -> &'static str {
        "fine"
    }

    /// Served for real: the panicking request gets the contract's 500 body, and the same
    /// keep-alive client goes on being served.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_error_body() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        let app = Route::new()
            .at("/boom", get(boom))
            .at("/fine", get(fine))
            .with(super::catch_panics());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        for _ in 0..2 {
            let res = client
                .get(format!("http://{addr}/boom"))
                .send()
                .await
                .expect("an answer, not a dropped connection");
            assert_eq!(res.status(), 500);
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(
                body,
                serde_json::json!({
                    "statusCode": 500,
                    "message": "Internal server error",
                    "error": "Internal Server Error",
                    "code": "INTERNAL_ERROR"
                })
            );
            let ok = client
                .get(format!("http://{addr}/fine"))
                .send()
                .await
                .unwrap();
            assert_eq!(ok.text().await.unwrap(), "fine");
        }
    }
}
