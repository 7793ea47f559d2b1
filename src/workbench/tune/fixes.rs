//! Why a base failed and which toggle to try on it: read from what the run
//! said, line by line, and from what the sources need that the base lacks.

use super::words::{differing_lines, first_line};
use super::{Attempt, MAX_FIXES_PER_BASE, Tuner};
use crate::catalog::Libc;
use crate::dockerfile::edit::{Change, Context, Toggle};
use crate::dockerfile::parse;
use crate::workbench::explain::explain_failure;

/// A toggle to try, the cause it answers, and the line that showed it.
pub(super) struct Fix {
    pub(super) change: Change,
    pub(super) cause: &'static str,
    pub(super) evidence: Option<String>,
}

impl Fix {
    fn new(change: Change, cause: &'static str, evidence: Option<&str>) -> Self {
        Self {
            change,
            cause,
            evidence: evidence.map(|e| first_line(e).to_string()),
        }
    }
}

impl Tuner<'_> {
    /// What the sources need that this base lacks and a run here cannot
    /// show: containers run without network, so TLS calls fail on every
    /// base alike and a missing CA bundle looks like no difference at all.
    /// Time zones a program loads only on some path are as invisible.
    pub(super) fn needed_unseen(&self, key: &str) -> Vec<(Change, &'static str)> {
        let Some(base) = self.catalog.base(key) else {
            return Vec::new();
        };
        let mut needed = Vec::new();
        if !base.ca_certs && self.facts.uses_tls_client {
            needed.push((
                Change::Set(Toggle::Certs, true),
                "the code makes TLS calls, which a run without network cannot check",
            ));
        }
        if !base.tzdata && self.facts.uses_timezones {
            needed.push((
                Change::Set(Toggle::Tzdata, true),
                "the code loads time zones, and a run may not reach that path",
            ));
        }
        needed
    }

    /// The fixes learned on earlier bases that this base needs too.
    pub(super) fn learned_for(&self, key: &str) -> Vec<Change> {
        let Some(base) = self.catalog.base(key) else {
            return Vec::new();
        };
        self.learned
            .iter()
            .filter(|c| match c {
                Change::Set(Toggle::Certs, true) => !base.ca_certs,
                Change::Set(Toggle::Tzdata, true) => !base.tzdata,
                Change::Set(Toggle::Nonroot, true) => !base.passwd,
                _ => false,
            })
            .cloned()
            .collect()
    }

    /// The toggle to try next on this base, with the cause it answers, or
    /// why there is none. The evidence is read in order (what the program
    /// said on stderr, the daemon's error, then each output line that differs
    /// from the reference) so the fix answers the first thing that went wrong.
    pub(super) fn fix_for(
        &self,
        base_key: &str,
        tried: &[Change],
        attempt: &Attempt,
    ) -> Result<Fix, String> {
        if attempt.build_error.is_some() {
            return Err("next base".into());
        }
        if tried.len() >= MAX_FIXES_PER_BASE + self.preapplied {
            return Err(format!("{MAX_FIXES_PER_BASE} fixes tried; next base"));
        }
        let run = attempt.run.clone().unwrap_or_default();
        let df = parse(&attempt.dockerfile);
        let ctx = Context::new(&df, self.catalog);
        let usable = |change: &Change| -> bool {
            let Change::Set(toggle, on) = change else {
                return false;
            };
            !tried.contains(change) && ctx.state(*toggle).is_ok_and(|now| now != *on)
        };
        let base = self.catalog.base(base_key);
        let lacks_certs = base.is_some_and(|b| !b.ca_certs);
        let lacks_tzdata = base.is_some_and(|b| !b.tzdata);
        let certs = Change::Set(Toggle::Certs, true);
        let tzdata = Change::Set(Toggle::Tzdata, true);
        // Line by line, so the line quoted is the one that showed the cause.
        let mut evidence: Vec<&str> = run
            .stderr
            .lines()
            .chain(run.error.as_deref().unwrap_or("").lines())
            .collect();
        evidence.extend(differing_lines(&run.stdout, self.reference_stdout()));
        let no_libc = base.is_some_and(|b| b.libc == Libc::None);
        // The runtime's own words when the entrypoint cannot be executed.
        let exec_failed = |t: &str| t.contains("exec ") && t.contains("no such file or directory");
        for text in evidence.into_iter().filter(|t| !t.trim().is_empty()) {
            if let Some(explained) = explain_failure(&[text])
                && let Some(fix) = explained.fix.clone()
            {
                // "no such file or directory" means a dynamic binary only
                // when the entrypoint itself could not start on a base
                // without libc.
                let cgo = fix == Change::Set(Toggle::Cgo, false);
                if cgo && !(no_libc && exec_failed(text)) {
                    continue;
                }
                if cgo && self.facts.uses_cgo {
                    return Err(
                        "the code imports \"C\", so cgo must stay on: it needs a base with glibc"
                            .into(),
                    );
                }
                if usable(&fix) {
                    return Ok(Fix::new(fix, explained.cause, Some(text)));
                }
            }
            let lower = text.to_lowercase();
            if lacks_certs && (lower.contains("cert") || lower.contains("x509")) && usable(&certs) {
                return Ok(Fix::new(
                    certs,
                    "no CA certificates in the base",
                    Some(text),
                ));
            }
            if lacks_tzdata
                && (lower.contains("time zone") || lower.contains("zoneinfo"))
                && usable(&tzdata)
            {
                return Ok(Fix::new(
                    tzdata,
                    "no time zone database in the base",
                    Some(text),
                ));
            }
        }
        // What the base lacks where the program's sources use it.
        if lacks_certs && self.facts.uses_tls_client && usable(&certs) {
            return Ok(Fix::new(
                certs,
                "no CA certificates in the base, and the code makes TLS calls",
                None,
            ));
        }
        if lacks_tzdata && self.facts.uses_timezones && usable(&tzdata) {
            return Ok(Fix::new(
                tzdata,
                "no time zone database in the base, and the code loads zones",
                None,
            ));
        }
        let cgo_off = Change::Set(Toggle::Cgo, false);
        if no_libc
            && run.exit_code.is_some_and(|c| c == 126 || c == 127)
            && !self.facts.uses_cgo
            && usable(&cgo_off)
        {
            return Ok(Fix::new(
                cgo_off,
                "the program could not start: no libc",
                None,
            ));
        }
        Err("no toggle fixes that; next base".into())
    }
}
