//! Whether two services answer the same, for matrix and tune.
//!
//! A service is judged by its answer to one GET (src/engine/service.rs), and
//! two runs of the same image rarely answer byte for byte alike: a JSON body
//! carries the time of the request and a request id, an HTML page the date,
//! a status page the uptime. So the comparison is: **the same HTTP status,
//! and the same body once every token that changes between runs has been
//! replaced by the name of its class.** Everything else (words, small
//! numbers such as counts and sizes, versions, punctuation, whitespace) must
//! be equal byte for byte, so `ca_certs=142` and `ca_certs=0` still differ.
//!
//! The token classes, tried at each word boundary, first match wins:
//! - `<time>`: a date-time (`2026-11-30T09:27:25.123Z`, `2026-11-30 09:27:25
//!   +0100`), a date (`2026-11-30`, `30/11/2026`, `30 Nov 2026`,
//!   `Nov 30, 2026`, with a weekday before it: `Mon, 30 Nov 2026`), or a
//!   clock time (`09:27:25`, `09:27:25.123`);
//! - `<id>`: a UUID; a hex token of 8 or more characters with both digits
//!   and letters (request ids, container hostnames, hashes); a token of 16 or
//!   more letters and digits mixed (ULIDs, KSUIDs, nanoids);
//! - `<addr>`: an IPv4 address, with its port (container and client
//!   addresses change with each run's network);
//! - `<n>`: an integer of 10, 13, 16 or 19 digits, with any fraction: a Unix
//!   time in s, ms, µs or ns;
//! - `<dur>`: a number with a unit of `ns`, `us`, `µs` or `ms`, or a Go
//!   duration with a fraction or several units (`1.5s`, `1m30.2s`, `2h3m`).
//!   A whole number of seconds (`5s`) is left alone: it is usually a
//!   setting, not a measurement.
//!
//! Bodies are compared as far as both were captured (the engine keeps the
//! first few KiB), so a long page that differs only past the cut matches.

use crate::outcome::RunResult;
use crate::outcome::ServiceAnswer;

/// Whether `run` answered as `reference` did: the same status and the same
/// body apart from the fields that change between runs. A service that did
/// not answer never matches.
pub fn same_answer(run: &RunResult, reference: &RunResult) -> bool {
    match (answer(run), answer(reference)) {
        (Some(a), Some(b)) => {
            a.status == b.status
                && same_body(&a.body, &b.body, a.body_truncated || b.body_truncated)
        }
        _ => false,
    }
}

/// How `run`'s answer differs from the reference's, in a few words; `None`
/// when the reference is not a service that answered or the two match.
pub fn mismatch(run: &RunResult, reference: &RunResult) -> Option<String> {
    let theirs = answer(reference)?;
    let Some(ours) = answer(run) else {
        return Some(run.error.clone().unwrap_or_else(|| "did not answer".into()));
    };
    if ours.status != theirs.status {
        return Some(format!(
            "answers {} where the reference answered {}",
            status_words(ours),
            status_words(theirs)
        ));
    }
    if !same_body(
        &ours.body,
        &theirs.body,
        ours.body_truncated || theirs.body_truncated,
    ) {
        return Some(format!(
            "answers “{}” where the reference answered “{}”",
            first_line(&ours.body),
            first_line(&theirs.body)
        ));
    }
    None
}

/// The service in a few words, for the run line and the tune account:
/// "ready in 120 ms · 200 text/plain · “hello”".
pub fn summary(answer: &ServiceAnswer) -> String {
    let Some(ready) = answer.ready_ms else {
        return match answer.port {
            Some(port) => format!("nothing answered on port {port}"),
            None => "never ready".into(),
        };
    };
    let ready = format!("ready in {ready} ms");
    match answered(answer) {
        Some(words) => format!("{ready} · {words}"),
        None => ready,
    }
}

/// What a variant said, as the variants table shows it: a service's answer
/// ("200 text/plain · “hello”"; its readiness time changes from run to run,
/// so it stays on the run line), else the program's first line.
pub fn variant_line(run: &RunResult) -> String {
    answer(run)
        .and_then(answered)
        .unwrap_or_else(|| run.first_line().to_string())
}

