//! `.dockerignore` matching, with the rules `docker build` applies.
//!
//! A context that dockstage sends must hold exactly the files `docker build`
//! would send, or a build that works here breaks there (or leaks a secret).
//! Lines are read as the docker CLI reads them (`ignorefile.ReadAll`), and
//! paths are matched as `moby/patternmatcher` matches them: a pattern excludes
//! a path when it matches the path or any of its parent directories, and the
//! last pattern that matches decides.

/// The parsed rules of one `.dockerignore` file.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    rules: Vec<Rule>,
    invalid: Vec<InvalidPattern>,
    /// BuildKit walks into every excluded directory once any exception has a
    /// wildcard, since such an exception may re-include a file at any depth.
    walk_every_excluded_dir: bool,
}

/// A line `docker build` would refuse; the build must not go ahead with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern {
    /// 1-based line number in the file.
    pub line: usize,
    /// The line as written, so the user can find it.
    pub text: String,
    /// What is wrong with it, in words that suggest the fix.
    pub reason: String,
}

#[derive(Debug, Clone)]
struct Rule {
    /// A `!` line: re-includes what earlier lines excluded.
    exception: bool,
    /// The cleaned pattern without its `!`, as BuildKit compares it for pruning.
    text: String,
    glob: glob::Glob,
}

impl DockerIgnore {
    /// Reads the file's text. Bad lines are kept in [`DockerIgnore::invalid`]
    /// and match nothing, so a caller can report them instead of guessing.
    pub fn parse(text: &str) -> DockerIgnore {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ignore = DockerIgnore::default();
        for (index, raw) in text.lines().enumerate() {
            if let Some(pattern) = read_line(raw) {
                ignore.push(index + 1, raw.trim(), &pattern);
            }
        }
        ignore
    }

    /// Patterns as BuildKit hands them to a client session: already read
    /// out of a `.dockerignore` (or a Dockerfile's include list), one per
    /// entry, so no line is a comment. The `line` of an invalid one is its
    /// 1-based position in the list.
    pub fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> DockerIgnore {
        let mut ignore = DockerIgnore::default();
        for (index, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.as_ref();
            if !pattern.trim().is_empty() {
                ignore.push(index + 1, pattern.trim(), pattern);
            }
        }
        ignore
    }

    fn push(&mut self, line: usize, raw: &str, pattern: &str) {
        // patternmatcher trims and cleans once more, after the CLI has.
        let pattern = clean(pattern.trim());
        let (exception, body) = match pattern.strip_prefix('!') {
            Some("") => {
                self.invalid.push(InvalidPattern {
                    line,
                    text: raw.to_string(),
                    reason: "a lone `!` re-includes nothing; write the path to keep after it"
                        .to_string(),
                });
                return;
            }
            Some(body) => (true, body.to_string()),
            None => (false, pattern),
        };
        match glob::Glob::compile(&body) {
            Ok(glob) => {
                if exception && has_wildcard(&body) {
                    self.walk_every_excluded_dir = true;
                }
                self.rules.push(Rule {
                    exception,
                    text: body,
                    glob,
                });
            }
            Err(reason) => self.invalid.push(InvalidPattern {
                line,
                text: raw.to_string(),
                reason: reason.to_string(),
            }),
        }
    }

