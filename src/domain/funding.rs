//! The project's funding manifest in the FLOSS/fund `funding.json` v1.0.0 format
//! (<https://fundingjson.org>, schema vendored at `docs/funding-json/v1.0.0.schema.json`),
//! and the field rules of its reference validator (`floss-fund/go-funding-json`,
//! `schemas/v1/schema.go` and `common/validations.go`): ids of 3–32 characters of
//! `a-z0-9-` starting and ending with a letter or digit and without `--`; tags of 2–32
//! characters starting and ending with a letter; 1–30 plans; amounts from 0 to 10^9;
//! history years 1970–2075.
//!
//! Amounts are JSON numbers in the currency's major unit. They are written from integer
//! minor units as exact decimal text ([`DecimalNumber`]), never through a float:
//! [`to_json`] serialises with a formatter that writes a [`DecimalNumber`] as its digits.

use std::collections::BTreeMap;
use std::io;

use serde::{Serialize, Serializer};

use super::decimal::format_scaled;
use super::money::Currency;

/// The format version this server writes.
pub const VERSION: &str = "v1.0.0";
/// The largest amount the reference validator accepts, in major units.
pub const MAX_AMOUNT_MAJOR: i64 = 1_000_000_000;
/// At most this many plans (the validator's limit).
pub const MAX_PLANS: usize = 30;
/// At most this many history years (the validator's limit).
pub const MAX_HISTORY: usize = 50;

/// An amount in the currency's major unit, written as an exact decimal JSON number with
/// the currency's decimals (`1500.25` USD, `1500` JPY, `1.500` KWD).
// Serialise it only through `to_json`: a plain `serde_json` serialiser would write it
// as an array of bytes.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
#[schema(value_type = f64)]
pub struct DecimalNumber(String);

impl DecimalNumber {
    /// `minor` units of `currency` in its major unit, with its ISO 4217 decimals.
    pub fn money(minor: i64, currency: Currency) -> Self {
        DecimalNumber(format_scaled(minor, u32::from(currency.minor_digits())))
    }

    pub fn integer(n: i64) -> Self {
        DecimalNumber(n.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for DecimalNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Picked up by `ExactNumbers::write_byte_array`; nothing else in a manifest is
        // serialised as bytes.
        serializer.serialize_bytes(self.0.as_bytes())
    }
}

/// Writes JSON like `serde_json`'s compact formatter, except that byte arrays (only
/// [`DecimalNumber`]s) are written as the number they spell.
struct ExactNumbers;

impl serde_json::ser::Formatter for ExactNumbers {
    fn write_byte_array<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> io::Result<()> {
        let is_decimal = !value.is_empty()
            && value
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b'.' || *b == b'-');
        if !is_decimal {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "not a decimal number",
            ));
        }
        writer.write_all(value)
    }
}

/// The manifest as JSON text, amounts exact.
pub fn to_json(manifest: &Manifest) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(2048);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ExactNumbers);
    manifest.serialize(&mut ser)?;
    // The serialiser writes UTF-8 only.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// `funding.json` v1.0.0.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FundingManifest)]
pub struct Manifest {
    pub version: &'static str,
    pub entity: Entity,
    pub projects: Vec<ManifestProject>,
    pub funding: Funding,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = FundingEntity)]
pub struct Entity {
    /// `individual`, `group`, `organisation` or `other`.
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// `owner`, `steward`, `maintainer`, `contributor` or `other`.
    pub role: &'static str,
    pub name: String,
    pub email: String,
    pub description: String,
    pub webpage_url: WebUrl,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FundingUrl)]
pub struct WebUrl {
    pub url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = FundingProject)]
pub struct ManifestProject {
    pub guid: String,
    pub name: String,
    pub description: String,
    pub webpage_url: WebUrl,
    pub repository_url: WebUrl,
    pub licenses: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FundingDetails)]
