//! Durations (`90d`) and dates (RFC 3339) on the command line.

use jiff::civil::{Date, DateTime, Time, date};
use jiff::tz::Offset;

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

/// Parses an RFC 3339 date-time with an offset (`2027-01-31T12:00:00Z`, `…+02:00`) or a date
/// (`2027-01-31`, taken as midnight UTC) into unix seconds.
///
/// The arithmetic is done on the civil date and time, so that the whole range of an expiry
/// parses, up to 9999-12-31T23:59:59Z (a timestamp type's range ends a day earlier, to leave
/// room for any offset).
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    if text.len() == 10 {
        let day: Date = text.parse().ok()?;
        return Some(unix_seconds(day.to_datetime(Time::midnight()), Offset::UTC));
    }
    let (civil, offset) = if let Some(civil) = text.strip_suffix(['Z', 'z']) {
        (civil, Offset::UTC)
    } else {
        let split = text.len().checked_sub(6)?;
        (text.get(..split)?, parse_offset(text.get(split..)?)?)
    };
    if !civil.contains(['T', 't']) {
        return None;
    }
    Some(unix_seconds(civil.parse().ok()?, offset))
}

/// `±HH:MM`.
fn parse_offset(text: &str) -> Option<Offset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// Seconds since the epoch of a civil date-time at `offset` from UTC.
fn unix_seconds(civil: DateTime, offset: Offset) -> i64 {
    let days = civil
        .date()
        .since(date(1970, 1, 1))
        .map_or(0, |span| i64::from(span.get_days()));
    let time = civil.time();
    days * 86_400
        + i64::from(time.hour()) * 3600
        + i64::from(time.minute()) * 60
        + i64::from(time.second())
        - i64::from(offset.seconds())
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
            "2027-01-31T12:00:00+2:00",
            "2027-01-31T12:00:00+24:00",
            "2027-01-31 12:00:00Z",
            "2027-01-31Z",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        // The last day of the format's range, which a timestamp type cannot hold.
        assert_eq!(parse_date("9999-12-31"), Some(253_402_214_400));
        assert_eq!(parse_date("9999-12-31T23:59:59Z"), Some(253_402_300_799));
        assert_eq!(
            parse_date("9999-12-31T23:59:59-01:00"),
            Some(253_402_304_399)
        );
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
    }
}
