//! Who a commit author, co-author or GitHub account is: GitHub user ids from noreply
//! addresses, privacy-keeping keys for plain addresses, bot accounts, and the
//! `Co-authored-by:` trailers of a commit message.
//!
//! Everything a commit says about people is a claim its author typed: a noreply address
//! or a `Co-authored-by:` line naming someone proves nothing about them. Callers give
//! credit on that basis knowingly (GitHub does the same when it shows co-authors).

use std::collections::HashSet;
use std::fmt;

use sha2::{Digest, Sha256};

use super::trailers;

/// The domain of GitHub's noreply commit addresses on github.com.
///
/// Source: GitHub Docs, "Setting your commit email address"
/// (<https://docs.github.com/en/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-email-preferences/setting-your-commit-email-address>):
/// accounts created after 18 July 2017 get `ID+USERNAME@users.noreply.github.com`, older
/// ones `USERNAME@users.noreply.github.com`. GitHub Enterprise Server instances use their
/// own hostname and are not recognised here.
pub const NOREPLY_DOMAIN: &str = "users.noreply.github.com";

/// The longest GitHub login (39 characters, GitHub's sign-up rule), before any `[bot]`.
pub const MAX_LOGIN_LEN: usize = 39;

/// The suffix GitHub gives the bot account of a GitHub App: `APP-SLUG[bot]`.
pub const BOT_SUFFIX: &str = "[bot]";

/// A GitHub account's numeric id (the `id` of the REST API's user object), always > 0.
/// Stored as `BIGINT` like `users.github_id`; serialises as a bare integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct GithubUserId(i64);

impl GithubUserId {
    /// `Some` for a positive id, `None` otherwise (GitHub ids start at 1).
    pub const fn new(id: i64) -> Option<Self> {
        if id > 0 { Some(GithubUserId(id)) } else { None }
    }

    /// The id as stored.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for GithubUserId {
    type Error = String;

    fn try_from(id: i64) -> Result<Self, Self::Error> {
        GithubUserId::new(id).ok_or_else(|| format!("GitHub user ids are positive, not {id}"))
    }
}

impl From<GithubUserId> for i64 {
    fn from(id: GithubUserId) -> i64 {
        id.0
    }
}

impl fmt::Display for GithubUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a GitHub noreply address says about its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noreply {
    /// The account id, for the `ID+USERNAME@` form; `None` for the older `USERNAME@` form.
    pub user_id: Option<GithubUserId>,
    /// The login as written (GitHub logins are case-insensitive; compare accordingly).
    /// The login in an `ID+` address may be out of date: the id is what identifies.
    pub login: String,
}

impl Noreply {
    /// Whether the login is a GitHub App's bot (`…[bot]`), e.g.
    /// `49699333+dependabot[bot]@users.noreply.github.com`.
    pub fn is_bot(&self) -> bool {
        is_bot_login(&self.login)
    }
}

/// Reads a GitHub noreply address (see [`NOREPLY_DOMAIN`]):
/// `12345+alice@users.noreply.github.com` → id 12345, login `alice`;
/// `alice@users.noreply.github.com` → login only.
///
/// Surrounding whitespace is ignored and the domain is matched without regard to ASCII
/// case. `None` for any other address and for junk: an empty login or id (`+alice@…`,
/// `12345+@…`), an id that is not plain ASCII digits, has a leading zero, is 0 or does
/// not fit an `i64`, or a login that is not 1–39 ASCII letters, digits and hyphens
/// (optionally followed by `[bot]`). Hyphen placement is not checked: logins from before
/// GitHub's current rules may start or end with one.
pub fn parse_noreply(email: &str) -> Option<Noreply> {
    let email = email.trim();
    let (local, domain) = email.rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(NOREPLY_DOMAIN) {
        return None;
    }
    let (user_id, login) = match local.split_once('+') {
        Some((id, login)) => (Some(parse_user_id(id)?), login),
        None => (None, local),
    };
    if !is_valid_login(login) {
        return None;
    }
    Some(Noreply {
        user_id,
        login: login.to_owned(),
    })
}

/// A canonical decimal id: ASCII digits, no sign, no leading zero, > 0, fits `i64`.
fn parse_user_id(digits: &str) -> Option<GithubUserId> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse::<i64>().ok().and_then(GithubUserId::new)
}

