//! Integration tests: each starts the real server on a random port with a temporary database.

mod auth;
mod errors;
mod helpers;
mod openapi;
mod permissions;
mod realtime;
mod rooms;
mod schema;
mod sessions;
