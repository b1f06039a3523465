//! The parts of GitHub's REST objects and webhook payloads that credit someone, and
//! their conversion into [`Activity`]s.
//!
//! The same objects arrive from the REST API (the sync) and inside webhook payloads
//! (`pull_request`, `issue`, `comment`, `review`, `release`), so one set of types serves
//! both. Every field is optional and unknown fields are ignored: real payloads carry
//! `null` users (deleted accounts, GitHub's `ghost`), organisation senders and bots, and
//! a missing field must cost one item its credit, never the page or the delivery.
//!
//! Sources (field names and meanings): GitHub REST API reference, "Commits"
//! (<https://docs.github.com/en/rest/commits/commits>), "Pulls"
//! (<https://docs.github.com/en/rest/pulls/pulls>), "Reviews"
//! (<https://docs.github.com/en/rest/pulls/reviews>), "Issues"
//! (<https://docs.github.com/en/rest/issues/issues>: "GitHub's REST API considers every
//! pull request an issue"; those carry a `pull_request` key), "Issue comments",
//! "Pull request review comments", "Releases"; and "Webhook events and payloads"
//! (<https://docs.github.com/en/webhooks/webhook-events-and-payloads>) for `push`.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike};
use serde::Deserialize;

use super::activity::{Activity, Actor, clip_title, commit_subject, keep_url};
use super::identity::{CommitAuthor, GithubUserId, NormalizedEmail, co_authors};
use super::kinds::ContributionKind;

/// A GitHub account as the REST API and webhooks show it (a "simple user").
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestUser {
    pub id: Option<i64>,
    pub login: Option<String>,
    /// `User`, `Organization` or `Bot`.
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    /// Only in some payloads (a full user object).
    pub name: Option<String>,
}

impl RestUser {
    /// The account as an [`Actor`].
    pub fn actor(&self) -> Actor {
        Actor {
            github_user_id: self.id.and_then(GithubUserId::new),
            login: self.login.clone().filter(|l| !l.is_empty()),
            name: self.name.clone().filter(|n| !n.trim().is_empty()),
            avatar_url: keep_url(self.avatar_url.as_deref()),
            html_url: keep_url(self.html_url.as_deref()),
            account_type: self.account_type.clone(),
            email: None,
        }
    }
}

/// `commit.author` of a commit: what git recorded.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct GitSignature {
    pub name: Option<String>,
    pub email: Option<String>,
    /// ISO 8601.
    pub date: Option<String>,
}

/// `commit` of a REST commit object.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct GitCommit {
    pub message: Option<String>,
    pub author: Option<GitSignature>,
    pub committer: Option<GitSignature>,
}

/// An item of `GET /repos/{owner}/{repo}/commits`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestCommit {
    pub sha: Option<String>,
    pub html_url: Option<String>,
    pub commit: Option<GitCommit>,
    /// The GitHub account GitHub linked the author's address to; `null` when none.
    pub author: Option<RestUser>,
}

/// A pull request (`GET /repos/{owner}/{repo}/pulls` items, `pull_request` in webhooks).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestPull {
    pub id: Option<i64>,
    pub number: Option<i64>,
    pub title: Option<String>,
    pub html_url: Option<String>,
    pub user: Option<RestUser>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub merged_at: Option<String>,
    pub closed_at: Option<String>,
}

/// An issue (`GET /repos/{owner}/{repo}/issues` items, `issue` in webhooks).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestIssue {
    pub id: Option<i64>,
    pub number: Option<i64>,
    pub title: Option<String>,
    pub html_url: Option<String>,
    pub user: Option<RestUser>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub closed_at: Option<String>,
    /// Present (an object) when the issue is a pull request.
    pub pull_request: Option<serde_json::Value>,
}

/// An issue comment or a review comment (REST list items, `comment` in webhooks).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestComment {
    pub id: Option<i64>,
    pub html_url: Option<String>,
    pub user: Option<RestUser>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// A pull request review (REST, `review` in webhooks).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestReview {
    pub id: Option<i64>,
    pub html_url: Option<String>,
    pub user: Option<RestUser>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub state: Option<String>,
    /// `null` while pending.
    pub submitted_at: Option<String>,
}