pub struct Funding {
    pub channels: Vec<Channel>,
    pub plans: Vec<Plan>,
    pub history: Vec<HistoryYear>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FundingChannel)]
pub struct Channel {
    pub guid: String,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub address: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FundingPlan)]
pub struct Plan {
    pub guid: String,
    /// `active` or `inactive`.
    pub status: &'static str,
    pub name: String,
    pub description: String,
    /// In major units; 0 means "any amount".
    pub amount: DecimalNumber,
    pub currency: String,
    /// `one-time`, `weekly`, `fortnightly`, `monthly`, `yearly` or `other`.
    pub frequency: &'static str,
    pub channels: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FundingHistoryYear)]
pub struct HistoryYear {
    pub year: i32,
    pub income: DecimalNumber,
    pub expenses: DecimalNumber,
    pub currency: String,
    pub description: String,
}

/// Whether `id` follows the validator's id rule: 3–32 of `a-z0-9-`, starting and ending
/// with a letter or digit, no `--`.
pub fn is_guid(id: &str) -> bool {
    (3..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// A guid from a slug (`^[a-z0-9]+(-[a-z0-9]+)*$`): cut to 32 characters without a
/// trailing `-`, and `-project` appended when shorter than 3.
pub fn guid_from_slug(slug: &str) -> String {
    let mut guid: String = slug.chars().take(32).collect();
    while guid.ends_with('-') {
        guid.pop();
    }
    if guid.len() < 3 {
        guid.push_str("-project");
    }
    guid
}

/// Whether `tag` follows the validator's tag rule (ASCII lower case, as the schema's
/// pattern also requires): 2–32 of `a-z0-9-`, starting and ending with a letter, no
/// `--`.
pub fn is_tag(tag: &str) -> bool {
    (2..=32).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && tag.starts_with(|c: char| c.is_ascii_lowercase())
        && tag.ends_with(|c: char| c.is_ascii_lowercase())
        && !tag.contains("--")
}

/// `text` cut to at most `max_bytes` bytes on a character boundary.
pub fn cut(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim_end().to_owned()
}

/// Income and expenses of one year, in minor units of the project's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearTotals {
    pub income: i64,
    pub expenses: i64,
}

/// One transaction's effect on the yearly history: the year it counts in and what it
/// adds to income and expenses (negative for a reversal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryItem {
    pub id: i64,
    pub reverses_id: Option<i64>,
    pub year: i32,
    pub income: i64,
    pub expenses: i64,
}

/// The yearly history: each transaction counts in the year of the transaction at the
/// root of its reversal chain (a reversal undoes its original in the original's year,
/// so a later reversal never makes a year negative), sums are checked (an overflow
/// saturates, which needs more money than exists), years whose income and expenses are
/// both zero are left out, and a year's net below zero (not reachable through the
/// API's postings) is shown as zero. Newest [`MAX_HISTORY`] years, newest first.
pub fn history(items: &[HistoryItem]) -> Vec<(i32, YearTotals)> {
    let by_id: BTreeMap<i64, &HistoryItem> = items.iter().map(|i| (i.id, i)).collect();
    let mut years: BTreeMap<i32, YearTotals> = BTreeMap::new();
    for item in items {
        let mut root = item;
        // Chains are short; the bound guards against a malformed cycle.
        for _ in 0..64 {
            match root.reverses_id.and_then(|r| by_id.get(&r)) {
                Some(original) => root = original,
                None => break,
            }
        }
        let year = years.entry(root.year).or_default();
        year.income = year.income.saturating_add(item.income);
        year.expenses = year.expenses.saturating_add(item.expenses);
    }
    years
        .into_iter()
        .rev()
        .map(|(y, t)| {
            (
                y,
                YearTotals {
                    income: t.income.max(0),
                    expenses: t.expenses.max(0),
                },
            )
        })
        .filter(|(_, t)| t.income != 0 || t.expenses != 0)
        .take(MAX_HISTORY)
        .collect()
}

