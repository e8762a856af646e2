//! Integration tests: each starts the real server on a random port with a temporary database.

mod auth;
mod console;
mod console_pages;
mod error_codes;
mod errors;
mod fuzz;
mod guest;
mod helpers;
mod limits;
mod openapi;
mod operations;
mod permissions;
mod process;
mod realtime;
mod realtime_lifecycle;
mod realtime_races;
mod rooms;
mod schema;
mod security;
mod sessions;
mod settings;
mod sock;
mod socket_limits;
mod storage;
mod unread;
mod users;
