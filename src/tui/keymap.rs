//! The keys, as data. Every workbench-wide command has its keys, a doc line
//! and a hint word here: `update` looks a key up in `COMMANDS`, and the help
//! and the status line's hints are made from the same table, so a key
//! cannot be bound without being documented. The keys one pane reads (the
//! toggles' Space, the graph's `t`) are handled by that pane; the help
//! names them in `HELP` beside the commands.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a workbench-wide key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Save,
    Build,
    RunArgs,
    Matrix,
    Tune,
    Help,
    LessonHint,
    /// Puts the lesson's files and progress back to its start, after asking.
    LessonReset,
    AutoRebuild,
    NextTheme,
    Export,
    OpenFile,
    Present,
    Search,
    /// Stops the build, matrix or tune under way; only then is Esc taken.
    Cancel,
    NextPane,
    PreviousPane,
}

/// A key as it is bound: its code, and whether Ctrl is part of it. Other
/// modifiers are ignored, as terminals report Shift on `?` and some add it
/// to F keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
}

/// One key of a command: a chord, its action, and whether the editor keeps
/// the key for typing (`?` is a character there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub chord: Chord,
    pub action: Action,
    pub outside_editor: bool,
}

/// A command as the help shows it: its keys, what it does, and the word the
/// status line's hint gives it.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub bindings: &'static [Binding],
    pub doc: &'static str,
    pub hint: Option<&'static str>,
    /// Ways to do it besides keys (`click`), named after them in the help.
    pub also: &'static [&'static str],
}

const fn bind(code: KeyCode, ctrl: bool, action: Action) -> Binding {
    Binding {
        chord: Chord { code, ctrl },
        action,
        outside_editor: false,
    }
}

const fn f(n: u8, action: Action) -> Binding {
    bind(KeyCode::F(n), false, action)
}

const fn ctrl(c: char, action: Action) -> Binding {
    bind(KeyCode::Char(c), true, action)
}

const fn command(bindings: &'static [Binding], doc: &'static str) -> Command {
    Command {
        bindings,
        doc,
        hint: None,
        also: &[],
    }
}

const fn hinted(bindings: &'static [Binding], doc: &'static str, hint: &'static str) -> Command {
    Command {
        hint: Some(hint),
        ..command(bindings, doc)
    }
}

/// Every workbench-wide command, in the order keys are looked up.
pub const COMMANDS: &[Command] = &[
    hinted(
        &[ctrl('q', Action::Quit)],
        "quit (asks when there are unsaved changes)",
        "quit",
    ),
    hinted(
        &[ctrl('s', Action::Save)],
        "save the Dockerfile (atomically)",
        "save",
    ),
    hinted(
        &[f(5, Action::Build), ctrl('r', Action::Build)],
        "build and run the image",
        "build",
    ),
    command(
        &[f(6, Action::RunArgs)],
        "run arguments, as after docker run IMAGE",
    ),
    hinted(
        &[f(7, Action::Matrix)],
        "matrix: every base at once, the best offered",
        "matrix",
    ),
    hinted(
        &[f(8, Action::Tune)],
        "tune: the smallest image that still works",
        "tune",
    ),
    hinted(
        &[
            f(1, Action::Help),
            Binding {
                outside_editor: true,
                ..bind(KeyCode::Char('?'), false, Action::Help)
            },
        ],
        "this help",
        "help",
    ),
    command(&[f(3, Action::LessonHint)], "lesson hint"),
    command(&[f(4, Action::LessonReset)], "start over"),
    command(&[f(2, Action::AutoRebuild)], "auto-rebuild on/off"),
    command(&[ctrl('t', Action::NextTheme)], "next theme"),
    command(
        &[ctrl('e', Action::Export)],
        "export variants and a comparison as Markdown",
    ),
    hinted(
        &[ctrl('o', Action::OpenFile)],
        "open another Dockerfile",
        "open",
    ),
    hinted(
        &[f(9, Action::Present)],
        "presenter mode: large panes, keys on screen",
        "present",
    ),
    command(&[ctrl('f', Action::Search)], "search"),
    command(
        &[bind(KeyCode::Esc, false, Action::Cancel)],
        "cancel the build, matrix or tune",
    ),
    Command {
        hint: Some("focus"),
        also: &["click"],
        ..command(
            &[
                bind(KeyCode::Tab, false, Action::NextPane),
                bind(KeyCode::BackTab, false, Action::PreviousPane),
            ],
            "move focus between panes",
        )
    },
];

