//! Presenter mode's screen: the editor and one pane that says what the last
//! build changed, the size in big digits, and the keys pressed along the
//! bottom. Made to be read from the back of a room at about 100x30.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_big_text::{BigText, PixelSize};

use super::{block, result};
use crate::tui::keycast::Cast;
use crate::tui::model::{Model, Pane};
use crate::workbench::variant::{change_text, size_text};

/// The editor on the left, what changed on the right; the status line and
/// the key cast take the last two rows.
pub fn layout(size: (u16, u16)) -> Vec<(Pane, Rect)> {
    let area = Rect::new(0, 0, size.0, size.1.saturating_sub(2));
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    vec![(Pane::Editor, left), (Pane::Toggles, right)]
}

/// The row the key cast is drawn on.
pub fn keycast_row(size: (u16, u16)) -> Rect {
    Rect::new(0, size.1.saturating_sub(2), size.0, 1)
}

/// The last keys, newest last and marked, as a key-cast tool shows them.
pub fn keycast(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let mut spans = vec![Span::styled(" keys ", theme.dim())];
    let count = model.keycast.keys().count();
    for (i, cast) in model.keycast.keys().enumerate() {
        let newest = i + 1 == count;
        let label = cast.label();
        if newest {
            spans.push(Span::styled(
                format!(" ▶ {label} "),
                Style::default()
                    .fg(theme.focus)
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            ));
        } else {
            let style = match cast {
                Cast::Typed(_) => theme.text(),
                Cast::Key(_) => theme.text().add_modifier(Modifier::BOLD),
            };
            spans.push(Span::styled(format!(" {label} "), style));
            spans.push(Span::styled("·", theme.dim()));
        }
    }
    if count == 0 {
        spans.push(Span::styled(" the keys pressed show here", theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base()), rect);
}

/// Draws `text` in block letters as large as fit `area`'s width: half-height
/// pixels where there is room, quarter cells where not, and plain bold text
/// in a pane too narrow for either. Returns the rows it took.
fn big(frame: &mut Frame, area: Rect, text: &str, style: Style) -> u16 {
    let chars = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
    let pixel = if chars.saturating_mul(8) <= area.width {
        Some(PixelSize::HalfHeight)
    } else if chars.saturating_mul(4) <= area.width {
        Some(PixelSize::Quadrant)
    } else {
        None
    };
    let rows = if pixel.is_some() { 4 } else { 1 };
    let rect = Rect {
        height: rows.min(area.height),
        ..area
    };
    match pixel {
        Some(pixel) => frame.render_widget(
            BigText::builder()
                .pixel_size(pixel)
                .style(style)
                .lines(vec![Line::from(text.to_string())])
                .build(),
            rect,
        ),
        None => frame.render_widget(
            Paragraph::new(Line::styled(
                text.to_string(),
                style.add_modifier(Modifier::BOLD),
            )),
            rect,
        ),
    }
    rect.height
}

/// Takes `rows` rows off the top of `area`.
fn take(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    let top = Rect {
        height: rows,
        ..*area
    };
    area.y += rows;
    area.height -= rows;
    top
}

/// The presenter's second pane: what the last build changed, or before
/// any build the base and toggles. Keys here drive the toggles.
pub fn render(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let built = result::last_two(model);
    let title = if built.is_some() {
        "What changed · toggles"
    } else {
        "Base and toggles"
    };
    let block = block(model, Pane::Toggles, title.to_string());
    let mut area = block.inner(rect);
    frame.render_widget(block, rect);
    let label = |frame: &mut Frame, area: &mut Rect, text: String| {
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim())),
            take(area, 1),
        );
    };
    let building = if model.is_building() {
        " · building…"
    } else {
        ""
    };
    match built {
        Some((last, previous)) => {
            label(
                frame,
                &mut area,
                format!("image size, build {}{building}", last.number),
            );
            let rows = big(
                frame,
                area,
                &size_text(last.size_bytes),
                theme.text().add_modifier(Modifier::BOLD),
            );
            take(&mut area, rows);
            if let Some(p) = previous {
                label(
                    frame,
                    &mut area,
                    format!(
                        "change vs build {}: {}",
                        p.number,
                        result::what_changed(p, last)
                    ),
                );
                let style = result::change_style(model, p.size_bytes, last.size_bytes);
                let rows = big(
                    frame,
                    area,
                    // The block font has no minus sign.
                    &change_text(p.size_bytes, last.size_bytes).replace('−', "-"),
                    style.add_modifier(Modifier::BOLD),
                );
                take(&mut area, rows);
            }
        }
        None => {
            let base = model
                .analysis
                .as_ref()
                .and_then(|a| a.base.clone())
                .unwrap_or_else(|| "(not in catalog)".into());
            label(frame, &mut area, format!("runtime base{building}"));
            let rows = big(frame, area, &base, Style::default().fg(theme.accent));
            take(&mut area, rows);
        }
    }
    let mut lines: Vec<Line> = vec![Line::from("")];
    lines.extend(result::run_line(model));
    lines.extend(result::why_line(model));
    if model.variants.is_empty() && model.run.is_none() {
        lines.push(Line::styled("F5 builds the image and runs it", theme.dim()));
    }
    lines.push(Line::from(""));
    lines.extend(toggle_lines(model, usize::from(area.width)));
    lines.extend(history(model));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

/// The builds so far, newest last, where there is room: the way from the
/// first image to this one is the story a workshop tells.
fn history(model: &Model) -> Vec<Line<'static>> {
    let theme = &model.theme;
    if model.variants.len() < 2 {
        return Vec::new();
    }
    let mut lines = vec![Line::from(""), Line::styled("builds so far", theme.dim())];
    let skip = model.variants.len().saturating_sub(6);
    for v in model.variants.iter().skip(skip) {
        let (mark, style) = match v.run_ok {
            Some(true) => ("✓", Style::default().fg(theme.ok)),
            Some(false) => ("✗", theme.error()),
            None => ("·", theme.dim()),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:>2} {:<18} {:>9} ",
                    v.number,
                    v.base,
                    size_text(v.size_bytes)
                ),
                theme.text(),
            ),
            Span::styled(mark, style),
            Span::styled(
                Some(v.flags_label())
                    .filter(|f| f != "-")
                    .map(|f| format!(" {f}"))
                    .unwrap_or_default(),
                theme.dim(),
            ),
        ]));
    }
    lines
}

/// The toggles as words with on/off, and the number keys for the bases.
fn toggle_lines(model: &Model, width: usize) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let Some(analysis) = &model.analysis else {
        return vec![Line::styled("reading the Dockerfile…", theme.dim())];
    };
    let selected = |row: usize| {
        if model.focus == Pane::Toggles && model.toggle_selected == row {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        }
    };
    let base = analysis.base.clone().unwrap_or_else(|| "?".into());
    let mut cells = vec![Span::styled(
        format!("base ◀ {base} ▶"),
        Style::default().fg(theme.accent).patch(selected(0)),
    )];
    for (i, (toggle, state)) in analysis.toggles.iter().enumerate() {
        let label = model
            .catalog
            .toggle(toggle.name())
            .map_or(toggle.name(), |t| t.label.as_str());
        let (text, style) = match state {
            Ok(true) => (format!("✓ {label} on"), Style::default().fg(theme.ok)),
            Ok(false) => (format!("· {label} off"), theme.text()),
            Err(_) => (format!("· {label} n/a"), theme.dim()),
        };
        cells.push(Span::styled(text, style.patch(selected(i + 1))));
    }
    let mut lines = super::panes::flow(cells, width);
    lines.extend(super::panes::flow(super::panes::base_keys(model), width));
    lines
}
