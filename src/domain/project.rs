//! What a project is made of, and the rules its fields follow.

use std::sync::LazyLock;

use regex::Regex;

use super::{Currency, Email, Slug, Violation};

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
/// The longest Markdown description, in characters (also a CHECK in the schema).
pub const DESCRIPTION_MAX: usize = 20_000;
/// The longest licence expression, in characters.
pub const LICENSE_MAX: usize = 200;
/// The longest public contact name, in characters.
pub const CONTACT_NAME_MAX: usize = 120;

// The rules below are written as regular expressions in a dialect that Rust's `regex`,
// ECMAScript and Python agree on (no `\s`, whose meaning differs), and the same strings
// appear in the OpenAPI document, so clients and fuzzers validate exactly as we do.

/// Any characters but C0/C1 controls, with at least one that is not white space.
pub const NAME_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff][^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Any characters but controls other than tab, line feed and carriage return.
pub const SUMMARY_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
/// http(s), a DNS host whose last label starts with a letter (never an IP-like
/// number), an optional port, and an optional path, query and fragment of the
/// characters RFC 3986 allows there (others percent-encoded, `%` always with two hex
/// digits).
pub const HOMEPAGE_PATTERN: &str = "^https?://([A-Za-z0-9-]+\\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$";

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
    /// Everything else, [`ProjectDetails::default`] unless the caller gave it.
    pub details: ProjectDetails,
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
                details: ProjectDetails::default(),
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

/// The text rule of descriptions and summaries: at most `max` characters as sent, no
/// control characters but tab, line feed and carriage return; trimmed.
fn parse_text(field: &str, raw: &str, max: usize) -> Result<String, Violation> {
    if raw.chars().count() > max {
        return Err(Violation::new(
            field,
            "length",
            format!("must be at most {max} characters long"),
        ));
    }
    if !SUMMARY_RE.is_match(raw) {
        return Err(Violation::new(
            field,
            "format",
            "must not contain control characters",
        ));
    }
    Ok(raw.trim_matches(is_space).to_owned())
}

/// A project's long description in Markdown (CommonMark; raw HTML is never rendered):
/// at most [`DESCRIPTION_MAX`] characters, line breaks allowed, no other controls.
pub fn parse_description(raw: &str) -> Result<String, Violation> {
    parse_text("description", raw, DESCRIPTION_MAX)
}

/// A licence as an SPDX license expression (`MIT`, `Apache-2.0 OR MIT`,
/// `GPL-3.0-or-later WITH Classpath-exception-2.0`, `LicenseRef-custom`), checked
/// against the SPDX License List by the `spdx` crate; at most [`LICENSE_MAX`]
/// characters; stored as given without surrounding spaces. Errors: `length`, `spdx`.
pub fn parse_license(raw: &str) -> Result<String, Violation> {
    if raw.chars().count() > LICENSE_MAX {
        return Err(Violation::new(
            "license",
            "length",
            format!("must be at most {LICENSE_MAX} characters long"),
        ));
    }
    let trimmed = raw.trim_matches(|c: char| c == ' ' || c == '\t');
    let valid = !trimmed.is_empty()
        && trimmed.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && spdx::Expression::parse(trimmed).is_ok();
    if !valid {
        return Err(Violation::new(
            "license",
            "spdx",
            "must be an SPDX license expression such as MIT or Apache-2.0 OR MIT",
        ));
    }
    Ok(trimmed.to_owned())
}

/// The lower-cased form of a name that search and `sort=name` use (Unicode lowering,
/// done here so that both backends compare the same bytes).
pub fn search_key(name: &str) -> String {
    name.to_lowercase()
}

/// How the public list of projects is ordered. Every order ends with the id, so it is
/// total and a cursor (the last row's key) names one place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// Newest first: `created_at` then `id`, descending.
    Newest,
    /// Most recently changed first: `updated_at` then `id`, descending.
    Updated,
    /// By name, A→Z: [`search_key`] of the name bytewise, then `id`, ascending.
    Name,
}