/// A row of the help: commands by (any) action of theirs, and the keys of
/// one pane, which that pane handles.
#[derive(Debug, Clone, Copy)]
pub enum HelpItem {
    Command(Action),
    Pane(&'static str, &'static str),
}

use HelpItem::{Command as Cmd, Pane};

/// The help, row by row: grouped so it fits an 80x24 terminal.
pub const HELP: &[&[HelpItem]] = &[
    &[Cmd(Action::Build)],
    &[Cmd(Action::Cancel)],
    &[Cmd(Action::Matrix)],
    &[Cmd(Action::Tune)],
    &[Cmd(Action::RunArgs)],
    &[
        Cmd(Action::AutoRebuild),
        Cmd(Action::LessonHint),
        Cmd(Action::LessonReset),
    ],
    &[Cmd(Action::NextPane)],
    &[Cmd(Action::Save)],
    &[Cmd(Action::Quit)],
    &[
        Pane("Ctrl-Z, Ctrl-Y", "undo, redo (toggles too)"),
        Cmd(Action::Search),
    ],
    &[Cmd(Action::NextTheme), Cmd(Action::OpenFile)],
    &[Cmd(Action::Export)],
    &[Cmd(Action::Present)],
    &[Pane(
        "Toggles: ←/→, 1–6",
        "change the runtime base; a number jumps to one",
    )],
    &[Pane("Toggles: Space, Enter", "switch a toggle on or off")],
    &[Pane(
        "Stages: Enter, t · Layers: ↑/↓",
        "FROM line · build only it · the layer's line",
    )],
    &[Pane(
        "Layers: Enter, f",
        "the layer's files: added, changed, removed",
    )],
    &[Pane(
        "Files: ←/→ Enter / s a l [ ]",
        "fold · filter · size · all · largest · layer",
    )],
    &[Pane(
        "Build · Run: ↑/↓ PgUp PgDn End",
        "scroll the log; End follows it",
    )],
    &[Pane(
        "Variants: Enter · m, d",
        "restore one · mark one, compare it",
    )],
    &[Cmd(Action::Help)],
];

/// The status line's hints, most useful first: a short line keeps the first.
pub const HINTS: &[Action] = &[
    Action::Build,
    Action::Help,
    Action::Quit,
    Action::NextPane,
    Action::Present,
    Action::OpenFile,
    Action::Save,
    Action::Matrix,
    Action::Tune,
];

/// The command `action` belongs to.
pub fn command_of(action: Action) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.bindings.iter().any(|b| b.action == action))
}

impl Command {
    /// Its keys as the help writes them: `F5, Ctrl-R`; `Tab, Shift-Tab, click`.
    pub fn keys(&self) -> String {
        let mut names: Vec<String> = self.bindings.iter().map(|b| b.chord.name()).collect();
        names.extend(self.also.iter().map(|a| a.to_string()));
        names.join(", ")
    }
}

/// The help's rows as (keys, what they do).
pub fn help_rows() -> Vec<(String, String)> {
    HELP.iter()
        .map(|row| {
            let (keys, docs): (Vec<String>, Vec<String>) = row
                .iter()
                .map(|item| match item {
                    HelpItem::Command(action) => command_of(*action)
                        .map(|c| (c.keys(), c.doc.to_string()))
                        .unwrap_or_default(),
                    HelpItem::Pane(keys, doc) => (keys.to_string(), doc.to_string()),
                })
                .unzip();
            (keys.join(" · "), docs.join(" · "))
        })
        .collect()
}

