//! The last keys pressed, as a presenter's key-cast tool shows them, so an
//! audience can follow what was typed. The keys are data in the model;
//! presenter mode draws them. Nothing here reads a clock: keys give way to
//! newer ones, they do not fade.

use std::collections::VecDeque;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// How many keys stay on screen.
pub const KEPT: usize = 6;

/// Plain characters typed in a row are shown as one word, up to this many.
const WORD: usize = 12;

/// One entry of the key cast: a key, or a run of typed characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cast {
    Key(String),
    Typed(String),
}

impl Cast {
    pub fn label(&self) -> String {
        match self {
            Cast::Key(k) => k.clone(),
            Cast::Typed(t) => format!("“{t}”"),
        }
    }
}

/// The recent keys, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyCast {
    keys: VecDeque<Cast>,
}

impl KeyCast {
    /// Records `key`; `typing` (the editor has the keys) groups characters
    /// into words, elsewhere a character is a key of its own (`1`, `?`).
    pub fn push(&mut self, key: &KeyEvent, typing: bool) {
        if let Some(c) = typed_char(key).filter(|_| typing) {
            if let Some(Cast::Typed(word)) = self.keys.back_mut()
                && word.chars().count() < WORD
            {
                word.push(c);
                return;
            }
            self.add(Cast::Typed(c.to_string()));
            return;
        }
        self.add(Cast::Key(label(key)));
    }

    fn add(&mut self, cast: Cast) {
        if self.keys.len() >= KEPT {
            self.keys.pop_front();
        }
        self.keys.push_back(cast);
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Cast> {
        self.keys.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A printable character typed with no modifier but Shift, grouped into words.
fn typed_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if c != ' ' && (key.modifiers - KeyModifiers::SHIFT).is_empty() => Some(c),
        _ => None,
    }
}

/// A key as the help table names it: `^S`, `F5`, `Tab`, `→`.
pub fn label(key: &KeyEvent) -> String {
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            c.to_ascii_uppercase().to_string()
        }
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "⇧Tab".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "⌫".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    let mut prefix = String::new();
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        prefix.push('^');
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        prefix.push_str("Alt-");
    }
    format!("{prefix}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(cast: &mut KeyCast, code: KeyCode, modifiers: KeyModifiers) {
        cast.push(&KeyEvent::new(code, modifiers), true);
    }

    #[test]
    fn keys_are_named_and_typed_text_is_grouped() {
        let mut cast = KeyCast::default();
        press(&mut cast, KeyCode::Tab, KeyModifiers::NONE);
        press(&mut cast, KeyCode::Right, KeyModifiers::NONE);
        for c in "RUN".chars() {
            press(&mut cast, KeyCode::Char(c), KeyModifiers::SHIFT);
        }
        press(&mut cast, KeyCode::Char('s'), KeyModifiers::CONTROL);
        press(&mut cast, KeyCode::F(5), KeyModifiers::NONE);
        cast.push(
            &KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE),
            false,
        );
        let labels: Vec<String> = cast.keys().map(Cast::label).collect();
        assert_eq!(labels, ["Tab", "→", "“RUN”", "^S", "F5", "1"]);
    }

    #[test]
    fn only_the_last_keys_are_kept() {
        let mut cast = KeyCast::default();
        for n in 1..=10 {
            press(&mut cast, KeyCode::F(n), KeyModifiers::NONE);
        }
        let labels: Vec<String> = cast.keys().map(Cast::label).collect();
        assert_eq!(labels.len(), KEPT);
        assert_eq!(labels.last().map(String::as_str), Some("F10"));
    }
}
