//! Durations (`90d`) and dates (RFC 3339) on the command line.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Parses one or more `<number><unit>` parts, units `s m h d w`, into seconds: `90d`, `12h`,
/// `1h30m`. Each unit at most once, largest first; the total must be positive.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    const UNITS: [(u8, u64); 5] = [
        (b'w', 604_800),
        (b'd', 86_400),
        (b'h', 3_600),
        (b'm', 60),
        (b's', 1),
    ];
    let mut rest = text.as_bytes();
    let mut total: u64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (number, tail) = rest.split_at(digits);
        let (&unit, tail) = tail.split_first()?;
        if number.is_empty() || number.len() > 12 {
            return None;
        }
        let position = UNITS[next_unit..].iter().position(|(u, _)| *u == unit)? + next_unit;
        next_unit = position + 1;
        let number: u64 = std::str::from_utf8(number).ok()?.parse().ok()?;
        total = total.checked_add(number.checked_mul(UNITS[position].1)?)?;
        rest = tail;
    }
    (total > 0).then_some(total)
}

/// Parses an RFC 3339 date-time with an offset (`2027-01-31T12:00:00Z`) or a date
/// (`2027-01-31`, taken as midnight UTC) into unix seconds.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    let date: Date = text.parse().ok()?;
    if text.len() != 10 {
        return None;
    }
    Some(date.to_zoned(TimeZone::UTC).ok()?.timestamp().as_second())
}

/// Unix seconds as an RFC 3339 UTC date-time.
pub(crate) fn format_unix(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
        .map_or_else(|| seconds.to_string(), |ts| ts.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Some(90 * 86_400));
        assert_eq!(parse_duration("12h"), Some(43_200));
        assert_eq!(parse_duration("30m"), Some(1_800));
        assert_eq!(parse_duration("45s"), Some(45));
        assert_eq!(parse_duration("2w"), Some(1_209_600));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        for bad in [
            "",
            "0s",
            "90",
            "d",
            "1.5h",
            "1x",
            "-1d",
            "1m1h",
            "1h1h",
            " 1h",
            "1h ",
            "9999999999999d",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2027-01-31"), Some(1_801_353_600));
        assert_eq!(parse_date("2027-01-31T12:00:00Z"), Some(1_801_396_800));
        assert_eq!(parse_date("2027-01-31T12:00:00+02:00"), Some(1_801_389_600));
        for bad in [
            "",
            "tomorrow",
            "2027-13-01",
            "2027-01-31T12:00:00",
            "31/01/2027",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        assert_eq!(format_unix(1_801_396_800), "2027-01-31T12:00:00Z");
    }
}
