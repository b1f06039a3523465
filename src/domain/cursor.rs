//! Keyset pagination for lists that grow without bound (jobs, mail, and later pledges,
//! ledger entries and contributions): `?limit=&cursor=` in, `next_cursor` out. The
//! cursor is opaque to clients (today the last row's id in base 36) so its form can
//! change; no list counts its rows per request.

use super::Violation;

/// Every cursor matches this, and every string that matches it is a cursor the server
/// accepts (12 base-36 digits stay below `i64::MAX`), so the OpenAPI document states the
/// rule exactly: a fuzzer's schema-valid cursor is never refused, an invalid one always is.
pub const CURSOR_PATTERN: &str = "^[0-9a-z]{1,12}$";
const CURSOR_MAX_DIGITS: usize = 12;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 100;

/// A request for one page of a list ordered by descending id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysetPage {
    limit: u32,
    /// Only rows with an id below this one.
    before_id: Option<i64>,
}

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// `limit` outside 1–100 (a 400 `invalid_parameter`).
    Limit(Violation),
    /// A cursor this server did not hand out (a 400 `invalid_cursor`).
    Cursor,
}

impl KeysetPage {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, PageError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(PageError::Limit(Violation::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )));
        }
        let before_id = match cursor {
            None => None,
            Some(c) => Some(decode(c).ok_or(PageError::Cursor)?),
        };
        Ok(KeysetPage { limit, before_id })
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn before_id(&self) -> Option<i64> {
        self.before_id
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Splits what was fetched into the page and the cursor of the next one.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|r| encode(id(r)))
        } else {
            None
        };
        (rows, next)
    }
}

fn encode(id: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = u64::try_from(id).unwrap_or(0);
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

/// The id a cursor stands for: exactly the strings [`CURSOR_PATTERN`] matches.
fn decode(cursor: &str) -> Option<i64> {
    let digits_only = cursor
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if cursor.is_empty() || cursor.len() > CURSOR_MAX_DIGITS || !digits_only {
        return None;
    }
    i64::from_str_radix(cursor, 36).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_exactly_the_strings_the_pattern_matches() {
        let pattern = regex::Regex::new(CURSOR_PATTERN).unwrap();
        for id in [
            0,
            1,
            35,
            36,
            8,
            1_000_000,
            i64::from(i32::MAX),
            36_i64.pow(12) - 1,
        ] {
            let c = encode(id);
            assert!(pattern.is_match(&c), "{c}");
            assert_eq!(decode(&c), Some(id));
        }
        for c in ["0", "00000000000a", "zzzzzzzzzzzz", "abc"] {
            assert!(pattern.is_match(c) && decode(c).is_some(), "{c}");
        }
        for c in ["", "A", "a-b", "zzzzzzzzzzzzz", "+1", " 1", "é"] {
            assert!(!pattern.is_match(c) && decode(c).is_none(), "{c}");
        }
    }

    #[test]
    fn pages_hand_out_cursors_that_resume_after_the_last_row() {
        let page = KeysetPage::parse(Some(2), None).unwrap();
        let (rows, next) = page.finish(vec![9, 8, 7], |r| *r);
        assert_eq!(rows, [9, 8]);
        let next = next.expect("another page");
        let second = KeysetPage::parse(Some(2), Some(&next)).unwrap();
        assert_eq!(second.before_id(), Some(8));
        let (rows, next) = second.finish(vec![7], |r| *r);
        assert_eq!((rows, next), (vec![7], None));
    }

    #[test]
    fn bad_limits_and_foreign_cursors_are_refused() {
        assert!(matches!(
            KeysetPage::parse(Some(0), None),
            Err(PageError::Limit(_))
        ));
        assert!(matches!(
            KeysetPage::parse(Some(101), None),
            Err(PageError::Limit(_))
        ));
        for bad in [
            "",
            "!!",
            "MTIz",
            "-4",
            "+4",
            "z".repeat(13).as_str(),
            &"A".repeat(100),
        ] {
            assert_eq!(
                KeysetPage::parse(None, Some(bad)),
                Err(PageError::Cursor),
                "{bad}"
            );
        }
    }
}
