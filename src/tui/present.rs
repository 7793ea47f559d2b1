//! Presenter mode (F9, `--present`): a projector at a large font shows
//! about 100x30 cells, so the workbench shows fewer, larger panes, the size
//! in big digits, the high-contrast theme and the keys pressed. This is the
//! model's side; `ui::present` draws it.

use super::model::{Model, Pane};
use super::theme::Theme;

/// The panes presenter mode shows, in Tab order.
pub const PANES: [Pane; 2] = [Pane::Editor, Pane::Toggles];

/// Turns presenter mode on or off. On, the high-contrast theme replaces the
/// user's (not under NO_COLOR); off, the user's comes back.
pub fn set(model: &mut Model, on: bool) {
    if model.present == on {
        return;
    }
    model.present = on;
    if on {
        if !model.theme.is_monochrome()
            && let Ok(contrast) = Theme::named("high-contrast")
        {
            model.theme_before_present = Some(std::mem::replace(&mut model.theme, contrast));
        }
        if !PANES.contains(&model.focus) {
            model.focus = Pane::Toggles;
        }
    } else if let Some(theme) = model.theme_before_present.take() {
        model.theme = theme;
    }
    model.rehighlight();
}
