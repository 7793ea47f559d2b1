//! Presenter mode, and what a presenter ran into at 100x30 and 80x24: each
//! problem has a test here that fails without its fix. Frames are drawn on
//! a `TestBackend` as in tui_frames.rs; keys go through `update` as in
//! tui_update.rs.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::engine::run::RunResult;
use dockstage::tui::keycast::SHOWN;
use dockstage::tui::model::{Model, Overlay, Pane};
use dockstage::tui::msg::{Cmd, Finished, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::ui::layout;
use dockstage::tui::update::update;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const PROJECTOR: (u16, u16) = (100, 30);
const WIDE: (u16, u16) = (160, 45);
const SMALL: (u16, u16) = (80, 24);

mod support;

use support::workbench::{
    FakeBuild, build_ids, ctrl, dark, docker_ready, draw, drive, hello_dir, hello_run, hello_text,
    key, open, screen_at as screen,
};

/// The hello example, analysed, with a daemon ready, laid out for `size`.
fn hello(size: (u16, u16), theme: Theme) -> Model {
    let mut model = open(&hello_dir(), &hello_text(), theme);
    update(&mut model, Msg::Resize(size.0, size.1));
    let analysed = support::workbench::analysis(&model);
    drive(&mut model, analysed);
    drive(&mut model, docker_ready("20.10.24+dfsg1"));
    model
}

fn finished(size: u64, run: RunResult, seconds: f64) -> Box<Finished> {
    FakeBuild {
        image_id: "sha256:5e1f0c2a9b7d".into(),
        seconds,
        steps: 7,
        cached_steps: 5,
        size,
        layers: None,
        run: Some(run),
    }
    .finished()
}

/// The presenter's two builds: debian-slim (75.9 MB), then scratch with
/// `1` in the Toggles pane (3.4 MB), as the figures have them.
fn built_twice(model: &mut Model) {
    let id = build_ids(&drive(model, key(KeyCode::F(5))))[0];
    drive(
        model,
        Msg::BuildDone(id, Ok(finished(75_900_000, hello_run(), 41.0))),
    );
    if model.focus != Pane::Toggles {
        drive(model, key(KeyCode::Tab));
    }
    let ids = build_ids(&drive(model, key(KeyCode::Char('1'))));
    assert_eq!(ids.len(), 1, "the base change rebuilds");
    drive(
        model,
        Msg::BuildDone(ids[0], Ok(finished(3_400_000, hello_run(), 5.2))),
    );
}

fn status_line(model: &Model, size: (u16, u16)) -> String {
    let text = screen(model, size);
    text.lines().last().unwrap_or_default().to_string()
}

fn presenting(size: (u16, u16)) -> Model {
    let mut model = hello(size, dark());
    drive(&mut model, key(KeyCode::F(9)));
    model
}

#[test]
fn presenter_mode_snapshots_before_and_after_a_build() {
    for size in [PROJECTOR, WIDE] {
        let mut model = presenting(size);
        assert!(model.present);
        let name = format!("present_before_{}x{}", size.0, size.1);
        insta::assert_snapshot!(name, screen(&model, size));
        built_twice(&mut model);
        let name = format!("present_after_{}x{}", size.0, size.1);
        insta::assert_snapshot!(name, screen(&model, size));
    }
}

#[test]
fn presenter_mode_has_two_panes_big_digits_and_the_keys_pressed() {
    let mut model = presenting(PROJECTOR);
    built_twice(&mut model);
    let panes: Vec<Pane> = layout(PROJECTOR, &model).iter().map(|(p, _)| *p).collect();
    assert_eq!(panes, [Pane::Editor, Pane::Toggles]);
    let text = screen(&model, PROJECTOR);
    // Block digits: several rows of the pane are made of block glyphs.
    let blocky = text
        .lines()
        .filter(|l| l.chars().filter(|c| ('▀'..='▟').contains(c)).count() > 8)
        .count();
    assert!(
        blocky >= 6,
        "no big digits for the size and its change:\n{text}"
    );
    assert!(text.contains("base debian-slim → scratch"), "{text}");
    assert!(text.contains("✓ exit 0 · Hello World!"), "{text}");
    // The keys pressed: Tab, then 1; the newest is marked.
    assert!(text.contains("Tab") && text.contains("▶ 1"), "{text}");
    // Tab stays between the two panes shown.
    drive(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Pane::Editor);
    drive(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Pane::Toggles);
}

#[test]
fn the_keys_pressed_fade_a_few_seconds_after_the_last_one() {
    let mut model = presenting(PROJECTOR);
    let start = model.now;
    let keys_row = |model: &Model| {
        let text = screen(model, PROJECTOR);
        text.lines()
            .find(|l| l.trim_start_matches('"').trim_start().starts_with("keys"))
            .unwrap_or_else(|| panic!("no keys row:\n{text}"))
            .to_string()
    };
    drive(&mut model, key(KeyCode::F(5)));
    drive(&mut model, Msg::Tick(start + Duration::from_secs(1)));
    assert!(keys_row(&model).contains("▶ F5"), "{}", keys_row(&model));
    // Another key a moment later keeps both on screen past the first's time.
    drive(&mut model, key(KeyCode::Tab));
    drive(
        &mut model,
        Msg::Tick(start + SHOWN + Duration::from_millis(500)),
    );
    let row = keys_row(&model);
    assert!(row.contains("F5") && row.contains("▶ Tab"), "{row}");
    drive(
        &mut model,
        Msg::Tick(start + Duration::from_secs(1) + SHOWN),
    );
    let row = keys_row(&model);
    assert!(!row.contains("Tab") && !row.contains("F5"), "{row}");
}

#[test]
fn presenter_mode_says_when_a_build_failed_and_keeps_the_last_size() {
    let mut model = presenting(PROJECTOR);
    built_twice(&mut model);
    let id = build_ids(&drive(&mut model, key(KeyCode::F(5))))[0];
    drive(
        &mut model,
        Msg::BuildDone(
            id,
            Err(dockstage::tui::msg::BuildFailure {
                message: "go build exited with 1".into(),
                line: Some(33),
                ..Default::default()
            }),
        ),
    );
    let text = screen(&model, PROJECTOR);
    assert!(text.contains("✗ build failed at line 33"), "{text}");
    assert!(text.contains("image size, build 2"), "{text}");
    let line = status_line(&model, PROJECTOR);
    assert!(line.contains("build failed at line 33"), "{line}");
    assert!(
        !line.contains("3.4 MB"),
        "a stale size after the failure: {line}"
    );
}

#[test]
fn f9_brings_the_high_contrast_theme_and_takes_it_back() {
    let mut model = hello(PROJECTOR, dark());
    drive(&mut model, key(KeyCode::F(9)));
    assert_eq!(model.theme.name, "high-contrast");
    drive(&mut model, key(KeyCode::F(9)));
    assert!(!model.present);
    assert_eq!(model.theme.name, "dark");
    // Without colour (NO_COLOR) presenter mode keeps no colour.
    let mut model = hello(PROJECTOR, Theme::monochrome());
    drive(&mut model, key(KeyCode::F(9)));
    assert!(model.present && model.theme.is_monochrome());
}

#[test]
fn presenter_mode_is_drawn_whole_at_every_size() {
    let mut model = presenting(WIDE);
    built_twice(&mut model);
    for w in [20, 40, 60, 80, 100, 120, 160, 200] {
        for h in [6, 10, 20, 24, 30, 45] {
            update(&mut model, Msg::Resize(w, h));
            let terminal = draw(&model, (w, h));
            let buf = terminal.backend().buffer();
            for (pane, r) in layout((w, h), &model) {
                if r.width < 2 || r.height < 2 {
                    continue;
                }
                let want = if pane == model.focus { "╔" } else { "┌" };
                assert_eq!(
                    buf[(r.x, r.y)].symbol(),
                    want,
                    "{pane:?} at {w}x{h}:\n{}",
                    terminal.backend()
                );
            }
        }
    }
}

// 1. The result was hidden behind tabs in the compact layout.
#[test]
fn the_compact_layout_keeps_the_last_build_in_view_whatever_tab_is_shown() {
    for size in [PROJECTOR, SMALL] {
        let mut model = hello(size, dark());
        built_twice(&mut model);
        for _ in 0..6 {
            drive(&mut model, key(KeyCode::Tab));
            let text = screen(&model, size);
            let body: Vec<&str> = text.lines().take(usize::from(size.1) - 1).collect();
            let body = body.join("\n");
            assert!(
                body.contains("3.4 MB −72.5 MB") && body.contains("✓ exit 0"),
                "{:?} at {}x{} hides the result:\n{text}",
                model.focus,
                size.0,
                size.1
            );
        }
    }
}

// 2. The status line cut the size off.
#[test]
fn the_status_line_keeps_the_size_and_its_change_down_to_80x24() {
    for size in [SMALL, PROJECTOR, (90, 24), WIDE] {
        let mut model = hello(size, dark());
        built_twice(&mut model);
        let line = status_line(&model, size);
        assert!(
            line.contains("3.4 MB") && line.contains("−72.5 MB"),
            "at {}x{}: {line}",
            size.0,
            size.1
        );
        assert!(
            line.ends_with("^Q quit \""),
            "at {}x{}: {line}",
            size.0,
            size.1
        );
        // Another message (a save) replaces the build's, and the size stays.
        update(
            &mut model,
            Msg::Saved(Ok(PathBuf::from(
                "/home/presenter/workshop/examples/hello/Dockerfile",
            ))),
        );
        let line = status_line(&model, size);
        assert!(
            line.contains("3.4 MB (−72.5 MB)") && line.contains("saved"),
            "after a save at {}x{}: {line}",
            size.0,
            size.1
        );
    }
    let mut model = hello(SMALL, dark());
    built_twice(&mut model);
    insta::assert_snapshot!("status_after_build_80x24", status_line(&model, SMALL));
    let mut model = hello(PROJECTOR, dark());
    built_twice(&mut model);
    insta::assert_snapshot!("status_after_build_100x30", status_line(&model, PROJECTOR));
}

/// Where `needle` starts on screen.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let mut row = String::new();
        let mut xs = Vec::new();
        for x in 0..buf.area.width {
            xs.push((row.len(), x));
            row.push_str(buf[(x, y)].symbol());
        }
        if let Some(at) = row.find(needle) {
            let x = xs.iter().find(|(b, _)| *b == at).map_or(0, |(_, x)| *x);
            return Some((x, y));
        }
    }
    None
}