    /// Whether `docker build` leaves this path out of the context.
    /// `rel_path` is relative to the context, with `/` separators.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        let path = clean(rel_path);
        if path == "." {
            return false;
        }
        let parents: Vec<&str> = path.match_indices('/').map(|(at, _)| &path[..at]).collect();
        let mut excluded = false;
        for rule in &self.rules {
            // Once excluded only an exception can change the answer, and the
            // other way round.
            if rule.exception != excluded {
                continue;
            }
            if rule.glob.matches(&path) || parents.iter().any(|p| rule.glob.matches(p)) {
                excluded = !rule.exception;
            }
        }
        excluded
    }

    /// Whether an excluded directory must still be walked because an
    /// exception could re-include something inside it. When this is false
    /// the whole directory can be skipped unread, as BuildKit does.
    pub fn may_have_exceptions_under(&self, dir: &str) -> bool {
        if self.walk_every_excluded_dir {
            return true;
        }
        let dir = clean(dir);
        let dir_slash = format!("{dir}/");
        self.rules
            .iter()
            .any(|rule| rule.exception && format!("{}/", rule.text).starts_with(&dir_slash))
    }

    /// Whether a pattern could select something strictly below `dir`, which
    /// itself is not selected: some pattern has more components than `dir`
    /// and its leading ones match `dir`'s. A walk that only keeps what the
    /// patterns select (BuildKit's include patterns and follow paths) can
    /// skip a directory for which this is false, unread.
    pub fn may_match_under(&self, dir: &str) -> bool {
        let dir = clean(dir);
        let depth = dir.split('/').count();
        self.rules
            .iter()
            .filter(|rule| !rule.exception)
            .any(|rule| {
                let parts: Vec<&str> = rule.text.split('/').collect();
                if parts.iter().take(depth + 1).any(|part| part.contains("**")) {
                    return true;
                }
                parts.len() > depth
                    && glob::Glob::compile(&parts[..depth].join("/")).is_ok_and(|g| g.matches(&dir))
            })
    }

    /// Lines `docker build` would reject with "syntax error in pattern".
    pub fn invalid(&self) -> &[InvalidPattern] {
        &self.invalid
    }

    /// Whether the file has any pattern at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// One line as the docker CLI's `ignorefile.ReadAll` yields it: `None` for
