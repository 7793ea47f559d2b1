use super::*;
use crate::dockerfile::{StageGraph, parse};
use crate::workbench::build_steps::plan;

const HELLO: &str = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN go build -o /hello .\n\nFROM scratch\nCOPY --from=builder /hello /hello\nENTRYPOINT [\"/hello\"]\n";

/// A record of `text` built with the lines in `ran` run and every other
/// builder step cached, copying `files` (path, content) as its COPYs match
/// them, on a base with id `base`.
fn built(text: &str, ran: &[usize], files: &[(&str, &str)], base: &str) -> BuildRecord {
    let df = parse(text);
    let mut record = plan(&df, &StageGraph::new(&df));
    for stage in &mut record.stages {
        let from = stage.steps.first();
        if from.is_some_and(|s| s.from_stage.is_none() && !s.text.starts_with("FROM scratch")) {
            stage.base_id = Some(base.to_string());
        }
        for step in &mut stage.steps {
            let keyword = step.text.split(' ').next().unwrap_or("");
            if !matches!(keyword, "FROM" | "WORKDIR" | "COPY" | "ADD" | "RUN") {
                continue;
            }
            step.state = match ran.contains(&step.line) {
                true => StepRun::Ran,
                false => StepRun::Cached,
            };
            for (path, _) in files {
                let copies = step.sources.iter().any(|s| {
                    s == "." || s == "./" || s == path || path.starts_with(&format!("{s}/"))
                });
                if copies {
                    step.files.push(path.to_string());
                }
            }
        }
    }
    for (path, content) in files {
        record.files.insert(
            path.to_string(),
            FileDigest {
                size: content.len() as u64,
                mtime_ns: 0,
                sha256: format!("hash-of-{content}"),
            },
        );
    }
    record
}

fn causes(misses: &[CacheMiss]) -> Vec<(usize, MissCause)> {
    misses.iter().map(|m| (m.line, m.cause)).collect()
}

const FILES: &[(&str, &str)] = &[("go.mod", "module hello"), ("main.go", "v1")];

#[test]
fn a_changed_file_breaks_the_copy_that_copies_it_and_the_rest_cascades() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let after = built(
        HELLO,
        &[5, 6, 9],
        &[("go.mod", "module hello"), ("main.go", "v2")],
        "sha256:go",
    );
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(
        causes(&misses),
        vec![
            (5, MissCause::FilesChanged),
            (6, MissCause::PreviousStepRan),
            (9, MissCause::PreviousStepRan),
        ]
    );
    assert_eq!(misses[0].files, vec!["main.go"]);
    assert_eq!(
        summary(&misses).as_deref(),
        Some("cache broke at line 5: main.go changed")
    );
}

#[test]
fn a_file_outside_the_copy_sources_is_not_blamed() {
    // go.mod's COPY copies only go.mod: main.go changing is the next COPY's doing.
    let before = built(HELLO, &[], FILES, "sha256:go");
    let after = built(
        HELLO,
        &[5, 6, 9],
        &[("go.mod", "module hello"), ("main.go", "v2")],
        "sha256:go",
    );
    let misses = cache_misses(Some(&before), &after);
    assert!(misses.iter().all(|m| m.line != 3));
    // A file no COPY copies (as one .dockerignore keeps out is) changes nothing.
    let only_copy_go_mod = HELLO.replace("COPY . .", "COPY main.go .");
    let before = built(&only_copy_go_mod, &[], FILES, "sha256:go");
    let mut after = built(&only_copy_go_mod, &[], FILES, "sha256:go");
    after.files.insert(
        "README.md".into(),
        FileDigest {
            size: 1,
            mtime_ns: 1,
            sha256: "new".into(),
        },
    );
    assert!(cache_misses(Some(&before), &after).is_empty());
}

#[test]
fn an_ignored_file_that_changed_does_not_count() {
    // The context walk leaves ignored files out, so no step copies them;
    // their digests may linger in the record and must not be compared.
    let mut before = built(HELLO, &[], FILES, "sha256:go");
    let mut after = built(HELLO, &[], FILES, "sha256:go");
    for (record, hash) in [(&mut before, "a"), (&mut after, "b")] {
        record.files.insert(
            "notes.txt".into(),
            FileDigest {
                size: 1,
                mtime_ns: 1,
                sha256: hash.into(),
            },
        );
    }
    assert!(cache_misses(Some(&before), &after).is_empty());
}