// 3. After Tab, keys meant for the toggles went into the editor, and only
// colour showed where focus was.
#[test]
fn after_tab_the_toggle_keys_reach_the_toggles_and_never_the_editor() {
    for present in [false, true] {
        let mut model = hello(PROJECTOR, dark());
        if present {
            drive(&mut model, key(KeyCode::F(9)));
        }
        assert_eq!(model.focus, Pane::Editor);
        drive(&mut model, key(KeyCode::Tab));
        assert_eq!(model.focus, Pane::Toggles);
        let before = model.text();
        // Space, letters and digits past the catalog change nothing typed.
        for c in ['x', 'q', '0', '9', '?'] {
            drive(&mut model, key(KeyCode::Char(c)));
            if model.overlay != Overlay::None {
                drive(&mut model, key(KeyCode::Esc));
            }
        }
        assert_eq!(model.text(), before, "typing went into the editor");
        drive(&mut model, key(KeyCode::Right));
        let text = model.text();
        assert!(text.contains("FROM scratch"), "→ did not change the base");
        assert_eq!(model.focus, Pane::Toggles);
    }
}

#[test]
fn a_tab_that_closes_the_help_still_moves_focus_to_the_toggles() {
    // Seen in a session: the help was open, Tab closed it and left focus
    // in the editor, and the next keys were typed into the Dockerfile.
    let mut model = hello(PROJECTOR, dark());
    drive(&mut model, key(KeyCode::F(1)));
    assert_eq!(model.overlay, Overlay::Help);
    drive(&mut model, key(KeyCode::Tab));
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(model.focus, Pane::Toggles);
    let before = model.text();
    drive(&mut model, key(KeyCode::Char('1')));
    let text = model.text();
    assert!(text.contains("FROM scratch"), "1 did not choose scratch");
    assert!(!text.starts_with('1') && text.lines().count() == before.lines().count());
    // Any other key only closes it.
    drive(&mut model, key(KeyCode::F(1)));
    drive(&mut model, key(KeyCode::Char('x')));
    assert_eq!(
        (model.overlay.clone(), model.focus),
        (Overlay::None, Pane::Toggles)
    );
}

