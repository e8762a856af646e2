//! Frontdesk: live customer-support chat in one binary. The library holds everything so that
//! integration tests can start the real server in-process on a random port. What is `pub` is
//! what the binary, the tests and the load tool (tools/load) use; everything else is
//! `pub(crate)`, so dead code shows.

pub(crate) mod access_log;
pub(crate) mod api;
pub(crate) mod app;
pub mod auth;
pub mod chat;
pub mod cli;
pub mod config;
pub(crate) mod console;
pub mod db;
pub mod error;
pub(crate) mod hooks;
pub(crate) mod mail;
pub(crate) mod metrics;
pub mod model;
pub(crate) mod panic_guard;
pub(crate) mod proxy;
pub(crate) mod rate;
pub mod realtime;
pub mod server;
pub(crate) mod store;
pub mod time;
pub mod tls;
pub(crate) mod transcript_text;

pub use config::Config;
pub use error::AppError;