#[test]
fn an_edited_run_is_a_command_change_and_the_rest_cascades() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let edited = HELLO.replace("go build -o /hello .", "go build -trimpath -o /hello .");
    let after = built(&edited, &[6, 9], FILES, "sha256:go");
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(
        causes(&misses),
        vec![
            (6, MissCause::CommandChanged),
            (9, MissCause::PreviousStepRan)
        ]
    );
    assert_eq!(
        summary(&misses).as_deref(),
        Some("cache broke at line 6: the instruction changed")
    );
}

#[test]
fn a_changed_env_before_a_run_is_blamed_at_its_own_line() {
    let text = "FROM golang:1.24\nENV CGO_ENABLED=0\nRUN go build\n";
    let before = built(text, &[], &[], "sha256:go");
    let after = built(
        &text.replace("CGO_ENABLED=0", "CGO_ENABLED=1"),
        &[3],
        &[],
        "sha256:go",
    );
    assert_eq!(
        causes(&cache_misses(Some(&before), &after)),
        vec![
            (2, MissCause::CommandChanged),
            (3, MissCause::PreviousStepRan)
        ]
    );
}

#[test]
fn a_global_build_arg_a_run_sees_is_named() {
    let text = |v: &str| format!("ARG MODE={v}\nFROM golang:1.24\nARG MODE\nRUN make $MODE\n");
    let before = built(&text("debug"), &[], &[], "sha256:go");
    let after = built(&text("release"), &[4], &[], "sha256:go");
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(causes(&misses), vec![(4, MissCause::BuildArgChanged)]);
    assert_eq!(misses[0].args, vec!["MODE"]);
    assert_eq!(cause_text(&misses[0]), "build arg MODE changed");
}

#[test]
fn a_new_base_id_is_blamed_on_the_from_line() {
    let before = built(HELLO, &[], FILES, "sha256:old");
    let after = built(HELLO, &[2, 3, 4, 5, 6, 9], FILES, "sha256:new");
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(misses[0].line, 1);
    assert_eq!(misses[0].cause, MissCause::BaseChanged);
    assert!(misses[1..].iter().all(CacheMiss::is_cascade));
    assert_eq!(
        summary(&misses).as_deref(),
        Some("cache broke at line 1: the base image changed")
    );
}

#[test]
fn a_from_resolved_again_with_the_same_base_is_no_miss() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let after = built(HELLO, &[1, 8], FILES, "sha256:go");
    assert!(cache_misses(Some(&before), &after).is_empty());
}

#[test]
fn a_first_build_says_there_is_nothing_to_compare_with() {
    let after = built(HELLO, &[1, 2, 3, 4, 5, 6, 9], FILES, "sha256:go");
    let misses = cache_misses(None, &after);
    assert_eq!(misses[0].cause, MissCause::FirstBuild);
    assert_eq!(misses[0].line, 2);
    assert_eq!(summary(&misses), None);
    // The builder reports a FROM done even when all after it is cached.
    let all_cached = built(HELLO, &[1, 8], FILES, "sha256:go");
    assert!(cache_misses(None, &all_cached).is_empty());
}

#[test]
fn a_build_with_the_other_builder_is_compared_with_nothing() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let mut after = built(HELLO, &[2, 3, 4, 5, 6, 9], FILES, "sha256:go");
    after.builder = "legacy".into();
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(misses[0].cause, MissCause::FirstBuild);
    assert_eq!(summary(&misses), None);
}

#[test]
fn unchanged_inputs_that_ran_anyway_are_unknown() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let after = built(HELLO, &[4, 5, 6, 9], FILES, "sha256:go");
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(misses[0].cause, MissCause::Unknown);
    assert_eq!(misses[0].line, 4);
}

#[test]
fn a_stage_not_built_this_time_is_remembered() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let mut after = built(HELLO, &[], FILES, "sha256:go");
    for step in &mut after.stages[1].steps {
        step.state = StepRun::Unseen;
    }
    let merged = after.merged(Some(&before));
    assert_eq!(merged.stages[1], before.stages[1]);
}

