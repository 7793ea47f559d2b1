//! Guided lessons, as data: each folder of `assets/lessons/` holds a small Go
//! app, the Dockerfile the learner starts from and a `lesson.toml` with the
//! ordered steps. The folders are embedded in the binary, so a new lesson
//! needs no Rust, only a folder; `dockstage learn --dir` reads one from disk
//! while it is being written.

pub mod check;
pub mod progress;

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde::Deserialize;

pub use check::{Check, CheckError, LastBuild, Observed, StepSeen};
pub use progress::Progress;

static BUNDLED: Dir = include_dir!("$CARGO_MANIFEST_DIR/assets/lessons");

/// The file in each lesson folder that describes it.
pub const LESSON_FILE: &str = "lesson.toml";

/// One lesson, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// The folder's name, which `dockstage learn NAME` takes.
    pub name: String,
    pub title: String,
    /// What the learner will see by the end, shown before they start.
    pub sees: String,
    /// The file the workbench opens, relative to the lesson folder.
    pub open: String,
    /// Images the lesson needs on the daemon: its FROM lines and the bases
    /// its steps switch to. `dockstage doctor` and `bases save` read this.
    pub images: Vec<String>,
    pub steps: Vec<Step>,
    /// Every file of the folder but lesson.toml, as the learner gets them.
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Lessons are listed by this, then by name.
    order: u32,
}

/// One step: what to do, how the workbench shows it is done, a hint, and
/// what it taught.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The instruction, in the learner's words.
    #[serde(rename = "do")]
    pub instruction: String,
    /// All must hold for the step to be done.
    pub checks: Vec<Check>,
    /// Shown when the learner asks.
    pub hint: String,
    /// Shown once the step is done.
    pub learned: String,
    /// The keys that do the step, in tmux's names (`F5`, `Tab`, `Right`,
    /// `C-f`), `type:TEXT` to type text, and `write:FILE:TEXT` for an edit
    /// made in another editor. The scripted runs in CI follow these, so
    /// every lesson is known to be possible.
    #[serde(default, rename = "try")]
    pub keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile {
    title: String,
    sees: String,
    #[serde(default = "default_open")]
    open: String,
    #[serde(default)]
    order: u32,
    /// Every image the lesson needs on the daemon; by default the
    /// Dockerfile's FROM lines. A lesson that switches bases, or whose FROM
    /// is wrong on purpose, lists them all.
    #[serde(default)]
    images: Vec<String>,
    #[serde(rename = "step", default)]
    steps: Vec<Step>,
}

fn default_open() -> String {
    "Dockerfile".to_string()
}

/// What is wrong with a lesson folder, naming the file and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LessonError {
    #[error("no lesson named `{name}`; `dockstage learn` lists them: {known}")]
    Unknown { name: String, known: String },
    #[error("{file}: missing; a lesson folder needs {what}")]
    Missing { file: String, what: &'static str },
    #[error("{file}: {message}")]
    Malformed { file: String, message: String },
    #[error("{file}: step {step}, {field}: {reason}")]
    Field {
        file: String,
        step: usize,
        field: String,
        reason: String,
    },
    #[error("{dir}: cannot read the lesson folder: {reason}")]
    Unreadable { dir: String, reason: String },
}

impl Lesson {
    /// Every bundled lesson, in the order a course takes them.
    pub fn all() -> Result<Vec<Lesson>, LessonError> {
        let mut lessons = BUNDLED
            .dirs()
            .map(|dir| {
                let name = dir.path().to_string_lossy().into_owned();
                let mut files = Vec::new();
                embedded_files(dir, dir.path(), &mut files);
                Lesson::from_files(&name, &format!("assets/lessons/{name}"), files)
            })
            .collect::<Result<Vec<_>, _>>()?;
        lessons.sort_by(|a, b| (a.order, &a.name).cmp(&(b.order, &b.name)));
        Ok(lessons)
    }

    /// The bundled lesson `name`.
    pub fn named(name: &str) -> Result<Lesson, LessonError> {
        let all = Lesson::all()?;
        let known = all
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        all.iter()
            .find(|l| l.name == name)
            .cloned()
            .ok_or_else(|| LessonError::Unknown {
                name: name.to_string(),
                known,
            })
    }

