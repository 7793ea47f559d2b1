//! The dockstage binary: parses the command line and hands over to a
//! subcommand, or to the workbench when there is none.

use std::process::ExitCode;

use clap::Parser;
use dockstage::cli::{Cli, run, status};

fn main() -> ExitCode {
    // Reports panics with a backtrace hint instead of a bare message.
    let _ = color_eyre::install();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return match dockstage::tui::run(cli.path, cli.theme) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dockstage: {e:#}");
                ExitCode::from(status::USAGE)
            }
        };
    };
    run(command)
}
