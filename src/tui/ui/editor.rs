//! The editor, drawn by our own widget: ratatui-textarea keeps the text,
//! cursor, selection and undo; this draws the syntect colours, the line
//! numbers, lint marks in the gutter and the failing line. Long lines wrap
//! (a cut comment loses its point), each further row marked `↪` in the
//! gutter; `update` scrolls and maps clicks by the same rows.

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

/// Columns of text in the editor drawn in `rect`, after border and gutter.
pub fn text_width(model: &Model, rect: Rect) -> usize {
    usize::from(rect.width.saturating_sub(2 + gutter_width(model))).max(1)
}

/// Where each screen row of `text` starts (character indices) when it
/// wraps at `width`: after the last space that fits, or mid-word when a
/// word is longer than a row.
pub fn row_starts(text: &str, width: usize) -> Vec<usize> {
    // Most lines fit: no need to look at their characters.
    if text.len() <= width {
        return vec![0];
    }
    let chars: Vec<char> = text.chars().collect();
    let mut starts = vec![0];
    let mut start = 0;
    while chars.len() - start > width {
        let end = start + width;
        let cut = (start + 1..=end)
            .rev()
            .find(|&i| chars[i - 1] == ' ' && i > start + 1)
            .unwrap_or(end);
        starts.push(cut);
        start = cut;
    }
    starts
}

/// The rows of 0-based `row` at `width`. The cursor's line gets a row more
/// when its last row is full, so the cursor after the last character shows.
pub fn starts_of(model: &Model, row: usize, width: usize) -> Vec<usize> {
    let text = model.editor.lines().get(row).map_or("", String::as_str);
    let mut starts = row_starts(text, width);
    let len = text.chars().count();
    if row == model.editor.cursor().0 && starts.last().is_some_and(|s| len - s >= width) {
        starts.push(len);
    }
    starts
}

/// Screen rows 0-based `row` takes when wrapped at `width`.
pub fn rows_of(model: &Model, row: usize, width: usize) -> usize {
    starts_of(model, row, width).len()
}

/// The screen row within its line, and the column, of character `col`.
fn place(starts: &[usize], col: usize) -> (usize, usize) {
    let k = starts.iter().rposition(|&s| s <= col).unwrap_or(0);
    (k, col - starts.get(k).copied().unwrap_or(0))
}

/// The first line on screen that keeps the cursor in view in an editor of
/// `height` rows, scrolling from `top` as little as it can.
pub fn top_for_cursor(model: &Model, top: usize, height: usize, width: usize) -> usize {
    let ratatui_textarea::DataCursor(row, col) = model.editor.cursor();
    if row < top {
        return row;
    }
    let (sub, _) = place(&starts_of(model, row, width), col);
    let mut top = top;
    let mut used: usize = (top..row).map(|r| rows_of(model, r, width)).sum::<usize>() + sub + 1;
    while used > height && top < row {
        used -= rows_of(model, top, width);
        top += 1;
    }
    top
}

/// The text position under screen cell (`x`, `y`) of the editor in `rect`.
pub fn position_at(model: &Model, rect: Rect, x: u16, y: u16) -> (usize, usize) {
    let width = text_width(model, rect);
    let mut left = usize::from(y.saturating_sub(rect.y + 1));
    let col = usize::from(x.saturating_sub(rect.x + 1 + gutter_width(model)));
    let last = model.editor.lines().len().saturating_sub(1);
    let mut row = model.editor_top;
    while row < last {
        let rows = rows_of(model, row, width);
        if left < rows {
            break;
        }
        left -= rows;
        row += 1;
    }
    let starts = starts_of(model, row, width);
    let at = starts.get(left).or(starts.last()).copied().unwrap_or(0);
    let end = starts.get(left + 1).map_or(usize::MAX, |next| next - 1);
    (row, (at + col).min(end))
}

/// Cuts a line's spans into rows starting at `starts` (character indices).
fn wrap(spans: Vec<Span<'static>>, starts: &[usize]) -> Vec<Vec<Span<'static>>> {
    let mut out: Vec<Vec<Span<'static>>> = vec![Vec::new(); starts.len().max(1)];
    let mut at = 0usize;
    for span in spans {
        let mut rest: &str = &span.content;
        while !rest.is_empty() {
            let (k, _) = place(starts, at);
            let room = starts.get(k + 1).map_or(usize::MAX, |next| next - at);
            let take = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
            let (head, tail) = rest.split_at(take);
            at += head.chars().count();
            if let Some(row) = out.get_mut(k) {
                row.push(Span::styled(head.to_string(), span.style));
            }
            rest = tail;
        }
    }
    out
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
    let width = text_width(model, rect);
    let height = usize::from(inner.height);
    let mut lines = Vec::new();
    let mut cursor_at = None;
    for row in top.. {
        if lines.len() >= height {
            break;
        }
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
        let gutter_spans = vec![
            Span::styled(format!("{line_no:>digits$} "), number_style),
            Span::styled(mark.to_string(), mark_style),
            Span::raw(" "),
        ];
        let mut spans = Vec::new();
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
        let starts = starts_of(model, row, width);
        if row == cursor_row {
            let (sub, x) = place(&starts, cursor_col);
            cursor_at = Some((lines.len() + sub, x));
        }
        for (k, content) in wrap(spans, &starts).into_iter().enumerate() {
            let mut cells = if k == 0 {
                gutter_spans.clone()
            } else {
                vec![Span::styled(format!("{:>digits$} ↪ ", ""), theme.dim())]
            };
            cells.extend(content);
            let mut line = Line::from(cells);
            if row == cursor_row && !theme.is_monochrome() {
                line = line.style(Style::default().bg(theme.cursor_line_bg));
            }
            lines.push(line);
        }
    }
    lines.truncate(height);
    frame.render_widget(Paragraph::new(lines), inner);
    if let (Pane::Editor, Some((y, x))) = (model.focus, cursor_at) {
        let x = inner
            .x
            .saturating_add(gutter)
            .saturating_add(u16::try_from(x).unwrap_or(u16::MAX));
        let y = inner.y.saturating_add(u16::try_from(y).unwrap_or(u16::MAX));
        if x < inner.right() && y < inner.bottom() {
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::row_starts;

    #[test]
    fn long_lines_wrap_after_a_space_and_long_words_are_cut() {
        assert_eq!(row_starts("short", 10), [0]);
        assert_eq!(row_starts("", 10), [0]);
        // "# toggle " fits in 10; "them in" starts the next row.
        assert_eq!(row_starts("# toggle them in", 10), [0, 9]);
        assert_eq!(row_starts("abcdefghijklmnopqrstuvwxy", 10), [0, 10, 20]);
    }
}
