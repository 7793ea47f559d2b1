//! The Files view drawn over the panes: the layer or image it shows, the
//! filter, the tree with sizes, and beside it (or below, on a small
//! terminal) the largest files or a file's first lines. It reads the
//! view's rows and the cached files; nothing is worked out here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::cut::{keep_end, keep_start};
use crate::engine::layers::short_created_by;
use crate::human::human_bytes;
use crate::tui::files_view::{FilesLoad, FilesView, PreviewText, Row, Scope, Side};
use crate::tui::model::Model;
use crate::workbench::image_files::{ChangeKind, ImageFiles};

/// Draws the view over `area` (everything above the status line).
pub fn render(model: &Model, view: &FilesView, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border(true))
        .style(theme.base())
        .title(Span::styled(
            format!(" ▶ Files · {} ", short_id(&view.image)),
            theme.border(true).add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 4 {
        return;
    }
    let [head, body, keys] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let files = match model.files.get(&view.image) {
        Some(FilesLoad::Ready(files)) => files,
        Some(FilesLoad::Reading {
            layers_read,
            bytes_read,
        }) => {
            let text = format!(
                "reading the image's files from its export… {layers_read} layers, {} so far",
                human_bytes(*bytes_read)
            );
            frame.render_widget(Paragraph::new(text).style(theme.dim()), head);
            frame.render_widget(key_line(model, "Esc back"), keys);
            return;
        }
        Some(FilesLoad::Failed(e)) => {
            let text = if e.gone {
                "the image is gone (the build cache keeps the builds used last): F5 builds it again"
                    .to_string()
            } else {
                format!("the image's files could not be read: {}", e.message)
            };
            frame.render_widget(
                Paragraph::new(text)
                    .style(theme.error())
                    .wrap(Wrap { trim: true }),
                Rect {
                    height: head.height + body.height,
                    ..head
                },
            );
            frame.render_widget(
                key_line(model, "Esc back · Enter in Layers tries again"),
                keys,
            );
            return;
        }
        None => {
            frame.render_widget(
                Paragraph::new("no Docker daemon to read the image from").style(theme.error()),
                head,
            );
            return;
        }
    };
    frame.render_widget(Paragraph::new(header(model, view, files)), head);
    let wide = body.width >= 100;
    let side_shown = wide || body.height >= 14 || view.side == Side::Preview;
    let (tree_area, side_area) = if !side_shown {
        (body, None)
    } else if wide {
        let [t, s] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .areas(body);
        (t, Some(s))
    } else if view.side == Side::Preview && body.height < 14 {
        (Rect { height: 0, ..body }, Some(body))
    } else {
        let [t, s] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
        (t, Some(s))
    };
    tree(model, view, frame, tree_area);
    if let Some(side) = side_area {
        side_panel(model, view, frame, side);
    }
    let hint = if view.typing {
        "type to filter · Enter keeps it · Esc clears it"
    } else if wide {
        "↑/↓ move · Enter/←/→ fold · Enter on a file: first lines · / filter · s min size · a layer/whole image · [ ] layer · l largest · Esc back"
    } else {
        "Enter/←/→ fold · / filter · s size · a whole · [ ] layer · Esc"
    };
    frame.render_widget(key_line(model, hint), keys);
}

fn key_line<'a>(model: &Model, text: &'a str) -> Paragraph<'a> {
    Paragraph::new(text).style(model.theme.dim())
}

/// "sha256:5e1f0c2a9b7d" → "5e1f0c2a9b7d".
fn short_id(image: &str) -> &str {
    let id = image.strip_prefix("sha256:").unwrap_or(image);
    id.get(..12).unwrap_or(id)
}

/// Two lines: what is shown (the layer and its changes, or the image and
/// its waste), then the filter and the minimum size.
fn header(model: &Model, view: &FilesView, files: &ImageFiles) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let history = model.layers.as_ref().map_or(&[][..], |l| &l.layers[..]);
    let first = match view.scope {
        Scope::Image => format!(
            "Whole image: {} files, {} · wasted {} · efficiency {:.0}%",
            files
                .tree
                .values()
                .filter(|n| n.kind == crate::layer_tar::EntryKind::File)
                .count(),
            human_bytes(files.final_bytes),
            human_bytes(files.wasted_bytes),
            files.efficiency * 100.0
        ),
        Scope::Layer => {
            let row = history.get(view.history_row);
            // A base image's history often records no instruction for its root layer.
            let what = match row.map(|l| short_created_by(&l.created_by, 60)) {
                Some(text) if !text.trim().is_empty() => text,
                _ => "(no instruction recorded)".to_string(),
            };
            let line = row
                .and_then(|l| l.line)
                .map_or(String::new(), |l| format!(" (l.{l})"));
            let base = if row.is_some_and(|l| l.from_base) {
                " · from the base image"
            } else {
                ""
            };
            let changes = match view.layer.and_then(|n| files.layers.get(n)) {
                Some(layer) => {
                    let count =
                        |k: ChangeKind| layer.changes.iter().filter(|c| c.change == k).count();
                    format!(
                        " · {} · +{} ~{} −{}",
                        human_bytes(layer.size_bytes),
                        count(ChangeKind::Added),
                        count(ChangeKind::Modified),
                        count(ChangeKind::Removed)
                    )
                }
                None => " · no files: this step only set metadata".to_string(),
            };
            format!(
                "Layer {} of {}: {what}{line}{base}{changes}",
                view.history_row + 1,
                history.len()
            )
        }
    };
    let filter = if view.typing {
        format!("filter /{}▏", view.filter)
    } else if view.filter.is_empty() {
        "no filter (/)".to_string()
    } else {
        format!("filter /{}", view.filter)
    };
    let min = match view.min_bytes() {
        0 => "any size (s)".to_string(),
        b => format!("≥ {} (s)", human_bytes(b)),
    };
    let scope = match view.scope {
        Scope::Layer => "a: whole image",
        Scope::Image => "a: this layer",
    };
    vec![
        Line::styled(first, theme.text().add_modifier(Modifier::BOLD)),
        Line::styled(
            format!("{filter} · {min} · {scope} · {} rows", view.rows.len()),
            theme.dim(),
        ),
    ]
}

