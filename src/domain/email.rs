//! Email addresses: trimmed, lower-cased, one `@`, a dotted domain, at most 254 bytes.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use super::Violation;

pub const MAX_LEN: usize = 254;

/// One `@`; a local part of 1–64 characters and a dotted domain whose labels do not
/// start or end with a hyphen; no spaces, controls or `<>()[]\\,;:"`. Written in the
/// regex dialect Rust, ECMAScript and Python share; the OpenAPI document carries it.
pub const PATTERN: &str = r#"^[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:"]{1,64}@([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-]([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-])?\.)+[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-]([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-])?$"#;

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(PATTERN).unwrap_or_else(|e| panic!("invalid built-in email pattern: {e}"))
});

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Validates what was sent as is (no trimming, so the rule matches the schema's),
    /// and stores it lower-cased.
    pub fn parse(field: &str, raw: &str) -> Result<Email, Violation> {
        if raw.chars().count() > MAX_LEN {
            return Err(Violation::new(
                field,
                "too_long",
                format!("must be at most {MAX_LEN} characters"),
            ));
        }
        if !EMAIL_RE.is_match(raw) {
            return Err(Violation::new(
                field,
                "format",
                "must be an email address like name@example.org",
            ));
        }
        Ok(Email(raw.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_and_refuses_surrounding_space() {
        assert_eq!(
            Email::parse("email", "Ada@Example.ORG").unwrap().as_str(),
            "ada@example.org"
        );
        assert!(
            Email::parse("email", " ada@example.org").is_err(),
            "no silent trimming"
        );
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "ada@ex..org",
            "a@b@c.org",
            "ada@-x.org",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
        assert_eq!(
            Email::parse("email", &format!("{}@x.org", "a".repeat(300)))
                .unwrap_err()
                .code,
            "too_long"
        );
    }
}