/// The status, content type and first line of the body of a service that
/// answered on a port; `None` when readiness was a log line only.
fn answered(answer: &ServiceAnswer) -> Option<String> {
    answer.port?;
    let mut out = match answer.status {
        Some(status) => match &answer.content_type {
            Some(ct) => format!("{status} {}", media_type(ct)),
            None => status.to_string(),
        },
        None => "answers TCP, not HTTP".to_string(),
    };
    let line = first_line(&answer.body);
    if !line.is_empty() {
        out.push_str(&format!(" · “{line}”"));
    }
    Some(out)
}

fn answer(run: &RunResult) -> Option<&ServiceAnswer> {
    run.service.as_deref().filter(|s| s.ready_ms.is_some())
}

fn status_words(answer: &ServiceAnswer) -> String {
    answer
        .status
        .map_or_else(|| "without HTTP".into(), |s| s.to_string())
}

/// `text/plain; charset=utf-8` → `text/plain`.
fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

fn first_line(text: &str) -> &str {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    let line = line.unwrap_or("");
    match line.char_indices().nth(60) {
        Some((cut, _)) => &line[..cut],
        None => line,
    }
}

/// Bytes before a cut that may hold a token the cut broke in two.
const CUT_SLACK: usize = 64;

/// Whether two bodies are the same apart from the fields that change
/// between runs (the module doc lists the classes). When one of them was
/// `cut` at the capture limit, they are compared as far as both go, short
/// of the token the cut may have broken.
pub fn same_body(a: &str, b: &str, cut: bool) -> bool {
    let (a, b) = (normalise(a), normalise(b));
    if !cut {
        return a == b;
    }
    let n = a.len().min(b.len()).saturating_sub(CUT_SLACK);
    a.as_bytes()[..n] == b.as_bytes()[..n]
}

/// `text` with every run-dependent token replaced by its class name.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let at_boundary = i == 0 || !is_word_byte(bytes[i - 1]);
        if at_boundary && let Some((class, len)) = classify(&text[i..]) {
            out.push_str(class);
            i += len;
            continue;
        }
        // Copy one whole word (or one other character) unchanged.
        let rest = &text[i..];
        let len = if is_word_byte(bytes[i]) {
            rest.bytes().take_while(|b| is_word_byte(*b)).count()
        } else {
            rest.chars().next().map_or(1, char::len_utf8)
        };
        out.push_str(&rest[..len]);
        i += len;
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A token class's matcher: the length of its token at the start of a text.
type Matcher = fn(&str) -> Option<usize>;

