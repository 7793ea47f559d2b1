//! What the last build changed, in a few words: the size and its change,
//! the run result and which toggle or base changed. Presenter mode and the
//! compact layout show it where the full layout has room for whole panes.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::outcome::RunResult;
use crate::tui::model::{BuildState, Model};
use crate::workbench::variant::{Variant, change_text, size_text};

/// The last build and the one before it, when there was one.
pub fn last_two(model: &Model) -> Option<(&Variant, Option<&Variant>)> {
    let last = model.variants.last()?;
    let previous = model
        .variants
        .len()
        .checked_sub(2)
        .and_then(|i| model.variants.get(i));
    Some((last, previous))
}

/// Smaller is good news; the colour repeats what the sign says.
pub fn change_style(model: &Model, previous: u64, now: u64) -> Style {
    let theme = &model.theme;
    if now < previous {
        Style::default().fg(theme.ok)
    } else if now > previous {
        Style::default().fg(theme.warning)
    } else {
        theme.text()
    }
}

/// "1.4 MB (−75.5 MB)": the size as the status line keeps it in view.
pub fn size_and_change(model: &Model) -> Option<String> {
    let (last, previous) = last_two(model)?;
    Some(match previous {
        Some(p) => format!(
            "{} ({})",
            size_text(last.size_bytes),
            change_text(p.size_bytes, last.size_bytes)
        ),
        None => size_text(last.size_bytes),
    })
}

/// What differs between the two builds' base and toggles, e.g.
/// "base debian-slim → scratch · cgo off".
pub fn what_changed(previous: &Variant, now: &Variant) -> String {
    let mut parts = Vec::new();
    if previous.base != now.base {
        parts.push(format!("base {} → {}", previous.base, now.base));
    }
    let flags = |v: &Variant| -> Vec<String> {
        v.flags
            .split(", ")
            .filter(|f| !f.is_empty() && *f != "-")
            .map(str::to_string)
            .collect()
    };
    let (before, after) = (flags(previous), flags(now));
    for f in after.iter().filter(|f| !before.contains(f)) {
        parts.push(f.clone());
    }
    for f in before.iter().filter(|f| !after.contains(f)) {
        parts.push(format!("no {f}"));
    }
    if parts.is_empty() {
        "the same base and toggles".into()
    } else {
        parts.join(" · ")
    }
}

/// The run result in one line: a mark that says it without colour, then
/// the exit and the first line of output or the reason it failed.
pub fn run_line(model: &Model) -> Option<Line<'static>> {
    let theme = &model.theme;
    if let BuildState::Failed { line, .. } = &model.build {
        let at = line.map(|l| format!(" at line {l}")).unwrap_or_default();
        let why = model
            .explanation
            .as_ref()
            .map(|e| format!(": {}", e.cause))
            .unwrap_or_default();
        return Some(Line::styled(
            format!("✗ build failed{at}{why}"),
            theme.error().add_modifier(Modifier::BOLD),
        ));
    }
    let run = model.run.as_ref()?;
    let (mark, style) = if run.ok() {
        ("✓", Style::default().fg(theme.ok))
    } else {
        ("✗", theme.error())
    };
    let verdict = match run.service.as_ref() {
        Some(answer) if !run.timed_out && !run.oom_killed => {
            crate::workbench::service::summary(answer)
        }
        _ => verdict(run),
    };
    let said = if run.ok() {
        run.first_line().to_string()
    } else {
        run.stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(run.first_line())
            .to_string()
    };
    let mut spans = vec![Span::styled(
        format!("{mark} {verdict}"),
        style.add_modifier(Modifier::BOLD),
    )];
    if !said.is_empty() {
        spans.push(Span::styled(format!(" · {said}"), theme.text()));
    }
    Some(Line::from(spans))
}

/// How a run ended, in a word or two: "exit 0", "timed out", "out of memory".
pub fn verdict(run: &RunResult) -> String {
    if run.timed_out {
        "timed out".to_string()
    } else if run.oom_killed {
        "out of memory".to_string()
    } else if run.ok() {
        format!("exit {}", run.exit_code.unwrap_or(0))
    } else {
        format!(
            "exit {}",
            run.exit_code.map_or("?".into(), |c| c.to_string())
        )
    }
}

/// Why the run failed and what to switch, when known.
pub fn why_line(model: &Model) -> Option<Line<'static>> {
    if matches!(model.build, BuildState::Failed { .. }) {
        return model
            .explanation
            .as_ref()
            .map(|e| Line::styled(e.hint.to_string(), model.theme.text()));
    }
    let e = model.explanation.as_ref()?;
    let fix = e
        .fix
        .as_ref()
        .map(|c| format!(" → toggle {c}"))
        .unwrap_or_default();
    Some(Line::styled(
        format!("why: {}{fix}", e.cause),
        Style::default().fg(model.theme.warning),
    ))
}

/// The compact layout's few lines: size and change, what changed, the
/// run result.
pub fn summary(model: &Model) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let mut lines = Vec::new();
    if let Some((last, previous)) = last_two(model) {
        let mut spans = vec![Span::styled(
            size_text(last.size_bytes),
            theme.text().add_modifier(Modifier::BOLD),
        )];
        if let Some(p) = previous {
            spans.push(Span::styled(
                format!(" {}", change_text(p.size_bytes, last.size_bytes)),
                change_style(model, p.size_bytes, last.size_bytes).add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::styled(format!(" vs build {}", p.number), theme.dim()));
            lines.push(Line::from(spans));
            lines.push(Line::styled(what_changed(p, last), theme.dim()));
        } else {
            lines.push(Line::from(spans));
        }
    }
    lines.extend(run_line(model));
    lines
}
