//! Edit distance, for "did you mean" hints on misspelt names.

/// Damerau–Levenshtein (optimal string alignment) distance, in characters.
/// Inputs longer than 64 characters are compared only by equality: hints are
/// for short names, and this keeps the cost bounded on hostile input.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return if a == b { 0 } else { a.len().max(b.len()) };
    }
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

/// Hints look at this many candidates at most, so a file with thousands of
/// stage names and thousands of unknown references stays linear.
const MAX_CANDIDATES: usize = 256;

/// The candidate closest to `word`, when it is close enough to be a typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let len = word.chars().count();
    candidates
        .into_iter()
        .take(MAX_CANDIDATES)
        .filter(|c| !c.eq_ignore_ascii_case(word))
        .filter_map(|c| {
            let max = max_typo(c);
            // The distance is at least the difference in length.
            if c.chars().count().abs_diff(len) > max {
                return None;
            }
            let d = distance(&lower, &c.to_ascii_lowercase());
            (d > 0 && d <= max).then_some((d, c))
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

fn max_typo(candidate: &str) -> usize {
    match candidate.chars().count() {
        0..=3 => 0,
        4..=5 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposition_counts_once() {
        assert_eq!(distance("stratch", "scratch"), 1);
        assert_eq!(distance("scartch", "scratch"), 1);
        assert_eq!(distance("golang", "golang"), 0);
    }

    #[test]
    fn nearest_finds_typos_but_not_other_words() {
        let names = ["scratch", "alpine", "busybox"];
        assert_eq!(nearest("stratch", names), Some("scratch"));
        assert_eq!(nearest("alpnie", names), Some("alpine"));
        assert_eq!(nearest("ubuntu", names), None);
        assert_eq!(nearest("scratch", names), None);
    }
}