/// Whether `login` is shaped like a GitHub login: 1–39 ASCII alphanumerics or hyphens,
/// optionally followed by exactly `[bot]` (GitHub Apps' bot accounts).
pub fn is_valid_login(login: &str) -> bool {
    let base = login.strip_suffix(BOT_SUFFIX).unwrap_or(login);
    !base.is_empty()
        && base.len() <= MAX_LOGIN_LEN
        && base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether a login is a GitHub App's bot account: it ends in `[bot]` (any ASCII case).
/// Ordinary logins cannot contain `[`, so nothing else matches; `bot`, `botanist` and
/// `robotics-lab` are people.
pub fn is_bot_login(login: &str) -> bool {
    login.len() >= BOT_SUFFIX.len()
        && login
            .get(login.len() - BOT_SUFFIX.len()..)
            .is_some_and(|s| s.eq_ignore_ascii_case(BOT_SUFFIX))
}

/// Whether a GitHub account is a bot: the REST API's user object says `"type": "Bot"`
/// (its `type` is `User`, `Organization` or `Bot`; compared ignoring ASCII case), or the
/// login ends in `[bot]`.
///
/// Sources: GitHub REST API, "Get a user" (<https://docs.github.com/en/rest/users/users>,
/// the `type` field), and GitHub Docs, "About authentication with a GitHub App"
/// (<https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/about-authentication-with-a-github-app>):
/// an app acting on its own behalf appears as the user `APP-SLUG[bot]`. Some GitHub-made
/// bots (e.g. `Copilot`) only show in `type`, which is why both are checked.
pub fn is_bot(account_type: Option<&str>, login: &str) -> bool {
    account_type.is_some_and(|t| t.trim().eq_ignore_ascii_case("Bot")) || is_bot_login(login)
}

/// An email address normalised for keying a person: trimmed and lower-cased.
///
/// Both parts are lower-cased. The domain is case-insensitive (RFC 5321 §2.4, RFC 4343).
/// The local part may in theory be case-sensitive (RFC 5321 §2.4), but no mainstream
/// provider treats it so, the same person commits as `Alice@` on one machine and
/// `alice@` on another, and accounts here already store lower-cased addresses
/// ([`crate::domain::Email`]), so matching a commit to an account needs the same rule.
/// Unicode lower-casing is Rust's `str::to_lowercase`, as in `Email`; no other Unicode
/// normalisation (NFC) is applied.
///
/// The address itself is kept only to match accounts: `Debug` redacts it, there is no
/// `Display` or `Serialize`, and what is stored or shown is [`Self::key`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NormalizedEmail(String);

impl NormalizedEmail {
    /// Trims and lower-cases `raw`. `None` unless it looks like an address at all: one
    /// non-empty local part and non-empty domain around the last `@`, no whitespace,
    /// control characters, `<` or `>` inside. (Git allows any bytes in an author email;
    /// `(none)`, `root@localhost`'s cousins without `@`, and empty ones key nobody.)
    pub fn parse(raw: &str) -> Option<NormalizedEmail> {
        let trimmed = raw.trim();
        let (local, domain) = trimmed.rsplit_once('@')?;
        if local.is_empty()
            || domain.is_empty()
            || trimmed
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        {
            return None;
        }
        Some(NormalizedEmail(trimmed.to_lowercase()))
    }

    /// The normalised address, for comparing with accounts' (already lower-cased) ones.
    /// Do not log or display it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stable, privacy-keeping key of this address (see [`EmailKey`]).
    pub fn key(&self) -> EmailKey {
        EmailKey::of(self)
    }

    /// The GitHub account this address names, if it is a noreply address.
    pub fn noreply(&self) -> Option<Noreply> {
        parse_noreply(&self.0)
    }
}

impl fmt::Debug for NormalizedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NormalizedEmail({})", self.key())
    }
}

/// The stable key of a [`NormalizedEmail`]: 64 lowercase hex digits of
/// SHA-256([`EmailKey::DOMAIN`] ‖ address). The domain-separation prefix makes it unlike
/// any plain hash of an address (Gravatar-style lookups of `sha256(email)` do not match
/// it, and it is never mistaken for one); it is still a hash of a guessable input, so it
/// identifies, it does not hide from someone who already has a list of addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct EmailKey(String);

impl EmailKey {
    /// The domain-separation prefix hashed before the address. Changing it changes every
    /// key: it is versioned so that a future scheme can live beside this one.
    pub const DOMAIN: &'static [u8] = b"openfund:person-email:v1\0";

