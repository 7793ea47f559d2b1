//! The lesson pane: the step the learner is on, how far along they are,
//! what the step before taught, and the hint when asked for (F3).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::model::Model;

pub fn render(model: &Model, frame: &mut Frame, rect: Rect) {
    let Some(run) = &model.lesson else {
        return;
    };
    let theme = &model.theme;
    let (at, total) = run.position();
    let finished = run.current().is_none();
    let progress = if finished {
        format!("done {total}/{total}")
    } else {
        format!("step {at} of {total}")
    };
    let title = format!(" Lesson · {} · {progress} ", run.lesson.title);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(false))
        .title(Span::styled(
            title,
            theme.text().add_modifier(Modifier::BOLD),
        ));
    let mut lines: Vec<Line> = Vec::new();
    if let Some(learned) = &run.learned {
        lines.push(Line::from(vec![
            Span::styled("✓ ", Style::default().fg(theme.ok)),
            Span::styled(learned.clone(), Style::default().fg(theme.ok)),
        ]));
    }
    match run.current() {
        Some(step) => {
            lines.push(Line::from(vec![
                Span::styled(
                    "▶ ",
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    step.instruction.clone(),
                    theme.text().add_modifier(Modifier::BOLD),
                ),
            ]));
            if run.hint {
                lines.push(Line::from(vec![
                    Span::styled("Hint: ", Style::default().fg(theme.warning)),
                    Span::styled(step.hint.clone(), theme.text()),
                ]));
            } else {
                lines.push(Line::from(Span::styled("F3: a hint", theme.dim())));
            }
        }
        None => {
            if run.learned.is_none() {
                lines.push(Line::from(Span::styled(
                    "Every step is done.",
                    Style::default().fg(theme.ok),
                )));
            }
            lines.push(Line::from(Span::styled(
                "Lesson done. `dockstage learn` lists the others; --reset starts this one over.",
                theme.text(),
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}
