//! `dockstage files` and `dockstage diff`: what an image holds, layer by
//! layer, and what changed between two images, read from the daemon's
//! export as it streams (no `docker save` file). A project directory is
//! built first (without running it) and its final image is read.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Serialize;

use super::{Failure, status};
use crate::engine::Engine;
use crate::engine::image_export::ExportProgress;
use crate::human::human_bytes;
use crate::layer_tar::EntryKind;
use crate::pipeline::files::{build_for_files, image_files};
use crate::workbench::image_files::stack::Waste;
use crate::workbench::image_files::{Change, ChangeKind, ImageDiff, ImageFiles, diff};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilesFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

/// How many rows the summaries list.
const ROWS: usize = 15;

/// `dockstage files IMAGE|DIR`.
pub fn run_files(
    target: &str,
    file: Option<&Path>,
    layer: Option<usize>,
    tree: bool,
    format: FilesFormat,
) -> Result<u8, Failure> {
    super::runtime()?.block_on(async {
        let engine = Engine::connect().await.map_err(Failure::usage)?;
        let files = read(&engine, target, file).await;
        let _ = engine.cleanup_session().await;
        let files = files?;
        if let Some(n) = layer
            && n >= files.layers.len()
        {
            return Err(Failure::usage(format!(
                "--layer {n}: the image has {} layers, 0 to {}",
                files.layers.len(),
                files.layers.len().saturating_sub(1)
            )));
        }
        match format {
            FilesFormat::Json => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                write_json(&mut out, &files, layer, tree)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(out))
                    .and_then(|()| out.flush())
                    .map_err(|e| Failure::usage(format!("cannot write the JSON: {e}")))?;
            }
            FilesFormat::Text => print!("{}", text(&files, layer, tree)),
        }
        Ok(status::OK)
    })
}

/// `dockstage diff A B`.
pub fn run_diff(a: &str, b: &str, format: DiffFormat) -> Result<u8, Failure> {
    super::runtime()?.block_on(async {
        let engine = Engine::connect().await.map_err(Failure::usage)?;
        let before = read(&engine, a, None).await;
        let after = match &before {
            Ok(_) => read(&engine, b, None).await,
            Err(_) => Err(Failure::usage("")),
        };
        let _ = engine.cleanup_session().await;
        let d = diff(&before?, &after?);
        match format {
            DiffFormat::Json => {
                println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default())
            }
            DiffFormat::Markdown => print!("{}", d.markdown(ROWS)),
            DiffFormat::Text => print!("{}", diff_text(&d)),
        }
        Ok(status::OK)
    })
}

/// The files of an image, or of a project directory's final image.
pub(super) async fn read(
    engine: &Engine,
    target: &str,
    file: Option<&Path>,
) -> Result<ImageFiles, Failure> {
    let path = PathBuf::from(target);
    let image = if path.is_dir() {
        let dockerfile = super::dockerfile_in(&path, file)?;
        let text = crate::input::read_dockerfile(&dockerfile)?;
        eprintln!("building {} to read its image…", path.display());
        let cancel = super::cancel_on_ctrl_c();
        let mut printer = super::build::Printer::default();
        build_for_files(
            engine,
            &path,
            &dockerfile,
            text,
            &mut |e| printer.print(e),
            &cancel,
        )
        .await
        .map_err(Failure::usage)?
    } else {
        target.to_string()
    };
    let started = std::time::Instant::now();
    let tty = std::io::stderr().is_terminal();
    let files = image_files(engine, &image, move |p: ExportProgress| {
        if tty {
            eprint!(
                "\rreading the export: {} layer(s), {}   ",
                p.layers_read,
                human_bytes(p.bytes_read)
            );
        }
    })
    .await
    .map_err(Failure::usage)?;
    if tty {
        eprint!("\r");
    }
    eprintln!(
        "read {} layer(s), {} files, in {:.1} s",
        files.layers.len(),
        files.tree.len(),
        started.elapsed().as_secs_f64()
    );
    // A directory's image is named by the directory, as the user gave it.
    Ok(ImageFiles {
        image: target.to_string(),
        ..files
    })
}