#[test]
fn focus_shows_without_colour() {
    for present in [false, true] {
        let mut model = hello(WIDE, Theme::monochrome());
        if present {
            drive(&mut model, key(KeyCode::F(9)));
        }
        drive(&mut model, key(KeyCode::Tab));
        let terminal = draw(&model, WIDE);
        let buf = terminal.backend().buffer();
        let Some((x, y)) = find(buf, "▶ Toggles").or_else(|| find(buf, "▶ Base and toggles"))
        else {
            panic!("no ▶ on the focused pane:\n{}", terminal.backend());
        };
        assert!(buf[(x + 2, y)].modifier.contains(Modifier::BOLD));
        let rect = layout(WIDE, &model)
            .into_iter()
            .find(|(p, _)| *p == Pane::Toggles)
            .map(|(_, r)| r);
        let Some(rect) = rect else {
            panic!("no toggles pane");
        };
        assert_eq!(
            buf[(rect.x, rect.y)].symbol(),
            "╔",
            "{}",
            terminal.backend()
        );
        assert!(find(buf, "▶ Dockerfile").is_none());
    }
}

#[test]
fn the_compact_tab_bar_marks_the_pane_with_focus_only() {
    // With the editor focused, the Toggles tab is shown but must not look
    // focused: the presenter took it for where the keys go.
    let mut model = hello(PROJECTOR, Theme::monochrome());
    let reversed = |model: &Model| {
        let terminal = draw(model, PROJECTOR);
        let buf = terminal.backend().buffer().clone();
        let Some((x, y)) = find(&buf, "Toggles│") else {
            panic!("no tab bar:\n{}", terminal.backend());
        };
        buf[(x, y)].modifier.contains(Modifier::REVERSED)
    };
    assert_eq!(model.focus, Pane::Editor);
    assert!(!reversed(&model), "the Toggles tab looks focused");
    drive(&mut model, key(KeyCode::Tab));
    assert!(reversed(&model), "the focused Toggles tab is not marked");
}

