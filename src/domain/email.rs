//! Email addresses: trimmed, lower-cased, one `@`, a dotted domain, at most 254 bytes.

use std::fmt;

use super::Violation;

pub const MAX_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, Violation> {
        let value = raw.trim().to_lowercase();
        let invalid = || {
            Violation::new(
                field,
                "format",
                "must be an email address like name@example.org",
            )
        };
        if value.len() > MAX_LEN {
            return Err(Violation::new(
                field,
                "too_long",
                format!("must be at most {MAX_LEN} characters"),
            ));
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c))
        };
        let domain_ok = plain(domain)
            && domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if !plain(local) || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(value))
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
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("email", "  Ada@Example.ORG ")
                .unwrap()
                .as_str(),
            "ada@example.org"
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
