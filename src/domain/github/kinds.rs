//! What kind of contribution a piece of recognised work is: the kinds observed on GitHub
//! and the kinds a maintainer records by hand.
//!
//! Recorded kinds are named after the All Contributors emoji key
//! (<https://allcontributors.org/docs/en/emoji-key>) where one fits, and every kind maps
//! to one key ([`ContributionKind::all_contributors_key`]) so that a project can export
//! its contributors to a `.all-contributorsrc`:
//!
//! | kind                  | source     | All Contributors key | notes |
//! |-----------------------|------------|----------------------|-------|
//! | `commit`              | GitHub     | `code`               | a commit on the default branch, to its author and each co-author |
//! | `pull_request_opened` | GitHub     | `code`               | to the pull request's author |
//! | `pull_request_merged` | GitHub     | `code`               | to the pull request's author, not to whoever pressed merge |
//! | `pull_request_review` | GitHub     | `review`             | a submitted review (approve, request changes or comment) |
//! | `review_comment`      | GitHub     | `review`             | a comment on a pull request's diff |
//! | `issue_opened`        | GitHub     | `bug`                | to the issue's author; All Contributors' key for reporting |
//! | `issue_comment`       | GitHub     | `question`           | a comment on an issue or on a pull request's conversation |
//! | `release`             | GitHub     | `maintenance`        | a published release, to its author |
//! | `data`                | maintainer | `data`               | data sets, collection, cleaning, labelling |
//! | `evaluation`          | maintainer | `test`               | benchmarks, evaluation harnesses and runs; no closer key exists |
//! | `infra`               | maintainer | `infra`              | hosting, CI, build tooling |
//! | `compute_operations`  | maintainer | `infra`              | running training or inference jobs, keeping clusters up |
//! | `doc`                 | maintainer | `doc`                | documentation outside the repository's commits |
//! | `design`              | maintainer | `design`             | visual, UX, model or system design |
//! | `security`            | maintainer | `security`           | security work and red-teaming of models |
//! | `research`            | maintainer | `research`           | literature review, experiments that inform the project |
//! | `community`           | maintainer | `question`           | answering questions, mentoring, organising events (`question`, `mentoring`, `eventOrganizing` in All Contributors; `question` is exported) |
//!
//! Closing an issue is deliberately not a kind: most issues are closed by a merged pull
//! request (already credited to its author as `pull_request_merged`) or by triage that
//! anyone with the permission can do in bulk; crediting the closer would reward the click
//! and double-count the fix. Triage that deserves credit is recorded as `community`.

crate::text_enum! {
    /// A kind of contribution (see the module's table). The wire and database spelling
    /// is snake_case and stable.
    #[derive(utoipa::ToSchema)]
    pub enum ContributionKind {
        /// A commit, credited to its author and co-authors.
        Commit = "commit",
        /// A pull request opened.
        PullRequestOpened = "pull_request_opened",
        /// A pull request merged, credited to its author.
        PullRequestMerged = "pull_request_merged",
        /// A pull request review submitted.
        PullRequestReview = "pull_request_review",
        /// A comment on a pull request's diff.
        ReviewComment = "review_comment",
        /// An issue opened.
        IssueOpened = "issue_opened",
        /// A comment on an issue or a pull request's conversation.
        IssueComment = "issue_comment",
        /// A release published.
        Release = "release",
        /// Data sets: collection, cleaning, labelling (recorded by a maintainer).
        Data = "data",
        /// Evaluations and benchmarks (recorded by a maintainer).
        Evaluation = "evaluation",
        /// Infrastructure: hosting, CI, build tooling (recorded by a maintainer).
        Infra = "infra",
        /// Operating compute: training and inference runs, clusters (recorded by a
        /// maintainer).
        ComputeOperations = "compute_operations",
        /// Documentation (recorded by a maintainer).
        Doc = "doc",
        /// Design (recorded by a maintainer).
        Design = "design",
        /// Security and red-teaming (recorded by a maintainer).
        Security = "security",
        /// Research (recorded by a maintainer).
        Research = "research",
        /// Community: questions, mentoring, events, triage (recorded by a maintainer).
        Community = "community",
    }
}