fn percent(f: f64) -> String {
    format!("{:.1} %", f * 100.0)
}

fn text(files: &ImageFiles, layer: Option<usize>, tree: bool) -> String {
    let mut out = String::new();
    if let Some(n) = layer {
        let l = &files.layers[n];
        out.push_str(&format!(
            "layer {n}: {} in {} files · {}\n",
            human_bytes(l.size_bytes),
            l.files,
            l.created_by.as_deref().unwrap_or("(no history)")
        ));
        for c in &l.changes {
            if c.kind == EntryKind::Dir {
                continue;
            }
            let mark = match c.change {
                ChangeKind::Added => '+',
                ChangeKind::Modified => '~',
                ChangeKind::Removed => '-',
            };
            out.push_str(&format!(
                "{mark} {:>10}  /{}\n",
                human_bytes(c.size_bytes),
                c.path
            ));
        }
        return out;
    }
    out.push_str(&format!(
        "{}: {} layers · {} in the image · {} in the layers\n",
        files.image,
        files.layers.len(),
        human_bytes(files.final_bytes),
        human_bytes(files.layer_bytes)
    ));
    out.push_str(&format!(
        "efficiency {} · wasted {} (files a later layer overwrote or removed, each copy counted once)\n",
        percent(files.efficiency),
        human_bytes(files.wasted_bytes)
    ));
    if files.dive_wasted_bytes != files.wasted_bytes {
        out.push_str(&format!(
            "dive would say {} wasted: it counts every copy of a path written more than once, \
             the one still in the image too (dive #684)\n",
            human_bytes(files.dive_wasted_bytes)
        ));
    }
    out.push_str("\n  #       size    files  +added  ~changed  -removed  created by\n");
    for (n, l) in files.layers.iter().enumerate() {
        let count = |k: ChangeKind| {
            l.changes
                .iter()
                .filter(|c| c.change == k && c.kind != EntryKind::Dir)
                .count()
        };
        out.push_str(&format!(
            "{n:>3} {:>10} {:>8} {:>7} {:>9} {:>9}  {}\n",
            human_bytes(l.size_bytes),
            l.files,
            count(ChangeKind::Added),
            count(ChangeKind::Modified),
            count(ChangeKind::Removed),
            one_line(l.created_by.as_deref().unwrap_or(""), 60)
        ));
    }
    let dirs = files.dir_sizes();
    let mut top: Vec<(&String, &u64)> = dirs
        .iter()
        .filter(|(d, _)| !d.is_empty() && d.matches('/').count() < 3)
        .collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    out.push_str("\nlargest directories\n");
    for (d, size) in top.into_iter().take(ROWS) {
        out.push_str(&format!("  {:>10}  /{d}\n", human_bytes(*size)));
    }
    out.push_str("\nlargest files\n");
    for (f, size) in files.largest(ROWS) {
        out.push_str(&format!("  {:>10}  /{f}\n", human_bytes(size)));
    }
    if !files.waste.is_empty() {
        out.push_str("\nwasted (a later layer overwrote or removed them)\n");
        for w in files.waste.iter().take(ROWS) {
            let dive = if w.dive_bytes != w.wasted_bytes {
                format!("  (dive: {})", human_bytes(w.dive_bytes))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "  {:>10}  /{} in {} layers{dive}\n",
                human_bytes(w.wasted_bytes),
                w.path,
                w.count
            ));
        }
    }
    if tree {
        out.push_str("\nthe image as a container sees it\n");
        for (path, node) in &files.tree {
            let depth = path.matches('/').count();
            let name = path.rsplit('/').next().unwrap_or(path);
            let size = match node.kind {
                EntryKind::Dir => dirs.get(path).copied().unwrap_or(0),
                _ => node.size_bytes,
            };
            let slash = if node.kind == EntryKind::Dir { "/" } else { "" };
            out.push_str(&format!(
                "{:>10}  {}{name}{slash}\n",
                human_bytes(size),
                "  ".repeat(depth)
            ));
        }
    }
    out
}

