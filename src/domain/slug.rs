//! Project slugs: the stable, URL-safe handle of a project.

use std::fmt;

use super::Violation;

pub const MIN_LEN: usize = 2;
pub const MAX_LEN: usize = 64;
/// The same rule as a regular expression, for the OpenAPI document.
pub const PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Lower-case ASCII letters and digits in groups joined by single hyphens, 2–64 long.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Slug, Violation> {
        let len = raw.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(Violation::new(
                field,
                "length",
                format!("must be {MIN_LEN} to {MAX_LEN} characters long"),
            ));
        }
        let allowed = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || raw.starts_with('-') || raw.ends_with('-') || raw.contains("--") {
            return Err(Violation::new(
                field,
                "format",
                "use lower-case letters and digits separated by single hyphens",
            ));
        }
        Ok(Slug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_slugs() {
        for ok in ["ab", "llama-3", "open-clip-vit-h14", "a1", &"x".repeat(64)] {
            assert_eq!(Slug::parse("slug", ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_malformed_slugs_with_a_reason() {
        assert_eq!(Slug::parse("slug", "a").unwrap_err().code, "length");
        assert_eq!(
            Slug::parse("slug", &"x".repeat(65)).unwrap_err().code,
            "length"
        );
        for bad in ["-ab", "ab-", "a--b", "Ab", "a_b", "a b", "ünï"] {
            let err = Slug::parse("slug", bad).unwrap_err();
            assert_eq!(err.field, "slug");
            assert!(
                err.code == "format" || err.code == "length",
                "{bad}: {err:?}"
            );
        }
    }
}