fn tree(model: &Model, view: &FilesView, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &model.theme;
    let height = usize::from(area.height);
    if view.rows.is_empty() {
        let text = if !view.filter.is_empty() || view.min_size > 0 {
            "nothing matches the filter and the minimum size"
        } else if view.scope == Scope::Layer {
            "this layer changed no files (a: the whole image)"
        } else {
            "the image has no files"
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let top = view.selected.saturating_sub(height.saturating_sub(1));
    let width = usize::from(area.width);
    let lines: Vec<Line> = view
        .rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, row)| tree_line(model, row, i == view.selected, width))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn tree_line(model: &Model, row: &Row, selected: bool, width: usize) -> Line<'static> {
    let theme = &model.theme;
    let fold = match (row.dir, row.open) {
        (true, true) => "▾ ",
        (true, false) => "▸ ",
        _ => "  ",
    };
    let (mark, mark_style) = match row.mark {
        Some(ChangeKind::Added) => ("+ ", Style::default().fg(theme.ok)),
        Some(ChangeKind::Modified) => ("~ ", Style::default().fg(theme.warning)),
        Some(ChangeKind::Removed) => ("− ", theme.error()),
        None => ("", theme.text()),
    };
    let size = match (row.size_bytes, row.removed_bytes) {
        (s, 0) => human_bytes(s),
        (0, r) => format!("−{}", human_bytes(r)),
        (s, r) => format!("{} −{}", human_bytes(s), human_bytes(r)),
    };
    let name = if row.dir {
        format!("{}/", row.name)
    } else {
        row.name.clone()
    };
    let indent = "  ".repeat(row.depth);
    let left = format!("{indent}{fold}{mark}{name}");
    let room = width.saturating_sub(size.chars().count() + 1);
    let left = keep_start(&left, room);
    let pad = room.saturating_sub(left.chars().count());
    let select = if selected {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    };
    let name_style = if row.dir {
        theme.text().add_modifier(Modifier::BOLD)
    } else {
        theme.text()
    };
    // The mark keeps its colour; the rest of the row shows the selection.
    let mark_at = indent.chars().count() + fold.chars().count();
    let (before, rest): (String, String) = (
        left.chars().take(mark_at).collect(),
        left.chars().skip(mark_at).collect(),
    );
    let (mark_text, name_text): (String, String) = if mark.is_empty() {
        (String::new(), rest)
    } else {
        (
            rest.chars().take(2).collect(),
            rest.chars().skip(2).collect(),
        )
    };
    Line::from(vec![
        Span::styled(before, theme.dim().patch(select)),
        Span::styled(mark_text, mark_style.patch(select)),
        Span::styled(name_text, name_style.patch(select)),
        Span::styled(
            format!("{} {size}", " ".repeat(pad)),
            theme.dim().patch(select),
        ),
    ])
}

fn side_panel(model: &Model, view: &FilesView, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let (title, lines): (String, Vec<Line>) = match (&view.side, &view.preview) {
        (Side::Preview, Some(preview)) => {
            let title = format!("/{}", preview.path);
            let lines = match &preview.text {
                None => vec![Line::styled("reading it from the export…", theme.dim())],
                Some(Err(e)) => vec![Line::styled(e.clone(), theme.error())],
                Some(Ok(PreviewText::Text { lines, size_bytes })) => {
                    let mut out = vec![Line::styled(
                        format!("{} · first lines", human_bytes(*size_bytes)),
                        theme.dim(),
                    )];
                    out.extend(lines.iter().map(|l| Line::styled(l.clone(), theme.text())));
                    out
                }
                Some(Ok(PreviewText::Binary { size_bytes })) => vec![Line::styled(
                    format!(
                        "a binary file ({}): nothing to show as text",
                        human_bytes(*size_bytes)
                    ),
                    theme.dim(),
                )],
                Some(Ok(PreviewText::Link(what))) => vec![Line::styled(what.clone(), theme.dim())],
                Some(Ok(PreviewText::Other(what))) => vec![Line::styled(*what, theme.dim())],
                Some(Ok(PreviewText::Absent)) => vec![Line::styled(
                    "not in the image: this layer or a later one removed it",
                    theme.dim(),
                )],
            };
            (title, lines)
        }
        _ => {
            let title = match view.scope {
                Scope::Layer => "Largest files this layer wrote".to_string(),
                Scope::Image => "Largest files in the image".to_string(),
            };
            let width = usize::from(area.width.saturating_sub(2));
            let lines = if view.largest.is_empty() {
                vec![Line::styled("no files", theme.dim())]
            } else {
                view.largest
                    .iter()
                    .map(|(path, size)| {
                        let size = format!("{:>9} ", human_bytes(*size));
                        let room = width.saturating_sub(size.chars().count());
                        Line::from(vec![
                            Span::styled(size, theme.text()),
                            Span::styled(keep_end(&format!("/{path}"), room), theme.dim()),
                        ])
                    })
                    .collect()
            };
            (title, lines)
        }
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Span::styled(format!(" {title} "), theme.text()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
