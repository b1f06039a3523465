//! Activity as OpenFund credits it: one [`Activity`] is one person's share of one item
//! GitHub knows about (a commit, a pull request opened or merged, a review, a comment,
//! an issue, a release). The sync and the webhook processing both turn GitHub's objects
//! into activities (see [`super::payload`]); `app::activity::ingest` resolves each
//! [`Actor`] to a contributor and stores the credit once.
//!
//! Pure: no I/O, no clock.

use chrono::NaiveDateTime;

use super::identity::{GithubUserId, NormalizedEmail, is_bot};
use super::kinds::ContributionKind;

/// The login of GitHub's placeholder for deleted accounts: content whose author deleted
/// their account is attributed to `ghost` (user id 10137891). It is nobody, so it earns
/// nothing. Source: GitHub Docs, "Deleting your personal account"
/// (<https://docs.github.com/en/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-your-personal-account/deleting-your-personal-account>).
pub const GHOST_LOGIN: &str = "ghost";

/// The longest title kept with a contribution (characters); longer ones are cut.
pub const MAX_TITLE_CHARS: usize = 300;

/// The longest URL kept with a contribution (bytes); longer ones are dropped.
pub const MAX_URL_LEN: usize = 2000;

/// Who did something, as far as GitHub (or a commit) says.
///
/// At least one of `github_user_id`, `email` or `login` identifies them; an actor with
/// none of the three (a `null` user) is nobody and earns nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// GitHub's account id (`user.id`): what identifies a person across renames.
    pub github_user_id: Option<GithubUserId>,
    /// The account's login as last seen (changes on rename).
    pub login: Option<String>,
    /// A display name (a commit's author name, a co-author trailer's name).
    pub name: Option<String>,
    /// `avatar_url` of the account.
    pub avatar_url: Option<String>,
    /// `html_url` of the account (its profile page).
    pub html_url: Option<String>,
    /// The account's `type` (`User`, `Organization`, `Bot`), when GitHub gave it.
    pub account_type: Option<String>,
    /// A commit's author or co-author address, normalised. Never stored in clear.
    pub email: Option<NormalizedEmail>,
}

impl Actor {
    /// Whether this is a bot (see [`is_bot`]): `type: Bot`, or a login ending in `[bot]`
    /// (from the account or from a noreply address).
    pub fn is_bot(&self) -> bool {
        let login = self.login.as_deref().unwrap_or("");
        is_bot(self.account_type.as_deref(), login)
            || self
                .email
                .as_ref()
                .and_then(NormalizedEmail::noreply)
                .is_some_and(|n| n.is_bot())
    }

    /// Whether this is GitHub's `ghost` placeholder for a deleted account.
    pub fn is_ghost(&self) -> bool {
        self.login
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(GHOST_LOGIN))
            && self.email.is_none()
    }

    /// The GitHub id this actor is known by: the account's own id, else the id in a
    /// `ID+login@users.noreply.github.com` address.
    pub fn effective_github_id(&self) -> Option<GithubUserId> {
        self.github_user_id.or_else(|| {
            self.email
                .as_ref()
                .and_then(NormalizedEmail::noreply)
                .and_then(|n| n.user_id)
        })
    }

    /// The login to show: the account's, else the one in a noreply address.
    pub fn effective_login(&self) -> Option<String> {
        self.login.clone().or_else(|| {
            self.email
                .as_ref()
                .and_then(NormalizedEmail::noreply)
                .map(|n| n.login)
        })
    }

    /// Whether anything identifies this actor (and it is not the ghost).
    pub fn is_identifiable(&self) -> bool {
        !self.is_ghost()
            && (self.effective_github_id().is_some()
                || self.email.is_some()
                || self.login.as_deref().is_some_and(|l| !l.is_empty()))
    }
}

