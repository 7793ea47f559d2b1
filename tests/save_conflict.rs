//! Never overwrite work done elsewhere. The workbench: a save over a file
//! changed on disk asks instead (reload, keep mine and write, or see the
//! difference), the timer and focus checks notice an outside change, and
//! Ctrl-E's export does not replace a file that is not dockstage's. The CLI:
//! `edit --write` and `build --write` refuse a file that changed between
//! reading and writing it.

use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crossterm::event::KeyCode;
use dockstage::ondisk::Seen;
use dockstage::tui::model::{FileState, Model, Overlay};
use dockstage::tui::msg::{Cmd, DiskFile, Finished, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::tui::worker::Workers;
use tokio::sync::mpsc;

mod support;

use support::workbench::{FakeBuild, ctrl, key, open};

const READ: &str = "FROM golang:1.24 AS builder\nRUN go build -o /app .\n\nFROM scratch\nCOPY --from=builder /app /app\n";
const THEIRS: &str = "FROM golang:1.24 AS builder\nRUN go build -o /app .\n\nFROM busybox:stable\nCOPY --from=builder /app /app\n";

/// A directory of its own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "dockstage-save-conflict-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.path(name)).ok()
    }

    /// Every entry, so a test can see no temporary file was left.
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn model_of(path: &Path, text: &str) -> Model {
    let mut model = open(
        path.parent().unwrap_or(Path::new(".")),
        text,
        Theme::monochrome(),
    );
    model.file.path = path.to_path_buf();
    let analysed = support::workbench::analysis(&model);
    update(&mut model, analysed);
    model
}

/// The editor's text with a comment typed at the top: unsaved work.
fn with_my_edit(model: &mut Model) -> String {
    for c in "# mine\n".chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        update(model, key(code));
    }
    assert!(model.dirty());
    model.text()
}

fn on_disk(now: &str, refused: bool) -> Msg {
    Msg::OnDisk {
        file: DiskFile::Dockerfile,
        now: Seen::Text(now.into()),
        refused,
    }
}

fn conflict(model: &Model) -> &dockstage::tui::on_disk::DiskConflict {
    match &model.overlay {
        Overlay::ChangedOnDisk(c) => c,
        other => panic!("expected the question about the file on disk, got {other:?}"),
    }
}

fn saves(cmds: &[Cmd]) -> Vec<(String, Seen)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Save { text, was, .. } => Some((text.clone(), was.clone())),
            _ => None,
        })
        .collect()
}

/// Ctrl-S on a Dockerfile someone changed meanwhile: the worker refused it.
fn refused_save() -> (Model, String) {
    let mut model = model_of(Path::new("/nonexistent/Dockerfile"), READ);
    let mine = with_my_edit(&mut model);
    let cmds = update(&mut model, ctrl('s'));
    assert_eq!(saves(&cmds), [(mine.clone(), Seen::Text(READ.into()))]);
    assert!(update(&mut model, on_disk(THEIRS, true)).is_empty());
    (model, mine)
}

#[test]
fn a_save_over_a_changed_file_asks_and_changes_nothing() {
    let (model, mine) = refused_save();
    assert_eq!(conflict(&model).now, Seen::Text(THEIRS.into()));
    assert_eq!(model.text(), mine, "the editor keeps the user's text");
    assert!(model.dirty());
    assert!(!model.quit);
}

#[test]
fn reload_takes_the_file_on_disk_and_ctrl_z_brings_the_edits_back() {
    let (mut model, mine) = refused_save();
    let cmds = update(&mut model, key(KeyCode::Char('r')));
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(model.text(), THEIRS);
    assert!(!model.dirty(), "the editor is the file on disk again");
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Analyze { .. })),
        "{cmds:?}"
    );
    assert!(model.status.as_deref().unwrap_or("").contains("Ctrl-Z"));
    // A later check finding the same file asks nothing.
    update(&mut model, on_disk(THEIRS, false));
    assert_eq!(model.overlay, Overlay::None);
    update(&mut model, ctrl('z'));
    assert_eq!(model.text(), mine, "the unsaved edits are one Ctrl-Z away");
    assert!(model.dirty());
    // Saving them now goes over the reloaded file, which is what was seen.
    let cmds = update(&mut model, ctrl('s'));
    assert_eq!(saves(&cmds), [(mine, Seen::Text(THEIRS.into()))]);
}

