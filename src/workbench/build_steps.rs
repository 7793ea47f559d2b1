//! The steps of a build as the cache sees them, read from the Dockerfile:
//! per stage, each instruction's text after ARG and ENV expansion, the
//! context paths a COPY or ADD copies, the build args a RUN sees and the
//! stage a step builds on. The pipeline fills in what only a build knows
//! (cached or ran, file hashes, base ids) and `cache_misses` compares two
//! such records.

use std::collections::BTreeMap;

use crate::dockerfile::graph::mount_from;
use crate::dockerfile::logical::normalize;
use crate::dockerfile::substitute::expand;
use crate::dockerfile::syntax::{Args, Dockerfile, Instruction, ItemKind, Keyword};
use crate::dockerfile::{Stage, StageGraph};

use super::cache_misses::{BuildRecord, StageRecord, StepRecord, StepRun};

/// The record of a build of `df` before it ran: every stage's steps, all
/// unseen, with the sources each COPY or ADD takes from the context.
pub fn plan(df: &Dockerfile, graph: &StageGraph) -> BuildRecord {
    let stages = graph
        .stages
        .iter()
        .map(|stage| plan_stage(df, graph, stage))
        .collect();
    BuildRecord {
        builder: String::new(),
        stages,
        files: BTreeMap::new(),
    }
}

fn plan_stage(df: &Dockerfile, graph: &StageGraph, stage: &Stage) -> StageRecord {
    let mut scope = Scope::default();
    let mut steps = Vec::new();
    let items = df.items.get(stage.from_item..stage.end_item).unwrap_or(&[]);
    for ins in items.iter().filter_map(|item| match &item.kind {
        ItemKind::Instruction(ins) => Some(ins),
        _ => None,
    }) {
        let lookup_globals = ins.keyword == Keyword::From;
        let text = if expands(ins.keyword) {
            let vars: Vec<(String, String)> = if lookup_globals {
                graph
                    .global_args
                    .iter()
                    .map(|(n, v)| (n.clone(), v.clone().unwrap_or_default()))
                    .collect()
            } else {
                scope.vars.clone()
            };
            normalize(&expand(ins.logical_text(), df.escape, |v| lookup(&vars, v)).text)
        } else {
            normalize(ins.logical_text())
        };
        let sources = context_sources(ins)
            .into_iter()
            .map(|s| expand(&s, df.escape, |v| lookup(&scope.vars, v)).text)
            .collect();
        let from_stage = match ins.keyword {
            Keyword::From => stage.base_stage,
            Keyword::Copy | Keyword::Add => ins
                .flag("from")
                .and_then(|f| f.value.as_deref())
                .and_then(|v| graph.resolve(v)),
            // `RUN --mount=...,from=stage` reads that stage's files.
            Keyword::Run => ins
                .flags
                .iter()
                .filter(|f| f.name == "mount")
                .filter_map(|f| f.value.as_deref().and_then(mount_from))
                .find_map(|v| graph.resolve(&v)),
            _ => None,
        }
        .and_then(|i| graph.stage(i))
        .map(Stage::display_name);
        let args = if ins.keyword == Keyword::Run {
            scope.args.clone()
        } else {
            BTreeMap::new()
        };
        steps.push(StepRecord {
            line: ins.line,
            text,
            state: StepRun::Unseen,
            sources,
            files: Vec::new(),
            args,
            from_stage,
        });
        scope.declare(ins, graph, df.escape);
    }
    StageRecord {
        name: stage.display_name(),
        base_id: None,
        steps,
    }
}

/// Keywords whose arguments the builder expands itself; RUN, CMD and the
/// like reach a shell with `$` intact.
fn expands(keyword: Keyword) -> bool {
    !matches!(
        keyword,
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck | Keyword::Shell
    )
}

fn lookup<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The variables in scope at a point of a stage: ARG and ENV for
/// expansion, and the ARGs alone, which BuildKit hands every RUN.
#[derive(Default)]
struct Scope {
    vars: Vec<(String, String)>,
    args: BTreeMap<String, String>,
}