#[test]
fn the_json_names_are_snake_case() {
    let names: Vec<String> = [
        MissCause::FilesChanged,
        MissCause::CommandChanged,
        MissCause::BuildArgChanged,
        MissCause::BaseChanged,
        MissCause::StepRemoved,
        MissCause::PreviousStepRan,
        MissCause::FirstBuild,
        MissCause::Unknown,
    ]
    .iter()
    .filter_map(|c| serde_json::to_value(c).ok())
    .filter_map(|v| v.as_str().map(str::to_string))
    .collect();
    let documented: Vec<&str> = MissCause::ALL.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, documented);
}

#[test]
fn a_step_inserted_above_is_the_cause_and_the_moved_steps_only_reran() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let inserted = HELLO.replace("WORKDIR /src\n", "WORKDIR /src\nRUN apt-get update\n");
    let after = built(&inserted, &[3, 4, 5, 6, 7, 10], FILES, "sha256:go");
    assert_eq!(
        causes(&cache_misses(Some(&before), &after)),
        vec![
            (3, MissCause::CommandChanged),
            (4, MissCause::PreviousStepRan),
            (5, MissCause::PreviousStepRan),
            (6, MissCause::PreviousStepRan),
            (7, MissCause::PreviousStepRan),
            (10, MissCause::PreviousStepRan),
        ]
    );
}

#[test]
fn a_step_deleted_above_is_named_on_the_first_step_that_reran() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let deleted = HELLO.replace("RUN go mod download\n", "");
    assert_ne!(deleted, HELLO, "the fixture has a go mod download");
    let copy_all = deleted
        .lines()
        .position(|l| l == "COPY . .")
        .map_or(0, |i| i + 1);
    let ran: Vec<usize> = (copy_all..=deleted.lines().count()).collect();
    let after = built(&deleted, &ran, FILES, "sha256:go");
    let misses = cache_misses(Some(&before), &after);
    let first = first_cause(&misses).unwrap_or_else(|| panic!("{misses:?}"));
    assert_eq!(first.cause, MissCause::StepRemoved, "{misses:?}");
    assert_eq!(first.line, copy_all);
    assert_eq!(
        cause_text(first),
        "`RUN go mod download` above it was deleted"
    );
    assert!(
        misses[1..]
            .iter()
            .all(|m| m.cause == MissCause::PreviousStepRan),
        "{misses:?}"
    );
}

#[test]
fn a_stage_built_on_a_stage_that_ran_reran_because_of_it() {
    let text = "FROM golang:1.24 AS builder\nCOPY . .\nRUN go build\nFROM builder AS test\nRUN go test ./...\n";
    let before = built(text, &[], FILES, "sha256:go");
    let after = built(
        text,
        &[2, 3, 5],
        &[("go.mod", "module hello"), ("main.go", "v2")],
        "sha256:go",
    );
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(
        causes(&misses),
        vec![
            (2, MissCause::FilesChanged),
            (3, MissCause::PreviousStepRan),
            (5, MissCause::PreviousStepRan),
        ]
    );
}

#[test]
fn a_run_that_mounts_a_stage_that_ran_reran_because_of_it() {
    let text = "FROM golang:1.24 AS builder\nCOPY . .\nRUN go build -o /app\nFROM debian:bookworm-slim\nRUN --mount=type=bind,from=builder,source=/app,target=/mnt/app cp /mnt/app /app\n";
    let before = built(text, &[], FILES, "sha256:go");
    let after = built(
        text,
        &[2, 3, 5],
        &[("go.mod", "module hello"), ("main.go", "v2")],
        "sha256:go",
    );
    assert_eq!(
        causes(&cache_misses(Some(&before), &after)),
        vec![
            (2, MissCause::FilesChanged),
            (3, MissCause::PreviousStepRan),
            (5, MissCause::PreviousStepRan),
        ]
    );
}

#[test]
fn a_new_stage_does_not_hide_the_cause_in_another() {
    let before = built(HELLO, &[], FILES, "sha256:go");
    let with_test = format!("FROM golang:1.24 AS lint\nRUN go vet ./...\n{HELLO}");
    let after = built(
        &with_test,
        &[2, 7, 8, 11],
        &[("go.mod", "module hello"), ("main.go", "v2")],
        "sha256:go",
    );
    let misses = cache_misses(Some(&before), &after);
    assert_eq!(misses[0].cause, MissCause::FirstBuild);
    assert_eq!(
        summary(&misses).as_deref(),
        Some("cache broke at line 7: main.go changed")
    );
}