#[test]
fn keep_mine_writes_over_the_file_only_when_chosen() {
    let (mut model, mine) = refused_save();
    let cmds = update(&mut model, key(KeyCode::Char('k')));
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(saves(&cmds), [(mine.clone(), Seen::Text(THEIRS.into()))]);
    assert_eq!(model.text(), mine);
    assert!(model.dirty(), "not saved until the worker says so");
    let path = model.file.path.clone();
    update(&mut model, Msg::Saved(Ok(path)));
    assert!(!model.dirty());
    assert_eq!(model.disk.seen, Seen::Text(mine));
}

#[test]
fn the_difference_shows_both_sides_and_the_choice_stays_open() {
    let (mut model, mine) = refused_save();
    assert!(update(&mut model, key(KeyCode::Char('d'))).is_empty());
    let diff = conflict(&model).diff.clone().unwrap_or_default();
    assert!(
        diff.contains(&"-FROM busybox:stable".to_string()),
        "{diff:?}"
    );
    assert!(diff.contains(&"+FROM scratch".to_string()), "{diff:?}");
    assert!(diff.contains(&"+# mine".to_string()), "{diff:?}");
    // Drawn at 80x24: the difference and the keys are on screen.
    let backend = ratatui::backend::TestBackend::new(80, 24);
    let mut terminal = ratatui::Terminal::new(backend).unwrap_or_else(|e| panic!("{e}"));
    model.size = (80, 24);
    terminal
        .draw(|f| dockstage::tui::ui::render(&model, f))
        .unwrap_or_else(|e| panic!("{e}"));
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("Dockerfile changed on disk"), "{screen}");
    assert!(screen.contains("-FROM busybox:stable"), "{screen}");
    assert!(screen.contains("r  reload it"), "{screen}");
    // Keys other than the answers leave the question open; then reload.
    update(&mut model, key(KeyCode::Char('x')));
    assert!(matches!(model.overlay, Overlay::ChangedOnDisk(_)));
    update(&mut model, key(KeyCode::Char('r')));
    assert_eq!(model.text(), THEIRS);
    update(&mut model, ctrl('z'));
    assert_eq!(model.text(), mine);
}

#[test]
fn later_leaves_both_alone_the_timer_does_not_nag_and_ctrl_s_asks_again() {
    let (mut model, mine) = refused_save();
    assert!(update(&mut model, key(KeyCode::Esc)).is_empty());
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(model.text(), mine);
    update(&mut model, on_disk(THEIRS, false));
    assert_eq!(
        model.overlay,
        Overlay::None,
        "the same change is not asked again"
    );
    let cmds = update(&mut model, ctrl('s'));
    assert_eq!(saves(&cmds), [(mine, Seen::Text(READ.into()))]);
    update(&mut model, on_disk(THEIRS, true));
    assert!(matches!(model.overlay, Overlay::ChangedOnDisk(_)));
}

#[test]
fn typing_while_a_save_is_under_way_stays_unsaved_and_a_second_save_follows_the_first() {
    let mut model = model_of(Path::new("/nonexistent/Dockerfile"), READ);
    let first = with_my_edit(&mut model);
    let cmds = update(&mut model, ctrl('s'));
    assert_eq!(saves(&cmds), [(first.clone(), Seen::Text(READ.into()))]);
    update(&mut model, key(KeyCode::Char('x')));
    let second = model.text();
    let cmds = update(&mut model, ctrl('s'));
    assert_eq!(
        saves(&cmds),
        [(second.clone(), Seen::Text(first.clone()))],
        "the second save expects what the first one writes"
    );
    let path = model.file.path.clone();
    update(&mut model, Msg::Saved(Ok(path.clone())));
    assert!(model.dirty(), "only the first text is on disk yet");
    update(&mut model, key(KeyCode::Char('y')));
    update(&mut model, Msg::Saved(Ok(path)));
    assert_eq!(model.disk.seen, Seen::Text(second));
    assert!(
        model.dirty(),
        "the key typed after the second save is not saved"
    );
    assert_eq!(update(&mut model, ctrl('q')), Vec::<Cmd>::new());
    assert_eq!(model.overlay, Overlay::ConfirmQuit);
}

