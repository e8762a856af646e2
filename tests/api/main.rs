//! Integration tests: each starts the real server on a random port with a temporary database.

mod auth;
mod console;
mod console_pages;
mod errors;
mod helpers;
mod openapi;
mod permissions;
mod realtime;
mod rooms;
mod schema;
mod sessions;
mod limits;
mod operations;
mod process;
mod fuzz;
mod socket_limits;
mod load_smoke;