/// The class of the token at the start of `s` and its length in bytes, if
/// it is one that changes between runs. The token must end at a boundary.
fn classify(s: &str) -> Option<(&'static str, usize)> {
    let ends = |len: usize| s.as_bytes().get(len).is_none_or(|b| !is_word_byte(*b));
    let candidates: [(&'static str, Matcher); 8] = [
        ("<time>", date_time),
        ("<time>", word_date),
        ("<id>", uuid),
        ("<addr>", ipv4),
        ("<time>", clock),
        ("<dur>", duration),
        ("<n>", unix_time),
        ("<id>", id_token),
    ];
    candidates
        .iter()
        .find_map(|(class, f)| f(s).filter(|len| ends(*len)).map(|len| (*class, len)))
}

/// A run of ASCII digits at the start of `s`: its length.
fn digits(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `n` digits exactly, then the rest.
fn exact_digits(s: &str, n: usize) -> Option<&str> {
    (digits(s) == n).then(|| &s[n..])
}

fn fraction(s: &str) -> usize {
    match s.strip_prefix(['.', ',']) {
        Some(rest) if digits(rest) > 0 => 1 + digits(rest),
        _ => 0,
    }
}

/// `09:27` or `09:27:25`, with a fraction: the length.
fn clock(s: &str) -> Option<usize> {
    let h = digits(s);
    if !(1..=2).contains(&h) {
        return None;
    }
    let rest = s[h..].strip_prefix(':')?;
    exact_digits(rest, 2)?;
    let mut len = h + 3;
    if let Some(sec) = s[len..].strip_prefix(':')
        && exact_digits(sec, 2).is_some()
    {
        len += 3;
        len += fraction(&s[len..]);
    } else {
        // A bare `12:30` is too often a ratio or a port to be a time.
        return None;
    }
    Some(len)
}

/// `2026-11-30`, `2026/11/30`, `30/11/2026`, `30.11.2026`, then an optional
/// time and zone.
fn date_time(s: &str) -> Option<usize> {
    let numeric_date = |s: &str| -> Option<usize> {
        let a = digits(s);
        let sep = *s.as_bytes().get(a)?;
        if !matches!(sep, b'-' | b'/' | b'.') {
            return None;
        }
        let b = digits(&s[a + 1..]);
        if s.as_bytes().get(a + 1 + b) != Some(&sep) {
            return None;
        }
        let c = digits(&s[a + 2 + b..]);
        let ok = (a == 4 && b == 2 && c == 2) || ((1..=2).contains(&a) && b == 2 && c == 4);
        ok.then_some(a + b + c + 2)
    };
    let mut len = numeric_date(s)?;
    if let Some(sep) = s[len..].chars().next()
        && (sep == 'T' || sep == ' ')
        && let Some(t) = clock(&s[len + 1..])
    {
        len += 1 + t;
        len += zone(&s[len..]);
    }
    Some(len)
}

/// `Z`, `+01:00`, `-0700`, ` UTC`, ` GMT`, ` +0000`.
fn zone(s: &str) -> usize {
    if s.starts_with('Z') && s.as_bytes().get(1).is_none_or(|b| !is_word_byte(*b)) {
        return 1;
    }
    let (lead, body) = match s.strip_prefix(' ') {
        Some(rest) => (1, rest),
        None => (0, s),
    };
    for name in ["UTC", "GMT"] {
        if body.starts_with(name) {
            return lead + 3;
        }
    }
    if let Some(rest) = body.strip_prefix(['+', '-']) {
        if let Some(mm) = exact_digits(rest, 2).and_then(|r| r.strip_prefix(':'))
            && exact_digits(mm, 2).is_some()
        {
            return lead + 6;
        }
        if exact_digits(rest, 4).is_some() {
            return lead + 5;
        }
    }
    0
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const FULL_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A month name, short or full: its length.
fn month(s: &str) -> Option<usize> {
    let word = &s[..s.bytes().take_while(u8::is_ascii_alphabetic).count()];
    (MONTHS.contains(&word) || FULL_MONTHS.contains(&word)).then_some(word.len())
}

/// `Mon, 30 Nov 2026 09:27:25 GMT`, `30 Nov 2026`, `November 30, 2026`,
/// `Mon Nov 30 09:27:25 2026` (Go's `time.ANSIC` and `UnixDate`).
fn word_date(s: &str) -> Option<usize> {
    let mut len = 0;
    if let Some(day) = WEEKDAYS.iter().find(|d| s.starts_with(*d)) {
        len = s
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count()
            .max(day.len());
        len += s[len..]
            .bytes()
            .take_while(|b| *b == b',' || *b == b' ')
            .count();
    }
    let rest = &s[len..];
    let d = digits(rest);
    let date = if (1..=2).contains(&d) {
        // 30 Nov 2026
        let after = rest[d..].strip_prefix(' ')?;
        let m = month(after)?;
        let year = after[m..].strip_prefix(' ')?;
        exact_digits(year, 4)?;
        d + 1 + m + 1 + 4
    } else {
        // Nov 30, 2026 / Nov 30 09:27:25 2026
        let m = month(rest)?;
        let after_month = &rest[m..];
        let spaces = after_month.bytes().take_while(|b| *b == b' ').count();
        let day = &after_month[spaces..];
        let d = digits(day);
        if spaces == 0 || !(1..=2).contains(&d) {
            return None;
        }
        let tail = &day[d..];
        let sep = if tail.starts_with(", ") {
            2
        } else {
            usize::from(tail.starts_with(' '))
        };
        let year = if sep > 0 && exact_digits(&tail[sep..], 4).is_some() {
            sep + 4
        } else {
            0
        };
        m + spaces + d + year
    };
    len += date;
    // A time (and zone, and a year after it for ANSIC) may follow.
    if let Some(t) = s[len..].strip_prefix(' ').and_then(clock) {
        len += 1 + t;
        len += zone(&s[len..]);
        if let Some(year) = s[len..].strip_prefix(' ')
            && exact_digits(year, 4).is_some()
        {
            len += 5;
        }
    }
    Some(len)
}

/// 8-4-4-4-12 hex digits.
fn uuid(s: &str) -> Option<usize> {
    let mut len = 0;
    for (i, group) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if i > 0 {
            if s.as_bytes().get(len) != Some(&b'-') {
                return None;
            }
            len += 1;
        }
        let hex = s[len..].bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex != group {
            return None;
        }
        len += group;
    }
    Some(len)
}

/// `172.18.0.2` or `172.18.0.1:41234`.
fn ipv4(s: &str) -> Option<usize> {
    let mut len = 0;
    for i in 0..4 {
        if i > 0 {
            if s.as_bytes().get(len) != Some(&b'.') {
                return None;
            }
            len += 1;
        }
        let d = digits(&s[len..]);
        if !(1..=3).contains(&d) || s[len..len + d].parse::<u8>().is_err() {
            return None;
        }
        len += d;
    }
    if let Some(port) = s[len..].strip_prefix(':') {
        let d = digits(port);
        if (1..=5).contains(&d) {
            len += 1 + d;
        }
    }
    Some(len)
}

/// A measured duration: `12ms`, `3.2µs`, `1.5s`, `1m30.25s`, `2h3m4s`.
fn duration(s: &str) -> Option<usize> {
    let mut len = 0;
    let mut parts = 0;
    let mut fractional = false;
    let mut small_unit = false;
    loop {
        let d = digits(&s[len..]);
        if d == 0 {
            break;
        }
        let f = fraction(&s[len + d..]);
        let after = &s[len + d + f..];
        let unit = ["ns", "us", "µs", "ms", "h", "m", "s"]
            .into_iter()
            .find(|u| after.starts_with(u))?;
        fractional |= f > 0;
        small_unit |= matches!(unit, "ns" | "us" | "µs" | "ms");
        len += d + f + unit.len();
        parts += 1;
        if !s[len..].starts_with(|c: char| c.is_ascii_digit()) {
            break;
        }
    }
    (parts > 0 && (small_unit || fractional || parts > 1)).then_some(len)
}

/// 10, 13, 16 or 19 digits (Unix time in s, ms, µs, ns), with any fraction.
fn unix_time(s: &str) -> Option<usize> {
    let d = digits(s);
    matches!(d, 10 | 13 | 16 | 19).then(|| d + fraction(&s[d..]))
}

/// A hex token of 8+ with digits and letters, or a token of 16+ letters
/// and digits mixed.
fn id_token(s: &str) -> Option<usize> {
    let word = s.bytes().take_while(|b| is_word_byte(*b)).count();
    let token = &s.as_bytes()[..word];
    let has_digit = token.iter().any(u8::is_ascii_digit);
    let has_letter = token.iter().any(u8::is_ascii_alphabetic);
    let hex = token.iter().all(u8::is_ascii_hexdigit);
    let mixed = has_digit && has_letter;
    ((hex && mixed && word >= 8) || (mixed && word >= 16)).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(status: u16, body: &str) -> RunResult {
        RunResult {
            exit_code: Some(0),
            service: Some(Box::new(ServiceAnswer {
                port: Some(8080),
                ready_ms: Some(40),
                status: Some(status),
                content_type: Some("application/json".into()),
                body: body.into(),
                body_truncated: false,
            })),
            ..RunResult::default()
        }
    }

    #[test]
    fn json_with_a_timestamp_and_a_request_id_matches_a_later_run() {
        let first = r#"{"status":"ok","time":"2026-11-30T09:27:25.123456Z","request_id":"7f3c9a2e4b1d","uptime":"1.503ms","started":1764494845,"items":3}"#;
        let later = r#"{"status":"ok","time":"2026-11-30T09:27:31.9Z","request_id":"c04e11f9a83b","uptime":"12.8ms","started":1764494851,"items":3}"#;
        assert!(same_answer(&served(200, later), &served(200, first)));
        // A different count is a different answer.
        let fewer = later.replace("\"items\":3", "\"items\":2");
        assert!(!same_answer(&served(200, &fewer), &served(200, first)));
        // As is a different status with the same body.
        assert!(!same_answer(&served(500, first), &served(200, first)));
    }

    #[test]
    fn html_with_a_date_and_a_uuid_matches_but_other_words_do_not() {
        let page = |date: &str, id: &str, name: &str| {
            format!(
                "<!doctype html>\n<html><body><h1>Hello, {name}</h1>\n<p>Rendered {date} \
                 (trace {id}) by 172.18.0.2:8080</p></body></html>\n"
            )
        };
        let a = page(
            "Mon, 30 Nov 2026 09:27:25 GMT",
            "9b2f7c1e-0d4a-4f5e-8a6b-3c2d1e0f9a8b",
            "world",
        );
        let b = page(
            "Tue, 01 Dec 2026 00:00:01 GMT",
            "01234567-89ab-cdef-0123-456789abcdef",
            "world",
        );
        let c = page(
            "Mon, 30 Nov 2026 09:27:25 GMT",
            "9b2f7c1e-0d4a-4f5e-8a6b-3c2d1e0f9a8b",
            "moon",
        );
        assert!(
            same_body(&a, &b, false),
            "{}\n{}",
            normalise(&a),
            normalise(&b)
        );
        assert!(!same_body(&a, &c, false));
        assert!(normalise(&a).contains("Rendered <time> (trace <id>) by <addr>"));
    }

    #[test]
    fn the_classes_leave_settings_counts_and_versions_alone() {
        assert_eq!(
            normalise("ca_certs=142 go1.24.4 retry=5s port 8080 v2 12:30"),
            "ca_certs=142 go1.24.4 retry=5s port 8080 v2 12:30"
        );
        assert_eq!(
            normalise("took 1m30.25s, then 250µs; at 09:27:25.5 on 30/11/2026 and Nov 30, 2026"),
            "took <dur>, then <dur>; at <time> on <time> and <time>"
        );
        assert_eq!(
            normalise("t=1764494845123 id=01JDQ4V7ZC3X8M2K9N5P6R7S8T hash=deadbeef"),
            "t=<n> id=<id> hash=deadbeef"
        );
        assert_eq!(
            normalise("2026-11-30 09:27:25 +0100 | 2006/01/02 15:04:05 log line"),
            "<time> | <time> log line"
        );
    }

    #[test]
    fn matrix_and_tune_compare_services_by_their_answers() {
        use crate::workbench::expect::Expectation;
        use crate::workbench::matrix::matches;
        let first = served(200, "{\"at\":\"2026-11-30T09:27:25Z\",\"greeting\":\"hi\"}");
        let later = served(200, "{\"at\":\"2026-11-30T09:28:01Z\",\"greeting\":\"hi\"}");
        let none = Expectation::default();
        assert!(matches(Some(&later), Some(&first), &none));
        assert!(!matches(Some(&served(404, "")), Some(&first), &none));
        // A server error is never a good run, even when the reference had one.
        assert!(!matches(
            Some(&served(500, "")),
            Some(&served(500, "")),
            &none
        ));
        // --expect finds its text in the body too.
        let hi = Expectation::new(Some("\"greeting\":\"hi\"".into()), None);
        assert!(matches(Some(&later), None, &hi));
    }

    #[test]
    fn the_difference_is_named_in_a_few_words() {
        let reference = served(200, "{\"greeting\":\"hello\"}\n");
        assert_eq!(
            mismatch(&served(404, "404 page not found\n"), &reference).as_deref(),
            Some("answers 404 where the reference answered 200")
        );
        assert_eq!(
            mismatch(&served(200, "{\"greeting\":\"hi\"}\n"), &reference).as_deref(),
            Some(
                "answers “{\"greeting\":\"hi\"}” where the reference answered “{\"greeting\":\"hello\"}”"
            )
        );
        let silent = RunResult {
            error: Some("nothing answered on port 8080 within 10 s".into()),
            timed_out: true,
            ..RunResult::default()
        };
        assert_eq!(
            mismatch(&silent, &reference).as_deref(),
            Some("nothing answered on port 8080 within 10 s")
        );
        assert_eq!(mismatch(&reference, &reference), None);
        assert_eq!(
            summary(
                reference
                    .service
                    .as_deref()
                    .unwrap_or_else(|| unreachable!())
            ),
            "ready in 40 ms · 200 application/json · “{\"greeting\":\"hello\"}”"
        );
    }

    #[test]
    fn a_variant_of_a_service_shows_its_answer_not_its_log() {
        let mut run = served(200, "{\"greeting\":\"hello\"}\n");
        run.stdout = "listening on :8080\n".into();
        assert_eq!(
            variant_line(&run),
            "200 application/json · “{\"greeting\":\"hello\"}”"
        );
        let program = RunResult {
            stdout: "Hello World!\n".into(),
            ..RunResult::default()
        };
        assert_eq!(variant_line(&program), "Hello World!");
    }
}