/// The status line's hints: `F5 build`, `^Q quit`.
pub fn hints() -> Vec<String> {
    HINTS
        .iter()
        .filter_map(|action| {
            let command = command_of(*action)?;
            let chord = command.bindings.first()?.chord;
            Some(format!("{} {}", chord.short_name(), command.hint?))
        })
        .collect()
}

impl Chord {
    fn matches(&self, key: &KeyEvent) -> bool {
        key.code == self.code && (!self.ctrl || key.modifiers.contains(KeyModifiers::CONTROL))
    }

    /// The chord as the help writes it: `Ctrl-O`, `F5`, `Esc`.
    pub fn name(&self) -> String {
        let key = match self.code {
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(c) if self.ctrl => c.to_ascii_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{key}")
        } else {
            key
        }
    }

    /// The chord as a hint writes it, where room is short: `^O`, `F5`.
    pub fn short_name(&self) -> String {
        self.name().replace("Ctrl-", "^")
    }
}

fn bindings() -> impl Iterator<Item = &'static Binding> {
    COMMANDS.iter().flat_map(|c| c.bindings.iter())
}

/// The workbench-wide action of `key`, given whether the editor has focus.
pub fn global(key: &KeyEvent, in_editor: bool) -> Option<Action> {
    bindings()
        .find(|b| b.chord.matches(key) && !(b.outside_editor && in_editor))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn ctrl_chords_need_ctrl_and_plain_ones_take_any_modifier() {
        let first = |key: KeyEvent, in_editor| global(&key, in_editor);
        assert_eq!(
            first(press(KeyCode::Char('s'), KeyModifiers::CONTROL), true),
            Some(Action::Save)
        );
        assert_eq!(
            first(press(KeyCode::Char('s'), KeyModifiers::NONE), false),
            None
        );
        assert_eq!(
            first(press(KeyCode::F(5), KeyModifiers::SHIFT), true),
            Some(Action::Build)
        );
        assert_eq!(
            first(press(KeyCode::Char('?'), KeyModifiers::SHIFT), false),
            Some(Action::Help)
        );
        assert_eq!(
            first(press(KeyCode::Char('?'), KeyModifiers::SHIFT), true),
            None,
            "the editor types ?"
        );
    }

    #[test]
    fn no_chord_is_bound_twice() {
        let all: Vec<&Binding> = bindings().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.chord, b.chord, "{} is bound twice", a.chord.name());
            }
        }
    }

    #[test]
    fn every_command_is_in_the_help_once() {
        for command in COMMANDS {
            let rows = HELP
                .iter()
                .flat_map(|row| row.iter())
                .filter(|item| match item {
                    HelpItem::Command(action) => {
                        command.bindings.iter().any(|b| b.action == *action)
                    }
                    HelpItem::Pane(..) => false,
                })
                .count();
            assert_eq!(rows, 1, "`{}` is in the help {rows} times", command.doc);
        }
    }

    #[test]
    fn the_help_and_the_hints_name_the_keys_as_bound() {
        let rows = help_rows();
        assert!(rows.contains(&("F5, Ctrl-R".into(), "build and run the image".into())));
        assert!(rows.contains(&(
            "Ctrl-Z, Ctrl-Y · Ctrl-F".into(),
            "undo, redo (toggles too) · search".into()
        )));
        assert!(rows.contains(&(
            "Tab, Shift-Tab, click".into(),
            "move focus between panes".into()
        )));
        let hints = hints();
        assert_eq!(hints.len(), HINTS.len(), "every hint has a hint word");
        assert_eq!(&hints[..3], ["F5 build", "F1 help", "^Q quit"]);
    }
}
