//! Recognition read and recorded: the rules for work a maintainer records by hand (what
//! a valid record is), the keyset cursors of the contributors list and the activity
//! feed, and how per-kind tallies become the ranked contributors list. No I/O.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use super::Violation;
use super::github::identity::is_valid_login;
use super::github::kinds::ContributionKind;
use super::project::parse_web_link;

/// Longest description of recorded work, in characters.
pub const DESCRIPTION_MAX: usize = 1000;

/// The earliest day work may be recorded for.
pub const EARLIEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Who recorded work is credited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributorRef {
    /// An identity the project's lists show (`contributors.id`).
    Id(i64),
    /// A GitHub login (case-insensitive), known from a sync or from an OpenFund account
    /// that linked GitHub.
    GithubLogin(String),
}

/// A maintainer's record of work GitHub does not see, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedWork {
    /// A kind for which [`ContributionKind::is_recordable`] holds.
    pub kind: ContributionKind,
    pub contributor: ContributorRef,
    /// The day of the work; stored as that day's midnight UTC.
    pub occurred_on: NaiveDate,
    /// Trimmed, 1–[`DESCRIPTION_MAX`] characters, no control characters but newlines.
    pub description: String,
    /// An absolute http(s) link to the work, if any.
    pub url: Option<String>,
}

/// The raw fields of a record, as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct RecordedWorkInput<'a> {
    pub kind: &'a str,
    pub contributor_id: Option<i64>,
    pub github_login: Option<&'a str>,
    pub occurred_on: &'a str,
    pub description: &'a str,
    pub url: Option<&'a str>,
}

impl RecordedWork {
    /// Checks every field and reports every broken rule at once (fields `kind`,
    /// `contributor`, `contributor.contributor_id`, `contributor.github_login`,
    /// `occurred_on`, `description`, `url`). `today` is the server's date (UTC): work
    /// may be dated up to one day ahead of it (the recorder's time zone), and not before
    /// [`EARLIEST_DAY`].
    pub fn parse(input: &RecordedWorkInput<'_>, today: NaiveDate) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let kind = match input.kind.parse::<ContributionKind>() {
            Ok(k) if k.is_recordable() => Some(k),
            Ok(_) => {
                errors.push(Violation::new(
                    "kind",
                    "not_recordable",
                    "GitHub activity is synced from GitHub, not recorded by hand; use one of \
                     data, evaluation, infra, compute_operations, doc, design, security, \
                     research, community",
                ));
                None
            }
            Err(_) => {
                errors.push(Violation::new(
                    "kind",
                    "unknown",
                    "must be one of data, evaluation, infra, compute_operations, doc, design, \
                     security, research, community",
                ));
                None
            }
        };
        let contributor = match (input.contributor_id, input.github_login) {
            (Some(id), None) if id >= 1 => Some(ContributorRef::Id(id)),
            (Some(_), None) => {
                errors.push(Violation::new(
                    "contributor.contributor_id",
                    "out_of_range",
                    "must be a contributor's id (1 or more)",
                ));
                None
            }
            (None, Some(login)) => {
                let login = login.trim();
                if is_valid_login(login) {
                    Some(ContributorRef::GithubLogin(login.to_owned()))
                } else {
                    errors.push(Violation::new(
                        "contributor.github_login",
                        "format",
                        "must be a GitHub login: 1–39 letters, digits and hyphens",
                    ));
                    None
                }
            }
            _ => {
                errors.push(Violation::new(
                    "contributor",
                    "one_of",
                    "name the person with exactly one of contributor_id or github_login",
                ));
                None
            }
        };
        let occurred_on = match NaiveDate::parse_from_str(input.occurred_on, "%Y-%m-%d") {
            Ok(day) if input.occurred_on.len() == 10 => {
                let latest = today.succ_opt().unwrap_or(today);
                if day < EARLIEST_DAY || day > latest {
                    errors.push(Violation::new(
                        "occurred_on",
                        "out_of_range",
                        format!("must be between {EARLIEST_DAY} and {latest}"),
                    ));
                    None
                } else {
                    Some(day)
                }
            }
            _ => {
                errors.push(Violation::new(
                    "occurred_on",
                    "format",
                    "must be a date as YYYY-MM-DD",
                ));
                None
            }
        };
        let description = input.description.trim();
        let chars = description.chars().count();
        let description = if chars == 0 {
            errors.push(Violation::new(
                "description",
                "required",
                "say what the work was",
            ));
            None
        } else if chars > DESCRIPTION_MAX {
            errors.push(Violation::new(
                "description",
                "too_long",
                format!("must be at most {DESCRIPTION_MAX} characters long"),
            ));
            None
        } else if description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            errors.push(Violation::new(
                "description",
                "format",
                "must not contain control characters",
            ));
            None
        } else {
            Some(description.to_owned())
        };
        let url = match input.url {
            None => Some(None),
            Some(raw) => match parse_web_link("url", raw) {
                Ok(u) => Some(Some(u)),
                Err(v) => {
                    errors.push(v);
                    None
                }
            },
        };
        match (kind, contributor, occurred_on, description, url) {
            (Some(kind), Some(contributor), Some(occurred_on), Some(description), Some(url))
                if errors.is_empty() =>
            {
                Ok(RecordedWork {
                    kind,
                    contributor,
                    occurred_on,
                    description,
                    url,
                })
            }
            _ => Err(errors),
        }
    }

    /// When the work is stored as having happened: its day's midnight UTC.
    pub fn occurred_at(&self) -> NaiveDateTime {
        self.occurred_on.and_time(chrono::NaiveTime::MIN)
    }
}

