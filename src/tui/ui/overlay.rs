//! Help, the unsaved-changes question and the search prompt, drawn on top.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::ondisk::Seen;
use crate::tui::file_switch::file_name;
use crate::tui::keymap::help_rows;
use crate::tui::model::{Model, Overlay};
use crate::tui::msg::DiskFile;
use crate::tui::on_disk::{DiskConflict, change_words, name};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn render(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let (title, lines, width, height): (&str, Vec<Line>, u16, u16) = match &model.overlay {
        Overlay::None => return,
        Overlay::Help => {
            let rows = help_rows();
            let count = rows.len() as u16;
            let lines = rows
                .iter()
                .map(|(k, what)| Line::from(format!("{k:<31} {what}")))
                .chain([Line::from("Any key closes this help.")])
                .collect();
            ("Keys", lines, 86, count + 3)
        }
        Overlay::ConfirmQuit => (
            "Unsaved changes",
            vec![
                Line::from("The Dockerfile has changes that are not saved."),
                Line::from(""),
                Line::from("s  save and quit    y  quit without saving    any other key  stay"),
            ],
            72,
            5,
        ),
        Overlay::Search(pattern) => ("Search", vec![Line::from(format!("/{pattern}"))], 50, 3),
        Overlay::RunArgs(line) => (
            "Run arguments (Enter builds and runs with them, Esc keeps the old ones)",
            vec![
                Line::from(format!("> {line}")),
                Line::from(
                    "as after `docker run IMAGE`; quote as in a shell; empty: the image's own CMD",
                ),
            ],
            86,
            4,
        ),
        Overlay::ConfirmTune(offer) => {
            let shown = usize::from(area.height.saturating_sub(10)).clamp(1, 12);
            let skip = offer.steps.len().saturating_sub(shown);
            let mut lines: Vec<Line> = offer
                .steps
                .iter()
                .skip(skip)
                .map(|s| Line::from(format!("• {s}")))
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(format!("Tuned: {}", offer.summary)));
            lines.push(Line::from(""));
            lines.push(Line::from(
                "y  write it to the Dockerfile    e  load it into the editor only    Esc  keep yours",
            ));
            let height = u16::try_from(lines.len() + 2)
                .unwrap_or(u16::MAX)
                .saturating_add(6);
            ("Tune found a smaller image", lines, 110, height)
        }
        Overlay::ChangedOnDisk(conflict) => {
            let (title, lines, width, height) = changed_on_disk(model, conflict, area);
            return draw(model, frame, &title, lines, width, height);
        }
        Overlay::OpenFile(switch) => {
            let lines = match &switch.files {
                None => vec![Line::from("looking for Dockerfiles…")],
                Some(Err(e)) => vec![Line::from(e.clone())],
                Some(Ok(files)) if files.is_empty() => {
                    vec![Line::from("no Dockerfile* or *.Dockerfile here")]
                }
                Some(Ok(files)) => files
                    .iter()
                    .enumerate()
                    .map(|(i, path)| {
                        let name = file_name(path);
                        let open = if *path == model.file.path {
                            " (open)"
                        } else {
                            ""
                        };
                        if i == switch.selected {
                            Line::styled(
                                format!("▶ {name}{open}"),
                                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                            )
                        } else {
                            Line::from(format!("  {name}{open}"))
                        }
                    })
                    .collect(),
            };
            let mut lines = lines;
            lines.push(Line::from(""));
            lines.push(Line::from("↑/↓ choose    Enter open    Esc stay"));
            let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            ("Open a Dockerfile", lines, 60, height)
        }
        Overlay::ConfirmOpen(path) => (
            "Unsaved changes",
            vec![
                Line::from(format!(
                    "The Dockerfile has changes that are not saved. Open {}?",
                    file_name(path)
                )),
                Line::from(""),
                Line::from(
                    "s  save, then open    d  drop the changes and open    any other key  stay",
                ),
            ],
            80,
            5,
        ),
        Overlay::ConfirmLessonReset => {
            let title = model
                .lesson
                .as_ref()
                .map_or(String::new(), |run| run.lesson.title.clone());
            (
                "Start the lesson over?",
                vec![
                    Line::from(format!("“{title}” goes back to its first step,")),
                    Line::from("with its files as the lesson began: your edits to them are lost."),
                    Line::from(""),
                    Line::from("y  start over    any other key  go on where you were"),
                ],
                72,
                6,
            )
        }
        Overlay::RestoreOffer(text) => (
            "Unsaved work found",
            vec![
                Line::from(format!(
                    "dockstage stopped with unsaved changes to this file ({} lines).",
                    text.lines().count()
                )),
                Line::from(""),
                Line::from("r  restore them    any other key  keep the file as saved"),
            ],
            72,
            5,
        ),
    };
    draw(model, frame, title, lines, width, height);
}

fn draw(model: &Model, frame: &mut Frame, title: &str, lines: Vec<Line>, width: u16, height: u16) {
    let rect = centered(frame.area(), width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(model.theme.border(true))
        .title(format!(" {title} "));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(model.theme.base()),
        rect,
    );
}

/// The widest the question about a changed file is drawn.
const WIDE: u16 = 110;

/// The question about a file changed on disk, with the difference when asked.
fn changed_on_disk(
    model: &Model,
    conflict: &DiskConflict,
    area: Rect,
) -> (String, Vec<Line<'static>>, u16, u16) {
    let name = name(model, conflict.file);
    let title = format!("{name} {}", change_words(&conflict.now));
    let mut lines = Vec::new();
    let keys = match (conflict.file, &conflict.now) {
        (DiskFile::Export, _) => {
            lines.push(Line::from(format!(
                "{name} is not what dockstage last wrote there: it is someone else's now."
            )));
            "k  write the export over it    d  the difference    Esc  leave it, export nothing"
        }
        (DiskFile::Dockerfile, now) => {
            lines.push(Line::from(match now {
                Seen::Absent => format!("{name} was removed since dockstage read or saved it."),
                Seen::Text(_) => format!("{name} changed since dockstage read or saved it."),
            }));
            lines.push(Line::from(if model.dirty() {
                "The editor has changes of its own that are not saved."
            } else {
                "The editor has no unsaved changes."
            }));
            if *now == Seen::Absent {
                "k  keep yours and write it    d  the difference    Esc  decide later"
            } else {
                "r  reload it (Ctrl-Z undoes)    k  keep yours and write it over    d  the difference    Esc  decide later"
            }
        }
    };
    if let Some(diff) = &conflict.diff {
        let room = usize::from(area.height.saturating_sub(8)).max(1);
        lines.push(Line::from(""));
        for text in diff.iter().skip(conflict.scroll).take(room) {
            let style = match text.chars().next() {
                Some('+') if !text.starts_with("+++") => Style::default().fg(model.theme.ok),
                Some('-') if !text.starts_with("---") => model.theme.error(),
                _ => model.theme.text(),
            };
            lines.push(Line::styled(text.clone(), style));
        }
        if diff.len() > room {
            lines.push(Line::styled(
                format!(
                    "({} of {} lines · ↑/↓ PgUp PgDn scroll)",
                    room.min(diff.len() - conflict.scroll),
                    diff.len()
                ),
                model.theme.dim(),
            ));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(keys));
    // Long lines wrap: count the rows they take inside the border.
    let inner = usize::from(WIDE.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    (title, lines, WIDE, height)
}
