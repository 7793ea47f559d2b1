//! Where the Go toolchain is invoked: the `go build` (and `go mod download`)
//! commands inside RUN lines, with the words around them and their spans, so
//! toggles can add or remove flags exactly there.

use crate::dockerfile::graph::{StageGraph, StageIndex};
use crate::dockerfile::logical::LogicalLine;
use crate::dockerfile::syntax::{Dockerfile, Instruction, ItemKind, Keyword, Word, split_words};

/// One `go <verb> ...` command inside a RUN.
#[derive(Debug, Clone)]
pub struct GoCommand {
    /// Index into `Dockerfile::items` of the RUN.
    pub item: usize,
    pub stage: StageIndex,
    pub verb: String,
    /// The `go` word.
    pub go: Word,
    /// The verb word (`build`).
    pub verb_word: Word,
    /// The words after the verb, up to the end of the command.
    pub args: Vec<Word>,
    /// `NAME=value` words just before `go` in the same command.
    pub env: Vec<Word>,
}

impl GoCommand {
    pub fn is_build(&self) -> bool {
        self.verb == "build"
    }

    /// The argument word whose flag name (before any `=`) is `name`, accepting
    /// one or two leading dashes as the go command does.
    pub fn flag(&self, name: &str) -> Option<(usize, &Word)> {
        self.args
            .iter()
            .enumerate()
            .find(|(_, w)| flag_name(&w.text) == Some(name))
    }
}

/// `-ldflags=x` → `ldflags`; `--trimpath` → `trimpath`; `x` → None.
pub fn flag_name(word: &str) -> Option<&str> {
    let body = word.strip_prefix("--").or_else(|| word.strip_prefix('-'))?;
    Some(body.split_once('=').map_or(body, |(n, _)| n))
}

/// Go commands that never reach the toggles, with the reason.
#[derive(Debug, Clone, Default)]
pub struct GoCommands {
    pub commands: Vec<GoCommand>,
    /// RUNs that run `go build` in exec (JSON) form, which toggles leave alone.
    pub exec_form: Vec<usize>,
    /// Build tools that run `go build` where toggles cannot see it (`make
    /// build`, `task build`, `./build.sh`), with the RUN's item and stage.
    pub wrapped: Vec<(usize, StageIndex, String)>,
}

/// Commands that usually run `go build` for the project, out of sight.
const BUILD_TOOLS: [&str; 6] = ["make", "gmake", "task", "mage", "just", "goreleaser"];

impl GoCommands {
    /// Finds go commands in the stages the target needs.
    pub fn find(df: &Dockerfile, graph: &StageGraph) -> Self {
        let mut found = GoCommands::default();
        for stage in &graph.stages {
            if graph.is_unused(stage.index) {
                continue;
            }
            let items = df.items.get(stage.from_item..stage.end_item).unwrap_or(&[]);
            for (offset, item) in items.iter().enumerate() {
                let ItemKind::Instruction(ins) = &item.kind else {
                    continue;
                };
                if ins.keyword != Keyword::Run {
                    continue;
                }
                let item_index = stage.from_item + offset;
                if ins.args.as_ref().is_some_and(|a| a.is_json()) {
                    if ins.args_text().contains("\"build\"") {
                        found.exec_form.push(item_index);
                    }
                    continue;
                }
                for words in command_word_lists(df, ins) {
                    found
                        .commands
                        .extend(go_commands_in(&words, item_index, stage.index));
                    for tool in build_tools_in(&words) {
                        found.wrapped.push((item_index, stage.index, tool));
                    }
                }
            }
        }
        found
    }

    pub fn builds(&self) -> impl Iterator<Item = &GoCommand> {
        self.commands.iter().filter(|c| c.is_build())
    }

    pub fn has_build(&self) -> bool {
        self.builds().next().is_some()
    }
}

/// The word lists to search: the RUN line itself, and each heredoc body line.
fn command_word_lists(df: &Dockerfile, ins: &Instruction) -> Vec<Vec<Word>> {
    let mut lists = vec![ins.words()];
    for doc in &ins.heredocs {
        let body = doc.body.slice(&df.source);
        let mut offset = doc.body.start;
        for line in body.split_inclusive('\n') {
            let mut logical = LogicalLine::default();
            logical.push(offset, line.trim_end_matches(['\n', '\r']));
            lists.push(split_words(&logical, 0, df.escape));
            offset += line.len();
        }
    }
    lists
}

const SEPARATORS: [&str; 6] = ["&&", "||", ";", "|", "&", "\\"];

