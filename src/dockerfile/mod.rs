//! The Dockerfile core: pure, synchronous, and shared by the CLI, the TUI and
//! the tests. It knows nothing of terminals or of Docker.

pub mod diagnostic;
pub mod edit;
pub mod graph;
pub mod lint;
pub mod logical;
pub mod parse;
pub mod rules;
pub mod similar;
pub mod span;
pub mod substitute;
pub mod syntax;

pub use diagnostic::{Diagnostic, Fix, Severity, TextEdit, apply_edits};
pub use graph::{Edge, EdgeKind, Source, Stage, StageGraph, StageIndex};
pub use parse::parse;
pub use rules::RuleId;
pub use span::{LineIndex, Position, Span};
pub use syntax::{
    Args, Directive, Dockerfile, Flag, Heredoc, Instruction, Item, ItemKind, Keyword, Word,
};
