//! The Files view and the comparison of two variants, headless: key
//! sequences on a `Model`, the Docker worker's replies fed in by hand with
//! `ImageFiles` stacked from layer indexes made here, and whole-screen
//! snapshots at 160x45 and 80x24.

use std::sync::Arc;

use crossterm::event::KeyCode;
use dockstage::engine::image_file::{FileHead, ImageFile};
use dockstage::engine::layers::Layer;
use dockstage::tui::files_view::{FilesError, FilesLoad, PreviewText, Row, Scope};
use dockstage::tui::model::{Model, Pane};
use dockstage::tui::msg::{Cmd, Finished, Msg};
use dockstage::tui::update::update;
use dockstage::workbench::image_files::{ChangeKind, Entry, EntryKind, ImageFiles, stack};
use ratatui::style::Modifier;

const DEBIAN: &str = "sha256:d3b1a2c4e5f60718293a4b5c6d7e8f90";
const SCRATCH: &str = "sha256:5c4a7c8b9d0e1f2a3b4c5d6e7f809102";
const WIDE: (u16, u16) = (160, 45);
const SMALL: (u16, u16) = (80, 24);

mod support;

use support::workbench::{FakeBuild, build_ids, ctrl, dark, draw, key, screen_at as screen};

fn keys(model: &mut Model, codes: &[KeyCode]) -> Vec<Cmd> {
    codes.iter().flat_map(|c| update(model, key(*c))).collect()
}

fn typed(model: &mut Model, text: &str) {
    for c in text.chars() {
        assert!(update(model, key(KeyCode::Char(c))).is_empty());
    }
}

/// The hello example analysed, with a daemon ready, at `size`.
fn hello(size: (u16, u16)) -> Model {
    support::workbench::hello(dark(), size)
}

fn layer(size: u64, created_by: &str, line: Option<usize>, from_base: bool) -> Layer {
    Layer {
        size_bytes: size,
        created_by: created_by.into(),
        line,
        stage: None,
        from_base,
    }
}

const DEBIAN_BASE: &str = "# debian.sh --arch 'amd64' out/ 'bookworm' '@1700000000'";
const COPY: &str = "COPY /hello /hello # buildkit";
const CLEAN: &str = "RUN /bin/sh -c rm -rf /var/cache/apt # buildkit";

/// `docker history` of the debian variant, oldest first: two rows made no
/// layer (CMD, ENTRYPOINT), and the cleanup's layer has no bytes.
fn debian_history() -> Vec<Layer> {
    vec![
        layer(74_800_000, DEBIAN_BASE, None, true),
        layer(0, "CMD [\"bash\"]", None, true),
        layer(2_100_000, COPY, Some(42), false),
        layer(0, CLEAN, Some(43), false),
        layer(0, "ENTRYPOINT [\"/hello\"]", Some(46), false),
    ]
}

fn index(entries: &[(&str, EntryKind, u64)]) -> dockstage::workbench::image_files::LayerIndex {
    dockstage::workbench::image_files::LayerIndex {
        entries: entries
            .iter()
            .map(|(path, kind, size)| Entry {
                path: path.to_string(),
                kind: *kind,
                size: *size,
            })
            .collect(),
    }
}

use EntryKind::{Dir, File, Whiteout};

