//! What a project is made of, and the rules its fields follow.

use std::sync::LazyLock;

use regex::Regex;

use super::{Slug, Violation};

crate::text_enum! {
    /// What kind of open AI work a project is (`projects.kind`).
    #[derive(utoipa::ToSchema)]
    pub enum ProjectKind {
        Model = "model",
        Dataset = "dataset",
        Library = "library",
        Tool = "tool",
        Other = "other",
    }
}

pub const NAME_MAX: usize = 120;
pub const SUMMARY_MAX: usize = 1000;
pub const HOMEPAGE_MAX: usize = 2000;

// The rules below are written as regular expressions in a dialect that Rust's `regex`,
// ECMAScript and Python agree on (no `\s`, whose meaning differs), and the same strings
// appear in the OpenAPI document, so clients and fuzzers validate exactly as we do.

/// Any characters but C0/C1 controls, with at least one that is not white space.
pub const NAME_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff][^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Any characters but controls other than tab, line feed and carriage return.
pub const SUMMARY_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
/// http(s), a DNS host whose last label starts with a letter (never an IP-like
/// number), an optional port, and an optional path of printable ASCII.
pub const HOMEPAGE_PATTERN: &str =
    "^https?://([A-Za-z0-9-]+\\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/[!-~]*)?$";

static NAME_RE: LazyLock<Regex> = LazyLock::new(|| compile(NAME_PATTERN));
static SUMMARY_RE: LazyLock<Regex> = LazyLock::new(|| compile(SUMMARY_PATTERN));
static HOMEPAGE_RE: LazyLock<Regex> = LazyLock::new(|| compile(HOMEPAGE_PATTERN));

fn compile(pattern: &str) -> Regex {
    // The patterns are constants covered by unit tests; failing here is a programming error.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern}: {e}"))
}

/// What `NAME_PATTERN` counts as white space, for trimming.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The rule for every short display text (project names, display names, token names):
/// at most `max` characters as sent, no control characters, not blank; trimmed.
pub fn parse_label(field: &str, raw: &str, max: usize) -> Result<String, Violation> {
    if raw.chars().count() > max {
        return Err(Violation::new(
            field,
            "length",
            format!("must be at most {max} characters long"),
        ));
    }
    if !NAME_RE.is_match(raw) {
        return Err(Violation::new(
            field,
            "format",
            "must not be blank or contain control characters",
        ));
    }
    Ok(raw.trim_matches(is_space).to_owned())
}

/// A project's display name: 1–120 characters, see [`parse_label`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        parse_label("name", raw, NAME_MAX).map(ProjectName)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A short description, at most 1000 characters; line breaks allowed; stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary(String);

impl Summary {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        if raw.chars().count() > SUMMARY_MAX {
            return Err(Violation::new(
                "summary",
                "length",
                format!("must be at most {SUMMARY_MAX} characters long"),
            ));
        }
        if !SUMMARY_RE.is_match(raw) {
            return Err(Violation::new(
                "summary",
                "format",
                "must not contain control characters",
            ));
        }
        Ok(Summary(raw.trim_matches(is_space).to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An absolute http(s) URL of a named host, at most [`HOMEPAGE_MAX`] bytes: every link a
/// user gives (homepage, receipt, sponsor link). Other schemes (`javascript:`, `data:`)
/// are refused. Errors (field as given): `length`, `format`.
pub fn parse_web_link(field: &str, raw: &str) -> Result<String, Violation> {
    if raw.len() > HOMEPAGE_MAX {
        return Err(Violation::new(
            field,
            "length",
            format!("must be at most {HOMEPAGE_MAX} characters long"),
        ));
    }
    if !HOMEPAGE_RE.is_match(raw) {
        return Err(Violation::new(
            field,
            "format",
            "must be an absolute http(s) URL with a host name",
        ));
    }
    Ok(raw.to_owned())
}

/// An absolute http(s) URL of a named host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homepage(String);

impl Homepage {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        parse_web_link("homepage", raw).map(Homepage)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A validated request to create a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub slug: Slug,
    pub name: ProjectName,
    pub summary: Summary,
    pub kind: ProjectKind,
    pub homepage: Option<Homepage>,
}

impl NewProject {
    /// Checks every field and reports all broken rules at once.
    pub fn parse(
        slug: &str,
        name: &str,
        summary: &str,
        kind: ProjectKind,
        homepage: Option<&str>,
    ) -> Result<Self, Vec<Violation>> {
        let slug = Slug::parse("slug", slug);
        let name = ProjectName::parse(name);
        let summary = Summary::parse(summary);
        let homepage = homepage.map(Homepage::parse).transpose();
        match (slug, name, summary, homepage) {
            (Ok(slug), Ok(name), Ok(summary), Ok(homepage)) => Ok(NewProject {
                slug,
                name,
                summary,
                kind,
                homepage,
            }),
            (slug, name, summary, homepage) => {
                Err([slug.err(), name.err(), summary.err(), homepage.err()]
                    .into_iter()
                    .flatten()
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ProjectKind::ALL {
            assert_eq!(k.as_str().parse::<ProjectKind>(), Ok(*k));
        }
        assert!("Model".parse::<ProjectKind>().is_err());
    }

    #[test]
    fn homepage_must_be_http_with_a_host() {
        assert!(Homepage::parse("https://huggingface.co/bigscience/bloom").is_ok());
        for bad in [
            "ftp://x.org",
            "javascript:alert(1)",
            "not a url",
            "http://",
            "/rel",
        ] {
            assert!(Homepage::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            ProjectName::parse("  BLOOM ").unwrap().into_inner(),
            "BLOOM"
        );
        assert!(ProjectName::parse("   ").is_err());
        assert!(ProjectName::parse(&"n".repeat(NAME_MAX + 1)).is_err());
        assert!(ProjectName::parse("a\u{7}b").is_err());
        assert!(ProjectName::parse("\u{3000}\u{feff}").is_err());
        assert_eq!(
            ProjectName::parse("\u{feff}Ω\u{a0}").unwrap().into_inner(),
            "Ω"
        );
        // Length counts what was sent, before trimming (as the OpenAPI maxLength does).
        assert!(ProjectName::parse(&format!("{} ", "n".repeat(NAME_MAX))).is_err());
    }

    #[test]
    fn summaries_allow_line_breaks_but_no_other_controls() {
        assert_eq!(
            Summary::parse(" a\r\nb\tc ").unwrap().into_inner(),
            "a\r\nb\tc"
        );
        assert!(Summary::parse("bell\u{7}").is_err());
        assert!(Summary::parse("c1\u{85}").is_err());
        assert!(Summary::parse(&"s".repeat(SUMMARY_MAX + 1)).is_err());
    }

    #[test]
    fn new_project_reports_every_broken_field() {
        let errs = NewProject::parse("X", "", "ok", ProjectKind::Model, Some("nope")).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["slug", "name", "homepage"]);
        let ok = NewProject::parse("pythia", "Pythia", "", ProjectKind::Model, None).unwrap();
        assert_eq!(ok.slug.as_str(), "pythia");
    }
}