/// Where a kind of contribution comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContributionSource {
    /// Observed on GitHub by the sync or a webhook; never entered by hand.
    Github,
    /// Recorded by a project maintainer.
    Maintainer,
}

impl ContributionKind {
    /// Where this kind comes from.
    pub const fn source(self) -> ContributionSource {
        use ContributionKind::*;
        match self {
            Commit | PullRequestOpened | PullRequestMerged | PullRequestReview | ReviewComment
            | IssueOpened | IssueComment | Release => ContributionSource::Github,
            Data | Evaluation | Infra | ComputeOperations | Doc | Design | Security | Research
            | Community => ContributionSource::Maintainer,
        }
    }

    /// Whether a maintainer may record this kind by hand (GitHub kinds only come from
    /// GitHub, so they cannot be forged through the recording form).
    pub const fn is_recordable(self) -> bool {
        matches!(self.source(), ContributionSource::Maintainer)
    }

    /// The All Contributors emoji-key type this kind exports as (see the module table).
    pub const fn all_contributors_key(self) -> &'static str {
        use ContributionKind::*;
        match self {
            Commit | PullRequestOpened | PullRequestMerged => "code",
            PullRequestReview | ReviewComment => "review",
            IssueOpened => "bug",
            IssueComment | Community => "question",
            Release => "maintenance",
            Data => "data",
            Evaluation => "test",
            Infra | ComputeOperations => "infra",
            Doc => "doc",
            Design => "design",
            Security => "security",
            Research => "research",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_agree_and_are_stable() {
        assert!(ContributionKind::spellings_agree());
        let wire: Vec<&str> = ContributionKind::ALL.iter().map(|k| k.as_str()).collect();
        // The stored spelling is a contract with the database and API clients.
        assert_eq!(
            wire,
            [
                "commit",
                "pull_request_opened",
                "pull_request_merged",
                "pull_request_review",
                "review_comment",
                "issue_opened",
                "issue_comment",
                "release",
                "data",
                "evaluation",
                "infra",
                "compute_operations",
                "doc",
                "design",
                "security",
                "research",
                "community",
            ]
        );
    }

    #[test]
    fn parse_round_trips_and_refuses_others() {
        for k in ContributionKind::ALL {
            assert_eq!(k.as_str().parse::<ContributionKind>(), Ok(*k));
            assert_eq!(
                serde_json::from_value::<ContributionKind>(serde_json::json!(k.as_str())).ok(),
                Some(*k)
            );
        }
        for bad in [
            "",
            "Commit",
            "issue_closed",
            "documentation",
            "red_teaming",
            " data",
        ] {
            assert!(bad.parse::<ContributionKind>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sources_and_recording() {
        use ContributionKind::*;
        for k in [Commit, PullRequestMerged, IssueComment, Release] {
            assert_eq!(k.source(), ContributionSource::Github);
            assert!(!k.is_recordable());
        }
        for k in [Data, Evaluation, Security, Community, ComputeOperations] {
            assert!(k.is_recordable());
        }
    }

    #[test]
    fn all_contributors_keys_are_real_keys() {
        // The emoji key's types (https://allcontributors.org/docs/en/emoji-key).
        const KEYS: [&str; 33] = [
            "a11y",
            "audio",
            "blog",
            "bug",
            "business",
            "code",
            "content",
            "data",
            "design",
            "doc",
            "eventOrganizing",
            "example",
            "financial",
            "fundingFinding",
            "ideas",
            "infra",
            "maintenance",
            "mentoring",
            "platform",
            "plugin",
            "projectManagement",
            "promotion",
            "question",
            "research",
            "review",
            "security",
            "talk",
            "test",
            "tool",
            "translation",
            "tutorial",
            "userTesting",
            "video",
        ];
        for k in ContributionKind::ALL {
            assert!(KEYS.contains(&k.all_contributors_key()), "{k}");
        }
        // Where the wire name is an All Contributors key, it is that key.
        for k in ContributionKind::ALL {
            if KEYS.contains(&k.as_str()) {
                assert_eq!(k.all_contributors_key(), k.as_str(), "{k}");
            }
        }
    }
}
