//! The panes beside the editor: toggles, stage graph, layers, build and run
//! log, and the variants table.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use super::cut::keep_start;
use super::graph_canvas::{Canvas, Ink};
use super::stage_graph::{self, Card};
use crate::dockerfile::StageIndex;
use crate::engine::events::StepState;
use crate::tui::model::{BuildState, Model, Pane};
use crate::tui::update::delta_text;
use crate::workbench::variant::{Variant, size_text};

pub fn render(model: &Model, pane: Pane, frame: &mut Frame, rect: Rect) {
    match pane {
        Pane::Toggles => toggles(model, frame, rect),
        Pane::Graph => graph(model, frame, rect),
        Pane::Layers => layers(model, frame, rect),
        Pane::Log => log(model, frame, rect),
        Pane::Variants => variants(model, frame, rect),
        Pane::Editor => {}
    }
}

fn selected_style(model: &Model, pane: Pane, selected: bool) -> Style {
    if selected && model.focus == pane {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    }
}

fn toggles(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let block = block(
        model,
        Pane::Toggles,
        format!(
            "Toggles{}",
            if model.auto_rebuild {
                " · auto-rebuild"
            } else {
                ""
            }
        ),
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let Some(analysis) = &model.analysis else {
        frame.render_widget(
            Paragraph::new("reading the Dockerfile…").style(theme.dim()),
            inner,
        );
        return;
    };
    let base = analysis
        .base
        .clone()
        .unwrap_or_else(|| "(not in catalog)".into());
    let image = model.catalog.base(&base).map(|b| b.image.clone());
    let marker = match image.as_ref().and_then(|i| model.images.get(i)) {
        Some(Some(local)) if local.standin => " · offline stand-in",
        Some(None) => " · missing locally",
        _ => "",
    };
    let mut cells: Vec<Span> = vec![Span::styled(
        format!("base ◀ {base} ▶{marker}"),
        selected_style(model, Pane::Toggles, model.toggle_selected == 0).fg(theme.accent),
    )];
    let mut reason = None;
    for (i, (toggle, state)) in analysis.toggles.iter().enumerate() {
        let label = model
            .catalog
            .toggle(toggle.name())
            .map_or(toggle.name(), |t| t.label.as_str());
        let selected = model.toggle_selected == i + 1;
        let note = analysis
            .toggle_notes
            .iter()
            .find(|(t, _)| t == toggle)
            .map(|(_, note)| note);
        if selected && note.is_some() {
            reason = note.cloned();
        }
        let (text, style) = match state {
            Ok(true) => (format!("{label} on"), Style::default().fg(theme.ok)),
            Ok(false) if note.is_some() => (
                format!("{label} by name"),
                Style::default().fg(theme.warning),
            ),
            Ok(false) => (format!("{label} off"), theme.text()),
            Err(why) => {
                if selected {
                    reason = Some(why.clone());
                }
                (
                    format!("{label} n/a"),
                    theme.dim().add_modifier(Modifier::CROSSED_OUT),
                )
            }
        };
        cells.push(Span::styled(
            text,
            style.patch(selected_style(model, Pane::Toggles, selected)),
        ));
    }
    let mut lines = flow(cells, usize::from(inner.width));
    lines.extend(flow(base_keys(model), usize::from(inner.width)));
    let explain = if model.toggle_selected == 0 {
        model.catalog.base(&base).map(|b| b.summary.clone())
    } else {
        let applies = analysis
            .toggles
            .get(model.toggle_selected - 1)
            .is_some_and(|(_, state)| state.is_ok());
        let prefix = if applies { "" } else { "not applicable: " };
        reason.map(|r| format!("{prefix}{r}")).or_else(|| {
            let t = analysis.toggles.get(model.toggle_selected - 1)?.0;
            model
                .catalog
                .toggle(t.name())
                .map(|i| format!("{}: {}", i.edits, i.teaches))
        })
    };
    if let Some(text) = explain {
        lines.push(Line::styled(text, theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// The number keys for the bases, in the catalog's order: one key jumps to
/// a base without stepping through the others. The current one is marked
/// with `●` and bold, not only by colour.
pub(super) fn base_keys(model: &Model) -> Vec<Span<'static>> {
    let theme = &model.theme;
    let current = model.analysis.as_ref().and_then(|a| a.base.as_deref());
    model
        .catalog
        .keys()
        .take(9)
        .enumerate()
        .map(|(i, key)| {
            if Some(key) == current {
                Span::styled(
                    format!("{}●{key}", i + 1),
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                )
            } else {
                Span::styled(format!("{} {key}", i + 1), theme.dim())
            }
        })
        .collect()
}

/// Lays cells out left to right, two spaces apart, starting a new line
/// where the next cell would not fit, so no label is split from its state.
pub(super) fn flow(cells: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for cell in cells {
        let w = cell.width();
        if !current.is_empty() && used + 2 + w > width {
            lines.push(Line::from(std::mem::take(&mut current)));
            used = 0;
        }
        if !current.is_empty() {
            current.push(Span::raw("  "));
            used += 2;
        }
        used += w;
        current.push(cell);
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

/// A stage with no step reported is waiting only while a build runs: after
/// it (a tune, a reused image, a failure before it) nothing is said.
fn state_mark(state: Option<&StepState>, building: bool) -> Option<(&'static str, &'static str)> {
    Some(match state {
        None if building => ("·", "waiting"),
        None => return None,
        Some(StepState::Running) => ("▶", "running"),
        Some(StepState::Cached) => ("≡", "cached"),
        Some(StepState::Done) => ("✓", "done"),
        Some(StepState::Failed(_)) => ("✗", "failed"),
        Some(StepState::Cancelled) => ("⊘", "stopped"),
    })
}

fn graph(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let Some(analysis) = &model.analysis else {
        let block = block(model, Pane::Graph, Pane::Graph.title().to_string());
        frame.render_widget(block, rect);
        return;
    };
    let g = &analysis.graph;
    let building_or_built = !matches!(model.build, BuildState::Idle);
    let cards: Vec<Card> = g
        .stages
        .iter()
        .map(|stage| {
            let target = Some(stage.index) == g.target;
            let state = model.stage_state(stage.index);
            let mark = state_mark(state.as_ref(), model.is_building())
                .filter(|_| building_or_built && !g.is_unused(stage.index));
            // The target's size is the final image's; other stages have none to show.
            let size = model
                .layers
                .as_ref()
                .filter(|_| target)
                .map(|l| size_text(l.size_bytes));
            let (detail, short) = match (mark, size) {
                _ if g.is_unused(stage.index) => ("not needed".to_string(), String::new()),
                (Some((mark, _)), Some(size)) => {
                    (format!("{mark} {size}"), format!("{mark} {size}"))
                }
                (Some((mark, word)), None) => (format!("{mark} {word}"), mark.to_string()),
                (None, Some(size)) => (size.clone(), size),
                (None, None) => (String::new(), String::new()),
            };
            let (detail, short) = match model.cache_mark(&stage.display_name()) {
                Some(cache) if !detail.is_empty() => {
                    (format!("{detail} {cache}"), format!("{short} {cache}"))
                }
                Some(cache) => (cache.clone(), cache),
                None => (detail, short),
            };
            let star = if target { " ★" } else { "" };
            Card {
                title: format!("{}{star}", stage.display_name()),
                detail,
                short,
            }
        })
        .collect();
    let inner = rect.inner(Margin::new(1, 1));
    let drawn = stage_graph::layout(g, &cards, usize::from(inner.width));
    let canvas = Canvas::paint(&drawn);
    let view = (usize::from(inner.width), usize::from(inner.height));
    let selected = StageIndex(model.graph_selected);
    let at = drawn.stage_box(selected).map_or((0, 0), |b| {
        (
            scroll_to(b.x, b.width, view.0),
            scroll_to(b.y, b.height, view.1),
        )
    });
    let at = (
        at.0.min(canvas.width().saturating_sub(view.0)),
        at.1.min(canvas.height().saturating_sub(view.1)),
    );
    // Say so when part of the drawing is off the pane.
    let hidden = canvas.width() > view.0 || canvas.height() > view.1;
    let title = if hidden {
        format!(
            "{} · {}/{} ↑↓ scrolls",
            Pane::Graph.title(),
            model.graph_selected + 1,
            g.stages.len()
        )
    } else {
        Pane::Graph.title().to_string()
    };
    // F5 builds the stage `t` chose, not the last one: say so where stages are.
    let title = match &model.target {
        Some(target) => format!("{title} · F5 builds `{target}` (t)"),
        None => title,
    };
    frame.render_widget(block(model, Pane::Graph, title), rect);
    let stage_style = |s: StageIndex| {
        if matches!(model.stage_state(s), Some(StepState::Failed(_))) {
            theme.error()
        } else if g.is_unused(s) {
            theme.dim()
        } else {
            theme.text()
        }
    };
    let lines = canvas.lines(at, view, |ink| match ink {
        Ink::Blank => Style::default(),
        Ink::Image => theme.dim(),
        Ink::Edge(s) if g.is_unused(s) => theme.dim(),
        Ink::Edge(_) => Style::default().fg(theme.accent),
        Ink::Stage(s) => stage_style(s),
        Ink::Title(s) if Some(s) == g.target => stage_style(s)
            .add_modifier(Modifier::BOLD)
            .patch(selected_style(model, Pane::Graph, s == selected)),
        Ink::Title(s) => stage_style(s).patch(selected_style(model, Pane::Graph, s == selected)),
    });
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The first row (or column) to show so that an item at `start`, `len`
/// long, is in a view `room` long: the drawing scrolls only as far as the
/// selected stage needs.
fn scroll_to(start: usize, len: usize, room: usize) -> usize {
    (start + len.min(room)).saturating_sub(room)
}

fn layers(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let title = match &model.layers {
        Some(l) => {
            let delta = model
                .variants
                .len()
                .checked_sub(2)
                .and_then(|i| model.variants.get(i))
                .map(|prev| delta_text(prev.size_bytes, l.size_bytes))
                .unwrap_or_default();
            format!("Layers: final image {}{delta}", size_text(l.size_bytes))
        }
        None => "Layers".to_string(),
    };
    let block = block(model, Pane::Layers, title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let Some(image) = &model.layers else {
        frame.render_widget(
            Paragraph::new("build (F5) to see the final image's layers").style(theme.dim()),
            inner,
        );
        return;
    };
    let max = image
        .layers
        .iter()
        .map(|l| l.size_bytes)
        .max()
        .unwrap_or(1)
        .max(1);
    let bar_width = 12usize;
    let mut lines = Vec::new();
    for (i, layer) in image.layers.iter().enumerate().rev() {
        let filled =
            usize::try_from(layer.size_bytes.saturating_mul(bar_width as u64) / max).unwrap_or(0);
        let bar = format!(
            "{}{}",
            "█".repeat(filled),
            " ".repeat(bar_width - filled.min(bar_width))
        );
        let created = crate::engine::layers::short_created_by(&layer.created_by, 48);
        let line = layer.line.map_or(String::new(), |l| format!(" (l.{l})"));
        let base = if layer.from_base { " base" } else { "" };
        let style = selected_style(model, Pane::Layers, model.layer_selected == i);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>9} ", size_text(layer.size_bytes)),
                theme.text().patch(style),
            ),
            Span::styled(bar, Style::default().fg(theme.bar)),
            Span::styled(
                format!(" {created}{line}{base}"),
                if layer.from_base {
                    theme.dim()
                } else {
                    theme.text()
                },
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The top of the log after a failed build: which lines failed and, when
/// known, why and what to do, so the reason is not buried in the log.
fn failure_lines(model: &Model, line: Option<usize>, others: &[usize]) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let mut failed: Vec<String> = line
        .into_iter()
        .chain(others.iter().copied())
        .map(|l| l.to_string())
        .collect();
    failed.dedup();
    let at = match failed.as_slice() {
        [] => String::new(),
        [one] => format!(" at line {one}"),
        many => format!(" at lines {}", many.join(", ")),
    };
    let mut lines = vec![Line::styled(
        format!("✗ build failed{at}"),
        theme.error().add_modifier(Modifier::BOLD),
    )];
    if let Some(e) = &model.explanation {
        lines.push(Line::styled(
            format!("why: {e}"),
            Style::default().fg(theme.warning),
        ));
        lines.push(Line::styled(format!("  {}", e.hint), theme.text()));
    }
    lines
}

fn log(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let block = block(model, Pane::Log, Pane::Log.title().to_string());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines: Vec<Line> = Vec::new();
    if let BuildState::Failed {
        line, other_lines, ..
    } = &model.build
    {
        lines.extend(failure_lines(model, *line, other_lines));
    } else if let Some(answer) = model.run.as_ref().and_then(|r| r.service.as_deref()) {
        // A service is judged by how it answered, not by how it exited.
        let style = if model.run.as_ref().is_some_and(|r| r.ok()) {
            Style::default().fg(theme.ok)
        } else {
            theme.error()
        };
        let said = match (
            &model.run.as_ref().and_then(|r| r.error.clone()),
            answer.ready_ms,
        ) {
            (Some(error), None) => error.clone(),
            _ => crate::workbench::service::summary(answer),
        };
        lines.push(Line::styled(said, style.add_modifier(Modifier::BOLD)));
        for line in model
            .run
            .as_ref()
            .map_or("", |r| r.stderr.as_str())
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(4)
        {
            lines.push(Line::styled(format!("  {line}"), theme.dim()));
        }
    } else if let Some(run) = &model.run {
        let verdict = (
            super::result::verdict(run),
            if run.ok() {
                Style::default().fg(theme.ok)
            } else {
                theme.error()
            },
        );
        lines.push(Line::from(vec![
            Span::styled(verdict.0, verdict.1.add_modifier(Modifier::BOLD)),
            Span::styled(format!(" · {} ms · ", run.duration_ms), theme.dim()),
            Span::styled(run.first_line().to_string(), theme.text()),
        ]));
        // The rest of the output, a few lines of each stream.
        let first = run.first_line();
        for line in run
            .stdout
            .lines()
            .filter(|l| !l.trim().is_empty() && *l != first)
            .take(4)
        {
            lines.push(Line::styled(format!("  {line}"), theme.text()));
        }
        for line in run
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty() && *l != first)
            .take(4)
        {
            lines.push(Line::styled(format!("  stderr: {line}"), theme.error()));
        }
        if let Some(health) = &run.health {
            lines.push(Line::styled(format!("  health: {health}"), theme.dim()));
        }
        if let Some(e) = &model.explanation {
            let fix = e
                .fix
                .as_ref()
                .map(|c| format!(" → toggle {c}"))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!("why: {}{fix}", e.cause),
                Style::default().fg(theme.warning),
            ));
        }
    }
    // The run result wraps, so a learner reads the whole reason; the log
    // below it is one row a line.
    let width = usize::from(inner.width).max(1);
    let result_rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let result_rows = result_rows.min(usize::from(inner.height));
    let [result_area, log_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(u16::try_from(result_rows).unwrap_or(0)),
        ratatui::layout::Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(std::mem::take(&mut lines)).wrap(Wrap { trim: false }),
        result_area,
    );
    let room = usize::from(log_area.height);
    let end = model.log.len().saturating_sub(model.log_scroll);
    let start = end.saturating_sub(room);
    let tail: Vec<Line> = model
        .log
        .iter()
        .skip(start)
        .take(end - start)
        .map(|l| {
            let style = if l.contains("FAILED") {
                theme.error()
            } else {
                theme.dim()
            };
            Line::styled(l.clone(), style)
        })
        .collect();
    // The run result stays on top; the log fills the rest, newest last.
    lines.extend(tail);
    if model.log.is_empty() && model.run.is_none() {
        lines.push(Line::styled("F5 builds the image and runs it", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), log_area);
}

fn variants(model: &Model, frame: &mut Frame, rect: Rect) {
    let theme = &model.theme;
    let block = block(
        model,
        Pane::Variants,
        "Variants (Enter restores · Ctrl-E exports)".to_string(),
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    // Narrow panes drop the flags and the bars before the size and the result.
    let wide = inner.width >= 100;
    let (base_w, flags_w) = if wide { (18, 28) } else { (14, 0) };
    let header = if wide {
        format!(
            "{:>2} {:<18} {:<28} {:>9} {:>7}  {:<4} {:<10} {}",
            "#", "base", "flags", "size", "build", "run", "", "output"
        )
    } else {
        format!(
            "{:>2} {:<14} {:>9} {:<4} {}",
            "#", "base", "size", "run", "output"
        )
    };
    let mut lines = vec![Line::styled(header, theme.dim())];
    let max = model
        .variants
        .iter()
        .map(|v| v.size_bytes)
        .max()
        .unwrap_or(1)
        .max(1);
    let room = usize::from(inner.height).saturating_sub(1);
    let skip = model.variants.len().saturating_sub(room);
    for (i, v) in model.variants.iter().enumerate().skip(skip) {
        let run = match v.run_ok {
            Some(true) => ("ok", Style::default().fg(theme.ok)),
            Some(false) => ("fail", theme.error()),
            None => ("-", theme.dim()),
        };
        let style = selected_style(model, Pane::Variants, model.variant_selected == i);
        let mut spans = if wide {
            vec![Span::styled(
                format!(
                    "{:>2} {:<base_w$} {:<flags_w$} {:>9} {:>6.1}s  ",
                    v.number,
                    keep_start(&v.base, base_w),
                    flags_cell(v, flags_w),
                    size_text(v.size_bytes),
                    v.build_seconds
                ),
                theme.text().patch(style),
            )]
        } else {
            vec![Span::styled(
                format!(
                    "{:>2} {:<base_w$} {:>9} ",
                    v.number,
                    keep_start(&v.base, base_w),
                    size_text(v.size_bytes)
                ),
                theme.text().patch(style),
            )]
        };
        spans.push(Span::styled(format!("{:<4} ", run.0), run.1));
        if wide {
            let bar_len = usize::try_from(v.size_bytes.saturating_mul(10) / max)
                .unwrap_or(0)
                .max(1);
            spans.push(Span::styled(
                format!("{:<10} ", "▇".repeat(bar_len)),
                Style::default().fg(theme.bar),
            ));
        }
        spans.push(Span::styled(keep_start(&v.first_line, 40), theme.text()));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The flags, shortened so that what sets the variant apart stays in view.
fn flags_cell(v: &Variant, width: usize) -> String {
    match &v.differs {
        Some(note) => {
            let room = width.saturating_sub(note.chars().count() + 3);
            format!("{} · {note}", keep_start(&v.flags, room))
        }
        None => keep_start(&v.flags, width),
    }
}
