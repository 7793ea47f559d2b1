//! Numbers as people read them, for every layer that shows one.

/// Sizes as `docker` prints them: decimal units, one decimal place.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    // Step up when rounding would print "1000.0 kB".
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A size as people write it, `5 MB`, `1.2GB`, `512k`, `300 MiB` or a
/// plain byte count: decimal units as `human_bytes` prints them, and the
/// binary ones (`KiB`, `MiB`, `GiB`) when asked for by name. `None` when it
/// is not a size, so the caller can say which field held it.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::{human_bytes, parse_bytes};

    #[test]
    fn parse_bytes_reads_what_people_write() {
        for (text, want) in [
            ("0", Some(0)),
            ("512", Some(512)),
            ("5 MB", Some(5_000_000)),
            ("1.2GB", Some(1_200_000_000)),
            ("512k", Some(512_000)),
            ("300 MiB", Some(300 * 1024 * 1024)),
            (" 2.5 mb ", Some(2_500_000)),
            ("", None),
            ("MB", None),
            ("5 parsecs", None),
            ("-3 MB", None),
            ("1.2.3 MB", None),
        ] {
            assert_eq!(parse_bytes(text), want, "parse_bytes({text:?})");
        }
    }

    #[test]
    fn human_bytes_uses_decimal_units() {
        for (bytes, want) in [
            (0, "0 B"),
            (512, "512 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (1234, "1.2 kB"),
            (3_400_000, "3.4 MB"),
            (999_960, "1.0 MB"),
            (1_200_000_000, "1.2 GB"),
        ] {
            assert_eq!(human_bytes(bytes), want, "human_bytes({bytes})");
        }
    }
}
