//! Clicks and the wheel: a click focuses the pane under it (and places the
//! cursor in the editor), the wheel scrolls the editor and the log.

use crossterm::event::{MouseEvent, MouseEventKind};
use ratatui_textarea::CursorMove;

use super::model::{Model, Pane};
use super::msg::Cmd;

pub(super) fn on_mouse(model: &mut Model, mouse: MouseEvent) -> Vec<Cmd> {
    // The Files view and the comparison cover the panes: a click there
    // must not move focus to a pane that is not on screen.
    if model.files_view.is_some() || model.compare.as_ref().is_some_and(|c| c.shown) {
        return Vec::new();
    }
    let layout = super::ui::layout(model.size, model);
    let at = ratatui::layout::Position::new(mouse.column, mouse.row);
    let pane = layout
        .iter()
        .find(|(_, rect)| rect.contains(at))
        .map(|(p, r)| (*p, *r));
    match mouse.kind {
        MouseEventKind::Down(_) => {
            if let Some((pane, rect)) = pane {
                model.focus = pane;
                if pane == Pane::Editor {
                    let (row, col) =
                        super::ui::editor::position_at(model, rect, mouse.column, mouse.row);
                    model.editor.move_cursor(CursorMove::Jump(
                        u16::try_from(row).unwrap_or(u16::MAX),
                        u16::try_from(col).unwrap_or(u16::MAX),
                    ));
                }
            }
        }
        MouseEventKind::ScrollUp => match pane.map(|(p, _)| p) {
            Some(Pane::Editor) => model.editor.move_cursor(CursorMove::Up),
            Some(Pane::Log) => model.log_scroll = (model.log_scroll + 3).min(model.log.len()),
            _ => {}
        },
        MouseEventKind::ScrollDown => match pane.map(|(p, _)| p) {
            Some(Pane::Editor) => model.editor.move_cursor(CursorMove::Down),
            Some(Pane::Log) => model.log_scroll = model.log_scroll.saturating_sub(3),
            _ => {}
        },
        _ => {}
    }
    Vec::new()
}
