//! Variable substitution as the builder does it in `FROM`, so the graph shows
//! `golang:1.24` where the file says `golang:${GO_VERSION:-1.24}`.

/// Build arguments the builder defines for every `FROM` without an `ARG`.
pub const AUTOMATIC_ARGS: [&str; 8] = [
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

/// The outcome of expanding one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    /// Variables used with no value and no default.
    pub undefined: Vec<String>,
}

/// Expands `$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:+a}` and `${V+a}`.
/// `lookup` returns `Some(value)` for a declared variable (`Some("")` when it
/// is declared without a value is still "set").
pub fn expand<'a>(text: &str, escape: char, lookup: impl Fn(&str) -> Option<&'a str>) -> Expanded {
    expand_with(text, escape, &lookup)
}

type Lookup<'l, 'a> = &'l dyn Fn(&str) -> Option<&'a str>;

fn expand_with(text: &str, escape: char, lookup: Lookup<'_, '_>) -> Expanded {
    let mut out = String::with_capacity(text.len());
    let mut undefined = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == escape {
            if let Some(&(_, '$')) = chars.peek() {
                out.push('$');
                chars.next();
                continue;
            }
            out.push(c);
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = text.get(i + 1..).unwrap_or("");
        if let Some(body) = rest.strip_prefix('{') {
            let Some(close) = find_close(body) else {
                out.push_str(text.get(i..).unwrap_or(""));
                break;
            };
            let inner = body.get(..close).unwrap_or("");
            out.push_str(&expand_braced(inner, escape, lookup, &mut undefined));
            for _ in 0..inner.chars().count() + 2 {
                chars.next();
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                out.push('$');
                continue;
            }
            for _ in 0..name.chars().count() {
                chars.next();
            }
            match lookup(&name) {
                Some(v) => out.push_str(v),
                None => undefined.push(name),
            }
        }
    }
    Expanded {
        text: out,
        undefined,
    }
}

/// The index of the `}` closing a `${`, allowing nested `${...}` in defaults.
fn find_close(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn expand_braced(
    inner: &str,
    escape: char,
    lookup: Lookup<'_, '_>,
    undefined: &mut Vec<String>,
) -> String {
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let name = inner.get(..name_len).unwrap_or("");
    let op = inner.get(name_len..).unwrap_or("");
    let value = lookup(name);
    let word = |w: &str, undefined: &mut Vec<String>| {
        let e = expand_with(w, escape, lookup);
        undefined.extend(e.undefined);
        e.text
    };
    if let Some(default) = op.strip_prefix(":-") {
        match value {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => word(default, undefined),
        }
    } else if let Some(default) = op.strip_prefix('-') {
        match value {
            Some(v) => v.to_string(),
            None => word(default, undefined),
        }
    } else if let Some(alt) = op.strip_prefix(":+") {
        match value {
            Some(v) if !v.is_empty() => word(alt, undefined),
            _ => String::new(),
        }
    } else if let Some(alt) = op.strip_prefix('+') {
        match value {
            Some(_) => word(alt, undefined),
            None => String::new(),
        }
    } else {
        match value {
            Some(v) => v.to_string(),
            None => {
                undefined.push(name.to_string());
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<&'static str> {
        match name {
            "GO" => Some("1.24"),
            "EMPTY" => Some(""),
            _ => None,
        }
    }

    #[test]
    fn expands_the_forms_used_in_from() {
        let e = |s| expand(s, '\\', vars).text;
        assert_eq!(e("golang:${GO}"), "golang:1.24");
        assert_eq!(e("golang:$GO-bookworm"), "golang:1.24-bookworm");
        assert_eq!(e("golang:${MISSING:-1.23}"), "golang:1.23");
        assert_eq!(e("a${EMPTY:-x}"), "ax");
        assert_eq!(e("a${EMPTY-x}"), "a");
        assert_eq!(e("a${GO:+set}"), "aset");
        assert_eq!(e("a${NOPE:+set}"), "a");
        assert_eq!(e("a${X:-${GO}}"), "a1.24");
        assert_eq!(e("cost \\$5"), "cost $5");
    }

    #[test]
    fn reports_undefined_names() {
        let got = expand("${IMAGE}:${TAG:-x}", '\\', vars);
        assert_eq!(got.undefined, vec!["IMAGE".to_string()]);
        assert_eq!(got.text, ":x");
    }

    #[test]
    fn unclosed_brace_is_kept_as_text() {
        assert_eq!(expand("a${B", '\\', vars).text, "a${B");
    }
}
