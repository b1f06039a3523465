//! What a stored webhook delivery credits: the payload of each handled event (see
//! [`super::webhook::classify`]) read into [`super::payload`]'s types and turned into
//! [`Activity`]s, plus what the payload says about the repository itself.
//!
//! Sources: GitHub Docs, "Webhook events and payloads"
//! (<https://docs.github.com/en/webhooks/webhook-events-and-payloads>): `push` has `ref`
//! (`refs/heads/<branch>`), `commits` (at most 2048, each with `id`, `message`,
//! `timestamp`, `url`, `author {name, email, username}` and `distinct`) and
//! `repository.default_branch`; `pull_request`, `pull_request_review`, `issues`,
//! `issue_comment` and `release` carry the object as the REST API shows it.
//!
//! Decisions:
//! - `push`: only a push to the repository's default branch credits (`ref` ==
//!   `refs/heads/` + the payload's `repository.default_branch`, else the one the
//!   repository row knows). Every commit listed credits its author and co-authors,
//!   `distinct` or not: a commit that is not distinct was pushed to another branch
//!   first (a pull request's commits, merged with a merge commit) and is on the default
//!   branch now, as the sync would see it; credit is keyed by SHA, so nothing doubles.
//!   Pushes of more than 2048 commits list only some; the sync completes them. A
//!   force-push's dropped commits keep their credit until the sync's next full pass.
//! - `pull_request` (opened, closed, reopened): the pull request as the object shows it,
//!   exactly as the sync credits it: opened, and merged once `merged_at` is set. So
//!   `closed` with `merged: true` adds the merge; `closed` without merging and
//!   `reopened` add nothing new (the opening, which a webhook created after the pull
//!   request was opened would otherwise miss until the next sync).
//! - `pull_request_review` submitted, `issues` opened, `issue_comment` created,
//!   `release` published or released: the object's credit (a pending review, an issue
//!   that is a pull request, a draft release earn nothing, as in the sync).
//! - Edits and deletions are not stored by the intake at all (they are ignored there):
//!   an edited title or a deleted comment keeps its credit for now.
//! - A payload that is not what its event says (the object missing, a field of the
//!   wrong JSON type) is [`EventError`]: nothing is credited, and the job records why.
//!   `null`s, the `ghost` user, organisation and bot accounts are *not* errors: they
//!   cost their item its credit or are kept as bots ([`super::activity::Actor`]).

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::activity::Activity;
use super::kinds::ContributionKind;
use super::payload::{
    PushCommit, RestComment, RestIssue, RestPull, RestRelease, RestReview, comment_activity,
    issue_activities, pull_activities, push_commit_activities, release_activity, review_activity,
};

/// What a payload's `repository` object says about the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RepositoryFacts {
    /// GitHub's id of the repository.
    pub id: Option<i64>,
    pub default_branch: Option<String>,
}

/// What one delivery credits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCredit {
    pub repository: RepositoryFacts,
    pub activities: Vec<Activity>,
    /// Why nothing is credited when that is by rule (a push to another branch, an
    /// event or action nothing credits); `None` otherwise.
    pub skipped: Option<&'static str>,
}

/// A stored payload that is not what its event says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {event} payload: {reason}")]
pub struct EventError {
    pub event: String,
    pub reason: String,
}

#[derive(Deserialize)]
struct Push {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    #[serde(default)]
    commits: Option<Vec<PushCommit>>,
    repository: Option<RepositoryFacts>,
}

#[derive(Deserialize)]
struct PullRequestEvent {
    pull_request: Option<RestPull>,
    repository: Option<RepositoryFacts>,
}

#[derive(Deserialize)]
struct ReviewEvent {
    review: Option<RestReview>,
    repository: Option<RepositoryFacts>,
}

#[derive(Deserialize)]
struct IssueEvent {
    issue: Option<RestIssue>,
    repository: Option<RepositoryFacts>,
}

#[derive(Deserialize)]
struct CommentEvent {
    comment: Option<RestComment>,
    repository: Option<RepositoryFacts>,
}

#[derive(Deserialize)]
struct ReleaseEvent {
    release: Option<RestRelease>,
    repository: Option<RepositoryFacts>,
}

fn parse<T: DeserializeOwned>(event: &str, payload: &str) -> Result<T, EventError> {
    serde_json::from_str(payload).map_err(|e| EventError {
        event: event.to_owned(),
        reason: e.to_string(),
    })
}

fn missing(event: &str, what: &str) -> EventError {
    EventError {
        event: event.to_owned(),
        reason: format!("no {what} object"),
    }
}

