//! The Dockerfile `init` writes, every line commented with why it is there.

use std::fmt::Write as _;

use super::Module;

/// The Dockerfile for `main` in `module`.
pub fn dockerfile(module: &Module, main: &str) -> String {
    let f = &module.facts;
    let binary = match main {
        "." => module.path.rsplit('/').next().unwrap_or("app").to_string(),
        m => m.rsplit('/').next().unwrap_or("app").to_string(),
    };
    let cgo = f.uses_cgo;
    let mut tags = Vec::new();
    if !cgo && (f.uses_net || f.uses_os_user) {
        tags.push("netgo");
        tags.push("osusergo");
    }
    if f.uses_timezones {
        tags.push("timetzdata");
    }
    let (runtime, runtime_why) = if cgo {
        (
            "gcr.io/distroless/base-debian12",
            "the code uses cgo, so the binary needs glibc: distroless/base has it and no shell",
        )
    } else {
        (
            "scratch",
            "a static binary needs nothing else: scratch is an empty image",
        )
    };
    let mut out = String::new();
    let w = &mut out;
    // No `# syntax=` line: the daemon's built-in frontend has cache mounts,
    // and a frontend image would have to be pulled, which fails offline.
    let _ = writeln!(w, "# Written by `dockstage init` for {}.", module.path);
    let _ = writeln!(w);
    let others = module.other_mains(main);
    if !others.is_empty() {
        let built = if main == "." {
            "the main package at the module root".to_string()
        } else {
            main.to_string()
        };
        comment(
            w,
            &format!(
                "It builds {built}; the other main packages here are {}: \
                 `dockstage init --main PKG --force` builds another.",
                others.join(", ")
            ),
        );
        let _ = writeln!(w);
    }
    match &module.builder.note {
        None => comment(
            w,
            "Builder: the Go toolchain, pinned to the version go.mod asks for.",
        ),
        Some(note) => comment(w, &format!("Builder: the Go toolchain. {note}")),
    }
    let _ = writeln!(w, "FROM {} AS builder", module.builder.image);
    let _ = writeln!(w, "WORKDIR /src");
    if module.vendor {
        let _ = writeln!(w, "# Dependencies are vendored, so nothing is downloaded.");
        let _ = writeln!(w, "COPY . .");
    } else {
        let _ = writeln!(
            w,
            "# go.mod and go.sum first: the download below stays cached until they change."
        );
        let sum = if module.go_sum { " go.sum" } else { "" };
        let _ = writeln!(w, "COPY go.mod{sum} ./");
        let _ = writeln!(
            w,
            "# The module cache survives between builds in a BuildKit cache mount."
        );
        let _ = writeln!(
            w,
            "RUN --mount=type=cache,target=/go/pkg/mod go mod download"
        );
        let _ = writeln!(
            w,
            "# Then the sources; editing them does not download modules again."
        );
        let _ = writeln!(w, "COPY . .");
    }
    let _ = writeln!(
        w,
        "# {}",
        if cgo {
            "CGO_ENABLED=1: the code imports \"C\"."
        } else {
            "CGO_ENABLED=0 makes a static binary that runs without libc."
        }
    );
    let _ = writeln!(
        w,
        "# -trimpath drops build paths; -ldflags=\"-s -w\" drops symbols and debug data."
    );
    if !tags.is_empty() {
        let mut why = Vec::new();
        if tags.contains(&"netgo") {
            why.push("netgo,osusergo use Go's DNS and user lookup instead of libc's");
        }
        if tags.contains(&"timetzdata") {
            why.push("timetzdata embeds the time zone database the code loads");
        }
        let _ = writeln!(w, "# -tags: {}.", why.join("; "));
    }
    let mount = if module.vendor {
        "--mount=type=cache,target=/root/.cache/go-build".to_string()
    } else {
        "--mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build".to_string()
    };
    let tag_flag = if tags.is_empty() {
        String::new()
    } else {
        format!(" -tags {}", tags.join(","))
    };
    let vendor_flag = if module.vendor { " -mod=vendor" } else { "" };
    let _ = writeln!(
        w,
        "RUN {mount} \\\n    CGO_ENABLED={} go build{vendor_flag} -trimpath -ldflags=\"-s -w\"{tag_flag} -o /out/{binary} {main}",
        u8::from(cgo)
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "# Runtime: {runtime_why}.");
    let _ = writeln!(w, "FROM {runtime}");
    if f.uses_tls_client && !cgo {
        let _ = writeln!(
            w,
            "# The code makes TLS calls; scratch has no CA certificates, so bring the builder's."
        );
        let _ = writeln!(
            w,
            "COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/"
        );
    }
    let _ = writeln!(w, "COPY --from=builder /out/{binary} /{binary}");
    let _ = writeln!(
        w,
        "# A numeric uid works on every base, even one with no /etc/passwd."
    );
    let _ = writeln!(w, "USER 65532:65532");
    let _ = writeln!(w, "ENTRYPOINT [\"/{binary}\"]");
    out
}

/// `text` as comment lines of at most about 90 columns.
fn comment(w: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > 90 {
            let _ = writeln!(w, "{line}");
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(w, "{line}");
}