// 4. The high-contrast theme used the terminal's background and grey comments.
#[test]
fn high_contrast_paints_its_own_background_and_bright_comments() {
    let Ok(theme) = Theme::named("high-contrast") else {
        panic!("no high-contrast theme");
    };
    let model = hello(WIDE, theme.clone());
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let painted = buf.content.iter().filter(|c| c.bg == Color::Reset).count();
    assert_eq!(painted, 0, "cells left on the terminal's background");
    let Some((x, y)) = find(buf, "# Every following instruction") else {
        panic!("no comment on screen:\n{}", terminal.backend());
    };
    assert_eq!(buf[(x + 2, y)].fg, theme.comment.unwrap_or(Color::Reset));
    assert_eq!(theme.comment, Some(Color::Rgb(0xff, 0xd7, 0xaf)));
}

// 5. Long comment lines were cut.
#[test]
fn long_lines_wrap_and_the_cursor_lands_on_the_wrapped_row() {
    let mut model = hello(SMALL, dark());
    let text = screen(&model, SMALL);
    assert!(text.contains("↪"), "no wrapped row at 80x24:\n{text}");
    // Put the cursor at the end of a long line: it is drawn after the
    // line's last word, on a continuation row.
    let long = model
        .editor
        .lines()
        .iter()
        .position(|l| l.chars().count() > 60)
        .unwrap_or(0);
    let line = model.editor.lines()[long].clone();
    let last_word = line
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string();
    for _ in 0..long {
        update(&mut model, key(KeyCode::Down));
    }
    update(&mut model, key(KeyCode::End));
    let mut terminal = draw(&model, SMALL);
    let text = terminal.backend().to_string();
    let cursor = match terminal.get_cursor_position() {
        Ok(p) => p,
        Err(e) => match e {},
    };
    let buf = terminal.backend().buffer().clone();
    let row: String = (0..SMALL.0).map(|x| buf[(x, cursor.y)].symbol()).collect();
    let before: String = (0..cursor.x).map(|x| buf[(x, cursor.y)].symbol()).collect();
    assert!(
        row.contains('↪'),
        "the cursor is not on a wrapped row: {row}\n{text}"
    );
    assert!(
        before.ends_with(&last_word),
        "the cursor is not after {last_word:?}: {before}\n{text}"
    );
    // A click on that cell puts the cursor in the same place.
    let at = (model.editor.cursor().0, model.editor.cursor().1);
    update(&mut model, key(KeyCode::Home));
    assert_ne!((model.editor.cursor().0, model.editor.cursor().1), at);
    update(
        &mut model,
        Msg::Mouse(crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column: cursor.x,
            row: cursor.y,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!((model.editor.cursor().0, model.editor.cursor().1), at);
}

// 6. No way to open another Dockerfile of the project.
#[test]
fn ctrl_o_lists_the_dockerfiles_and_opens_one() {
    let mut model = hello(SMALL, dark());
    let cmds = drive(&mut model, ctrl('o'));
    assert_eq!(cmds, vec![Cmd::ListDockerfiles { dir: hello_dir() }]);
    let files = dockstage::tui::file_switch::list(&hello_dir());
    let names: Vec<String> = files
        .iter()
        .flatten()
        .map(|p| dockstage::tui::file_switch::file_name(p))
        .collect();
    assert_eq!(names, ["Dockerfile", "Dockerfile.single"]);
    drive(&mut model, Msg::Dockerfiles(files));
    let text = screen(&model, SMALL);
    assert!(
        text.contains("▶ Dockerfile (open)") && text.contains("Dockerfile.single"),
        "{text}"
    );
    drive(&mut model, key(KeyCode::Down));
    let cmds = drive(&mut model, key(KeyCode::Enter));
    let single = hello_dir().join("Dockerfile.single");
    let version = model.version;
    assert_eq!(
        cmds,
        vec![Cmd::OpenFile {
            path: single.clone(),
            version
        }]
    );
    let single_text = std::fs::read_to_string(&single).unwrap_or_default();
    let cmds = drive(
        &mut model,
        Msg::Opened {
            path: single.clone(),
            version,
            text: Ok(single_text.clone()),
        },
    );
    assert_eq!(model.file.path, single);
    assert_eq!(model.text(), single_text);
    assert!(!model.dirty());
    assert!(cmds.contains(&Cmd::CheckDisk { path: single }));
    assert!(model.analysis.is_some(), "the new file is analysed");
}

#[test]
fn ctrl_o_never_drops_unsaved_changes() {
    let single = hello_dir().join("Dockerfile.single");
    let files = Ok(vec![hello_dir().join("Dockerfile"), single.clone()]);
    let choose = |model: &mut Model| {
        drive(model, ctrl('o'));
        drive(model, Msg::Dockerfiles(files.clone()));
        drive(model, key(KeyCode::Down));
        drive(model, key(KeyCode::Enter))
    };
    // Any other key: nothing opens and the edit stays.
    let mut model = hello(SMALL, dark());
    drive(&mut model, key(KeyCode::Char('#')));
    let edited = model.text();
    assert!(choose(&mut model).is_empty());
    assert_eq!(model.overlay, Overlay::ConfirmOpen(single.clone()));
    assert!(screen(&model, SMALL).contains("s  save, then open"));
    assert!(drive(&mut model, key(KeyCode::Esc)).is_empty());
    assert_eq!(model.text(), edited);
    assert_eq!(model.overlay, Overlay::None);

    // s: save first; the file opens once the save is done.
    let cmds = choose(&mut model);
    assert!(cmds.is_empty());
    let cmds = drive(&mut model, key(KeyCode::Char('s')));
    assert!(matches!(cmds.as_slice(), [Cmd::Save { text, .. }] if *text == edited));
    let path = model.file.path.clone();
    let cmds = drive(&mut model, Msg::Saved(Ok(path)));
    let version = model.version;
    assert_eq!(
        cmds,
        vec![Cmd::OpenFile {
            path: single.clone(),
            version
        }]
    );

    // d: drop the changes, on the user's word only; the file read opens.
    let mut model = hello(SMALL, dark());
    drive(&mut model, key(KeyCode::Char('#')));
    choose(&mut model);
    let cmds = drive(&mut model, key(KeyCode::Char('d')));
    let version = model.version;
    assert_eq!(
        cmds,
        vec![Cmd::OpenFile {
            path: single.clone(),
            version
        }]
    );
    drive(
        &mut model,
        Msg::Opened {
            path: single.clone(),
            version,
            text: Ok("FROM scratch\n".into()),
        },
    );
    assert_eq!(model.text(), "FROM scratch\n");
    assert_eq!(model.file.path, single);

    // A file read while new edits were made is not put over them.
    let mut model = hello(SMALL, dark());
    drive(&mut model, key(KeyCode::Char('#')));
    choose(&mut model);
    let cmds = drive(&mut model, key(KeyCode::Char('d')));
    let Some(Cmd::OpenFile { version, .. }) = cmds.first().cloned() else {
        panic!("d did not open: {cmds:?}");
    };
    drive(&mut model, key(KeyCode::Char('!')));
    let edited = model.text();
    drive(
        &mut model,
        Msg::Opened {
            path: single,
            version,
            text: Ok("FROM scratch\n".into()),
        },
    );
    assert_eq!(model.text(), edited);
}

// 7. No way to jump to a base without stepping through the others.
#[test]
fn number_keys_jump_to_a_base_in_the_catalogs_order() {
    let keys: Vec<&str> = Catalog::bundled().keys().collect();
    let mut model = hello(WIDE, dark());
    drive(&mut model, key(KeyCode::Tab));
    for (i, base) in keys.iter().enumerate().rev() {
        let digit = char::from_digit(u32::try_from(i + 1).unwrap_or(0), 10).unwrap_or('0');
        drive(&mut model, key(KeyCode::Char(digit)));
        let now = model.analysis.as_ref().and_then(|a| a.base.clone());
        assert_eq!(now.as_deref(), Some(*base), "key {digit}");
    }
    let text = screen(&model, WIDE);
    assert!(
        text.contains("1●scratch") && text.contains("6 debian-slim"),
        "the number keys are not shown:\n{text}"
    );
    // In the editor a digit is text.
    drive(&mut model, key(KeyCode::BackTab));
    let before = model.text();
    drive(&mut model, key(KeyCode::Char('3')));
    assert_ne!(model.text(), before);
}

#[test]
fn every_new_key_is_in_the_help_and_the_hints() {
    let mut model = hello(WIDE, dark());
    drive(&mut model, key(KeyCode::F(1)));
    let text = screen(&model, WIDE);
    for needle in ["Ctrl-O", "F9", "1–6"] {
        assert!(
            text.contains(needle),
            "{needle} is not in the help:\n{text}"
        );
    }
    drive(&mut model, key(KeyCode::Esc));
    let line = status_line(&model, WIDE);
    for needle in ["F9 present", "^O open"] {
        assert!(
            line.contains(needle),
            "{needle} is not in the hints: {line}"
        );
    }
}