#[test]
fn a_check_asks_about_an_outside_change_but_never_over_another_question() {
    let mut model = model_of(Path::new("/nonexistent/Dockerfile"), READ);
    let path = model.file.path.clone();
    assert_eq!(
        update(&mut model, Msg::FocusGained),
        vec![Cmd::CheckDisk { path }]
    );
    update(&mut model, on_disk(READ, false));
    assert_eq!(model.overlay, Overlay::None, "unchanged: nothing to ask");
    update(&mut model, key(KeyCode::F(1)));
    assert_eq!(model.overlay, Overlay::Help);
    update(&mut model, on_disk(THEIRS, false));
    assert_eq!(model.overlay, Overlay::Help);
    update(&mut model, key(KeyCode::Esc));
    update(&mut model, on_disk(THEIRS, false));
    assert_eq!(conflict(&model).now, Seen::Text(THEIRS.into()));
    // Removed on disk: no reload, but keep mine writes it back.
    let mut model = model_of(Path::new("/nonexistent/Dockerfile"), READ);
    update(
        &mut model,
        Msg::OnDisk {
            file: DiskFile::Dockerfile,
            now: Seen::Absent,
            refused: false,
        },
    );
    update(&mut model, key(KeyCode::Char('r')));
    assert!(matches!(model.overlay, Overlay::ChangedOnDisk(_)));
    let cmds = update(&mut model, key(KeyCode::Char('k')));
    assert_eq!(saves(&cmds), [(READ.to_string(), Seen::Absent)]);
}

fn built() -> Box<Finished> {
    FakeBuild {
        image_id: "sha256:0123".into(),
        seconds: 1.0,
        steps: 3,
        size: 1_200_000,
        layers: Some(Vec::new()),
        run: None,
        ..FakeBuild::default()
    }
    .finished()
}

