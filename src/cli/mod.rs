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

use clap::{Parser, Subcommand, ValueEnum};

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the stages, their bases and what each copies from
    #[command(
        long_about = "Show the stage graph: every stage with its base image or stage, the \
            edges FROM <stage>, COPY --from and RUN --mount=from=, the target stage (the last \
            one, or --target), and the stages the target does not need, which BuildKit skips.\n\n\
            Unknown stage references and cycles are reported after the graph.",
        after_help = examples!(graph),
        after_long_help = concat!(examples!(graph), "\n\n", exit_codes!()),
    )]
    Graph {
        /// The Dockerfile to read
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Build this stage instead of the last one
        #[arg(long)]
        target: Option<String>,
    },
    /// Find problems, with Go-aware rules and BuildKit's check names
    #[command(
        long_about = "Find problems in a Dockerfile. Besides BuildKit's build checks \
            (FromAsCasing, JSONArgsRecommended, ...), dockstage knows Go builds and runtime \
            bases: cgo on a base without libc, USER names on scratch, missing CA certificates \
            or time zone data for what the Go code does, cache-busting COPY order, and more.\n\n\
            The Go sources beside the Dockerfile (or under --context) are scanned for TLS \
            clients, time zone use and cgo, so those rules can fire.",
        after_help = examples!(lint),
        after_long_help = concat!(examples!(lint), "\n\n", exit_codes!()),
    )]
    Lint {
        /// The Dockerfile to read
        #[arg(required_unless_present = "rules")]
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The Go project to scan (default: the Dockerfile's directory)
        #[arg(long)]
        context: Option<PathBuf>,
        /// Do not scan Go sources; rules that need them stay silent
        #[arg(long)]
        no_source_scan: bool,
        /// List every rule with its severity and what it finds
        #[arg(long)]
        rules: bool,
    },
    /// Switch the runtime base and Go build settings by editing the text
    #[command(
        long_about = "Switch the runtime base and Go build settings. Each change is a \
            minimal text edit that keeps your formatting and comments; turning a toggle on \
            and off again gives the original bytes back. Without --write the edited file \
            goes to standard output and the file on disk is untouched. With no --base or \
            --set, the current state of every toggle is shown.\n\n\
            Toggles: cgo (CGO_ENABLED), strip (-ldflags=\"-s -w\"), trimpath, static-tags \
            (-tags netgo,osusergo), tzdata (-tags timetzdata), nonroot (USER 65532:65532), \
            certs (copy the CA bundle from the builder), cache-mounts (RUN --mount=type=cache).\n\
            Bases: scratch, distroless-static, distroless-base, alpine, busybox, debian-slim.",
        after_help = examples!(edit),
        after_long_help = concat!(examples!(edit), "\n\n", exit_codes!()),
    )]
    Edit {
        /// The Dockerfile to edit
        file: PathBuf,
        /// Runtime base for the target stage (a catalog key)
        #[arg(long, value_name = "KEY")]
        base: Option<String>,
        /// A toggle to set, as NAME=on or NAME=off (repeatable)
        #[arg(long = "set", value_name = "NAME=on|off")]
        set: Vec<String>,
        /// Write the result back to FILE (atomically) instead of printing it
        #[arg(long)]
        write: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Build the image (BuildKit by default), show its layers, and run it in a sandbox
    #[command(
        long_about = "Build DIR's Dockerfile on the local Docker daemon, map every step and \
            every layer of the final image back to its Dockerfile line, then run the image with \
            no network, a read-only root file system, no capabilities and a timeout, and report \
            the exit code and output. An image that listens (EXPOSE, --port, or ListenAndServe \
            or net.Listen in its Go sources) runs on an internal network until its port \
            answers, gets one HTTP GET of --probe PATH, and is reported by that answer.\n\n\
            --base and --set edit an in-memory copy of the Dockerfile (the file on disk changes \
            only with --write). Base images must be present or pullable: offline, the build stops \
            before it starts and says which image is missing and how to get it. Progress goes to \
            standard error; the summary (text, json or markdown) to standard output.\n\n\
            Containers and stage images are labelled io.dockstage.session and removed afterwards. \
            The image itself is kept, as docker build keeps it, under dockstage/cache:<input>: \
            when nothing that goes into a build has changed, the next build reuses it at once \
            (the 12 used last are kept; `dockstage clean` removes them). --tag NAME tags it instead.\n\n\
            After each build, every step that ran although the previous build of the project had \
            it is explained: \"cache broke at line N: main.go changed\", then the steps that \
            reran because of it. What was built is remembered per project directory and \
            Dockerfile under $XDG_STATE_HOME/dockstage/builds (never in the context, which it \
            would change). --format json lists them as cache_misses: [{line, stage, cause, \
            files, args}]; the causes are listed below.",
        after_help = examples!(build),
        after_long_help = concat!(examples!(build), "\n\n", "Exit status:\n  0  built, and the run exited 0 (or --no-run)\n  1  the build failed, or the run failed, timed out or ran out of memory\n  2  could not start: no daemon, a missing base image, bad input\n  130  cancelled with Ctrl-C; nothing is left behind", "\n\n", "Cache miss causes (cache_misses[].cause):\n  files_changed      files the COPY/ADD copies changed (in files; ignored ones never count)\n  command_changed    the instruction changed (after expansion), or an ENV before it\n  build_arg_changed  a build arg the step sees changed (args names it)\n  base_changed       the FROM image has a new id\n  previous_step_ran  a step it builds on ran: the cascade\n  first_build        no earlier build of the stage to compare with\n  unknown            no input changed; the builder's cache was likely pruned"),
    )]
    Build {
        /// The build context directory
        dir: PathBuf,
        /// The Dockerfile, relative to DIR (default DIR/Dockerfile)
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Runtime base for the target stage (a catalog key)
        #[arg(long, value_name = "KEY")]
        base: Option<String>,
        /// A toggle to set, as NAME=on or NAME=off (repeatable)
        #[arg(long = "set", value_name = "NAME=on|off")]
        set: Vec<String>,
        /// Build this stage instead of the last one
        #[arg(long)]
        target: Option<String>,
        #[arg(long, value_enum, default_value = "auto")]
        builder: crate::engine::build::BuilderChoice,
        /// Build only; do not run the image
        #[arg(long)]
        no_run: bool,
        /// Seconds the run may take before it is stopped
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        #[arg(long, value_enum, default_value = "text")]
        format: build::BuildFormat,
        /// Also write the edited Dockerfile back to disk
        #[arg(long)]
        write: bool,
        /// Tag the image with this name and keep it
        #[arg(long)]
        tag: Option<String>,
        /// Also build each named stage as a target (cached) and report its size
        #[arg(long)]
        stage_sizes: bool,
        #[command(flatten)]
        service: service_flags::ServiceFlags,
    },
    /// Build and run the image on several runtime bases and pick the smallest that works
    #[command(
        long_about = "Build DIR's Dockerfile as written (the reference, on its own base even when \
            the catalog lacks it) and with each runtime base (all catalog bases, or --bases), run \
            each image, and mark the smallest good run: one that works and has the reference's \
            exit code and output. --expect TEXT instead asks for TEXT on stdout or stderr, whatever \
            the exit code; --expect-exit N asks for exit code N; given both, both must hold. A run \
            that failed is never marked. The variants share one generated Dockerfile, so the \
            builder stage runs once and the runtime stages are built concurrently. Bases missing \
            on this machine are skipped with a note.",
        after_help = examples!(matrix),
        after_long_help = concat!(examples!(matrix), "\n\n", "Exit status:\n  0  a variant matched the reference (or --expect/--expect-exit)\n  1  none did\n  2  could not start (no daemon, bad input)\n  130  cancelled with Ctrl-C; nothing is left behind"),
    )]
    Matrix {
        /// The build context directory
        dir: PathBuf,
        /// The Dockerfile, relative to DIR (default DIR/Dockerfile)
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Comma-separated catalog keys (default: every base)
        #[arg(long, value_name = "K1,K2,...")]
        bases: Option<String>,
        /// A toggle to set for every variant, as NAME=on or NAME=off (repeatable)
        #[arg(long = "set", value_name = "NAME=on|off")]
        set: Vec<String>,
        /// Text a good run prints on stdout or stderr, whatever its exit code,
        /// instead of "runs like the Dockerfile as written"
        #[arg(long)]
        expect: Option<String>,
        /// The exit code a good run has; with --expect, both must hold
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        expect_exit: Option<i64>,
        #[arg(long, value_enum, default_value = "text")]
        format: build::BuildFormat,
        /// Seconds each run may take
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        #[command(flatten)]
        service: service_flags::ServiceFlags,
    },
    /// Find the smallest image that still behaves like the Dockerfile as written
    #[command(
        long_about = "Search runtime bases and Go build toggles for the smallest image whose run \
            matches the Dockerfile as written (same exit code and output; same health or the same \
            answer for a service). --expect TEXT instead asks for TEXT on stdout or stderr, whatever the exit \
            code; --expect-exit N asks for exit code N; given both, both must hold. First strip and \
            trimpath, kept only if the program still does the same; then each base on this \
            machine from the smallest up. A base that fails is explained (a \
            dynamic binary on scratch, no CA certificates, no time zones, a user name without \
            /etc/passwd) and the toggle that fixes it is tried on the same base. The search stops \
            when no base left can beat the best image found. Every step is printed; the winning \
            Dockerfile is shown as a diff and written only with --write.",
        after_help = examples!(tune),
        after_long_help = concat!(examples!(tune), "\n\n", "Exit status:\n  0  found an image that behaves like the reference (or the reference is already the best)\n  1  the Dockerfile as written does not build or run, so there is nothing to match\n  2  could not start (no daemon, bad input)\n  130  cancelled with Ctrl-C"),
    )]
    Tune {
        /// The build context directory
        dir: PathBuf,
        /// The Dockerfile, relative to DIR (default DIR/Dockerfile)
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Comma-separated catalog keys to consider (default: every base on this machine)
        #[arg(long, value_name = "K1,K2,...")]
        bases: Option<String>,
        /// Text a good run prints on stdout or stderr, whatever its exit code,
        /// instead of "behaves like the Dockerfile as written"
        #[arg(long)]
        expect: Option<String>,
        /// The exit code a good run has; with --expect, both must hold
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        expect_exit: Option<i64>,
        #[arg(long, value_enum, default_value = "text")]
        format: build::BuildFormat,
        /// Seconds each run may take
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        /// Replace the Dockerfile with the winner (atomically)
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        service: service_flags::ServiceFlags,
    },
    /// Write a multi-stage Dockerfile and .dockerignore for a Go module
    #[command(
        long_about = "Write a multi-stage Dockerfile and a .dockerignore for the Go module in DIR. \
            The builder is pinned to go.mod's Go version; go.mod and go.sum are copied first and \
            modules and builds use cache mounts; cgo stays off unless the code imports \"C\"; \
            -s -w -trimpath; the runtime base follows what the sources need: scratch, plus the CA \
            certificates for TLS clients, the timetzdata tag for time.LoadLocation, netgo and \
            osusergo for net and os/user, a numeric non-root user. Every line has a comment \
            saying why. Existing files are never replaced without --force.",
        after_help = examples!(init),
        after_long_help = concat!(examples!(init), "\n\n", exit_codes!()),
    )]
    Init {
        /// The Go module's directory (with go.mod)
        dir: PathBuf,
        /// The main package to build when there are several, e.g. cmd/api
        #[arg(long)]
        main: Option<String>,
        /// Replace an existing Dockerfile and .dockerignore
        #[arg(long)]
        force: bool,
    },
    /// Remove containers and images left by dockstage sessions
    #[command(
        long_about = "Remove every container and image labelled io.dockstage.session, left behind \
            by a session that was killed, and the builds kept for reuse (dockstage/cache). \
            Offline stand-in base images are not touched.",
        after_help = examples!(clean),
        after_long_help = concat!(examples!(clean), "\n\n", exit_codes!()),
    )]
    Clean,
    /// List, pull, save and load the catalog's base images
    #[command(
        subcommand,
        long_about = "The catalog's base images on this daemon. `list` marks missing images and \
            offline stand-ins; `save FILE` writes every image `dockstage doctor` requires that is \
            present into one bundle, and `load FILE` loads it on a machine without a registry (a \
            workshop laptop, say).",
        after_help = examples!(bases),
        after_long_help = concat!(examples!(bases), "\n\n", "Exit status:\n  0  done\n  2  could not: no daemon, an unknown key, no registry (pull), FILE exists without --force or none of the images is here (save), FILE missing or not a bundle (load)\n  130  a save cancelled with Ctrl-C; nothing is left behind"),
    )]
    Bases(bases::BasesCommand),
    /// Guided lessons on multi-stage builds, followed in the workbench
    #[command(
        long_about = "Guided lessons, each a small Go app and a Dockerfile to change step by \
            step: from a 600 MB single-stage image to a 1 MB scratch one, a misspelt base, cgo \
            on scratch, missing CA certificates, the cache bust, build targets, a user by name on \
            scratch, musl against glibc.\n\n\
            Without NAME the lessons are listed with your progress. With NAME the lesson is \
            copied to ~/.local/share/dockstage/lessons/NAME and opened in the workbench, with a \
            lesson pane that shows the step and how far you are; F3 shows a hint. A step is done \
            when the workbench shows what it asks for. Progress is kept, so you can stop and come \
            back; --reset starts the lesson over from a fresh copy.",
        after_help = examples!(learn),
        after_long_help = concat!(examples!(learn), "\n\n", exit_codes!()),
    )]
    Learn(learn::LearnArgs),
    /// What an image holds: each layer's files, the final tree, wasted bytes
    #[command(
        long_about = "Read an image's layers from the daemon's export as it streams (no `docker \
            save` file is written) and show what each layer added, changed (~) and removed (-), \
            the largest directories and files of the image as a container sees it, and the bytes \
            wasted on files a later layer overwrote or removed.\n\n\
            Efficiency is dive's score. Wasted bytes count each overwritten copy once; where dive \
            counts the copy still in the image too (dive #684) its figure is shown beside.\n\n\
            TARGET is an image (name or id), or a project directory: its Dockerfile is built \
            first, without running it, and its final image is read.",
        after_help = examples!(files),
        after_long_help = concat!(examples!(files), "\n\n", exit_codes!()),
    )]
    Files {
        /// An image name or id, or a project directory to build first
        target: String,
        /// The Dockerfile, when TARGET is a directory (default: DIR/Dockerfile)
        #[arg(long)]
        file: Option<PathBuf>,
        /// List one layer's changes (0 is the oldest)
        #[arg(long, value_name = "N")]
        layer: Option<usize>,
        /// Also print the whole tree as a container sees it
        #[arg(long)]
        tree: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: files::FilesFormat,
    },
    /// Compare two images: size per directory, files only in one, largest differences
    #[command(
        long_about = "Compare what a container sees in two images: the size change per \
            directory, the files only one of them has, and the largest differences. Each of A \
            and B is an image (name or id) or a project directory, built first. `--format \
            markdown` reads well in a README or on a slide.",
        after_help = examples!(diff),
        after_long_help = concat!(examples!(diff), "\n\n", exit_codes!()),
    )]
    Diff {
        /// The image before (name, id, or project directory)
        a: String,
        /// The image after
        b: String,
        #[arg(long, value_enum, default_value = "text")]
        format: files::DiffFormat,
    },
    /// A CI gate: build DIR and check its image's size, efficiency, waste and lint
    #[command(
        long_about = "Build DIR's Dockerfile (without running it), read its final image from the \
            daemon's export, and check it against limits, as a CI step:\n\n\
            --max-size S: the image's size, every layer's files as `docker images` counts them \
            (20MB, 1.5GB, 300MiB, a byte count).\n\
            --min-efficiency F: dive's efficiency score, a fraction from 0 to 1 (0.95) or a \
            percent (95%).\n\
            --max-wasted S: bytes of file copies a later layer overwrote or removed, each copy \
            counted once (dive counts the copy still in the image too).\n\
            --lint error|warning: fail when lint finds anything at or above that severity; \
            with only --lint, nothing is built.\n\n\
            Each rule prints its figure and its limit, pass or FAIL. The same rules can live in \
            DIR/.dockstage-check.toml (or the file --rules names), so CI and people run the \
            same gate; a flag overrides the file's value for its rule.",
        after_help = examples!(check),
        after_long_help = concat!(examples!(check), "\n\n", "Exit status:\n  0  every rule passed\n  1  a rule failed (its figure and limit are printed)\n  2  the input could not be used: no directory, no Dockerfile, a bad value or rules file, no rules, no daemon, or the build failed"),
    )]
    Check {
        /// The project directory (the build context)
        dir: PathBuf,
        /// The Dockerfile, relative to DIR (default DIR/Dockerfile)
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Largest image size allowed, e.g. 20MB
        #[arg(long, value_name = "S")]
        max_size: Option<String>,
        /// Lowest efficiency allowed, 0 to 1 or a percent, e.g. 0.95 or 95%
        #[arg(long, value_name = "F")]
        min_efficiency: Option<String>,
        /// Most wasted bytes allowed, e.g. 5MB
        #[arg(long, value_name = "S")]
        max_wasted: Option<String>,
        /// Fail on lint findings at or above this severity: error or warning
        #[arg(long, value_name = "error|warning")]
        lint: Option<String>,
        /// Read the rules from this TOML file instead of DIR/.dockstage-check.toml
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Check that this machine is ready for a workshop, and say how to fix what is not
    #[command(
        long_about = "Check, the morning of a workshop, that this machine can run the lessons, \
            and print a checklist with one line per check (✓ fine, ! worth a look, ✗ missing):\n\n\
            - Docker: the daemon answers (DOCKER_HOST, then the docker context, then the \
            default socket, as every command connects), its version and API version, and \
            whether it builds with BuildKit.\n\
            - Images: the builder (golang:1.24) and every catalog base, each present as the real \
            image, present as an offline stand-in (scripts/offline-bases.sh), or missing.\n\
            - Disk: free space where the daemon keeps its data (a warning under 5 GB, a failure \
            under 2 GB).\n\
            - Terminal: its size (100x30 is comfortable, under 80x24 the panes overlap), \
            colours (COLORTERM, TERM), a UTF-8 locale (LC_ALL, LC_CTYPE, LANG) and NO_COLOR, \
            which turns colours off.\n\n\
            Every line that is not fine comes with the command that fixes it: `docker pull` \
            when a registry answers; offline, a stand-in from scripts/offline-bases.sh in a \
            dockstage checkout, or `dockstage bases load FILE` with a bundle that `dockstage \
            bases save FILE` made on a machine that has the images. The last line says whether \
            the machine is ready. The terminal's lines are advice and never make it unready: the \
            workshop may run in another window.",
        after_help = examples!(doctor),
        after_long_help = concat!(examples!(doctor), "\n\n", "Exit status:\n  0  ready: the daemon answers, every required image is here, the disk has room\n  1  not ready: something the lessons need is missing (each with its fix above)\n  2  bad arguments"),
    )]
    Doctor {
        /// text: the checklist; json: {ready, checks:[{name, status, detail, fix}]}
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also require this image (repeatable), e.g. one your own exercises use
        #[arg(long = "image", value_name = "IMAGE")]
        images: Vec<String>,
    },
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