/// The debian variant's files, as the export's three layers stack up.
fn debian_files() -> ImageFiles {
    stack(
        DEBIAN,
        vec![
            (
                "a1".into(),
                Some(DEBIAN_BASE.into()),
                index(&[
                    ("etc", Dir, 0),
                    ("etc/passwd", File, 1_200),
                    ("etc/os-release", File, 300),
                    ("usr", Dir, 0),
                    ("usr/bin", Dir, 0),
                    ("usr/bin/bash", File, 1_250_000),
                    ("usr/bin/ls", File, 150_000),
                    ("usr/lib", Dir, 0),
                    ("usr/lib/x86_64-linux-gnu", Dir, 0),
                    ("usr/lib/x86_64-linux-gnu/libc.so.6", File, 2_000_000),
                    ("usr/share/doc/bash/copyright", File, 5_000),
                    ("var/cache/apt/pkgcache.bin", File, 30_000_000),
                    ("var/lib/dpkg/status", File, 500_000),
                ]),
            ),
            (
                "b2".into(),
                Some(COPY.into()),
                index(&[("hello", File, 2_100_000)]),
            ),
            (
                "c3".into(),
                Some(CLEAN.into()),
                index(&[("var/cache/apt", Whiteout, 0)]),
            ),
        ],
    )
}

fn scratch_files() -> ImageFiles {
    stack(
        SCRATCH,
        vec![(
            "d4".into(),
            Some(COPY.into()),
            index(&[("hello", File, 1_400_000)]),
        )],
    )
}

fn built(image: &str, history: Vec<Layer>, size: u64) -> Box<Finished> {
    FakeBuild {
        image_id: image.into(),
        seconds: 4.2,
        steps: 7,
        cached_steps: 5,
        size,
        layers: Some(history),
        ..FakeBuild::default()
    }
    .finished()
}

/// F5, then the worker's report that it built `image`.
fn build(model: &mut Model, image: &str, history: Vec<Layer>, size: u64) {
    let Some(&id) = build_ids(&update(model, key(KeyCode::F(5)))).first() else {
        panic!("F5 started no build");
    };
    update(model, Msg::BuildDone(id, Ok(built(image, history, size))));
}

fn focus(model: &mut Model, pane: Pane) {
    for _ in 0..Pane::ORDER.len() {
        if model.focus == pane {
            return;
        }
        update(model, key(KeyCode::Tab));
    }
    assert_eq!(model.focus, pane);
}

fn files_read(image: &str, files: ImageFiles) -> Msg {
    Msg::FilesRead {
        image: image.into(),
        result: Ok(Arc::new(files)),
    }
}

fn reads(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::ReadFiles { image } => Some(image.clone()),
            _ => None,
        })
        .collect()
}

/// The rows as "depth mark name size" strings, to compare in one assert.
fn rows(model: &Model) -> Vec<String> {
    let view = model.files_view.as_ref();
    view.map_or(&[][..], |v| &v.rows[..])
        .iter()
        .map(|r: &Row| {
            let mark = match r.mark {
                Some(ChangeKind::Added) => "+",
                Some(ChangeKind::Modified) => "~",
                Some(ChangeKind::Removed) => "-",
                None => "",
            };
            let slash = if r.dir { "/" } else { "" };
            let fold = match (r.dir, r.open) {
                (true, true) => "v",
                (true, false) => ">",
                _ => " ",
            };
            format!("{}{fold}{mark}{}{slash}", "  ".repeat(r.depth), r.name)
        })
        .collect()
}

/// The debian variant built, the Layers pane focused on the COPY row.
fn on_copy_layer(size: (u16, u16)) -> Model {
    let mut model = hello(size);
    build(&mut model, DEBIAN, debian_history(), 77_000_000);
    focus(&mut model, Pane::Layers);
    keys(&mut model, &[KeyCode::Down, KeyCode::Down]);
    assert_eq!(model.layer_selected, 2);
    model
}