impl Scope {
    fn declare(&mut self, ins: &Instruction, graph: &StageGraph, escape: char) {
        match ins.keyword {
            Keyword::Arg => {
                for word in ins.words() {
                    let (name, value) = match word.text.split_once('=') {
                        Some((n, v)) => {
                            let v = unquote(v);
                            (
                                n.to_string(),
                                Some(expand(v, escape, |x| lookup(&self.vars, x)).text),
                            )
                        }
                        None => {
                            let global = graph
                                .global_args
                                .iter()
                                .rev()
                                .find(|(n, _)| *n == word.text)
                                .and_then(|(_, v)| v.clone());
                            (word.text.clone(), global)
                        }
                    };
                    if let Some(value) = value {
                        self.args.insert(name.clone(), value.clone());
                        self.vars.push((name, value));
                    }
                }
            }
            Keyword::Env => {
                let words = ins.words();
                if words.first().is_some_and(|w| !w.text.contains('=')) {
                    let name = words.first().map(|w| w.text.clone()).unwrap_or_default();
                    let value = words
                        .iter()
                        .skip(1)
                        .map(|w| unquote(&w.text).to_string())
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.vars.push((name, value));
                } else {
                    for word in words {
                        if let Some((n, v)) = word.text.split_once('=') {
                            let v = expand(unquote(v), escape, |x| lookup(&self.vars, x)).text;
                            self.vars.push((n.to_string(), v));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn unquote(text: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return inner;
        }
    }
    text
}

/// What a COPY or ADD takes from the build context, as written: every
/// argument but the destination, then each `--exclude` pattern after a `!`
/// (as in `.dockerignore`). Empty for `--from`, heredocs and URLs, which
/// copy nothing from the context.
fn context_sources(ins: &Instruction) -> Vec<String> {
    if !matches!(ins.keyword, Keyword::Copy | Keyword::Add)
        || ins.flag("from").is_some()
        || !ins.heredocs.is_empty()
    {
        return Vec::new();
    }
    let mut words: Vec<String> = match &ins.args {
        Some(Args::Json { values, .. }) => values.clone(),
        Some(Args::Shell { .. }) => ins
            .words()
            .into_iter()
            .map(|w| unquote(&w.text).to_string())
            .collect(),
        None => Vec::new(),
    };
    words.pop();
    words.retain(|w| !w.contains("://") && !w.starts_with("git@") && !w.starts_with('!'));
    if !words.is_empty() {
        let excludes = ins.flags.iter().filter(|f| f.name == "exclude");
        words.extend(excludes.filter_map(|f| Some(format!("!{}", unquote(f.value.as_deref()?)))));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn record(text: &str) -> BuildRecord {
        let df = parse(text);
        plan(&df, &StageGraph::new(&df))
    }

    #[test]
    fn copies_name_their_context_sources_and_stages() {
        let r = record(
            "FROM golang:1.24 AS builder\nARG APP=hello\nCOPY go.mod go.sum ./\nCOPY cmd/${APP} ./cmd/\nRUN go build\nFROM scratch\nCOPY --from=builder /out /out\n",
        );
        let b = &r.stages[0];
        assert_eq!(b.steps[2].sources, vec!["go.mod", "go.sum"]);
        let df = parse("FROM scratch\nCOPY --exclude=*.md --exclude=docs . /app\n");
        let r2 = plan(&df, &StageGraph::new(&df));
        assert_eq!(r2.stages[0].steps[1].sources, vec![".", "!*.md", "!docs"]);
        assert_eq!(b.steps[3].sources, vec!["cmd/hello"]);
        assert_eq!(b.steps[3].text, "COPY cmd/hello ./cmd/");
        assert_eq!(
            b.steps[4].args.get("APP").map(String::as_str),
            Some("hello")
        );
        let runtime = &r.stages[1];
        assert!(runtime.steps[1].sources.is_empty());
        assert_eq!(runtime.steps[1].from_stage.as_deref(), Some("builder"));
    }

    #[test]
    fn a_global_arg_reaches_a_stage_only_when_declared_there() {
        let r = record("ARG V=1.24\nFROM golang:${V}\nRUN make\nARG V\nRUN make\n");
        let steps = &r.stages[0].steps;
        assert_eq!(steps[0].text, "FROM golang:1.24");
        assert!(steps[1].args.is_empty());
        assert_eq!(steps[3].args.get("V").map(String::as_str), Some("1.24"));
    }
}
