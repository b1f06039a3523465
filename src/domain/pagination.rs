//! Page-number pagination shared by every list endpoint.

use super::Violation;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// Deep pages are refused rather than scanned: beyond this a client should filter.
pub const MAX_PAGE: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    per_page: u32,
}

impl PageRequest {
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, Vec<Violation>> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut problems = Vec::new();
        if !(1..=MAX_PAGE).contains(&page) {
            problems.push(Violation::new(
                "page",
                "out_of_range",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            problems.push(Violation::new(
                "per_page",
                "out_of_range",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if problems.is_empty() {
            Ok(PageRequest { page, per_page })
        } else {
            Err(problems)
        }
    }

    pub fn page(&self) -> u32 {
        self.page
    }

    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_offsets() {
        let p = PageRequest::new(None, None).unwrap();
        assert_eq!((p.page(), p.per_page(), p.offset()), (1, 20, 0));
        let p = PageRequest::new(Some(3), Some(50)).unwrap();
        assert_eq!((p.offset(), p.limit()), (100, 50));
    }

    #[test]
    fn out_of_range_values_are_reported_per_field() {
        let errs = PageRequest::new(Some(0), Some(101)).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["page", "per_page"]);
        assert!(PageRequest::new(Some(MAX_PAGE + 1), None).is_err());
        assert!(PageRequest::new(Some(MAX_PAGE), Some(MAX_PER_PAGE)).is_ok());
    }
}
