//! The bottom line: the daemon, what just happened, the last build's size
//! and the keys. When the line is short, what goes first is what matters
//! least: the daemon's version, then key hints, then the end of the
//! message. The size and its change stay to 80 columns and below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::result::size_and_change;
use crate::tui::keymap::{HINTS, hints as hints_made};
use crate::tui::model::{BuildState, DockerStatus, Model, Pane};

/// Hints kept down to the narrowest line they fit.
const FEW_HINTS: usize = 3;

fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// " F5 build · F1 help · ^Q quit ": the first `n` hints, quit last so the
/// line always ends the same way.
fn hints(n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    let mut shown: Vec<String> = hints_made().into_iter().take(n).collect();
    if let Some(at) = shown.iter().position(|h| h == "^Q quit") {
        let quit = shown.remove(at);
        shown.push(quit);
    }
    format!(" {} ", shown.join(" · "))
}

/// `message` cut to `room` columns, with `…` where it was cut.
fn cut(message: &str, room: usize) -> String {
    if width(message) <= room {
        return message.to_string();
    }
    if room == 0 {
        return String::new();
    }
    let mut out = String::new();
    for c in message.chars() {
        if width(&out) + width(&c.to_string()) + 1 > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

pub fn render(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let (docker_full, docker_short, docker_style) = match &model.docker {
        DockerStatus::Connecting => (" docker … ".to_string(), " … ".to_string(), theme.dim()),
        DockerStatus::Ready { version, .. } => (
            format!(" docker {version} · buildkit "),
            " docker ".to_string(),
            Style::default().fg(theme.ok),
        ),
        // Worth its room at any width: nothing builds without it.
        DockerStatus::Absent { .. } => (
            " no docker ".to_string(),
            " no docker ".to_string(),
            theme.error(),
        ),
    };
    let building = match &model.build {
        BuildState::Building { started, job, .. } => {
            let elapsed = model.now.saturating_duration_since(*started);
            format!(" {} {:.0} s ", job.doing(), elapsed.as_secs_f64())
        }
        _ => String::new(),
    };
    let cursor_line = model.editor.cursor().0 + 1;
    let message = model
        .status
        .clone()
        .or_else(|| {
            (model.focus == Pane::Editor)
                .then(|| {
                    model
                        .diagnostic_at(cursor_line)
                        .map(|d| format!("{}[{}]: {}", d.severity, d.rule, d.message))
                })
                .flatten()
        })
        .or_else(|| model.file.note.clone())
        .unwrap_or_default();
    let total = usize::from(rect.width);
    // After a failed build the last size is not this file's: the message
    // says what failed instead.
    let size = size_and_change(model)
        .filter(|_| !matches!(model.build, BuildState::Failed { .. }))
        .map(|s| format!(" {s} "));
    // A message that says the size already (after a build) needs no cell
    // for it, as long as it is not cut.
    let said = size.as_ref().is_some_and(|s| {
        s.replace(['(', ')'], " ")
            .split(' ')
            .filter(|w| !w.is_empty())
            .all(|w| message.contains(w))
    });
    let docker_least = match model.docker {
        DockerStatus::Absent { .. } => docker_short.clone(),
        _ => String::new(),
    };
    // The whole message, giving up the least useful things first: hints
    // from the end of the list and the daemon's version, then the daemon.
    let mut tries: Vec<(String, usize)> = (FEW_HINTS + 2..=HINTS.len())
        .rev()
        .map(|n| (docker_full.clone(), n))
        .collect();
    tries.extend(
        (FEW_HINTS..=FEW_HINTS + 2)
            .rev()
            .map(|n| (docker_short.clone(), n)),
    );
    tries.push((docker_least.clone(), FEW_HINTS));
    let whole = |cell: &str| {
        tries.iter().find(|(docker, n)| {
            width(&building) + width(cell) + 1 + width(docker) + width(&hints(*n)) + width(&message)
                <= total
        })
    };
    let fitted = if said { whole("") } else { None }
        .map(|t| (t, String::new()))
        .or_else(|| {
            let cell = size.clone().unwrap_or_default();
            whole(&cell).map(|t| (t, cell))
        });
    let (docker, keys, size_cell) = match fitted {
        Some(((docker, n), cell)) => (docker.clone(), hints(*n), cell),
        None => {
            // The message is cut; a line too short for even that keeps the
            // size and drops hints.
            let cell = size.unwrap_or_default();
            let fixed = width(&building) + width(&cell) + 1 + width(&docker_least);
            let keys = (0..=FEW_HINTS)
                .rev()
                .map(hints)
                .find(|k| fixed + width(k) + 8 <= total)
                .unwrap_or_default();
            (docker_least.clone(), keys, cell)
        }
    };
    let fixed = width(&building) + width(&size_cell) + 1;
    let room = total.saturating_sub(fixed + width(&docker) + width(&keys));
    let message = cut(&message, room);
    let pad = room.saturating_sub(width(&message));
    let line = Line::from(vec![
        Span::styled(docker, docker_style),
        Span::styled(building, Style::default().fg(theme.warning)),
        Span::styled(
            size_cell,
            theme
                .text()
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(message, theme.text()),
        Span::raw(" ".repeat(pad)),
        Span::styled(keys, theme.dim()),
    ]);
    frame.render_widget(
        Paragraph::new(line).style(Style::default().bg(theme.status_bg)),
        rect,
    );
}
