//! The stage graph: which stages there are, what each one is built on, what
//! it copies from, which stage is the target, and which stages the target does
//! not need (BuildKit skips those, so their cost is not the user's).

use std::collections::HashMap;

use serde::Serialize;

use super::diagnostic::{Diagnostic, Severity};
use super::rules::RuleId;
use super::similar;
use super::span::Span;
use super::substitute::{AUTOMATIC_ARGS, expand};
use super::syntax::{Dockerfile, ItemKind, Keyword};

/// A stage's position in the file, counted from 0 as `COPY --from=0` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StageIndex(pub usize);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub index: StageIndex,
    /// The `AS` name as written; the builder matches it case-insensitively.
    pub name: Option<String>,
    /// The image or stage after `FROM`, with build arguments expanded.
    pub base: String,
    /// The image text as written, before expansion.
    #[serde(skip)]
    pub base_written: String,
    #[serde(skip)]
    pub base_span: Span,
    /// Set when `base` names an earlier stage.
    pub base_stage: Option<StageIndex>,
    pub platform: Option<String>,
    /// The 1-based line of the `FROM`.
    pub line: usize,
    /// Index into `Dockerfile::items` of the `FROM`.
    #[serde(skip)]
    pub from_item: usize,
    /// One past the last item of this stage.
    #[serde(skip)]
    pub end_item: usize,
    #[serde(skip)]
    pub name_span: Option<Span>,
}

impl Stage {
    /// How the builder names the stage in its progress output (`[builder 2/4]`).
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("stage-{}", self.index.0),
        }
    }

    pub fn is_scratch(&self) -> bool {
        self.base_stage.is_none() && self.base.eq_ignore_ascii_case("scratch")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    From,
    Copy,
    Mount,
}

