//! The Stages pane as a graph: snapshots of Dockerfiles with 1, 2, 3, 6 and
//! 12 stages at the usual and the compact size, and asserts on what a
//! learner relies on: every stage's name whole, the stages the target does
//! not need dimmed, small graphs whole on screen, and Enter on a stage
//! going to its FROM line.

use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use dockstage::catalog::Catalog;
use dockstage::dockerfile::{StageGraph, StageIndex, parse};
use dockstage::engine::events::{BuildEvent, Step, StepState};
use dockstage::pipeline::Event;
use dockstage::tui::model::{Model, Pane, analyze};
use dockstage::tui::msg::Msg;
use dockstage::tui::ui::layout as pane_layout;
use dockstage::tui::ui::stage_graph::{Card, GraphLayout, Shape, layout};
use dockstage::tui::update::update;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

const WIDE: (u16, u16) = (160, 45);
const SMALL: (u16, u16) = (80, 24);

/// The fixtures by their number of stages.
const FIXTURES: [(usize, &str); 5] = [
    (1, "1-single.Dockerfile"),
    (2, "2-builder-runtime.Dockerfile"),
    (3, "3-dev-not-needed.Dockerfile"),
    (6, "6-lint-test-build.Dockerfile"),
    (12, "12-monorepo.Dockerfile"),
];

