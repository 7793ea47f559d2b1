//! Why the cache missed. BuildKit says which steps ran but never why
//! (moby/buildkit#2567), so dockstage remembers what each step was built
//! from and, after the next build of the same stage, names the input that
//! changed for every step that ran although the last build had it: the
//! files a COPY copies, the instruction itself, a build arg, the base
//! image, or the step before it (the cascade).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::outcome::FileDigest;

/// What dockstage remembers of a project's last build, to compare the next
/// one with: per stage its steps, and the context files they copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildRecord {
    /// `buildkit` or `legacy`: each keeps its own cache, so a build with the
    /// other one is compared with nothing.
    #[serde(default)]
    pub builder: String,
    pub stages: Vec<StageRecord>,
    /// Every context file a COPY or ADD copied, by path.
    pub files: BTreeMap<String, FileDigest>,
}

/// One stage as it was built; stages match between builds by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    pub name: String,
    /// The id of the image the stage's FROM names; `None` for scratch or a
    /// stage built on another stage.
    pub base_id: Option<String>,
    pub steps: Vec<StepRecord>,
}

/// One instruction of a stage; steps match between builds by position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub line: usize,
    /// The instruction after ARG and ENV expansion, whitespace collapsed.
    pub text: String,
    pub state: StepRun,
    /// What a COPY or ADD takes from the context, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The context files those sources matched, after `.dockerignore`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The build args a RUN sees, which BuildKit makes part of its key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// The stage a `FROM stage` or `COPY --from=stage` builds on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_stage: Option<String>,
}

/// Whether the builder took a step from its cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepRun {
    Cached,
    Ran,
    /// No builder step: ENV, ARG and the like, or a stage not built.
    Unseen,
}

/// Why a step ran instead of coming from the cache; `build --format json`
/// prints these names (`cache_misses[].cause`), so they stay stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissCause {
    /// Context files the COPY or ADD copies changed (`files` names them).
    FilesChanged,
    /// The instruction's text changed (after ARG and ENV expansion).
    CommandChanged,
    /// A build arg the step sees changed (`args` names it).
    BuildArgChanged,
    /// The image the stage's FROM names has another id.
    BaseChanged,
    /// An instruction above it in the stage was deleted (`removed` names it).
    StepRemoved,
    /// A step it builds on ran: the one before it in the stage, or the
    /// stage it copies from or starts from.
    PreviousStepRan,
    /// No earlier build of this stage to compare with.
    FirstBuild,
    /// Nothing dockstage compares changed; the builder's cache was likely
    /// pruned.
    Unknown,
}

impl MissCause {
    /// Every cause with its meaning, for `dockstage build --help`.
    pub const ALL: [(&'static str, &'static str); 8] = [
        ("files_changed", "context files the COPY/ADD copies changed"),
        ("command_changed", "the instruction's text changed"),
        ("build_arg_changed", "a build arg the step sees changed"),
        ("base_changed", "the FROM image has a new id"),
        ("step_removed", "an instruction above it was deleted"),
        ("previous_step_ran", "a step it builds on ran (the cascade)"),
        (
            "first_build",
            "no earlier build of the stage to compare with",
        ),
        ("unknown", "no input changed; the cache was likely pruned"),
    ];
}

/// A step that ran although the previous build had it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheMiss {
    pub line: usize,
    pub stage: String,
    pub cause: MissCause,
    /// Context files that changed since the last build, for a COPY or ADD.
    pub files: Vec<String>,
    /// Build args that changed, for `build_arg_changed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// The deleted instruction, as the previous build had it, for
    /// `step_removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<String>,
}

impl CacheMiss {
    /// Whether the step ran only because one before it did.
    pub fn is_cascade(&self) -> bool {
        self.cause == MissCause::PreviousStepRan
    }
}

/// Every step of `current` that ran although `previous` built it, with why,
/// in line order. With no previous build of a stage, its first step that
/// ran is a `first_build` and the rest its cascade.
pub fn cache_misses(previous: Option<&BuildRecord>, current: &BuildRecord) -> Vec<CacheMiss> {
    let reran: BTreeSet<&str> = current
        .stages
        .iter()
        .filter(|s| s.steps.iter().any(|st| st.state == StepRun::Ran))
        .map(|s| s.name.as_str())
        .collect();
    let empty = BuildRecord::default();
    let prev_record = previous
        .filter(|p| p.builder == current.builder)
        .unwrap_or(&empty);
    let mut out = Vec::new();
    for stage in &current.stages {
        let mut misses = StageMisses {
            stage,
            out: &mut out,
        };
        match prev_record.stages.iter().find(|s| s.name == stage.name) {
            Some(prev) => {
                let builds = Builds {
                    previous: prev_record,
                    current,
                    reran: &reran,
                };
                builds.stage_misses(prev, &mut misses);
            }
            None => first_build_misses(&mut misses),
        }
    }
    out.sort_by_key(|m| m.line);
    out
}

