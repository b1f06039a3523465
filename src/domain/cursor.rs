//! Keyset pagination for lists that grow without bound (jobs, mail, and later pledges,
//! ledger entries and contributions): `?limit=&cursor=` in, `next_cursor` out. The
//! cursor is opaque to clients (base64url of a versioned position) so its form can
//! change; no list counts its rows per request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::Violation;

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

const PREFIX: &str = "id1:";

fn encode(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{id}"))
}

fn decode(cursor: &str) -> Option<i64> {
    if cursor.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let id: i64 = text.strip_prefix(PREFIX)?.parse().ok()?;
    (id > 0).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            &URL_SAFE_NO_PAD.encode("id1:-4"),
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
