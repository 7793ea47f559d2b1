//! What each outcome teaches the search: the reference sets what "the same"
//! means, strip and trimpath are kept or dropped, and a failed base gets the
//! fix for its first problem or is left.

use super::fixes::Fix;
use super::words::{describe_base, first_line, mismatch, run_summary, shrink_names};
use super::{Attempt, Outcome, Position, Proposal, Tuner};
use crate::dockerfile::edit::{Change, Toggle};
use crate::human::human_bytes;
use crate::workbench::matrix::matches;

impl Tuner<'_> {
    /// Tells the search what building and running the last proposal did.
    pub fn record(&mut self, proposal: Proposal, outcome: Outcome) {
        let reference = self.attempts.first().and_then(|a| a.run.clone());
        let mut attempt = Attempt {
            number: self.attempts.len() + 1,
            base: proposal.base.clone(),
            changes: proposal.changes.clone(),
            size_bytes: None,
            build_seconds: 0.0,
            run: None,
            build_error: None,
            ok: false,
            chosen: false,
            why: String::new(),
            dockerfile: proposal.dockerfile.clone(),
        };
        match outcome {
            Outcome::Ran {
                size_bytes,
                build_seconds,
                run,
            } => {
                attempt.size_bytes = Some(size_bytes);
                attempt.build_seconds = build_seconds;
                attempt.ok =
                    match self.position {
                        Position::Reference => self.expect.is_given() || run.ok(),
                        _ => true,
                    } && matches(Some(&run), reference.as_ref().or(Some(&run)), &self.expect);
                if !attempt.ok {
                    attempt.why = mismatch(&run, reference.as_ref(), &self.expect);
                }
                attempt.run = Some(run);
            }
            Outcome::BuildFailed {
                message,
                build_seconds,
            } => {
                attempt.build_seconds = build_seconds;
                attempt.why = format!("does not build: {}", first_line(&message));
                attempt.build_error = Some(message);
            }
        }
        let position = self.position.clone();
        match position {
            Position::Reference => self.record_reference(&attempt),
            Position::Shrink => self.record_shrink(&attempt),
            Position::Base { index, fixes } => self.record_base(index, fixes, &attempt),
            Position::Done => {}
        }
        self.attempts.push(attempt);
        self.mark_chosen();
    }

    /// strip and trimpath are kept for every base only when the program
    /// still does the same with them (trimpath changes paths it may print).
    fn record_shrink(&mut self, attempt: &Attempt) {
        let names = shrink_names(&self.shrink);
        if attempt.ok {
            self.steps.push(format!(
                "{names} on: the same run, {} — kept for every base from here",
                human_bytes(attempt.size_bytes.unwrap_or(0))
            ));
        } else {
            self.steps
                .push(format!("{names} on: {} — left off from here", attempt.why));
            self.shrink.clear();
        }
        self.position = Position::Base {
            index: 0,
            fixes: Vec::new(),
        };
    }

    fn record_reference(&mut self, attempt: &Attempt) {
        let base = describe_base(&self.original, self.catalog);
        match (&attempt.run, attempt.ok) {
            (Some(run), true) => {
                self.steps.push(format!(
                    "as written ({base}): {}, {} — the reference",
                    human_bytes(attempt.size_bytes.unwrap_or(0)),
                    run_summary(run)
                ));
                self.position = if self.shrink.is_empty() {
                    Position::Base {
                        index: 0,
                        fixes: Vec::new(),
                    }
                } else {
                    Position::Shrink
                };
            }
            _ => {
                let problem = match &attempt.build_error {
                    Some(e) => format!(
                        "as written, the Dockerfile does not build: {}. Tune compares every \
                         variant with a working image; fix the build first",
                        first_line(e)
                    ),
                    None if attempt
                        .run
                        .as_ref()
                        .is_some_and(|r| r.timed_out && r.error.is_none()) =>
                    {
                        "as written, the program did not finish within the timeout. Tune runs \
                         each image until it exits, or until its HEALTHCHECK says healthy: give \
                         a service a HEALTHCHECK, or allow more time with --timeout"
                            .to_string()
                    }
                    None => match self.expect.is_given() {
                        true => format!(
                            "as written, the image does not do what --expect asks ({}): a good \
                             run has {}",
                            attempt.why,
                            self.expect.describe()
                        ),
                        false => format!(
                            "as written, the image does not work ({}). Tune keeps what the \
                             program does, so it needs a working image to compare with: fix it \
                             first, or say what a good run prints with --expect TEXT (and, if \
                             the exit code matters, --expect-exit N)",
                            attempt.why
                        ),
                    },
                };
                self.steps.push(problem.clone());
                self.problem = Some(problem);
                self.position = Position::Done;
            }
        }
    }

    pub(super) fn record_base(&mut self, index: usize, fixes: Vec<Change>, attempt: &Attempt) {
        // The last fix is worth carrying on only if it changed the outcome.
        if let Some((fix, before)) = self.pending.take()
            && (attempt.ok || attempt.why != before)
        {
            let list = if matches!(fix, Change::Set(Toggle::Cgo, false)) {
                &mut self.carried
            } else {
                &mut self.learned
            };
            if !list.contains(&fix) {
                list.push(fix);
            }
        }
        if attempt.ok {
            self.append(&format!(
                " → ok, {}",
                human_bytes(attempt.size_bytes.unwrap_or(0))
            ));
            self.leave_base(index);
            return;
        }
        let base_key = self
            .bases
            .get(index)
            .map(|b| b.key.clone())
            .unwrap_or_default();
        let fix = self.fix_for(&base_key, &fixes, attempt);
        match fix {
            Ok(Fix {
                change: fix,
                cause,
                evidence,
            }) => {
                // Name what the fix answers when it is not the first difference.
                let what = match evidence {
                    Some(line) if !attempt.why.contains(line.trim()) => {
                        format!("“{}”", line.trim())
                    }
                    _ => attempt.why.clone(),
                };
                self.append(&format!(": {what} ({cause}) → {fix}"));
                self.pending = Some((fix.clone(), attempt.why.clone()));
                let mut fixes = fixes;
                fixes.push(fix);
                self.position = Position::Base { index, fixes };
            }
            Err(why_not) => {
                self.append(&format!(": {} → {why_not}", attempt.why));
                self.leave_base(index);
            }
        }
    }
}
