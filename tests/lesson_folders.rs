//! What a lesson folder being written can get wrong: each mistake is named
//! by file and field, never a panic, and the bundled lessons have none.

use std::path::PathBuf;

use dockstage::workbench::lesson::{Lesson, LessonError};

const STEP: &str = r#"
[[step]]
do = "Press F5."
checks = [{ kind = "built" }]
hint = "F5 builds."
learned = "It built."
try = ["F5"]
"#;

/// A lesson folder in a temporary directory, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str, files: &[(&str, &str)]) -> Folder {
        let dir = std::env::temp_dir().join(format!(
            "dockstage-lesson-folder-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap_or_else(|e| panic!("{e}"));
        }
        Folder(dir)
    }

    fn load(&self) -> Result<Lesson, LessonError> {
        Lesson::from_dir(&self.0)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lesson_toml(steps: &str) -> String {
    format!("title = \"T\"\nsees = \"S\"\n{steps}")
}

fn app(toml: &str) -> Vec<(&str, &str)> {
    vec![
        ("lesson.toml", toml),
        ("go.mod", "module example.com/x\n\ngo 1.24\n"),
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("Dockerfile", "FROM golang:1.24\n"),
    ]
}

fn error_of(name: &str, files: &[(&str, &str)]) -> String {
    let folder = Folder::new(name, files);
    match folder.load() {
        Ok(lesson) => panic!("{name}: loaded {lesson:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_good_folder_loads_with_its_images_from_the_dockerfile() {
    let toml = lesson_toml(STEP);
    let folder = Folder::new("good", &app(&toml));
    let lesson = folder.load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lesson.steps.len(), 1);
    assert_eq!(lesson.images, ["golang:1.24"]);
    assert!(lesson.files.iter().any(|(p, _)| p.ends_with("main.go")));
    assert!(!lesson.files.iter().any(|(p, _)| p.ends_with("lesson.toml")));
}

#[test]
fn malformed_toml_names_the_file_and_the_line() {
    let toml = "title = \"T\nsees = \"S\"\n";
    let e = error_of("malformed", &app(toml));
    assert!(e.contains("lesson.toml") && e.contains("line"), "{e}");
}

#[test]
fn an_unknown_check_names_the_check_and_the_kinds_there_are() {
    let toml = lesson_toml(&STEP.replace("kind = \"built\"", "kind = \"bulit\""));
    let e = error_of("unknown-check", &app(&toml));
    assert!(
        e.contains("lesson.toml") && e.contains("bulit") && e.contains("size_under"),
        "{e}"
    );
}

#[test]
fn a_check_field_that_cannot_be_read_names_its_step_and_field() {
    let toml = lesson_toml(&STEP.replace(
        "kind = \"built\"",
        "kind = \"size_under\", size = \"small\"",
    ));
    let e = error_of("bad-size", &app(&toml));
    assert!(
        e.contains("step 1") && e.contains("checks[1]") && e.contains("small"),
        "{e}"
    );
    let toml = lesson_toml(&STEP.replace(
        "kind = \"built\"",
        "kind = \"lint\", rule = \"MispeltBase\"",
    ));
    let e = error_of("bad-rule", &app(&toml));
    assert!(
        e.contains("MispeltBase") && e.contains("lint --rules"),
        "{e}"
    );
}

#[test]
fn a_step_without_checks_or_a_hint_is_refused() {
    let toml = lesson_toml(&STEP.replace("checks = [{ kind = \"built\" }]", "checks = []"));
    let e = error_of("no-checks", &app(&toml));
    assert!(
        e.contains("step 1, checks") && e.contains("never by a key"),
        "{e}"
    );
    let toml = lesson_toml(&STEP.replace("hint = \"F5 builds.\"", "hint = \" \""));
    let e = error_of("no-hint", &app(&toml));
    assert!(e.contains("step 1, hint: empty"), "{e}");
    let toml = lesson_toml(&STEP.replace("hint = \"F5 builds.\"\n", ""));
    let e = error_of("missing-hint", &app(&toml));
    assert!(e.contains("hint"), "{e}");
    let e = error_of("no-steps", &app(&lesson_toml("")));
    assert!(e.contains("no [[step]]"), "{e}");
}

#[test]
fn missing_files_are_named() {
    let toml = lesson_toml(STEP);
    let mut files = app(&toml);
    files.retain(|(f, _)| *f != "Dockerfile");
    let e = error_of("no-dockerfile", &files);
    assert!(e.contains("/Dockerfile: missing"), "{e}");
    let mut files = app(&toml);
    files.retain(|(f, _)| *f != "go.mod");
    let e = error_of("no-go-mod", &files);
    assert!(e.contains("/go.mod: missing"), "{e}");
    let mut files = app(&toml);
    files.retain(|(f, _)| *f != "lesson.toml");
    let e = error_of("no-toml", &files);
    assert!(e.contains("lesson.toml: missing"), "{e}");
    let e = match Lesson::from_dir(std::path::Path::new("/nonexistent/lesson")) {
        Ok(_) => panic!("a missing folder loaded"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("/nonexistent/lesson"), "{e}");
}

#[test]
fn an_unknown_lesson_lists_the_lessons_there_are() {
    let e = match Lesson::named("size-colapse") {
        Ok(l) => panic!("found {}", l.name),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("size-colapse") && e.contains("size-collapse"),
        "{e}"
    );
}

#[test]
fn at_least_eight_lessons_are_bundled_and_load() {
    let lessons = Lesson::all().unwrap_or_else(|e| panic!("{e}"));
    assert!(lessons.len() >= 8, "{} lessons", lessons.len());
    for lesson in &lessons {
        assert!(!lesson.images.is_empty(), "{}: no images", lesson.name);
        assert!(
            lesson.images.iter().all(|i| i != "stratch"),
            "{}: a misspelt image is listed as needed",
            lesson.name
        );
    }
}
