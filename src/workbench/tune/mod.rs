//! Auto-tune: the search for the smallest image that still behaves like the
//! Dockerfile as written. The search is pure: it proposes the next
//! Dockerfile, is told what building and running it did, and keeps an
//! account of every step in the user's words. The pipeline's tune job
//! drives it (src/pipeline/tune.rs), for the CLI and the workbench alike.
//!
//! The order is what a person would do by hand, so the account reads like a
//! lesson: first the flags that shrink the binary (`strip`, `trimpath`), kept
//! only if the program still does the same, then the runtime bases from the
//! smallest up.
//! When a base fails, the failure is explained and the toggle that fixes it
//! is tried on the same base. The search stops as soon as no base left can
//! beat the best image found, since a base is never smaller than itself.

use std::collections::HashSet;

use serde::Serialize;

use crate::catalog::{Catalog, Libc};
use crate::dockerfile::edit::{Change, Context, Toggle, apply_changes};
use crate::dockerfile::parse;
use crate::goproject::GoFacts;
use crate::human::human_bytes;
use crate::outcome::RunResult;
use crate::workbench::expect::Expectation;

mod fixes;
mod record;
mod words;

pub use crate::outcome::BaseOnHand;
pub use words::run_summary;
use words::{describe_base, shrink_names};

/// Fixes tried on one base before giving up on it.
const MAX_FIXES_PER_BASE: usize = 3;

/// Toggles that change the binary or the runtime stage to make a base work.
const FIXES: [(Toggle, bool); 4] = [
    (Toggle::Cgo, false),
    (Toggle::Certs, true),
    (Toggle::Tzdata, true),
    (Toggle::Nonroot, true),
];

/// What building and running one proposal did.
#[derive(Debug, Clone)]
pub enum Outcome {
    Ran {
        size_bytes: u64,
        build_seconds: f64,
        run: RunResult,
    },
    BuildFailed {
        message: String,
        build_seconds: f64,
    },
}

/// A Dockerfile the search wants built and run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The runtime base key, or "as written" for the reference.
    pub base: String,
    /// The changes from the Dockerfile as written.
    pub changes: Vec<Change>,
    pub dockerfile: String,
}

/// One build and run of the search, as the report tables show it.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub number: usize,
    pub base: String,
    #[serde(serialize_with = "change_texts")]
    pub changes: Vec<Change>,
    pub size_bytes: Option<u64>,
    pub build_seconds: f64,
    pub run: Option<RunResult>,
    pub build_error: Option<String>,
    /// It behaved like the reference.
    pub ok: bool,
    /// The smallest attempt that was ok.
    pub chosen: bool,
    /// Why it failed, in a few words; empty when it was ok.
    pub why: String,
    #[serde(skip)]
    pub dockerfile: String,
}

fn change_texts<S: serde::Serializer>(changes: &[Change], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(changes.iter().map(ToString::to_string))
}

/// The account of a search and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct TuneReport {
    /// What happened, one line per step, e.g. "scratch: exec /probe: no such
    /// file or directory (dynamically linked binary …) → cgo off → ok, 1.2 MB".
    pub steps: Vec<String>,
    pub attempts: Vec<Attempt>,
    /// Index into `attempts` of the winner, when the reference itself works.
    pub chosen: Option<usize>,
    /// Why the search could not start, when it could not.
    pub problem: Option<String>,
}

impl TuneReport {
    pub fn chosen(&self) -> Option<&Attempt> {
        self.chosen.and_then(|i| self.attempts.get(i))
    }

    pub fn reference(&self) -> Option<&Attempt> {
        self.attempts.first()
    }

