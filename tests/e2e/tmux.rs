//! A tmux server of our own, to run the real binary in a real terminal: type
//! keys into it, read its screen back, and ask tmux what state the terminal
//! was left in. Each session has its own socket (`tmux -L`), so parallel
//! tests and the user's own tmux never meet; dropping it kills the server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often the screen is read while waiting for something to appear.
const POLL: Duration = Duration::from_millis(100);

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// Why tmux cannot be used here, or `None` when it can.
pub fn missing() -> Option<String> {
    match Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`tmux -V` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("tmux is not installed ({e})")),
    }
}

/// A scratch directory for one test, removed again when it is dropped.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!(
            "dockstage-e2e-{}-{test}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// One tmux server with one window running `command`.
pub struct Tmux {
    socket: String,
    /// The socket's file, which `kill-server` leaves behind.
    socket_path: Option<PathBuf>,
    /// The tmux target of the one pane.
    target: String,
}

impl Tmux {
    /// Starts a detached `width`×`height` session running `command` under
    /// `sh -c`. The server is started by this call, so it sees exactly this
    /// process's environment; no tmux configuration file is read.
    pub fn start(test: &str, width: u16, height: u16, command: &str) -> Tmux {
        let socket = format!(
            "dockstage-e2e-{}-{test}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let mut tmux = Tmux {
            socket,
            socket_path: None,
            target: "e2e:0.0".to_string(),
        };
        let width = width.to_string();
        let height = height.to_string();
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width,
            "-y",
            &height,
            command,
            // A pane whose command died stays on screen ("Pane is dead"), so
            // a test fails with what happened rather than with a lost server.
            ";",
            "set-option",
            "-t",
            "e2e",
            "remain-on-exit",
            "on",
        ]);
        tmux.socket_path = Some(PathBuf::from(tmux.display("#{socket_path}")));
        tmux
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "-f", "/dev/null"]);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command()
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"));
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        out
    }

    /// Types keys in tmux's `send-keys` names: `F5`, `Tab`, `Right`, `C-s`,
    /// or a plain word, which is typed as it is.
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.target];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// The visible screen, one line per row, trailing blanks trimmed.
    pub fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", &self.target]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format about the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", &self.target, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen every 100 ms until `check` accepts it, and returns
    /// that screen. Past `timeout` the test fails with `what` and the last
    /// screen, so a failure shows what the user would have seen.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if check(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!(
                    "waited {:.1} s for {what}; the screen was:\n{screen}",
                    timeout.as_secs_f64()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `text` is on screen; returns the screen.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(&format!("`{text}`"), timeout, |s| s.contains(text))
    }
}

impl Tmux {
    /// Ends the server, as closing the terminal window would: what runs in
    /// the pane gets SIGHUP. Safe to call more than once.
    pub fn kill_server(&self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.kill_server();
    }
}

/// `s` in single quotes for `sh`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `path` quoted for `sh`.
pub fn quote_path(path: &Path) -> String {
    quote(&path.to_string_lossy())
}