#[test]
fn enter_in_layers_reads_the_image_once_and_shows_what_the_layer_added() {
    let mut model = on_copy_layer(WIDE);
    let cmds = update(&mut model, key(KeyCode::Enter));
    assert_eq!(
        reads(&cmds),
        [DEBIAN],
        "the image is read through the worker"
    );
    assert!(matches!(
        model.files.get(DEBIAN),
        Some(FilesLoad::Reading { .. })
    ));
    update(
        &mut model,
        Msg::FilesProgress {
            image: DEBIAN.into(),
            layers_read: 2,
            bytes_read: 40_000_000,
        },
    );
    assert!(matches!(
        model.files.get(DEBIAN),
        Some(FilesLoad::Reading { layers_read: 2, .. })
    ));
    update(&mut model, files_read(DEBIAN, debian_files()));
    let view = model
        .files_view
        .as_ref()
        .unwrap_or_else(|| panic!("no view"));
    assert_eq!(
        view.layer,
        Some(1),
        "history row 2 made the export's second layer"
    );
    assert_eq!(rows(&model), [" +hello"]);

    // Back to the Layers pane, one row down, Enter: no second read.
    update(&mut model, key(KeyCode::Esc));
    assert!(model.files_view.is_none());
    let cmds = keys(&mut model, &[KeyCode::Down, KeyCode::Enter]);
    assert!(reads(&cmds).is_empty(), "cached per image id: {cmds:?}");
    assert_eq!(rows(&model), [">var/"], "the cleanup removed under /var");
    keys(&mut model, &[KeyCode::Right, KeyCode::Down, KeyCode::Right]);
    assert_eq!(rows(&model), ["vvar/", "  vcache/", "     -apt"]);
    let apt = &model.files_view.as_ref().map(|v| v.rows[2].clone());
    assert_eq!(apt.as_ref().map(|r| r.removed_bytes), Some(30_000_000));

    // ] goes to the ENTRYPOINT row, which made no layer; [ comes back.
    update(&mut model, key(KeyCode::Char(']')));
    assert_eq!(model.layer_selected, 4);
    assert!(rows(&model).is_empty());
    assert_eq!(model.files_view.as_ref().and_then(|v| v.layer), None);
    update(&mut model, key(KeyCode::Char('[')));
    assert_eq!(model.layer_selected, 3);
    // The base image's own layers are there too.
    keys(
        &mut model,
        &[KeyCode::Char('['), KeyCode::Char('['), KeyCode::Char('[')],
    );
    assert_eq!(model.layer_selected, 0);
    // Folds are kept by path from layer to layer.
    assert_eq!(
        rows(&model),
        [
            ">+etc/",
            ">+usr/",
            "vvar/",
            "  vcache/",
            "    >apt/",
            "  >lib/"
        ]
    );
}

#[test]
fn folds_filter_and_minimum_size_shape_the_whole_image_tree() {
    let mut model = on_copy_layer(WIDE);
    update(&mut model, key(KeyCode::Char('f')));
    update(&mut model, files_read(DEBIAN, debian_files()));
    update(&mut model, key(KeyCode::Char('a')));
    assert_eq!(
        model.files_view.as_ref().map(|v| v.scope),
        Some(Scope::Image)
    );
    assert_eq!(rows(&model), [">etc/", ">usr/", ">var/", " hello"]);
    // Enter unfolds and folds; ← on a child goes to its parent.
    keys(&mut model, &[KeyCode::Down, KeyCode::Enter]);
    assert_eq!(
        rows(&model),
        [
            ">etc/",
            "vusr/",
            "  >bin/",
            "  >lib/",
            "  >share/",
            ">var/",
            " hello"
        ]
    );
    keys(&mut model, &[KeyCode::Down, KeyCode::Left]);
    assert_eq!(model.files_view.as_ref().map(|v| v.selected), Some(1));
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(rows(&model), [">etc/", ">usr/", ">var/", " hello"]);

    // "/" then text: only matching paths, their directories unfolded.
    update(&mut model, key(KeyCode::Char('/')));
    typed(&mut model, "bin");
    assert_eq!(rows(&model), ["vusr/", "  vbin/", "     bash", "     ls"]);
    update(&mut model, key(KeyCode::Enter));
    // s: at least 10 kB, then 100 kB, then 1 MB.
    keys(
        &mut model,
        &[KeyCode::Char('s'), KeyCode::Char('s'), KeyCode::Char('s')],
    );
    assert_eq!(
        model.files_view.as_ref().map(|v| v.min_bytes()),
        Some(1_000_000)
    );
    assert_eq!(rows(&model), ["vusr/", "  vbin/", "     bash"]);
    // Esc in the filter clears it; the size stays.
    keys(&mut model, &[KeyCode::Char('/'), KeyCode::Esc]);
    assert_eq!(rows(&model), [">usr/", " hello"]);

    // The largest files of the image, largest first (the removed cache is gone).
    let largest = model.files_view.as_ref().map(|v| v.largest.clone());
    assert_eq!(
        largest
            .as_ref()
            .and_then(|l| l.first())
            .map(|(p, _)| p.as_str()),
        Some("hello")
    );
    assert!(
        largest.is_some_and(|l| l.iter().all(|(p, _)| !p.starts_with("var/cache"))),
        "a removed file is not in the image"
    );
}