    fn of(email: &NormalizedEmail) -> EmailKey {
        let mut hasher = Sha256::new();
        hasher.update(Self::DOMAIN);
        hasher.update(email.0.as_bytes());
        EmailKey(hex::encode(hasher.finalize()))
    }

    /// Accepts a stored key: exactly 64 lowercase hex digits.
    pub fn parse(stored: &str) -> Option<EmailKey> {
        (stored.len() == 64
            && stored
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| EmailKey(stored.to_owned()))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The trailer token GitHub reads co-authors from (compared ignoring ASCII case).
///
/// Source: GitHub Docs, "Creating a commit with multiple authors"
/// (<https://docs.github.com/en/pull-requests/committing-changes-to-your-project/creating-and-editing-commits/creating-a-commit-with-multiple-authors>):
/// `Co-authored-by: name <name@example.com>` lines at the end of the message, after a
/// blank line.
pub const CO_AUTHORED_BY: &str = "Co-authored-by";

/// The commit's own author, so that naming oneself as co-author earns nothing twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitAuthor<'a> {
    /// The author email as in the commit (raw; normalised here).
    pub email: Option<&'a str>,
    /// The GitHub account GitHub linked the commit to (`author.id` in the REST API's
    /// commit object), if any.
    pub github_user_id: Option<GithubUserId>,
}

/// A co-author credited by a commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoAuthor {
    /// The name before `<`, trimmed, each run of whitespace made one space; may be empty.
    pub name: String,
    /// The address between `<` and `>`, normalised.
    pub email: NormalizedEmail,
    /// The GitHub account, when the address is an `ID+login@users.noreply.github.com` one.
    pub github_user_id: Option<GithubUserId>,
}

/// The co-authors a commit message credits, in order of first appearance.
///
/// Trailers are found exactly as git finds them ([`trailers::parse`]: only the last
/// paragraph, all of it trailers or git's 25% rule; never a line quoted in the body);
/// those whose token is `Co-authored-by` (any ASCII case) and whose value is
/// `Name <email>` count. A value without a well-formed `<email>` (nothing after the `>`,
/// one `<` and one `>`, an address [`NormalizedEmail::parse`] accepts) is skipped.
/// A co-author is dropped when it is the commit's author (same normalised address, or
/// same GitHub id from a noreply address, the author's own address included) or repeats
/// an earlier co-author (same normalised address or same GitHub id).
pub fn co_authors(message: &str, author: CommitAuthor<'_>) -> Vec<CoAuthor> {
    let author_email = author.email.and_then(NormalizedEmail::parse);
    let author_id = author.github_user_id.or_else(|| {
        author_email
            .as_ref()
            .and_then(NormalizedEmail::noreply)
            .and_then(|n| n.user_id)
    });
    let mut seen_emails: HashSet<NormalizedEmail> = author_email.into_iter().collect();
    let mut seen_ids: HashSet<GithubUserId> = author_id.into_iter().collect();

    let mut out = Vec::new();
    for trailer in trailers::parse(message) {
        if !trailer.is(CO_AUTHORED_BY) {
            continue;
        }
        let Some((name, email)) = parse_name_email(&trailer.value) else {
            continue;
        };
        let github_user_id = email.noreply().and_then(|n| n.user_id);
        if seen_emails.contains(&email) || github_user_id.is_some_and(|id| seen_ids.contains(&id)) {
            continue;
        }
        seen_emails.insert(email.clone());
        seen_ids.extend(github_user_id);
        out.push(CoAuthor {
            name,
            email,
            github_user_id,
        });
    }
    out
}

