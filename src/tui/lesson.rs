//! Following a lesson in the workbench: after every update the current
//! step's checks are read against what the workbench shows, and a step whose
//! checks hold is done, so the learner moves on by doing, never by a key.

use std::time::Instant;

use super::model::{BuildState, Model, Overlay};
use super::msg::Cmd;
use crate::workbench::lesson::{LastBuild, Lesson, Observed, Progress, Step};

/// A lesson as the learner is following it.
#[derive(Debug, Clone)]
pub struct LessonRun {
    pub lesson: Lesson,
    pub progress: Progress,
    /// The hint of the current step is on screen (F3).
    pub hint: bool,
    /// What the step just done taught, shown until the next one is done.
    pub learned: Option<String>,
    /// Builds that ended before the current step began do not count for it:
    /// a step that asks for a build waits for a new one.
    since_build: u64,
    step_started: Instant,
    /// What the checks last read (text version, analysis, build, variants):
    /// an update that changes none of it, such as a build log line, cannot
    /// finish a step, so it is not checked again.
    checked: Option<(u64, u64, u64, usize)>,
    /// Started over at this text version: the fresh copy's text is on its
    /// way, and no check reads the learner's old text meanwhile.
    reset_at: Option<u64>,
}

impl LessonRun {
    pub fn new(lesson: Lesson, progress: Progress) -> LessonRun {
        LessonRun {
            lesson,
            progress,
            hint: false,
            learned: None,
            since_build: 0,
            step_started: Instant::now(),
            checked: None,
            reset_at: None,
        }
    }

    /// The step the learner is on; `None` once every step is done.
    pub fn current(&self) -> Option<&Step> {
        self.lesson.steps.get(self.progress.done)
    }

    /// 1-based number of the current step, and how many there are.
    pub fn position(&self) -> (usize, usize) {
        let total = self.lesson.steps.len();
        ((self.progress.done + 1).min(total), total)
    }
}

/// F3: show or hide the current step's hint.
pub fn toggle_hint(model: &mut Model) -> bool {
    let Some(run) = model.lesson.as_mut() else {
        return false;
    };
    run.hint = !run.hint;
    true
}

/// F4: ask before starting the lesson over; `false` outside a lesson.
pub fn ask_reset(model: &mut Model) -> bool {
    if model.lesson.is_none() {
        return false;
    }
    model.overlay = Overlay::ConfirmLessonReset;
    true
}

/// The answer to F4's question: `y` puts the lesson back to its first step
/// with a fresh copy of its files (the worker makes it and opens it); any
/// other key keeps everything as it is.
pub fn on_reset_key(model: &mut Model, answer: char) -> Vec<Cmd> {
    model.overlay = Overlay::None;
    let Some(run) = model.lesson.as_mut().filter(|_| answer == 'y') else {
        model.status = Some("the lesson goes on where you were".into());
        return Vec::new();
    };
    let lesson = run.lesson.clone();
    let mut fresh = LessonRun::new(lesson.clone(), Progress::default());
    // Builds made before the reset count for no step of the fresh start.
    fresh.since_build = model.last_build.as_ref().map_or(0, |b| b.number);
    fresh.reset_at = Some(model.version);
    *run = fresh;
    model.variants.clear();
    model.variant_selected = 0;
    model.status = Some(format!("starting `{}` over", lesson.title));
    vec![Cmd::ResetLesson {
        lesson: Box::new(lesson),
        version: model.version,
    }]
}

/// Marks every step whose checks now hold as done, in order; asks for the
/// progress to be saved when one was.
pub fn advance(model: &mut Model) -> Vec<Cmd> {
    let seen = (
        model.version,
        model.analyzed_version,
        model.last_build.as_ref().map_or(0, |b| b.number),
        model.variants.len(),
    );
    match model.lesson.as_mut() {
        Some(run) if run.reset_at == Some(model.version) => return Vec::new(),
        Some(run) if run.checked != Some(seen) => run.checked = Some(seen),
        _ => return Vec::new(),
    }
    let mut done_any = false;
    while let Some(step) = model.lesson.as_ref().and_then(LessonRun::current) {
        if !step_holds(model, step) {
            break;
        }
        let finished_build = model.last_build.as_ref().map_or(0, |b| b.number);
        let Some(run) = model.lesson.as_mut() else {
            break;
        };
        let learned = run.current().map(|s| s.learned.clone());
        let ms = run.step_started.elapsed().as_millis();
        run.progress
            .step_ms
            .push(u64::try_from(ms).unwrap_or(u64::MAX));
        run.progress.done += 1;
        run.learned = learned;
        run.hint = false;
        run.since_build = finished_build;
        run.step_started = Instant::now();
        let (_, total) = run.position();
        model.status = Some(if run.progress.done >= total {
            format!("lesson done: {}", run.lesson.title)
        } else {
            format!("step {} of {total} done", run.progress.done)
        });
        done_any = true;
    }
    match (&model.lesson, done_any) {
        (Some(run), true) => vec![Cmd::SaveLessonProgress {
            name: run.lesson.name.clone(),
            progress: run.progress.clone(),
        }],
        _ => Vec::new(),
    }
}

/// Whether every check of `step` holds on the workbench as it is.
fn step_holds(model: &Model, step: &Step) -> bool {
    let since = model.lesson.as_ref().map_or(0, |r| r.since_build);
    let text = model.text();
    let last = model.last_build.as_ref().filter(|b| b.number > since);
    let size = match (&model.build, &model.layers) {
        (BuildState::Built, Some(layers)) => Some(layers.size_bytes),
        _ => None,
    };
    let observed = Observed {
        text: &text,
        graph: model.analysis.as_ref().map(|a| &a.graph),
        diagnostics: model
            .analysis
            .as_ref()
            .map_or(&[], |a| a.diagnostics.as_slice()),
        variants: model.variants.len(),
        last: last.map(|b| LastBuild {
            dockerfile: &b.dockerfile,
            base: b.base.as_deref(),
            target: b.target.as_deref(),
            size_bytes: size,
            failure: b.failure.as_deref(),
            steps: &model.steps,
            run: model.run.as_ref(),
        }),
    };
    // An analysis of an older text would judge what is no longer there.
    model.analyzed_version == model.version && step.checks.iter().all(|c| c.holds(&observed))
}
