//! Themes are data: TOML palettes in themes/, embedded in the binary, with
//! `inherits` so a theme states only what differs. NO_COLOR turns colour off.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUNDLED: [(&str, &str); 3] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// Names of the bundled themes, in the order the theme key cycles them.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

#[derive(Debug, Clone, Default, Deserialize)]
struct ThemeFile {
    inherits: Option<String>,
    #[serde(default)]
    palette: PaletteFile,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct PaletteFile {
    text: Option<String>,
    dim: Option<String>,
    accent: Option<String>,
    focus: Option<String>,
    ok: Option<String>,
    warning: Option<String>,
    error: Option<String>,
    info: Option<String>,
    selection_bg: Option<String>,
    cursor_line_bg: Option<String>,
    bar: Option<String>,
    status_bg: Option<String>,
    background: Option<String>,
    comment: Option<String>,
    syntax: Option<String>,
}

impl PaletteFile {
    /// `self` over `base`: fields this file sets win.
    fn over(self, base: PaletteFile) -> PaletteFile {
        PaletteFile {
            text: self.text.or(base.text),
            dim: self.dim.or(base.dim),
            accent: self.accent.or(base.accent),
            focus: self.focus.or(base.focus),
            ok: self.ok.or(base.ok),
            warning: self.warning.or(base.warning),
            error: self.error.or(base.error),
            info: self.info.or(base.info),
            selection_bg: self.selection_bg.or(base.selection_bg),
            cursor_line_bg: self.cursor_line_bg.or(base.cursor_line_bg),
            bar: self.bar.or(base.bar),
            status_bg: self.status_bg.or(base.status_bg),
            background: self.background.or(base.background),
            comment: self.comment.or(base.comment),
            syntax: self.syntax.or(base.syntax),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme named `{0}`; themes are: dark, light, high-contrast")]
    Unknown(String),
    #[error("theme `{name}`: {reason}")]
    Invalid { name: String, reason: String },
}

/// The colours every pane draws with.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Color,
    pub dim: Color,
    pub accent: Color,
    pub focus: Color,
    pub ok: Color,
    pub warning: Color,
    pub error: Color,
    pub info: Color,
    pub selection_bg: Color,
    pub cursor_line_bg: Color,
    pub bar: Color,
    pub status_bg: Color,
    /// A background of the theme's own, painted under every pane; `None`
    /// keeps the terminal's, which a projector may wash out.
    pub background: Option<Color>,
    /// Comments in the editor, over the syntax theme's colour: syntax themes
    /// draw them in a grey that disappears on a projector.
    pub comment: Option<Color>,
    /// The syntect theme for Dockerfile colours; `None` with NO_COLOR.
    pub syntax: Option<String>,
}

fn load_file(name: &str) -> Result<ThemeFile, ThemeError> {
    let text = BUNDLED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| ThemeError::Unknown(name.to_string()))?;
    toml::from_str(text).map_err(|e| ThemeError::Invalid {
        name: name.to_string(),
        reason: e.to_string(),
    })
}

fn color(name: &str, field: &str, value: Option<&str>) -> Result<Color, ThemeError> {
    let value = value.ok_or_else(|| ThemeError::Invalid {
        name: name.to_string(),
        reason: format!("`{field}` is not set"),
    })?;
    value.parse::<Color>().map_err(|_| ThemeError::Invalid {
        name: name.to_string(),
        reason: format!("`{field}` = `{value}` is not a colour"),
    })
}

/// A colour a theme may leave unset.
fn optional(name: &str, field: &str, value: &Option<String>) -> Result<Option<Color>, ThemeError> {
    value
        .as_deref()
        .map(|v| color(name, field, Some(v)))
        .transpose()
}

impl Theme {
    /// A bundled theme by name, following `inherits`.
    pub fn named(name: &str) -> Result<Theme, ThemeError> {
        let mut chain = vec![load_file(name)?];
        while let Some(parent) = chain.last().and_then(|f| f.inherits.clone()) {
            if chain.len() > BUNDLED.len() {
                return Err(ThemeError::Invalid {
                    name: name.to_string(),
                    reason: "`inherits` goes round in a circle".into(),
                });
            }
            chain.push(load_file(&parent)?);
        }
        let palette = chain
            .into_iter()
            .rev()
            .fold(PaletteFile::default(), |acc, f| f.palette.over(acc));
        let c = |field: &str, v: &Option<String>| color(name, field, v.as_deref());
        Ok(Theme {
            name: name.to_string(),
            text: c("text", &palette.text)?,
            dim: c("dim", &palette.dim)?,
            accent: c("accent", &palette.accent)?,
            focus: c("focus", &palette.focus)?,
            ok: c("ok", &palette.ok)?,
            warning: c("warning", &palette.warning)?,
            error: c("error", &palette.error)?,
            info: c("info", &palette.info)?,
            selection_bg: c("selection_bg", &palette.selection_bg)?,
            cursor_line_bg: c("cursor_line_bg", &palette.cursor_line_bg)?,
            bar: c("bar", &palette.bar)?,
            status_bg: c("status_bg", &palette.status_bg)?,
            background: optional(name, "background", &palette.background)?,
            comment: optional(name, "comment", &palette.comment)?,
            syntax: palette.syntax,
        })
    }