/// A release (REST list items, `release` in webhooks).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RestRelease {
    pub id: Option<i64>,
    pub tag_name: Option<String>,
    pub name: Option<String>,
    pub html_url: Option<String>,
    pub author: Option<RestUser>,
    pub draft: Option<bool>,
    pub created_at: Option<String>,
    pub published_at: Option<String>,
}

/// The author of a commit in a `push` payload (no account id there: `username` is the
/// login GitHub linked the address to, if any).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct PushAuthor {
    pub name: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
}

/// An item of `commits` in a `push` payload.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct PushCommit {
    /// The SHA.
    pub id: Option<String>,
    pub message: Option<String>,
    /// ISO 8601 with the author's offset.
    pub timestamp: Option<String>,
    pub url: Option<String>,
    pub author: Option<PushAuthor>,
}

/// Parses GitHub's ISO 8601 timestamps (`2024-05-01T12:00:00Z`, or with an offset as in
/// `push` payloads) to UTC, truncated to microseconds. `None` for anything else.
pub fn parse_time(value: Option<&str>) -> Option<NaiveDateTime> {
    let t = DateTime::<FixedOffset>::parse_from_rfc3339(value?.trim()).ok()?;
    let utc = t.naive_utc();
    // Both databases keep microseconds at most (PostgreSQL's limit).
    let micros = utc.nanosecond() / 1_000 * 1_000;
    Some(utc.with_nanosecond(micros).unwrap_or(utc))
}

/// A commit's SHA if it is 40 (SHA-1) or 64 (SHA-256) hex digits, lower-cased.
pub fn parse_sha(value: Option<&str>) -> Option<String> {
    let sha = value?.trim();
    (matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| sha.to_ascii_lowercase())
}

fn id_key(id: Option<i64>) -> Option<String> {
    id.filter(|i| *i > 0).map(|i| i.to_string())
}

/// The credit a commit on the default branch gives: its author and each co-author of
/// its `Co-authored-by:` trailers ([`co_authors`]), one activity each, keyed by the
/// SHA, at the author date. The author is GitHub's linked account when there is one
/// (`author`), else the git address. Nothing for a commit without a SHA or date.
pub fn commit_activities(c: &RestCommit) -> Vec<Activity> {
    let Some(sha) = parse_sha(c.sha.as_deref()) else {
        return Vec::new();
    };
    let git = c.commit.clone().unwrap_or_default();
    let signature = git.author.clone().unwrap_or_default();
    let Some(at) = parse_time(signature.date.as_deref())
        .or_else(|| parse_time(git.committer.as_ref().and_then(|s| s.date.as_deref())))
    else {
        return Vec::new();
    };
    let message = git.message.unwrap_or_default();
    let mut author = c.author.as_ref().map(RestUser::actor).unwrap_or_default();
    author.email = signature.email.as_deref().and_then(NormalizedEmail::parse);
    author.name = author
        .name
        .or_else(|| signature.name.clone().filter(|n| !n.trim().is_empty()));
    commit_credit(sha, at, &message, keep_url(c.html_url.as_deref()), author)
}

/// The credit a commit in a `push` payload gives (as [`commit_activities`]). The author
/// is known by address and, when GitHub linked it, by login (`username`).
pub fn push_commit_activities(c: &PushCommit) -> Vec<Activity> {
    let (Some(sha), Some(at)) = (
        parse_sha(c.id.as_deref()),
        parse_time(c.timestamp.as_deref()),
    ) else {
        return Vec::new();
    };
    let a = c.author.clone().unwrap_or_default();
    let author = Actor {
        login: a.username.filter(|u| !u.is_empty()),
        name: a.name.filter(|n| !n.trim().is_empty()),
        email: a.email.as_deref().and_then(NormalizedEmail::parse),
        ..Actor::default()
    };
    commit_credit(
        sha,
        at,
        c.message.as_deref().unwrap_or(""),
        keep_url(c.url.as_deref()),
        author,
    )
}