/// Every contributors-list and activity-feed cursor matches this, and every string that
/// matches is accepted: two base-36 numbers (at most 12 digits each, below `i64::MAX`)
/// joined by a dot. A cursor names a place in the order, not a row, so one the server
/// did not hand out just starts the page there.
pub const PAIR_CURSOR_PATTERN: &str = "^[0-9a-z]{1,12}\\.[0-9a-z]{1,12}$";

/// Where a page ended: two non-negative numbers (the contributors list: total and
/// contributor id; the feed: time in microseconds and contribution id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairCursor(pub i64, pub i64);

impl PairCursor {
    pub fn encode(self) -> String {
        format!("{}.{}", base36(self.0), base36(self.1))
    }

    /// Exactly the strings [`PAIR_CURSOR_PATTERN`] matches; `None` for anything else.
    pub fn decode(cursor: &str) -> Option<PairCursor> {
        let (a, b) = cursor.split_once('.')?;
        Some(PairCursor(unbase36(a)?, unbase36(b)?))
    }
}

fn base36(n: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = u64::try_from(n).unwrap_or(0);
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn unbase36(s: &str) -> Option<i64> {
    let ok = !s.is_empty()
        && s.len() <= 12
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if !ok {
        return None;
    }
    i64::from_str_radix(s, 36).ok()
}

/// The latest instant a feed cursor can name (the end of year 9999, which both backends
/// store); larger times in a cursor mean "from the newest".
pub fn feed_cursor_time(micros: i64) -> NaiveDateTime {
    const MAX_MICROS: i64 = 253_402_300_799_999_999;
    chrono::DateTime::from_timestamp_micros(micros.min(MAX_MICROS))
        .map(|t| t.naive_utc())
        .unwrap_or(NaiveDateTime::MAX)
}

/// A feed cursor for a row at `occurred_at` with id `id`.
pub fn feed_cursor(occurred_at: NaiveDateTime, id: i64) -> String {
    PairCursor(occurred_at.and_utc().timestamp_micros().max(0), id).encode()
}

/// One line of the counting query: how many distinct items of `kind` are credited to
/// `contributor` (after merges), and when the first and last happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub contributor: i64,
    pub kind: ContributionKind,
    pub count: i64,
    pub first_at: NaiveDateTime,
    pub last_at: NaiveDateTime,
}

/// One person's line in the contributors list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub contributor: i64,
    /// The sum of `counts`.
    pub total: i64,
    /// Distinct items per kind (kinds with none are left out).
    pub counts: BTreeMap<ContributionKind, i64>,
    pub first_at: NaiveDateTime,
    pub last_at: NaiveDateTime,
}