#[test]
fn enter_on_a_file_reads_its_first_lines_and_a_binary_says_so() {
    let mut model = on_copy_layer(WIDE);
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, files_read(DEBIAN, debian_files()));
    update(&mut model, key(KeyCode::Char('a')));
    keys(&mut model, &[KeyCode::Enter, KeyCode::Down, KeyCode::Down]);
    let cmds = update(&mut model, key(KeyCode::Enter));
    assert_eq!(
        cmds,
        [Cmd::ReadImageFile {
            image: DEBIAN.into(),
            path: "/etc/passwd".into()
        }]
    );
    let passwd = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n";
    update(
        &mut model,
        Msg::ImageFileRead {
            image: DEBIAN.into(),
            path: "/etc/passwd".into(),
            result: Ok(Some(ImageFile {
                path: "etc/passwd".into(),
                layer: "a1".into(),
                head: FileHead::File {
                    size_bytes: 1_200,
                    head: passwd.to_vec(),
                },
            })),
        },
    );
    let text = model
        .files_view
        .as_ref()
        .and_then(|v| v.preview.clone())
        .and_then(|p| p.text);
    assert!(
        matches!(&text, Some(Ok(PreviewText::Text { lines, .. })) if lines[0].starts_with("root:x:0:0")),
        "{text:?}"
    );
    // A binary file.
    update(&mut model, key(KeyCode::End));
    let cmds = update(&mut model, key(KeyCode::Enter));
    assert_eq!(
        cmds,
        [Cmd::ReadImageFile {
            image: DEBIAN.into(),
            path: "/hello".into()
        }]
    );
    update(
        &mut model,
        Msg::ImageFileRead {
            image: DEBIAN.into(),
            path: "/hello".into(),
            result: Ok(Some(ImageFile {
                path: "hello".into(),
                layer: "b2".into(),
                head: FileHead::File {
                    size_bytes: 2_100_000,
                    head: b"\x7fELF\x02\x01\x01\0\0\0".to_vec(),
                },
            })),
        },
    );
    let text = model
        .files_view
        .as_ref()
        .and_then(|v| v.preview.clone())
        .and_then(|p| p.text);
    assert_eq!(
        text,
        Some(Ok(PreviewText::Binary {
            size_bytes: 2_100_000
        }))
    );
    // Esc goes back to the largest files first, then out of the view.
    update(&mut model, key(KeyCode::Esc));
    assert!(model.files_view.is_some());
    update(&mut model, key(KeyCode::Esc));
    assert!(model.files_view.is_none());
    assert_eq!(model.focus, Pane::Layers);
}

