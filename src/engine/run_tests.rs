//! Tests of `run`, kept apart so the module reads as one concept.

use super::*;

#[test]
fn output_under_the_cap_is_kept_whole() {
    assert_eq!(
        capped_text(b"Hello World!\n", 13),
        ("Hello World!\n".to_string(), false)
    );
}

#[test]
fn output_over_the_cap_is_cut_and_marked() {
    let (text, truncated) = capped_text(&vec![b'y'; 3000], 1024);
    assert!(truncated);
    assert_eq!(
        text,
        format!("{}\n… [output truncated at 1 KiB]", "y".repeat(1024))
    );
}

#[test]
fn the_cut_never_splits_a_character() {
    // "é" is two bytes; a cap of 4 falls inside the second "é".
    let (text, truncated) = capped_text("aéé".as_bytes(), 4);
    assert!(truncated);
    assert!(text.starts_with("aé\n…"), "{text:?}");
    assert!(!text.contains('\u{FFFD}'));
}

#[test]
fn size_labels_use_the_largest_whole_unit() {
    assert_eq!(size_label(MIB), "1 MiB");
    assert_eq!(size_label(64 * 1024), "64 KiB");
    assert_eq!(size_label(1000), "1000 bytes");
}

#[test]
fn duration_comes_from_the_daemon_timestamps() {
    let state = ContainerState {
        started_at: Some("2026-11-22T15:52:32.274413556Z".to_string()),
        finished_at: Some("2026-11-22T15:52:32.276496550Z".to_string()),
        ..ContainerState::default()
    };
    assert_eq!(run_duration_ms(&state, Duration::from_secs(9)), 3);
}

#[test]
fn unusable_daemon_timestamps_fall_back_to_the_wall_clock() {
    let state = ContainerState {
        started_at: Some("0001-01-01T00:00:00Z".to_string()),
        finished_at: Some("0001-01-01T00:00:00Z".to_string()),
        ..ContainerState::default()
    };
    assert_eq!(run_duration_ms(&state, Duration::from_millis(42)), 42);
}

#[test]
fn a_service_is_ok_when_healthy_and_a_program_when_it_exits_zero() {
    let program = RunResult {
        exit_code: Some(0),
        ..RunResult::default()
    };
    assert!(program.ok());
    assert!(
        !RunResult {
            exit_code: Some(1),
            ..program.clone()
        }
        .ok()
    );
    assert!(
        !RunResult {
            timed_out: true,
            ..program.clone()
        }
        .ok()
    );
    assert!(
        !RunResult {
            oom_killed: true,
            ..program.clone()
        }
        .ok()
    );
    let service = RunResult {
        exit_code: Some(143),
        health: Some("healthy".to_string()),
        ..RunResult::default()
    };
    assert!(service.ok());
    assert!(
        !RunResult {
            health: Some("unhealthy".to_string()),
            ..service
        }
        .ok()
    );
}

#[test]
fn first_line_prefers_stdout_and_skips_blank_lines() {
    let result = RunResult {
        stdout: "\n  \nHello World!\r\nmore\n".to_string(),
        stderr: "warning\n".to_string(),
        ..RunResult::default()
    };
    assert_eq!(result.first_line(), "Hello World!");
    let silent = RunResult {
        stderr: "exec /probe: no such file or directory\n".to_string(),
        ..RunResult::default()
    };
    assert_eq!(
        silent.first_line(),
        "exec /probe: no such file or directory"
    );
    assert_eq!(RunResult::default().first_line(), "");
}