fn commit_credit(
    sha: String,
    at: NaiveDateTime,
    message: &str,
    url: Option<String>,
    author: Actor,
) -> Vec<Activity> {
    let title = commit_subject(message);
    let email_text = author.email.as_ref().map(|e| e.as_str().to_owned());
    let co = co_authors(
        message,
        CommitAuthor {
            email: email_text.as_deref(),
            github_user_id: author.effective_github_id(),
        },
    );
    let mut out = Vec::with_capacity(1 + co.len());
    let make = |actor: Actor| Activity {
        kind: ContributionKind::Commit,
        source_key: sha.clone(),
        occurred_at: at,
        title: title.clone(),
        url: url.clone(),
        actor,
    };
    if author.is_identifiable() {
        out.push(make(author));
    }
    for c in co {
        out.push(make(Actor {
            github_user_id: c.github_user_id,
            name: (!c.name.is_empty()).then_some(c.name),
            email: Some(c.email),
            ..Actor::default()
        }));
    }
    out
}

/// The credit a pull request gives its author: opened (at `created_at`) and, once
/// merged, merged (at `merged_at`), both keyed by the pull request's `id`. Closing
/// without merging earns nothing more.
pub fn pull_activities(p: &RestPull) -> Vec<Activity> {
    let (Some(key), Some(user)) = (id_key(p.id), p.user.as_ref()) else {
        return Vec::new();
    };
    let actor = user.actor();
    if !actor.is_identifiable() {
        return Vec::new();
    }
    let title = p.title.as_deref().and_then(clip_title);
    let url = keep_url(p.html_url.as_deref());
    let mut out = Vec::new();
    if let Some(at) = parse_time(p.created_at.as_deref()) {
        out.push(Activity {
            kind: ContributionKind::PullRequestOpened,
            source_key: key.clone(),
            occurred_at: at,
            title: title.clone(),
            url: url.clone(),
            actor: actor.clone(),
        });
    }
    if let Some(at) = parse_time(p.merged_at.as_deref()) {
        out.push(Activity {
            kind: ContributionKind::PullRequestMerged,
            source_key: key,
            occurred_at: at,
            title,
            url,
            actor,
        });
    }
    out
}

/// The credit an issue gives its author (opened, at `created_at`, keyed by its `id`).
/// Nothing for a pull request seen through the issues endpoint (it has a
/// `pull_request` key): [`pull_activities`] credits those.
pub fn issue_activities(i: &RestIssue) -> Vec<Activity> {
    if i.pull_request.as_ref().is_some_and(|v| !v.is_null()) {
        return Vec::new();
    }
    let (Some(key), Some(at), Some(user)) = (
        id_key(i.id),
        parse_time(i.created_at.as_deref()),
        i.user.as_ref(),
    ) else {
        return Vec::new();
    };
    let actor = user.actor();
    if !actor.is_identifiable() {
        return Vec::new();
    }
    vec![Activity {
        kind: ContributionKind::IssueOpened,
        source_key: key,
        occurred_at: at,
        title: i.title.as_deref().and_then(clip_title),
        url: keep_url(i.html_url.as_deref()),
        actor,
    }]
}

/// The credit a comment gives its author: `kind` is
/// [`ContributionKind::IssueComment`] or [`ContributionKind::ReviewComment`]; keyed by
/// the comment's `id`, at `created_at`.
pub fn comment_activity(kind: ContributionKind, c: &RestComment) -> Option<Activity> {
    let key = id_key(c.id)?;
    let at = parse_time(c.created_at.as_deref())?;
    let actor = c.user.as_ref()?.actor();
    actor.is_identifiable().then(|| Activity {
        kind,
        source_key: key,
        occurred_at: at,
        title: None,
        url: keep_url(c.html_url.as_deref()),
        actor,
    })
}

