//! Text surgery that keeps the user's formatting: which bytes to remove with a
//! word so no double spaces, dangling continuations or empty lines are left.

use crate::dockerfile::span::Span;

fn line_bounds(source: &str, at: usize) -> (usize, usize, usize) {
    let start = source
        .get(..at)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = source
        .get(at..)
        .and_then(|s| s.find('\n'))
        .map_or(source.len(), |i| at + i + 1);
    let mut content_end = end;
    let bytes = source.as_bytes();
    if content_end > start && bytes.get(content_end - 1) == Some(&b'\n') {
        content_end -= 1;
    }
    if content_end > start && bytes.get(content_end - 1) == Some(&b'\r') {
        content_end -= 1;
    }
    (start, content_end, end)
}

fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c == ' ' || c == '\t')
}

/// The bytes to delete to remove the word at `word`: with the blanks before it,
/// or after it, or its whole line when the word stands alone on a
/// continuation line.
pub fn removal_span(source: &str, word: Span, escape: char) -> Span {
    let (line_start, content_end, line_end) = line_bounds(source, word.start);
    let before = source.get(line_start..word.start).unwrap_or("");
    let after = source.get(word.end..content_end).unwrap_or("");
    let after_trim = after.trim_matches([' ', '\t']);
    let escape_str = escape.to_string();
    if is_blank(before) && after_trim == escape_str {
        return Span::new(line_start, line_end);
    }
    if is_blank(before) && after_trim.is_empty() && line_start > 0 {
        // Last word of the instruction, alone on its line: also drop the
        // continuation that led to it, from the end of the previous word.
        let prev = source.get(..line_start).unwrap_or("");
        let prev = prev.trim_end_matches(['\n', '\r']);
        if let Some(body) = prev.trim_end_matches([' ', '\t']).strip_suffix(escape) {
            let cut = body.trim_end_matches([' ', '\t']).len();
            return Span::new(
                cut,
                word.end + (after.len() - after.trim_end().len()).min(after.len()),
            );
        }
    }
    let lead = before.len() - before.trim_end_matches([' ', '\t']).len();
    if lead > 0 && !before.trim().is_empty() {
        return Span::new(word.start - lead, word.end);
    }
    let trail = after.len() - after.trim_start_matches([' ', '\t']).len();
    Span::new(word.start, word.end + trail)
}

/// Removes the items of a `sep`-separated list that are in `drop`, with one
/// separator each: the one after the item, or before it for the last item.
/// Inverse of appending `sep + item` to a list, and of prepending `item + sep`.
pub fn remove_list_items(list: &str, sep: char, drop: &[&str]) -> String {
    let mut parts: Vec<(&str, &str)> = Vec::new(); // (item, separator run after it)
    let mut rest = list;
    loop {
        match rest.find(sep) {
            Some(i) => {
                let item = rest.get(..i).unwrap_or("");
                let after = rest.get(i..).unwrap_or("");
                let run = after.len() - after.trim_start_matches(sep).len();
                parts.push((item, after.get(..run).unwrap_or("")));
                rest = after.get(run..).unwrap_or("");
            }
            None => {
                parts.push((rest, ""));
                break;
            }
        }
    }
    let keep: Vec<bool> = parts.iter().map(|(item, _)| !drop.contains(item)).collect();
    let mut out = String::new();
    let last_kept = keep.iter().rposition(|&k| k);
    for (i, (item, run)) in parts.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        out.push_str(item);
        if Some(i) != last_kept {
            out.push_str(run);
        } else if i + 1 < parts.len() && parts[i + 1..].iter().all(|(it, _)| drop.contains(it)) {
            // The items after the last kept one are dropped with their leading separator.
        } else {
            out.push_str(run);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remove(src: &str, word: &str) -> String {
        let start = src.find(word).unwrap_or(0);
        let span = removal_span(src, Span::new(start, start + word.len()), '\\');
        format!("{}{}", &src[..span.start], &src[span.end..])
    }

    #[test]
    fn removes_a_word_with_the_space_before_it() {
        assert_eq!(
            remove("RUN go build -trimpath -o /a .", "-trimpath"),
            "RUN go build -o /a ."
        );
    }

    #[test]
    fn removes_a_first_word_with_the_space_after_it() {
        assert_eq!(
            remove("CGO_ENABLED=0 go build", "CGO_ENABLED=0"),
            "go build"
        );
    }

    #[test]
    fn removes_a_flag_alone_on_a_continuation_line() {
        let src = "RUN \\\n    --mount=type=cache,target=/x \\\n    go build\n";
        assert_eq!(
            remove(src, "--mount=type=cache,target=/x"),
            "RUN \\\n    go build\n"
        );
    }

    #[test]
    fn removes_the_last_word_with_its_continuation() {
        let src = "RUN go build -o /a \\\n    -trimpath\nFROM x\n";
        assert_eq!(remove(src, "-trimpath"), "RUN go build -o /a\nFROM x\n");
    }

    #[test]
    fn list_removal_inverts_append_and_prepend() {
        assert_eq!(
            remove_list_items("foo,netgo,osusergo", ',', &["netgo", "osusergo"]),
            "foo"
        );
        assert_eq!(
            remove_list_items("netgo,osusergo,foo", ',', &["netgo", "osusergo"]),
            "foo"
        );
        assert_eq!(
            remove_list_items("-s -w -X a=b", ' ', &["-s", "-w"]),
            "-X a=b"
        );
        assert_eq!(
            remove_list_items("-X a=b -s -w", ' ', &["-s", "-w"]),
            "-X a=b"
        );
        assert_eq!(remove_list_items("-s  -w", ' ', &["-s", "-w"]), "");
        assert_eq!(remove_list_items("a,b", ',', &["c"]), "a,b");
    }
}
