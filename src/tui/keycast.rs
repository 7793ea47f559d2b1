//! The last keys pressed, as a presenter's key-cast tool shows them, so an
//! audience can follow what was typed. The keys are data in the model;
//! presenter mode draws them. As in those tools, keys give way to newer ones
//! and fade a few seconds after the last one. Nothing here reads a clock:
//! the times come from the model's, which the app's tick moves on.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// How many keys stay on screen.
pub const KEPT: usize = 6;

/// How long the keys stay after the last one was pressed: long enough to be
/// read aloud from the back of a room.
pub const SHOWN: Duration = Duration::from_secs(3);

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
    /// When the last key was pressed.
    last: Option<Instant>,
}

impl KeyCast {
    /// Records `key`, pressed at `now`; `typing` (the editor has the keys)
    /// groups characters into words, elsewhere a character is a key of its
    /// own (`1`, `?`).
    pub fn push(&mut self, key: &KeyEvent, typing: bool, now: Instant) {
        self.last = Some(now);
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

    /// Clears the keys once `SHOWN` has passed since the last one; true when
    /// that changed what is on screen.
    pub fn fade(&mut self, now: Instant) -> bool {
        let faded = self
            .last
            .is_some_and(|last| now.saturating_duration_since(last) >= SHOWN);
        if faded && !self.keys.is_empty() {
            self.keys.clear();
            return true;
        }
        false
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
        cast.push(&KeyEvent::new(code, modifiers), true, Instant::now());
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
            Instant::now(),
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

    #[test]
    fn keys_fade_a_while_after_the_last_one() {
        let mut cast = KeyCast::default();
        let t0 = Instant::now();
        let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
        cast.push(&f5, false, t0);
        cast.push(&f5, false, t0 + Duration::from_secs(2));
        // Counted from the last key, not the first.
        assert!(!cast.fade(t0 + SHOWN));
        assert_eq!(cast.keys().count(), 2);
        assert!(cast.fade(t0 + Duration::from_secs(2) + SHOWN));
        assert!(cast.is_empty());
        assert!(
            !cast.fade(t0 + Duration::from_secs(60)),
            "nothing left to fade"
        );
    }
}