/// Licences of an SPDX expression as the format lists them: `spdx:<id>` for each
/// licence of the SPDX list (`MIT OR Apache-2.0` → `spdx:MIT`, `spdx:Apache-2.0`; a
/// `+` or `-or-later` is kept in the id), `LicenseRef-…` as it is, at most five, no
/// duplicates. `None` if the expression does not parse.
pub fn licenses(expression: &str) -> Option<Vec<String>> {
    let parsed = spdx::Expression::parse_mode(expression, spdx::ParseMode::LAX).ok()?;
    let mut out: Vec<String> = Vec::new();
    for req in parsed.requirements() {
        let item = match &req.req.license {
            spdx::LicenseItem::Spdx { id, or_later } => {
                if *or_later && !id.name.ends_with("-or-later") {
                    format!("spdx:{}+", id.name)
                } else {
                    format!("spdx:{}", id.name)
                }
            }
            spdx::LicenseItem::Other(other) => format!("LicenseRef-{}", other.lic_ref),
        };
        if (2..=64).contains(&item.len()) && !out.contains(&item) && out.len() < 5 {
            out.push(item);
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_follow_the_validator() {
        assert_eq!(guid_from_slug("tinystories-lm"), "tinystories-lm");
        assert_eq!(guid_from_slug("ab"), "ab-project");
        let long = "a".repeat(31) + "-bcd";
        assert_eq!(guid_from_slug(&long), "a".repeat(31));
        for g in ["tinystories-lm", "ab-project", "goal-12", "one-time"] {
            assert!(is_guid(g), "{g}");
        }
        for g in ["ab", "-ab", "ab-", "a--b", "Ab1", &"a".repeat(33)] {
            assert!(!is_guid(g), "{g}");
        }
    }

    #[test]
    fn tags_start_and_end_with_letters() {
        assert!(is_tag("ai"));
        assert!(is_tag("machine-learning"));
        assert!(!is_tag("a"));
        assert!(!is_tag("3d"));
        assert!(!is_tag("model-"));
    }

    #[test]
    fn licences_come_from_spdx_expressions() {
        assert_eq!(
            licenses("MIT OR Apache-2.0").unwrap(),
            vec!["spdx:MIT", "spdx:Apache-2.0"]
        );
        assert_eq!(licenses("CC-BY-4.0").unwrap(), vec!["spdx:CC-BY-4.0"]);
        assert!(licenses("not a licence ((").is_none());
    }

    #[test]
    fn decimals_are_written_exactly() {
        let manifest_amount = DecimalNumber::money(150001, Currency::USD);
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, ExactNumbers);
        vec![manifest_amount, DecimalNumber::integer(0)]
            .serialize(&mut ser)
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[1500.01,0]");
        let kwd = Currency::parse("c", "KWD").unwrap();
        assert_eq!(DecimalNumber::money(1500, kwd).as_str(), "1.500");
    }

    #[test]
    fn history_counts_reversals_in_their_originals_year() {
        let items = [
            HistoryItem {
                id: 1,
                reverses_id: None,
                year: 2025,
                income: 1000,
                expenses: 0,
            },
            HistoryItem {
                id: 2,
                reverses_id: None,
                year: 2025,
                income: 0,
                expenses: 300,
            },
            HistoryItem {
                id: 3,
                reverses_id: Some(2),
                year: 2026,
                income: 0,
                expenses: -300,
            },
            HistoryItem {
                id: 4,
                reverses_id: None,
                year: 2026,
                income: 50,
                expenses: 0,
            },
        ];
        assert_eq!(
            history(&items),
            vec![
                (
                    2026,
                    YearTotals {
                        income: 50,
                        expenses: 0
                    }
                ),
                (
                    2025,
                    YearTotals {
                        income: 1000,
                        expenses: 0
                    }
                ),
            ]
        );
    }
}
