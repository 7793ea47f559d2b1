//! The lossless syntax tree of a Dockerfile.
//!
//! The tree keeps the source text and a list of items that tile it exactly,
//! so printing an unedited parse gives back the file byte for byte, and every
//! instruction, flag, word and heredoc knows its span.

use super::diagnostic::Diagnostic;
use super::logical::LogicalLine;
use super::span::{LineIndex, Position, Span};

/// A parsed Dockerfile. Parsing never fails: problems become diagnostics.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub source: String,
    /// The escape character in force (`\` unless `# escape=` says otherwise).
    pub escape: char,
    pub directives: Vec<Directive>,
    /// Items in source order; their spans tile `source` with no gap.
    pub items: Vec<Item>,
    pub diagnostics: Vec<Diagnostic>,
    pub lines: LineIndex,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub span: Span,
    pub kind: ItemKind,
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    ByteOrderMark,
    Directive,
    Comment,
    Blank,
    Instruction(Box<Instruction>),
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased key: `syntax`, `escape` or `check`.
    pub key: String,
    pub value: String,
    pub span: Span,
    pub value_span: Span,
    pub line: usize,
}

/// The instructions the builder knows; anything else is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    Unknown,
}

impl Keyword {
    pub const KNOWN: [(&'static str, Keyword); 18] = [
        ("ADD", Keyword::Add),
        ("ARG", Keyword::Arg),
        ("CMD", Keyword::Cmd),
        ("COPY", Keyword::Copy),
        ("ENTRYPOINT", Keyword::Entrypoint),
        ("ENV", Keyword::Env),
        ("EXPOSE", Keyword::Expose),
        ("FROM", Keyword::From),
        ("HEALTHCHECK", Keyword::Healthcheck),
        ("LABEL", Keyword::Label),
        ("MAINTAINER", Keyword::Maintainer),
        ("ONBUILD", Keyword::Onbuild),
        ("RUN", Keyword::Run),
        ("SHELL", Keyword::Shell),
        ("STOPSIGNAL", Keyword::Stopsignal),
        ("USER", Keyword::User),
        ("VOLUME", Keyword::Volume),
        ("WORKDIR", Keyword::Workdir),
    ];

    pub fn from_word(word: &str) -> Keyword {
        Self::KNOWN
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map_or(Keyword::Unknown, |&(_, k)| k)
    }

    pub fn name(self) -> &'static str {
        Self::KNOWN
            .iter()
            .find(|&&(_, k)| k == self)
            .map_or("UNKNOWN", |&(n, _)| n)
    }

    /// Instructions whose arguments may be a JSON array (exec form).
    pub fn takes_json(self) -> bool {
        matches!(
            self,
            Keyword::Run
                | Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Shell
                | Keyword::Copy
                | Keyword::Add
                | Keyword::Volume
                | Keyword::Healthcheck
        )
    }

    /// Instructions that may carry heredocs.
    pub fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// A piece of text from the joined logical line, with its source span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// `--name=value` or a bare `--name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
    pub value_span: Option<Span>,
}

/// An instruction's arguments, after its flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Exec form: a JSON array of strings.
    Json { values: Vec<String>, span: Span },
    /// Shell form: the joined text, run by the stage's shell.
    Shell { text: String, span: Span },
}

impl Args {
    pub fn span(&self) -> Span {
        match self {
            Args::Json { span, .. } | Args::Shell { span, .. } => *span,
        }
    }

    pub fn is_json(&self) -> bool {
        matches!(self, Args::Json { .. })
    }

    /// The text as a command line: shell text, or JSON values joined by spaces.
    pub fn command_line(&self) -> String {
        match self {
            Args::Json { values, .. } => values.join(" "),
            Args::Shell { text, .. } => text.clone(),
        }
    }
}

