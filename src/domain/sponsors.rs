//! A sponsor's public face (name, link, logo) and whether a project shows it: only
//! after a maintainer approved the sponsor for that project, or while the project
//! approves sponsors automatically, and never for an anonymous pledge.

use super::Violation;
use super::project::{parse_label, parse_web_link};

/// The longest public name, in characters (`sponsor_profiles.public_name`).
pub const NAME_MAX: usize = 120;

/// A checked sponsor profile: a name of 1–120 characters (no control characters,
/// trimmed) and optional links that are absolute http(s) URLs of a named host (no
/// `javascript:`, `data:` or relative links, so a rendered link can only go to a web
/// page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SponsorProfile {
    pub display_name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
}

impl SponsorProfile {
    /// Checks every field and reports every violation.
    pub fn parse(
        display_name: &str,
        url: Option<&str>,
        logo_url: Option<&str>,
    ) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let name = parse_label("display_name", display_name, NAME_MAX)
            .map_err(|v| errors.push(v))
            .ok();
        let mut link = |field: &str, raw: Option<&str>| match raw {
            None => None,
            Some(raw) => parse_web_link(field, raw).map_err(|v| errors.push(v)).ok(),
        };
        let url = link("url", url);
        let logo_url = link("logo_url", logo_url);
        match name {
            Some(display_name) if errors.is_empty() => Ok(SponsorProfile {
                display_name,
                url,
                logo_url,
            }),
            _ => Err(errors),
        }
    }
}

crate::text_enum! {
    /// A maintainer's decision on showing a sponsor (`sponsor_approvals.state`).
    #[derive(utoipa::ToSchema)]
    pub enum ApprovalState {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

/// Whether a project shows a sponsor who pledged publicly: a maintainer's decision
/// wins; without one, the project's auto-approval decides.
pub fn is_shown(decision: Option<ApprovalState>, auto_approve: bool) -> bool {
    match decision {
        Some(ApprovalState::Approved) => true,
        Some(ApprovalState::Rejected) => false,
        Some(ApprovalState::Pending) | None => auto_approve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_http_only() {
        let ok = SponsorProfile::parse("Acme", Some("https://acme.example/"), None).unwrap();
        assert_eq!(ok.url.as_deref(), Some("https://acme.example/"));
        assert_eq!(ok.logo_url, None);
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "//acme.example",
            "ftp://acme.example",
            "/relative",
            "",
        ] {
            let errors = SponsorProfile::parse("Acme", Some(bad), Some(bad)).unwrap_err();
            assert_eq!(errors.len(), 2, "{bad}");
        }
        assert!(SponsorProfile::parse("  ", None, None).is_err());
    }

    #[test]
    fn decisions_win_over_auto_approval() {
        assert!(is_shown(Some(ApprovalState::Approved), false));
        assert!(!is_shown(Some(ApprovalState::Rejected), true));
        assert!(is_shown(None, true));
        assert!(!is_shown(Some(ApprovalState::Pending), false));
    }
}
