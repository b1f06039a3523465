//! What a project is made of, and the rules its fields follow.

use std::fmt;
use std::str::FromStr;

use super::{Slug, Violation};

/// What kind of open AI work a project is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ProjectKind {
    Model,
    Dataset,
    Library,
    Tool,
    Other,
}

impl ProjectKind {
    pub const ALL: [ProjectKind; 5] = [
        ProjectKind::Model,
        ProjectKind::Dataset,
        ProjectKind::Library,
        ProjectKind::Tool,
        ProjectKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKind::Model => "model",
            ProjectKind::Dataset => "dataset",
            ProjectKind::Library => "library",
            ProjectKind::Tool => "tool",
            ProjectKind::Other => "other",
        }
    }
}

impl FromStr for ProjectKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProjectKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown project kind {s:?}"))
    }
}

impl fmt::Display for ProjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const NAME_MAX: usize = 120;
pub const SUMMARY_MAX: usize = 1000;
pub const HOMEPAGE_MAX: usize = 2000;

/// A display name: trimmed, 1–120 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len == 0 || len > NAME_MAX {
            return Err(Violation::new(
                "name",
                "length",
                format!("must be 1 to {NAME_MAX} characters long"),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Violation::new(
                "name",
                "format",
                "must not contain control characters",
            ));
        }
        Ok(ProjectName(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A short description, at most 1000 characters; line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary(String);

impl Summary {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > SUMMARY_MAX {
            return Err(Violation::new(
                "summary",
                "length",
                format!("must be at most {SUMMARY_MAX} characters long"),
            ));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Violation::new(
                "summary",
                "format",
                "must not contain control characters",
            ));
        }
        Ok(Summary(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An absolute http(s) URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homepage(String);

impl Homepage {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        let invalid = || Violation::new("homepage", "format", "must be an absolute http(s) URL");
        if raw.len() > HOMEPAGE_MAX {
            return Err(Violation::new(
                "homepage",
                "length",
                format!("must be at most {HOMEPAGE_MAX} bytes long"),
            ));
        }
        let url = url::Url::parse(raw).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid());
        }
        Ok(Homepage(url.to_string()))
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
            assert_eq!(k.as_str().parse::<ProjectKind>(), Ok(k));
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
