//! RFC3339 date-times (the `created_at` body field) as Unix milliseconds, without a date crate.

/// `2024-10-29T12:30:00Z` / `…T12:30:00.123+02:00` as Unix ms (the `created_at` body field).
pub fn rfc3339_ms(stamp: &str) -> Option<i64> {
    let (date, time) = stamp.split_once(['T', 't'])?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let zone_at = time.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = time.split_at(zone_at);
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (parts.next()??, parts.next()??, parts.next()??);
    let millis = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    let offset_min = match zone {
        "Z" | "z" => 0,
        _ => {
            let (sign, rest) = zone.split_at(1);
            let (oh, om) = rest.split_once(':')?;
            let minutes = oh.parse::<i64>().ok()? * 60 + om.parse::<i64>().ok()?;
            if sign == "-" { -minutes } else { minutes }
        }
    };
    let valid = (1..=12).contains(&m) && (1..=31).contains(&d) && h < 24 && mi < 60 && sec < 61;
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let seconds = days * 86_400 + h * 3_600 + mi * 60 + sec - offset_min * 60;
    valid.then_some(seconds * 1_000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates_become_unix_milliseconds() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0), "the epoch");
        assert_eq!(
            rfc3339_ms("2024-10-29T00:00:00Z"),
            Some(1_730_160_000_000),
            "the spec's own example date"
        );
        assert_eq!(
            rfc3339_ms("2024-10-29T02:00:00.5+02:00"),
            Some(1_730_160_000_500),
            "offsets and fractions"
        );
        assert_eq!(
            rfc3339_ms("2024-13-01T00:00:00Z"),
            None,
            "month 13 is refused"
        );
        assert_eq!(rfc3339_ms("yesterday"), None, "not a date");
    }
}
