//! The workbench: `dockstage [PATH]`.

pub mod app;
mod building;
pub mod compare;
mod editing;
pub mod file_switch;
mod file_worker;
pub mod files;
pub mod files_view;
pub mod highlight;
pub mod keycast;
pub mod keymap;
pub mod lesson;
mod matrixing;
pub mod model;
mod mouse;
pub mod msg;
pub mod on_disk;
pub mod open;
pub mod present;
pub mod run_args;
mod targeting;
pub mod theme;
mod tuning;
pub mod ui;
pub mod update;
pub mod worker;

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, EventStream,
};
use crossterm::execute;
use tokio::sync::mpsc;

use model::Model;
use theme::Theme;
use worker::Workers;

use crate::goproject::GoFacts;

/// Opens PATH (or the bundled example) and runs the workbench until quit.
pub fn run(path: Option<PathBuf>, theme_name: Option<String>, present: bool) -> Result<()> {
    run_workbench(path, theme_name, present, None)
}

/// `dockstage learn NAME`: the learner's copy of the lesson (made fresh the
/// first time, or with `reset`), opened with the lesson pane beside it.
pub fn learn(
    lesson: crate::workbench::lesson::Lesson,
    reset: bool,
    theme_name: Option<String>,
    present: bool,
) -> Result<()> {
    let (dir, progress) = crate::workbench::lesson::progress::start(&lesson, reset)
        .wrap_err_with(|| format!("cannot set up lesson `{}`", lesson.name))?;
    let path = dir.join(&lesson.open);
    run_workbench(
        Some(path),
        theme_name,
        present,
        Some(lesson::LessonRun::new(lesson, progress)),
    )
}

fn run_workbench(
    path: Option<PathBuf>,
    theme_name: Option<String>,
    present: bool,
    lesson: Option<lesson::LessonRun>,
) -> Result<()> {
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::monochrome()
    } else {
        Theme::named(theme_name.as_deref().unwrap_or("dark"))?
    };
    let opened = open::open(path.as_deref())?;
    init_logging(&opened.file.dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(async move {
        let facts = Some(GoFacts::scan_dir(&opened.file.dir, 5_000)).filter(|f| f.go_files > 0);
        let first_recovery = open::recovery_path(&opened.file.path);
        let mut model = Model::new(opened.file, &opened.text, theme);
        model.disk.seen = opened.seen;
        model.lesson = lesson;
        present::set(&mut model, present);
        if let Some(recovered) = opened.recovered {
            model.overlay = model::Overlay::RestoreOffer(recovered);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        forward_signals(tx.clone());
        let workers = Workers::spawn(tx, facts);
        let mut terminal = ratatui::init();
        // Focus reports let an outside change to the file show when the user comes back.
        let _ = execute!(
            std::io::stdout(),
            EnableMouseCapture,
            EnableBracketedPaste,
            EnableFocusChange
        );
        // The panic hook ratatui installs restores the terminal; ours also
        // keeps the buffer, so a crash loses no work.
        // The file can change (Ctrl-O), so the snapshot names its own.
        let snapshot = std::sync::Arc::new(std::sync::Mutex::new((
            first_recovery.clone(),
            String::new(),
        )));
        install_recovery_hook(snapshot.clone());
        let result = app::run(&mut terminal, model, EventStream::new(), rx, workers, |m| {
            if let Ok(mut s) = snapshot.lock() {
                *s = (open::recovery_path(&m.file.path), m.text());
            }
        })
        .await;
        let _ = execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste,
            DisableFocusChange
        );
        ratatui::restore();
        let model = result.map_err(|e| eyre!("terminal error: {e}"))?;
        let recovery = open::recovery_path(&model.file.path);
        if model.terminated && model.dirty() {
            std::fs::write(&recovery, model.text())
                .wrap_err_with(|| format!("cannot keep the unsaved work in {}", recovery.display()))?;
            eprintln!(
                "dockstage: stopped by a signal; the unsaved work is in {} and the next start offers it",
                recovery.display()
            );
            return Ok(());
        }
        let _ = std::fs::remove_file(&recovery);
        let _ = std::fs::remove_file(&first_recovery);
        if model.dirty() {
            eprintln!(
                "dockstage: quit without saving {}",
                model.file.path.display()
            );
        }
        Ok(())
    })
}

/// SIGTERM and SIGHUP end the workbench through the normal path, so the
/// terminal is restored and containers are removed.
fn forward_signals(tx: mpsc::UnboundedSender<msg::Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(msg::Msg::Terminate);
    });
}

/// A panic keeps the buffer in the recovery file of the file being edited.
fn install_recovery_hook(snapshot: std::sync::Arc<std::sync::Mutex<(PathBuf, String)>>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let mut path = PathBuf::new();
        if let Ok(kept) = snapshot.lock() {
            path.clone_from(&kept.0);
            if !kept.1.is_empty() {
                let _ = std::fs::write(&kept.0, kept.1.as_bytes());
            }
        }
        let _ = execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste,
            DisableFocusChange
        );
        previous(info);
        eprintln!(
            "dockstage: the buffer was saved to {}; the next start offers to restore it",
            path.display()
        );
    }));
}

/// Logs go to a file, never to the terminal the workbench draws on.
fn init_logging(dir: &Path) {
    let Some(state) = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
    else {
        return;
    };
    let log_dir = state.join("dockstage");
    if std::fs::create_dir_all(&log_dir).is_err() {
        return;
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_dir.join("dockstage.log"))
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init();
    tracing::info!(dir = %dir.display(), "workbench started");
}
