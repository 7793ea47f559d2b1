//! The real binary in a real terminal (DESIGN.md, "How it is tested", item 5).
//!
//! Each test runs `dockstage` inside a tmux server of its own, types keys with
//! `send-keys` and reads the screen with `capture-pane`, as a user would see
//! it. The binary runs under a small shell script that, once it exits, prints
//! its exit status and the tty's line discipline, and then stays open, so the
//! test can also ask tmux whether the alternate screen was left, the cursor
//! shown again and mouse reporting turned off.
//!
//! Without tmux, or (for the build scenario) without a Docker daemon and the
//! stand-in base images, a test prints why and passes; under
//! `DOCKSTAGE_REQUIRE_DOCKER=1` it fails instead.
//!
//! The scenarios: the issue's (build the example, switch the base to scratch,
//! see it shrink and still run, save, quit); F8's tune, which writes nothing
//! until the user says yes; working without a daemon; and
//! SIGTERM and a closed terminal (SIGHUP), which must restore the terminal
//! and keep unsaved work for the next start.
//!
//! Not covered: that a panic restores the terminal. The binary has no way to
//! be made to panic from outside, and this suite must not add one to it.

mod support;

#[path = "e2e/tmux.rs"]
mod tmux;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tmux::{Scratch, Tmux, quote, quote_path};

/// The first build of the example compiles Go from a cold cache.
const BUILD: Duration = Duration::from_secs(240);
/// F8's whole search on the example: the reference build, then one build and
/// run per candidate, compiling Go each time (about 2 min on a busy 2-core box).
const TUNE: Duration = Duration::from_secs(300);
/// Anything that needs no Docker work: a keystroke, a save, opening the file.
const SHORT: Duration = Duration::from_secs(15);
/// Docker answering its first ping, or the socket turning out to be absent.
const CONNECT: Duration = Duration::from_secs(30);

/// A daemon address where no daemon listens.
const NO_DOCKER: &str = "unix:///nonexistent.sock";

const WIDTH: u16 = 160;
const HEIGHT: u16 = 45;

/// Printed by the wrapper script once dockstage has exited.
const EXITED: &str = "dockstage exited ";
const TTY: &str = "tty after exit:";

fn required() -> bool {
    std::env::var("DOCKSTAGE_REQUIRE_DOCKER").is_ok_and(|v| v == "1")
}

/// Whether tmux can be used; otherwise prints why (or fails when required).
fn have_tmux(test: &str) -> bool {
    let Some(why) = tmux::missing() else {
        return true;
    };
    assert!(!required(), "{test}: DOCKSTAGE_REQUIRE_DOCKER=1 but {why}");
    eprintln!("skipping {test}: {why}");
    false
}

/// Whether a Docker daemon and the example's base images are here.
fn have_docker(test: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{test}: cannot start a runtime: {e}"));
    runtime.block_on(async {
        let Some(engine) = support::docker(test).await else {
            return false;
        };
        for image in ["golang:1.24", "debian:bookworm-slim"] {
            if !support::has_image(&engine, test, image).await {
                return false;
            }
        }
        true
    })
}

