//! Every bundled lesson followed to its end on the real daemon: the keys each
//! step lists in lesson.toml (`try`) go into the real workbench's update, its
//! workers carry out the builds, and each step's checks must pass in order,
//! right after that step's keys and not before. Prints the time and the
//! number of builds per lesson and per step.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::tui::lesson::LessonRun;
use dockstage::tui::model::{DockerStatus, FileState, Model};
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::tui::worker::Workers;
use dockstage::workbench::lesson::{Lesson, Progress};
use tokio::sync::mpsc;

/// Longest wait for one action's builds to end.
const ACTION: Duration = Duration::from_secs(300);

/// One key, or a whole action, in the names lesson.toml uses (tmux's).
enum Action {
    Key(KeyEvent),
    Type(String),
    /// An edit made in another editor: FILE gets TEXT, `{unique}` replaced
    /// by a value no earlier run used, so the build cache never has it.
    Write(String, String),
}

fn actions(spec: &str) -> Result<Vec<Action>, String> {
    if let Some(text) = spec.strip_prefix("type:") {
        return Ok(vec![Action::Type(text.to_string())]);
    }
    if let Some(rest) = spec.strip_prefix("write:") {
        let (file, text) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{spec}`: write:FILE:TEXT"))?;
        return Ok(vec![Action::Write(file.to_string(), text.to_string())]);
    }
    let (name, times) = match spec.rsplit_once('*') {
        Some((name, n)) => (
            name,
            n.parse::<usize>()
                .map_err(|_| format!("`{spec}`: a count after *"))?,
        ),
        None => (spec, 1),
    };
    let key = key(name).ok_or_else(|| format!("`{name}` is no key name"))?;
    Ok((0..times).map(|_| Action::Key(key)).collect())
}

fn key(name: &str) -> Option<KeyEvent> {
    let (modifiers, name) = match name.strip_prefix("C-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, name),
    };
    let code = match name {
        "Tab" => KeyCode::Tab,
        "BTab" => KeyCode::BackTab,
        "Enter" => KeyCode::Enter,
        "Escape" => KeyCode::Esc,
        "Space" => KeyCode::Char(' '),
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "DC" | "Delete" => KeyCode::Delete,
        "BSpace" => KeyCode::Backspace,
        f if f.starts_with('F') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
        _ => return None,
    };
    Some(KeyEvent::new(code, modifiers))
}

/// The workbench on a learner's copy of a lesson, with the real workers.
struct Learner {
    model: Model,
    workers: Workers,
    rx: mpsc::UnboundedReceiver<Msg>,
    dir: PathBuf,
    builds: usize,
    /// Progress saves asked for, one per step done.
    saves: usize,
}

impl Learner {
    fn open(lesson: Lesson, dir: &Path) -> Learner {
        lesson
            .copy_to(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = dir.join(&lesson.open);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let file = FileState {
            path: path.clone(),
            dir: dir.to_path_buf(),
            saved: text.clone(),
            note: None,
        };
        let mut model = Model::new(file, &text, Theme::monochrome());
        model.lesson = Some(LessonRun::new(lesson, Progress::default()));
        let (tx, rx) = mpsc::unbounded_channel();
        let workers = Workers::spawn(tx, None);
        // What app::run asks for at the start.
        workers.send(Cmd::Analyze {
            version: model.version,
            text: model.text(),
        });
        Learner {
            model,
            workers,
            rx,
            dir: dir.to_path_buf(),
            builds: 0,
            saves: 0,
        }
    }

    fn send(&mut self, msg: Msg) {
        if matches!(msg, Msg::BuildDone(..)) {
            self.builds += 1;
        }
        for cmd in update(&mut self.model, msg) {
            assert_ne!(cmd, Cmd::Quit);
            // The progress would go to the user's own data directory: a test
            // run must never write over a learner's progress.
            if matches!(cmd, Cmd::SaveLessonProgress { .. }) {
                self.saves += 1;
                continue;
            }
            self.workers.send(cmd);
        }
    }

    fn idle(&self) -> bool {
        !self.model.is_building()
            && !self.model.pending_build
            && self.model.analyzed_version == self.model.version
    }

    /// Feeds worker messages to `update` until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&Learner) -> bool) {
        let limit = tokio::time::Instant::now() + ACTION;
        while !done(self) {
            let msg = tokio::time::timeout_at(limit, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}: {:?}", self.model.status))
                .unwrap_or_else(|| panic!("the workers stopped before {what}"));
            self.send(msg);
        }
    }

    async fn act(&mut self, spec: &str) {
        for action in actions(spec).unwrap_or_else(|e| panic!("{e}")) {
            match action {
                Action::Key(key) => self.send(Msg::Key(key)),
                Action::Type(text) => {
                    for c in text.chars() {
                        self.send(Msg::Key(KeyEvent::new(
                            KeyCode::Char(c),
                            KeyModifiers::NONE,
                        )));
                    }
                }
                Action::Write(file, text) => {
                    let unique = dockstage::engine::new_session_id();
                    let text = text.replace("{unique}", &unique);
                    std::fs::write(self.dir.join(&file), text)
                        .unwrap_or_else(|e| panic!("{file}: {e}"));
                }
            }
            self.until(&format!("`{spec}` to settle"), Learner::idle)
                .await;
        }
    }

    fn done(&self) -> usize {
        self.model.lesson.as_ref().map_or(0, |l| l.progress.done)
    }
}

/// Follows lesson `name` from its start to its end.
async fn follow(name: &str) {
    let test = format!("lesson_{name}");
    let lesson = Lesson::named(name).unwrap_or_else(|e| panic!("{e}"));
    let images: Vec<&str> = lesson.images.iter().map(String::as_str).collect();
    if support::docker_with(&test, &images).await.is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(format!(
        "dockstage-lesson-{name}-{}-{}",
        std::process::id(),
        dockstage::engine::new_session_id()
    ));
    let steps = lesson.steps.clone();
    let started = Instant::now();
    let mut learner = Learner::open(lesson, &dir);
    learner
        .until("the daemon", |l| {
            matches!(l.model.docker, DockerStatus::Ready { .. }) && l.idle()
        })
        .await;
    assert_eq!(learner.done(), 0, "{name}: a step was done before any key");
    for (n, step) in steps.iter().enumerate() {
        let at = Instant::now();
        let builds = learner.builds;
        for spec in &step.keys {
            assert_eq!(
                learner.done(),
                n,
                "{name}: step {} was done before its key `{spec}`",
                n + 1
            );
            learner.act(spec).await;
        }
        assert_eq!(
            learner.done(),
            n + 1,
            "{name}: step {} ({}) is not done after its keys; status: {:?}; last build: {:?}; run: {:?}\n{}",
            n + 1,
            step.instruction,
            learner.model.status,
            learner
                .model
                .last_build
                .as_ref()
                .map(|b| (&b.failure, &b.target)),
            learner
                .model
                .run
                .as_ref()
                .map(|r| (&r.stdout, &r.stderr, &r.error)),
            learner.model.text(),
        );
        eprintln!(
            "{name}: step {} done in {:.1} s with {} build(s); {}",
            n + 1,
            at.elapsed().as_secs_f64(),
            learner.builds - builds,
            learner
                .model
                .variants
                .last()
                .map(|v| format!(
                    "last build {} on {}",
                    dockstage::human::human_bytes(v.size_bytes),
                    v.base
                ))
                .unwrap_or_default()
        );
    }
    assert_eq!(
        learner.saves,
        steps.len(),
        "{name}: the progress is saved once per step"
    );
    eprintln!(
        "{name}: lesson done in {:.1} s with {} build(s)",
        started.elapsed().as_secs_f64(),
        learner.builds
    );
    let _ = std::fs::remove_dir_all(&dir);
}

macro_rules! lessons {
    ($($name:ident => $folder:literal,)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                follow($folder).await;
            }
        )*

        /// A lesson added to assets/lessons must be followed here too.
        #[test]
        fn every_bundled_lesson_is_followed() {
            let followed = [$($folder,)*];
            for lesson in Lesson::all().unwrap_or_else(|e| panic!("{e}")) {
                assert!(
                    followed.contains(&lesson.name.as_str()),
                    "lesson `{}` has no scripted run in tests/lessons.rs",
                    lesson.name
                );
                for step in &lesson.steps {
                    assert!(!step.keys.is_empty(), "{}: a step without `try` keys", lesson.name);
                    for spec in &step.keys {
                        assert!(actions(spec).is_ok(), "{}: {:?}", lesson.name, actions(spec).err());
                    }
                }
            }
        }
    };
}

lessons! {
    size_collapse => "size-collapse",
    misspelt_base => "misspelt-base",
    cgo_scratch => "cgo-scratch",
    ca_certs => "ca-certs",
    user_by_name => "user-by-name",
    musl_glibc => "musl-glibc",
    cache_bust => "cache-bust",
    build_targets => "build-targets",
}
