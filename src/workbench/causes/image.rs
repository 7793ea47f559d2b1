//! Recognisers for what the image lacks or forbids: a command, a shell,
//! libc, the right CPU architecture, a user, CA certificates, time zones, or
//! a place to write. Their advice names the base, since that is what to change.

use crate::catalog::{Libc, Shell, split_tag};
use crate::workbench::explain::{Evidence, Found, Phase};

/// What kind of system a base is, for which package manager and tools it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Debian,
    Alpine,
    /// A busybox shell and tools, no package manager.
    Busybox,
    /// No shell at all: scratch, distroless.
    ShellLess,
    Unknown,
}

impl Family {
    fn of(e: &Evidence) -> Family {
        let Some(image) = e.base.as_deref() else {
            return Family::Unknown;
        };
        if let Some(base) = e.catalog_base() {
            return match (base.shell, base.libc) {
                (Shell::None, _) => Family::ShellLess,
                (_, Libc::Musl) => Family::Alpine,
                (_, Libc::None) => Family::Busybox,
                (_, Libc::Glibc) => Family::Debian,
            };
        }
        let name = image.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
        if has(&["alpine"]) {
            Family::Alpine
        } else if has(&["distroless", "scratch"]) {
            Family::ShellLess
        } else if has(&["busybox"]) {
            Family::Busybox
        } else if has(&[
            "debian", "ubuntu", "bookworm", "bullseye", "buster", "trixie", "jammy", "noble",
        ]) || split_tag(&name).0.ends_with("golang")
        {
            Family::Debian
        } else {
            Family::Unknown
        }
    }

    fn package_manager(self) -> Option<&'static str> {
        match self {
            Family::Debian => Some("apt-get"),
            Family::Alpine => Some("apk"),
            Family::Busybox | Family::ShellLess | Family::Unknown => None,
        }
    }
}

/// Which family a package manager belongs to.
fn manager_family(command: &str) -> Option<(Family, &'static str)> {
    match command {
        "apk" => Some((Family::Alpine, "Alpine's")),
        "apt-get" | "apt" | "dpkg" => Some((Family::Debian, "Debian's")),
        "yum" | "dnf" | "microdnf" => Some((Family::Unknown, "Red Hat's")),
        _ => None,
    }
}

/// The command a shell or the runtime could not find, from
/// `/bin/sh: 1: apk: not found`, `sh: apt-get: not found`,
/// `bash: line 1: curl: command not found` or
/// `exec: "curl": executable file not found in $PATH`.
fn missing_command(line: &str) -> Option<&str> {
    if line.contains("executable file not found in $PATH") {
        let start = line.find("exec: \"")? + "exec: \"".len();
        let end = start + line.get(start..)?.find('"')?;
        return line.get(start..end);
    }
    let body = line
        .strip_suffix(": command not found")
        .or_else(|| line.strip_suffix(": not found"))?;
    let mut parts = body.split(": ");
    let shell = parts.next()?;
    let shell_name = shell.rsplit('/').next()?;
    if !matches!(shell_name, "sh" | "bash" | "ash" | "dash" | "zsh") {
        return None;
    }
    let name = body.rsplit(": ").next()?.trim();
    (!name.is_empty() && !name.contains(' ')).then_some(name)
}

fn base_name(e: &Evidence) -> String {
    e.base.clone().unwrap_or_else(|| "the base image".into())
}

