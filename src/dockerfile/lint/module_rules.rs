//! Rules about the Go module the build needs: since Go 1.16 `go build`
//! refuses to build packages outside a module, and tutorials written before
//! that copy a lone main.go and build it.

use super::{Findings, Lint, Rule};
use crate::dockerfile::diagnostic::{Fix, Severity, TextEdit};
use crate::dockerfile::edit::site::GoCommand;
use crate::dockerfile::syntax::{ItemKind, Keyword};

pub const MISSING_GO_MOD: Rule = Rule {
    id: "MissingGoMod",
    severity: Severity::Error,
    summary: "`go build` of a context that has Go files but no go.mod (fails since Go 1.16)",
    check: missing_go_mod,
};

/// Verbs that load packages, and so need a module.
const LOADS_PACKAGES: &[&str] = &["build", "install", "test", "vet", "generate"];

fn missing_go_mod(lint: &Lint<'_>, out: &mut Findings) {
    let Some(facts) = lint.facts else {
        return;
    };
    if facts.go_files == 0 || facts.go_mod_files > 0 {
        return;
    }
    let commands = &lint.edit.go.commands;
    for (i, cmd) in commands.iter().enumerate() {
        if !LOADS_PACKAGES.contains(&cmd.verb.as_str())
            || names_files(cmd)
            || module_mode_off(lint, cmd)
            || commands[..i].iter().any(|c| makes_module(c, cmd))
        {
            continue;
        }
        let Some(ItemKind::Instruction(run)) = lint.df.items.get(cmd.item).map(|i| &i.kind) else {
            continue;
        };
        let line_start = run.span.start;
        let d = out.push(
            lint,
            &MISSING_GO_MOD,
            cmd.go.span.cover(cmd.verb_word.span),
            format!(
                "the build context has Go files but no go.mod, and since Go 1.16 `go {}` needs \
                 one: it fails with \"go: go.mod file not found in current directory or any \
                 parent directory\"; run `go mod init` in the project and keep go.mod beside \
                 the code, add `RUN go mod init example.com/app` before it, or build the file \
                 by name: `go build -o /app main.go`",
                cmd.verb
            ),
        );
        d.fix = Some(Fix {
            title: "add `RUN go mod init example.com/app` before it".into(),
            edits: vec![TextEdit::insert(
                line_start,
                "RUN go mod init example.com/app\n",
            )],
        });
    }
}

/// `go build -o /app main.go`: files named on the command line build
/// without a module.
fn names_files(cmd: &GoCommand) -> bool {
    cmd.args.iter().any(|w| w.text.ends_with(".go"))
}

/// `GO111MODULE=off` before the command or in an ENV of its stage: the old
/// GOPATH mode, which needs no go.mod.
fn module_mode_off(lint: &Lint<'_>, cmd: &GoCommand) -> bool {
    let off = |text: &str| text.trim_matches(['"', '\'']) == "GO111MODULE=off";
    if cmd.env.iter().any(|w| off(&w.text)) {
        return true;
    }
    let Some(stage) = lint.graph.stage(cmd.stage) else {
        return false;
    };
    lint.stage_instructions(stage)
        .iter()
        .filter(|(item, ins)| *item < cmd.item && ins.keyword == Keyword::Env)
        .any(|(_, ins)| {
            let words = ins.words();
            words.iter().any(|w| off(&w.text))
                || matches!(words.as_slice(), [k, v] if k.text == "GO111MODULE" && v.text == "off")
        })
}

/// `go mod init` earlier in the same stage makes the module `later` builds.
fn makes_module(earlier: &GoCommand, later: &GoCommand) -> bool {
    earlier.stage == later.stage && earlier.verb == "mod init"
}
