//! The table of known failure causes, build-time and run-time in one list:
//! each row names the cause, when it shows, what to do and the toggle that
//! fixes it, and points at the recogniser that reads the evidence.
//!
//! Order matters: the first row whose recogniser finds its line wins, so a
//! specific cause (no shell) comes before a general one that would also
//! match (a file not found).

mod builder;
mod go;
mod image;
mod network;

use super::explain::Cause;
use super::explain::Phase::{Build, Run};
use crate::dockerfile::edit::Toggle;

const BUILD: &[super::explain::Phase] = &[Build];
const RUN: &[super::explain::Phase] = &[Run];
const BOTH: &[super::explain::Phase] = &[Build, Run];

/// Every cause dockstage can name.
pub const CAUSES: &[Cause] = &[
    Cause {
        id: "NeedsBuildKit",
        title: "the Dockerfile needs BuildKit",
        phases: BUILD,
        hint: "RUN --mount (the Go caches) only works with BuildKit: build with --builder auto \
               or --builder buildkit",
        fix: None,
        find: builder::needs_buildkit,
    },
    Cause {
        id: "CopySourceMissing",
        title: "a file the Dockerfile copies is not in the build context",
        phases: BUILD,
        hint: "COPY and ADD paths are relative to the build context (the directory given to \
               build), not to the Dockerfile: check the path, and that .dockerignore does not \
               exclude it",
        fix: None,
        find: builder::copy_source_missing,
    },
    Cause {
        id: "GoVersionTooNew",
        title: "go.mod asks for a newer Go than the builder image has",
        phases: BUILD,
        hint: "use a builder image with that Go version (FROM golang:1.N), or lower the `go` \
               line of go.mod (and drop a `toolchain` line) to the builder's version",
        fix: None,
        find: go::version_too_new,
    },
    Cause {
        id: "NoGoMod",
        title: "no go.mod where `go build` runs",
        phases: BUILD,
        hint: "since Go 1.16 `go build` needs a module: COPY go.mod into the WORKDIR before it, \
               or add `RUN go mod init example.com/app` (then `go mod tidy` if the code imports \
               other modules), or build the file by name: `go build -o /app main.go`",
        fix: None,
        find: go::no_go_mod,
    },
    Cause {
        id: "MissingGoSum",
        title: "go.sum is missing entries for the module's dependencies",
        phases: BUILD,
        hint: "run `go mod tidy` on a machine with network access and keep go.sum beside \
               go.mod (the Dockerfile copies it); or vendor the dependencies with `go mod vendor`",
        fix: None,
        find: go::missing_go_sum,
    },
    Cause {
        id: "MainPackageNotFound",
        title: "`go build` found no main package at the path it was given",
        phases: BUILD,
        hint: "the path after `go build` is a directory inside the image, relative to WORKDIR: \
               check it against what COPY brought in (`./cmd/server`, with the `./`), and that \
               the directory holds package main",
        fix: None,
        find: go::main_package_not_found,
    },
    Cause {
        id: "OfflineGoModules",
        title: "the build needs the network to download Go modules, and this machine is offline",
        phases: BUILD,
        hint: "on a machine with network access run `go mod vendor` and bring vendor/ here: \
               `dockstage init --force` then writes a Dockerfile that builds with -mod=vendor \
               and downloads nothing; or load a builder image whose module cache (/go/pkg/mod) \
               already holds the modules",
        fix: None,
        find: network::go_modules,
    },
    Cause {
        id: "OfflinePackages",
        title: "the build needs the network to download packages, and this machine is offline",
        phases: BUILD,
        hint: "build where the network is reachable, or use a base image that already has the \
               packages and load it here with `dockstage bases load FILE`",
        fix: None,
        find: network::packages,
    },
    Cause {
        id: "Offline",
        title: "the build needs the network, and this machine is offline",
        phases: BUILD,
        hint: "build where the network is reachable, or put what the step downloads into the \
               build context and COPY it instead",
        fix: None,
        find: network::anything,
    },
    Cause {
        id: "NoShell",
        title: "no shell in the image",
        phases: BOTH,
        hint: "shell form (`RUN cmd`, `CMD /app`) runs /bin/sh, which this base does not have: \
               use exec form, CMD [\"/app\"]; do shell work in the builder stage and COPY the \
               result",
        fix: None,
        find: image::no_shell,
    },
    Cause {
        id: "HealthcheckCommandMissing",
        title: "the HEALTHCHECK runs a command the image does not have",
        phases: RUN,
        hint: "check health with a tool the image has, or let the program check itself \
               (HEALTHCHECK CMD [\"/app\", \"-healthcheck\"]), in exec form",
        fix: None,
        find: image::healthcheck_command_missing,
    },
    Cause {
        id: "ExecFormatError",
        title: "the binary is for another CPU architecture",
        phases: BOTH,
        hint: "build for the machine that runs the image: drop GOARCH=… from `go build`, or set \
               it from BuildKit's TARGETARCH (`ARG TARGETARCH` then GOARCH=$TARGETARCH)",
        fix: None,
        find: image::exec_format,
    },
    Cause {
        id: "DynamicBinary",
        title: "dynamically linked binary on a base without libc",
        phases: RUN,
        hint: "with cgo on, net and os/user link against glibc, and the runtime base has no \
               dynamic loader, so exec fails before main runs; turn cgo off (cgo=off), or use a \
               base with glibc (distroless-base)",
        fix: Some((Toggle::Cgo, false)),
        find: image::dynamic_binary,
    },
    Cause {
        id: "EntrypointMissing",
        title: "the program the image starts is not in it",
        phases: RUN,
        hint: "ENTRYPOINT or CMD names a path that no COPY put there: compare it with the \
               destination of `COPY --from=builder …` and the `-o` of `go build`",
        fix: None,
        find: image::entrypoint_missing,
    },
    Cause {
        id: "CommandNotFound",
        title: "a command the image does not have",
        phases: BOTH,
        hint: "install the command in this stage with the base's package manager, copy it in \
               from a stage that has it, or use a base that has it",
        fix: None,
        find: image::command_not_found,
    },
    Cause {
        id: "UnknownUser",
        title: "user name not in /etc/passwd",
        phases: BOTH,
        hint: "USER names a user the base's /etc/passwd does not list (scratch has no passwd at \
               all); use a numeric uid: USER 65532:65532 (nonroot=on)",
        fix: Some((Toggle::Nonroot, true)),
        find: image::unknown_user,
    },
    Cause {
        id: "ReadOnlyRootFs",
        title: "the program writes into the image, whose file system is read-only here",
        phases: RUN,
        hint: "dockstage runs images with a read-only root file system, as hardened platforms \
               do: write to /tmp (a small tmpfs here) or to a mounted volume, not into the image",
        fix: None,
        find: image::read_only_root,
    },
    Cause {
        id: "PermissionDenied",
        title: "a non-root user may not write there",
        phases: BOTH,
        hint: "the path belongs to root and the step or program runs as a non-root USER: \
               create the directory and `chown` it to that user before the USER line (or COPY \
               --chown), or write under a directory the user owns",
        fix: None,
        find: image::permission_denied,
    },
    Cause {
        id: "MissingCaCertificates",
        title: "no CA certificates",
        phases: RUN,
        hint: "the base has no /etc/ssl/certs, so every TLS connection is rejected; copy the \
               builder's CA bundle (certs=on)",
        fix: Some((Toggle::Certs, true)),
        find: image::missing_ca_certificates,
    },
    Cause {
        id: "MissingTzdata",
        title: "no time zone database",
        phases: RUN,
        hint: "time.LoadLocation reads /usr/share/zoneinfo, which the base does not have; embed \
               it with -tags timetzdata (tzdata=on)",
        fix: Some((Toggle::Tzdata, true)),
        find: image::missing_tzdata,
    },
    Cause {
        id: "CompileError",
        title: "the Go code does not compile",
        phases: BUILD,
        hint: "fix the code at the file and line shown, then build again; `go build` on your \
               machine shows the same errors",
        fix: None,
        find: go::compile_error,
    },
];