    /// No colour at all, for NO_COLOR: meaning is carried by marks and
    /// bold/reverse instead.
    pub fn monochrome() -> Theme {
        Theme {
            name: "no-color".into(),
            text: Color::Reset,
            dim: Color::Reset,
            accent: Color::Reset,
            focus: Color::Reset,
            ok: Color::Reset,
            warning: Color::Reset,
            error: Color::Reset,
            info: Color::Reset,
            selection_bg: Color::Reset,
            cursor_line_bg: Color::Reset,
            bar: Color::Reset,
            status_bg: Color::Reset,
            background: None,
            comment: None,
            syntax: None,
        }
    }

    pub fn is_monochrome(&self) -> bool {
        self.syntax.is_none()
    }

    /// The theme after this one in the cycle.
    pub fn next(&self) -> Theme {
        let all: Vec<&str> = names().collect();
        let at = all
            .iter()
            .position(|n| *n == self.name)
            .map_or(0, |i| (i + 1) % all.len());
        Theme::named(all[at]).unwrap_or_else(|_| self.clone())
    }

    pub fn text(&self) -> Style {
        Style::default().fg(self.text)
    }

    /// What every cell starts as: the text colour on the theme's background.
    pub fn base(&self) -> Style {
        let style = self.text();
        match self.background {
            Some(bg) => style.bg(bg),
            None => style,
        }
    }

    pub fn dim(&self) -> Style {
        if self.is_monochrome() {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(self.dim)
        }
    }

    pub fn error(&self) -> Style {
        if self.is_monochrome() {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::default().fg(self.error)
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.is_monochrome()) {
            (true, true) => Style::default().add_modifier(Modifier::BOLD),
            (true, false) => Style::default().fg(self.focus),
            (false, _) => self.dim(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_theme_loads_and_inherits() {
        for name in names() {
            let t = Theme::named(name);
            assert!(t.is_ok(), "{name}: {t:?}");
        }
        let light = Theme::named("light").ok();
        assert_eq!(light.map(|t| t.error), Some(Color::Rgb(0xd7, 0, 0)));
        assert!(matches!(Theme::named("neon"), Err(ThemeError::Unknown(_))));
    }

    #[test]
    fn high_contrast_has_its_own_background_and_bright_comments() {
        let Ok(t) = Theme::named("high-contrast") else {
            panic!("high-contrast does not load");
        };
        assert_eq!(t.background, Some(Color::Rgb(0, 0, 0)));
        // Bright: every channel of the comment colour is well above grey.
        let Some(Color::Rgb(r, g, b)) = t.comment else {
            panic!("no comment colour: {:?}", t.comment);
        };
        assert!(
            u32::from(r) + u32::from(g) + u32::from(b) > 3 * 0xb0,
            "{r} {g} {b}"
        );
        // dark keeps the terminal's own background.
        assert_eq!(Theme::named("dark").ok().and_then(|t| t.background), None);
    }

    #[test]
    fn cycling_visits_every_theme() {
        let mut t = Theme::named("dark").unwrap_or_else(|_| Theme::monochrome());
        let mut seen = vec![t.name.clone()];
        for _ in 0..3 {
            t = t.next();
            seen.push(t.name.clone());
        }
        assert_eq!(seen, ["dark", "light", "high-contrast", "dark"]);
    }
}
