//! The CI gate of `dockstage check`: limits on an image's size, efficiency,
//! wasted bytes and lint findings, read from flags or from the project's
//! `.dockstage-check.toml`, and judged against what the image holds. Pure:
//! the figures come in, pass or fail goes out, so CI gets the same verdict
//! every time for the same image.

use serde::{Deserialize, Serialize};

use crate::dockerfile::Severity;
use crate::human::{human_bytes, parse_bytes};

/// The rules file dockstage looks for in the project directory, like dive's
/// `.dive-ci`.
pub const RULES_FILE: &str = ".dockstage-check.toml";

/// The limits a CI gate enforces; a limit that is `None` is not checked.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rules {
    /// Largest image size in bytes (every layer's files, as `docker images`
    /// counts them).
    pub max_size: Option<u64>,
    /// Lowest efficiency, 0 to 1 (dive's score).
    pub min_efficiency: Option<f64>,
    /// Most bytes wasted on files a later layer overwrote or removed.
    pub max_wasted: Option<u64>,
    /// Fail when lint finds anything at or above this severity.
    pub lint: Option<Severity>,
}

/// A limit the user wrote that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{rule} {value:?} is not a size; write it as 20MB, 1.5GB, 512kB or a byte count")]
    Size { rule: &'static str, value: String },
    #[error(
        "{rule} {value:?} is not an efficiency; write a fraction from 0 to 1 (0.9) or a percent (90%)"
    )]
    Efficiency { rule: &'static str, value: String },
    #[error("{rule} {value:?} is not a lint level; write error or warning")]
    Lint { rule: &'static str, value: String },
    #[error("{file}: {why}")]
    File { file: String, why: String },
}

/// The figures an image and its Dockerfile have, measured by the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    pub size_bytes: u64,
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub lint_errors: usize,
    pub lint_warnings: usize,
}

/// Which rule a check is, by the name the flag and the rules file use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    MaxSize,
    MinEfficiency,
    MaxWasted,
    Lint,
}

impl RuleName {
    /// The flag that sets the rule.
    pub fn flag(self) -> &'static str {
        match self {
            RuleName::MaxSize => "--max-size",
            RuleName::MinEfficiency => "--min-efficiency",
            RuleName::MaxWasted => "--max-wasted",
            RuleName::Lint => "--lint",
        }
    }

    /// What the rule measures, in the user's words.
    pub fn label(self) -> &'static str {
        match self {
            RuleName::MaxSize => "image size",
            RuleName::MinEfficiency => "efficiency",
            RuleName::MaxWasted => "wasted bytes",
            RuleName::Lint => "lint",
        }
    }
}

/// One rule judged: the figure, the limit, and whether it passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub rule: RuleName,
    pub passed: bool,
    /// The figure as people read it: `21.3 MB`, `97.2 %`, `2 errors`.
    pub figure: String,
    /// The limit as people read it: `at most 20.0 MB`.
    pub limit: String,
    /// The figure as a number (bytes, a 0–1 fraction, or findings).
    pub value: f64,
    /// The limit as a number.
    pub threshold: f64,
}

/// Every rule that was set, judged, in a fixed order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub checks: Vec<Check>,
}

