//! Per-layer sizes of a built image, each mapped to the Dockerfile line and
//! stage that made it, for both builders.
//!
//! `docker history` lists layers newest first with their `created_by`. The
//! layers below the image's root base come from that base; the rest are
//! matched in order against the instructions of the target's stage chain.

use serde::Serialize;

use super::{Engine, EngineError};
use crate::dockerfile::syntax::{Dockerfile, ItemKind, Keyword};
use crate::dockerfile::{StageGraph, StageIndex};

/// One layer (or metadata-only history entry) of the final image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    pub size_bytes: u64,
    pub created_by: String,
    pub line: Option<usize>,
    pub stage: Option<usize>,
    /// True for layers that came with the base image.
    pub from_base: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageLayers {
    pub image_id: String,
    /// `docker image inspect`'s Size.
    pub size_bytes: u64,
    /// Oldest first, the order the Dockerfile builds them.
    pub layers: Vec<Layer>,
}

/// An instruction that can leave a history entry, with where it is.
#[derive(Debug, Clone)]
pub struct ChainInstruction {
    pub keyword: Keyword,
    pub text: String,
    pub line: usize,
    pub stage: StageIndex,
}

/// The stages the target is built on, root first, and the root's image.
pub fn stage_chain(graph: &StageGraph, target: StageIndex) -> Vec<StageIndex> {
    let mut chain = vec![target];
    let mut current = target;
    while let Some(parent) = graph.stage(current).and_then(|s| s.base_stage) {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain.reverse();
    chain
}

/// The instructions after each FROM along the chain, in build order.
pub fn chain_instructions(
    df: &Dockerfile,
    graph: &StageGraph,
    chain: &[StageIndex],
) -> Vec<ChainInstruction> {
    let mut out = Vec::new();
    for &index in chain {
        let Some(stage) = graph.stage(index) else {
            continue;
        };
        for item in df
            .items
            .get(stage.from_item + 1..stage.end_item)
            .unwrap_or(&[])
        {
            if let ItemKind::Instruction(ins) = &item.kind
                && ins.keyword != Keyword::Unknown
            {
                out.push(ChainInstruction {
                    keyword: ins.keyword,
                    text: ins.args_text().to_string(),
                    line: ins.line,
                    stage: index,
                });
            }
        }
    }
    out
}

/// What a history `created_by` says: the instruction keyword and its text.
pub fn parse_created_by(created_by: &str) -> (Option<Keyword>, String) {
    let text = created_by.trim();
    let text = text.strip_suffix("# buildkit").unwrap_or(text).trim();
    // Legacy RUN with build args: `|2 A=1 B=2 /bin/sh -c …`.
    let text = match text.strip_prefix('|') {
        Some(rest) => rest.find("/bin/sh -c").map_or(rest, |i| &rest[i..]),
        None => text,
    };
    if let Some(rest) = text.strip_prefix("/bin/sh -c ") {
        if let Some(nop) = rest.trim_start().strip_prefix("#(nop)") {
            return split_keyword(nop.trim());
        }
        return (Some(Keyword::Run), rest.trim().to_string());
    }
    if let Some(rest) = text.strip_prefix("RUN ") {
        let rest = rest.trim();
        let rest = rest.strip_prefix("/bin/sh -c ").unwrap_or(rest);
        return (Some(Keyword::Run), rest.trim().to_string());
    }
    split_keyword(text)
}

/// A layer's `created_by` as the Dockerfile would say it, at most `max`
/// characters: `/bin/sh -c #(nop) COPY …` → `COPY …`, `/bin/sh -c go build` → `RUN go build`.
pub fn short_created_by(created_by: &str, max: usize) -> String {
    let t = created_by.trim().trim_end_matches("# buildkit").trim();
    let t = t.strip_prefix("/bin/sh -c #(nop)").unwrap_or(t).trim();
    let t = t
        .strip_prefix("/bin/sh -c ")
        .map_or(t.to_string(), |r| format!("RUN {r}"));
    if t.chars().count() > max {
        format!(
            "{}…",
            t.chars().take(max.saturating_sub(1)).collect::<String>()
        )
    } else {
        t
    }
}

fn split_keyword(text: &str) -> (Option<Keyword>, String) {
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    match Keyword::from_word(word) {
        Keyword::Unknown => (None, text.to_string()),
        k => (Some(k), rest.trim().to_string()),
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a history entry could have come from `ins`.
fn matches(ins: &ChainInstruction, keyword: Keyword, text: &str) -> bool {
    if ins.keyword != keyword {
        return false;
    }
    match keyword {
        Keyword::Run => {
            let (a, b) = (squash(&ins.text), squash(text));
            a.is_empty()
                || b.contains(&a)
                || a.contains(&b)
                || b.starts_with(a.get(..a.len().min(20)).unwrap_or(""))
        }
        Keyword::Copy | Keyword::Add => {
            let dest = |s: &str| {
                s.split_whitespace()
                    .last()
                    .map(str::to_string)
                    .unwrap_or_default()
            };
            let theirs = dest(text.rsplit_once(" in ").map_or(text, |(_, d)| d));
            let ours = dest(&ins.text)
                .trim_matches(['"', '[', ']', ','])
                .to_string();
            theirs.trim_end_matches('/') == ours.trim_end_matches('/') || ins.text.contains('[')
        }
        _ => true,
    }
}

/// Maps history entries (oldest first) to lines: the first `base_len` came
/// with the base image; the rest are matched in order against `chain`.
pub fn map_history(
    history: &[(u64, String)],
    base_len: usize,
    root: Option<(usize, StageIndex)>,
    chain: &[ChainInstruction],
) -> Vec<Layer> {
    let mut next = 0usize;
    history
        .iter()
        .enumerate()
        .map(|(i, (size, created_by))| {
            if i < base_len {
                return Layer {
                    size_bytes: *size,
                    created_by: created_by.clone(),
                    line: root.map(|(l, _)| l),
                    stage: root.map(|(_, s)| s.0),
                    from_base: true,
                };
            }
            let (keyword, text) = parse_created_by(created_by);
            let found = keyword.and_then(|k| {
                chain
                    .iter()
                    .enumerate()
                    .skip(next)
                    .find(|(_, ins)| matches(ins, k, &text))
            });
            let (line, stage) = match found {
                Some((j, ins)) => {
                    next = j + 1;
                    (Some(ins.line), Some(ins.stage.0))
                }
                None => (None, None),
            };
            Layer {
                size_bytes: *size,
                created_by: created_by.clone(),
                line,
                stage,
                from_base: false,
            }
        })
        .collect()
}

impl Engine {
    /// The image's layers mapped onto the Dockerfile it was built from.
    pub async fn image_layers(
        &self,
        image_id: &str,
        df: &Dockerfile,
        graph: &StageGraph,
    ) -> Result<ImageLayers, EngineError> {
        let inspect = self.docker().inspect_image(image_id).await?;
        let mut history: Vec<(u64, String)> = self
            .docker()
            .image_history(image_id)
            .await?
            .into_iter()
            .map(|h| (u64::try_from(h.size).unwrap_or(0), h.created_by))
            .collect();
        history.reverse();
        let target = graph.target.unwrap_or(StageIndex(0));
        let chain = stage_chain(graph, target);
        let root = chain.first().and_then(|&s| graph.stage(s));
        let base_len = match root {
            Some(stage) if !stage.is_scratch() && !stage.base.is_empty() => self
                .docker()
                .image_history(&stage.base)
                .await
                .map(|h| h.len())
                .unwrap_or(0),
            _ => 0,
        };
        let instructions = chain_instructions(df, graph, &chain);
        let layers = map_history(
            &history,
            base_len,
            root.map(|s| (s.line, s.index)),
            &instructions,
        );
        Ok(ImageLayers {
            image_id: image_id.to_string(),
            size_bytes: u64::try_from(inspect.size.unwrap_or(0)).unwrap_or(0),
            layers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    const SRC: &str = "FROM golang:1.24 AS builder\nWORKDIR /src\nRUN go build -o /hello .\nFROM scratch\nCOPY --from=builder /hello /hello\nUSER 65532:65532\nENTRYPOINT [\"/hello\"]\n";

    fn chain() -> (Vec<ChainInstruction>, Option<(usize, StageIndex)>) {
        let df = parse(SRC);
        let graph = StageGraph::new(&df);
        let c = stage_chain(&graph, StageIndex(1));
        (
            chain_instructions(&df, &graph, &c),
            Some((4, StageIndex(1))),
        )
    }

    #[test]
    fn buildkit_history_maps_to_lines() {
        let (instructions, root) = chain();
        let history = vec![
            (1_216_512, "COPY /hello /hello # buildkit".to_string()),
            (0, "USER 65532:65532".to_string()),
            (0, "ENTRYPOINT [\"/hello\"]".to_string()),
        ];
        let layers = map_history(&history, 0, root, &instructions);
        let lines: Vec<_> = layers.iter().map(|l| l.line).collect();
        assert_eq!(lines, [Some(5), Some(6), Some(7)]);
        assert_eq!(layers[0].stage, Some(1));
    }

    #[test]
    fn legacy_history_maps_to_lines() {
        let (instructions, root) = chain();
        let history = vec![
            (
                1_216_512,
                "/bin/sh -c #(nop) COPY file:4e1c… in /hello ".to_string(),
            ),
            (0, "/bin/sh -c #(nop)  USER 65532:65532".to_string()),
            (0, "/bin/sh -c #(nop)  ENTRYPOINT [\"/hello\"]".to_string()),
        ];
        let lines: Vec<_> = map_history(&history, 0, root, &instructions)
            .iter()
            .map(|l| l.line)
            .collect();
        assert_eq!(lines, [Some(5), Some(6), Some(7)]);
    }

    #[test]
    fn base_layers_belong_to_the_from_line() {
        let df = parse("FROM debian:bookworm-slim\nRUN apt-get update\n");
        let graph = StageGraph::new(&df);
        let c = stage_chain(&graph, StageIndex(0));
        let instructions = chain_instructions(&df, &graph, &c);
        let history = vec![
            (
                74_000_000,
                "/bin/sh -c #(nop) ADD file:abc in / ".to_string(),
            ),
            (0, "/bin/sh -c #(nop)  CMD [\"bash\"]".to_string()),
            (
                20_000_000,
                "RUN /bin/sh -c apt-get update # buildkit".to_string(),
            ),
        ];
        let layers = map_history(&history, 2, Some((1, StageIndex(0))), &instructions);
        assert!(layers[0].from_base && layers[1].from_base);
        assert_eq!(layers[2].line, Some(2));
    }

    #[test]
    fn created_by_forms() {
        assert_eq!(
            parse_created_by("|1 V=1 /bin/sh -c go build").0,
            Some(Keyword::Run)
        );
        assert_eq!(parse_created_by("WORKDIR /src").0, Some(Keyword::Workdir));
        assert_eq!(
            parse_created_by("/bin/sh -c #(nop) WORKDIR /src").0,
            Some(Keyword::Workdir)
        );
    }
}
