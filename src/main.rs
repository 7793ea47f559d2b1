//! The dockstage binary: parses the command line and hands over to a subcommand.

use std::process::ExitCode;

use clap::Parser;
use dockstage::cli::{Cli, run};

fn main() -> ExitCode {
    // Reports panics with a backtrace hint instead of a bare message.
    let _ = color_eyre::install();
    run(Cli::parse())
}
