//! Users: display names, and what a deleted user leaves behind.

use super::Violation;
use super::ids::UserId;
use super::project::parse_label;

pub const DISPLAY_NAME_MAX: usize = 80;

/// A display name: 1–80 characters as sent, no control characters, not blank; stored
/// trimmed (the rule every short label follows, [`parse_label`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        parse_label("display_name", raw, DISPLAY_NAME_MAX).map(DisplayName)
    }

    /// The name a GitHub user brings: their profile name, else their login; a name that
    /// breaks the rule (too long, control characters) falls back to the login.
    pub fn from_github(name: Option<&str>, login: &str) -> Self {
        name.filter(|n| !n.trim().is_empty())
            .and_then(|n| Self::parse(n).ok())
            .or_else(|| Self::parse(login).ok())
            .unwrap_or_else(|| DisplayName("GitHub user".to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Name shown for a deleted user.
pub const DELETED_NAME: &str = "Deleted user";

/// The address a deleted user's row keeps: unique per user, and in the `.invalid`
/// top-level domain (RFC 2606), so it can never receive mail or match a sign-up.
pub fn tombstone_email(id: UserId) -> String {
    format!("deleted-user-{id}@deleted.invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert!(DisplayName::parse(" ").is_err());
        assert!(DisplayName::parse(&"x".repeat(DISPLAY_NAME_MAX + 1)).is_err());
    }

    #[test]
    fn github_names_fall_back_to_the_login() {
        assert_eq!(
            DisplayName::from_github(Some("Ada L"), "ada").as_str(),
            "Ada L"
        );
        assert_eq!(DisplayName::from_github(Some("  "), "ada").as_str(), "ada");
        assert_eq!(
            DisplayName::from_github(Some("a\u{7}b"), "ada").as_str(),
            "ada"
        );
        assert_eq!(DisplayName::from_github(None, "ada").as_str(), "ada");
    }

    #[test]
    fn tombstones_are_unique_and_undeliverable() {
        assert_eq!(tombstone_email(UserId(7)), "deleted-user-7@deleted.invalid");
        assert_ne!(tombstone_email(UserId(7)), tombstone_email(UserId(8)));
    }
}