/// `<<EOF` ... `EOF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub strip_tabs: bool,
    /// A quoted delimiter turns off variable expansion in the body.
    pub quoted: bool,
    pub marker: Span,
    /// The body lines, without the terminator line.
    pub body: Span,
    /// The terminator line, when the file has one.
    pub terminator: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct Instruction {
    /// From the start of the first line to the end of the last, line ending,
    /// continuation lines and heredoc bodies included.
    pub span: Span,
    pub keyword: Keyword,
    /// The keyword as written, e.g. `from` or `Copy`.
    pub keyword_word: Word,
    pub flags: Vec<Flag>,
    /// `None` when the instruction has nothing after its keyword and flags.
    pub args: Option<Args>,
    /// HEALTHCHECK's `CMD` or `NONE` word.
    pub subcommand: Option<Word>,
    pub heredocs: Vec<Heredoc>,
    /// The instruction that ONBUILD defers.
    pub trigger: Option<Box<Instruction>>,
    pub line: usize,
    pub end_line: usize,
    pub(crate) logical: LogicalLine,
    /// Where the arguments start in the logical line.
    pub(crate) args_start: usize,
    pub(crate) escape: char,
}

impl Instruction {
    /// The flag `--name`, matched case-sensitively as the builder does.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// The instruction with continuations joined, from its keyword on.
    pub fn logical_text(&self) -> &str {
        self.logical.text()
    }

    /// The raw argument text after the flags (shell form as written).
    pub fn args_text(&self) -> &str {
        self.logical
            .text()
            .get(self.args_start..)
            .unwrap_or("")
            .trim_end()
    }

    /// The argument text split into shell words, quotes kept, each with its
    /// source span. Heredoc bodies are not included.
    pub fn words(&self) -> Vec<Word> {
        split_words(&self.logical, self.args_start, self.escape_char())
    }

    fn escape_char(&self) -> char {
        self.escape
    }

    pub fn source_span(&self, start: usize, end: usize) -> Span {
        self.logical.source_span(start, end)
    }

    pub fn logical_line(&self) -> &LogicalLine {
        &self.logical
    }

    pub fn args_start(&self) -> usize {
        self.args_start
    }
}

/// Splits `line` from `from` into words on unquoted whitespace.
pub(crate) fn split_words(line: &LogicalLine, from: usize, escape: char) -> Vec<Word> {
    let text = line.text();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip_while(|&(i, _)| i < from) {
        if escaped {
            escaped = false;
            continue;
        }
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == escape && q == '"' {
                    escaped = true;
                }
            }
            None => {
                if c.is_whitespace() {
                    if let Some(s) = start.take() {
                        words.push(make_word(line, s, i));
                    }
                    continue;
                }
                if start.is_none() {
                    start = Some(i);
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                } else if c == escape {
                    escaped = true;
                }
            }
        }
    }
    if let Some(s) = start {
        words.push(make_word(line, s, text.len()));
    }
    words
}

fn make_word(line: &LogicalLine, start: usize, end: usize) -> Word {
    Word {
        text: line.text().get(start..end).unwrap_or("").to_string(),
        span: line.source_span(start, end),
    }
}

impl Dockerfile {
    /// The file as text, rebuilt from the items: equal to the input when
    /// nothing was edited.
    pub fn print(&self) -> String {
        let mut out = String::with_capacity(self.source.len());
        for item in &self.items {
            out.push_str(item.span.slice(&self.source));
        }
        out
    }

    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Instruction(ins) => Some(ins.as_ref()),
            _ => None,
        })
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.source, offset)
    }

    pub fn directive(&self, key: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.key == key)
    }

    /// The line ending the file uses, so inserted lines match it.
    pub fn newline(&self) -> &'static str {
        if self.source.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    pub fn line_text(&self, line: usize) -> &str {
        self.lines.line_text(&self.source, line)
    }

    /// Whether most instructions are written in lower case (`from`, `run`),
    /// so lines added to the file follow it and lint's casing rule stays quiet.
    pub fn writes_lowercase(&self) -> bool {
        let (mut upper, mut lower) = (0, 0);
        for ins in self.instructions() {
            if ins.keyword == Keyword::Unknown {
                continue;
            }
            let word = &ins.keyword_word.text;
            upper += usize::from(word.chars().all(|c| !c.is_ascii_lowercase()));
            lower += usize::from(word.chars().all(|c| !c.is_ascii_uppercase()));
        }
        lower > upper
    }

    /// `word` (an instruction keyword or `AS`) in the file's own case.
    pub fn keyword(&self, word: &str) -> String {
        if self.writes_lowercase() {
            word.to_ascii_lowercase()
        } else {
            word.to_string()
        }
    }
}
