//! Frontdesk: live customer-support chat in one binary. The library holds everything so that
//! integration tests can start the real server in-process on a random port.

pub mod access_log;
pub mod api;
pub mod app;
pub mod auth;
pub mod chat;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod error;
pub mod metrics;
pub mod model;
pub mod rate;
pub mod realtime;
pub mod server;
pub mod store;
pub mod time;

pub use config::Config;
pub use error::AppError;
