//! The keys that work from every pane, as data: `update` looks a key up here
//! and carries out the action it names, and a test holds the help to this
//! table, so a key cannot be bound without being documented. The keys of
//! one pane (the toggles' Space, the graph's `t`) stay with that pane.

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

/// One binding: a chord, its action, and whether the editor keeps the key
/// for typing (`?` is a character there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub chord: Chord,
    pub action: Action,
    pub outside_editor: bool,
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

/// Every workbench-wide key, in the order they are tried.
pub const GLOBAL: &[Binding] = &[
    ctrl('q', Action::Quit),
    ctrl('s', Action::Save),
    f(5, Action::Build),
    ctrl('r', Action::Build),
    f(6, Action::RunArgs),
    f(7, Action::Matrix),
    f(8, Action::Tune),
    f(1, Action::Help),
    Binding {
        outside_editor: true,
        ..bind(KeyCode::Char('?'), false, Action::Help)
    },
    f(3, Action::LessonHint),
    f(2, Action::AutoRebuild),
    ctrl('t', Action::NextTheme),
    ctrl('e', Action::Export),
    ctrl('o', Action::OpenFile),
    f(9, Action::Present),
    ctrl('f', Action::Search),
    bind(KeyCode::Esc, false, Action::Cancel),
    bind(KeyCode::Tab, false, Action::NextPane),
    bind(KeyCode::BackTab, false, Action::PreviousPane),
];

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
}

/// The workbench-wide action of `key`, given whether the editor has focus.
pub fn global(key: &KeyEvent, in_editor: bool) -> Option<Action> {
    GLOBAL
        .iter()
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
        for (i, a) in GLOBAL.iter().enumerate() {
            for b in &GLOBAL[i + 1..] {
                assert_ne!(a.chord, b.chord, "{} is bound twice", a.chord.name());
            }
        }
    }

    #[test]
    fn every_binding_is_in_the_help() {
        let named: Vec<&str> = crate::tui::ui::overlay::KEYS
            .iter()
            .flat_map(|(keys, _)| keys.split([',', '·']))
            .map(str::trim)
            .collect();
        for binding in GLOBAL {
            let name = binding.chord.name();
            assert!(
                named.contains(&name.as_str()),
                "{name} is bound but not in the help: {named:?}"
            );
        }
    }
}
