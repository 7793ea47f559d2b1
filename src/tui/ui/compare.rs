//! Two variants' images compared, drawn over the workbench: the headline
//! to paste into a slide, the size change per directory and the largest
//! file differences, or why the comparison could not be made.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::cut::keep_end;
use crate::human::human_bytes;
use crate::tui::compare::Compare;
use crate::tui::files_view::FilesLoad;
use crate::tui::model::Model;
use crate::workbench::image_files::ImageDiff;
use crate::workbench::image_files::diff::signed_bytes;

/// Draws the comparison centred over `area` (everything above the status line).
pub fn render(model: &Model, compare: &Compare, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let width = area.width.saturating_sub(4).min(110);
    let height = area.height.saturating_sub(2);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    let title = format!(
        " Compare {} → {} ",
        compare.before.label, compare.after.label
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .style(theme.base())
        .title(Span::styled(
            title,
            theme.border(true).add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let inner_w = usize::from(inner.width);
    let lines: Vec<Line> = match &compare.result {
        None => {
            let progress = |image: &str| match model.files.get(image) {
                Some(FilesLoad::Reading {
                    layers_read,
                    bytes_read,
                }) => format!("{layers_read} layers, {}", human_bytes(*bytes_read)),
                Some(FilesLoad::Ready(_)) => "read".to_string(),
                _ => "waiting".to_string(),
            };
            vec![
                Line::styled(
                    "reading both images' files from their exports…",
                    theme.dim(),
                ),
                Line::from(format!(
                    "{}: {}",
                    compare.before.label,
                    progress(&compare.before.image)
                )),
                Line::from(format!(
                    "{}: {}",
                    compare.after.label,
                    progress(&compare.after.image)
                )),
            ]
        }
        Some(Err(why)) => vec![Line::styled(why.clone(), theme.error())],
        Some(Ok(d)) => diff_lines(model, d, inner_w),
    };
    let keys = if inner_w >= 90 {
        "↑/↓ PgUp PgDn scroll · Esc closes · Ctrl-E exports it below the variants table"
    } else {
        "↑/↓ scroll · Esc closes · Ctrl-E exports it"
    };
    let room = usize::from(inner.height.saturating_sub(1));
    let scroll = compare.scroll.min(lines.len().saturating_sub(room));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(room).collect();
    let body = Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), body);
    frame.render_widget(
        Paragraph::new(keys).style(theme.dim()),
        Rect {
            y: inner.y + inner.height.saturating_sub(1),
            height: 1,
            ..inner
        },
    );
}

fn diff_lines(model: &Model, d: &ImageDiff, width: usize) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let change_style = |delta: i64| {
        if delta < 0 {
            Style::default().fg(theme.ok)
        } else {
            Style::default().fg(theme.warning)
        }
    };
    let mut lines = vec![
        Line::styled(d.headline(3), theme.text().add_modifier(Modifier::BOLD)),
        Line::styled(
            format!(
                "{} → {} · {} files only in {}, {} only in {}, {} changed",
                human_bytes(d.before_bytes),
                human_bytes(d.after_bytes),
                d.only_before,
                d.before,
                d.only_after,
                d.after,
                d.changed
            ),
            theme.dim(),
        ),
        Line::from(""),
    ];
    let num = 10;
    let path_w = width.saturating_sub(3 * (num + 1)).max(8);
    lines.push(Line::styled(
        format!(
            "{:<path_w$} {:>num$} {:>num$} {:>num$}",
            "directory", "before", "after", "change"
        ),
        theme.dim().add_modifier(Modifier::UNDERLINED),
    ));
    for dir in d.dirs.iter().take(12) {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<path_w$} {:>num$} {:>num$} ",
                    keep_end(&dir.path, path_w),
                    human_bytes(dir.before_bytes),
                    human_bytes(dir.after_bytes)
                ),
                theme.text(),
            ),
            Span::styled(
                format!("{:>num$}", signed_bytes(dir.delta())),
                change_style(dir.delta()),
            ),
        ]));
    }
    if d.dirs.is_empty() {
        lines.push(Line::styled("no directory changed size", theme.dim()));
    }
    lines.push(Line::from(""));
    let file_w = width.saturating_sub(num + 14).max(8);
    lines.push(Line::styled(
        format!(
            "{:<file_w$} {:>12} {:>num$}",
            "largest differences", "", "change"
        ),
        theme.dim().add_modifier(Modifier::UNDERLINED),
    ));
    for f in d.files.iter().take(40) {
        let note = match (f.before_bytes, f.after_bytes) {
            (Some(_), None) => "only before",
            (None, Some(_)) => "only after",
            _ => "size",
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<file_w$} {:>12} ",
                    keep_end(&format!("/{}", f.path), file_w),
                    note
                ),
                theme.text(),
            ),
            Span::styled(
                format!("{:>num$}", signed_bytes(f.delta())),
                change_style(f.delta()),
            ),
        ]));
    }
    if d.files.is_empty() {
        lines.push(Line::styled(
            "the two images hold the same files",
            theme.dim(),
        ));
    }
    lines
}