#[test]
fn a_build_that_ends_while_the_view_is_open_shows_the_new_image() {
    let mut model = on_copy_layer(WIDE);
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, files_read(DEBIAN, debian_files()));
    update(&mut model, key(KeyCode::Char('a')));
    // F5 still builds from the view; the new image is read when it is in.
    let id = update(&mut model, key(KeyCode::F(5)))
        .into_iter()
        .find_map(|c| match c {
            Cmd::Build { id, .. } => Some(id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("F5 in the Files view started no build"));
    let history = vec![
        layer(1_400_000, COPY, Some(42), false),
        layer(0, "ENTRYPOINT [\"/hello\"]", Some(46), false),
    ];
    let cmds = update(
        &mut model,
        Msg::BuildDone(id, Ok(built(SCRATCH, history, 1_400_000))),
    );
    assert_eq!(reads(&cmds), [SCRATCH]);
    assert_eq!(
        model
            .files_view
            .as_ref()
            .map(|v| (v.image.as_str(), v.scope)),
        Some((SCRATCH, Scope::Image))
    );
    update(&mut model, files_read(SCRATCH, scratch_files()));
    assert_eq!(rows(&model), [" hello"]);
}

/// An image the size of golang:1.24 (23 471 files): the whole tree, a
/// filter typed key by key and a minimum size stay quick, so typing never
/// lags (a generous bound for a debug build on a shared machine).
#[test]
fn a_large_image_filters_as_fast_as_one_types() {
    let mut entries = Vec::new();
    for d in 0..60 {
        for s in 0..20 {
            for f in 0..20 {
                entries.push(Entry {
                    path: format!("usr/lib/pkg{d}/sub{s}/file{f}.go"),
                    kind: File,
                    size: (d * 1000 + s * 100 + f) as u64,
                });
            }
        }
    }
    let big = stack(
        DEBIAN,
        vec![(
            "a1".into(),
            Some(DEBIAN_BASE.into()),
            dockstage::workbench::image_files::LayerIndex { entries },
        )],
    );
    let mut model = on_copy_layer(WIDE);
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, files_read(DEBIAN, big));
    let started = std::time::Instant::now();
    update(&mut model, key(KeyCode::Char('[')));
    update(&mut model, key(KeyCode::Char('a')));
    update(&mut model, key(KeyCode::Char('/')));
    typed(&mut model, "sub1/file1");
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, key(KeyCode::Char('s')));
    let took = started.elapsed();
    let shown = model.files_view.as_ref().map_or(0, |v| v.rows.len());
    assert!(shown > 60, "{shown} rows");
    eprintln!("24 000 files: tree, 12 filter keys and a size in {took:?}");
    assert!(
        took < std::time::Duration::from_secs(5),
        "the Files view took {took:?}"
    );
}

#[test]
fn the_files_view_says_when_there_is_nothing_to_read_yet() {
    let mut model = hello(WIDE);
    focus(&mut model, Pane::Layers);
    assert!(update(&mut model, key(KeyCode::Enter)).is_empty());
    assert!(model.files_view.is_none());
    assert!(
        model.status.as_deref().is_some_and(|s| s.contains("F5")),
        "{:?}",
        model.status
    );
}

/// Two builds: the debian variant, then the scratch one.
fn two_variants(size: (u16, u16)) -> Model {
    let mut model = hello(size);
    build(&mut model, DEBIAN, debian_history(), 77_000_000);
    build(
        &mut model,
        SCRATCH,
        vec![
            layer(1_400_000, COPY, Some(42), false),
            layer(0, "ENTRYPOINT [\"/hello\"]", Some(46), false),
        ],
        1_400_000,
    );
    assert_eq!(
        model
            .variants
            .iter()
            .map(|v| v.image_id.as_deref())
            .collect::<Vec<_>>(),
        [Some(DEBIAN), Some(SCRATCH)],
        "each variant keeps the image it built"
    );
    focus(&mut model, Pane::Variants);
    model
}

/// m on the first variant, d on the second.
fn mark_and_compare(model: &mut Model) -> Vec<Cmd> {
    keys(model, &[KeyCode::Up, KeyCode::Char('m'), KeyCode::Down]);
    update(model, key(KeyCode::Char('d')))
}