    /// Builds the search actually ran (duplicates are answered from earlier ones).
    pub fn builds(&self) -> usize {
        self.attempts.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    Reference,
    /// strip and trimpath on the file's own base: same behaviour?
    Shrink,
    Base {
        index: usize,
        fixes: Vec<Change>,
    },
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TuneError {
    #[error("{0}")]
    CannotTune(String),
}

/// The search in progress.
pub struct Tuner<'a> {
    catalog: &'a Catalog,
    original: String,
    facts: GoFacts,
    expect: Expectation,
    bases: Vec<BaseOnHand>,
    /// strip and trimpath, where they apply and are off.
    shrink: Vec<Change>,
    /// Fixes every later base keeps, because they are about the binary.
    carried: Vec<Change>,
    /// Fixes for what a base lacks (certs, tzdata, a user), found on one
    /// base and tried from the start on later bases that lack the same.
    learned: Vec<Change>,
    /// The base whose account is being written.
    entered: Option<usize>,
    /// Fixes the base started with (learned, or needed by the sources), so
    /// the limit counts only the ones tried because of a failure.
    preapplied: usize,
    /// The fix just tried and the difference it answered.
    pending: Option<(Change, String)>,
    position: Position,
    attempts: Vec<Attempt>,
    steps: Vec<String>,
    /// The account of the base being tried, finished when it is left.
    chain: String,
    problem: Option<String>,
}

impl<'a> Tuner<'a> {
    /// A search over `bases` (those on this machine) for `original`.
    pub fn new(
        original: &str,
        facts: GoFacts,
        mut bases: Vec<BaseOnHand>,
        expect: Expectation,
        catalog: &'a Catalog,
    ) -> Result<Self, TuneError> {
        bases.sort_by(|a, b| a.size_bytes.cmp(&b.size_bytes).then(a.key.cmp(&b.key)));
        let df = parse(original);
        let ctx = Context::new(&df, catalog);
        let Some(first) = bases.first() else {
            return Err(TuneError::CannotTune(
                "none of the bases to try is on this machine; load them with \
                 scripts/offline-bases.sh or `dockstage bases load FILE`"
                    .into(),
            ));
        };
        if let Err(e) = ctx.plan(&Change::Base(first.key.clone())) {
            return Err(TuneError::CannotTune(format!(
                "{e}. Tune swaps the runtime stage's base, so it needs a multi-stage Dockerfile; \
                 `dockstage init` writes one"
            )));
        }
        let shrink = [Toggle::Strip, Toggle::Trimpath]
            .into_iter()
            .filter(|t| ctx.state(*t) == Ok(false))
            .map(|t| Change::Set(t, true))
            .collect();
        let first_key = first.key.clone();
        let tuner = Self {
            catalog,
            original: original.to_string(),
            facts,
            expect,
            bases,
            shrink,
            carried: Vec::new(),
            learned: Vec::new(),
            entered: None,
            preapplied: 0,
            pending: None,
            position: Position::Reference,
            attempts: Vec::new(),
            steps: Vec::new(),
            chain: String::new(),
            problem: None,
        };
        if let Err(e) = tuner.text_for(&first_key, &[]) {
            return Err(TuneError::CannotTune(format!(
                "{e}; tune needs a runtime stage FROM an image and a `go build` it can edit"
            )));
        }
        Ok(tuner)
    }

