//! Every rule id dockstage can report, in one table. The parser, the stage
//! graph and lint all name their findings with a `RuleId`, so an id that is
//! not in this table does not compile, and `lint --rules` lists exactly what
//! can be emitted.
//!
//! A new rule is one line in the table below: where it is found, its id, its
//! default severity and what it finds.

use serde::{Serialize, Serializer};

use super::diagnostic::Severity;

/// Which part of the core finds a rule, so `lint --rules` can group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Parser,
    Graph,
    Lint,
}

macro_rules! rule_table {
    ($($origin:ident $id:ident $severity:ident $summary:literal;)*) => {
        /// A rule's id as users see it in findings and in `# check=skip=`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($id,)*
        }

        impl RuleId {
            /// Every rule, in the table's order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$id,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$id => stringify!($id),)*
                }
            }

            /// The severity a finding gets unless the rule or `# check=` says otherwise.
            pub fn severity(self) -> Severity {
                match self {
                    $(RuleId::$id => Severity::$severity,)*
                }
            }

            /// What the rule finds, for `lint --rules`.
            pub fn summary(self) -> &'static str {
                match self {
                    $(RuleId::$id => $summary,)*
                }
            }

            pub fn origin(self) -> Origin {
                match self {
                    $(RuleId::$id => Origin::$origin,)*
                }
            }
        }
    };
}

rule_table! {
    Parser DuplicateDirective Error "a parser directive given twice; the builder rejects the file";
    Parser InvalidEscape Error "an escape directive other than \\ or a backtick";
    Parser NoEmptyContinuation Warning "a blank line inside a continuation";
    Parser ContinuationAtEnd Warning "the file ends with a line continuation, joining nothing";
    Parser UnterminatedHeredoc Error "a heredoc with no closing delimiter line";
    Parser UnknownInstruction Error "an instruction the builder does not know";
    Parser MissingArguments Error "an instruction with nothing after it";
    Parser InvalidOnbuild Error "ONBUILD deferring FROM, MAINTAINER or another ONBUILD";
    Graph FromSyntax Error "FROM with words other than an image and AS name";
    Graph UndefinedArgInFrom Warning "a variable in FROM with no ARG before the first FROM";
    Graph StageReference Error "a stage number that is not an earlier stage";
    Graph UnknownStage Error "COPY --from or mount from= names no stage";
    Graph UnknownTarget Error "--target names no stage";
    Graph StageCycle Error "stages that depend on each other";
    Lint MisspeltBase Error "a FROM image one or two letters away from a well-known one (`stratch`)";
    Lint OutdatedBase Warning "a real image from a release that no longer gets updates (`base-debian10`)";
    Lint MissingGoMod Error "`go build` of a context that has Go files but no go.mod (fails since Go 1.16)";
    Lint CopyBeforeModDownload Warning "`COPY . .` before `go mod download`: every source change downloads all modules again";
    Lint CgoWithStaticBase Warning "cgo on (or unset) while the runtime base has no glibc for a dynamic binary";
    Lint UserWithoutPasswd Error "`USER name` on a base with no /etc/passwd to look the name up in";
    Lint MissingCaCertificates Warning "the program makes TLS calls but the runtime base has no CA certificates";
    Lint MissingTzdata Warning "the program loads time zones but the runtime base has no zoneinfo";
    Lint UnpinnedImage Warning "an image with no tag or `latest`: builds change under you";
    Lint GoBuildWithoutCacheMount Info "`go build` without BuildKit cache mounts: every rebuild compiles from scratch";
    Lint GoToolchainInFinalImage Info "the final image is the golang image: it ships the whole toolchain";
    Lint NoShellInBase Error "a shell-form RUN, CMD, ENTRYPOINT or HEALTHCHECK on a base with no /bin/sh";
    Lint AptWithoutCleanup Warning "apt-get install in a shipped stage without --no-install-recommends or removing the lists";
    Lint UnusedStage Info "a stage the target does not need; BuildKit skips it, the legacy builder does not";
    Lint SecretsUsedInArgOrEnv Warning "an ARG or ENV named like a secret: its value stays in the image history";
    Lint FromAsCasing Warning "`FROM x as y`: the keywords FROM and AS in different cases";
    Lint StageNameCasing Warning "a stage name with capitals; names match case-insensitively, so write them in lower case";
    Lint DuplicateStageName Error "two stages with the same name";
    Lint ReservedStageName Error "a stage named `scratch` or `context`, which the builder reserves";
    Lint JSONArgsRecommended Warning "CMD or ENTRYPOINT in shell form: signals go to the shell, not your program";
    Lint InvalidJsonForm Warning "arguments that look like exec form but are not valid JSON (single quotes)";
    Lint WorkdirRelativePath Warning "a relative WORKDIR before any absolute one: it depends on the base image";
    Lint MaintainerDeprecated Warning "MAINTAINER is deprecated in favour of a label";
    Lint MultipleInstructionsDisallowed Warning "CMD, ENTRYPOINT or HEALTHCHECK twice in a stage: only the last counts";
    Lint LegacyKeyValueFormat Warning "`ENV key value` instead of `ENV key=value`";
    Lint ConsistentInstructionCasing Warning "instructions written in mixed case";
    Lint UnknownFlag Error "a flag the instruction does not take (`COPY --form=builder`)";
    Lint FromPlatformFlagConstDisallowed Warning "FROM --platform with a fixed value: the image is for that platform whatever you build for";
}

impl RuleId {
    /// The rule with this id, as written in `# check=skip=` (case matters, as in BuildKit).
    pub fn named(id: &str) -> Option<RuleId> {
        Self::ALL.iter().copied().find(|r| r.as_str() == id)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Findings on one column sort by id as text, as they did when ids were strings.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<RuleId> for &str {
    fn eq(&self, other: &RuleId) -> bool {
        *self == other.as_str()
    }
}

/// JSON keeps the id as text: `"rule": "MisspeltBase"`.
impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
