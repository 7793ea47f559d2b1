//! The dockstage binary: parses the command line and hands over to a
//! subcommand, or to the workbench when there is none.

use std::process::ExitCode;

use clap::Parser;
use dockstage::cli::{Cli, Command, run, status};

fn main() -> ExitCode {
    // Reports panics with a backtrace hint instead of a bare message.
    let _ = color_eyre::install();
    let cli = Cli::parse();
    debug_log();
    // `learn NAME` opens the workbench; `learn` alone lists, as a command.
    if let Some(Command::Learn(args)) = &cli.command {
        match args.lesson() {
            Ok(Some(lesson)) => {
                return match dockstage::tui::learn(
                    lesson,
                    args.reset,
                    args.theme.clone().or(cli.theme),
                    args.present || cli.present,
                ) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("dockstage: {e:#}");
                        ExitCode::from(status::USAGE)
                    }
                };
            }
            Ok(None) => {}
            Err(failure) => {
                eprintln!("dockstage: {}", failure.message);
                return ExitCode::from(failure.status);
            }
        }
    }
    let Some(command) = cli.command else {
        return match dockstage::tui::run(cli.path, cli.theme, cli.present) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dockstage: {e:#}");
                ExitCode::from(status::USAGE)
            }
        };
    };
    run(command)
}

/// `DOCKSTAGE_LOG=debug` (or `info`, `trace`, ...) writes the log to stderr:
/// the build session's side of a transfer among it.
fn debug_log() {
    let Ok(level) = std::env::var("DOCKSTAGE_LOG") else {
        return;
    };
    let Ok(level) = level.parse::<tracing::Level>() else {
        eprintln!("dockstage: DOCKSTAGE_LOG={level} is no log level (try debug)");
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false)
        .try_init();
}
