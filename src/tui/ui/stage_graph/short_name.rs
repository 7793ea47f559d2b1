//! Image and stage names shortened to a column's width without losing what
//! tells them apart: the tag, and the start and end of the name.

/// Shortens `text` to at most `max` characters with one `…`, keeping an
/// image's tag and the start of its name: `golangci/…lint:v1.59`.
pub fn abbreviate(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    if max <= 1 {
        return "…".chars().take(max).collect();
    }
    // The tag follows the last ':' after the last '/', so a registry port is not one.
    let slash = text.rfind('/').map_or(0, |i| i + 1);
    let tag_at = text[slash..]
        .rfind(':')
        .map(|i| text[..slash + i].chars().count());
    let (name, tag): (&[char], &[char]) = match tag_at {
        Some(at) => chars.split_at(at),
        None => (&chars, &[]),
    };
    let room = max - 1;
    if tag.len() + 4 > room {
        // A long tag: keep the name and the tag's start (`golang:1.24-bo…`).
        if name.len() + 5 <= room {
            let head: String = chars[..room].iter().collect();
            return format!("{head}…");
        }
        let tail: String = chars[chars.len() - room..].iter().collect();
        return format!("…{tail}");
    }
    let keep = room - tag.len();
    // The registry or owner, when short, stays whole: `golangci/…lint`.
    let owner = name.iter().position(|&c| c == '/').map(|i| i + 1);
    let head_len = match owner {
        Some(len) if len + 4 <= keep => len,
        _ => keep - keep / 2,
    };
    let tail_len = keep - head_len;
    let head: String = name[..head_len].iter().collect();
    let tail: String = name[name.len() - tail_len..].iter().collect();
    let tag: String = tag.iter().collect();
    format!("{head}…{tail}{tag}")
}