/// dockstage running on the bundled example, with its own home directories.
struct Workbench {
    tmux: Tmux,
    /// Where the bundled example is copied to, and saved.
    dockerfile: PathBuf,
    home: PathBuf,
    extra_env: Vec<(&'static str, String)>,
    /// Removed when the test ends; declared last, so after tmux is gone.
    /// `None` for a second start in the same home, which the first owns.
    _home: Option<Scratch>,
}

impl Workbench {
    /// Starts `dockstage` with no arguments in a fresh home. `extra_env` is
    /// added to the environment it runs in (e.g. `DOCKER_HOST`).
    fn open(test: &str, extra_env: &[(&'static str, String)]) -> Workbench {
        Workbench::open_with(test, extra_env, &[])
    }

    /// `dockstage ARGS…` in a home of its own.
    fn open_with(test: &str, extra_env: &[(&'static str, String)], args: &[&str]) -> Workbench {
        let scratch = Scratch::new(test);
        let mut app = Workbench::start(test, &scratch.path, extra_env, args);
        app._home = Some(scratch);
        app
    }

    /// Starts `dockstage` again in this one's home, in a terminal of its own.
    fn reopen(&self, test: &str) -> Workbench {
        Workbench::start(test, &self.home, &self.extra_env, &[])
    }

    fn start(
        test: &str,
        home: &Path,
        extra_env: &[(&'static str, String)],
        args: &[&str],
    ) -> Workbench {
        let data = home.join("data");
        let mut env = vec![
            ("HOME", home.to_string_lossy().into_owned()),
            ("XDG_DATA_HOME", data.to_string_lossy().into_owned()),
            (
                "XDG_STATE_HOME",
                home.join("state").to_string_lossy().into_owned(),
            ),
            (
                "XDG_CONFIG_HOME",
                home.join("config").to_string_lossy().into_owned(),
            ),
        ];
        env.extend(extra_env.iter().cloned());
        let assignments: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        let binary = Path::new(env!("CARGO_BIN_EXE_dockstage"));
        // After dockstage exits: its status, then whether the tty is back in
        // cooked mode (icanon, echo, isig, icrnl, each with a '-' when off).
        let script = format!(
            "env {} {}{}\n\
             echo \"{EXITED}$?\"\n\
             echo \"{TTY} $(stty -a | tr -s ' ;' '\\n\\n' | grep -Ex -- '-?(icanon|echo|isig|icrnl)' | tr '\\n' ' ')\"\n\
             exec sleep 600\n",
            assignments.join(" "),
            quote_path(binary),
            args.iter()
                .map(|a| format!(" {}", quote(a)))
                .collect::<String>(),
        );
        let script_path = home.join(format!("run-{test}.sh"));
        std::fs::write(&script_path, script)
            .unwrap_or_else(|e| panic!("{}: {e}", script_path.display()));
        let tmux = Tmux::start(
            test,
            WIDTH,
            HEIGHT,
            &format!("sh {}", quote_path(&script_path)),
        );
        Workbench {
            tmux,
            dockerfile: data.join("dockstage/examples/hello/Dockerfile"),
            home: home.to_path_buf(),
            extra_env: extra_env.to_vec(),
            _home: None,
        }
    }

    /// Where a signal or a crash leaves the unsaved buffer.
    fn recovery_file(&self) -> PathBuf {
        self.dockerfile
            .with_file_name(".Dockerfile.dockstage-recovery")
    }

    /// The dockstage process: the child of the wrapper script in the pane.
    fn pid(&self) -> u32 {
        let shell: u32 = self
            .tmux
            .display("#{pane_pid}")
            .parse()
            .unwrap_or_else(|e| panic!("pane pid: {e}"));
        dockstage_under(shell).unwrap_or_else(|| panic!("no dockstage under pid {shell}"))
    }

    /// Switches the runtime base to scratch without saving, and waits until
    /// the editor, the stage graph and the toggles show it.
    fn switch_base_to_scratch(&self) -> String {
        self.wait_for("base ◀ debian-slim ▶", SHORT);
        self.keys(&["Tab"]);
        self.keys(&["Right"]);
        self.tmux.wait_until(
            "the base to become scratch in the editor, the graph and the toggles",
            SHORT,
            |s| {
                s.lines()
                    .any(|l| l.contains("│") && l.contains("FROM scratch"))
                    && s.contains("scratch─")
                    && s.contains("base ◀ scratch ▶")
            },
        )
    }

    fn keys(&self, keys: &[&str]) {
        self.tmux.send_keys(keys);
    }

    fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.tmux.wait_for(text, timeout)
    }

    /// Waits until the status line (the last row) contains `text`.
    fn wait_for_status(&self, text: &str, timeout: Duration) -> String {
        self.tmux
            .wait_until(&format!("`{text}` in the status line"), timeout, |s| {
                status_line(s).contains(text)
            })
    }

    /// Waits for dockstage to exit and checks it exited 0 and gave the
    /// terminal back as it found it.
    fn assert_exited_and_restored(&self) {
        self.assert_exited_with_and_restored(0);
    }

    fn assert_exited_with_and_restored(&self, code: i32) {
        let screen = self.wait_for(EXITED, SHORT);
        assert!(
            screen.contains(&format!("{EXITED}{code}")),
            "dockstage did not exit {code}:\n{screen}"
        );
        let screen = self.wait_for(TTY, SHORT);
        let modes = screen
            .lines()
            .find_map(|l| l.split_once(TTY).map(|(_, m)| m.trim().to_string()))
            .unwrap_or_default();
        for mode in ["icanon", "echo", "isig", "icrnl"] {
            assert!(
                modes.split_whitespace().any(|m| m == mode),
                "the tty is still in raw mode after quit (`{mode}` is off): {modes}\n{screen}"
            );
        }
        let state = self
            .tmux
            .display("#{alternate_on} #{cursor_flag} #{mouse_any_flag}");
        assert_eq!(
            state, "0 1 0",
            "after quit: alternate screen, cursor visible, mouse reporting \
             (want 0 1 0: main screen, cursor shown, mouse off)\n{screen}"
        );
    }

    fn saved_text(&self) -> String {
        std::fs::read_to_string(&self.dockerfile)
            .unwrap_or_else(|e| panic!("{}: {e}", self.dockerfile.display()))
    }
}

fn status_line(screen: &str) -> &str {
    screen.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("")
}

/// The final image size in the Layers pane's title, in bytes.
fn layers_size(screen: &str) -> Option<f64> {
    let (_, rest) = screen.split_once("Layers: final image ")?;
    let mut words = rest.split_whitespace();
    let number: f64 = words.next()?.parse().ok()?;
    let unit = match words.next()? {
        "B" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return None,
    };
    Some(number * unit)
}

/// The Build·Run pane's verdict line for a run that printed `output`.
fn has_run_line(screen: &str, output: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains("exit 0 ·") && l.contains(output))
}

/// The scenario from the issue: open the example, build it, switch the
/// runtime base to scratch, see it shrink and still run, save and quit.
#[test]
fn build_switch_to_scratch_save_and_quit() {
    let test = "scenario";
    if !have_tmux(test) || !have_docker(test) {
        return;
    }
    let app = Workbench::open(test, &[]);

    // 1. The bundled example opens; Docker is found; F5 builds.
    app.wait_for("Dockerfile ─ hello/Dockerfile", SHORT);
    app.wait_for_status("is ready", CONNECT);
    app.wait_for("base ◀ debian-slim ▶", SHORT);
    let started = Instant::now();
    app.keys(&["F5"]);

    // 2. The final image's size shows in the Layers title, and it ran.
    let screen = app
        .tmux
        .wait_until("the first build to finish and run", BUILD, |s| {
            s.contains("Layers: final image") && has_run_line(s, "Hello World!")
        });
    eprintln!(
        "{test}: first build and run took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let first = layers_size(&screen).unwrap_or_else(|| panic!("no size in:\n{screen}"));

    // 3. Toggles, then the base selector: debian-slim → scratch. Auto-rebuild
    //    starts a build on its own.
    let started = Instant::now();
    app.keys(&["Tab"]);
    app.keys(&["Right"]);
    app.wait_for("base ◀ scratch ▶", SHORT);

    // 4. The new variant is smaller, and still prints Hello World!.
    let screen = app.tmux.wait_until(
        "the rebuild on scratch: a smaller size and variant 2 on scratch",
        BUILD,
        |s| {
            let status = status_line(s);
            status.contains("vs previous)")
                && status.contains("(−")
                && s.lines()
                    .any(|l| l.contains(" 2 scratch ") && l.contains("Hello World!"))
        },
    );
    eprintln!(
        "{test}: rebuild on scratch took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        has_run_line(&screen, "Hello World!"),
        "the run on scratch did not print Hello World!:\n{screen}"
    );
    let second = layers_size(&screen).unwrap_or_else(|| panic!("no size in:\n{screen}"));
    assert!(
        second < first,
        "scratch ({second} B) is not smaller than debian-slim ({first} B):\n{screen}"
    );

    // 5. Save, then quit: nothing is unsaved, so no question is asked.
    app.keys(&["C-s"]);
    app.wait_for_status("saved ", SHORT);
    app.keys(&["C-q"]);

    // 6. The file on disk has the new base, and the terminal is back.
    app.assert_exited_and_restored();
    let saved = app.saved_text();
    assert!(
        saved.lines().any(|l| l.trim() == "FROM scratch"),
        "{} has no `FROM scratch`:\n{saved}",
        app.dockerfile.display()
    );
    assert!(
        !saved.lines().any(|l| l.starts_with("FROM debian")),
        "{} still starts a stage from debian:\n{saved}",
        app.dockerfile.display()
    );
}

/// F8 tunes the example: the offer appears with nothing written, and only
/// `y` writes the tuned Dockerfile (scratch, stripped) to disk.
#[test]
fn tune_offers_a_smaller_image_and_writes_only_on_yes() {
    let test = "tune";
    if !have_tmux(test) || !have_docker(test) {
        return;
    }
    let app = Workbench::open(test, &[]);

    // 1. The example opens as bundled, and Docker is found.
    app.wait_for("Dockerfile ─ hello/Dockerfile", SHORT);
    let original = read_bytes(&app.dockerfile);
    assert_eq!(
        original,
        include_bytes!("../assets/examples/hello/Dockerfile"),
        "{} is not the bundled example",
        app.dockerfile.display()
    );
    app.wait_for_status("is ready", CONNECT);

    // 2. F8 starts the search; the status bar counts its seconds (unless a
    //    warm build cache lets it finish before the screen is read).
    let started = Instant::now();
    app.keys(&["F8"]);
    app.tmux
        .wait_until("`tuning` in the status line, or the offer", SHORT, |s| {
            status_line(s).contains("tuning") || s.contains("Tune found a smaller image")
        });

    // 3. The offer: its steps, the winner and the three answers, in full.
    // A capture can land between the first and last row of a frame, so this
    // waits for the whole offer rather than checking the first screen with
    // its title.
    const ANSWERS: &str =
        "y  write it to the Dockerfile    e  load it into the editor only    Esc  keep yours";
    app.tmux.wait_until(
        "the offer in full: its title, a `Tuned:` line and the three answers uncut",
        TUNE,
        |s| {
            s.contains("Tune found a smaller image")
                && s.lines().any(|l| l.contains("Tuned: "))
                && s.contains(ANSWERS)
        },
    );
    eprintln!("{test}: tune took {:.1} s", started.elapsed().as_secs_f64());

    // 4. Nothing is written while the offer waits for an answer.
    assert!(
        read_bytes(&app.dockerfile) == original,
        "{} changed before the offer was accepted:\n{}",
        app.dockerfile.display(),
        app.saved_text()
    );

    // 5. `y` puts the tuned Dockerfile in the editor and saves it.
    app.keys(&["y"]);
    app.wait_for_status("saved ", SHORT);
    let saved = app.saved_text();
    assert!(
        saved.lines().any(|l| l.trim() == "FROM scratch"),
        "{} has no `FROM scratch` after `y`:\n{saved}",
        app.dockerfile.display()
    );
    assert!(
        saved.contains(r#"-ldflags="-s -w""#),
        "{} is not stripped (`-s -w`) after `y`:\n{saved}",
        app.dockerfile.display()
    );

    // 6. Saved, so Ctrl-Q quits without asking, and the terminal is back.
    app.keys(&["C-q"]);
    app.assert_exited_and_restored();
}

/// Without a daemon the workbench still opens and teaches: the status bar
/// says so, F5 explains why it cannot build, and the graph and toggles work.
#[test]
fn without_docker_the_workbench_still_edits() {
    let test = "no-docker";
    if !have_tmux(test) {
        return;
    }
    let app = Workbench::open(test, &[("DOCKER_HOST", NO_DOCKER.to_string())]);

    app.wait_for("Dockerfile ─ hello/Dockerfile", SHORT);
    app.wait_for_status("no docker", CONNECT);
    // The stage graph is drawn from the text alone.
    app.wait_for("golang:1.24─FROM▶┌ builder ", SHORT);
    app.wait_for("COPY▶", SHORT);
    app.wait_for("debian:bookworm-slim─", SHORT);

    app.keys(&["F5"]);
    app.wait_for_status("cannot build: no Docker daemon", SHORT);

    let screen = app.switch_base_to_scratch();
    assert!(
        !status_line(&screen).contains("building"),
        "a build started without a daemon:\n{screen}"
    );

    // Quitting with the change unsaved asks first; `y` drops it.
    app.keys(&["C-q"]);
    app.wait_for("Unsaved changes", SHORT);
    app.keys(&["y"]);
    app.assert_exited_and_restored();
    let saved = app.saved_text();
    assert!(
        saved.contains("FROM debian:bookworm-slim") && !saved.contains("FROM scratch"),
        "quitting without saving changed {}:\n{saved}",
        app.dockerfile.display()
    );
}

/// `kill` (SIGTERM) ends the workbench the way Ctrl-Q does, terminal
/// restored, and keeps the unsaved change, which the next start offers back.
#[test]
fn sigterm_restores_the_terminal_and_keeps_unsaved_work() {
    let test = "sigterm";
    if !have_tmux(test) || !have_proc(test) {
        return;
    }
    let app = Workbench::open(test, &[("DOCKER_HOST", NO_DOCKER.to_string())]);
    app.wait_for("Dockerfile ─ hello/Dockerfile", SHORT);
    app.switch_base_to_scratch();
    send_signal("TERM", app.pid());

    app.assert_exited_and_restored();
    app.wait_for("stopped by a signal", SHORT);
    let kept = read(&app.recovery_file());
    assert!(
        kept.contains("FROM scratch"),
        "the recovery file lacks the change:\n{kept}"
    );
    assert!(
        app.saved_text().contains("FROM debian:bookworm-slim"),
        "a signal saved the file"
    );

    // The next start offers the work back; `r` takes it, Ctrl-S saves it.
    let again = app.reopen("sigterm-again");
    again.wait_for("Unsaved work found", SHORT);
    again.keys(&["r"]);
    again
        .tmux
        .wait_until("the restored text in the editor", SHORT, |s| {
            s.lines()
                .any(|l| l.contains("│") && l.contains("FROM scratch"))
        });
    again.keys(&["C-s"]);
    again.wait_for_status("saved ", SHORT);
    again.keys(&["C-q"]);
    again.assert_exited_and_restored();
    assert!(
        again
            .saved_text()
            .lines()
            .any(|l| l.trim() == "FROM scratch"),
        "the restored work was not saved"
    );
    assert!(
        !again.recovery_file().exists(),
        "the recovery file outlived a clean quit"
    );
}

/// Closing the terminal window (SIGHUP, the tty gone) keeps unsaved work.
#[test]
fn closing_the_terminal_keeps_unsaved_work() {
    let test = "sighup";
    if !have_tmux(test) || !have_proc(test) {
        return;
    }
    let app = Workbench::open(test, &[("DOCKER_HOST", NO_DOCKER.to_string())]);
    app.wait_for("Dockerfile ─ hello/Dockerfile", SHORT);
    app.switch_base_to_scratch();
    let pid = app.pid();
    app.tmux.kill_server();

    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let start = Instant::now();
    while proc_dir.exists() {
        assert!(
            start.elapsed() < SHORT,
            "dockstage (pid {pid}) still runs after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let kept = read(&app.recovery_file());
    assert!(
        kept.contains("FROM scratch"),
        "the recovery file lacks the change:\n{kept}"
    );
}

fn have_proc(test: &str) -> bool {
    let here = Path::new("/proc/self/stat").exists();
    if !here {
        eprintln!("skipping {test}: needs /proc to find the process");
    }
    here
}

fn send_signal(name: &str, pid: u32) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(status.success(), "kill -{name} {pid} failed");
}

fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `dockstage` process in the tree under `root`, from /proc. It is found
/// by name, not as the first child, so a shell in between (tmux runs the pane's
/// command through its default shell, which may or may not exec) never gets
/// the signal meant for dockstage.
fn dockstage_under(root: u32) -> Option<u32> {
    let processes: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // pid (comm) state ppid …; comm may hold spaces, so split after ')'.
            let (head, rest) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1.to_string();
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, comm))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while let Some(&parent) = tree.get(i) {
        for (pid, ppid, comm) in &processes {
            if *ppid == parent {
                if comm == "dockstage" {
                    return Some(*pid);
                }
                tree.push(*pid);
            }
        }
        i += 1;
    }
    None
}

/// Debug builds panic on Ctrl-F12, so this checks what a real crash leaves:
/// the terminal restored and the unsaved buffer kept for the next start.
#[test]
fn a_panic_restores_the_terminal_and_keeps_unsaved_work() {
    let test = "panic";
    if !have_tmux(test) || !have_proc(test) {
        return;
    }
    let app = Workbench::open(test, &[("DOCKER_HOST", NO_DOCKER.to_string())]);
    app.wait_for("Dockerfile ─ hello/Dockerfile", SHORT);
    app.switch_base_to_scratch();
    app.keys(&["C-F12"]);
    app.assert_exited_with_and_restored(101);
    let kept = read(&app.recovery_file());
    assert!(
        kept.contains("FROM scratch"),
        "the recovery file lacks the change:\n{kept}"
    );
    let again = app.reopen("panic-again");
    again.wait_for("Unsaved work found", SHORT);
    again.keys(&["x"]);
    again.keys(&["C-q"]);
    again.assert_exited_and_restored();
}

/// A lesson followed with the real binary: `dockstage learn misspelt-base`
/// opens the learner's copy with the lesson pane, F5 shows why the build
/// stops, the fix done by keys finishes the lesson, and the progress is
/// kept for `dockstage learn` to list.
#[test]
fn a_lesson_is_followed_to_its_end() {
    let test = "lesson";
    if !have_tmux(test) || !have_docker(test) {
        return;
    }
    let app = Workbench::open_with(test, &[], &["learn", "misspelt-base"]);
    app.wait_for("Lesson · A misspelt base", SHORT);
    app.wait_for("step 1 of 2", SHORT);
    app.wait_for_status("is ready", CONNECT);
    app.keys(&["F3"]);
    app.wait_for("Hint: ", SHORT);
    app.keys(&["F5"]);
    app.wait_for("step 2 of 2", TUNE);
    app.keys(&["C-f"]);
    app.keys(&["-l", "stratch"]);
    app.keys(&["Enter"]);
    for _ in 0..7 {
        app.keys(&["DC"]);
    }
    app.keys(&["-l", "scratch"]);
    app.keys(&["F5"]);
    app.wait_for("done 2/2", TUNE);
    app.wait_for("Lesson done", SHORT);
    app.keys(&["C-s"]);
    app.wait_for_status("saved ", SHORT);

    let data = app.home.join("data");
    let listed = || {
        let list = std::process::Command::new(env!("CARGO_BIN_EXE_dockstage"))
            .arg("learn")
            .env("XDG_DATA_HOME", &data)
            .output()
            .unwrap_or_else(|e| panic!("dockstage learn: {e}"));
        String::from_utf8_lossy(&list.stdout)
            .lines()
            .find(|l| l.contains("misspelt-base"))
            .unwrap_or_default()
            .to_string()
    };
    let copy = || read(&data.join("dockstage/lessons/misspelt-base/Dockerfile"));
    assert!(
        listed().contains("done"),
        "`dockstage learn` does not list the lesson as done: {}",
        listed()
    );
    assert!(
        copy().contains("FROM scratch"),
        "the learner's copy:\n{}",
        copy()
    );

    // F4 starts it over, once the learner says yes: the lesson's own files
    // and the first step again.
    app.keys(&["F4"]);
    app.wait_for("Start the lesson over?", SHORT);
    app.keys(&["y"]);
    app.wait_for("step 1 of 2", SHORT);
    app.wait_for("stratch", SHORT);
    app.keys(&["C-q"]);
    app.assert_exited_and_restored();
    assert!(copy().contains("stratch"), "the fresh copy:\n{}", copy());
    assert!(
        !listed().contains("done"),
        "started over but listed as done: {}",
        listed()
    );
}
