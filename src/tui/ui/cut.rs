//! Text cut to a pane's room, with `…` where it was cut: a label keeps its
//! start, a path keeps its end, where the file's name is.

/// `s` within `n` characters, keeping its start.
pub fn keep_start(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(n.saturating_sub(1)).collect::<String>()
        )
    }
}

/// `s` within `n` characters, keeping its end.
pub fn keep_end(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        s.to_string()
    } else {
        format!(
            "…{}",
            s.chars().skip(count + 1 - n.max(1)).collect::<String>()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_keeps_the_side_asked_for_and_marks_the_other() {
        assert_eq!(keep_start("golang:1.24", 20), "golang:1.24");
        assert_eq!(keep_start("golang:1.24", 6), "golan…");
        assert_eq!(keep_end("/usr/lib/go/bin/gofmt", 8), "…n/gofmt");
        assert_eq!(keep_end("é/ü", 2), "…ü");
    }
}
