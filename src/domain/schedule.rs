//! Monthly instalments of a recurring pledge: when each one falls due. Calendar
//! arithmetic only (proleptic Gregorian, UTC); the job that creates instalments keeps
//! the last number it created and asks [`due_between`] for the rest.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The anchor day: the day of the month (1–31) of the pledge's start, in UTC. Every
/// instalment falls on this day, or on the last day of months too short for it.
pub fn anchor_day(start: DateTime<Utc>) -> u32 {
    start.day()
}

/// The number of days in `month` (1–12) of `year`, by the Gregorian leap-year rule
/// (divisible by 4, except centuries not divisible by 400). `None` for a month outside
/// 1–12.
pub fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 => Some(if leap { 29 } else { 28 }),
        _ => None,
    }
}

/// The due date (UTC) of instalment `n`, where instalment 0 falls in the start's month
/// (on the start's own date) and instalment `n` falls `n` calendar months later, on the
/// anchor day clamped to that month's last day: a start on January 31 gives January 31,
/// February 28 (29 in leap years), March 31, April 30, … The clamp never carries over:
/// after February 28 comes March 31, not March 28.
///
/// `None` only when the date lies beyond the calendar `chrono` can represent (about
/// year 262 000), i.e. for absurd `n`.
pub fn due_date(start: DateTime<Utc>, n: u32) -> Option<NaiveDate> {
    let month_index = i64::from(start.year()) * 12 + i64::from(start.month0()) + i64::from(n);
    let year = i32::try_from(month_index.div_euclid(12)).ok()?;
    // `rem_euclid(12)` lies in 0..12, so the cast cannot truncate.
    let month = month_index.rem_euclid(12) as u32 + 1;
    let day = anchor_day(start).min(days_in_month(year, month)?);
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The instalments due in `(after, until]`: every `(n, due_date(start, n))` with `n`
/// greater than `after` (or from 0 when `after` is `None`) and a due date on or before
/// `until`, in increasing `n`.
///
/// This is what the instalment job calls: `after` is the last instalment number it has
/// created for the pledge and `until` is today's UTC date. Running it again with the
/// updated `after` returns nothing new, so the job is idempotent; after downtime it
/// returns every missed month at once. Ends of pledges (a fixed number of instalments,
/// cancellation) are the caller's to apply.
pub fn due_between(
    start: DateTime<Utc>,
    after: Option<u32>,
    until: NaiveDate,
) -> Vec<(u32, NaiveDate)> {
    let first = match after {
        None => Some(0),
        Some(last) => last.checked_add(1),
    };
    let mut due = Vec::new();
    let Some(mut n) = first else {
        return due;
    };
    while let Some(date) = due_date(start, n) {
        if date > until {
            break;
        }
        due.push((n, date));
        match n.checked_add(1) {
            Some(next) => n = next,
            None => break,
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 13, 45, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dates(start: DateTime<Utc>, count: u32) -> Vec<NaiveDate> {
        (0..count).map(|n| due_date(start, n).unwrap()).collect()
    }

    #[test]
    fn instalment_zero_is_the_start_date() {
        for start in [
            at(2025, 1, 31),
            at(2028, 2, 29),
            at(2025, 12, 1),
            at(2025, 6, 15),
        ] {
            assert_eq!(due_date(start, 0), Some(start.date_naive()));
        }
    }

    #[test]
    fn anchor_31_clamps_to_short_months_without_drifting() {
        assert_eq!(
            dates(at(2025, 1, 31), 7),
            [
                date(2025, 1, 31),
                date(2025, 2, 28),
                date(2025, 3, 31),
                date(2025, 4, 30),
                date(2025, 5, 31),
                date(2025, 6, 30),
                date(2025, 7, 31),
            ]
        );
        assert_eq!(due_date(at(2027, 1, 31), 1), Some(date(2027, 2, 28)));
        assert_eq!(due_date(at(2028, 1, 31), 1), Some(date(2028, 2, 29)));
    }

    #[test]
    fn anchors_28_to_30_in_february() {
        for (anchor, non_leap, leap) in [(28, 28, 28), (29, 28, 29), (30, 28, 29)] {
            assert_eq!(
                due_date(at(2027, 1, anchor), 1),
                Some(date(2027, 2, non_leap))
            );
            assert_eq!(due_date(at(2028, 1, anchor), 1), Some(date(2028, 2, leap)));
            // March is long enough again for every anchor.
            assert_eq!(
                due_date(at(2027, 1, anchor), 2),
                Some(date(2027, 3, anchor))
            );
        }
        assert_eq!(due_date(at(2025, 1, 30), 3), Some(date(2025, 4, 30)));
        assert_eq!(due_date(at(2025, 1, 28), 11), Some(date(2025, 12, 28)));
    }

    #[test]
    fn a_leap_day_start_returns_to_the_29th_only_in_leap_years() {
        let start = at(2028, 2, 29);
        assert_eq!(due_date(start, 1), Some(date(2028, 3, 29)));
        assert_eq!(due_date(start, 12), Some(date(2029, 2, 28)));
        assert_eq!(due_date(start, 13), Some(date(2029, 3, 29)));
        assert_eq!(due_date(start, 48), Some(date(2032, 2, 29)));
        // 2100 is not a leap year; 2400 is.
        assert_eq!(due_date(start, (2100 - 2028) * 12), Some(date(2100, 2, 28)));
        assert_eq!(due_date(start, (2400 - 2028) * 12), Some(date(2400, 2, 29)));
    }

    #[test]
    fn crosses_year_boundaries() {
        assert_eq!(due_date(at(2025, 12, 31), 1), Some(date(2026, 1, 31)));
        assert_eq!(due_date(at(2025, 12, 31), 2), Some(date(2026, 2, 28)));
        assert_eq!(due_date(at(2025, 11, 30), 2), Some(date(2026, 1, 30)));
        assert_eq!(due_date(at(2025, 1, 15), 12), Some(date(2026, 1, 15)));
        assert_eq!(due_date(at(2025, 1, 15), 24), Some(date(2027, 1, 15)));
        assert_eq!(due_date(at(2025, 1, 15), 1200), Some(date(2125, 1, 15)));
    }

    #[test]
    fn a_two_year_walk_from_january_31() {
        let expected = [
            (2025, 1, 31),
            (2025, 2, 28),
            (2025, 3, 31),
            (2025, 4, 30),
            (2025, 5, 31),
            (2025, 6, 30),
            (2025, 7, 31),
            (2025, 8, 31),
            (2025, 9, 30),
            (2025, 10, 31),
            (2025, 11, 30),
            (2025, 12, 31),
            (2026, 1, 31),
            (2026, 2, 28),
            (2026, 3, 31),
            (2026, 4, 30),
            (2026, 5, 31),
            (2026, 6, 30),
            (2026, 7, 31),
            (2026, 8, 31),
            (2026, 9, 30),
            (2026, 10, 31),
            (2026, 11, 30),
            (2026, 12, 31),
        ]
        .map(|(y, m, d)| date(y, m, d));
        assert_eq!(dates(at(2025, 1, 31), 24), expected);
        // The same walk through a leap year.
        let leap: Vec<_> = dates(at(2027, 1, 31), 24)
            .into_iter()
            .filter(|d| d.month() == 2)
            .collect();
        assert_eq!(leap, [date(2027, 2, 28), date(2028, 2, 29)]);
    }

    #[test]
    fn far_beyond_the_calendar_is_none() {
        assert_eq!(due_date(at(2025, 1, 31), u32::MAX), None);
        assert!(due_between(at(2025, 1, 31), Some(u32::MAX), date(2030, 1, 1)).is_empty());
    }

    #[test]
    fn due_between_is_inclusive_of_until_and_exclusive_of_after() {
        let start = at(2025, 1, 31);
        assert!(due_between(start, None, date(2025, 1, 30)).is_empty());
        assert_eq!(
            due_between(start, None, date(2025, 1, 31)),
            [(0, date(2025, 1, 31))]
        );
        assert_eq!(
            due_between(start, None, date(2025, 3, 31)),
            [
                (0, date(2025, 1, 31)),
                (1, date(2025, 2, 28)),
                (2, date(2025, 3, 31))
            ]
        );
        assert_eq!(
            due_between(start, Some(0), date(2025, 3, 30)),
            [(1, date(2025, 2, 28))]
        );
        assert!(due_between(start, Some(5), date(2025, 3, 31)).is_empty());
    }

    #[test]
    fn the_job_run_twice_creates_nothing_new() {
        let start = at(2025, 1, 31);
        let today = date(2025, 6, 1);
        let first = due_between(start, None, today);
        assert_eq!(first.len(), 5);
        let last = first.last().map(|(n, _)| *n);
        assert!(due_between(start, last, today).is_empty());
        // Catching up after downtime returns every missed month, once.
        let later = due_between(start, last, date(2025, 9, 30));
        assert_eq!(
            later.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [5, 6, 7, 8]
        );
    }

    #[test]
    fn the_days_in_month_table_agrees_with_chrono() {
        for year in [1900, 2000, 2024, 2025, 2028, 2100, 2400, -4, 0] {
            for month in 1..=12 {
                let days = days_in_month(year, month).unwrap();
                assert!(NaiveDate::from_ymd_opt(year, month, days).is_some());
                assert!(NaiveDate::from_ymd_opt(year, month, days + 1).is_none());
            }
        }
        assert_eq!(days_in_month(2025, 0), None);
        assert_eq!(days_in_month(2025, 13), None);
    }

    fn any_start() -> impl Strategy<Value = DateTime<Utc>> {
        // 1900-01-01 to about 2200, any second of the day.
        let origin = Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap();
        (0i64..(300 * 366 * 86_400)).prop_map(move |s| origin + Duration::seconds(s))
    }

    proptest! {
        #[test]
        fn due_dates_strictly_increase(start in any_start(), n in 0u32..2400) {
            prop_assert!(due_date(start, n).unwrap() < due_date(start, n + 1).unwrap());
        }

        #[test]
        fn each_due_date_lies_in_its_own_month_on_the_clamped_anchor(start in any_start(), n in 0u32..2400) {
            let due = due_date(start, n).unwrap();
            let months = (due.year() - start.year()) * 12 + due.month() as i32 - start.month() as i32;
            prop_assert_eq!(months, n as i32);
            let length = days_in_month(due.year(), due.month()).unwrap();
            prop_assert_eq!(due.day(), anchor_day(start).min(length));
        }

        #[test]
        fn due_between_splits_cleanly(start in any_start(), months in 0i64..120, cut in 0u32..120) {
            let until = start.date_naive() + Duration::days(months * 31);
            let all = due_between(start, None, until);
            // What a job that had already created instalments 0..=cut would still create.
            let rest = due_between(start, Some(cut), until);
            let expected: Vec<_> = all.iter().copied().filter(|(n, _)| *n > cut).collect();
            prop_assert_eq!(&rest, &expected);
            for (i, (n, date)) in all.iter().enumerate() {
                prop_assert_eq!(*n as usize, i);
                prop_assert_eq!(Some(*date), due_date(start, *n));
                prop_assert!(*date <= until);
            }
            let next = u32::try_from(all.len()).unwrap();
            prop_assert!(due_date(start, next).unwrap() > until);
        }
    }
}