/// Where an edge starts: another stage, or an external image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Source {
    Stage(StageIndex),
    Image(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: Source,
    pub to: StageIndex,
    pub kind: EdgeKind,
    pub line: usize,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StageGraph {
    pub stages: Vec<Stage>,
    pub edges: Vec<Edge>,
    pub target: Option<StageIndex>,
    /// Stages the target does not depend on.
    pub unused: Vec<StageIndex>,
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
    /// `ARG`s declared before the first `FROM`, with their defaults.
    #[serde(skip)]
    pub global_args: Vec<(String, Option<String>)>,
    /// The first stage of each lower-cased name, which is the stage a
    /// reference by name finds, without a scan of all stages.
    #[serde(skip)]
    by_name: HashMap<String, StageIndex>,
    /// Per stage, the stage at the end of its `FROM stage` chain.
    #[serde(skip)]
    roots: Vec<StageIndex>,
}

impl StageGraph {
    /// Builds the graph with the last stage as the target.
    pub fn new(df: &Dockerfile) -> Self {
        Self::with_target(df, None)
    }

    /// Builds the graph for `--target NAME`; an unknown target is a diagnostic
    /// and the last stage is used.
    pub fn with_target(df: &Dockerfile, target: Option<&str>) -> Self {
        let mut graph = Self::default();
        graph.collect_stages(df);
        graph.collect_edges(df);
        graph.choose_target(df, target);
        graph.find_cycles(df);
        graph
    }

    pub fn stage(&self, index: StageIndex) -> Option<&Stage> {
        self.stages.get(index.0)
    }

    pub fn target_stage(&self) -> Option<&Stage> {
        self.target.and_then(|t| self.stage(t))
    }

    /// The stage a `--from` or `FROM` word names, by name (any case) or index.
    pub fn resolve(&self, reference: &str) -> Option<StageIndex> {
        if let Ok(n) = reference.parse::<usize>() {
            return (n < self.stages.len()).then_some(StageIndex(n));
        }
        self.by_name.get(&reference.to_ascii_lowercase()).copied()
    }

    /// The stage `index` finally rests on, following `FROM stage` links: the
    /// one whose base is an image.
    pub fn root_stage(&self, index: StageIndex) -> Option<&Stage> {
        self.roots.get(index.0).and_then(|&r| self.stage(r))
    }

    /// The stage whose items include `item`.
    pub fn stage_of_item(&self, item: usize) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|s| s.from_item <= item && item < s.end_item)
    }

    /// The stages `index` depends on, directly.
    pub fn dependencies(&self, index: StageIndex) -> impl Iterator<Item = StageIndex> + '_ {
        self.edges.iter().filter_map(move |e| match e.from {
            Source::Stage(s) if e.to == index => Some(s),
            _ => None,
        })
    }

    /// `dependencies` of every stage at once, in the same order.
    fn adjacency(&self) -> Vec<Vec<StageIndex>> {
        let mut out = vec![Vec::new(); self.stages.len()];
        for e in &self.edges {
            if let (Source::Stage(s), Some(deps)) = (&e.from, out.get_mut(e.to.0)) {
                deps.push(*s);
            }
        }
        out
    }

    pub fn is_unused(&self, index: StageIndex) -> bool {
        // `unused` is in stage order.
        self.unused.binary_search(&index).is_ok()
    }

    fn diag(&mut self, df: &Dockerfile, rule: RuleId, sev: Severity, span: Span, msg: String) {
        self.diagnostics.push(Diagnostic::new(
            rule,
            sev,
            span,
            df.position(span.start),
            msg,
        ));
    }

    fn collect_stages(&mut self, df: &Dockerfile) {
        let mut before_first_from = true;
        for (item_index, item) in df.items.iter().enumerate() {
            let ItemKind::Instruction(ins) = &item.kind else {
                continue;
            };
            if ins.keyword == Keyword::Arg && before_first_from {
                for word in ins.words() {
                    let (name, value) = match word.text.split_once('=') {
                        Some((n, v)) => (n.to_string(), Some(unquote(v).to_string())),
                        None => (word.text.clone(), None),
                    };
                    self.global_args.push((name, value));
                }
                continue;
            }
            if ins.keyword != Keyword::From {
                continue;
            }
            before_first_from = false;
            if let Some(prev) = self.stages.last_mut() {
                prev.end_item = item_index;
            }
            let words = ins.words();
            let index = StageIndex(self.stages.len());
            let (base_written, base_span) = match words.first() {
                Some(w) => (w.text.clone(), w.span),
                None => (String::new(), ins.keyword_word.span),
            };
            let mut name = None;
            let mut name_span = None;
            match words.as_slice() {
                [_] | [] => {}
                [_, as_kw, n] if as_kw.text.eq_ignore_ascii_case("as") => {
                    name = Some(n.text.clone());
                    name_span = Some(n.span);
                }
                [_, as_kw] if as_kw.text.eq_ignore_ascii_case("as") => {
                    self.diag(
                        df,
                        RuleId::FromSyntax,
                        Severity::Error,
                        as_kw.span,
                        "`AS` needs a stage name after it".to_string(),
                    );
                }
                [_, extra, ..] => {
                    self.diag(
                        df,
                        RuleId::FromSyntax,
                        Severity::Error,
                        extra.span,
                        "FROM takes an image and an optional `AS name`".to_string(),
                    );
                }
            }
            let args = self.global_args.clone();
            let expanded = expand(&base_written, df.escape, |v| {
                args.iter()
                    .rev()
                    .find(|(n, _)| n == v)
                    .map(|(_, val)| val.as_deref().unwrap_or(""))
                    .or_else(|| AUTOMATIC_ARGS.contains(&v).then_some(""))
            });
            for var in &expanded.undefined {
                self.diag(
                    df,
                    RuleId::UndefinedArgInFrom,
                    Severity::Warning,
                    base_span,
                    format!(
                        "`{var}` is not declared with ARG before the first FROM, so it expands \
                         to nothing here"
                    ),
                );
            }
            // Only the stages before this one are in `by_name` yet.
            let base_stage = self
                .by_name
                .get(&expanded.text.to_ascii_lowercase())
                .copied();
            if let Some(n) = &name {
                self.by_name.entry(n.to_ascii_lowercase()).or_insert(index);
            }
            // A FROM names only earlier stages, whose roots are known.
            let root = base_stage
                .and_then(|b| self.roots.get(b.0).copied())
                .unwrap_or(index);
            self.roots.push(root);
            self.stages.push(Stage {
                index,
                name,
                base: expanded.text,
                base_written,
                base_span,
                base_stage,
                platform: ins.flag("platform").and_then(|f| f.value.clone()),
                line: ins.line,
                from_item: item_index,
                end_item: df.items.len(),
                name_span,
            });
        }
    }

    fn collect_edges(&mut self, df: &Dockerfile) {
        let stages = self.stages.clone();
        for stage in &stages {
            let from_span = stage.base_span;
            self.edges.push(Edge {
                from: match stage.base_stage {
                    Some(s) => Source::Stage(s),
                    None => Source::Image(stage.base.clone()),
                },
                to: stage.index,
                kind: EdgeKind::From,
                line: stage.line,
                span: from_span,
            });
            for item in df
                .items
                .get(stage.from_item + 1..stage.end_item)
                .unwrap_or(&[])
            {
                let ItemKind::Instruction(ins) = &item.kind else {
                    continue;
                };
                let ins = match &ins.trigger {
                    Some(_) => continue, // ONBUILD runs in a later build, not this one
                    None => ins.as_ref(),
                };
                match ins.keyword {
                    Keyword::Copy | Keyword::Add => {
                        if let Some(flag) = ins.flag("from") {
                            let value = flag.value.clone().unwrap_or_default();
                            let span = flag.value_span.unwrap_or(flag.span);
                            self.add_reference(
                                df,
                                stage.index,
                                &value,
                                EdgeKind::Copy,
                                ins.line,
                                span,
                            );
                        }
                    }
                    Keyword::Run => {
                        for flag in ins.flags.iter().filter(|f| f.name == "mount") {
                            let value = flag.value.clone().unwrap_or_default();
                            if let Some(from) = mount_from(&value) {
                                let span = flag.value_span.unwrap_or(flag.span);
                                self.add_reference(
                                    df,
                                    stage.index,
                                    &from,
                                    EdgeKind::Mount,
                                    ins.line,
                                    span,
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn add_reference(
        &mut self,
        df: &Dockerfile,
        to: StageIndex,
        reference: &str,
        kind: EdgeKind,
        line: usize,
        span: Span,
    ) {
        let reference = reference.trim_matches(['"', '\'']);
        if let Ok(n) = reference.parse::<usize>() {
            if n >= to.0 {
                let what = if n == to.0 { "itself" } else { "a later stage" };
                self.diag(
                    df,
                    RuleId::StageReference,
                    Severity::Error,
                    span,
                    format!(
                        "`--from={n}` refers to {what}; a stage number must name an earlier stage"
                    ),
                );
                return;
            }
            self.edges.push(Edge {
                from: Source::Stage(StageIndex(n)),
                to,
                kind,
                line,
                span,
            });
            return;
        }
        match self.resolve(reference) {
            Some(s) => self.edges.push(Edge {
                from: Source::Stage(s),
                to,
                kind,
                line,
                span,
            }),
            None => {
                let names = self.stages.iter().filter_map(|s| s.name.as_deref());
                if let Some(near) = similar::nearest(reference, names) {
                    self.diag(
                        df,
                        RuleId::UnknownStage,
                        Severity::Error,
                        span,
                        format!("no stage named `{reference}` (did you mean `{near}`?)"),
                    );
                } else if !looks_like_image(reference) {
                    self.diag(
                        df,
                        RuleId::UnknownStage,
                        Severity::Warning,
                        span,
                        format!(
                            "no stage named `{reference}`, so the builder will look for an image \
                             of that name"
                        ),
                    );
                }
                self.edges.push(Edge {
                    from: Source::Image(reference.to_string()),
                    to,
                    kind,
                    line,
                    span,
                });
            }
        }
    }

    fn choose_target(&mut self, df: &Dockerfile, target: Option<&str>) {
        self.target = match target {
            Some(t) => match self.resolve(t) {
                Some(s) => Some(s),
                None => {
                    self.diag(
                        df,
                        RuleId::UnknownTarget,
                        Severity::Error,
                        Span::at(0),
                        format!("there is no stage named `{t}` to build as the target"),
                    );
                    self.stages.last().map(|s| s.index)
                }
            },
            None => self.stages.last().map(|s| s.index),
        };
        let adjacency = self.adjacency();
        let mut needed = vec![false; self.stages.len()];
        let mut todo: Vec<StageIndex> = self.target.into_iter().collect();
        while let Some(s) = todo.pop() {
            match needed.get_mut(s.0) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            todo.extend(adjacency.get(s.0).into_iter().flatten().copied());
        }
        self.unused = needed
            .iter()
            .enumerate()
            .filter(|&(_, n)| !n)
            .map(|(i, _)| StageIndex(i))
            .collect();
    }

    fn find_cycles(&mut self, df: &Dockerfile) {
        // Iterative three-colour depth-first search; deep graphs cannot blow the stack.
        let n = self.stages.len();
        let mut colour = vec![0u8; n];
        let adjacency = self.adjacency();
        let mut reported = Vec::new();
        for root in 0..n {
            if colour[root] != 0 {
                continue;
            }
            let mut stack = vec![(root, 0usize)];
            colour[root] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let deps = adjacency.get(node).map_or(&[][..], Vec::as_slice);
                if let Some(&dep) = deps.get(*next) {
                    *next += 1;
                    match colour.get(dep.0) {
                        Some(0) => {
                            colour[dep.0] = 1;
                            stack.push((dep.0, 0));
                        }
                        Some(1) => reported.push((node, dep.0)),
                        _ => {}
                    }
                } else {
                    colour[node] = 2;
                    stack.pop();
                }
            }
        }
        let mut first_edge: HashMap<(usize, usize), Span> = HashMap::new();
        for e in &self.edges {
            if let Source::Stage(s) = e.from {
                first_edge.entry((e.to.0, s.0)).or_insert(e.span);
            }
        }
        for (from, to) in reported {
            let names = (
                self.stages[from].display_name(),
                self.stages[to].display_name(),
            );
            let span = first_edge.get(&(from, to)).copied().unwrap_or(Span::at(0));
            self.diag(
                df,
                RuleId::StageCycle,
                Severity::Error,
                span,
                if from == to {
                    format!("stage `{}` copies from itself; the builder cannot build it", names.0)
                } else {
                    format!(
                        "stages `{}` and `{}` depend on each other in a cycle; the builder cannot order them",
                        names.0, names.1
                    )
                },
            );
        }
    }
}

/// `from=` of a `--mount` value such as `type=bind,from=builder,target=/x`.
pub fn mount_from(value: &str) -> Option<String> {
    mount_options(value)
        .into_iter()
        .find(|(k, _)| k == "from")
        .map(|(_, v)| v)
}

/// The `key=value` pairs of a `--mount` flag, keys lower-cased.
pub fn mount_options(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), unquote(v.trim()).to_string()),
            None => (part.trim().to_ascii_lowercase(), String::new()),
        })
        .collect()
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// References with a registry path or a tag are images, not typos of stage names.
fn looks_like_image(reference: &str) -> bool {
    reference.contains([':', '/', '@', '.'])
}

/// Stage names per stage, for quick lookup by lower-cased name.
pub fn names_by_lowercase(graph: &StageGraph) -> HashMap<String, StageIndex> {
    graph
        .stages
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| (n.to_ascii_lowercase(), s.index)))
        .collect()
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
