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

#[cfg(test)]
mod tests {
    use super::human_bytes;

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