    /// A lesson folder on disk, for someone writing a new one.
    pub fn from_dir(dir: &Path) -> Result<Lesson, LessonError> {
        let unreadable = |e: std::io::Error| LessonError::Unreadable {
            dir: dir.display().to_string(),
            reason: e.to_string(),
        };
        let name = dir
            .canonicalize()
            .map_err(unreadable)?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "lesson".to_string());
        let mut files = Vec::new();
        disk_files(dir, dir, &mut files).map_err(unreadable)?;
        Lesson::from_files(&name, &dir.display().to_string(), files)
    }

    /// Reads and checks a lesson from its files; `shown` is how errors name
    /// the folder.
    pub fn from_files(
        name: &str,
        shown: &str,
        mut files: Vec<(PathBuf, Vec<u8>)>,
    ) -> Result<Lesson, LessonError> {
        let toml_name = format!("{shown}/{LESSON_FILE}");
        let Some(at) = files.iter().position(|(p, _)| p == Path::new(LESSON_FILE)) else {
            return Err(LessonError::Missing {
                file: toml_name,
                what: "a lesson.toml with a title, what the learner sees, and its steps",
            });
        };
        let (_, bytes) = files.remove(at);
        let text = String::from_utf8(bytes).map_err(|_| LessonError::Malformed {
            file: toml_name.clone(),
            message: "not UTF-8 text".to_string(),
        })?;
        let parsed: LessonFile = toml::from_str(&text).map_err(|e| LessonError::Malformed {
            file: toml_name.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if parsed.steps.is_empty() {
            return Err(LessonError::Malformed {
                file: toml_name,
                message: "no [[step]]; a lesson needs at least one".to_string(),
            });
        }
        for (i, step) in parsed.steps.iter().enumerate() {
            let field = |field: &str, reason: String| LessonError::Field {
                file: toml_name.clone(),
                step: i + 1,
                field: field.to_string(),
                reason,
            };
            if step.checks.is_empty() {
                return Err(field(
                    "checks",
                    "empty; a step is done by a check, never by a key press".to_string(),
                ));
            }
            for (j, check) in step.checks.iter().enumerate() {
                check
                    .validate()
                    .map_err(|e| field(&format!("checks[{}]", j + 1), e.to_string()))?;
            }
            for (name, value) in [
                ("do", &step.instruction),
                ("hint", &step.hint),
                ("learned", &step.learned),
            ] {
                if value.trim().is_empty() {
                    return Err(field(name, "empty".to_string()));
                }
            }
        }
        for (needed, what) in [
            (
                parsed.open.as_str(),
                "the Dockerfile the lesson opens (`open`)",
            ),
            ("go.mod", "a small Go app: go.mod and its sources"),
        ] {
            if !files.iter().any(|(p, _)| p == Path::new(needed)) {
                return Err(LessonError::Missing {
                    file: format!("{shown}/{needed}"),
                    what,
                });
            }
        }
        let dockerfile = files
            .iter()
            .find(|(p, _)| p == Path::new(&parsed.open))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let images = if parsed.images.is_empty() {
            from_images(&dockerfile)
        } else {
            parsed.images
        };
        Ok(Lesson {
            name: name.to_string(),
            title: parsed.title,
            sees: parsed.sees,
            open: parsed.open,
            images,
            steps: parsed.steps,
            files,
            order: parsed.order,
        })
    }

    /// Writes the lesson's files into `dir`, a fresh directory the caller
    /// chose (see `progress::work_dir`).
    pub fn copy_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (path, bytes) in &self.files {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, bytes)?;
        }
        Ok(())
    }
}

/// The images a Dockerfile's FROM lines name, `scratch` and stages left out.
fn from_images(dockerfile: &str) -> Vec<String> {
    let df = crate::dockerfile::parse(dockerfile);
    let graph = crate::dockerfile::StageGraph::new(&df);
    let mut images = Vec::new();
    for stage in &graph.stages {
        if stage.base_stage.is_none() && !stage.is_scratch() && !images.contains(&stage.base) {
            images.push(stage.base.clone());
        }
    }
    images
}

fn embedded_files(dir: &Dir, root: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for file in dir.files() {
        let relative = file.path().strip_prefix(root).unwrap_or(file.path());
        out.push((relative.to_path_buf(), file.contents().to_vec()));
    }
    for sub in dir.dirs() {
        embedded_files(sub, root, out);
    }
}

fn disk_files(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            disk_files(&path, root, out)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            out.push((relative, std::fs::read(&path)?));
        }
    }
    Ok(())
}