/// A stage never built before: its first step that ran is a first build,
/// the rest follow from it. The FROM is left out: the builder reports it
/// done, not cached, even when every step after it comes from the cache.
fn first_build_misses(misses: &mut StageMisses<'_>) {
    let mut cause = MissCause::FirstBuild;
    let stage = misses.stage;
    for step in stage.steps.iter().skip(1) {
        if step.state == StepRun::Ran {
            misses.push(step.line, cause, Vec::new(), Vec::new());
            cause = MissCause::PreviousStepRan;
        }
    }
}

/// The two builds compared, and the stages that ran a step this time.
struct Builds<'a> {
    previous: &'a BuildRecord,
    current: &'a BuildRecord,
    reran: &'a BTreeSet<&'a str>,
}

impl Builds<'_> {
    fn stage_misses(&self, prev: &StageRecord, misses: &mut StageMisses<'_>) {
        let stage = misses.stage;
        let base_changed =
            prev.base_id.is_some() && stage.base_id.is_some() && prev.base_id != stage.base_id;
        let from_stage_ran = stage
            .steps
            .first()
            .and_then(|s| s.from_stage.as_deref())
            .is_some_and(|s| self.reran.contains(s));
        let mut broken = false;
        for (i, step) in stage.steps.iter().enumerate() {
            if step.state != StepRun::Ran {
                continue;
            }
            let before = counterpart(prev, i, step);
            let files = changed_files(self.previous, self.current, before, step);
            let Some(before) = before else {
                // Edited, or new: either way its own text is the cause.
                misses.push(step.line, MissCause::CommandChanged, files, Vec::new());
                broken = true;
                continue;
            };
            // A FROM the builder resolved again is no miss unless its image changed.
            if i == 0 && !base_changed {
                continue;
            }
            if broken {
                misses.push(step.line, MissCause::PreviousStepRan, files, Vec::new());
                continue;
            }
            broken = true;
            let changed_above = stage
                .steps
                .iter()
                .take(i)
                .enumerate()
                .find(|(j, s)| counterpart(prev, *j, s).is_none())
                .map(|(_, s)| s);
            // A step deleted above it: the previous build's steps before its
            // counterpart that this build no longer has above it.
            let removed_above = prev
                .steps
                .iter()
                .position(|p| std::ptr::eq(p, before))
                .and_then(|at| {
                    prev.steps[..at]
                        .iter()
                        .find(|p| !stage.steps[..i].iter().any(|s| s.text == p.text))
                });
            if let Some(above) = changed_above {
                let cause = match above.text.starts_with("ARG ") {
                    true => MissCause::BuildArgChanged,
                    false => MissCause::CommandChanged,
                };
                misses.push(above.line, cause, Vec::new(), Vec::new());
                misses.push(step.line, MissCause::PreviousStepRan, files, Vec::new());
            } else if let Some(gone) = removed_above {
                misses.out.push(CacheMiss {
                    removed: Some(gone.text.clone()),
                    ..misses.miss(step.line, MissCause::StepRemoved, files, Vec::new())
                });
            } else if base_changed {
                match stage.steps.first().filter(|_| i > 0) {
                    Some(from) => {
                        misses.push(from.line, MissCause::BaseChanged, Vec::new(), Vec::new());
                        misses.push(step.line, MissCause::PreviousStepRan, files, Vec::new());
                    }
                    None => misses.push(step.line, MissCause::BaseChanged, files, Vec::new()),
                }
            } else if from_stage_ran
                || step
                    .from_stage
                    .as_deref()
                    .is_some_and(|s| self.reran.contains(s))
            {
                misses.push(step.line, MissCause::PreviousStepRan, files, Vec::new());
            } else if !files.is_empty() {
                misses.push(step.line, MissCause::FilesChanged, files, Vec::new());
            } else {
                let args = changed_args(Some(before), step);
                let cause = match args.is_empty() {
                    true => MissCause::Unknown,
                    false => MissCause::BuildArgChanged,
                };
                misses.push(step.line, cause, Vec::new(), args);
            }
        }
    }
}

/// The previous build's step that `step`, at position `i`, is: the one at
/// the same position with the same text, else the first with the same text
/// (a step moved down by one inserted above it). `None` for an edited or new
/// instruction.
fn counterpart<'a>(prev: &'a StageRecord, i: usize, step: &StepRecord) -> Option<&'a StepRecord> {
    prev.steps
        .get(i)
        .filter(|p| p.text == step.text)
        .or_else(|| prev.steps.iter().find(|p| p.text == step.text))
}

struct StageMisses<'a> {
    stage: &'a StageRecord,
    out: &'a mut Vec<CacheMiss>,
}

