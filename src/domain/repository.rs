//! Linked GitHub repositories: the `owner/name` a maintainer links, checked against
//! GitHub's naming rules, and the resources a sync walks.

use std::fmt;

use super::Violation;

/// The longest owner (user or organisation) login GitHub accepts.
pub const OWNER_MAX: usize = 39;
/// The longest repository name GitHub accepts.
pub const NAME_MAX: usize = 100;
/// The characters and lengths as one regular expression, for the OpenAPI document; the
/// parser also refuses hyphens at an owner's ends or doubled, `.`/`..`, and the
/// `.git`/`.wiki` suffixes.
pub const PATTERN: &str = "^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$";

/// A repository's `owner/name` as the maintainer gave it (case kept for display), valid
/// by GitHub's rules:
///
/// - **owner**: 1–39 ASCII letters and digits, in groups joined by single hyphens (no
///   hyphen at either end, none doubled): the rule GitHub's sign-up form enforces for
///   user and organisation names (see "Username considerations for external
///   authentication", docs.github.com/en/enterprise-cloud@latest/admin/managing-iam/
///   iam-configuration-reference/username-considerations-for-external-authentication).
/// - **name**: 1–100 characters of ASCII letters, digits, `.`, `-` and `_`, not `.` or
///   `..` (GitHub's "Creating a new repository": "The repository name can only contain
///   ASCII letters, digits, and the characters ., -, and _", at most 100 characters;
///   github/docs issue 44518 lists them). GitHub removes a `.git` suffix and refuses a
///   `.wiki` one, so a name ending in either names no repository and is refused here.
///
/// GitHub compares names case-insensitively; [`RepoFullName::key`] is the lower-case
/// form that uniqueness and look-ups use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoFullName {
    full: String,
    slash: usize,
}

impl RepoFullName {
    /// Parses `owner/name`. Errors name `field` with code `format` (not one slash),
    /// `owner` or `name` (the part that breaks its rule).
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        let Some((owner, name)) = raw.split_once('/') else {
            return Err(Violation::new(
                field,
                "format",
                "give the repository as owner/name",
            ));
        };
        if name.contains('/') {
            return Err(Violation::new(
                field,
                "format",
                "give the repository as owner/name (one slash)",
            ));
        }
        Self::from_parts(field, owner, name)
    }

    /// Builds from the two path segments of `/repositories/{owner}/{name}`, with the
    /// same rules as [`RepoFullName::parse`].
    pub fn from_parts(field: &str, owner: &str, name: &str) -> Result<Self, Violation> {
        if !valid_owner(owner) {
            return Err(Violation::new(
                field,
                "owner",
                format!(
                    "the owner must be 1 to {OWNER_MAX} letters and digits, in groups joined by single hyphens"
                ),
            ));
        }
        if let Some(why) = name_problem(name) {
            return Err(Violation::new(field, "name", why));
        }
        Ok(RepoFullName {
            full: format!("{owner}/{name}"),
            slash: owner.len(),
        })
    }

    /// `owner/name` as given.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    pub fn owner(&self) -> &str {
        &self.full[..self.slash]
    }

    pub fn name(&self) -> &str {
        &self.full[self.slash + 1..]
    }

    /// The lower-case `owner/name`: GitHub's names are case-insensitive (ASCII only, so
    /// this is the same on every backend's `lower()`).
    pub fn key(&self) -> String {
        self.full.to_ascii_lowercase()
    }
}

impl fmt::Display for RepoFullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

fn valid_owner(owner: &str) -> bool {
    let len = owner.len();
    (1..=OWNER_MAX).contains(&len)
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--")
}

fn name_problem(name: &str) -> Option<String> {
    let allowed = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if name.is_empty() || name.len() > NAME_MAX || !allowed {
        return Some(format!(
            "the repository name must be 1 to {NAME_MAX} ASCII letters, digits, '.', '-' or '_'"
        ));
    }
    if name == "." || name == ".." {
        return Some("the repository name cannot be '.' or '..'".to_owned());
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".git") {
        return Some("leave out the .git suffix".to_owned());
    }
    if lower.ends_with(".wiki") {
        return Some("a repository name cannot end in .wiki".to_owned());
    }
    None
}

crate::text_enum! {
    /// What a sync walks, one watermark each (`repository_sync_state.resource`).
    #[derive(utoipa::ToSchema)]
    pub enum SyncResource {
        /// Commits on the default branch.
        Commits = "commits",
        /// Pull requests (opened, merged, closed).
        Pulls = "pulls",
        /// Pull-request reviews.
        Reviews = "reviews",
        /// Issues (not the pull requests the issues endpoint also returns).
        Issues = "issues",
        /// Comments on issues and pull requests.
        IssueComments = "issue_comments",
        /// Comments on pull-request diffs.
        ReviewComments = "review_comments",
        /// Releases.
        Releases = "releases",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_github_accepts() {
        for ok in [
            "octocat/Hello-World",
            "a/b",
            "huggingface/transformers",
            "EleutherAI/lm-evaluation-harness",
            "user/.github",
            "user/my.repo_name-2",
            "user/...",
            &format!("{}/{}", "a".repeat(39), "b".repeat(100)),
            "a-b-c/x",
        ] {
            let parsed = RepoFullName::parse("full_name", ok).unwrap();
            assert_eq!(parsed.as_str(), ok);
        }
        let r = RepoFullName::parse("full_name", "OctoCat/Hello-World").unwrap();
        assert_eq!(
            (r.owner(), r.name(), r.key().as_str()),
            ("OctoCat", "Hello-World", "octocat/hello-world")
        );
    }

    #[test]
    fn refuses_names_github_refuses_with_the_part_at_fault() {
        for (bad, code) in [
            ("", "format"),
            ("octocat", "format"),
            ("a/b/c", "format"),
            ("/b", "owner"),
            ("-a/b", "owner"),
            ("a-/b", "owner"),
            ("a--b/c", "owner"),
            ("a_b/c", "owner"),
            ("a.b/c", "owner"),
            (&format!("{}/b", "a".repeat(40)), "owner"),
            ("ünï/b", "owner"),
            ("a/", "name"),
            ("a/.", "name"),
            ("a/..", "name"),
            ("a/b c", "name"),
            ("a/b%20", "name"),
            ("a/ü", "name"),
            ("a/repo.git", "name"),
            ("a/repo.GIT", "name"),
            ("a/repo.wiki", "name"),
            (&format!("a/{}", "b".repeat(101)), "name"),
        ] {
            let err = RepoFullName::parse("full_name", bad).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code.as_str()),
                ("full_name", code),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn from_parts_is_parse_of_the_joined_string() {
        let a = RepoFullName::from_parts("repository", "Foo", "Bar.rs").unwrap();
        assert_eq!(a, RepoFullName::parse("repository", "Foo/Bar.rs").unwrap());
        assert!(RepoFullName::from_parts("repository", "foo", "a/b").is_err());
    }

    #[test]
    fn resource_spellings_agree() {
        assert!(SyncResource::spellings_agree());
        assert_eq!(SyncResource::ALL.len(), 7);
    }
}