/// Why `command` is missing from the base, and what to use instead.
fn command_hint(e: &Evidence, command: &str) -> String {
    let base = base_name(e);
    let family = Family::of(e);
    if let Some((owner, whose)) = manager_family(command) {
        if owner == family && e.base_standin {
            return format!(
                "`{base}` here is an offline stand-in made from Debian packages, and it has no \
                 `{command}`; the real image has it, but installing packages needs a registry and \
                 a network anyway: build on a connected machine, or install nothing at build time \
                 (COPY what you need from the builder stage)"
            );
        }
        return match family.package_manager() {
            Some(own) if own != command => format!(
                "`{command}` is {whose} package manager and `{base}` is {}: use `{own}` instead \
                 ({}), and check the package names, which differ between distributions",
                match family {
                    Family::Alpine => "Alpine",
                    _ => "Debian-based",
                },
                if own == "apk" {
                    "`apk add --no-cache …`"
                } else {
                    "`apt-get update && apt-get install -y --no-install-recommends …`"
                }
            ),
            _ => format!(
                "`{base}` has no package manager, so `{command}` cannot run there: install what \
                 you need in the builder stage (or a debian-slim stage) and COPY it in, or use a \
                 base that has the tools"
            ),
        };
    }
    let standin = if e.base_standin {
        format!(" (`{base}` here is an offline stand-in; the real image may have it)")
    } else {
        String::new()
    };
    match family.package_manager() {
        Some(pm) => format!(
            "`{base}` has no `{command}`{standin}: install it in this stage with {pm}, or COPY it \
             from a stage that has it"
        ),
        None => format!(
            "`{base}` has no `{command}` and no package manager to install it{standin}: COPY it \
             from a stage that has it, or do this step in the builder stage"
        ),
    }
}

pub fn command_not_found(e: &Evidence) -> Option<Found> {
    let (line, command) = e.lines.iter().find_map(|l| {
        let c = missing_command(l)?;
        // A path is a program that could not start, not a missing tool.
        (!c.starts_with('/') && !c.starts_with("./")).then_some((l, c))
    })?;
    Found::with_hint(line.clone(), command_hint(e, command))
}

pub fn healthcheck_command_missing(e: &Evidence) -> Option<Found> {
    let health = e.health.as_deref()?;
    let (line, command) = health.lines().map(str::trim).find_map(|l| {
        let c = missing_command(l)?;
        Some((l, c))
    })?;
    let base = base_name(e);
    let instead = match Family::of(e) {
        Family::Busybox | Family::Alpine => format!(
            "`{base}` has wget: HEALTHCHECK CMD wget -q --spider http://localhost:PORT/ || exit 1"
        ),
        _ => format!("use a tool `{base}` has"),
    };
    Found::with_hint(
        line,
        format!(
            "the HEALTHCHECK runs `{command}`, which `{base}` does not have, so the container \
             never becomes healthy: {instead}, or let the program check itself \
             (HEALTHCHECK CMD [\"/app\", \"-healthcheck\"])"
        ),
    )
}

pub fn no_shell(e: &Evidence) -> Option<Found> {
    let line = e.find(&[
        "exec: \"/bin/sh\"",
        "/bin/sh: no such file",
        "exec /bin/sh: no such file",
        "stat /bin/sh: no such file",
    ])?;
    let base = base_name(e);
    let hint = if e.phase == Some(Phase::Build) {
        format!(
            "a RUN in shell form runs /bin/sh, and `{base}` has none: do this work in the \
             builder stage and COPY the result, or use exec form RUN [\"/tool\", \"arg\"]"
        )
    } else {
        format!(
            "a shell-form CMD or ENTRYPOINT (`CMD /app`) runs /bin/sh, and `{base}` has none: \
             use exec form, CMD [\"/app\"]"
        )
    };
    Found::with_hint(line, hint)
}

pub fn exec_format(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["exec format error"])?)
}

/// Whether the base has no glibc for a binary linked against it.
fn lacks_glibc(e: &Evidence) -> bool {
    match e.catalog_base() {
        Some(base) => base.libc != Libc::Glibc,
        None => !matches!(Family::of(e), Family::Debian),
    }
}