#[test]
fn m_then_d_compares_two_variants_images() {
    let mut model = two_variants(WIDE);
    update(&mut model, key(KeyCode::Char('d')));
    assert!(
        model
            .status
            .as_deref()
            .is_some_and(|s| s.contains("m marks")),
        "{:?}",
        model.status
    );
    let cmds = mark_and_compare(&mut model);
    assert_eq!(reads(&cmds), [DEBIAN, SCRATCH]);
    assert!(model.compare.as_ref().is_some_and(|c| c.result.is_none()));
    update(&mut model, files_read(SCRATCH, scratch_files()));
    update(&mut model, files_read(DEBIAN, debian_files()));
    let diff = model
        .compare
        .as_ref()
        .and_then(|c| c.diff())
        .cloned()
        .unwrap_or_else(|| panic!("no comparison: {:?}", model.compare));
    assert_eq!(
        diff.headline(2),
        "#1 debian-slim → #2 debian-slim: −4.6 MB, of which /usr/lib −2.0 MB, /usr/bin −1.4 MB, …"
    );
    // Esc hides it; Ctrl-E exports it below the variants table.
    update(&mut model, key(KeyCode::Esc));
    assert!(model.compare.as_ref().is_some_and(|c| !c.shown));
    let export = update(&mut model, ctrl('e'));
    let text = export
        .iter()
        .find_map(|c| match c {
            Cmd::Export { text, .. } => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default();
    assert!(text.contains("| 2 | debian-slim"), "{text}");
    assert!(
        text.contains("**#1 debian-slim → #2 debian-slim: −4.6 MB"),
        "{text}"
    );
    assert!(text.contains("| `/usr/lib` |"), "{text}");
    // A second comparison of the same images reads nothing again.
    let cmds = update(&mut model, key(KeyCode::Char('d')));
    assert!(reads(&cmds).is_empty(), "{cmds:?}");
    assert!(model.compare.as_ref().is_some_and(|c| c.diff().is_some()));
}

#[test]
fn a_pruned_image_says_how_to_get_it_back() {
    let mut model = two_variants(WIDE);
    mark_and_compare(&mut model);
    update(&mut model, files_read(SCRATCH, scratch_files()));
    update(
        &mut model,
        Msg::FilesRead {
            image: DEBIAN.into(),
            result: Err(FilesError {
                message: "no image".into(),
                gone: true,
            }),
        },
    );
    let why = model
        .compare
        .as_ref()
        .and_then(|c| c.result.clone())
        .and_then(Result::err)
        .unwrap_or_default();
    assert!(why.contains("variant 1 is gone"), "{why}");
    assert!(why.contains("Enter restores that variant, F5"), "{why}");
}

#[test]
fn a_variant_without_an_image_says_how_to_make_one() {
    let mut model = two_variants(WIDE);
    model.variants[0].image_id = None;
    let cmds = mark_and_compare(&mut model);
    assert!(reads(&cmds).is_empty());
    assert!(model.compare.is_none());
    let status = model.status.clone().unwrap_or_default();
    assert!(
        status.contains("variant 1 has no image") && status.contains("F5"),
        "{status}"
    );
}

#[test]
fn the_comparison_scrolls_and_esc_closes_it() {
    let mut model = two_variants(SMALL);
    mark_and_compare(&mut model);
    update(&mut model, files_read(SCRATCH, scratch_files()));
    update(&mut model, files_read(DEBIAN, debian_files()));
    let before = screen(&model, SMALL);
    assert!(before.contains("−4.6 MB"), "{before}");
    keys(&mut model, &[KeyCode::PageDown, KeyCode::PageDown]);
    let after = screen(&model, SMALL);
    assert!(
        after.contains("/etc/os-release"),
        "the last difference scrolls into view:\n{after}"
    );
    // Keys go to the comparison, not to the Variants pane under it.
    assert_eq!(model.variant_selected, 1);
    update(&mut model, key(KeyCode::Esc));
    assert!(!screen(&model, SMALL).contains("Compare #1"));
}

/// Every size from tiny to wide draws the view, a preview and the
/// comparison without a panic.
#[test]
fn every_terminal_size_draws_the_views() {
    let mut files = files_screen(WIDE);
    keys(
        &mut files,
        &[KeyCode::Char('a'), KeyCode::End, KeyCode::Enter],
    );
    let mut compare = two_variants(WIDE);
    mark_and_compare(&mut compare);
    update(&mut compare, files_read(SCRATCH, scratch_files()));
    update(&mut compare, files_read(DEBIAN, debian_files()));
    for w in (20..=200).step_by(15) {
        for h in (6..=60).step_by(6) {
            for model in [&mut files, &mut compare] {
                update(model, Msg::Resize(w, h));
                let text = screen(model, (w, h));
                assert!(!text.is_empty());
            }
        }
    }
}

/// The cell where `needle` first starts on screen.
fn find(buffer: &ratatui::buffer::Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in 0..area.height {
        let row: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(at) = row.find(needle) {
            let x = row[..at].chars().count();
            return Some((u16::try_from(x).ok()?, y));
        }
    }
    None
}

#[test]
fn the_selected_row_is_reversed_and_an_added_mark_is_green() {
    let model = files_screen(WIDE);
    assert_eq!(
        model
            .files_view
            .as_ref()
            .and_then(|v| v.selected_row())
            .map(|r| r.name.clone()),
        Some("bin".to_string())
    );
    let terminal = draw(&model, WIDE);
    let buffer = terminal.backend().buffer();
    let at = find(buffer, "bin/").unwrap_or_else(|| panic!("no bin/ on screen"));
    assert!(
        buffer[at].modifier.contains(Modifier::REVERSED),
        "the selection shows without colour"
    );
    let etc = find(buffer, "etc/").unwrap_or_else(|| panic!("no etc/ on screen"));
    assert!(!buffer[etc].modifier.contains(Modifier::REVERSED));
    let mark = (etc.0 - 2, etc.1);
    assert_eq!(buffer[mark].symbol(), "+");
    assert_eq!(
        buffer[mark].fg, model.theme.ok,
        "an added file's mark is the ok colour"
    );
}

/// The Files view on the base layer with /usr unfolded, at `size`.
fn files_screen(size: (u16, u16)) -> Model {
    let mut model = on_copy_layer(size);
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, files_read(DEBIAN, debian_files()));
    keys(&mut model, &[KeyCode::Char('['), KeyCode::Char('[')]);
    keys(&mut model, &[KeyCode::Down, KeyCode::Right, KeyCode::Down]);
    model
}

#[test]
fn snapshots_of_the_files_view_and_the_comparison() {
    for (name, size) in [("160x45", WIDE), ("80x24", SMALL)] {
        let model = files_screen(size);
        insta::assert_snapshot!(format!("files_layer_{name}"), screen(&model, size));
        let mut model = files_screen(size);
        keys(&mut model, &[KeyCode::Char('a'), KeyCode::Char('/')]);
        typed(&mut model, "lib");
        insta::assert_snapshot!(format!("files_filtered_{name}"), screen(&model, size));
        let mut reading = on_copy_layer(size);
        update(&mut reading, key(KeyCode::Enter));
        update(
            &mut reading,
            Msg::FilesProgress {
                image: DEBIAN.into(),
                layers_read: 2,
                bytes_read: 76_900_000,
            },
        );
        insta::assert_snapshot!(format!("files_reading_{name}"), screen(&reading, size));

        let mut model = two_variants(size);
        mark_and_compare(&mut model);
        update(&mut model, files_read(SCRATCH, scratch_files()));
        update(&mut model, files_read(DEBIAN, debian_files()));
        insta::assert_snapshot!(format!("compare_{name}"), screen(&model, size));
    }
}
