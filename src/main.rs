//! The `frontdesk` executable: parse the command line and hand off to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = frontdesk::cli::Cli::parse();
    frontdesk::cli::run(cli)
}
