//! Who is calling: tokens, passwords, and the check that turns a token into a live caller.
//! It never decides what a caller may do; chat/access.rs does.

mod caller;
pub(crate) mod file_link;
mod jwt;
pub mod password;

pub use caller::{Actor, Caller};
pub(crate) use caller::{authenticate, of_active_user};
pub(crate) use jwt::Tokens;
pub use password::{hash_password, verify_password};
