//! The operator's `user` commands: create, set a password, deactivate, activate, list. Each
//! goes through the rules in chat/ as `Actor::Operator`, so it is held to the same checks as
//! the console; a refusal is the rule's message on stderr and exit code 1.

use clap::{Args, Subcommand};

use super::StoreArg;
use crate::auth::Actor;
use crate::chat::accounts::{self, NewAccount};
use crate::config::Config;
use crate::db::{self, Db};
use crate::model::Role;
use crate::store::users;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; a customer also gets their room.
    Create {
        /// customer, staff or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        #[command(flatten)]
        db: StoreArg,
    },
    /// Set a user's password; their tokens and console sessions end (an open socket stays until it reconnects).
    SetPassword {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        db: StoreArg,
    },
    /// Deactivate a user: their tokens and console sessions end and they cannot sign in.
    Deactivate {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: StoreArg,
    },
    /// Activate a deactivated user again.
    Activate {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: StoreArg,
    },
    /// List users, newest first.
    List {
        #[command(flatten)]
        db: StoreArg,
    },
}

/// Where a new password comes from. Without a flag it is asked for (twice, not echoed) when
/// the command runs in a terminal; a script pipes it with `--password-stdin`. `--password`
/// stays for old scripts, with a warning: it lands in shell history and `ps`.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// The password itself (visible in shell history and `ps`; prefer the prompt or stdin).
    #[arg(long, env = "FRONTDESK_NEW_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "password")]
    password_stdin: bool,
}

impl PasswordArgs {
    fn read(self) -> Result<String, String> {
        use std::io::{BufRead, IsTerminal};
        if let Some(p) = self.password {
            eprintln!(
                "frontdesk: warning: a password on the command line is visible in shell \
                 history and to other users (ps); use the prompt or --password-stdin"
            );
            return Ok(p);
        }
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_string());
        }
        if !std::io::stdin().is_terminal() {
            return Err("no password given: run in a terminal to be asked, or pass \
                        --password-stdin and pipe it"
                .into());
        }
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ; nothing was changed".into());
        }
        Ok(first)
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "expected customer, staff or admin".to_string())
}

/// What `set-password`, `deactivate` and `activate` do to the user.
enum Change {
    Password(String),
    Active(bool),
}

/// Runs one `user` command.
pub(super) fn run(runtime: &tokio::runtime::Runtime, command: UserCommand) -> Result<(), String> {
    match command {
        UserCommand::Create {
            role,
            username,
            password,
            first_name,
            last_name,
            db,
        } => {
            let account = NewAccount {
                user_name: username,
                password: password.read()?,
                role,
                first_name,
                last_name,
            };
            runtime.block_on(create_user(db.config(), account))
        }
        UserCommand::SetPassword {
            username,
            password,
            db,
        } => {
            let change = Change::Password(password.read()?);
            runtime.block_on(change_user(
                db.config(),
                username,
                "password set for",
                change,
            ))
        }
        UserCommand::Deactivate { username, db } => runtime.block_on(change_user(
            db.config(),
            username,
            "deactivated",
            Change::Active(false),
        )),
        UserCommand::Activate { username, db } => runtime.block_on(change_user(
            db.config(),
            username,
            "activated",
            Change::Active(true),
        )),
        UserCommand::List { db } => runtime.block_on(list_users(db.config())),
    }
}

/// The database for one operator command, with its own writer (it works while the server
/// runs; on PostgreSQL, while every node runs).
async fn open(config: Config) -> Result<Db, String> {
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    crate::server::open_db(&config, events).await
}

/// A change to the user named `user_name`, through the rules as the operator.
async fn change_user(
    config: Config,
    user_name: String,
    done: &str,
    change: Change,
) -> Result<(), String> {
    let db = open(config).await?;
    let id = accounts::id_of(&db, &user_name)
        .await
        .map_err(|e| e.to_string())?;
    let user = match change {
        Change::Password(password) => {
            let changes = accounts::UserChanges {
                password: Some(password),
                ..accounts::UserChanges::default()
            };
            accounts::update(&db, Actor::Operator, id, changes).await
        }
        Change::Active(active) => accounts::set_active(&db, Actor::Operator, id, active).await,
    }
    .map_err(|e| e.to_string())?;
    println!("{done} {} (id {})", user.user_name, user.id);
    Ok(())
}

async fn create_user(config: Config, account: NewAccount) -> Result<(), String> {
    let db = open(config).await?;
    let user = accounts::create(&db, Actor::Operator, account)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "created {} {} (id {})",
        user.role.as_str(),
        user.user_name,
        user.id
    );
    Ok(())
}

/// Lists from the file without starting a writer (a missing file is not created); from
/// PostgreSQL through a node's pool.
async fn list_users(config: Config) -> Result<(), String> {
    let list = |conn: &crate::store::sql::Connection| users::list(conn, None, None, u32::MAX, 0);
    let (rows, total) = if config.database_url.is_some() {
        open(config).await?.read(move |conn| list(conn)).await
    } else {
        let path = &config.db_path;
        if !path.exists() {
            return Err(format!(
                "{} does not exist yet; run `frontdesk serve` first",
                path.display()
            ));
        }
        let conn = db::open_read_only(path)?;
        list(&crate::store::sql::Connection::Lite(&conn))
    }
    .map_err(|e| e.to_string())?;
    println!(
        "{:>6}  {:<8}  {:<6}  {:<24}  NAME",
        "ID", "ROLE", "ACTIVE", "USERNAME"
    );
    for u in &rows {
        let active = if u.is_active { "yes" } else { "no" };
        println!(
            "{:>6}  {:<8}  {:<6}  {:<24}  {}",
            u.id,
            u.role.as_str(),
            active,
            u.user_name,
            u.display_name()
        );
    }
    println!("{total} user(s)");
    Ok(())
}