/// Where a page of the list ended: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAfter {
    Time(chrono::NaiveDateTime, i64),
    Name(String, i64),
}

/// Every project-list cursor matches this; a string that matches but was not handed
/// out by this server is a 400 `invalid_cursor`.
pub const LIST_CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]{1,1000}$";

impl ListAfter {
    /// The opaque cursor for `order` (base64url of the order's letter, the key and id).
    pub fn encode(&self, order: ListOrder) -> String {
        use base64::Engine;
        let text = match (order, self) {
            (ListOrder::Name, ListAfter::Name(name, id)) => format!("n|{id}|{name}"),
            (ListOrder::Updated, ListAfter::Time(t, id)) => {
                format!("u|{}|{id}", t.and_utc().timestamp_micros())
            }
            (_, ListAfter::Time(t, id)) => format!("c|{}|{id}", t.and_utc().timestamp_micros()),
            (_, ListAfter::Name(_, id)) => format!("c|0|{id}"),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads a cursor handed out for `order`; `None` for anything else (another
    /// order's cursor included).
    pub fn decode(cursor: &str, order: ListOrder) -> Option<ListAfter> {
        use base64::Engine;
        if cursor.len() > 1000 {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, '|');
        let (tag, a, b) = (parts.next()?, parts.next()?, parts.next()?);
        match (order, tag) {
            (ListOrder::Name, "n") => {
                let id = a.parse().ok()?;
                if b.contains('\0') || b.chars().count() > NAME_MAX * 3 {
                    return None;
                }
                Some(ListAfter::Name(b.to_owned(), id))
            }
            (ListOrder::Newest, "c") | (ListOrder::Updated, "u") => {
                let micros: i64 = a.parse().ok()?;
                // Within what every backend stores (years 1970–9999).
                if !(0..=253_402_300_799_999_999).contains(&micros) {
                    return None;
                }
                let t = chrono::DateTime::from_timestamp_micros(micros)?.naive_utc();
                Some(ListAfter::Time(t, b.parse().ok()?))
            }
            _ => None,
        }
    }
}

/// A project's settings beyond slug, name, summary, kind and homepage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDetails {
    /// Markdown, see [`parse_description`].
    pub description: String,
    /// An SPDX expression, see [`parse_license`].
    pub license: Option<String>,
    pub repository_url: Option<String>,
    pub model_card_url: Option<String>,
    /// Every money amount of the project (pledges, goals, expenses) is in it.
    pub currency: Currency,
    /// Show sponsors' public names without a maintainer's approval.
    pub auto_approve_sponsors: bool,
    /// The public contact of the funding manifest.
    pub contact_name: Option<String>,
    pub contact_email: Option<Email>,
}

impl Default for ProjectDetails {
    fn default() -> Self {
        ProjectDetails {
            description: String::new(),
            license: None,
            repository_url: None,
            model_card_url: None,
            currency: Currency::USD,
            auto_approve_sponsors: false,
            contact_name: None,
            contact_email: None,
        }
    }
}

/// A partial update of a project's settings (JSON merge patch, RFC 7396): `None` leaves
/// a field as it is; for optional fields `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub kind: Option<ProjectKind>,
    pub homepage: Option<Option<String>>,
    pub license: Option<Option<String>>,
    pub repository_url: Option<Option<String>>,
    pub model_card_url: Option<Option<String>>,
    pub currency: Option<Currency>,
    pub auto_approve_sponsors: Option<bool>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<Email>>,
    /// Whether bots' activity counts toward recognition (patches only).
    pub count_bots: Option<bool>,
}

/// A settings field as sent, before its rules are checked: absent, `null`, or a value.
pub type Sent<T> = Option<Option<T>>;

/// The settings fields of a create or patch request, as sent.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub name: Sent<String>,
    pub summary: Sent<String>,
    pub description: Sent<String>,
    pub kind: Sent<ProjectKind>,
    pub homepage: Sent<String>,
    pub license: Sent<String>,
    pub repository_url: Sent<String>,
    pub model_card_url: Sent<String>,
    pub currency: Sent<String>,
    pub auto_approve_sponsors: Sent<bool>,
    pub contact_name: Sent<String>,
    pub contact_email: Sent<String>,
    pub count_bots: Sent<bool>,
}

