//! Recognisers for what the builder itself rejects before a command runs.

use crate::workbench::explain::{Evidence, Found};

pub fn needs_buildkit(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["option requires BuildKit"])?)
}

/// BuildKit: `failed to compute cache key: "/config.yaml" not found: not
/// found`; legacy: `COPY failed: file not found in build context or excluded
/// by .dockerignore: stat config.yaml: file does not exist`.
pub fn copy_source_missing(e: &Evidence) -> Option<Found> {
    let line = e.lines.iter().find(|l| {
        (l.contains("failed to compute cache key") && l.contains("not found"))
            || l.contains("file not found in build context")
            || (l.starts_with('"') && l.ends_with("not found: not found"))
    })?;
    let path = quoted_path(line).or_else(|| stat_path(line));
    let hint = path.map(|p| {
        format!(
            "`{p}` is not in the build context. COPY and ADD paths are relative to the build \
             context (the directory given to build), not to the Dockerfile: check the path, and \
             that .dockerignore does not exclude it"
        )
    });
    Some(Found {
        detail: line.clone(),
        hint,
    })
}

/// `"/config.yaml" not found` → `config.yaml`.
fn quoted_path(line: &str) -> Option<String> {
    let start = line.find('"')? + 1;
    let end = start + line.get(start..)?.find('"')?;
    let path = line.get(start..end)?.trim_start_matches('/');
    (!path.is_empty()).then(|| path.to_string())
}

/// `stat config.yaml: file does not exist` → `config.yaml`.
fn stat_path(line: &str) -> Option<String> {
    let rest = &line[line.find("stat ")? + "stat ".len()..];
    let path = rest.split(':').next()?.trim();
    (!path.is_empty()).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_builders_name_the_missing_path() {
        for message in [
            "failed to compute cache key: \"/config.yaml\" not found: not found",
            "COPY failed: file not found in build context or excluded by .dockerignore: stat config.yaml: file does not exist",
        ] {
            let found = copy_source_missing(&Evidence::build(&[], message));
            let hint = found.and_then(|f| f.hint).unwrap_or_default();
            assert!(
                hint.starts_with("`config.yaml` is not in the build context"),
                "{hint}"
            );
            assert!(hint.contains(".dockerignore"), "{hint}");
        }
    }
}
