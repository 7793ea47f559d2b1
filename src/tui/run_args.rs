//! Run arguments typed in the workbench (F6), as `docker run IMAGE ARGS`
//! takes them: CLIs such as goawk print their usage and exit 1 without
//! them, and a service may need a flag to start. Quoting follows the shell's
//! rules for words, which is what a user copies from a README.

use crossterm::event::{KeyCode, KeyEvent};

use super::building::request_build;
use super::model::{DockerStatus, Model, Overlay};
use super::msg::Cmd;

/// Typing the run arguments (F6): Enter takes them and builds and runs with
/// them, Esc keeps the ones there were.
pub(super) fn on_run_args_key(model: &mut Model, mut line: String, key: KeyEvent) -> Vec<Cmd> {
    match key.code {
        KeyCode::Esc => model.overlay = Overlay::None,
        KeyCode::Enter => match split(&line) {
            Ok(words) => {
                model.overlay = Overlay::None;
                model.status = Some(if words.is_empty() {
                    "run arguments: none (the image's own CMD)".into()
                } else {
                    format!("run arguments: {}", join(&words))
                });
                model.run_args = words;
                if matches!(model.docker, DockerStatus::Ready { .. }) {
                    return request_build(model);
                }
            }
            Err(why) => model.status = Some(format!("run arguments: {why}")),
        },
        KeyCode::Backspace => {
            line.pop();
            model.overlay = Overlay::RunArgs(line);
        }
        KeyCode::Char(c) => {
            line.push(c);
            model.overlay = Overlay::RunArgs(line);
        }
        _ => {}
    }
    Vec::new()
}

/// Splits `text` into words: whitespace separates, single quotes keep
/// everything, double quotes keep everything but `\"` and `\\`, and a
/// backslash outside quotes keeps the next character.
pub fn split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a ' quote is not closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("a \" quote is not closed".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a \" quote is not closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The words as a user would type them again, quoting where needed.
pub fn join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=.,/:@%+".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_as_a_shell_reads_them() {
        assert_eq!(
            split("BEGIN { print 1+2 }"),
            Ok(vec![
                "BEGIN".into(),
                "{".into(),
                "print".into(),
                "1+2".into(),
                "}".into()
            ])
        );
        assert_eq!(
            split("'BEGIN { print 1+2 }'"),
            Ok(vec!["BEGIN { print 1+2 }".into()])
        );
        assert_eq!(
            split(r#"-text="hello world" -listen=:5678"#),
            Ok(vec!["-text=hello world".into(), "-listen=:5678".into()])
        );
        assert_eq!(split(r"a\ b  c"), Ok(vec!["a b".into(), "c".into()]));
        assert_eq!(split("''"), Ok(vec![String::new()]));
        assert_eq!(split("   "), Ok(Vec::new()));
        assert!(split("'open").is_err());
        assert!(split("\"open").is_err());
    }

    #[test]
    fn joined_words_split_back_the_same() {
        for text in [
            "-e 2+3*4",
            "'BEGIN { print 1+2 }'",
            "-text='it'\\''s'",
            "''",
        ] {
            let words = split(text).unwrap_or_default();
            assert_eq!(split(&join(&words)), Ok(words.clone()), "{text}");
        }
    }
}