fn one_line(s: &str, max: usize) -> String {
    let s = s
        .trim_start_matches("/bin/sh -c ")
        .trim_start_matches("#(nop) ")
        .replace('\n', " ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    } else {
        s
    }
}

/// `files --format json`, written straight to `out` from the image's own
/// data: no `serde_json::Value` copy of every change and no text of it all
/// in memory, so an image of many files costs little more than its index.
fn write_json(
    out: impl std::io::Write,
    files: &ImageFiles,
    layer: Option<usize>,
    tree: bool,
) -> serde_json::Result<()> {
    #[derive(Serialize)]
    struct LayerJson<'a> {
        index: usize,
        id: &'a str,
        created_by: Option<&'a str>,
        size_bytes: u64,
        files: usize,
        changes: &'a [Change],
    }
    #[derive(Serialize)]
    struct TreeJson<'a> {
        path: &'a str,
        kind: EntryKind,
        size_bytes: u64,
        layer: usize,
    }
    /// The tree, serialized one path at a time.
    struct Tree<'a>(&'a ImageFiles);
    impl Serialize for Tree<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.tree.iter().map(|(p, n)| TreeJson {
                path: p,
                kind: n.kind,
                size_bytes: n.size_bytes,
                layer: n.layer,
            }))
        }
    }
    #[derive(Serialize)]
    struct FilesJson<'a> {
        image: &'a str,
        layers: Vec<LayerJson<'a>>,
        layer_bytes: u64,
        final_bytes: u64,
        wasted_bytes: u64,
        efficiency: f64,
        dive_wasted_bytes: u64,
        waste: &'a [Waste],
        #[serde(skip_serializing_if = "Option::is_none")]
        tree: Option<Tree<'a>>,
    }
    let layers = files
        .layers
        .iter()
        .enumerate()
        .filter(|(n, _)| layer.is_none_or(|l| l == *n))
        .map(|(n, l)| LayerJson {
            index: n,
            id: &l.id,
            created_by: l.created_by.as_deref(),
            size_bytes: l.size_bytes,
            files: l.files,
            changes: &l.changes,
        })
        .collect();
    let json = FilesJson {
        image: &files.image,
        layers,
        layer_bytes: files.layer_bytes,
        final_bytes: files.final_bytes,
        wasted_bytes: files.wasted_bytes,
        efficiency: files.efficiency,
        dive_wasted_bytes: files.dive_wasted_bytes,
        waste: &files.waste[..files.waste.len().min(100)],
        tree: tree.then_some(Tree(files)),
    };
    serde_json::to_writer_pretty(out, &json)
}

fn diff_text(d: &ImageDiff) -> String {
    let mut out = format!("{}\n\n", d.headline(3));
    out.push_str(&format!(
        "{} files only in {}, {} only in {}, {} changed\n\nby directory\n",
        d.only_before, d.before, d.only_after, d.after, d.changed
    ));
    for dir in d.dirs.iter().take(ROWS) {
        out.push_str(&format!(
            "  {:>11}  {}\n",
            crate::workbench::image_files::diff::signed_bytes(dir.delta()),
            dir.path
        ));
    }
    out.push_str("\nlargest differences\n");
    for f in d.files.iter().take(ROWS) {
        let note = match (f.before_bytes, f.after_bytes) {
            (Some(_), None) => format!("  only in {}", d.before),
            (None, Some(_)) => format!("  only in {}", d.after),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {:>11}  /{}{note}\n",
            crate::workbench::image_files::diff::signed_bytes(f.delta()),
            f.path
        ));
    }
    out
}