impl StageMisses<'_> {
    fn push(&mut self, line: usize, cause: MissCause, files: Vec<String>, args: Vec<String>) {
        let miss = self.miss(line, cause, files, args);
        self.out.push(miss);
    }

    fn miss(
        &self,
        line: usize,
        cause: MissCause,
        files: Vec<String>,
        args: Vec<String>,
    ) -> CacheMiss {
        CacheMiss {
            line,
            stage: self.stage.name.clone(),
            cause,
            files,
            args,
            removed: None,
        }
    }
}

/// The files either build's step copied whose content differs, or that
/// one build had and the other did not.
fn changed_files(
    previous: &BuildRecord,
    current: &BuildRecord,
    prev_step: Option<&StepRecord>,
    step: &StepRecord,
) -> Vec<String> {
    let Some(prev_step) = prev_step else {
        return Vec::new();
    };
    let paths: BTreeSet<&String> = prev_step.files.iter().chain(&step.files).collect();
    paths
        .into_iter()
        .filter(|path| {
            let was = prev_step
                .files
                .contains(path)
                .then(|| previous.files.get(*path))
                .flatten();
            let now = step
                .files
                .contains(path)
                .then(|| current.files.get(*path))
                .flatten();
            was.map(|d| &d.sha256) != now.map(|d| &d.sha256)
        })
        .cloned()
        .collect()
}

fn changed_args(prev: Option<&StepRecord>, step: &StepRecord) -> Vec<String> {
    let empty = BTreeMap::new();
    let before = prev.map_or(&empty, |p| &p.args);
    let names: BTreeSet<&String> = before.keys().chain(step.args.keys()).collect();
    names
        .into_iter()
        .filter(|n| before.get(*n) != step.args.get(*n))
        .cloned()
        .collect()
}

/// The miss the others follow from: the first by line that is neither a
/// cascade nor a stage's first build (which explains nothing).
pub fn first_cause(misses: &[CacheMiss]) -> Option<&CacheMiss> {
    misses
        .iter()
        .find(|m| !m.is_cascade() && m.cause != MissCause::FirstBuild)
}

/// The cause in the user's words: "main.go changed", "the command changed".
pub fn cause_text(miss: &CacheMiss) -> String {
    match miss.cause {
        MissCause::FilesChanged => files_text(&miss.files),
        MissCause::CommandChanged => "the instruction changed".to_string(),
        MissCause::BuildArgChanged if miss.args.is_empty() => "a build arg changed".to_string(),
        MissCause::BuildArgChanged => format!("build arg {} changed", miss.args.join(", ")),
        MissCause::BaseChanged => "the base image changed".to_string(),
        MissCause::StepRemoved => match &miss.removed {
            Some(gone) => format!("`{gone}` above it was deleted"),
            None => "an instruction above it was deleted".to_string(),
        },
        MissCause::PreviousStepRan => "a step it builds on ran".to_string(),
        MissCause::FirstBuild => {
            format!(
                "first build of stage {}, nothing to compare with",
                miss.stage
            )
        }
        MissCause::Unknown => "no input changed; the builder's cache was likely pruned".to_string(),
    }
}

/// "main.go changed", "main.go and go.sum changed", "main.go and 3 more
/// files changed".
fn files_text(files: &[String]) -> String {
    match files {
        [] => "files changed".to_string(),
        [one] => format!("{one} changed"),
        [a, b] => format!("{a} and {b} changed"),
        [a, rest @ ..] => format!("{a} and {} more files changed", rest.len()),
    }
}

/// "cache broke at line 5: main.go changed" for the build's first cause,
/// `None` when nothing missed or the build is the stage's first.
pub fn summary(misses: &[CacheMiss]) -> Option<String> {
    let first = first_cause(misses)?;
    Some(format!(
        "cache broke at line {}: {}",
        first.line,
        cause_text(first)
    ))
}

impl BuildRecord {
    /// This build's record with the stages it did not build kept from
    /// `previous`, so building one target does not forget another.
    pub fn merged(mut self, previous: Option<&BuildRecord>) -> BuildRecord {
        let Some(previous) = previous.filter(|p| p.builder == self.builder) else {
            return self;
        };
        let built = |s: &StageRecord| s.steps.iter().any(|st| st.state != StepRun::Unseen);
        for stage in &mut self.stages {
            if !built(stage)
                && let Some(old) = previous.stages.iter().find(|o| o.name == stage.name)
            {
                *stage = old.clone();
            }
        }
        let kept: BTreeSet<&String> = self
            .stages
            .iter()
            .flat_map(|s| s.steps.iter().flat_map(|st| &st.files))
            .collect();
        let missing: Vec<(String, FileDigest)> = kept
            .into_iter()
            .filter(|f| !self.files.contains_key(*f))
            .filter_map(|f| previous.files.get(f).map(|d| (f.clone(), d.clone())))
            .collect();
        self.files.extend(missing);
        self
    }
}

#[cfg(test)]
#[path = "cache_misses_tests.rs"]
mod tests;
