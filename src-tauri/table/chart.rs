//! "When did sync break?": the missing users counted by the day they signed up in Clerk (UTC), so
//! the day webhooks stopped arriving shows at a glance.

use serde::Serialize;

use super::{DiffTable, Sides, records};
use crate::diff::Category;

/// Missing users who signed up on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub count: usize,
}

impl DiffTable {
    /// Every day from the first missing sign-up to the last, empty days included (a gap in the
    /// chart is a day nobody went missing), oldest first; at most `max_days`, the latest kept.
    pub fn missing_by_day(&self, sides: Sides<'_>, max_days: usize) -> Vec<DayCount> {
        let mut days: Vec<i64> = self
            .rows
            .iter()
            .filter(|r| r.category == Category::Missing)
            .filter_map(|r| records(r, sides).0)
            .map(|u| u.created_at.div_euclid(DAY_MS))
            .collect();
        days.sort_unstable();
        let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
            return Vec::new();
        };
        let first = first.max(last - max_days.saturating_sub(1) as i64);
        let mut out: Vec<DayCount> = (first..=last)
            .map(|d| DayCount {
                day: utc_date(d),
                count: 0,
            })
            .collect();
        for d in days.into_iter().filter(|&d| d >= first) {
            out[(d - first) as usize].count += 1;
        }
        out
    }
}

const DAY_MS: i64 = 86_400_000;

/// `YYYY-MM-DD` of a day number since 1970-01-01 (Howard Hinnant's civil-from-days).
fn utc_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD HH:MM UTC` of epoch milliseconds.
pub fn utc_date_time(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000);
    let (day, minute_of_day) = (minutes.div_euclid(1_440), minutes.rem_euclid(1_440));
    format!(
        "{} {:02}:{:02} UTC",
        utc_date(day),
        minute_of_day / 60,
        minute_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_become_calendar_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(-1), "1969-12-31", "before the epoch too");
        assert_eq!(utc_date(19_782), "2024-02-29", "a leap day");
        assert_eq!(
            utc_date_time(1_732_924_800_000 + 90 * 60_000),
            "2024-11-30 01:30 UTC"
        );
    }
}
