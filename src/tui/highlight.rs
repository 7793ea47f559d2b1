//! Dockerfile colours from syntect, with two-face's syntax set (syntect alone
//! has no Dockerfile grammar). Highlighting is incremental: after an edit only
//! the lines from the first change on are redone, and only until the parser
//! state matches what it was before, so a keystroke costs a line or two.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{
    HighlightState, Highlighter as SyntectHighlighter, RangedHighlightIterator, Theme,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

fn themes() -> &'static two_face::theme::LazyThemeSet {
    static SET: OnceLock<two_face::theme::LazyThemeSet> = OnceLock::new();
    SET.get_or_init(|| two_face::theme::extra().into())
}

/// One coloured piece of a line.
pub type Piece = (Style, String);

#[derive(Clone)]
struct Line {
    text: String,
    /// Parser and highlighter state at the start of the line.
    start: (ParseState, HighlightState),
    pieces: Vec<Piece>,
}

/// The coloured lines of the file being edited.
#[derive(Clone, Default)]
pub struct Highlighted {
    theme_name: Option<String>,
    comment: Option<Color>,
    /// The syntect theme with the comment colour over it.
    theme: Option<Theme>,
    lines: Vec<Line>,
}

impl std::fmt::Debug for Highlighted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Highlighted({} lines)", self.lines.len())
    }
}

fn dockerfile_syntax() -> &'static SyntaxReference {
    let set = syntaxes();
    set.find_syntax_by_name("Dockerfile")
        .or_else(|| set.find_syntax_by_extension("dockerfile"))
        .unwrap_or_else(|| set.find_syntax_plain_text())
}