/// One person's credit for one item.
///
/// `(kind, source_key)` names the item: `source_key` is GitHub's own id for it (the
/// commit SHA; the pull request's, issue's, review's, comment's or release's numeric
/// `id` in decimal), so the same item seen by the sync and by a webhook, or twice by
/// either, is one credit. A commit with co-authors is several activities with the same
/// key, one per actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub kind: ContributionKind,
    /// GitHub's id of the item (see above); 1–200 characters.
    pub source_key: String,
    /// When it happened (UTC, microseconds).
    pub occurred_at: NaiveDateTime,
    /// A one-line title: the commit's subject, the pull request's or issue's title, the
    /// release's name; at most [`MAX_TITLE_CHARS`] characters.
    pub title: Option<String>,
    /// Where to see it on GitHub (`html_url`).
    pub url: Option<String>,
    /// Who is credited.
    pub actor: Actor,
}

/// `text` cut to [`MAX_TITLE_CHARS`] characters (whole characters), trimmed; `None`
/// when empty.
pub fn clip_title(text: &str) -> Option<String> {
    let line = text.trim();
    if line.is_empty() {
        return None;
    }
    Some(match line.char_indices().nth(MAX_TITLE_CHARS) {
        Some((at, _)) => line[..at].trim_end().to_owned(),
        None => line.to_owned(),
    })
}

/// The subject of a commit message: its first non-empty line, clipped.
pub fn commit_subject(message: &str) -> Option<String> {
    message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(clip_title)
}

/// `url` if it is an `http(s)` URL no longer than [`MAX_URL_LEN`]; `None` otherwise.
pub fn keep_url(url: Option<&str>) -> Option<String> {
    let url = url?.trim();
    ((url.starts_with("https://") || url.starts_with("http://")) && url.len() <= MAX_URL_LEN)
        .then(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Option<NormalizedEmail> {
        NormalizedEmail::parse(s)
    }

    #[test]
    fn a_noreply_address_identifies_the_account_and_its_login() {
        let a = Actor {
            email: email("12345+Alice@users.noreply.github.com"),
            ..Actor::default()
        };
        assert_eq!(a.effective_github_id(), GithubUserId::new(12345));
        assert_eq!(a.effective_login().as_deref(), Some("alice"));
        assert!(!a.is_bot());
    }

    #[test]
    fn bots_by_type_by_login_and_by_noreply_address() {
        let by_type = Actor {
            login: Some("Copilot".into()),
            account_type: Some("Bot".into()),
            ..Actor::default()
        };
        let by_login = Actor {
            login: Some("dependabot[bot]".into()),
            ..Actor::default()
        };
        let by_address = Actor {
            email: email("49699333+dependabot[bot]@users.noreply.github.com"),
            ..Actor::default()
        };
        let person = Actor {
            login: Some("botanist".into()),
            account_type: Some("User".into()),
            ..Actor::default()
        };
        assert!(by_type.is_bot() && by_login.is_bot() && by_address.is_bot());
        assert!(!person.is_bot());
    }

    #[test]
    fn the_ghost_and_an_empty_actor_are_nobody() {
        let ghost = Actor {
            github_user_id: GithubUserId::new(10137891),
            login: Some("ghost".into()),
            ..Actor::default()
        };
        assert!(!ghost.is_identifiable());
        assert!(!Actor::default().is_identifiable());
        let login_only = Actor {
            login: Some("alice".into()),
            ..Actor::default()
        };
        assert!(login_only.is_identifiable());
    }

    #[test]
    fn titles_are_clipped_on_character_boundaries() {
        let long = "é".repeat(MAX_TITLE_CHARS + 10);
        let clipped = clip_title(&long).unwrap_or_default();
        assert_eq!(clipped.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(clip_title("   "), None);
        assert_eq!(
            commit_subject("\n\n  Fix the tokenizer  \n\nBody text").as_deref(),
            Some("Fix the tokenizer")
        );
    }

    #[test]
    fn only_web_urls_are_kept() {
        assert_eq!(keep_url(Some("javascript:alert(1)")), None);
        assert_eq!(
            keep_url(Some(&format!("https://x/{}", "a".repeat(MAX_URL_LEN)))),
            None
        );
        assert_eq!(
            keep_url(Some("https://github.com/o/r/pull/1")).as_deref(),
            Some("https://github.com/o/r/pull/1")
        );
    }
}