/// `exec /app: no such file or directory`: the kernel found the file but not
/// its dynamic loader. Through a shell on a base without libc the same shows
/// as `/bin/sh: /app: not found`, exit 127.
pub fn dynamic_binary(e: &Evidence) -> Option<Found> {
    let exec = e.lines.iter().find(|l| {
        l.contains("exec /")
            && l.contains("no such file or directory")
            && !l.contains("/bin/sh")
            && !l.contains("stat ")
    });
    if let Some(line) = exec {
        return Found::line(line.clone());
    }
    let shell = e
        .lines
        .iter()
        .find(|l| missing_command(l).is_some_and(|c| c.starts_with('/') || c.starts_with("./")))?;
    (lacks_glibc(e) && e.exit_code.is_none_or(|c| c == 127))
        .then(|| shell.clone())
        .and_then(Found::line)
}

/// `exec: "/hello": stat /hello: no such file or directory`, or a shell that
/// cannot find the program on a base that has libc.
pub fn entrypoint_missing(e: &Evidence) -> Option<Found> {
    let runtime = e.lines.iter().find(|l| {
        l.contains("exec: \"") && l.contains(": stat ") && l.contains("no such file or directory")
    });
    if let Some(line) = runtime {
        return Found::line(line.clone());
    }
    let shell = e
        .lines
        .iter()
        .find(|l| missing_command(l).is_some_and(|c| c.starts_with('/') || c.starts_with("./")))?;
    (!lacks_glibc(e))
        .then(|| shell.clone())
        .and_then(Found::line)
}

pub fn unknown_user(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["unable to find user", "no matching entries in passwd file"])?)
}

pub fn read_only_root(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["Read-only file system", "read-only file system"])?)
}

pub fn permission_denied(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["Permission denied", "permission denied"])?)
}

pub fn missing_ca_certificates(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&[
        "x509: certificate signed by unknown authority",
        "x509: failed to load system roots",
    ])?)
}

pub fn missing_tzdata(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["unknown time zone"])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_and_the_runtime_name_the_missing_command() {
        for (line, want) in [
            ("/bin/sh: 1: apk: not found", Some("apk")),
            ("/bin/sh: apt-get: not found", Some("apt-get")),
            ("sh: apt-get: not found", Some("apt-get")),
            ("bash: line 1: curl: command not found", Some("curl")),
            (
                "OCI runtime exec failed: exec failed: unable to start container process: exec: \"curl\": executable file not found in $PATH: unknown",
                Some("curl"),
            ),
            ("/bin/sh: /ls: not found", Some("/ls")),
            (
                "failed to compute cache key: \"/x\" not found: not found",
                None,
            ),
            ("E: Unable to locate package git", None),
        ] {
            assert_eq!(missing_command(line), want, "{line}");
        }
    }

    fn on(base: &str, standin: bool, line: &str) -> String {
        let e = Evidence {
            base: Some(base.into()),
            base_standin: standin,
            ..Evidence::build(&[line.to_string()], "exit code: 127")
        };
        command_not_found(&e)
            .and_then(|f| f.hint)
            .unwrap_or_default()
    }

    #[test]
    fn the_hint_names_the_base_and_what_it_lacks() {
        let h = on("debian:bookworm-slim", true, "/bin/sh: 1: apk: not found");
        assert!(
            h.starts_with("`apk` is Alpine's package manager and `debian:bookworm-slim` is Debian-based: use `apt-get`"),
            "{h}"
        );
        let h = on("busybox:stable", false, "/bin/sh: apt-get: not found");
        assert!(
            h.starts_with("`busybox:stable` has no package manager"),
            "{h}"
        );
        let h = on("alpine:3.20", true, "/bin/sh: apk: not found");
        assert!(
            h.contains("offline stand-in") && h.contains("registry"),
            "{h}"
        );
        let h = on("alpine:3.20", false, "/bin/sh: apt-get: not found");
        assert!(h.contains("use `apk` instead"), "{h}");
        let h = on("golang:1.24", false, "/bin/sh: 1: upx: not found");
        assert!(
            h.starts_with("`golang:1.24` has no `upx`") && h.contains("apt-get"),
            "{h}"
        );
    }
}