impl ProjectPatch {
    /// Checks every field present and reports all broken rules at once. `null` clears
    /// an optional field; for a required one (name, summary, description, kind,
    /// currency, auto_approve_sponsors, count_bots) it is a `required` violation.
    pub fn parse(input: &ProjectInput) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let mut required = |field: &str,
                            sent: &Sent<String>,
                            parse: &dyn Fn(&str) -> Result<String, Violation>|
         -> Option<String> {
            match sent {
                None => None,
                Some(None) => {
                    errors.push(Violation::new(field, "required", "must not be null"));
                    None
                }
                Some(Some(raw)) => parse(raw).map_err(|v| errors.push(v)).ok(),
            }
        };
        let name = required("name", &input.name, &|r| parse_label("name", r, NAME_MAX));
        let summary = required("summary", &input.summary, &|r| {
            parse_text("summary", r, SUMMARY_MAX)
        });
        let description = required("description", &input.description, &parse_description);
        let currency = required("currency", &input.currency, &|r| {
            Currency::parse("currency", r).map(|c| c.code().to_owned())
        });
        let mut patch = ProjectPatch {
            name,
            summary,
            description,
            currency: currency.and_then(|c| Currency::parse("currency", &c).ok()),
            ..ProjectPatch::default()
        };
        let mut optional = |sent: &Sent<String>,
                            parse: &dyn Fn(&str) -> Result<String, Violation>|
         -> Option<Option<String>> {
            match sent {
                None => None,
                Some(None) => Some(None),
                Some(Some(raw)) => parse(raw).map(Some).map_err(|v| errors.push(v)).ok(),
            }
        };
        patch.homepage = optional(&input.homepage, &|r| parse_web_link("homepage", r));
        patch.license = optional(&input.license, &parse_license);
        patch.repository_url = optional(&input.repository_url, &|r| {
            parse_web_link("repository_url", r)
        });
        patch.model_card_url = optional(&input.model_card_url, &|r| {
            parse_web_link("model_card_url", r)
        });
        patch.contact_name = optional(&input.contact_name, &|r| {
            parse_label("contact_name", r, CONTACT_NAME_MAX)
        });
        patch.contact_email = optional(&input.contact_email, &|r| {
            Email::parse("contact_email", r).map(|e| e.as_str().to_owned())
        })
        .map(|o| o.and_then(|e| Email::parse("contact_email", &e).ok()));
        match input.kind {
            Some(None) => errors.push(Violation::new("kind", "required", "must not be null")),
            Some(Some(k)) => patch.kind = Some(k),
            None => {}
        }
        match input.auto_approve_sponsors {
            Some(None) => errors.push(Violation::new(
                "auto_approve_sponsors",
                "required",
                "must not be null",
            )),
            Some(Some(b)) => patch.auto_approve_sponsors = Some(b),
            None => {}
        }
        match input.count_bots {
            Some(None) => errors.push(Violation::new("count_bots", "required", "must not be null")),
            Some(Some(b)) => patch.count_bots = Some(b),
            None => {}
        }
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(errors)
        }
    }

    /// The details of a new project: what the patch sets, defaults for the rest.
    pub fn into_details(self) -> ProjectDetails {
        let d = ProjectDetails::default();
        ProjectDetails {
            description: self.description.unwrap_or(d.description),
            license: self.license.flatten(),
            repository_url: self.repository_url.flatten(),
            model_card_url: self.model_card_url.flatten(),
            currency: self.currency.unwrap_or(d.currency),
            auto_approve_sponsors: self.auto_approve_sponsors.unwrap_or(false),
            contact_name: self.contact_name.flatten(),
            contact_email: self.contact_email.flatten(),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == ProjectPatch::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_are_spdx_expressions() {
        for ok in [
            "MIT",
            "Apache-2.0 OR MIT",
            " GPL-3.0-or-later WITH Classpath-exception-2.0 ",
            "LicenseRef-custom",
            "(MIT AND BSD-3-Clause) OR Apache-2.0",
        ] {
            assert!(parse_license(ok).is_ok(), "{ok}");
        }
        assert_eq!(parse_license(" MIT ").unwrap(), "MIT");
        for bad in [
            "",
            "  ",
            "Not A Licence",
            "MIT OR",
            "MIT\u{0}",
            "MIT\n",
            "mit-ish",
        ] {
            assert!(parse_license(bad).is_err(), "{bad:?}");
        }
        assert!(parse_license(&"MIT OR ".repeat(40)).is_err());
    }

    #[test]
    fn patches_keep_clear_and_set() {
        let input = ProjectInput {
            name: Some(Some(" New ".into())),
            homepage: Some(None),
            license: Some(Some("MIT".into())),
            currency: Some(Some("JPY".into())),
            contact_email: Some(Some("Ada@Example.org".into())),
            ..ProjectInput::default()
        };
        let p = ProjectPatch::parse(&input).unwrap();
        assert_eq!(p.name.as_deref(), Some("New"));
        assert_eq!(p.homepage, Some(None));
        assert_eq!(p.license, Some(Some("MIT".into())));
        assert_eq!(p.currency.map(|c| c.code()), Some("JPY"));
        assert_eq!(
            p.contact_email.unwrap().unwrap().as_str(),
            "ada@example.org"
        );
        assert_eq!(p.summary, None);
        assert!(
            ProjectPatch::parse(&ProjectInput::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn patches_report_every_broken_field() {
        let input = ProjectInput {
            name: Some(None),
            kind: Some(None),
            currency: Some(Some("XYZ".into())),
            repository_url: Some(Some("javascript:alert(1)".into())),
            description: Some(Some("d".repeat(DESCRIPTION_MAX + 1))),
            ..ProjectInput::default()
        };
        let errs = ProjectPatch::parse(&input).unwrap_err();
        let mut fields: Vec<_> = errs.iter().map(|v| v.field.as_str()).collect();
        fields.sort();
        assert_eq!(
            fields,
            ["currency", "description", "kind", "name", "repository_url"]
        );
    }

    #[test]
    fn the_default_currency_is_usd() {
        assert_eq!(ProjectDetails::default().currency.code(), "USD");
    }

    #[test]
    fn list_cursors_round_trip_for_their_order_only() {
        let pattern = regex::Regex::new(LIST_CURSOR_PATTERN).unwrap();
        let t = chrono::DateTime::from_timestamp_micros(1_764_460_800_123_456)
            .unwrap()
            .naive_utc();
        for (order, after) in [
            (ListOrder::Newest, ListAfter::Time(t, 7)),
            (ListOrder::Updated, ListAfter::Time(t, 8)),
            (ListOrder::Name, ListAfter::Name("bloom | ω".into(), 9)),
        ] {
            let c = after.encode(order);
            assert!(pattern.is_match(&c));
            assert_eq!(ListAfter::decode(&c, order), Some(after.clone()));
            let other = if order == ListOrder::Name {
                ListOrder::Newest
            } else {
                ListOrder::Name
            };
            assert_eq!(ListAfter::decode(&c, other), None);
        }
        for bad in ["", "abc", "!!", "bnw"] {
            assert_eq!(ListAfter::decode(bad, ListOrder::Newest), None);
        }
    }

    #[test]
    fn search_keys_lower_unicode() {
        assert_eq!(search_key("ÉCLAIR Model"), "éclair model");
    }

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
            // Not URIs (RFC 3986): a `%` without two hex digits, characters never allowed.
            "http://x.org/%r",
            "http://x.org/a b",
            "http://x.org/{x}",
            "http://x.org/a#b#c",
        ] {
            assert!(Homepage::parse(bad).is_err(), "{bad}");
        }
        for good in [
            "https://x.org/a%20b?q=1&r=(2)#top",
            "http://x.org:8080/~me/;p=1,2@x",
        ] {
            assert!(Homepage::parse(good).is_ok(), "{good}");
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