/// The credit of a delivery of `event` with `action` and raw `payload`;
/// `known_default_branch` is the repository row's, used when the payload names none.
/// See the module's decisions.
pub fn credit(
    event: &str,
    action: Option<&str>,
    payload: &str,
    known_default_branch: Option<&str>,
) -> Result<EventCredit, EventError> {
    let skip = |repository: Option<RepositoryFacts>, why| EventCredit {
        repository: repository.unwrap_or_default(),
        activities: Vec::new(),
        skipped: Some(why),
    };
    let credited = |repository: Option<RepositoryFacts>, activities| EventCredit {
        repository: repository.unwrap_or_default(),
        activities,
        skipped: None,
    };
    Ok(match event {
        "push" => {
            let p: Push = parse(event, payload)?;
            let branch = p
                .repository
                .as_ref()
                .and_then(|r| r.default_branch.as_deref())
                .or(known_default_branch)
                .filter(|b| !b.is_empty());
            let Some(branch) = branch else {
                return Ok(skip(p.repository, "the default branch is not known"));
            };
            if p.git_ref.as_deref() != Some(&format!("refs/heads/{branch}")) {
                return Ok(skip(p.repository, "not a push to the default branch"));
            }
            let activities = p
                .commits
                .unwrap_or_default()
                .iter()
                .flat_map(push_commit_activities)
                .collect();
            credited(p.repository, activities)
        }
        "pull_request" if matches!(action, Some("opened" | "closed" | "reopened")) => {
            let p: PullRequestEvent = parse(event, payload)?;
            let pull = p
                .pull_request
                .ok_or_else(|| missing(event, "pull_request"))?;
            credited(p.repository, pull_activities(&pull))
        }
        "pull_request_review" if action == Some("submitted") => {
            let p: ReviewEvent = parse(event, payload)?;
            let review = p.review.ok_or_else(|| missing(event, "review"))?;
            credited(p.repository, review_activity(&review).into_iter().collect())
        }
        "issues" if action == Some("opened") => {
            let p: IssueEvent = parse(event, payload)?;
            let issue = p.issue.ok_or_else(|| missing(event, "issue"))?;
            credited(p.repository, issue_activities(&issue))
        }
        "issue_comment" if action == Some("created") => {
            let p: CommentEvent = parse(event, payload)?;
            let comment = p.comment.ok_or_else(|| missing(event, "comment"))?;
            let activity = comment_activity(ContributionKind::IssueComment, &comment);
            credited(p.repository, activity.into_iter().collect())
        }
        "release" if matches!(action, Some("published" | "released")) => {
            let p: ReleaseEvent = parse(event, payload)?;
            let release = p.release.ok_or_else(|| missing(event, "release"))?;
            credited(
                p.repository,
                release_activity(&release).into_iter().collect(),
            )
        }
        _ => EventCredit {
            skipped: Some("an event or action nothing credits"),
            ..EventCredit::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHA: &str = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

    fn push(git_ref: &str, default_branch: Option<&str>) -> String {
        json!({
            "ref": git_ref,
            "repository": {"id": 7, "full_name": "o/r", "default_branch": default_branch},
            "commits": [{
                "id": SHA, "distinct": false, "message": "Fix", "timestamp": "2024-05-01T12:00:00+02:00",
                "url": "https://github.com/o/r/commit/6113728",
                "author": {"name": "A", "email": "a@example.com", "username": "al"}
            }]
        })
        .to_string()
    }

    #[test]
    fn pushes_credit_only_the_default_branch_distinct_or_not() {
        let c = credit("push", None, &push("refs/heads/main", Some("main")), None).unwrap();
        assert_eq!(c.activities.len(), 1);
        assert_eq!(c.activities[0].source_key, SHA);
        assert_eq!(c.repository.id, Some(7));
        let other = credit("push", None, &push("refs/heads/dev", Some("main")), None).unwrap();
        assert!(other.activities.is_empty());
        assert_eq!(other.skipped, Some("not a push to the default branch"));
        let tag = credit("push", None, &push("refs/tags/main", Some("main")), None).unwrap();
        assert!(tag.activities.is_empty());
        // The row's branch when the payload has none; nothing when neither knows.
        let known = credit("push", None, &push("refs/heads/trunk", None), Some("trunk")).unwrap();
        assert_eq!(known.activities.len(), 1);
        let unknown = credit("push", None, &push("refs/heads/main", None), None).unwrap();
        assert!(unknown.activities.is_empty());
    }

    #[test]
    fn pull_requests_credit_what_the_object_shows() {
        let pr = |merged_at: Option<&str>| {
            json!({"action": "closed", "repository": {"id": 7}, "pull_request": {
                "id": 9, "user": {"id": 5, "login": "bo", "type": "User"},
                "created_at": "2024-01-01T00:00:00Z", "merged_at": merged_at, "merged": merged_at.is_some()
            }})
            .to_string()
        };
        let merged = credit(
            "pull_request",
            Some("closed"),
            &pr(Some("2024-01-02T00:00:00Z")),
            None,
        )
        .unwrap();
        let kinds: Vec<_> = merged.activities.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                ContributionKind::PullRequestOpened,
                ContributionKind::PullRequestMerged
            ]
        );
        let unmerged = credit("pull_request", Some("closed"), &pr(None), None).unwrap();
        assert_eq!(unmerged.activities.len(), 1);
        assert!(
            credit("pull_request", Some("labeled"), &pr(None), None)
                .unwrap()
                .activities
                .is_empty()
        );
    }

    #[test]
    fn malformed_payloads_are_errors_and_nulls_are_not() {
        for (event, action, body) in [
            ("push", None, r#"{"ref": 5, "repository": {"id": 7}}"#),
            (
                "push",
                None,
                r#"{"ref": "refs/heads/main", "commits": "x"}"#,
            ),
            ("issues", Some("opened"), r#"{"repository": {"id": 7}}"#),
            ("issues", Some("opened"), r#"{"issue": {"id": "nine"}}"#),
            ("release", Some("published"), "not json"),
            ("issue_comment", Some("created"), r#"{"comment": null}"#),
        ] {
            assert!(
                credit(event, action, body, Some("main")).is_err(),
                "{event} {body}"
            );
        }
        let ghost = json!({"action": "created", "comment": {
            "id": 3, "user": {"id": 10137891, "login": "ghost", "type": "User"},
            "created_at": "2024-01-01T00:00:00Z", "body": null
        }, "repository": {"id": 7, "default_branch": null}})
        .to_string();
        let c = credit("issue_comment", Some("created"), &ghost, None).unwrap();
        assert!(c.activities.is_empty());
        assert_eq!(c.repository.default_branch, None);
    }
}
