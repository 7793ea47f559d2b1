//! Whether this terminal shows the workbench as it is meant to look: big
//! enough, with colours, box-drawing characters and marks that only UTF-8
//! draws. These are advice, never a reason to stop: the doctor may run in
//! another window than the one the workshop uses.

use super::{Area, Check, Status};

/// The workbench's own minimum; below it panes overlap.
pub const MIN_SIZE: (u16, u16) = (80, 24);
/// Presenter mode is laid out for this, and so are the lessons' screens.
pub const GOOD_SIZE: (u16, u16) = (100, 30);

/// The terminal checks from its size (none when not run in a terminal) and
/// the environment, read through `env` so tests give their own.
pub fn terminal_checks(
    size: Option<(u16, u16)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Check> {
    vec![
        judge_size(size),
        judge_colour(env("COLORTERM").as_deref(), env("TERM").as_deref()),
        judge_locale(env),
        judge_no_color(env("NO_COLOR").as_deref()),
    ]
}

fn check(name: &str, status: Status, detail: String, fix: Option<String>) -> Check {
    Check {
        name: name.into(),
        status,
        detail,
        fix,
        area: Area::Terminal,
        required: false,
    }
}

/// Too small a window hides panes; an unknown size (output piped, no
/// terminal) is said as such rather than guessed.
pub fn judge_size(size: Option<(u16, u16)>) -> Check {
    let Some((cols, rows)) = size else {
        return check(
            "terminal size",
            Status::Warn,
            "unknown: the doctor is not running in a terminal".into(),
            Some("run `dockstage doctor` in the terminal the workshop will use".into()),
        );
    };
    let (good_cols, good_rows) = GOOD_SIZE;
    let (min_cols, min_rows) = MIN_SIZE;
    let grow = |(c, r): (u16, u16)| {
        format!("make the window at least {c}x{r} (a smaller font, or maximise it)")
    };
    if cols < min_cols || rows < min_rows {
        check(
            "terminal size",
            Status::Fail,
            format!("{cols}x{rows}: under {min_cols}x{min_rows}, the workbench's panes overlap"),
            Some(grow(GOOD_SIZE)),
        )
    } else if cols < good_cols || rows < good_rows {
        check(
            "terminal size",
            Status::Warn,
            format!(
                "{cols}x{rows}: usable, but presenter mode and the lessons want {good_cols}x{good_rows}"
            ),
            Some(grow(GOOD_SIZE)),
        )
    } else {
        check("terminal size", Status::Ok, format!("{cols}x{rows}"), None)
    }
}

/// Colours as terminals announce them: COLORTERM for 24-bit colour, TERM for
/// 256 colours or none.
pub fn judge_colour(colorterm: Option<&str>, term: Option<&str>) -> Check {
    let term_shown = term.unwrap_or("unset");
    if let Some(ct) = colorterm.filter(|c| matches!(*c, "truecolor" | "24bit")) {
        return check(
            "colour",
            Status::Ok,
            format!("24-bit colour (COLORTERM={ct}, TERM={term_shown})"),
            None,
        );
    }
    match term {
        None | Some("" | "dumb") => check(
            "colour",
            Status::Warn,
            format!("none: TERM={term_shown}"),
            Some("use a terminal that sets TERM, e.g. `export TERM=xterm-256color`".into()),
        ),
        Some(t) if t.contains("256color") || t.contains("direct") => check(
            "colour",
            Status::Ok,
            format!("256 colours (TERM={t})"),
            None,
        ),
        Some(t) => check(
            "colour",
            Status::Warn,
            format!("maybe only 8 colours (TERM={t}): themes look flat"),
            Some(
                "`export TERM=xterm-256color` if the terminal supports it, or use the \
                 high-contrast theme (`dockstage --theme high-contrast`)"
                    .into(),
            ),
        ),
    }
}

/// The locale that decides the character set: LC_ALL, then LC_CTYPE, then
/// LANG, the first one set (as setlocale reads them).
pub fn judge_locale(env: &dyn Fn(&str) -> Option<String>) -> Check {
    let found = ["LC_ALL", "LC_CTYPE", "LANG"]
        .into_iter()
        .find_map(|name| env(name).filter(|v| !v.is_empty()).map(|v| (name, v)));
    let fix = Some("`export LANG=C.UTF-8` (or another UTF-8 locale)".to_string());
    match found {
        Some((name, value)) => {
            let lower = value.to_ascii_lowercase();
            if lower.contains("utf-8") || lower.contains("utf8") {
                check(
                    "locale",
                    Status::Ok,
                    format!("UTF-8 ({name}={value})"),
                    None,
                )
            } else {
                check(
                    "locale",
                    Status::Warn,
                    format!("{name}={value} is not UTF-8: box lines and marks may show as junk"),
                    fix,
                )
            }
        }
        None => check(
            "locale",
            Status::Warn,
            "no LC_ALL, LC_CTYPE or LANG: the C locale, not UTF-8".into(),
            fix,
        ),
    }
}

/// NO_COLOR (any non-empty value) is a choice, not a fault; the line says
/// what it does, so nobody wonders where the colours went.
pub fn judge_no_color(value: Option<&str>) -> Check {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => check(
            "NO_COLOR",
            Status::Warn,
            format!(
                "set (NO_COLOR={v}): dockstage draws without colour, so failing lines and \
                 stand-ins are marked by symbols only"
            ),
            Some("`unset NO_COLOR` for colours".into()),
        ),
        None => check("NO_COLOR", Status::Ok, "not set: colours on".into(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn size_warns_under_100x30_and_fails_under_80x24() {
        let status = |c, r| judge_size(Some((c, r))).status;
        assert_eq!(status(160, 45), Status::Ok);
        assert_eq!(status(100, 30), Status::Ok);
        assert_eq!(status(99, 40), Status::Warn);
        assert_eq!(status(120, 29), Status::Warn);
        assert_eq!(status(80, 24), Status::Warn);
        assert_eq!(status(79, 40), Status::Fail);
        assert_eq!(status(120, 23), Status::Fail);
        assert_eq!(judge_size(None).status, Status::Warn);
        assert_eq!(
            judge_size(Some((90, 30))).fix.as_deref(),
            Some("make the window at least 100x30 (a smaller font, or maximise it)")
        );
    }

    #[test]
    fn colour_comes_from_colorterm_then_term() {
        let status = |ct, t| judge_colour(ct, t).status;
        assert_eq!(status(Some("truecolor"), Some("xterm")), Status::Ok);
        assert_eq!(status(None, Some("xterm-256color")), Status::Ok);
        assert_eq!(status(None, Some("tmux-256color")), Status::Ok);
        assert_eq!(status(None, Some("xterm")), Status::Warn);
        assert_eq!(status(None, Some("dumb")), Status::Warn);
        assert_eq!(status(None, None), Status::Warn);
    }

    #[test]
    fn the_locale_follows_lc_all_then_lc_ctype_then_lang() {
        let judged = |pairs: &'static [(&'static str, &'static str)]| {
            let c = judge_locale(&env_of(pairs));
            (c.status, c.detail)
        };
        assert_eq!(
            judged(&[("LANG", "en_GB.UTF-8")]),
            (Status::Ok, "UTF-8 (LANG=en_GB.UTF-8)".into())
        );
        assert_eq!(
            judged(&[("LC_ALL", "C"), ("LANG", "C.UTF-8")]).0,
            Status::Warn
        );
        assert_eq!(
            judged(&[("LC_ALL", ""), ("LC_CTYPE", "de_DE.utf8"), ("LANG", "C")]).0,
            Status::Ok
        );
        assert_eq!(judged(&[]).0, Status::Warn);
    }

    #[test]
    fn no_color_is_noted_when_set_and_none_of_it_blocks() {
        let set = judge_no_color(Some("1"));
        assert_eq!(set.status, Status::Warn);
        assert!(set.detail.contains("without colour"), "{}", set.detail);
        assert_eq!(judge_no_color(Some("")).status, Status::Ok);
        assert_eq!(judge_no_color(None).status, Status::Ok);
        let all = terminal_checks(Some((60, 20)), &env_of(&[("NO_COLOR", "1")]));
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(|c| !c.required && c.area == Area::Terminal));
    }
}
