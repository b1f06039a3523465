//! Rules of signing in: credential kinds and scopes, mail-link purposes, and the time
//! windows that decide whether a credential still counts. Pure: callers pass `now`.

use std::fmt;

use chrono::{Duration, NaiveDateTime};

use super::Violation;

crate::text_enum! {
    /// How a session's holder proved who they are (`sessions.auth_method`).
    pub enum AuthMethod {
        Password = "password",
        Github = "github",
    }
}

crate::text_enum! {
    /// What a mailed single-use link is for (`email_tokens.purpose`).
    pub enum EmailPurpose {
        VerifyEmail = "verify_email",
        ResetPassword = "reset_password",
        ChangeEmail = "change_email",
    }
}

crate::text_enum! {
    /// Why a GitHub OAuth flow was started (`oauth_states.mode`).
    #[derive(utoipa::ToSchema)]
    pub enum OAuthMode {
        /// Sign in (or sign up) with GitHub.
        Login = "login",
        /// Link GitHub to the signed-in user.
        Link = "link",
    }
}

crate::text_enum! {
    /// One permission a personal API token may carry.
    #[derive(utoipa::ToSchema)]
    pub enum TokenScope {
        /// Read what the user can read.
        Read = "read",
        /// Change what the user can change (implies `read`).
        Write = "write",
        /// Use the user's site-admin powers (site admins only; implies `read`).
        Admin = "admin",
    }
}

/// The scopes of a personal API token, stored as a comma-separated list in
/// `api_tokens.scopes` (e.g. `read,write`). `write` and `admin` each imply `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes {
    pub write: bool,
    pub admin: bool,
}

impl Scopes {
    pub const READ: Scopes = Scopes {
        write: false,
        admin: false,
    };

    pub fn from_list(list: &[TokenScope]) -> Result<Scopes, Violation> {
        if list.is_empty() {
            return Err(Violation::new(
                "scopes",
                "empty",
                "choose at least one of read, write and admin",
            ));
        }
        Ok(Scopes {
            write: list.contains(&TokenScope::Write),
            admin: list.contains(&TokenScope::Admin),
        })
    }

    /// The stored form, e.g. `read,write`.
    pub fn to_db(self) -> String {
        self.list()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form; unknown entries are ignored (never widen a token).
    pub fn from_db(stored: &str) -> Scopes {
        let has = |s: TokenScope| stored.split(',').any(|x| x.trim() == s.as_str());
        Scopes {
            write: has(TokenScope::Write),
            admin: has(TokenScope::Admin),
        }
    }

    pub fn list(self) -> Vec<TokenScope> {
        let mut out = vec![TokenScope::Read];
        if self.write {
            out.push(TokenScope::Write);
        }
        if self.admin {
            out.push(TokenScope::Admin);
        }
        out
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_db())
    }
}

/// A verification link lives a day.
pub const VERIFY_TTL: Duration = Duration::hours(24);
/// A link confirming a new address lives a day.
pub const CHANGE_EMAIL_TTL: Duration = Duration::hours(24);
/// A password-reset link lives an hour.
pub const RESET_TTL: Duration = Duration::hours(1);
/// An OAuth `state` lives ten minutes.
pub const OAUTH_STATE_TTL: Duration = Duration::minutes(10);

/// A refresh token presented again this soon after it was spent is a retry (a lost
/// response, two tabs refreshing at once), not theft: it gets a fresh token instead of
/// revoking the session (the "reuse interval" of OAuth 2.0 Security BCP, RFC 9700 §4.14).
pub const REFRESH_REUSE_GRACE: Duration = Duration::seconds(30);

/// Changing the email or deleting an account without a password needs a sign-in with
/// GitHub this recent.
pub const REAUTH_WINDOW: Duration = Duration::minutes(10);

/// The most personal API tokens a user may hold.
pub const MAX_TOKENS: i64 = 50;
pub const TOKEN_NAME_MAX: usize = 64;
/// The longest lifetime a token may be given, in days (no expiry is also allowed).
pub const TOKEN_MAX_DAYS: u32 = 366;

/// Was a spent refresh token presented within the grace window of its first use? A
/// concurrent request may have spent it a moment *after* this one read the clock, so
/// the window counts both ways.
pub fn refresh_reuse_is_retry(used_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    (now - used_at).abs() <= REFRESH_REUSE_GRACE
}

/// Did the session's holder sign in recently enough for a sensitive change?
pub fn recently_authenticated(authenticated_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    now >= authenticated_at && now - authenticated_at <= REAUTH_WINDOW
}

/// Validates a requested token lifetime: `None` (no expiry) or 1–366 days.
pub fn token_expiry(
    days: Option<u32>,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, Violation> {
    match days {
        None => Ok(None),
        Some(d) if (1..=TOKEN_MAX_DAYS).contains(&d) => {
            Ok(Some(now + Duration::days(i64::from(d))))
        }
        Some(_) => Err(Violation::new(
            "expires_in_days",
            "out_of_range",
            format!("must be between 1 and {TOKEN_MAX_DAYS} days, or left out for no expiry"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn scopes_round_trip_and_imply_read() {
        let s = Scopes::from_list(&[TokenScope::Write]).unwrap();
        assert_eq!(s.to_db(), "read,write");
        assert_eq!(Scopes::from_db("read,write"), s);
        assert_eq!(Scopes::from_db("write"), s, "stored by an older version");
        assert_eq!(Scopes::from_db("read"), Scopes::READ);
        assert_eq!(Scopes::from_db("read,root"), Scopes::READ);
        let admin = Scopes::from_list(&[TokenScope::Read, TokenScope::Admin]).unwrap();
        assert_eq!(admin.to_db(), "read,admin");
        assert!(Scopes::from_list(&[]).is_err());
    }

    #[test]
    fn refresh_grace_is_thirty_seconds_after_first_use() {
        assert!(refresh_reuse_is_retry(t(0), t(0)));
        assert!(refresh_reuse_is_retry(t(0), t(30)));
        assert!(!refresh_reuse_is_retry(t(0), t(31)));
        assert!(
            refresh_reuse_is_retry(t(2), t(0)),
            "spent by a concurrent request that read the clock later"
        );
    }

    #[test]
    fn reauthentication_window_is_ten_minutes() {
        assert!(recently_authenticated(t(0), t(600)));
        assert!(!recently_authenticated(t(0), t(601)));
    }

    #[test]
    fn token_lifetimes_are_bounded() {
        assert_eq!(token_expiry(None, t(0)), Ok(None));
        assert_eq!(token_expiry(Some(1), t(0)), Ok(Some(t(86_400))));
        assert!(token_expiry(Some(0), t(0)).is_err());
        assert!(token_expiry(Some(367), t(0)).is_err());
    }

    #[test]
    fn enums_round_trip_through_their_stored_names() {
        for p in EmailPurpose::ALL {
            assert_eq!(p.as_str().parse::<EmailPurpose>(), Ok(*p));
        }
        assert_eq!(
            serde_json::to_string(&TokenScope::Admin).unwrap(),
            "\"admin\""
        );
        assert!("Login".parse::<OAuthMode>().is_err());
    }
}