    /// Every Dockerfile the search could propose, so one build context can
    /// carry them all and `COPY . .` stays cached from one build to the next.
    pub fn candidates(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut push = |text: String| {
            if seen.insert(text.clone()) {
                out.push(text);
            }
        };
        push(self.original.clone());
        if let Ok(text) = apply_changes(&self.original, &self.shrink, self.catalog) {
            push(text);
        }
        let subsets = 1usize << FIXES.len();
        // With strip and trimpath, and without them should they change
        // what the program does.
        let shrinks = [self.shrink.clone(), Vec::new()];
        for shrink in shrinks
            .iter()
            .take(if self.shrink.is_empty() { 1 } else { 2 })
        {
            for base in &self.bases {
                for mask in 0..subsets {
                    let mut changes = vec![Change::Base(base.key.clone())];
                    changes.extend(shrink.iter().cloned());
                    changes.extend(
                        FIXES
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, (t, on))| Change::Set(*t, *on)),
                    );
                    if let Ok(text) = apply_changes(&self.original, &changes, self.catalog) {
                        push(text);
                    }
                }
            }
        }
        out
    }

    fn changes_for(&self, base: &str, fixes: &[Change]) -> Vec<Change> {
        let mut changes = vec![Change::Base(base.to_string())];
        changes.extend(self.shrink.iter().cloned());
        // A static binary is what a base without libc needs; bases with
        // glibc keep the file's own cgo setting.
        let static_base = self
            .catalog
            .base(base)
            .is_some_and(|b| b.libc == Libc::None);
        let carried = self.carried.iter().filter(|_| static_base);
        let mut extra: Vec<Change> = Vec::new();
        for fix in carried.chain(fixes) {
            if !extra.contains(fix) {
                extra.push(fix.clone());
            }
        }
        // One order whatever the order they were found in, so the text is
        // one of `candidates()`.
        extra.sort_by_key(|c| FIXES.iter().position(|(t, on)| *c == Change::Set(*t, *on)));
        changes.extend(extra);
        changes
    }

    fn text_for(&self, base: &str, fixes: &[Change]) -> Result<String, String> {
        apply_changes(&self.original, &self.changes_for(base, fixes), self.catalog)
            .map_err(|e| e.to_string())
    }

    /// The next Dockerfile to build and run, or `None` when the search is over.
    pub fn propose(&mut self) -> Option<Proposal> {
        loop {
            match self.position.clone() {
                Position::Done => return None,
                Position::Reference => {
                    return Some(Proposal {
                        base: "as written".into(),
                        changes: Vec::new(),
                        dockerfile: self.original.clone(),
                    });
                }
                Position::Shrink => {
                    match apply_changes(&self.original, &self.shrink, self.catalog) {
                        Ok(text) => {
                            return Some(Proposal {
                                base: describe_base(&self.original, self.catalog),
                                changes: self.shrink.clone(),
                                dockerfile: text,
                            });
                        }
                        Err(e) => {
                            self.steps.push(format!(
                                "{}: cannot apply ({e})",
                                shrink_names(&self.shrink)
                            ));
                            self.shrink.clear();
                            self.position = Position::Base {
                                index: 0,
                                fixes: Vec::new(),
                            };
                        }
                    }
                }
                Position::Base { index, mut fixes } => {
                    let Some(base) = self.bases.get(index).cloned() else {
                        self.finish_chain();
                        self.steps
                            .push("every base on this machine was tried".into());
                        self.position = Position::Done;
                        continue;
                    };
                    if self.entered != Some(index) {
                        let program = self.smallest_program();
                        if let Some(best) = self.best_size()
                            && base.size_bytes + program >= best
                        {
                            self.finish_chain();
                            let with = if program > 0 {
                                format!(
                                    ", at least {} with the program",
                                    human_bytes(base.size_bytes + program)
                                )
                            } else {
                                " before the program is added".to_string()
                            };
                            self.steps.push(format!(
                                "stop: {} is {}{with}, not less than the {} found",
                                base.key,
                                human_bytes(base.size_bytes),
                                human_bytes(best)
                            ));
                            self.position = Position::Done;
                            continue;
                        }
                        self.finish_chain();
                        self.entered = Some(index);
                        self.chain = base.key.clone();
                        fixes = self.learned_for(&base.key);
                        if !fixes.is_empty() {
                            let names: Vec<String> =
                                fixes.iter().map(ToString::to_string).collect();
                            self.append(&format!(
                                " (with {}, as found above: it lacks the same)",
                                names.join(" and ")
                            ));
                        }
                        for (fix, why) in self.needed_unseen(&base.key) {
                            if !fixes.contains(&fix) {
                                self.append(&format!(" (with {fix}: {why})"));
                                fixes.push(fix);
                            }
                        }
                        self.preapplied = fixes.len();
                        self.position = Position::Base {
                            index,
                            fixes: fixes.clone(),
                        };
                    }
                    let changes = self.changes_for(&base.key, &fixes);
                    let text = match apply_changes(&self.original, &changes, self.catalog) {
                        Ok(text) => text,
                        Err(e) => {
                            self.append(&format!(" → cannot apply: {e}"));
                            self.leave_base(index);
                            continue;
                        }
                    };
                    // The same text as an earlier attempt behaves the same: no build.
                    if let Some(done) = self.attempts.iter().find(|a| a.dockerfile == text).cloned()
                    {
                        self.append(&format!(
                            " (the same Dockerfile as attempt {})",
                            done.number
                        ));
                        self.record_base(index, fixes, &done);
                        continue;
                    }
                    return Some(Proposal {
                        base: base.key,
                        changes,
                        dockerfile: text,
                    });
                }
            }
        }
    }

    /// The attempts so far, oldest first.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// The account so far, including the base being tried.
    pub fn account(&self) -> Vec<String> {
        let mut lines = self.steps.clone();
        if !self.chain.is_empty() {
            lines.push(self.chain.clone());
        }
        lines
    }

    fn reference_stdout(&self) -> &str {
        self.attempts
            .first()
            .and_then(|a| a.run.as_ref())
            .map_or("", |r| r.stdout.as_str())
    }

    /// The least the program added on top of a base in any attempt built
    /// with the binary's current flags: no base can end up smaller than its
    /// own size plus this. Attempts before strip, trimpath or cgo off do not
    /// count, since those make the program smaller; the other fixes only
    /// add to it.
    fn smallest_program(&self) -> u64 {
        let reference_base = describe_base(&self.original, self.catalog);
        let current = |i: usize, a: &Attempt| {
            if i == 0 {
                self.shrink.is_empty() && self.carried.is_empty()
            } else {
                self.carried.iter().all(|c| a.changes.contains(c))
            }
        };
        self.attempts
            .iter()
            .enumerate()
            .filter(|(i, a)| current(*i, a))
            .filter_map(|(i, a)| {
                let key = if i == 0 { &reference_base } else { &a.base };
                let base = self.bases.iter().find(|b| b.key == *key)?;
                a.size_bytes.map(|s| s.saturating_sub(base.size_bytes))
            })
            .min()
            .unwrap_or(0)
    }

    fn best_size(&self) -> Option<u64> {
        self.attempts
            .iter()
            .filter(|a| a.ok)
            .filter_map(|a| a.size_bytes)
            .min()
    }

    fn append(&mut self, text: &str) {
        self.chain.push_str(text);
    }

    fn finish_chain(&mut self) {
        if !self.chain.is_empty() {
            self.steps.push(std::mem::take(&mut self.chain));
        }
    }

    fn leave_base(&mut self, index: usize) {
        self.pending = None;
        self.finish_chain();
        self.position = Position::Base {
            index: index + 1,
            fixes: Vec::new(),
        };
    }

    fn mark_chosen(&mut self) {
        let best = self
            .attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| a.ok)
            .min_by_key(|(i, a)| (a.size_bytes.unwrap_or(u64::MAX), *i))
            .map(|(i, _)| i);
        for (i, a) in self.attempts.iter_mut().enumerate() {
            a.chosen = Some(i) == best;
        }
    }

    /// Ends the search (also when it was cut short) and gives the account.
    pub fn finish(mut self) -> TuneReport {
        self.finish_chain();
        let chosen = self.attempts.iter().position(|a| a.chosen);
        if self.problem.is_none() {
            match (
                chosen.and_then(|i| self.attempts.get(i)),
                self.attempts.first(),
            ) {
                (Some(best), Some(reference)) if best.number == reference.number => {
                    self.steps.push(
                        "chosen: the Dockerfile as written; nothing smaller behaved the same"
                            .into(),
                    );
                }
                (Some(best), Some(reference)) => {
                    let size = best.size_bytes.unwrap_or(0);
                    let was = reference.size_bytes.unwrap_or(0);
                    let saved = if was > 0 {
                        let percent =
                            (100.0 * (was.saturating_sub(size)) as f64 / was as f64).floor();
                        // "0% smaller" reads as nothing gained: say how little.
                        let how_much = if percent < 1.0 {
                            "less than 1%".to_string()
                        } else {
                            format!("{percent:.0}%")
                        };
                        format!(
                            ", {how_much} smaller than as written ({})",
                            human_bytes(was)
                        )
                    } else {
                        String::new()
                    };
                    self.steps.push(format!(
                        "chosen: {}, {}{saved}",
                        best.summary(),
                        human_bytes(size)
                    ));
                }
                _ => {}
            }
        }
        TuneReport {
            steps: self.steps,
            attempts: self.attempts,
            chosen,
            problem: self.problem,
        }
    }
}

#[cfg(test)]
mod tests;