impl Rules {
    /// Whether any rule is set.
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }

    /// Whether a rule needs the image built (only lint does not).
    pub fn needs_image(&self) -> bool {
        self.max_size.is_some() || self.min_efficiency.is_some() || self.max_wasted.is_some()
    }

    /// These rules with every rule `over` sets replacing this one's: flags
    /// over the rules file.
    pub fn overridden_by(self, over: Rules) -> Rules {
        Rules {
            max_size: over.max_size.or(self.max_size),
            min_efficiency: over.min_efficiency.or(self.min_efficiency),
            max_wasted: over.max_wasted.or(self.max_wasted),
            lint: over.lint.or(self.lint),
        }
    }

    /// Reads a rules file's text (TOML): `max_size = "20MB"`,
    /// `min_efficiency = 0.9` (or `"90%"`), `max_wasted = "5MB"`,
    /// `lint = "error"`. Unknown keys are errors, so a typo never passes a
    /// gate silently.
    pub fn from_toml(file: &str, text: &str) -> Result<Rules, RuleError> {
        let raw: RulesFile = toml::from_str(text).map_err(|e| RuleError::File {
            file: file.to_string(),
            why: e.message().to_string(),
        })?;
        let in_file = |e: RuleError| RuleError::File {
            file: file.to_string(),
            why: e.to_string(),
        };
        Ok(Rules {
            max_size: raw
                .max_size
                .map(|v| parse_size("max_size", &v.text()))
                .transpose()
                .map_err(in_file)?,
            min_efficiency: raw
                .min_efficiency
                .map(|v| parse_efficiency("min_efficiency", &v.text()))
                .transpose()
                .map_err(in_file)?,
            max_wasted: raw
                .max_wasted
                .map(|v| parse_size("max_wasted", &v.text()))
                .transpose()
                .map_err(in_file)?,
            lint: raw
                .lint
                .map(|v| parse_lint("lint", &v))
                .transpose()
                .map_err(in_file)?,
        })
    }

    /// Judges `figures` against every rule that is set.
    pub fn judge(&self, figures: &Figures) -> Verdict {
        let mut checks = Vec::new();
        if let Some(max) = self.max_size {
            checks.push(Check {
                rule: RuleName::MaxSize,
                passed: figures.size_bytes <= max,
                figure: human_bytes(figures.size_bytes),
                limit: format!("at most {}", human_bytes(max)),
                value: figures.size_bytes as f64,
                threshold: max as f64,
            });
        }
        if let Some(min) = self.min_efficiency {
            checks.push(Check {
                rule: RuleName::MinEfficiency,
                // Compared as printed, so 97.0 % never fails "at least 97.0 %".
                passed: figures.efficiency + 1e-9 >= min,
                figure: percent(figures.efficiency),
                limit: format!("at least {}", percent(min)),
                value: figures.efficiency,
                threshold: min,
            });
        }
        if let Some(max) = self.max_wasted {
            checks.push(Check {
                rule: RuleName::MaxWasted,
                passed: figures.wasted_bytes <= max,
                figure: human_bytes(figures.wasted_bytes),
                limit: format!("at most {}", human_bytes(max)),
                value: figures.wasted_bytes as f64,
                threshold: max as f64,
            });
        }
        if let Some(level) = self.lint {
            let failing = match level {
                Severity::Error => figures.lint_errors,
                _ => figures.lint_errors + figures.lint_warnings,
            };
            checks.push(Check {
                rule: RuleName::Lint,
                passed: failing == 0,
                figure: format!(
                    "{} error{}, {} warning{}",
                    figures.lint_errors,
                    plural(figures.lint_errors),
                    figures.lint_warnings,
                    plural(figures.lint_warnings)
                ),
                limit: match level {
                    Severity::Error => "no errors".to_string(),
                    _ => "no warnings or errors".to_string(),
                },
                value: failing as f64,
                threshold: 0.0,
            });
        }
        Verdict {
            passed: checks.iter().all(|c| c.passed),
            checks,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn percent(f: f64) -> String {
    format!("{:.1} %", f * 100.0)
}

/// A size limit: `20MB`, `1.5 GB`, `300MiB`, a byte count.
pub fn parse_size(rule: &'static str, text: &str) -> Result<u64, RuleError> {
    parse_bytes(text).ok_or_else(|| RuleError::Size {
        rule,
        value: text.to_string(),
    })
}

/// An efficiency limit: a fraction from 0 to 1, or a percent (`90%`).
pub fn parse_efficiency(rule: &'static str, text: &str) -> Result<f64, RuleError> {
    let bad = || RuleError::Efficiency {
        rule,
        value: text.to_string(),
    };
    let trimmed = text.trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (trimmed, 1.0),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let fraction = value / scale;
    if fraction.is_finite() && (0.0..=1.0).contains(&fraction) {
        Ok(fraction)
    } else {
        Err(bad())
    }
}

/// A lint level: `error` or `warning`.
pub fn parse_lint(rule: &'static str, text: &str) -> Result<Severity, RuleError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "error" | "errors" => Ok(Severity::Error),
        "warning" | "warnings" | "warn" => Ok(Severity::Warning),
        _ => Err(RuleError::Lint {
            rule,
            value: text.to_string(),
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    max_size: Option<Number>,
    min_efficiency: Option<Number>,
    max_wasted: Option<Number>,
    lint: Option<String>,
}

/// A limit written as a string (`"20MB"`, `"90%"`) or a bare number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Number {
    fn text(&self) -> String {
        match self {
            Number::Int(n) => n.to_string(),
            Number::Float(f) => f.to_string(),
            Number::Text(s) => s.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Figures {
        Figures {
            size_bytes: 21_300_000,
            efficiency: 0.95,
            wasted_bytes: 1_000_000,
            lint_errors: 0,
            lint_warnings: 2,
        }
    }

    #[test]
    fn an_image_over_the_size_limit_fails_with_its_figure_and_limit() {
        let rules = Rules {
            max_size: Some(20_000_000),
            ..Rules::default()
        };
        let verdict = rules.judge(&figures());
        assert!(!verdict.passed);
        let check = &verdict.checks[0];
        assert_eq!(check.rule, RuleName::MaxSize);
        assert_eq!(check.figure, "21.3 MB");
        assert_eq!(check.limit, "at most 20.0 MB");
    }

    #[test]
    fn every_rule_within_its_limit_passes_and_only_set_rules_are_checked() {
        let rules = Rules {
            max_size: Some(25_000_000),
            min_efficiency: Some(0.9),
            max_wasted: Some(1_000_000),
            lint: Some(Severity::Error),
        };
        let verdict = rules.judge(&figures());
        assert!(verdict.passed, "{verdict:?}");
        assert_eq!(verdict.checks.len(), 4);
        let only_size = Rules {
            max_size: Some(25_000_000),
            ..Rules::default()
        };
        assert_eq!(only_size.judge(&figures()).checks.len(), 1);
    }

    #[test]
    fn lint_warning_level_fails_on_warnings_and_error_level_does_not() {
        let at = |level| {
            Rules {
                lint: Some(level),
                ..Rules::default()
            }
            .judge(&figures())
            .passed
        };
        assert!(at(Severity::Error));
        assert!(!at(Severity::Warning));
    }

    #[test]
    fn efficiency_reads_fractions_and_percents_and_rejects_the_rest() {
        assert_eq!(parse_efficiency("e", "0.9"), Ok(0.9));
        assert_eq!(parse_efficiency("e", "90%"), Ok(0.9));
        assert_eq!(parse_efficiency("e", " 97.5 % "), Ok(0.975));
        assert_eq!(parse_efficiency("e", "1"), Ok(1.0));
        for bad in ["90", "-0.1", "abc", "", "150%", "NaN"] {
            assert!(parse_efficiency("e", bad).is_err(), "{bad}");
        }
        let efficiency = Rules {
            min_efficiency: Some(0.96),
            ..Rules::default()
        };
        let check = &efficiency.judge(&figures()).checks[0];
        assert!(!check.passed);
        assert_eq!(
            (check.figure.as_str(), check.limit.as_str()),
            ("95.0 %", "at least 96.0 %")
        );
    }

    #[test]
    fn a_bad_size_names_the_rule_and_how_to_write_it() {
        let err = match parse_size("--max-size", "twenty") {
            Ok(n) => panic!("read as {n}"),
            Err(e) => e,
        };
        assert!(err.to_string().contains("--max-size \"twenty\""), "{err}");
        assert!(err.to_string().contains("20MB"), "{err}");
        assert_eq!(parse_size("--max-size", "20MB"), Ok(20_000_000));
        assert!(parse_lint("--lint", "info").is_err());
    }

    #[test]
    fn the_rules_file_reads_strings_and_numbers_and_flags_override_it() {
        let file = Rules::from_toml(
            RULES_FILE,
            "max_size = \"20MB\"\nmin_efficiency = 0.9\nmax_wasted = 1000\nlint = \"warning\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            file,
            Rules {
                max_size: Some(20_000_000),
                min_efficiency: Some(0.9),
                max_wasted: Some(1000),
                lint: Some(Severity::Warning),
            }
        );
        let flags = Rules {
            max_size: Some(1_000_000),
            ..Rules::default()
        };
        let merged = file.overridden_by(flags);
        assert_eq!(merged.max_size, Some(1_000_000));
        assert_eq!(merged.lint, Some(Severity::Warning));
    }

    #[test]
    fn a_typo_or_a_bad_value_in_the_rules_file_is_an_error_naming_the_file() {
        let typo = Rules::from_toml(RULES_FILE, "max_sise = \"20MB\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(typo.starts_with(RULES_FILE), "{typo}");
        assert!(typo.contains("max_sise"), "{typo}");
        let bad = Rules::from_toml(RULES_FILE, "min_efficiency = \"lots\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(bad.contains("min_efficiency"), "{bad}");
        assert!(Rules::from_toml(RULES_FILE, "").is_ok_and(|r| r.is_empty()));
    }
}
