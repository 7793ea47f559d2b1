//! What a good run is when the user says so, for matrix and tune:
//! `--expect TEXT` means the text appears on stdout or stderr, whatever the
//! exit code; `--expect-exit N` means the program exits with N. Given both,
//! both must hold. Given neither, a run is judged against the Dockerfile as
//! written instead.

use crate::outcome::RunResult;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectation {
    pub text: Option<String>,
    pub exit: Option<i64>,
}

impl Expectation {
    pub fn new(text: Option<String>, exit: Option<i64>) -> Self {
        Self { text, exit }
    }

    /// Whether the user said what a good run is.
    pub fn is_given(&self) -> bool {
        self.text.is_some() || self.exit.is_some()
    }

    /// Whether `run` is what the user asked for. A run that timed out or ran
    /// out of memory never is: it was stopped, not finished.
    pub fn met_by(&self, run: &RunResult) -> bool {
        if run.timed_out || run.oom_killed {
            return false;
        }
        let exit_ok = self.exit.is_none_or(|code| run.exit_code == Some(code));
        exit_ok && self.text_found(run)
    }

    /// Whether the text (if any) appears; services log to stderr, so both
    /// streams count, and so does the body a probed service answered with.
    pub fn text_found(&self, run: &RunResult) -> bool {
        let answered = |t: &str| run.service.as_ref().is_some_and(|s| s.body.contains(t));
        self.text
            .as_deref()
            .is_none_or(|t| run.stdout.contains(t) || run.stderr.contains(t) || answered(t))
    }

    /// What a good run is, in words, saying whether the exit code counts:
    /// "output containing “usage” (any exit code)".
    pub fn describe(&self) -> String {
        match (&self.text, self.exit) {
            (Some(t), Some(code)) => format!("exit code {code} and output containing “{t}”"),
            (Some(t), None) => format!("output containing “{t}” (any exit code)"),
            (None, Some(code)) => format!("exit code {code} (any output)"),
            (None, None) => "the exit code and output of the Dockerfile as written".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: i64, stdout: &str, stderr: &str) -> RunResult {
        RunResult {
            exit_code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
            ..RunResult::default()
        }
    }

    #[test]
    fn text_alone_ignores_the_exit_code() {
        let usage = Expectation::new(Some("usage: goawk".into()), None);
        assert!(usage.met_by(&run(1, "", "usage: goawk [-F fs] src\n")));
        assert!(usage.met_by(&run(0, "usage: goawk\n", "")));
        assert!(!usage.met_by(&run(0, "hello\n", "")));
        let timed_out = RunResult {
            timed_out: true,
            ..run(137, "usage: goawk\n", "")
        };
        assert!(!usage.met_by(&timed_out));
    }

    #[test]
    fn with_an_exit_code_both_must_hold() {
        let both = Expectation::new(Some("usage".into()), Some(1));
        assert!(both.met_by(&run(1, "", "usage: x\n")));
        assert!(!both.met_by(&run(0, "usage: x\n", "")));
        assert!(!both.met_by(&run(1, "", "panic\n")));
        let exit_only = Expectation::new(None, Some(2));
        assert!(exit_only.met_by(&run(2, "anything", "")));
        assert!(!exit_only.met_by(&run(0, "", "")));
    }

    #[test]
    fn the_words_say_whether_the_exit_code_counts() {
        let e = Expectation::new(Some("usage".into()), None);
        assert_eq!(e.describe(), "output containing “usage” (any exit code)");
        let e = Expectation::new(Some("usage".into()), Some(1));
        assert_eq!(e.describe(), "exit code 1 and output containing “usage”");
    }
}
