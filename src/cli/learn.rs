//! `dockstage learn`: the lessons and how far the learner got in each. With
//! a NAME it opens the lesson in the workbench, which `main` does, since the
//! CLI never starts the terminal front end.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Format, status};
use crate::workbench::lesson::{Lesson, progress};

#[derive(Debug, Args)]
pub struct LearnArgs {
    /// The lesson to open; without it, the lessons are listed
    pub name: Option<String>,
    /// Put the lesson back to its start: a fresh copy, progress cleared
    #[arg(long)]
    pub reset: bool,
    /// Open a lesson folder from disk (one being written) instead of a bundled one
    #[arg(long, value_name = "DIR", conflicts_with = "name")]
    pub dir: Option<PathBuf>,
    /// How the list is printed
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Open the lesson in presenter mode (F9 switches), for a workshop's screen
    #[arg(long)]
    pub present: bool,
    /// Colour theme: dark, light or high-contrast
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

impl LearnArgs {
    /// The lesson to open in the workbench, or `None` to list them.
    pub fn lesson(&self) -> Result<Option<Lesson>, Failure> {
        let lesson = match (&self.name, &self.dir) {
            (_, Some(dir)) => Lesson::from_dir(dir),
            (Some(name), None) => Lesson::named(name),
            (None, None) => return Ok(None),
        };
        lesson.map(Some).map_err(Failure::usage)
    }
}

/// Lists the bundled lessons with the learner's progress in each.
pub fn list(args: &LearnArgs) -> Result<u8, Failure> {
    let lessons = Lesson::all().map_err(Failure::usage)?;
    let rows: Vec<(&Lesson, progress::Progress)> = lessons
        .iter()
        .map(|l| (l, progress::load(&l.name)))
        .collect();
    match args.format {
        Format::Json => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|(l, p)| {
                    serde_json::json!({
                        "name": l.name,
                        "title": l.title,
                        "steps": l.steps.len(),
                        "done": p.done.min(l.steps.len()),
                        "images": l.images,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "lessons": json }))
                    .unwrap_or_default()
            );
        }
        Format::Text => {
            let width = rows.iter().map(|(l, _)| l.name.len()).max().unwrap_or(0);
            for (n, (lesson, progress)) in rows.iter().enumerate() {
                println!(
                    "{:>2}. {:<width$}  {:<13} {}",
                    n + 1,
                    lesson.name,
                    progress.summary(lesson),
                    lesson.title
                );
            }
            println!(
                "\nOpen one with `dockstage learn NAME`; `--reset` starts it over. \
                 Lessons run offline on the images `dockstage doctor` checks."
            );
        }
    }
    Ok(status::OK)
}
