//! The editor, drawn by our own widget: ratatui-textarea keeps the text,
//! cursor, selection and undo; this draws the syntect colours, the line
//! numbers, lint marks in the gutter and the failing line.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::dockerfile::Severity;
use crate::tui::model::{Model, Pane};
use crate::tui::ui::block;

/// Columns before the text: the line number, a mark and a space.
pub fn gutter_width(model: &Model) -> u16 {
    let digits = model.editor.lines().len().max(1).to_string().len();
    u16::try_from(digits + 3).unwrap_or(6)
}

pub fn first_visible(model: &Model, _rect: Rect) -> usize {
    model.editor_top
}

fn title(model: &Model) -> String {
    let name = model
        .file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = model
        .file
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dirty = if model.dirty() { " ●" } else { "" };
    format!("{} ─ {dir}/{name}{dirty}", Pane::Editor.title())
}

pub fn render(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let block = block(model, Pane::Editor, title(model));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let gutter = gutter_width(model);
    let digits = usize::from(gutter) - 3;
    let top = model.editor_top;
    let ratatui_textarea::DataCursor(cursor_row, cursor_col) = model.editor.cursor();
    let selection = model.editor.selection_range();
    let mut lines = Vec::new();
    for row in top..top + usize::from(inner.height) {
        let Some(text) = model.editor.lines().get(row) else {
            break;
        };
        let line_no = row + 1;
        let failed = model.is_failed_line(line_no);
        let (mark, mark_style) = match (failed, model.diagnostic_at(line_no).map(|d| d.severity)) {
            (true, _) => ("✗", theme.error()),
            (false, Some(Severity::Error)) => ("E", theme.error()),
            (false, Some(Severity::Warning)) => ("W", Style::default().fg(theme.warning)),
            (false, Some(Severity::Info)) => ("i", Style::default().fg(theme.info)),
            (false, None) => (" ", Style::default()),
        };
        let number_style = if row == cursor_row {
            theme.text().add_modifier(Modifier::BOLD)
        } else {
            theme.dim()
        };
        let mut spans = vec![
            Span::styled(format!("{line_no:>digits$} "), number_style),
            Span::styled(mark.to_string(), mark_style),
            Span::raw(" "),
        ];
        let pieces = model.highlighted.line(row);
        let highlighted_text: String = pieces.iter().map(|(_, t)| t.as_str()).collect();
        let base: Vec<(Style, String)> = if highlighted_text == *text {
            pieces.to_vec()
        } else {
            vec![(theme.text(), text.clone())]
        };
        let line_style = if failed {
            theme.error().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let row_selected = selection.is_some_and(|((r1, _), (r2, _))| r1 <= row && row <= r2);
        let monochrome = theme.is_monochrome();
        if !row_selected {
            // The common case: whole pieces, no per-character work.
            for (style, piece) in base {
                let s = if failed {
                    line_style
                } else if monochrome {
                    Style::default()
                } else {
                    style
                };
                spans.push(Span::styled(piece.replace('\t', " "), s));
            }
        } else {
            let mut col = 0usize;
            for (style, piece) in base {
                for ch in piece.chars() {
                    let selected = selection.is_some_and(|((r1, c1), (r2, c2))| {
                        (row, col) >= (r1, c1) && (row, col) < (r2, c2)
                    });
                    let mut s = if failed {
                        line_style
                    } else if monochrome {
                        Style::default()
                    } else {
                        style
                    };
                    if selected {
                        s = s.bg(theme.selection_bg).add_modifier(Modifier::REVERSED);
                    }
                    let shown = if ch == '\t' { ' ' } else { ch };
                    spans.push(Span::styled(shown.to_string(), s));
                    col += 1;
                }
            }
        }
        let mut line = Line::from(spans);
        if row == cursor_row && !theme.is_monochrome() {
            line = line.style(Style::default().bg(theme.cursor_line_bg));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if model.focus == Pane::Editor && cursor_row >= top {
        let x = inner
            .x
            .saturating_add(gutter)
            .saturating_add(u16::try_from(cursor_col).unwrap_or(u16::MAX));
        let y = inner
            .y
            .saturating_add(u16::try_from(cursor_row - top).unwrap_or(u16::MAX));
        if x < inner.right() && y < inner.bottom() {
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}
