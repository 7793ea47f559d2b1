//! The bottom line: the daemon, the file, what just happened, and the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::model::{BuildState, DockerStatus, Model, Pane};

pub fn render(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let docker = match &model.docker {
        DockerStatus::Connecting => Span::styled(" docker … ", theme.dim()),
        DockerStatus::Ready { version, .. } => Span::styled(
            format!(" docker {version} · buildkit "),
            Style::default().fg(theme.ok),
        ),
        DockerStatus::Absent { .. } => Span::styled(" no docker ", theme.error()),
    };
    let building = match &model.build {
        BuildState::Building { started, job, .. } => {
            format!(" {} {:.0} s ", job.doing(), started.elapsed().as_secs_f64())
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
    let keys = if rect.width < 120 {
        " F5 build · F1 help · ^Q quit "
    } else {
        " F5 build · F7 matrix · F8 tune · Tab focus · ? help · ^S save · ^Q quit "
    };
    let used = docker.width() + Span::raw(building.as_str()).width() + Span::raw(keys).width();
    let room = usize::from(rect.width).saturating_sub(used + 1);
    let mut message: String = message;
    while Span::raw(message.as_str()).width() > room {
        message.pop();
    }
    let pad = room.saturating_sub(Span::raw(message.as_str()).width());
    let line = Line::from(vec![
        docker,
        Span::styled(building, Style::default().fg(theme.warning)),
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
