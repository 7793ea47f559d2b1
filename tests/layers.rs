//! The layers of docs/architecture.md, enforced: every `crate::…` path in
//! src/ (and every `super::` path that climbs out of its top-level module)
//! must name a module its layer may import. An upward or sideways import
//! fails here with its file and line.

use std::path::{Path, PathBuf};

/// What each top-level module of src/ may import besides itself. Keep this
/// table and the layer diagram in docs/architecture.md the same.
const ALLOWED: &[(&str, &[&str])] = &[
    // Shared leaves: plain data and helpers every layer may use.
    ("catalog", &["image_family"]),
    ("image_family", &["catalog"]),
    ("goproject", &[]),
    ("human", &[]),
    ("input", &[]),
    ("ondisk", &[]),
    ("layer_tar", &[]),
    // The pure Dockerfile core.
    ("dockerfile", &["catalog", "image_family", "goproject"]),
    // Results the engine makes and the workbench reads.
    ("outcome", &["dockerfile"]),
    // Docker only.
    (
        "engine",
        &[
            "dockerfile",
            "catalog",
            "image_family",
            "goproject",
            "human",
            "input",
            "ondisk",
            "layer_tar",
            "outcome",
        ],
    ),
    // The pure domain.
    (
        "workbench",
        &[
            "dockerfile",
            "catalog",
            "image_family",
            "goproject",
            "human",
            "input",
            "ondisk",
            "layer_tar",
            "outcome",
        ],
    ),
    // Build, matrix and tune as jobs: engine and workbench together.
    (
        "pipeline",
        &[
            "engine",
            "workbench",
            "dockerfile",
            "catalog",
            "image_family",
            "goproject",
            "human",
            "input",
            "ondisk",
            "layer_tar",
            "outcome",
        ],
    ),
    // Front ends: never each other.
    (
        "cli",
        &[
            "pipeline",
            "engine",
            "workbench",
            "dockerfile",
            "catalog",
            "image_family",
            "goproject",
            "human",
            "input",
            "ondisk",
            "layer_tar",
            "outcome",
        ],
    ),
    (
        "tui",
        &[
            "pipeline",
            "engine",
            "workbench",
            "dockerfile",
            "catalog",
            "image_family",
            "goproject",
            "human",
            "input",
            "ondisk",
            "layer_tar",
            "outcome",
        ],
    ),
];

/// The crate's roots, which declare the modules and may name any of them.
const ROOTS: &[&str] = &["lib", "main"];

/// One import that breaks the table.
#[derive(Debug, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` imports `{}`, which its layer may not (see docs/architecture.md)",
            self.file, self.line, self.from, self.to
        )
    }
}

/// The module path of a file under src/: `src/engine/session/mod.rs` is
/// `engine::session`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The top-level modules a line of `file` (at `module`) names through
/// `crate::` or climbing `super::` paths.
fn named_modules(module: &[String], line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let code = line.trim_start();
    if code.starts_with("//") {
        return found;
    }
    let bytes = code.as_bytes();
    let ident_end = |from: usize| {
        code[from..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(code.len(), |n| from + n)
    };
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let preceded_by_ident =
            at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        if !preceded_by_ident && rest.starts_with("crate::") {
            let start = at + "crate::".len();
            if code[start..].starts_with('{') {
                found.extend(group_heads(&code[start + 1..]));
            } else {
                found.push(code[start..ident_end(start)].to_string());
            }
            at = start;
        } else if !preceded_by_ident && rest.starts_with("super::") {
            let mut ups = 0;
            let mut start = at;
            while code[start..].starts_with("super::") {
                ups += 1;
                start += "super::".len();
            }
            // super:: climbs from the file's own module.
            if ups >= module.len() {
                if code[start..].starts_with('{') {
                    found.extend(group_heads(&code[start + 1..]));
                } else {
                    found.push(code[start..ident_end(start)].to_string());
                }
            }
            at = start;
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found.retain(|m| !m.is_empty() && m != "self" && m != "super");
    found
}

/// The first name of each path in a `{a::b, c, d::{e}}` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expecting = true;
    let mut current = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => expecting = true,
            c if expecting && depth == 0 && (c.is_alphanumeric() || c == '_') => current.push(c),
            _ if !current.is_empty() => {
                heads.push(std::mem::take(&mut current));
                expecting = false;
            }
            _ => {}
        }
    }
    if !current.is_empty() {
        heads.push(current);
    }
    heads
}

