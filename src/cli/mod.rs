//! The command line: subcommands for scripts and CI, sharing the core with the TUI.

pub mod bases;
pub mod build;
pub mod check;
pub mod clean;
pub mod doctor;
pub mod edit;
pub mod files;
pub mod graph;
pub mod init;
pub mod layers_table;
pub mod learn;
pub mod lint;
pub mod matrix;
pub mod report;
pub mod service_flags;
pub mod tune;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

/// Exit statuses, the same for every subcommand.
pub mod status {
    /// Everything worked, and lint found no error.
    pub const OK: u8 = 0;
    /// Lint found at least one error-severity problem.
    pub const FINDINGS: u8 = 1;
    /// `doctor` found something the lessons need missing: no daemon, a
    /// missing image, a full disk.
    pub const NOT_READY: u8 = 1;
    /// The input could not be used: a missing or unreadable file, a toggle
    /// that does not apply, a bad argument.
    pub const USAGE: u8 = 2;
}

macro_rules! exit_codes {
    () => {
        "Exit status:\n  0  success\n  1  lint found an error-severity problem\n  2  the input could not be used (missing, unreadable or binary file; a toggle that does not apply; bad arguments)"
    };
}

/// Each subcommand's examples, for both `-h` and `--help`.
macro_rules! examples {
    (graph) => {
        "Examples:\n  dockstage graph Dockerfile\n  dockstage graph Dockerfile --target test --format json"
    };
    (lint) => {
        "Examples:\n  dockstage lint Dockerfile\n  dockstage lint build/Dockerfile --context . --format json\n  dockstage lint --rules"
    };
    (edit) => {
        "Examples:\n  dockstage edit Dockerfile\n  dockstage edit Dockerfile --base scratch --set cgo=off > Dockerfile.scratch\n  dockstage edit Dockerfile --set strip=on --set trimpath=on --write"
    };
    (build) => {
        "Examples:\n  dockstage build assets/examples/hello\n  dockstage build . --base scratch --set cgo=off --set strip=on\n  dockstage build . --file build/Dockerfile --builder legacy --format json --no-run"
    };
    (matrix) => {
        "Examples:\n  dockstage matrix assets/examples/hello\n  dockstage matrix . --bases debian-slim,distroless-static,scratch --set cgo=off --format markdown"
    };
    (tune) => {
        "Examples:\n  dockstage tune assets/examples/hello\n  dockstage tune . --write\n  dockstage tune ~/src/svc --expect 'listening' --format markdown > TUNING.md"
    };
    (init) => {
        "Examples:\n  dockstage init .\n  dockstage init ~/src/svc --main cmd/api"
    };
    (clean) => {
        "Examples:\n  dockstage clean"
    };
    (files) => {
        "Examples:\n  dockstage files golang:1.24\n  dockstage files assets/examples/hello --layer 1\n  dockstage files myapp:latest --tree --format json"
    };
    (check) => {
        "Examples:\n  dockstage check assets/examples/hello --max-size 100MB\n  dockstage check . --max-size 20MB --min-efficiency 95% --max-wasted 5MB --lint error\n  dockstage check . --format json             # rules from ./.dockstage-check.toml\n  dockstage check . --rules ci/size.toml --max-size 30MB   # a flag overrides the file\n\n.dockstage-check.toml (in DIR; every key optional):\n  max_size = \"20MB\"        # every layer's files, as `docker images` counts them\n  min_efficiency = 0.95     # dive's score, 0 to 1, or \"95%\"\n  max_wasted = \"5MB\"       # copies a later layer overwrote or removed, each once\n  lint = \"error\"           # or \"warning\": fail on findings at or above it"
    };
    (diff) => {
        "Examples:\n  dockstage diff debian:bookworm-slim gcr.io/distroless/static-debian12\n  dockstage diff app:slim app:scratch --format markdown >> README.md"
    };
    (learn) => {
        "Examples:\n  dockstage learn\n  dockstage learn size-collapse\n  dockstage learn cache-bust --reset\n  dockstage learn --dir my-lesson/"
    };
    (bases) => {
        "Examples:\n  dockstage bases list\n  dockstage bases save bases.tar            # every image `dockstage doctor` requires\n  dockstage bases save go.tar builder --force\n  dockstage bases load bases.tar"
    };
    (doctor) => {
        "Examples:\n  dockstage doctor\n  dockstage doctor --format json | jq '.checks[] | select(.status != \"ok\")'\n  dockstage doctor --image postgres:16     # a workshop that also needs postgres"
    };
}

macro_rules! top_examples {
    () => {
        "Examples:\n  \
         dockstage                        # the workbench on the bundled example\n  \
         dockstage ~/src/service          # the workbench on a Go project\n  \
         dockstage graph assets/examples/hello/Dockerfile\n  \
         dockstage lint Dockerfile --format json\n  \
         dockstage edit Dockerfile --base scratch --set cgo=off --set strip=on --write\n\n\
         Run `dockstage help <command>` for more on each command."
    };
}

// The commands, after the macros their help texts use.
mod commands;
pub use commands::Command;