fn to_style(s: syntect::highlighting::Style) -> Style {
    let mut style = Style::default().fg(Color::Rgb(s.foreground.r, s.foreground.g, s.foreground.b));
    if s.font_style
        .contains(syntect::highlighting::FontStyle::BOLD)
    {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.font_style
        .contains(syntect::highlighting::FontStyle::ITALIC)
    {
        style = style.add_modifier(Modifier::ITALIC);
    }
    style
}

impl Highlighted {
    /// Colours `lines` with the syntect theme `theme_name` (`None`: no colour),
    /// comments in `comment` when given, reusing every line whose text and
    /// starting state are unchanged.
    pub fn update(&mut self, lines: &[String], theme_name: Option<&str>, comment: Option<Color>) {
        if self.theme_name.as_deref() != theme_name || self.comment != comment {
            self.lines.clear();
            self.theme_name = theme_name.map(str::to_string);
            self.comment = comment;
            self.theme = theme_name
                .and_then(|n| themes().get(n))
                .map(|t| with_comment(t, comment));
        }
        let Some(theme) = self.theme.as_ref() else {
            self.lines = lines
                .iter()
                .map(|t| Line {
                    text: t.clone(),
                    start: initial_state(&Theme::default()),
                    pieces: vec![(Style::default(), t.clone())],
                })
                .collect();
            return;
        };
        let highlighter = SyntectHighlighter::new(theme);
        let old = std::mem::take(&mut self.lines);
        let prefix = old
            .iter()
            .zip(lines)
            .take_while(|(o, n)| o.text == **n)
            .count();
        let mut state = match (
            old.get(prefix),
            prefix.checked_sub(1).and_then(|p| old.get(p)),
        ) {
            (Some(line), _) => line.start.clone(),
            (None, Some(previous)) => end_state(previous, &highlighter),
            (None, None) => initial_state(theme),
        };
        let mut out: Vec<Line> = old.get(..prefix).unwrap_or(&[]).to_vec();
        // Lines after the edit line up with the old ones counted from the end.
        let shift = lines.len() as isize - old.len() as isize;
        for (i, text) in lines.iter().enumerate().skip(prefix) {
            let j = i as isize - shift;
            if j >= prefix as isize
                && let Some(candidate) = old.get(j as usize)
                && candidate.text == *text
                && candidate.start == state
            {
                // Same text from the same state: this line and all after it are as before.
                out.extend(old.get(j as usize..).unwrap_or(&[]).iter().cloned());
                break;
            }
            let (line, next) = highlight_line(text, state, &highlighter);
            state = next;
            out.push(line);
        }
        self.lines = out;
    }

    /// The pieces of 0-based `line`, or nothing past the end.
    pub fn line(&self, line: usize) -> &[Piece] {
        self.lines.get(line).map_or(&[], |l| l.pieces.as_slice())
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// `theme` with comments drawn in `comment`: every rule of the theme that
/// names a comment scope takes the colour, and a rule for `comment` covers
/// themes that have none.
fn with_comment(theme: &Theme, comment: Option<Color>) -> Theme {
    let mut theme = theme.clone();
    let Some(Color::Rgb(r, g, b)) = comment else {
        return theme;
    };
    let colour = syntect::highlighting::Color { r, g, b, a: 0xff };
    let names_comment = |item: &syntect::highlighting::ThemeItem| {
        item.scope.selectors.iter().any(|sel| {
            sel.path
                .as_slice()
                .iter()
                .any(|s| s.build_string().contains("comment"))
        })
    };
    for item in theme.scopes.iter_mut().filter(|i| names_comment(i)) {
        item.style.foreground = Some(colour);
    }
    if let Ok(scope) = "comment".parse::<syntect::highlighting::ScopeSelectors>() {
        theme.scopes.push(syntect::highlighting::ThemeItem {
            scope,
            style: syntect::highlighting::StyleModifier {
                foreground: Some(colour),
                background: None,
                font_style: None,
            },
        });
    }
    theme
}

fn initial_state(theme: &Theme) -> (ParseState, HighlightState) {
    let highlighter = SyntectHighlighter::new(theme);
    (
        ParseState::new(dockerfile_syntax()),
        HighlightState::new(&highlighter, ScopeStack::new()),
    )
}

fn end_state(line: &Line, highlighter: &SyntectHighlighter<'_>) -> (ParseState, HighlightState) {
    highlight_line(&line.text, line.start.clone(), highlighter).1
}

fn highlight_line(
    text: &str,
    start: (ParseState, HighlightState),
    highlighter: &SyntectHighlighter<'_>,
) -> (Line, (ParseState, HighlightState)) {
    let (mut parse, mut highlight) = start.clone();
    let with_newline = format!("{text}\n");
    let ops = parse
        .parse_line(&with_newline, syntaxes())
        .unwrap_or_default();
    let pieces: Vec<Piece> =
        RangedHighlightIterator::new(&mut highlight, &ops, &with_newline, highlighter)
            .filter_map(|(style, piece, _)| {
                let piece = piece.trim_end_matches('\n');
                (!piece.is_empty()).then(|| (to_style(style), piece.to_string()))
            })
            .collect();
    (
        Line {
            text: text.to_string(),
            start,
            pieces,
        },
        (parse, highlight),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn keywords_get_a_colour_of_their_own() {
        let mut h = Highlighted::default();
        h.update(
            &lines("FROM golang:1.24 AS builder\nRUN go build -o /app .\n"),
            Some("base16-eighties.dark"),
            None,
        );
        let first = h.line(0);
        let text: String = first.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(text, "FROM golang:1.24 AS builder");
        let from_style = first.first().map(|(s, _)| *s);
        let rest_style = first.last().map(|(s, _)| *s);
        assert_ne!(from_style, rest_style, "{first:?}");
    }

    #[test]
    fn incremental_update_matches_a_fresh_one() {
        let before = lines("FROM a\nRUN echo \\\n  hi\nCOPY . .\nCMD [\"x\"]\n");
        let after = lines("FROM a\nRUN echo \\\n  hello there\nCOPY . .\nENV A=b\nCMD [\"x\"]\n");
        let mut inc = Highlighted::default();
        inc.update(&before, Some("base16-eighties.dark"), None);
        inc.update(&after, Some("base16-eighties.dark"), None);
        let mut fresh = Highlighted::default();
        fresh.update(&after, Some("base16-eighties.dark"), None);
        for i in 0..after.len() {
            assert_eq!(inc.line(i), fresh.line(i), "line {i}");
        }
        assert_eq!(inc.len(), after.len());
    }

    #[test]
    fn comments_take_the_colour_given_over_the_themes() {
        let text = lines("# a comment\nFROM a\n");
        let mut plain = Highlighted::default();
        plain.update(&text, Some("base16-ocean.dark"), None);
        let grey = plain.line(0).first().map(|(s, _)| s.fg);
        let bright = Color::Rgb(0xff, 0xd7, 0xaf);
        assert_ne!(grey, Some(Some(bright)));
        let mut h = Highlighted::default();
        h.update(&text, Some("base16-ocean.dark"), Some(bright));
        assert!(
            h.line(0).iter().all(|(s, _)| s.fg == Some(bright)),
            "{:?}",
            h.line(0)
        );
        // The code keeps the theme's colours.
        assert_eq!(h.line(1), plain.line(1));
    }

    #[test]
    fn no_colour_keeps_the_text() {
        let mut h = Highlighted::default();
        h.update(&lines("FROM a\n"), None, None);
        assert_eq!(h.line(0), &[(Style::default(), "FROM a".to_string())]);
    }
}