/// `Name <email>` → (trimmed name, normalised email). One `<`, one `>` after it, only
/// whitespace after the `>`.
fn parse_name_email(value: &str) -> Option<(String, NormalizedEmail)> {
    let (name, rest) = value.split_once('<')?;
    let (email, after) = rest.split_once('>')?;
    if !after.trim().is_empty() || name.contains('>') {
        return None;
    }
    let email = NormalizedEmail::parse(email)?;
    // git unfolds only `\n`, so a folded CRLF value keeps its `\r`: collapse all runs of
    // whitespace in the name to one space.
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    Some((name, email))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: i64) -> GithubUserId {
        GithubUserId::new(n).unwrap()
    }

    #[test]
    fn noreply_with_id() {
        assert_eq!(
            parse_noreply("12345+alice@users.noreply.github.com"),
            Some(Noreply {
                user_id: Some(id(12345)),
                login: "alice".into()
            })
        );
        assert_eq!(
            parse_noreply(" 12345+Alice@Users.NoReply.GitHub.com\n"),
            Some(Noreply {
                user_id: Some(id(12345)),
                login: "Alice".into()
            })
        );
        let bot = parse_noreply("49699333+dependabot[bot]@users.noreply.github.com").unwrap();
        assert_eq!(bot.user_id, Some(id(49699333)));
        assert!(bot.is_bot());
        assert_eq!(
            parse_noreply("9223372036854775807+max@users.noreply.github.com")
                .and_then(|n| n.user_id),
            Some(id(i64::MAX))
        );
    }

    #[test]
    fn noreply_legacy_without_id() {
        assert_eq!(
            parse_noreply("alice@users.noreply.github.com"),
            Some(Noreply {
                user_id: None,
                login: "alice".into()
            })
        );
        // Legacy logins may break today's hyphen rules.
        assert!(parse_noreply("alice-@users.noreply.github.com").is_some());
    }

    #[test]
    fn noreply_junk_is_refused() {
        for bad in [
            "+alice@users.noreply.github.com",
            "12345+@users.noreply.github.com",
            "@users.noreply.github.com",
            "12a45+alice@users.noreply.github.com",
            "-12345+alice@users.noreply.github.com",
            "+12345+alice@users.noreply.github.com",
            "012345+alice@users.noreply.github.com",
            "0+alice@users.noreply.github.com",
            "9223372036854775808+alice@users.noreply.github.com",
            "99999999999999999999999+alice@users.noreply.github.com",
            "１２３+alice@users.noreply.github.com",
            "12345+al+ice@users.noreply.github.com",
            "12345+al.ice@users.noreply.github.com",
            "12345+al_ice@users.noreply.github.com",
            "12345+[bot]@users.noreply.github.com",
            "12345+alice[BOT]x@users.noreply.github.com",
            "alice@users.noreply.github.com.evil.org",
            "alice@evil-users.noreply.github.com",
            "alice@noreply.github.com",
            "alice@example.org",
            "alice",
            "",
        ] {
            assert_eq!(parse_noreply(bad), None, "{bad}");
        }
        let long = format!("1+{}@users.noreply.github.com", "a".repeat(40));
        assert_eq!(parse_noreply(&long), None);
        let longest = format!("1+{}@users.noreply.github.com", "a".repeat(39));
        assert!(parse_noreply(&longest).is_some());
    }

    #[test]
    fn bots() {
        assert!(is_bot(Some("Bot"), "copilot"));
        assert!(is_bot(Some("bot"), "Copilot"));
        assert!(is_bot(Some("User"), "dependabot[bot]"));
        assert!(is_bot(None, "github-actions[bot]"));
        assert!(is_bot(None, "Renovate[BOT]"));
        for person in [
            "botanist",
            "robotics-lab",
            "bot",
            "bot-",
            "abot",
            "[bot]x",
            "",
        ] {
            assert!(!is_bot(Some("User"), person), "{person}");
            assert!(!is_bot(None, person), "{person}");
        }
        assert!(!is_bot(Some("Organization"), "bots"));
        // Multi-byte characters before the suffix position must not panic.
        assert!(!is_bot_login("ééé"));
    }

    #[test]
    fn email_normalisation_and_key() {
        let a = NormalizedEmail::parse("  Alice@Example.ORG\t").unwrap();
        let b = NormalizedEmail::parse("alice@example.org").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "alice@example.org");
        assert_eq!(a.key(), b.key());
        assert_eq!(a.key().as_str().len(), 64);
        // Domain-separated: not the plain SHA-256 of the address.
        let plain = hex::encode(Sha256::digest(b"alice@example.org"));
        assert_ne!(a.key().as_str(), plain);
        // Pinned, so a change to the scheme cannot slip through unnoticed.
        let mut h = Sha256::new();
        h.update(b"openfund:person-email:v1\0alice@example.org");
        assert_eq!(a.key().as_str(), hex::encode(h.finalize()));
        assert_ne!(
            a.key(),
            NormalizedEmail::parse("bob@example.org").unwrap().key()
        );
        // Never shown by Debug.
        assert!(!format!("{a:?}").contains("alice"));
        assert_eq!(EmailKey::parse(a.key().as_str()), Some(a.key()));
        assert_eq!(EmailKey::parse(&a.key().as_str().to_uppercase()), None);
        assert_eq!(EmailKey::parse("abc"), None);
    }

    #[test]
    fn email_junk_keys_nobody() {
        for bad in [
            "",
            "   ",
            "(none)",
            "alice",
            "@example.org",
            "alice@",
            "al ice@example.org",
            "<alice@example.org>",
            "alice@exa\u{0}mple.org",
        ] {
            assert_eq!(NormalizedEmail::parse(bad), None, "{bad:?}");
        }
        assert!(NormalizedEmail::parse("root@localhost").is_some());
    }

    const AUTHOR: CommitAuthor<'static> = CommitAuthor {
        email: Some("Author@Example.org"),
        github_user_id: Some(GithubUserId(7)),
    };

    fn emails(list: &[CoAuthor]) -> Vec<&str> {
        list.iter().map(|c| c.email.as_str()).collect()
    }

    #[test]
    fn co_authors_from_the_trailer_block() {
        let msg = "Fix the parser\n\nLonger text.\n\n\
                   Co-authored-by: Bob Smith <Bob@Example.org>\n\
                   co-authored-BY: Carol <12345+carol@users.noreply.github.com>\n\
                   Signed-off-by: Author <author@example.org>\n";
        let got = co_authors(msg, AUTHOR);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].name, "Bob Smith");
        assert_eq!(got[0].email.as_str(), "bob@example.org");
        assert_eq!(got[0].github_user_id, None);
        assert_eq!(got[1].name, "Carol");
        assert_eq!(got[1].github_user_id, Some(id(12345)));
    }

    #[test]
    fn quoted_or_earlier_lines_earn_nothing() {
        let msg = "Subject\n\nCo-authored-by: Eve <eve@example.org>\n\nprose\n";
        assert!(co_authors(msg, AUTHOR).is_empty());
        let msg = "Subject\n\n> Co-authored-by: Eve <eve@example.org>\n";
        assert!(co_authors(msg, AUTHOR).is_empty());
        let msg = "Subject\n\nCo-authored-by: Bob <bob@x.org>\n> Co-authored-by: Eve <eve@x.org>\n";
        assert!(co_authors(msg, AUTHOR).is_empty());
        let msg = "Co-authored-by: Eve <eve@example.org>\n";
        assert!(co_authors(msg, AUTHOR).is_empty(), "the subject line");
    }

    #[test]
    fn duplicates_and_the_author_count_once_or_not_at_all() {
        let msg = "Subject\n\n\
                   Co-authored-by: Bob <bob@x.org>\n\
                   Co-authored-by: Bobby <BOB@X.ORG>\n\
                   Co-authored-by: Me <author@example.org>\n\
                   Co-authored-by: Me again <7+author@users.noreply.github.com>\n\
                   Co-authored-by: Carol <9+carol@users.noreply.github.com>\n\
                   Co-authored-by: Carol renamed <9+carol2@users.noreply.github.com>\n";
        let got = co_authors(msg, AUTHOR);
        assert_eq!(
            emails(&got),
            vec!["bob@x.org", "9+carol@users.noreply.github.com"]
        );
        assert_eq!(got[0].name, "Bob");
    }

    #[test]
    fn the_authors_noreply_id_excludes_them_without_an_account_link() {
        let author = CommitAuthor {
            email: Some("7+author@users.noreply.github.com"),
            github_user_id: None,
        };
        let msg = "Subject\n\nCo-authored-by: Me <7+renamed@users.noreply.github.com>\n";
        assert!(co_authors(msg, author).is_empty());
        assert_eq!(co_authors(msg, CommitAuthor::default()).len(), 1);
    }

    #[test]
    fn malformed_values_are_skipped() {
        let msg = "Subject\n\n\
                   Co-authored-by: Just A Name\n\
                   Co-authored-by: bare@x.org\n\
                   Co-authored-by: Name <>\n\
                   Co-authored-by: Name <no-at>\n\
                   Co-authored-by: Name <a@x.org> trailing\n\
                   Co-authored-by: Name <a@x.org\n\
                   Co-authored-by: Na>me <a@x.org>\n\
                   Co-authored-by: Name <a b@x.org>\n\
                   Co-authored-by: Good <good@x.org>\n\
                   Co-authored-by:<nameless@x.org>\n\
                   Coauthored-by: Typo <typo@x.org>\n\
                   Co-author: Other <other@x.org>\n";
        let got = co_authors(msg, AUTHOR);
        assert_eq!(emails(&got), vec!["good@x.org", "nameless@x.org"]);
        assert_eq!(got[1].name, "");
    }

    #[test]
    fn crlf_trailing_space_and_folding() {
        let msg = "Subject\r\n\r\nCo-authored-by: Bob\r\n  Smith <bob@x.org>   \r\nCo-authored-by: Carol <carol@x.org>\t\r\n";
        let got = co_authors(msg, AUTHOR);
        assert_eq!(emails(&got), vec!["bob@x.org", "carol@x.org"]);
        assert_eq!(got[0].name, "Bob Smith");
    }

    fn co_author_line() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["Co-authored-by", "co-authored-by", "CO-AUTHORED-BY"]),
            prop::sample::select(vec!["Bob", "Carol", "Me"]),
            prop::sample::select(vec![
                "bob@x.org",
                "BOB@x.org",
                "carol@x.org",
                "author@example.org",
                "7+me@users.noreply.github.com",
                "9+carol@users.noreply.github.com",
                "9+carol-new@users.noreply.github.com",
                "broken",
            ]),
        )
            .prop_map(|(token, name, email)| format!("{token}: {name} <{email}>"))
    }

    fn paragraph() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(
            prop_oneof![
                co_author_line(),
                Just("Signed-off-by: S <s@x.org>".to_owned()),
                Just("Some prose.".to_owned()),
                Just("  folded".to_owned()),
                Just("# comment".to_owned()),
            ],
            1..6,
        )
        // A paragraph of only comment lines is invisible to git (it is skipped over), so
        // "the last paragraph" would be the one before it.
        .prop_filter("a paragraph git can see", |p| {
            p.iter().any(|l| !l.starts_with('#'))
        })
    }

    fn message() -> impl Strategy<Value = Vec<Vec<String>>> {
        proptest::collection::vec(paragraph(), 1..5)
    }

    fn render(paragraphs: &[Vec<String>], crlf: bool) -> String {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut out = String::from("Subject");
        for p in paragraphs {
            out.push_str(nl);
            out.push_str(nl);
            out.push_str(&p.join(nl));
        }
        out.push_str(nl);
        out
    }

    proptest! {
        #[test]
        fn quoted_trailers_outside_the_last_paragraph_change_nothing(
            paragraphs in message(),
            quoted in co_author_line(),
            at in any::<prop::sample::Index>(),
            line_at in any::<prop::sample::Index>(),
            as_block_quote in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let before = co_authors(&render(&paragraphs, crlf), AUTHOR);
            let mut changed = paragraphs.clone();
            let quoted = if as_block_quote { format!("> {quoted}") } else { quoted };
            let earlier = changed.len() - 1;
            if earlier > 0 {
                let p = at.index(earlier);
                let i = line_at.index(changed[p].len() + 1);
                changed[p].insert(i, quoted);
            } else {
                changed.insert(0, vec![quoted]);
            }
            let after = co_authors(&render(&changed, crlf), AUTHOR);
            prop_assert_eq!(before, after);
        }

        #[test]
        fn never_duplicates_nor_the_author(paragraphs in message(), crlf in any::<bool>()) {
            let got = co_authors(&render(&paragraphs, crlf), AUTHOR);
            let mut emails = HashSet::new();
            let mut ids = HashSet::new();
            for c in &got {
                prop_assert!(emails.insert(c.email.clone()));
                if let Some(id) = c.github_user_id {
                    prop_assert!(ids.insert(id));
                    prop_assert_ne!(id, GithubUserId(7));
                }
                prop_assert_ne!(c.email.as_str(), "author@example.org");
            }
        }

        #[test]
        fn arbitrary_messages_never_panic(msg in "(?s).{0,300}") {
            let _ = co_authors(&msg, AUTHOR);
        }

        #[test]
        fn arbitrary_addresses_never_panic(email in "(?s).{0,80}") {
            let _ = parse_noreply(&email);
            if let Some(e) = NormalizedEmail::parse(&email) {
                prop_assert_eq!(e.as_str(), e.as_str().trim());
                prop_assert_eq!(NormalizedEmail::parse(e.as_str()), Some(e.clone()));
            }
        }
    }
}