/// Every import in `text` (the file `file`, at `relative` under src/) that
/// the table does not allow.
fn check_file(relative: &Path, file: &str, text: &str) -> Result<Vec<Violation>, String> {
    let module = module_path(relative);
    let Some(top) = module.first() else {
        return Ok(Vec::new());
    };
    if ROOTS.contains(&top.as_str()) {
        return Ok(Vec::new());
    }
    let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| m == top) else {
        return Err(format!(
            "{file}: the module `{top}` has no row in tests/layers.rs: give it a layer there \
             and in docs/architecture.md"
        ));
    };
    let mut violations = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for named in named_modules(&module, line) {
            // Items at the crate root (and climbs out of nested modules,
            // which a line cannot see) name no layer.
            let is_layer = ALLOWED.iter().any(|(m, _)| *m == named);
            if is_layer && named != *top && !allowed.contains(&named.as_str()) {
                violations.push(Violation {
                    file: file.to_string(),
                    line: n + 1,
                    from: top.clone(),
                    to: named,
                });
            }
        }
    }
    Ok(violations)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_import_in_src_goes_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "src/ should hold the crate: {src:?}");
    let mut problems = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&src).unwrap_or(path);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let shown = format!("src/{}", relative.display());
        match check_file(relative, &shown, &text) {
            Ok(v) => problems.extend(v.iter().map(ToString::to_string)),
            Err(e) => problems.push(e),
        }
    }
    assert!(
        problems.is_empty(),
        "imports against the layers:\n{}",
        problems.join("\n")
    );
}

#[test]
fn an_upward_import_is_caught_with_its_file_and_line() {
    let text =
        "//! the engine\nuse crate::dockerfile::parse;\nuse crate::workbench::tune::Tuner;\n";
    let found = check_file(Path::new("engine/tune.rs"), "src/engine/tune.rs", text);
    assert_eq!(
        found,
        Ok(vec![Violation {
            file: "src/engine/tune.rs".into(),
            line: 3,
            from: "engine".into(),
            to: "workbench".into(),
        }])
    );
}

#[test]
fn grouped_inline_and_climbing_paths_are_caught() {
    let at = |file: &str, text: &str| {
        check_file(Path::new(file), file, text)
            .map(|v| v.into_iter().map(|v| v.to_string()).collect::<Vec<_>>())
    };
    // A group naming a front end from the other front end.
    assert_eq!(
        at("tui/open.rs", "use crate::{catalog::Catalog, cli::input};").map(|v| v.len()),
        Ok(1)
    );
    // A path inside an expression.
    assert_eq!(
        at(
            "workbench/variant.rs",
            "    crate::engine::run::RunResult::default()"
        )
        .map(|v| v.len()),
        Ok(1)
    );
    // super::super:: out of engine/session into the pipeline.
    assert_eq!(
        at(
            "engine/session/mod.rs",
            "use super::super::pipeline::Event;"
        )
        .map(|v| v.len()),
        Ok(1)
    );
    // Within its own module, and in a comment, nothing is wrong.
    assert_eq!(
        at(
            "engine/session/mod.rs",
            "use super::super::Engine;\n// crate::workbench explains it"
        ),
        Ok(Vec::new())
    );
    // Downward is fine.
    assert_eq!(
        at(
            "pipeline/build.rs",
            "use crate::{engine::Engine, workbench::explain};"
        ),
        Ok(Vec::new())
    );
}
