//! Every subcommand with its arguments and the help that teaches it: the
//! CLI contract scripts rely on (DESIGN.md), in one place.

use std::path::PathBuf;

use clap::Subcommand;

use super::*;

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
        after_long_help = concat!(examples!(build), "\n\n", "Exit status:\n  0  built, and the run exited 0 (or --no-run)\n  1  the build failed, or the run failed, timed out or ran out of memory\n  2  could not start: no daemon, a missing base image, bad input\n  130  cancelled with Ctrl-C; nothing is left behind", "\n\n", "Cache miss causes (cache_misses[].cause):\n  files_changed      files the COPY/ADD copies changed (in files; ignored ones never count)\n  command_changed    the instruction changed (after expansion), or an ENV before it\n  build_arg_changed  a build arg the step sees changed (args names it)\n  base_changed       the FROM image has a new id\n  step_removed       an instruction above it was deleted (removed names it)\n  previous_step_ran  a step it builds on ran: the cascade\n  first_build        no earlier build of the stage to compare with\n  unknown            no input changed; the builder's cache was likely pruned"),
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
            back; --reset (or F4 in the workbench, after a y) starts the lesson over from a \
            fresh copy.",
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