/// Folds tallies into one line per contributor, ordered by total (most first), then by
/// contributor id (lowest first): a total order, so keyset pages never skip or repeat.
pub fn rank(tallies: impl IntoIterator<Item = Tally>) -> Vec<Ranked> {
    let mut by_person: HashMap<i64, Ranked> = HashMap::new();
    for t in tallies {
        let line = by_person.entry(t.contributor).or_insert_with(|| Ranked {
            contributor: t.contributor,
            total: 0,
            counts: BTreeMap::new(),
            first_at: t.first_at,
            last_at: t.last_at,
        });
        line.total = line.total.saturating_add(t.count);
        let n = line.counts.entry(t.kind).or_insert(0);
        *n = n.saturating_add(t.count);
        line.first_at = line.first_at.min(t.first_at);
        line.last_at = line.last_at.max(t.last_at);
    }
    let mut lines: Vec<Ranked> = by_person.into_values().collect();
    lines.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(a.contributor.cmp(&b.contributor))
    });
    lines
}

/// Where the page after `after` (total, contributor id) starts in lines in [`rank`]'s
/// order; `key` gives a line's total and contributor id.
pub fn rank_position<T>(
    lines: &[T],
    after: Option<PairCursor>,
    key: impl Fn(&T) -> (i64, i64),
) -> usize {
    match after {
        None => 0,
        Some(PairCursor(total, id)) => lines.partition_point(|line| {
            let (t, c) = key(line);
            t > total || (t == total && c <= id)
        }),
    }
}