#[test]
fn the_export_does_not_replace_a_file_that_is_not_dockstages_unless_told() {
    let mut model = model_of(Path::new("/nonexistent/Dockerfile"), READ);
    model.docker = dockstage::tui::model::DockerStatus::Ready {
        version: "20.10".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
    };
    update(&mut model, key(KeyCode::F(5)));
    update(&mut model, Msg::BuildDone(1, Ok(built())));
    assert_eq!(model.variants.len(), 1);
    let cmds = update(&mut model, ctrl('e'));
    let (text, was) = match cmds.as_slice() {
        [Cmd::Export { text, was, .. }] => (text.clone(), was.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(was, Seen::Absent, "dockstage has written no export yet");
    update(
        &mut model,
        Msg::OnDisk {
            file: DiskFile::Export,
            now: Seen::Text("my slides\n".into()),
            refused: true,
        },
    );
    assert_eq!(conflict(&model).file, DiskFile::Export);
    update(&mut model, key(KeyCode::Esc));
    assert!(
        model
            .status
            .as_deref()
            .unwrap_or("")
            .contains("not exported")
    );
    // Again, and this time the user says to write over it.
    update(&mut model, ctrl('e'));
    update(
        &mut model,
        Msg::OnDisk {
            file: DiskFile::Export,
            now: Seen::Text("my slides\n".into()),
            refused: true,
        },
    );
    let cmds = update(&mut model, key(KeyCode::Char('k')));
    assert_eq!(
        cmds,
        vec![Cmd::Export {
            path: PathBuf::from("/nonexistent/dockstage-variants.md"),
            text: text.clone(),
            was: Seen::Text("my slides\n".into()),
        }]
    );
    update(
        &mut model,
        Msg::Exported(Ok(PathBuf::from("/nonexistent/dockstage-variants.md"))),
    );
    // The next export goes over dockstage's own without asking.
    match update(&mut model, ctrl('e')).as_slice() {
        [Cmd::Export { was, .. }] => assert_eq!(*was, Seen::Text(text)),
        other => panic!("{other:?}"),
    }
}

/// The update loop with its commands carried out by the real workers.
struct Bench {
    model: Model,
    workers: Workers,
    rx: mpsc::UnboundedReceiver<Msg>,
}

impl Bench {
    fn new(path: &Path, text: &str) -> Bench {
        let (tx, rx) = mpsc::unbounded_channel();
        Bench {
            model: model_of(path, text),
            workers: Workers::spawn(tx, None),
            rx,
        }
    }

    fn send(&mut self, msg: Msg) {
        for cmd in update(&mut self.model, msg) {
            self.workers.send(cmd);
        }
    }

    /// Feeds the workers' messages to `update` until one matches `wanted`.
    async fn until(&mut self, what: &str, wanted: impl Fn(&Msg) -> bool) {
        let limit = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let msg = tokio::time::timeout_at(limit, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} from the workers"))
                .unwrap_or_else(|| panic!("the workers stopped before {what}"));
            let hit = wanted(&msg);
            self.send(msg);
            if hit {
                return;
            }
        }
    }
}

fn is_on_disk(msg: &Msg, text: &str, refused: bool) -> bool {
    matches!(msg, Msg::OnDisk { now: Seen::Text(t), refused: r, .. } if t == text && *r == refused)
}

#[tokio::test]
async fn the_timer_notices_an_outside_change_without_being_asked() {
    let dir = Scratch::new("timer");
    let path = dir.write("Dockerfile", READ);
    let mut bench = Bench::new(&path, READ);
    // What app::run sends at start: look now, and keep looking.
    bench.workers.send(Cmd::CheckDisk { path: path.clone() });
    bench
        .until("the first look", |m| is_on_disk(m, READ, false))
        .await;
    assert_eq!(bench.model.overlay, Overlay::None);
    dir.write("Dockerfile", THEIRS);
    bench
        .until("a report of the change", |m| is_on_disk(m, THEIRS, false))
        .await;
    assert_eq!(conflict(&bench.model).now, Seen::Text(THEIRS.into()));
    bench.workers.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn ctrl_s_writes_nothing_over_an_outside_change_until_the_user_chooses() {
    let dir = Scratch::new("save");
    let path = dir.write("Dockerfile", READ);
    let mut bench = Bench::new(&path, READ);
    let mine = with_my_edit(&mut bench.model);
    dir.write("Dockerfile", THEIRS);
    bench.send(ctrl('s'));
    bench
        .until("the refused save", |m| is_on_disk(m, THEIRS, true))
        .await;
    assert_eq!(dir.read("Dockerfile").as_deref(), Some(THEIRS));
    assert_eq!(dir.entries(), ["Dockerfile"], "no temporary file is left");
    bench.send(key(KeyCode::Char('k')));
    bench
        .until("the save", |m| matches!(m, Msg::Saved(Ok(_))))
        .await;
    assert_eq!(dir.read("Dockerfile").as_deref(), Some(mine.as_str()));
    assert!(!bench.model.dirty());
    // A Dockerfile not there when the workbench opened (a template) is not
    // written over one that appeared since.
    let fresh = dir.path("Dockerfile.new");
    let (tx, rx) = mpsc::unbounded_channel();
    let mut model = Model::new(
        FileState {
            path: fresh.clone(),
            dir: dir.0.clone(),
            saved: String::new(),
            note: None,
        },
        READ,
        Theme::monochrome(),
    );
    model.disk.seen = Seen::Absent;
    let mut bench = Bench {
        model,
        workers: Workers::spawn(tx, None),
        rx,
    };
    dir.write("Dockerfile.new", THEIRS);
    bench.send(ctrl('s'));
    bench
        .until("the refused save", |m| is_on_disk(m, THEIRS, true))
        .await;
    assert_eq!(dir.read("Dockerfile.new").as_deref(), Some(THEIRS));
    bench.workers.shutdown(Duration::from_secs(1)).await;
}

/// Linux's O_NONBLOCK: opening a FIFO to write fails at once while nobody reads.
const O_NONBLOCK: i32 = 0o4000;

/// Plays the other party on a FIFO standing in for a Dockerfile: the first
/// read of it gets `first`, every later read gets `then`, as if someone
/// changed the file between dockstage reading and writing it. Returns once
/// `child` has exited.
fn changes_after_the_first_read(
    path: &Path,
    first: &str,
    then: &str,
    child: &mut Child,
) -> ExitStatus {
    use std::io::Write;
    let real = std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{e}"));
    let fds = PathBuf::from(format!("/proc/{}/fd", child.id()));
    // Whether the child has the FIFO open; a reader still in open() has not.
    let holds_it = || {
        std::fs::read_dir(&fds).is_ok_and(|d| {
            d.filter_map(Result::ok)
                .any(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == real))
        })
    };
    let mut reads = 0;
    loop {
        let mut exited = || child.try_wait().unwrap_or_else(|e| panic!("{e}"));
        if let Some(status) = exited() {
            return status;
        }
        let fifo = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
        // Opening to write succeeds only while someone opens it to read.
        if fifo
            && let Ok(mut writer) = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(O_NONBLOCK)
                .open(path)
        {
            let text = if reads == 0 { first } else { then };
            let _ = writer.write_all(text.as_bytes());
            reads += 1;
            // The reader sees the end of the text only once it has the FIFO
            // open, and the next text goes to the next reader only once this
            // one has let go.
            while !holds_it() && exited().is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
            drop(writer);
            while holds_it() && exited().is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn fifo(dir: &Scratch, name: &str) -> PathBuf {
    let path = dir.path(name);
    let made = Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    path
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

fn stderr_of(child: Child) -> String {
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn edit_write_refuses_a_file_changed_since_it_was_read() {
    let dir = Scratch::new("edit");
    let path = fifo(&dir, "Dockerfile");
    let file = path.to_string_lossy();
    let mut child = spawn(&["edit", &file, "--set", "strip=on", "--write"]);
    let status = changes_after_the_first_read(&path, READ, THEIRS, &mut child);
    let said = stderr_of(child);
    assert_eq!(status.code(), Some(2), "{said}");
    assert!(said.contains("changed since dockstage read it"), "{said}");
    assert!(said.contains("nothing was written"), "{said}");
    assert!(
        std::fs::metadata(&path).is_ok_and(|m| m.file_type().is_fifo()),
        "the file was written over"
    );
    assert_eq!(dir.entries(), ["Dockerfile"], "no temporary file is left");
}

#[test]
fn build_write_refuses_a_file_changed_since_it_was_read() {
    let dir = Scratch::new("build");
    let path = fifo(&dir, "Dockerfile");
    let context = dir.0.to_string_lossy();
    let mut child = spawn(&["build", &context, "--set", "strip=on", "--write"]);
    let status = changes_after_the_first_read(&path, READ, THEIRS, &mut child);
    let said = stderr_of(child);
    assert_eq!(status.code(), Some(2), "{said}");
    assert!(said.contains("changed since dockstage read it"), "{said}");
    assert!(said.contains("nothing was built"), "{said}");
    assert!(std::fs::metadata(&path).is_ok_and(|m| m.file_type().is_fifo()));
}

#[test]
fn edit_write_still_writes_a_file_nobody_else_touched() {
    let dir = Scratch::new("edit-plain");
    let path = dir.write("Dockerfile", READ);
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args([
            "edit",
            &path.to_string_lossy(),
            "--set",
            "strip=on",
            "--write",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.read("Dockerfile").unwrap_or_default().contains("-s -w"));
    assert_eq!(dir.entries(), ["Dockerfile"]);
}

/// A file written in pieces while the question is open: the question shows
/// what is on disk now, and closes when the file is as it was again.
#[test]
fn the_open_question_follows_the_file_on_disk() {
    let dir = Scratch::new("follows");
    let path = dir.write("Dockerfile", READ);
    let mut model = model_of(&path, READ);
    update(&mut model, on_disk("", false));
    assert_eq!(conflict(&model).now, Seen::Text(String::new()));
    update(&mut model, on_disk(THEIRS, false));
    assert_eq!(conflict(&model).now, Seen::Text(THEIRS.into()));
    update(&mut model, on_disk(READ, false));
    assert_eq!(model.overlay, Overlay::None);
}