fn ends_command(word: &str) -> bool {
    SEPARATORS.contains(&word) || word.ends_with(';')
}

fn go_commands_in(words: &[Word], item: usize, stage: StageIndex) -> Vec<GoCommand> {
    let mut out = Vec::new();
    let mut command_start = 0;
    let mut i = 0;
    while i < words.len() {
        let text = words[i].text.as_str();
        if ends_command(text) {
            command_start = i + 1;
            i += 1;
            continue;
        }
        let is_go = text == "go" || text.ends_with("/go");
        let verb = words.get(i + 1).map(|w| w.text.trim_end_matches(';'));
        if is_go
            && matches!(
                verb,
                Some("build" | "install" | "mod" | "test" | "vet" | "generate")
            )
        {
            let verb_index = i + 1;
            let mut end = verb_index + 1;
            while end < words.len() && !ends_command(&words[end].text) {
                end += 1;
            }
            let env = words[command_start..i]
                .iter()
                .filter(|w| is_assignment(&w.text))
                .cloned()
                .collect();
            let verb_word = words[verb_index].clone();
            let verb = match verb {
                Some("mod") => words
                    .get(verb_index + 1)
                    .map_or("mod".to_string(), |w| format!("mod {}", w.text)),
                Some(v) => v.to_string(),
                None => String::new(),
            };
            out.push(GoCommand {
                item,
                stage,
                verb,
                go: words[i].clone(),
                verb_word,
                args: words.get(verb_index + 1..end).unwrap_or(&[]).to_vec(),
                env,
            });
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// Each command of `words` that runs a build tool, as written (`make build`).
fn build_tools_in(words: &[Word]) -> Vec<String> {
    let mut out = Vec::new();
    for command in words.split(|w| ends_command(&w.text)) {
        let mut rest = command.iter().skip_while(|w| is_assignment(&w.text));
        let Some(first) = rest.next() else {
            continue;
        };
        let name = first.text.rsplit('/').next().unwrap_or(&first.text);
        let script = first.text.starts_with("./") && first.text.ends_with(".sh");
        if BUILD_TOOLS.contains(&name) || script {
            let mut text = first.text.clone();
            for w in rest.take(3) {
                text.push(' ');
                text.push_str(w.text.trim_end_matches(';'));
            }
            out.push(text);
        }
    }
    out
}

/// `NAME=value`, as a shell prefix assignment.
pub fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn commands(src: &str) -> Vec<GoCommand> {
        let df = parse(src);
        GoCommands::find(&df, &StageGraph::new(&df)).commands
    }

    #[test]
    fn finds_go_build_among_other_commands() {
        let src = "FROM golang\nRUN go mod download && CGO_ENABLED=0 GOOS=linux go build -o /app ./cmd/app && echo done\n";
        let found = commands(src);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].verb, "mod download");
        let build = &found[1];
        assert!(build.is_build());
        let env: Vec<_> = build.env.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(env, ["CGO_ENABLED=0", "GOOS=linux"]);
        let args: Vec<_> = build.args.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(args, ["-o", "/app", "./cmd/app"]);
        assert_eq!(build.verb_word.span.slice(src), "build");
    }

    #[test]
    fn finds_go_build_in_a_heredoc_with_exact_spans() {
        let src = "FROM golang\nRUN <<EOF\nset -e\ngo build -trimpath -o /app .\nEOF\n";
        let found = commands(src);
        assert_eq!(found.len(), 1);
        let (_, flag) = found[0].flag("trimpath").unwrap_or_else(|| unreachable!());
        assert_eq!(flag.span.slice(src), "-trimpath");
    }

    #[test]
    fn skips_stages_the_target_does_not_need() {
        let src = "FROM golang AS test\nRUN go test ./...\nFROM golang AS build\nRUN go build -o /a .\nFROM scratch\nCOPY --from=build /a /a\n";
        let found = commands(src);
        assert_eq!(found.len(), 1);
        assert!(found[0].is_build());
    }

    #[test]
    fn exec_form_is_reported_not_edited() {
        let df = parse("FROM golang\nRUN [\"go\", \"build\", \"-o\", \"/a\", \".\"]\n");
        let found = GoCommands::find(&df, &StageGraph::new(&df));
        assert!(found.commands.is_empty());
        assert_eq!(found.exec_form.len(), 1);
    }

    #[test]
    fn flag_names_accept_one_or_two_dashes() {
        assert_eq!(flag_name("-ldflags=-s"), Some("ldflags"));
        assert_eq!(flag_name("--trimpath"), Some("trimpath"));
        assert_eq!(flag_name("./cmd"), None);
    }
}
