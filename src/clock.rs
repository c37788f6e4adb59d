//! The display timezone: human-readable times (`2025-09-26 15:10:50`) for database
//! columns, API output and the console log, plus unix milliseconds for sorting.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

pub const DISPLAY_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Parses `+08:00`, `-05:30`, `+8`, `UTC` or `Z` into a fixed offset.
pub fn parse_offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// Formats and parses times in the configured display timezone.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    offset: FixedOffset,
}

impl Clock {
    pub fn new(offset: FixedOffset) -> Self {
        Clock { offset }
    }

    /// Current unix time in milliseconds.
    pub fn now_ms() -> i64 {
        Utc::now().timestamp_millis()
    }

    /// The current time as display text.
    pub fn now_text(&self) -> String {
        self.format_ms(Self::now_ms())
    }

    /// Unix milliseconds as display text.
    pub fn format_ms(&self, ms: i64) -> String {
        match DateTime::from_timestamp_millis(ms) {
            Some(time) => time
                .with_timezone(&self.offset)
                .format(DISPLAY_FORMAT)
                .to_string(),
            None => String::new(),
        }
    }

    /// Display text (`2025-09-26 15:10:50`, or with a `T`) back to unix milliseconds.
    pub fn parse_text(&self, text: &str) -> Option<i64> {
        let text = text.trim().replace('T', " ");
        let naive = NaiveDateTime::parse_from_str(&text, DISPLAY_FORMAT).ok()?;
        let local = self.offset.from_local_datetime(&naive).single()?;
        Some(local.timestamp_millis())
    }
}

impl tracing_subscriber::fmt::time::FormatTime for Clock {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let now = Utc::now().with_timezone(&self.offset);
        write!(w, "{}", now.format("%Y-%m-%d %H:%M:%S%.3f"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse() {
        assert_eq!(
            parse_offset("+08:00").map(|o| o.local_minus_utc()),
            Some(8 * 3600)
        );
        assert_eq!(
            parse_offset("-05:30").map(|o| o.local_minus_utc()),
            Some(-19800)
        );
        assert_eq!(parse_offset("UTC").map(|o| o.local_minus_utc()), Some(0));
        assert_eq!(
            parse_offset("+8").map(|o| o.local_minus_utc()),
            Some(8 * 3600)
        );
        assert!(parse_offset("Beijing").is_none());
        assert!(parse_offset("+25:00").is_none());
    }

    #[test]
    fn display_round_trip() {
        let clock = Clock::new(parse_offset("+08:00").unwrap_or(FixedOffset::east_opt(0).unwrap()));
        // 2025-09-26 07:10:50 UTC is 15:10:50 in Beijing.
        let ms = 1_758_870_650_000;
        assert_eq!(clock.format_ms(ms), "2025-09-26 15:10:50");
        assert_eq!(clock.parse_text("2025-09-26 15:10:50"), Some(ms));
        assert_eq!(clock.parse_text("2025-09-26T15:10:50"), Some(ms));
        assert_eq!(clock.parse_text("yesterday"), None);
    }
}
