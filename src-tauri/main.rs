//! The `syncdesk` binary: the window with no arguments, the CLI with a subcommand.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    syncdesk::cli::main()
}