/// The contributors-list cursor after line `r`.
pub fn rank_cursor(r: &Ranked) -> String {
    PairCursor(r.total, r.contributor).encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input<'a>() -> RecordedWorkInput<'a> {
        RecordedWorkInput {
            kind: "data",
            contributor_id: Some(3),
            github_login: None,
            occurred_on: "2026-12-01",
            description: "  Cleaned the 2024 crawl  ",
            url: Some("https://example.org/data"),
        }
    }

    #[test]
    fn a_valid_record_is_trimmed_and_dated_at_midnight() {
        let w = RecordedWork::parse(&input(), day("2026-12-08")).unwrap();
        assert_eq!(w.kind, ContributionKind::Data);
        assert_eq!(w.contributor, ContributorRef::Id(3));
        assert_eq!(w.description, "Cleaned the 2024 crawl");
        assert_eq!(w.occurred_at().to_string(), "2026-12-01 00:00:00");
        let by_login = RecordedWork::parse(
            &RecordedWorkInput {
                contributor_id: None,
                github_login: Some("Alice-B"),
                url: None,
                ..input()
            },
            day("2026-12-08"),
        )
        .unwrap();
        assert_eq!(
            by_login.contributor,
            ContributorRef::GithubLogin("Alice-B".into())
        );
        assert_eq!(by_login.url, None);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let long = "x".repeat(DESCRIPTION_MAX + 1);
        let bad = RecordedWorkInput {
            kind: "commit",
            contributor_id: Some(1),
            github_login: Some("alice"),
            occurred_on: "2026-13-01",
            description: &long,
            url: Some("javascript:alert(1)"),
        };
        let errors = RecordedWork::parse(&bad, day("2026-12-08")).unwrap_err();
        let fields: Vec<(&str, &str)> = errors
            .iter()
            .map(|v| (v.field.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("kind", "not_recordable"),
                ("contributor", "one_of"),
                ("occurred_on", "format"),
                ("description", "too_long"),
                ("url", "format"),
            ]
        );
        let errors = RecordedWork::parse(
            &RecordedWorkInput {
                kind: "red_teaming",
                contributor_id: Some(0),
                occurred_on: "2026-12-10",
                description: " ",
                ..input()
            },
            day("2026-12-08"),
        )
        .unwrap_err();
        let fields: Vec<(&str, &str)> = errors
            .iter()
            .map(|v| (v.field.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("kind", "unknown"),
                ("contributor.contributor_id", "out_of_range"),
                ("occurred_on", "out_of_range"),
                ("description", "required"),
            ]
        );
        for login in ["al ice", "alice[bot", "", "é", &"a".repeat(40)] {
            let e = RecordedWork::parse(
                &RecordedWorkInput {
                    contributor_id: None,
                    github_login: Some(login),
                    ..input()
                },
                day("2026-12-08"),
            )
            .unwrap_err();
            assert_eq!(e[0].field, "contributor.github_login", "{login}");
        }
        // Tomorrow is allowed (time zones), the day after is not; nor 1999.
        assert!(
            RecordedWork::parse(
                &RecordedWorkInput {
                    occurred_on: "2026-12-09",
                    ..input()
                },
                day("2026-12-08")
            )
            .is_ok()
        );
        for d in ["1999-12-31", "2026-12-10", "2026-1-01", "26-12-01"] {
            assert!(
                RecordedWork::parse(
                    &RecordedWorkInput {
                        occurred_on: d,
                        ..input()
                    },
                    day("2026-12-08")
                )
                .is_err(),
                "{d}"
            );
        }
    }

    #[test]
    fn pair_cursors_are_exactly_the_pattern() {
        let pattern = regex::Regex::new(PAIR_CURSOR_PATTERN).unwrap();
        for (a, b) in [
            (0, 0),
            (35, 36),
            (1_700_000_000_000_000, 9),
            (36_i64.pow(12) - 1, 1),
        ] {
            let c = PairCursor(a, b).encode();
            assert!(pattern.is_match(&c), "{c}");
            assert_eq!(PairCursor::decode(&c), Some(PairCursor(a, b)));
        }
        for bad in [
            "",
            ".",
            "1.",
            ".1",
            "1.2.3",
            "A.1",
            "1,2",
            "zzzzzzzzzzzzz.1",
            "-1.2",
        ] {
            assert!(!pattern.is_match(bad), "{bad}");
            assert_eq!(PairCursor::decode(bad), None, "{bad}");
        }
        // The largest cursor time is still a time both backends store.
        let t = feed_cursor_time(36_i64.pow(12) - 1);
        assert_eq!(t.and_utc().timestamp_micros(), 253_402_300_799_999_999);
    }

    fn at(h: u32) -> NaiveDateTime {
        day("2026-12-01").and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn ranking_sums_kinds_and_breaks_ties_by_id() {
        use ContributionKind::*;
        let t = |contributor, kind, count, h| Tally {
            contributor,
            kind,
            count,
            first_at: at(h),
            last_at: at(h + 1),
        };
        let ranked = rank([
            t(7, Commit, 2, 3),
            t(7, Data, 1, 1),
            t(5, Commit, 3, 5),
            t(9, PullRequestOpened, 4, 2),
            t(2, IssueOpened, 1, 4),
        ]);
        let order: Vec<(i64, i64)> = ranked.iter().map(|r| (r.contributor, r.total)).collect();
        assert_eq!(order, [(9, 4), (5, 3), (7, 3), (2, 1)]);
        assert_eq!(ranked[2].counts.get(&Data), Some(&1));
        assert_eq!(ranked[2].counts.get(&Commit), Some(&2));
        assert_eq!((ranked[2].first_at, ranked[2].last_at), (at(1), at(4)));

        // Paging by (total, id) resumes after the last line, ties included.
        let pos = |after| rank_position(&ranked, after, |r: &Ranked| (r.total, r.contributor));
        assert_eq!(pos(None), 0);
        assert_eq!(pos(Some(PairCursor(4, 9))), 1);
        assert_eq!(pos(Some(PairCursor(3, 5))), 2);
        assert_eq!(pos(Some(PairCursor(3, 7))), 3);
        assert_eq!(pos(Some(PairCursor(1, 2))), 4);
        // A place no line has (the list changed since): the next line after it.
        assert_eq!(pos(Some(PairCursor(3, 6))), 2);
        assert_eq!(pos(Some(PairCursor(100, 1))), 0);
        assert_eq!(rank_cursor(&ranked[1]), PairCursor(3, 5).encode());
    }
}
