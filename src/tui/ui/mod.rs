//! Rendering: a read-only function of the model. No I/O, no locks, no await.

mod compare;
mod cut;
pub mod editor;
mod files_view;
mod graph_canvas;
mod lesson_pane;
mod overlay;
mod panes;
pub mod present;
mod result;
pub mod stage_graph;
mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::model::{Model, Pane};

/// Below this size the right-hand panes fold into tabs.
pub const COMPACT_WIDTH: u16 = 120;
pub const COMPACT_HEIGHT: u16 = 32;

pub fn is_compact(size: (u16, u16)) -> bool {
    size.0 < COMPACT_WIDTH || size.1 < COMPACT_HEIGHT
}

/// Where each visible pane is, for drawing and for mouse clicks.
pub fn layout(size: (u16, u16), model: &Model) -> Vec<(Pane, Rect)> {
    areas(size, model).0
}

/// Rows the lesson pane takes under the editor: enough for a step and its
/// hint, never more than a third of the screen.
fn lesson_height(size: (u16, u16)) -> u16 {
    (size.1 / 3).clamp(6, 12)
}

/// The panes, and the lesson pane when a lesson is being followed, which
/// takes its rows from the editor's column.
fn areas(size: (u16, u16), model: &Model) -> (Vec<(Pane, Rect)>, Option<Rect>) {
    let with_lesson = |left: Rect| -> (Rect, Option<Rect>) {
        if model.lesson.is_none() {
            return (left, None);
        }
        let [editor, lesson] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(lesson_height(size))])
                .areas(left);
        (editor, Some(lesson))
    };
    if model.present {
        // A workshop follows the lesson on the big screen too.
        let mut panes = present::layout(size);
        let mut lesson = None;
        if let Some((_, editor)) = panes.iter_mut().find(|(p, _)| *p == Pane::Editor) {
            let (rest, pane) = with_lesson(*editor);
            *editor = rest;
            lesson = pane;
        }
        return (panes, lesson);
    }
    let area = Rect::new(0, 0, size.0, size.1.saturating_sub(1));
    if is_compact(size) {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(area);
        let (left, lesson) = with_lesson(left);
        let shown = if model.focus == Pane::Editor {
            Pane::Toggles
        } else {
            model.focus
        };
        return (vec![(Pane::Editor, left), (shown, right)], lesson);
    }
    let [top, bottom] = Layout::vertical([Constraint::Min(10), Constraint::Length(8)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let [left, toggles] = Layout::vertical([Constraint::Min(5), Constraint::Length(8)]).areas(left);
    let (editor, lesson) = with_lesson(left);
    let [graph, layers, log] = Layout::vertical([
        Constraint::Percentage(30),
        Constraint::Percentage(30),
        Constraint::Percentage(40),
    ])
    .areas(right);
    (
        vec![
            (Pane::Editor, editor),
            (Pane::Toggles, toggles),
            (Pane::Graph, graph),
            (Pane::Layers, layers),
            (Pane::Log, log),
            (Pane::Variants, bottom),
        ],
        lesson,
    )
}

/// A pane's frame: its title, focused or not. Focus shows without colour
/// too (a projector or a colour-blind eye may not tell yellow from grey):
/// the focused pane has a double border and a `▶` before its title.
pub fn block(model: &Model, pane: Pane, title: String) -> Block<'static> {
    let focused = model.focus == pane;
    let (border, title) = if focused {
        (BorderType::Double, format!(" ▶ {title} "))
    } else {
        (BorderType::Plain, format!(" {title} "))
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(border)
        .border_style(model.theme.border(focused))
        .title(Span::styled(
            title,
            if focused {
                model.theme.border(true).add_modifier(Modifier::BOLD)
            } else {
                model.theme.text()
            },
        ))
}

pub fn render(model: &Model, frame: &mut Frame) {
    let size = (frame.area().width, frame.area().height);
    if size.0 < 20 || size.1 < 6 {
        frame.render_widget(Paragraph::new("dockstage: window too small"), frame.area());
        return;
    }
    // A theme with a background of its own paints it under everything.
    frame.render_widget(Block::default().style(model.theme.base()), frame.area());
    let (panes, lesson) = areas(size, model);
    let compact = is_compact(size) && !model.present;
    if let Some(rect) = lesson {
        lesson_pane::render(model, frame, rect);
    }
    for (pane, rect) in &panes {
        match pane {
            Pane::Editor => editor::render(model, frame, *rect),
            _ if model.present => present::render(model, frame, *rect),
            other => {
                let rect = if compact {
                    let rect = tabs(model, frame, *rect);
                    result_strip(model, frame, rect)
                } else {
                    *rect
                };
                panes::render(model, *other, frame, rect);
            }
        }
    }
    if model.present {
        present::keycast(model, frame, present::keycast_row(size));
    }
    let above_status = Rect::new(0, 0, size.0, size.1 - 1);
    if let Some(view) = &model.files_view {
        files_view::render(model, view, frame, above_status);
    }
    if let Some(c) = model.compare.as_ref().filter(|c| c.shown) {
        compare::render(model, c, frame, above_status);
    }
    status::render(model, frame, Rect::new(0, size.1 - 1, size.0, 1));
    overlay::render(model, frame);
}

/// In the compact layout, the last build's size, change and run result stay
/// in view below whichever pane the tabs show; returns the room left above.
fn result_strip(model: &Model, frame: &mut Frame, rect: Rect) -> Rect {
    let lines = result::summary(model);
    if lines.is_empty() || rect.height < 12 {
        return rect;
    }
    // Long lines wrap: count the rows they take inside the border.
    let inner = usize::from(rect.width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let height = u16::try_from(rows.min(5) + 2).unwrap_or(7);
    let [rest, strip] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(height)]).areas(rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(model.theme.dim())
        .title(Span::styled(" Last build ", model.theme.text()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        strip,
    );
    rest
}

/// In the compact layout, a row of pane names above the shown pane.
fn tabs(model: &Model, frame: &mut Frame, rect: Rect) -> Rect {
    let [bar, rest] = Layout::new(
        Direction::Vertical,
        [Constraint::Length(1), Constraint::Min(1)],
    )
    .areas(rect);
    let shown = if model.focus == Pane::Editor {
        Pane::Toggles
    } else {
        model.focus
    };
    let mut spans = Vec::new();
    for (i, pane) in Pane::ORDER.iter().skip(1).enumerate() {
        if i > 0 {
            spans.push(Span::styled("│", model.theme.dim()));
        }
        // The shown pane is underlined; it is reversed only when it has
        // focus, so keys going to the editor never look like they go here.
        let style = if *pane == model.focus {
            model
                .theme
                .border(true)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else if *pane == shown {
            model.theme.text().add_modifier(Modifier::UNDERLINED)
        } else {
            model.theme.dim()
        };
        spans.push(Span::styled(pane.tab().to_string(), style));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default()),
        bar,
    );
    rest
}
