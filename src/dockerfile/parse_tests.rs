//! Tests of `parse`, kept apart so the module reads as one concept.

use super::*;

fn only_instruction(src: &str) -> Instruction {
    let df = parse(src);
    let list: Vec<_> = df.instructions().cloned().collect();
    assert_eq!(list.len(), 1, "{list:#?}");
    list.into_iter().next().unwrap_or_else(|| unreachable!())
}

#[test]
fn round_trips_byte_for_byte() {
    for src in [
        "",
        "\u{feff}FROM a\r\nRUN b",
        "# syntax=docker/dockerfile:1\n\nFROM a AS b\n",
        "RUN a \\\n  # note\n\n  b\n",
        "COPY <<A <<B /x/\nhello\nA\nworld\nB\nRUN c\n",
        "RUN <<EOF\nnever closed\n",
        "FROM a \\",
    ] {
        assert_eq!(parse(src).print(), src);
    }
}

#[test]
fn continuation_joins_lines_and_skips_comments() {
    let ins = only_instruction("RUN apt-get update && \\\n    # why\n    apt-get install -y git\n");
    assert_eq!(ins.keyword, Keyword::Run);
    assert_eq!(
        ins.args_text(),
        "apt-get update &&     apt-get install -y git"
    );
    assert_eq!(ins.line, 1);
    assert_eq!(ins.end_line, 3);
}

#[test]
fn backtick_escape_directive_changes_continuations() {
    let df = parse("# escape=`\nFROM a\nRUN dir `\n  c:\\\n");
    assert_eq!(df.escape, '`');
    let run = df.instructions().nth(1).cloned();
    assert_eq!(
        run.map(|r| r.args_text().to_string()),
        Some("dir   c:\\".into())
    );
}

#[test]
fn directives_stop_after_the_first_other_line() {
    let df = parse("# syntax=x\n# a comment\n# escape=`\nFROM a\n");
    assert_eq!(df.directives.len(), 1);
    assert_eq!(df.escape, '\\');
}

#[test]
fn flags_and_json_args_are_split() {
    let ins = only_instruction(
        "COPY --from=builder --chmod=755 [\"/out/app\", \"/usr/local/bin/app\"]\n",
    );
    let from = ins.flag("from").cloned();
    assert_eq!(from.and_then(|f| f.value), Some("builder".into()));
    assert!(matches!(ins.args, Some(Args::Json { ref values, .. }) if values.len() == 2));
}

#[test]
fn flag_value_span_points_at_the_value() {
    let src = "FROM --platform=$BUILDPLATFORM golang:1.24 AS build\n";
    let ins = only_instruction(src);
    let span = ins.flag("platform").and_then(|f| f.value_span);
    assert_eq!(span.map(|s| s.slice(src)), Some("$BUILDPLATFORM"));
    let words = ins.words();
    assert_eq!(
        words.first().map(|w| w.span.slice(src)),
        Some("golang:1.24")
    );
}

#[test]
fn two_heredocs_on_one_line() {
    let src = "COPY <<A <<-\"B\" /etc/\none\nA\n\ttwo\n\tB\nFROM x\n";
    let df = parse(src);
    let ins = df.instructions().next().cloned();
    let docs = ins.map(|i| i.heredocs).unwrap_or_default();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].body.slice(src), "one\n");
    assert!(docs[1].strip_tabs && docs[1].quoted);
    assert_eq!(docs[1].body.slice(src), "\ttwo\n");
    assert_eq!(df.instructions().count(), 2);
}

#[test]
fn unterminated_heredoc_is_a_diagnostic_not_a_panic() {
    let df = parse("RUN <<EOF\necho hi\n");
    assert!(
        df.diagnostics
            .iter()
            .any(|d| d.rule == "UnterminatedHeredoc")
    );
}

#[test]
fn unknown_instruction_suggests_the_near_one_and_the_rest_still_parses() {
    let df = parse("FROM a\nCOPPY . .\nRUN b\n");
    let d = df
        .diagnostics
        .iter()
        .find(|d| d.rule == "UnknownInstruction");
    assert_eq!(d.map(|d| (d.line, d.column)), Some((2, 1)));
    assert!(d.is_some_and(|d| d.message.contains("did you mean COPY")));
    assert_eq!(df.instructions().count(), 3);
}

#[test]
fn onbuild_keeps_its_trigger() {
    let ins = only_instruction("ONBUILD COPY --chown=app . /src\n");
    let trigger = ins.trigger.as_deref();
    assert_eq!(trigger.map(|t| t.keyword), Some(Keyword::Copy));
    assert!(trigger.is_some_and(|t| t.flag("chown").is_some()));
}

#[test]
fn healthcheck_separates_cmd_from_flags() {
    let ins = only_instruction("HEALTHCHECK --interval=5s CMD [\"/app\", \"-healthcheck\"]\n");
    assert_eq!(ins.subcommand.map(|w| w.text), Some("CMD".into()));
    assert!(ins.args.is_some_and(|a| a.is_json()));
}

#[test]
fn keyword_alone_is_missing_arguments() {
    let df = parse("FROM a\nRUN\n");
    assert!(
        df.diagnostics
            .iter()
            .any(|d| d.rule == "MissingArguments" && d.line == 2)
    );
}
