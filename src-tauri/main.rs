//! The `syncdesk` binary: the window with no subcommand, the CLI with one.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use syncdesk::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.has_command() {
        syncdesk::cli::main(cli)
    } else {
        open_window(&cli)
    }
}

#[cfg(feature = "desktop")]
fn open_window(cli: &Cli) -> ExitCode {
    match cli.overrides().and_then(syncdesk::desktop::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "desktop"))]
fn open_window(_cli: &Cli) -> ExitCode {
    use clap::CommandFactory;
    let _ = writeln!(
        std::io::stderr(),
        "this build has no window (built without the `desktop` feature); use a subcommand\n"
    );
    let _ = Cli::command().print_help();
    ExitCode::from(2)
}
