//! Where a module's packages are: the main packages `go build` can build,
//! the modules nested below, a go.work's entries.

use std::path::Path;

/// How deep `init` looks for modules below a directory that is not one.
const MODULE_SEARCH_DEPTH: usize = 3;

/// Directories Go tooling and `init` leave alone.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || matches!(name, "vendor" | "testdata" | "node_modules")
}

/// The directories a go.work's `use` lines name, as `a/`, in file order.
pub fn go_work_uses(text: &str) -> Vec<String> {
    let mut uses = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let entry = if in_block {
            if line.starts_with(')') {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("use") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                in_block = true;
                rest.trim_start_matches('(').trim()
            } else if line.starts_with("use ") || line.starts_with("use\t") {
                rest
            } else {
                continue;
            }
        } else {
            continue;
        };
        let entry = entry.trim_matches('"').trim();
        if !entry.is_empty() {
            uses.push(as_dir(entry));
        }
    }
    uses
}

/// `./a/b` and `a/b` both read `a/b/`, the way the user types a directory.
fn as_dir(path: &str) -> String {
    let bare = path.trim_start_matches("./").trim_end_matches('/');
    if bare.is_empty() || bare == "." {
        "./".to_string()
    } else {
        format!("{bare}/")
    }
}

/// Directories below `dir` with their own go.mod, a few levels deep, sorted.
pub fn nested_modules(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    find_modules(dir, dir, 1, &mut found);
    found.sort();
    found
}

fn find_modules(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
    if depth > MODULE_SEARCH_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if skipped(&name) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        if path.join("go.mod").is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(as_dir(&rel.to_string_lossy().replace('\\', "/")));
        } else {
            find_modules(root, &path, depth + 1, out);
        }
    }
}

/// Main packages under `dir`, stopping at directories with their own
/// go.mod: those are other modules, which `go build` here cannot build.
pub(super) fn collect_mains(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut is_main = false;
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if !skipped(&name) && !path.join("go.mod").is_file() {
                subdirs.push(path);
            }
        } else if name.ends_with(".go")
            && !name.ends_with("_test.go")
            && std::fs::read_to_string(&path).is_ok_and(|t| is_main_source(&t))
        {
            is_main = true;
        }
    }
    if is_main {
        let rel = dir
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        out.push(if rel.is_empty() {
            ".".to_string()
        } else {
            format!("./{rel}")
        });
    }
    for sub in subdirs {
        collect_mains(root, &sub, out);
    }
}

/// Whether a Go file is part of a main package that `go build` builds: its
/// package clause says main, and no `//go:build ignore` (the generators
/// projects keep beside their packages, run with `go run x.go`) leaves it out.
pub(super) fn is_main_source(text: &str) -> bool {
    for line in text.lines().map(str::trim) {
        let constraint = line
            .strip_prefix("//go:build ")
            .or_else(|| line.strip_prefix("// +build "));
        if let Some(expr) = constraint
            && expr
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!'))
                .any(|term| term == "ignore")
        {
            return false;
        }
        if let Some(name) = line.strip_prefix("package ") {
            return name.split_whitespace().next() == Some("main");
        }
    }
    false
}
