//! Password rules (NIST SP 800-63B style): length over composition, no common
//! passwords, nothing derived from the account's own email.

use super::Violation;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// A small deny-list of passwords that appear at the top of breach corpora and meet
/// the length rule; enough to refuse the obvious, without shipping a large list.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "qwertyuiop12",
    "qwertyuiopas",
    "password1234",
    "password12345",
    "passwordpassword",
    "iloveyou1234",
    "aaaaaaaaaaaa",
    "abcdefghijkl",
    "abc123abc123",
    "letmein12345",
    "welcome12345",
    "changeme1234",
    "administrator",
    "qwerty123456",
    "111111111111",
    "000000000000",
    "123123123123",
    "trustno1trustno1",
    "football1234",
    "baseball1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "superman1234",
    "correcthorsebatterystaple",
    "openfund1234",
    "openfundopenfund",
];

/// Checks a new password; returns every rule it breaks.
pub fn check(field: &str, password: &str, email: Option<&str>) -> Result<(), Vec<Violation>> {
    let mut problems = Vec::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        problems.push(Violation::new(
            field,
            "too_short",
            format!("must be at least {MIN_LEN} characters"),
        ));
    }
    if len > MAX_LEN {
        problems.push(Violation::new(
            field,
            "too_long",
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered.as_str()) || is_one_repeated_char(&lowered) {
        problems.push(Violation::new(
            field,
            "too_common",
            "is too common; choose a longer phrase",
        ));
    }
    if let Some(local) = email.and_then(|e| e.split('@').next())
        && local.chars().count() >= 3
        && lowered.contains(&local.to_lowercase())
    {
        problems.push(Violation::new(
            field,
            "contains_email",
            "must not contain your email address",
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn is_one_repeated_char(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|first| chars.all(|c| c == first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(p: &str, email: Option<&str>) -> Vec<String> {
        check("password", p, email)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.code)
            .collect()
    }

    #[test]
    fn accepts_long_uncommon_passwords() {
        assert!(
            check(
                "password",
                "violet-harbour-engine-42",
                Some("ada@example.org")
            )
            .is_ok()
        );
    }

    #[test]
    fn reports_each_broken_rule() {
        assert_eq!(codes("short", None), ["too_short"]);
        assert_eq!(codes(&"x".repeat(129), None), ["too_long", "too_common"]);
        assert_eq!(codes("Password1234", None), ["too_common"]);
        assert_eq!(
            codes("my-adalovelace-secret", Some("adalovelace@example.org")),
            ["contains_email"]
        );
        assert!(codes("zzzzzzzzzzzzz", None).contains(&"too_common".to_owned()));
    }
}