/// comments and blank lines. A `#` only starts a comment in the first column.
fn read_line(raw: &str) -> Option<String> {
    if raw.starts_with('#') {
        return None;
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let (invert, rest) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut pattern = String::new();
    if !rest.is_empty() {
        pattern = clean(rest);
        if pattern.len() > 1 && pattern.starts_with('/') {
            pattern.remove(0);
        }
    }
    Some(if invert {
        format!("!{pattern}")
    } else {
        pattern
    })
}

/// Go's `filepath.Clean` on `/`-separated paths: one slash between elements,
/// no `.` elements, `..` resolved lexically, no trailing slash.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // `/..` is `/`; a relative path keeps its leading `..`.
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// BuildKit's test for an exception that could match at any depth: after a
/// trailing `/**` and then a trailing `/*` are cut, any glob character left.
fn has_wildcard(pattern: &str) -> bool {
    let cut = pattern.strip_suffix("/**").unwrap_or(pattern);
    let cut = cut.strip_suffix("/*").unwrap_or(cut);
    cut.contains(['*', '[', ']', '?', '^', '\\'])
}

/// Go's `filepath.Match` syntax, plus `**` as patternmatcher translates it.
mod glob {
    #[derive(Debug, Clone)]
    enum Token {
        Literal(char),
        /// `*`: any run of characters other than `/`.
        Star,
        /// `?`: one character other than `/`.
        Question,
        /// `[a-z]`, `[^abc]`: may match `/`, as in Go.
        Class {
            negated: bool,
            ranges: Vec<(char, char)>,
        },
        /// `**` (and `**/`) before more pattern: nothing, or anything ending in `/`.
        AnyDirs,
        /// `**` at the end: anything at all.
        Rest,
    }

    #[derive(Debug, Clone)]
    pub(super) struct Glob {
        tokens: Vec<Token>,
        /// patternmatcher matches a pattern that starts with `**` and has no
        /// other glob character by suffix alone, so `**.go` matches `a/b.go`.
        suffix: Option<String>,
    }

    impl Glob {
        pub(super) fn compile(pattern: &str) -> Result<Glob, &'static str> {
            let chars: Vec<char> = pattern.chars().collect();
            let mut tokens = Vec::new();
            let mut leading_any_dirs = false;
            let mut other_wildcard = false;
            let mut i = 0;
            while i < chars.len() {
                let first = i == 0;
                match chars[i] {
                    '*' if chars.get(i + 1) == Some(&'*') => {
                        i += 2;
                        if chars.get(i) == Some(&'/') {
                            i += 1;
                        }
                        tokens.push(if i == chars.len() {
                            Token::Rest
                        } else {
                            Token::AnyDirs
                        });
                        if first {
                            leading_any_dirs = true;
                        } else {
                            other_wildcard = true;
                        }
                        continue;
                    }
                    '*' => tokens.push(Token::Star),
                    '?' => tokens.push(Token::Question),
                    '\\' => {
                        i += 1;
                        let Some(&c) = chars.get(i) else {
                            return Err("a trailing `\\` escapes nothing");
                        };
                        tokens.push(Token::Literal(c));
                    }
                    '[' => {
                        let (token, next) = class(&chars, i + 1)?;
                        tokens.push(token);
                        other_wildcard = true;
                        i = next;
                        continue;
                    }
                    c => {
                        // A lone `]` is literal, but patternmatcher still stops
                        // treating the pattern as a plain suffix.
                        if c == ']' {
                            other_wildcard = true;
                        }
                        tokens.push(Token::Literal(c));
                        i += 1;
                        continue;
                    }
                }
                other_wildcard = true;
                i += 1;
            }
            let suffix = (leading_any_dirs && !other_wildcard)
                .then(|| pattern.chars().skip(2).collect::<String>());
            Ok(Glob { tokens, suffix })
        }

        pub(super) fn matches(&self, path: &str) -> bool {
            if let Some(suffix) = &self.suffix {
                return path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|s| s == path);
            }
            let path: Vec<char> = path.chars().collect();
            let mut failed = vec![false; (self.tokens.len() + 1) * (path.len() + 1)];
            self.match_from(0, 0, &path, &mut failed)
        }

        /// Whether tokens from `t` match `path` from `p`. `failed` remembers
        /// dead ends so stars cannot make this exponential.
        fn match_from(&self, t: usize, p: usize, path: &[char], failed: &mut [bool]) -> bool {
            let Some(token) = self.tokens.get(t) else {
                return p == path.len();
            };
            let key = t * (path.len() + 1) + p;
            if failed[key] {
                return false;
            }
            let here = path.get(p).copied();
            let ok = match token {
                Token::Literal(c) => {
                    here == Some(*c) && self.match_from(t + 1, p + 1, path, failed)
                }
                Token::Question => {
                    here.is_some_and(|c| c != '/') && self.match_from(t + 1, p + 1, path, failed)
                }
                Token::Class { negated, ranges } => {
                    here.is_some_and(|c| {
                        ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
                    }) && self.match_from(t + 1, p + 1, path, failed)
                }
                Token::Star => {
                    let mut q = p;
                    loop {
                        if self.match_from(t + 1, q, path, failed) {
                            break true;
                        }
                        match path.get(q) {
                            Some(&c) if c != '/' => q += 1,
                            _ => break false,
                        }
                    }
                }
                Token::AnyDirs => {
                    self.match_from(t + 1, p, path, failed)
                        || (p..path.len())
                            .any(|q| path[q] == '/' && self.match_from(t + 1, q + 1, path, failed))
                }
                Token::Rest => true,
            };
            if !ok {
                failed[key] = true;
            }
            ok
        }
    }

    /// Parses a class after its `[`, returning the token and the index after
    /// its `]`. Errors are those Go's `filepath.Match` reports.
    fn class(chars: &[char], mut i: usize) -> Result<(Token, usize), &'static str> {
        let negated = chars.get(i) == Some(&'^');
        if negated {
            i += 1;
        }
        let mut ranges = Vec::new();
        loop {
            match chars.get(i) {
                None => return Err("a `[` class is not closed with `]`"),
                Some(']') if !ranges.is_empty() => {
                    return Ok((Token::Class { negated, ranges }, i + 1));
                }
                Some(_) => {}
            }
            let (lo, next) = class_char(chars, i)?;
            i = next;
            let mut hi = lo;
            if chars.get(i) == Some(&'-') {
                (hi, i) = class_char(chars, i + 1)?;
            }
            ranges.push((lo, hi));
        }
    }

    fn class_char(chars: &[char], i: usize) -> Result<(char, usize), &'static str> {
        match chars.get(i) {
            None => Err("a `[` class is not closed with `]`"),
            Some(']') => Err("a `[` class is empty; escape a literal `]` as `\\]`"),
            Some('-') => Err("a `-` in a `[` class needs a character on each side (or `\\-`)"),
            Some('\\') => match chars.get(i + 1) {
                Some(&c) => Ok((c, i + 2)),
                None => Err("a trailing `\\` escapes nothing"),
            },
            Some(&c) => Ok((c, i + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(patterns: &str, path: &str) -> bool {
        DockerIgnore::parse(patterns).is_excluded(path)
    }

    #[test]
    fn docs_star_slash_temp_excludes_one_level_down_only() {
        let ignore = DockerIgnore::parse("# comment\n*/temp*\n");
        assert!(ignore.is_excluded("somedir/temporary.txt"));
        assert!(ignore.is_excluded("somedir/temp"));
        assert!(ignore.is_excluded("somedir/temp/inside.txt"));
        assert!(!ignore.is_excluded("temp.txt"));
        assert!(!ignore.is_excluded("a/b/temporary.txt"));
    }

    #[test]
    fn docs_two_levels_down() {
        let ignore = DockerIgnore::parse("*/*/temp*");
        assert!(ignore.is_excluded("somedir/subdir/temporary.txt"));
        assert!(!ignore.is_excluded("somedir/temporary.txt"));
    }

    #[test]
    fn docs_question_mark_is_one_character() {
        let ignore = DockerIgnore::parse("temp?");
        assert!(ignore.is_excluded("tempa"));
        assert!(ignore.is_excluded("tempb"));
        assert!(!ignore.is_excluded("temp"));
        assert!(!ignore.is_excluded("tempab"));
        assert!(!ignore.is_excluded("dir/tempa"));
    }

    #[test]
    fn docs_double_star_go_files_at_any_depth() {
        let ignore = DockerIgnore::parse("**/*.go");
        assert!(ignore.is_excluded("main.go"));
        assert!(ignore.is_excluded("cmd/app/main.go"));
        assert!(!ignore.is_excluded("go.mod"));
        assert!(!ignore.is_excluded("cmd/app/main.go.txt"));
    }

    #[test]
    fn docs_markdown_except_readme() {
        let ignore = DockerIgnore::parse("*.md\n!README.md");
        assert!(ignore.is_excluded("CHANGELOG.md"));
        assert!(!ignore.is_excluded("README.md"));
        // `*` does not cross `/`, so nested Markdown is not matched at all.
        assert!(!ignore.is_excluded("docs/guide.md"));
    }

    #[test]
    fn docs_last_matching_line_wins() {
        let readmes_but_secret = DockerIgnore::parse("*.md\n!README*.md\nREADME-secret.md");
        assert!(readmes_but_secret.is_excluded("CHANGELOG.md"));
        assert!(!readmes_but_secret.is_excluded("README-public.md"));
        assert!(readmes_but_secret.is_excluded("README-secret.md"));

        let every_readme = DockerIgnore::parse("*.md\nREADME-secret.md\n!README*.md");
        assert!(every_readme.is_excluded("CHANGELOG.md"));
        assert!(!every_readme.is_excluded("README-secret.md"));
    }

    #[test]
    fn pattern_excludes_everything_under_a_matching_directory() {
        assert!(excluded("foo", "foo/bar/baz"));
        assert!(excluded("a/b", "a/b/c.txt"));
        assert!(!excluded("foo", "foobar"));
        assert!(!excluded("bar", "foo/bar"));
    }

    #[test]
    fn exception_re_includes_inside_an_excluded_directory() {
        let ignore = DockerIgnore::parse("vendor\n!vendor/keep.go");
        assert!(ignore.is_excluded("vendor"));
        assert!(ignore.is_excluded("vendor/other.go"));
        assert!(!ignore.is_excluded("vendor/keep.go"));
        assert!(ignore.may_have_exceptions_under("vendor"));
        assert!(!ignore.may_have_exceptions_under("node_modules"));

        // An exception naming a directory keeps its whole subtree.
        let ignore = DockerIgnore::parse("vendor\n!vendor/keep");
        assert!(!ignore.is_excluded("vendor/keep/deep/file.go"));
        assert!(ignore.is_excluded("vendor/keeper.go"));
    }

    #[test]
    fn pruning_follows_buildkit() {
        // Only a literal exception under the directory keeps it walked...
        let literal = DockerIgnore::parse("*\n!src/main.go");
        assert!(literal.may_have_exceptions_under("src"));
        assert!(!literal.may_have_exceptions_under("srcs"));
        assert!(!literal.may_have_exceptions_under(".git"));
        // ...a trailing `/**` or `/*` does not count as a wildcard...
        assert!(!DockerIgnore::parse("*\n!src/**").may_have_exceptions_under("docs"));
        assert!(!DockerIgnore::parse("*\n!src/*").may_have_exceptions_under("docs"));
        // ...but any other wildcard in an exception walks every directory.
        assert!(DockerIgnore::parse("*\n!**/*.go").may_have_exceptions_under(".git"));
        // Without exceptions nothing is ever walked.
        assert!(!DockerIgnore::parse("*").may_have_exceptions_under("src"));
    }

    #[test]
    fn double_star_edge_cases() {
        // `**/` matches zero directories too.
        assert!(excluded("**/foo", "foo"));
        assert!(excluded("**/foo", "a/b/foo"));
        assert!(!excluded("**/foo", "afoo"));
        assert!(excluded("a/**/b", "a/b"));
        assert!(excluded("a/**/b", "a/x/y/b"));
        assert!(!excluded("a/**/b", "ab"));
        // A trailing `**` matches what is inside, not the directory itself.
        assert!(excluded("a/**", "a/x"));
        assert!(!excluded("a/**", "a"));
        // `**` alone matches everything.
        assert!(excluded("**", "any/thing"));
        // A leading `**` with no other wildcard is a plain suffix test.
        assert!(excluded("**.go", "cmd/main.go"));
        assert!(excluded("**foo", "barfoo"));
        // `**` in the middle, not followed by `/`, only spans whole directories.
        assert!(excluded("a**b", "a/x/b"));
        assert!(excluded("a**b", "ab"));
        assert!(!excluded("a**b", "axb"));
    }

    #[test]
    fn character_classes() {
        let ignore = DockerIgnore::parse("log[0-9].txt\nfile[^a].txt\n[Mm]akefile.bak");
        assert!(ignore.is_excluded("log7.txt"));
        assert!(!ignore.is_excluded("logx.txt"));
        assert!(ignore.is_excluded("fileb.txt"));
        assert!(!ignore.is_excluded("filea.txt"));
        assert!(ignore.is_excluded("Makefile.bak"));
        assert!(ignore.is_excluded("makefile.bak"));
        // `!` is not negation in Go's syntax: it is a member of the class.
        assert!(excluded("x[!a]", "x!"));
        assert!(!excluded("x[!a]", "xb"));
    }

    #[test]
    fn escapes_make_glob_characters_literal() {
        assert!(excluded("star\\*", "star*"));
        assert!(!excluded("star\\*", "starry"));
        assert!(excluded("q\\?", "q?"));
        assert!(!excluded("q\\?", "qx"));
        assert!(excluded("br\\[a\\]", "br[a]"));
    }

    #[test]
    fn lines_are_trimmed_and_cleaned() {
        assert!(excluded("./build", "build/out"));
        assert!(excluded("build/", "build/out"));
        assert!(excluded("/build", "build/out"));
        assert!(excluded("   build   ", "build"));
        assert!(excluded("a//b/./c/../d", "a/b/d"));
        assert!(!excluded("*\n! /keep/", "keep/x"));
        assert!(excluded("*\n! /keep/", "other"));
        // Paths are cleaned as well.
        assert!(excluded("build", "./build/"));
    }

    #[test]
    fn comments_only_start_in_the_first_column() {
        let ignore = DockerIgnore::parse("# build\n\n   \n  #tmp\n");
        assert!(!ignore.is_excluded("build"));
        assert!(ignore.is_excluded("#tmp"));
        assert!(!DockerIgnore::parse("# everything\n").is_excluded("x"));
        assert!(DockerIgnore::parse("# nothing\n").is_empty());
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_pattern() {
        assert!(excluded("\u{feff}secret.txt", "secret.txt"));
    }

    #[test]
    fn invalid_lines_are_reported_with_their_line_numbers() {
        let ignore = DockerIgnore::parse("ok\n[a\n!\nx[]\ny\\\n[a-]\n");
        let lines: Vec<usize> = ignore.invalid().iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6]);
        assert_eq!(ignore.invalid()[0].text, "[a");
        assert!(ignore.is_excluded("ok"));
        assert!(!ignore.is_excluded("[a"));
    }

    #[test]
    fn the_context_root_is_never_excluded() {
        assert!(!excluded("*", "."));
        assert!(!excluded("*", ""));
    }

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("../../a/b/..", "../../a"),
            ("/", "/"),
            ("a/./b//", "a/b"),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }
}