fn fixture(name: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/graph")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

mod support;

use support::workbench::{FakeBuild, build_ids, dark, docker_ready, draw, hello_dir, key, open};

/// Runs the worker's side too: analyses for every Analyze command, and the
/// id of every build started.
fn drive(model: &mut Model, msg: Msg) -> Vec<u64> {
    build_ids(&support::workbench::drive(model, msg))
}

/// `text` open in the workbench, built once: every step of a stage the
/// target needs reported (the first stage from the cache), the final image
/// 9.8 MB, and the Stages pane focused.
fn built(text: &str, size: (u16, u16)) -> Model {
    let mut model = open(&hello_dir(), text, dark());
    update(&mut model, Msg::Resize(size.0, size.1));
    let version = model.version;
    drive(
        &mut model,
        Msg::Analyzed(version, Box::new(analyze(text, Catalog::bundled(), None))),
    );
    drive(&mut model, docker_ready("27.5.1"));
    let Some(&id) = drive(&mut model, key(KeyCode::F(5))).first() else {
        panic!("F5 started no build");
    };
    let graph = StageGraph::new(&parse(text));
    let lines = model
        .analysis
        .as_ref()
        .map(|a| a.stage_lines.clone())
        .unwrap_or_default();
    for stage in graph.stages.iter().filter(|s| !graph.is_unused(s.index)) {
        let state = if stage.index.0 == 0 {
            StepState::Cached
        } else {
            StepState::Done
        };
        for &line in lines.get(stage.index.0).into_iter().flatten() {
            let step = Step {
                name: format!("[{} 1/1] line {line}", stage.display_name()),
                line: Some(line),
                stage: Some(stage.index),
            };
            drive(
                &mut model,
                Msg::Build(
                    id,
                    Event::Build(BuildEvent::Step {
                        step,
                        state: state.clone(),
                    }),
                ),
            );
        }
    }
    drive(
        &mut model,
        Msg::BuildDone(
            id,
            Ok(FakeBuild {
                image_id: "sha256:9a8b7c6d5e4f".into(),
                seconds: 12.5,
                steps: 9,
                cached_steps: 3,
                size: 9_800_000,
                layers: Some(Vec::new()),
                run: None,
            }
            .finished()),
        ),
    );
    drive(&mut model, key(KeyCode::Tab));
    drive(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Pane::Graph);
    model
}

/// The Stages pane's inside, without its border.
fn graph_area(model: &Model, size: (u16, u16)) -> Rect {
    let Some(&(_, r)) = pane_layout(size, model)
        .iter()
        .find(|(p, _)| *p == Pane::Graph)
    else {
        panic!("no Stages pane at {size:?}");
    };
    // The compact layout draws the tab bar on the pane's first row.
    let top = if dockstage::tui::ui::is_compact(size) {
        1
    } else {
        0
    };
    Rect::new(
        r.x + 1,
        r.y + 1 + top,
        r.width.saturating_sub(2),
        r.height.saturating_sub(2 + top),
    )
}

/// The pane's rows as text.
fn pane_rows(buf: &Buffer, area: Rect) -> Vec<String> {
    (area.y..area.bottom())
        .map(|y| {
            (area.x..area.right())
                .map(|x| buf[(x, y)].symbol())
                .collect()
        })
        .collect()
}

/// Where `needle` is in the pane: its cells.
fn find(buf: &Buffer, area: Rect, needle: &str) -> Option<Vec<(u16, u16)>> {
    for y in area.y..area.bottom() {
        let mut row = String::new();
        let mut at = Vec::new();
        for x in area.x..area.right() {
            at.push((row.len(), x));
            row.push_str(buf[(x, y)].symbol());
        }
        if let Some(start) = row.find(needle) {
            let end = start + needle.len();
            return Some(
                at.iter()
                    .filter(|(b, _)| *b >= start && *b < end)
                    .map(|&(_, x)| (x, y))
                    .collect(),
            );
        }
    }
    None
}

fn stage_names(text: &str) -> Vec<String> {
    StageGraph::new(&parse(text))
        .stages
        .iter()
        .map(|s| s.display_name())
        .collect()
}

#[test]
fn snapshots_of_each_graph_at_both_sizes() {
    for (stages, name) in FIXTURES {
        let text = fixture(name);
        assert_eq!(stage_names(&text).len(), stages, "{name}");
        for size in [WIDE, SMALL] {
            let model = built(&text, size);
            let terminal = draw(&model, size);
            let snapshot = format!("stages_{stages}_{}x{}", size.0, size.1);
            insta::assert_snapshot!(snapshot, terminal.backend().to_string());
        }
    }
}

/// Every stage's name is on screen whole, once the selection has been on
/// it: the pane scrolls to the selected stage and never cuts a name.
#[test]
fn every_stage_name_is_shown_whole() {
    for (_, name) in FIXTURES {
        let text = fixture(name);
        for size in [WIDE, SMALL] {
            let mut model = built(&text, size);
            for (i, stage) in stage_names(&text).iter().enumerate() {
                let terminal = draw(&model, size);
                let area = graph_area(&model, size);
                let rows = pane_rows(terminal.backend().buffer(), area);
                assert!(
                    rows.iter().any(|r| r.contains(&format!("┌ {stage} "))),
                    "{name} at {size:?}: stage {i} `{stage}` is not whole on screen:\n{}",
                    terminal.backend()
                );
                drive(&mut model, key(KeyCode::Down));
            }
        }
    }
}

#[test]
fn the_stages_the_target_does_not_need_are_dim() {
    let theme = dark();
    for (name, unused, used) in [
        ("3-dev-not-needed.Dockerfile", "dev", "builder"),
        ("6-lint-test-build.Dockerfile", "dev", "build"),
        ("6-lint-test-build.Dockerfile", "lint", "deps"),
        ("6-lint-test-build.Dockerfile", "test", "runtime"),
    ] {
        let model = built(&fixture(name), WIDE);
        let terminal = draw(&model, WIDE);
        let buf = terminal.backend().buffer();
        let area = graph_area(&model, WIDE);
        let Some(cells) = find(buf, area, &format!("┌ {unused} ")) else {
            panic!("{name}: no `{unused}` box:\n{}", terminal.backend());
        };
        for &(x, y) in &cells[2..cells.len() - 1] {
            assert_eq!(buf[(x, y)].fg, theme.dim, "{name}: `{unused}` at {x},{y}");
        }
        let Some(cells) = find(buf, area, &format!("┌ {used} ")) else {
            panic!("{name}: no `{used}` box:\n{}", terminal.backend());
        };
        for &(x, y) in &cells[2..cells.len() - 1] {
            assert_eq!(buf[(x, y)].fg, theme.text, "{name}: `{used}` at {x},{y}");
        }
    }
    // With room for words, an unused stage says so, for a screen without colour.
    let model = built(&fixture("3-dev-not-needed.Dockerfile"), WIDE);
    let terminal = draw(&model, WIDE);
    let area = graph_area(&model, WIDE);
    assert!(find(terminal.backend().buffer(), area, "not needed").is_some());
}

/// The layout alone: what the pane has to show for each fixture.
fn laid_out(name: &str, room: usize) -> GraphLayout {
    let graph = StageGraph::new(&parse(&fixture(name)));
    let cards: Vec<Card> = graph
        .stages
        .iter()
        .map(|s| Card {
            title: if Some(s.index) == graph.target {
                format!("{} ★", s.display_name())
            } else {
                s.display_name()
            },
            detail: "✓ 9.8 MB".into(),
            short: "✓ 9.8 MB".into(),
        })
        .collect();
    layout(&graph, &cards, room)
}

#[test]
fn up_to_six_stages_fit_in_ten_rows_by_78_columns() {
    for (stages, name) in FIXTURES.iter().filter(|(n, _)| *n <= 6) {
        let drawn = laid_out(name, 78);
        assert!(
            drawn.width <= 78 && drawn.height <= 10,
            "{stages} stages take {}x{}",
            drawn.width,
            drawn.height
        );
        assert_eq!(
            drawn.shape,
            Shape::Graph,
            "{stages} stages fold their images at 78 columns"
        );
    }
    // At the usual size nothing of the six-stage graph is off the pane.
    let model = built(&fixture("6-lint-test-build.Dockerfile"), WIDE);
    let terminal = draw(&model, WIDE);
    let area = graph_area(&model, WIDE);
    assert!(area.width >= 78, "{area:?}");
    let text = terminal.backend().to_string();
    assert!(!text.contains("scrolls"), "{text}");
}

#[test]
fn edges_say_from_copy_or_mount_and_images_keep_their_tags() {
    let model = built(&fixture("6-lint-test-build.Dockerfile"), WIDE);
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let area = graph_area(&model, WIDE);
    for word in [
        "FROM▶",
        "COPY▶",
        "mount▶",
        "golang:1.24",
        "★",
        "✓ 9.8 MB",
        "≡",
    ] {
        assert!(
            find(buf, area, word).is_some(),
            "`{word}` is not in the graph:\n{}",
            terminal.backend()
        );
    }
    let rows = pane_rows(buf, area);
    assert!(
        rows.iter().any(|r| r.contains("golangci/…lint:v1.59.1")),
        "golangci-lint's tag is cut:\n{}",
        terminal.backend()
    );
}

#[test]
fn enter_on_a_stage_goes_to_its_from_line() {
    let text = fixture("12-monorepo.Dockerfile");
    let graph = StageGraph::new(&parse(&text));
    for size in [WIDE, SMALL] {
        let mut model = built(&text, size);
        for _ in 0..9 {
            drive(&mut model, key(KeyCode::Down));
        }
        let Some(stage) = graph.stage(StageIndex(9)) else {
            panic!("no tenth stage");
        };
        // The selected stage is on screen before Enter.
        let terminal = draw(&model, size);
        let area = graph_area(&model, size);
        assert!(
            find(terminal.backend().buffer(), area, &stage.display_name()).is_some(),
            "{}",
            terminal.backend()
        );
        drive(&mut model, key(KeyCode::Enter));
        assert_eq!(model.focus, Pane::Editor);
        assert_eq!(model.editor.cursor().0 + 1, stage.line, "{size:?}");
    }
}

#[test]
fn the_selected_stage_is_highlighted_where_the_view_scrolled_to() {
    let text = fixture("12-monorepo.Dockerfile");
    for size in [WIDE, SMALL] {
        let mut model = built(&text, size);
        for _ in 0..7 {
            drive(&mut model, key(KeyCode::Down));
        }
        let terminal = draw(&model, size);
        let buf = terminal.backend().buffer();
        let area = graph_area(&model, size);
        let Some(cells) = find(buf, area, "┌ build-worker ") else {
            panic!(
                "the selected stage is off the pane:\n{}",
                terminal.backend()
            );
        };
        for &(x, y) in &cells[1..] {
            assert!(
                buf[(x, y)].modifier.contains(Modifier::REVERSED),
                "{size:?}: cell {x},{y} of the selected stage"
            );
        }
        // Only the selected stage is highlighted.
        let reversed = (area.y..area.bottom())
            .flat_map(|y| (area.x..area.right()).map(move |x| (x, y)))
            .filter(|&(x, y)| buf[(x, y)].modifier.contains(Modifier::REVERSED))
            .count();
        assert_eq!(reversed, " build-worker ".len(), "{size:?}");
    }
}

/// The pane at many sizes: no panic, and the selected stage (the target,
/// at the far right or bottom) is on screen whenever a box fits the pane.
#[test]
fn the_selected_stage_is_on_screen_at_every_size() {
    for (stages, name) in FIXTURES {
        let text = fixture(name);
        let mut model = built(&text, WIDE);
        for _ in 1..stages {
            drive(&mut model, key(KeyCode::Down));
        }
        let Some(target) = stage_names(&text).last().cloned() else {
            panic!("{name} has no stages");
        };
        for w in [20, 30, 44, 60, 79, 80, 100, 120, 159, 160, 200] {
            for h in [6, 8, 12, 24, 32, 45, 60] {
                update(&mut model, Msg::Resize(w, h));
                let terminal = draw(&model, (w, h));
                let area = graph_area(&model, (w, h));
                if area.width < target.len() as u16 + 8 || area.height < 4 {
                    continue;
                }
                assert!(
                    find(terminal.backend().buffer(), area, &format!(" {target} ★ ")).is_some(),
                    "{name} at {w}x{h}: the selected target is off the pane:\n{}",
                    terminal.backend()
                );
            }
        }
    }
}

/// Every Dockerfile of the corpus at the usual, compact and odd widths:
/// each stage gets a box whole on the drawing, and each line ends beside the
/// box it enters.
#[test]
fn every_corpus_dockerfile_lays_out_with_a_box_per_stage() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    assert!(files.len() > 40, "the corpus is missing: {}", dir.display());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let graph = StageGraph::new(&parse(&text));
        let cards: Vec<Card> = graph
            .stages
            .iter()
            .map(|s| Card {
                title: s.display_name(),
                detail: "✓ done".into(),
                short: "✓".into(),
            })
            .collect();
        for room in [10, 34, 50, 78, 120] {
            let drawn = layout(&graph, &cards, room);
            let shown = file.display();
            assert_eq!(drawn.boxes.len(), graph.stages.len(), "{shown} at {room}");
            for b in &drawn.boxes {
                assert!(b.x + b.width <= drawn.width && b.y + b.height <= drawn.height);
                assert!(b.title.chars().count() + 4 <= b.width, "{shown}: {b:?}");
            }
            for edge in &drawn.edges {
                let Some(b) = drawn.stage_box(edge.to) else {
                    panic!("{shown}: {edge:?} enters no box");
                };
                let Some(&(x, y)) = edge.points.last() else {
                    panic!("{shown}: {edge:?} has no points");
                };
                assert!(
                    x + 1 == b.x && (b.y..b.y + b.height).contains(&y),
                    "{shown}: {edge:?}"
                );
            }
        }
    }
}
