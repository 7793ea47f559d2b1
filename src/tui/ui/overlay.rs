//! Help, the unsaved-changes question and the search prompt, drawn on top.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::model::{Model, Overlay};

/// Every key, in the help overlay and the docs.
pub const KEYS: &[(&str, &str)] = &[
    ("F5, Ctrl-R", "build and run the image"),
    ("Esc", "cancel the build or tune in flight"),
    ("F8", "tune: the smallest image that still works"),
    ("F2", "auto-rebuild after a toggle on/off"),
    ("Tab, Shift-Tab, click", "move focus between panes"),
    ("Ctrl-S", "save the Dockerfile (atomically)"),
    ("Ctrl-Q", "quit (asks when there are unsaved changes)"),
    ("Ctrl-Z, Ctrl-Y", "undo, redo (toggles too)"),
    ("Ctrl-F", "search the Dockerfile"),
    ("Ctrl-T", "next theme: dark, light, high-contrast"),
    ("Ctrl-E", "export the variants table as Markdown"),
    ("Toggles: ←/→", "change the runtime base"),
    ("Toggles: Space, Enter", "switch a toggle on or off"),
    ("Stages: Enter", "go to the stage's FROM line"),
    ("Layers: ↑/↓", "select a layer and show its line"),
    (
        "Build · Run: ↑/↓ PgUp PgDn End",
        "scroll the log; End follows it",
    ),
    ("Variants: Enter", "put that variant's Dockerfile back"),
    ("F1, ?", "this help"),
];

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn render(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let (title, lines, width, height): (&str, Vec<Line>, u16, u16) = match &model.overlay {
        Overlay::None => return,
        Overlay::Help => {
            let lines = KEYS
                .iter()
                .map(|(k, what)| Line::from(format!("{k:<31} {what}")))
                .chain([Line::from(""), Line::from("Any key closes this help.")])
                .collect();
            ("Keys", lines, 86, KEYS.len() as u16 + 4)
        }
        Overlay::ConfirmQuit => (
            "Unsaved changes",
            vec![
                Line::from("The Dockerfile has changes that are not saved."),
                Line::from(""),
                Line::from("s  save and quit    y  quit without saving    any other key  stay"),
            ],
            72,
            5,
        ),
        Overlay::Search(pattern) => ("Search", vec![Line::from(format!("/{pattern}"))], 50, 3),
        Overlay::ConfirmTune(offer) => {
            let shown = usize::from(area.height.saturating_sub(10)).clamp(1, 12);
            let skip = offer.steps.len().saturating_sub(shown);
            let mut lines: Vec<Line> = offer
                .steps
                .iter()
                .skip(skip)
                .map(|s| Line::from(format!("• {s}")))
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(format!("Tuned: {}", offer.summary)));
            lines.push(Line::from(""));
            lines.push(Line::from(
                "y  write it to the Dockerfile    e  load it into the editor only    Esc  keep yours",
            ));
            let height = u16::try_from(lines.len() + 2)
                .unwrap_or(u16::MAX)
                .saturating_add(6);
            ("Tune found a smaller image", lines, 110, height)
        }
        Overlay::RestoreOffer(text) => (
            "Unsaved work found",
            vec![
                Line::from(format!(
                    "dockstage stopped with unsaved changes to this file ({} lines).",
                    text.lines().count()
                )),
                Line::from(""),
                Line::from("r  restore them    any other key  keep the file as saved"),
            ],
            72,
            5,
        ),
    };
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(model.theme.border(true))
        .title(format!(" {title} "));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(model.theme.text()),
        rect,
    );
}