#[derive(Debug, Parser)]
#[command(
    name = "dockstage",
    version,
    about = "A workbench for multi-stage Docker builds of Go applications",
    long_about = "A workbench for multi-stage Docker builds of Go applications.\n\n\
        dockstage reads a Dockerfile the way BuildKit does, draws its stage graph, lints it \
        with rules that know Go and runtime bases (scratch, distroless, alpine, busybox, \
        debian-slim), and switches Go build settings by rewriting only the bytes they need.\n\n\
        With no command it opens the workbench: the Dockerfile editor beside the live stage \
        graph, the final image's layers, the build log, the run result, the toggles and every \
        variant built so far. Press ? or F1 there for the keys.",
    after_help = top_examples!(),
    after_long_help = concat!(top_examples!(), "\n\n", exit_codes!()),
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A Go project directory or a Dockerfile to open in the workbench
    /// (default: the bundled example, copied to a working directory)
    pub path: Option<PathBuf>,
    /// Colour theme: dark, light or high-contrast (NO_COLOR turns colour off)
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Presenter mode: fewer, larger panes, the size in big digits, the
    /// high-contrast theme and the keys pressed on screen (F9 toggles it)
    #[arg(long)]
    pub present: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The async runtime the Docker-backed commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the async runtime: {e}")))
}

/// A token Ctrl-C cancels, so a long build or search stops cleanly and
/// removes what it made.
pub fn cancel_on_ctrl_c() -> tokio_util::sync::CancellationToken {
    let cancel = tokio_util::sync::CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling…");
            on_ctrl_c.cancel();
        }
    });
    cancel
}

/// `K1,K2,...` as given to --bases; empty when not given.
pub fn comma_list(list: Option<&str>) -> Vec<String> {
    list.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The Dockerfile `--file` names for the build context `dir`: absolute, as
/// given when it exists from here, else relative to `dir` (default
/// `dir/Dockerfile`).
pub fn dockerfile_in(
    dir: &std::path::Path,
    file: Option<&std::path::Path>,
) -> Result<PathBuf, Failure> {
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{}: not a directory; give the build context directory (and --file for the Dockerfile)",
            dir.display()
        )));
    }
    Ok(match file {
        Some(f) if f.is_absolute() || f.exists() => f.to_path_buf(),
        Some(f) => dir.join(f),
        None => {
            let path = dir.join("Dockerfile");
            if !path.exists() {
                return Err(Failure::usage(no_dockerfile(dir)));
            }
            path
        }
    })
}

/// What to do about a directory with no Dockerfile: init writes one for a
/// Go module; anything else needs the right directory or --file.
fn no_dockerfile(dir: &std::path::Path) -> String {
    let shown = dir.display();
    if dir.join("go.mod").is_file() {
        format!(
            "{shown}: no Dockerfile. `dockstage init {shown}` writes one for this Go module, \
             `dockstage tune {shown}` tunes the one init would write, or give --file"
        )
    } else {
        format!(
            "{shown}: no Dockerfile and no go.mod; give the Go module's directory, or the \
             Dockerfile with --file"
        )
    }
}

/// A failure that ends a subcommand with a status and one line for the user.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub status: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Self {
            status: status::USAGE,
            message: message.to_string(),
        }
    }
}

/// A write `ondisk` refused or could not do, with what to do about a file
/// that changed since it was read.
pub(crate) fn refused_write(e: crate::ondisk::WriteError, what_to_do: &str) -> Failure {
    match e {
        crate::ondisk::WriteError::Changed { .. } => Failure::usage(format!("{e}; {what_to_do}")),
        crate::ondisk::WriteError::Io { .. } => Failure::usage(e),
    }
}

impl From<crate::input::InputError> for Failure {
    fn from(e: crate::input::InputError) -> Self {
        Failure::usage(e)
    }
}

/// Runs a parsed subcommand and returns the process status. With no
/// subcommand the binary opens the workbench instead (src/main.rs), since
/// one front end never calls the other.
pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Graph {
            file,
            format,
            target,
        } => graph::run(&file, format, target.as_deref()),
        Command::Lint {
            file,
            format,
            context,
            no_source_scan,
            rules,
        } => {
            if rules {
                lint::print_rules()
            } else {
                let file = file.unwrap_or_default();
                lint::run(&file, format, context.as_deref(), !no_source_scan)
            }
        }
        Command::Edit {
            file,
            base,
            set,
            write,
            format,
        } => edit::run(&file, base, &set, write, format),
        Command::Build {
            dir,
            file,
            base,
            set,
            target,
            builder,
            no_run,
            timeout,
            format,
            write,
            tag,
            stage_sizes,
            service,
        } => build::run(build::BuildArgs {
            dir,
            file,
            base,
            set,
            target,
            builder,
            no_run,
            format,
            timeout,
            write,
            tag,
            stage_sizes,
            service,
        }),
        Command::Clean => clean::run(),
        Command::Init { dir, main, force } => init::run(&dir, main.as_deref(), force),
        Command::Matrix {
            dir,
            file,
            bases,
            set,
            expect,
            expect_exit,
            format,
            timeout,
            service,
        } => matrix::run(matrix::MatrixArgs {
            dir,
            file,
            bases,
            set,
            expect,
            expect_exit,
            format,
            timeout,
            service,
        }),
        Command::Tune {
            dir,
            file,
            bases,
            expect,
            expect_exit,
            format,
            timeout,
            write,
            service,
        } => tune::run(tune::TuneArgs {
            dir,
            file,
            bases,
            expect,
            expect_exit,
            format,
            timeout,
            write,
            service,
        }),
        Command::Bases(command) => bases::run(command),
        Command::Learn(args) => learn::list(&args),
        Command::Files {
            target,
            file,
            layer,
            tree,
            format,
        } => files::run_files(&target, file.as_deref(), layer, tree, format),
        Command::Diff { a, b, format } => files::run_diff(&a, &b, format),
        Command::Check {
            dir,
            file,
            max_size,
            min_efficiency,
            max_wasted,
            lint,
            rules,
            format,
        } => check::run(&check::CheckArgs {
            dir,
            file,
            max_size,
            min_efficiency,
            max_wasted,
            lint,
            rules,
            format,
        }),
        Command::Doctor { format, images } => doctor::run(format, &images),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("dockstage: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}
