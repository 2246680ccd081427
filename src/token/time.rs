//! Unix seconds as RFC 3339 dates, over the whole range an expiry can take
//! (1 to 253402300799, 9999-12-31T23:59:59Z).

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z, shown as `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rfc3339(pub(crate) u64);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, secs) = (self.0 / 86_400, self.0 % 86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl Rfc3339 {
    /// Parses the form [`Rfc3339`] writes, `YYYY-MM-DDTHH:MM:SSZ` exactly, from
    /// 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z. A date that does not exist (`02-30`,
    /// hour 24) does not parse: the text must be the one its value formats back to.
    pub(crate) fn parse(text: &str) -> Option<Rfc3339> {
        let b = text.as_bytes();
        let shape = b.len() == 20
            && b.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                10 => c == b'T',
                13 | 16 => c == b':',
                19 => c == b'Z',
                _ => c.is_ascii_digit(),
            });
        if !shape {
            return None;
        }
        let number = |range: std::ops::Range<usize>| {
            b[range]
                .iter()
                .fold(0u64, |n, &c| n * 10 + u64::from(c - b'0'))
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        if year < 1970 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let seconds = days_from_civil(year, month, day) * 86_400
            + number(11..13) * 3600
            + number(14..16) * 60
            + number(17..19);
        let parsed = Rfc3339(seconds);
        (parsed.to_string() == text).then_some(parsed)
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date on or after it (H. Hinnant's
/// `days_from_civil`), the inverse of [`civil_from_days`].
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = year - u64::from(month <= 2);
    let era = year / 400;
    let yoe = year % 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`, for
/// non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_whole_range_of_an_expiry() {
        for (secs, text) in [
            (1, "1970-01-01T00:00:01Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_801_396_800, "2027-01-31T12:00:00Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
            (253_402_214_400, "9999-12-31T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(Rfc3339(secs).to_string(), text);
        }
    }

    #[test]
    fn parses_exactly_what_it_formats() {
        for secs in [
            0,
            1,
            951_782_400,
            1_801_396_800,
            4_102_444_800,
            253_402_300_799,
        ] {
            let text = Rfc3339(secs).to_string();
            assert_eq!(Rfc3339::parse(&text), Some(Rfc3339(secs)), "{text}");
        }
        for bad in [
            "",
            "2027-01-31",
            "2027-01-31T12:00:00",
            "2027-01-31T12:00:00z",
            "2027-01-31t12:00:00Z",
            "2027-01-31 12:00:00Z",
            "2027-01-31T12:00:00+00:00",
            "2027-01-31T12:00:00.5Z",
            "2027-02-29T00:00:00Z",
            "2027-02-30T00:00:00Z",
            "2027-04-31T00:00:00Z",
            "2027-13-01T00:00:00Z",
            "2027-00-01T00:00:00Z",
            "2027-01-00T00:00:00Z",
            "2027-01-01T24:00:00Z",
            "2027-01-01T00:60:00Z",
            "2027-01-01T00:00:60Z",
            "1969-12-31T23:59:59Z",
            "+027-01-31T12:00:00Z",
            " 2027-01-31T12:00:00Z",
        ] {
            assert_eq!(Rfc3339::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            Rfc3339::parse("2028-02-29T00:00:00Z"),
            Some(Rfc3339(1_835_395_200))
        );
    }

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        for days in (0..2_932_897).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        // Days and months roll over correctly across 400 years of leap rules.
        let mut previous = civil_from_days(0);
        for days in 1..146_097 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month = (y, m, d) == (py, pm + 1, 1) && pd >= 28;
            let next_year = (y, m, d) == (py + 1, 1, 1) && (pm, pd) == (12, 31);
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {:?}",
                (y, m, d)
            );
            previous = (y, m, d);
        }
    }
}