/// The credit a submitted review gives its author, keyed by the review's `id`, at
/// `submitted_at`. Nothing for a pending review (no `submitted_at`).
pub fn review_activity(r: &RestReview) -> Option<Activity> {
    if r.state
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("PENDING"))
    {
        return None;
    }
    let key = id_key(r.id)?;
    let at = parse_time(r.submitted_at.as_deref())?;
    let actor = r.user.as_ref()?.actor();
    actor.is_identifiable().then(|| Activity {
        kind: ContributionKind::PullRequestReview,
        source_key: key,
        occurred_at: at,
        title: None,
        url: keep_url(r.html_url.as_deref()),
        actor,
    })
}

/// The credit a published release gives its author, keyed by the release's `id`, at
/// `published_at`. Nothing for a draft (not published).
pub fn release_activity(r: &RestRelease) -> Option<Activity> {
    if r.draft == Some(true) {
        return None;
    }
    let key = id_key(r.id)?;
    let at = parse_time(r.published_at.as_deref())?;
    let actor = r.author.as_ref()?.actor();
    let title = r
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .or(r.tag_name.as_deref())
        .and_then(clip_title);
    actor.is_identifiable().then(|| Activity {
        kind: ContributionKind::Release,
        source_key: key,
        occurred_at: at,
        title,
        url: keep_url(r.html_url.as_deref()),
        actor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn commit(v: serde_json::Value) -> RestCommit {
        serde_json::from_value(v).expect("commit")
    }

    const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    #[test]
    fn a_commit_credits_its_linked_author_and_each_co_author_once() {
        let c = commit(json!({
            "sha": SHA,
            "html_url": "https://github.com/o/r/commit/6dcb09b",
            "commit": {
                "message": "Fix tokenizer\n\nCo-authored-by: Bob <bob@example.com>\nCo-authored-by: Alice <alice@example.com>\nCo-authored-by: Bob B <BOB@example.com>",
                "author": {"name": "Alice", "email": "alice@example.com", "date": "2024-05-01T12:00:00Z"}
            },
            "author": {"id": 7, "login": "alice", "type": "User", "avatar_url": "https://a/7", "html_url": "https://github.com/alice"}
        }));
        let acts = commit_activities(&c);
        assert_eq!(acts.len(), 2, "{acts:?}");
        assert_eq!(acts[0].actor.github_user_id, GithubUserId::new(7));
        assert_eq!(
            acts[0].actor.email.as_ref().map(NormalizedEmail::as_str),
            Some("alice@example.com")
        );
        assert_eq!(
            acts[1].actor.email.as_ref().map(NormalizedEmail::as_str),
            Some("bob@example.com")
        );
        assert!(
            acts.iter()
                .all(|a| a.source_key == SHA && a.kind == ContributionKind::Commit)
        );
        assert_eq!(acts[0].title.as_deref(), Some("Fix tokenizer"));
    }

    #[test]
    fn a_trailer_quoted_in_the_body_earns_nothing() {
        let c = commit(json!({
            "sha": SHA,
            "commit": {
                "message": "Docs\n\nWrite it as:\nCo-authored-by: Eve <eve@example.com>\nin your message.\n",
                "author": {"name": "A", "email": "a@example.com", "date": "2024-05-01T12:00:00Z"}
            },
            "author": null
        }));
        let acts = commit_activities(&c);
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].actor.github_user_id, None);
    }

    #[test]
    fn junk_commits_give_nothing_and_never_panic() {
        for v in [
            json!({}),
            json!({"sha": "nothex", "commit": {"author": {"date": "2024-05-01T12:00:00Z"}}}),
            json!({"sha": SHA, "commit": null}),
            json!({"sha": SHA, "commit": {"author": {"date": "yesterday"}}}),
        ] {
            assert!(commit_activities(&commit(v)).is_empty());
        }
    }

    #[test]
    fn push_commits_use_the_offset_and_the_username() {
        let c: PushCommit = serde_json::from_value(json!({
            "id": SHA, "message": "m", "timestamp": "2024-05-01T14:00:00+02:00",
            "url": "https://github.com/o/r/commit/x",
            "author": {"name": "Al", "email": "12+al@users.noreply.github.com", "username": "al"}
        }))
        .expect("push commit");
        let acts = push_commit_activities(&c);
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].occurred_at.to_string(), "2024-05-01 12:00:00");
        assert_eq!(acts[0].actor.effective_github_id(), GithubUserId::new(12));
        assert_eq!(acts[0].actor.login.as_deref(), Some("al"));
    }

    #[test]
    fn pulls_credit_opened_and_merged_to_the_author() {
        let p: RestPull = serde_json::from_value(json!({
            "id": 99, "number": 3, "title": "Add eval", "user": {"id": 5, "login": "bo"},
            "created_at": "2024-01-01T00:00:00Z", "merged_at": "2024-01-02T00:00:00Z",
            "merged_by": {"id": 1, "login": "maint"}
        }))
        .expect("pull");
        let acts = pull_activities(&p);
        let kinds: Vec<_> = acts.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                ContributionKind::PullRequestOpened,
                ContributionKind::PullRequestMerged
            ]
        );
        assert!(
            acts.iter()
                .all(|a| a.actor.github_user_id == GithubUserId::new(5))
        );
        let unmerged: RestPull = serde_json::from_value(json!({
            "id": 98, "user": {"id": 5, "login": "bo"}, "created_at": "2024-01-01T00:00:00Z",
            "merged_at": null, "closed_at": "2024-01-03T00:00:00Z"
        }))
        .expect("pull");
        assert_eq!(pull_activities(&unmerged).len(), 1);
    }

    #[test]
    fn issues_that_are_pull_requests_are_not_counted_twice() {
        let pr: RestIssue = serde_json::from_value(json!({
            "id": 1, "user": {"id": 5, "login": "bo"}, "created_at": "2024-01-01T00:00:00Z",
            "pull_request": {"url": "https://api.github.com/repos/o/r/pulls/1"}
        }))
        .expect("issue");
        assert!(issue_activities(&pr).is_empty());
        let issue: RestIssue = serde_json::from_value(json!({
            "id": 2, "user": {"id": 5, "login": "bo"}, "created_at": "2024-01-01T00:00:00Z",
            "pull_request": null
        }))
        .expect("issue");
        assert_eq!(issue_activities(&issue).len(), 1);
    }

    #[test]
    fn null_users_ghosts_drafts_and_pending_reviews_earn_nothing() {
        let c: RestComment = serde_json::from_value(json!({
            "id": 3, "user": null, "created_at": "2024-01-01T00:00:00Z"
        }))
        .expect("comment");
        assert!(comment_activity(ContributionKind::IssueComment, &c).is_none());
        let ghost: RestComment = serde_json::from_value(json!({
            "id": 3, "user": {"id": 10137891, "login": "ghost", "type": "User"},
            "created_at": "2024-01-01T00:00:00Z"
        }))
        .expect("comment");
        assert!(comment_activity(ContributionKind::IssueComment, &ghost).is_none());
        let draft: RestRelease = serde_json::from_value(json!({
            "id": 4, "draft": true, "author": {"id": 5, "login": "bo"}, "published_at": null
        }))
        .expect("release");
        assert!(release_activity(&draft).is_none());
        let pending: RestReview = serde_json::from_value(json!({
            "id": 6, "state": "PENDING", "user": {"id": 5, "login": "bo"}, "submitted_at": null
        }))
        .expect("review");
        assert!(review_activity(&pending).is_none());
        let org: RestRelease = serde_json::from_value(json!({
            "id": 8, "tag_name": "v1.0", "name": "", "draft": false,
            "author": {"id": 9, "login": "acme", "type": "Organization"},
            "published_at": "2024-01-01T00:00:00Z"
        }))
        .expect("release");
        assert_eq!(
            release_activity(&org).and_then(|a| a.title).as_deref(),
            Some("v1.0")
        );
    }
}
