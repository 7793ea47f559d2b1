//! What a Go project's source says about the image it needs: TLS calls need
//! CA certificates, time zones need tzdata, cgo needs libc. Lint reads these
//! facts to give advice no Dockerfile-only linter can.
//!
//! This is a text scan of imports and calls, not a type check: it is fast,
//! needs no Go toolchain, and errs towards reporting a use.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GoFacts {
    /// `import "C"` somewhere: the build needs cgo and a C toolchain.
    pub uses_cgo: bool,
    /// net or net/http: with cgo on, the resolver links libc.
    pub uses_net: bool,
    /// os/user: with cgo on, user lookup links libc.
    pub uses_os_user: bool,
    /// Outgoing TLS: crypto/tls, or an HTTP client call.
    pub uses_tls_client: bool,
    /// time.LoadLocation: needs zoneinfo at run time, or the timetzdata tag.
    pub uses_timezones: bool,
    /// `//go:embed`: embedded files must be in the build context.
    pub embeds_files: bool,
    /// A server: net/http `ListenAndServe` or `net.Listen`. Such a program
    /// never exits on its own, so a run judges it by its answer.
    pub listens: bool,
    /// Ports named by listen-address literals (`":8080"`) in files that
    /// listen, in the order found: the port to probe when no EXPOSE says.
    pub listen_ports: Vec<u16>,
    pub go_files: usize,
    /// go.mod and go.work files found: with Go files but none of these, a
    /// module-mode `go build` fails.
    pub go_mod_files: usize,
}

impl GoFacts {
    /// Scans one file's text and merges what it finds.
    pub fn add_source(&mut self, text: &str) {
        self.go_files += 1;
        let has = |s: &str| text.contains(s);
        self.uses_cgo |= has("import \"C\"");
        self.uses_net |= has("\"net\"") || has("\"net/http\"");
        self.uses_os_user |= has("\"os/user\"");
        self.uses_tls_client |= has("\"crypto/tls\"")
            || (has("\"net/http\"")
                && (has("http.Get(")
                    || has("http.Post(")
                    || has("http.Head(")
                    || has("http.Client")
                    || has("http.DefaultClient")
                    || has("http.NewRequest")
                    || has("\"https://")));
        self.uses_timezones |= has("time.LoadLocation(");
        self.embeds_files |= has("//go:embed");
        let listens = has("ListenAndServe") || has("net.Listen(") || has("net.ListenTCP(");
        self.listens |= listens;
        if listens {
            for port in address_literal_ports(text) {
                if !self.listen_ports.contains(&port) {
                    self.listen_ports.push(port);
                }
            }
        }
    }

    /// Scans the `.go` files under `dir`, skipping vendor, testdata and hidden
    /// directories and test files, up to `limit` files.
    pub fn scan_dir(dir: &Path, limit: usize) -> GoFacts {
        let mut facts = GoFacts::default();
        let mut todo: Vec<PathBuf> = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().to_string();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    if !(name.starts_with('.') || name == "vendor" || name == "testdata") {
                        todo.push(path);
                    }
                } else if kind.is_file() && (name == "go.mod" || name == "go.work") {
                    facts.go_mod_files += 1;
                } else if kind.is_file() && name.ends_with(".go") && !name.ends_with("_test.go") {
                    if facts.go_files >= limit {
                        return facts;
                    }
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        facts.add_source(&text);
                    }
                }
            }
        }
        facts
    }
}

/// Ports in string literals shaped like listen addresses: `":8080"`,
/// `"0.0.0.0:8080"`, `"localhost:8080"` (not URLs, which have a scheme).
fn address_literal_ports(text: &str) -> Vec<u16> {
    let mut ports = Vec::new();
    for literal in text.split('"').skip(1).step_by(2) {
        let Some((host, port)) = literal.rsplit_once(':') else {
            continue;
        };
        let host_ok = host.is_empty()
            || host == "localhost"
            || host == "[::]"
            || host.split('.').count() == 4 && host.split('.').all(|p| p.parse::<u8>().is_ok());
        if host_ok
            && !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && let Ok(port) = port.parse::<u16>()
            && port > 0
        {
            ports.push(port);
        }
    }
    ports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tls_clients_and_time_zones() {
        let mut f = GoFacts::default();
        f.add_source("package main\nimport (\n\t\"net/http\"\n\t\"time\"\n)\nfunc main() { http.Get(\"https://example.com\"); time.LoadLocation(\"Europe/Berlin\") }\n");
        assert!(f.uses_tls_client && f.uses_timezones && f.uses_net);
        assert!(!f.uses_cgo && !f.uses_os_user);
    }

    #[test]
    fn a_server_alone_is_not_a_tls_client() {
        let mut f = GoFacts::default();
        f.add_source("package main\nimport \"net/http\"\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n");
        assert!(f.uses_net && !f.uses_tls_client);
        assert!(f.listens);
        assert_eq!(f.listen_ports, [8080]);
    }

    #[test]
    fn a_listener_is_found_by_its_call_and_its_port_by_the_address_literal() {
        let mut f = GoFacts::default();
        f.add_source("package main\nimport \"net\"\nconst addr = \"0.0.0.0:9090\"\nfunc main() { l, _ := net.Listen(\"tcp\", addr); _ = l }\n");
        assert!(f.listens);
        assert_eq!(f.listen_ports, [9090]);
        let mut cli = GoFacts::default();
        cli.add_source("package main\nimport \"net/http\"\nfunc main() { http.Get(\"http://localhost:8080/x\") }\n");
        assert!(!cli.listens && cli.listen_ports.is_empty());
    }
}
