//! Exports of a project's public ledger: the CSV rows and the Beancount journal. Pure
//! text rules; the service layer reads the transactions (already masked: a sponsor's
//! account is `Income:Sponsors`) and feeds them here in ascending id order.
//!
//! Amounts are exact decimals written from integer units, never through floats: money
//! in the currency's major unit with exactly its ISO 4217 number of decimals (JPY `1500`,
//! USD `15.00`, KWD `1.500`), compute in whole GPU-minutes (an hour is 60 minutes, and a
//! minute is not a finite decimal fraction of an hour, so minutes are the exact unit).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};

use super::decimal::format_scaled;
use super::ledger::{Commodity, TransactionKind};

/// Which of a project's transactions a ledger view lists (the JSON ledger and both
/// exports take the same filters): of one kind, moving one commodity (a transaction
/// with at least one entry in it; the commodity in its stored form, `USD` or
/// `GPU:H100-80GB`, which may name one the ledger never saw and then selects nothing),
/// and occurring in `[from, until)` (UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFilter {
    pub kind: Option<TransactionKind>,
    pub commodity: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// One entry of an exported transaction: the account as the public sees it, the
/// commodity and the signed integer amount (minor units or GPU-minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportEntry {
    pub account: String,
    pub commodity: Commodity,
    pub amount: i64,
}

/// One exported transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTransaction {
    pub id: i64,
    pub kind: TransactionKind,
    pub description: String,
    pub occurred_at: NaiveDateTime,
    pub reverses_id: Option<i64>,
    pub expense_id: Option<i64>,
    pub entries: Vec<ExportEntry>,
}

/// `amount` units of `commodity` as an exact decimal: money in major units with the
/// currency's ISO 4217 decimals, compute in GPU-minutes (an integer).
pub fn decimal_amount(commodity: &Commodity, amount: i64) -> String {
    match commodity {
        Commodity::Money(currency) => format_scaled(amount, u32::from(currency.minor_digits())),
        Commodity::Compute(_) => amount.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// The CSV export's columns, one row per entry:
///
/// | column | content |
/// |---|---|
/// | `transaction_id` | the transaction's id (rows of one transaction share it) |
/// | `occurred_at` | RFC 3339, UTC, e.g. `2026-03-02T09:15:00Z` |
/// | `kind` | `pledge`, `receipt`, `gift`, `delivery`, `expiry`, `expense`, `payout`, `reversal` |
/// | `description` | as in the JSON ledger (text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so spreadsheets never run it as a formula) |
/// | `reverses_id` | the transaction this one reverses, or empty |
/// | `expense_id` | the expense it records, or empty |
/// | `account` | the account's path; a sponsor's account is `Income:Sponsors` |
/// | `commodity` | `USD`, or `GPU:` and an accelerator class |
/// | `amount` | exact decimal: money in major units with the currency's decimals (`-15.00`), compute in GPU-minutes |
/// | `amount_minor` | the signed integer as stored: minor units (cents, yen, fils) or GPU-minutes |
pub const CSV_HEADER: [&str; 10] = [
    "transaction_id",
    "occurred_at",
    "kind",
    "description",
    "reverses_id",
    "expense_id",
    "account",
    "commodity",
    "amount",
    "amount_minor",
];

/// The CSV rows of one transaction, one per entry (only the entries of `only`, when
/// given), as fields in [`CSV_HEADER`] order.
pub fn csv_rows(t: &ExportTransaction, only: Option<&str>) -> Vec<[String; 10]> {
    let occurred_at = t
        .occurred_at
        .and_utc()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    t.entries
        .iter()
        .filter(|e| only.is_none_or(|c| c == e.commodity.to_string()))
        .map(|e| {
            [
                t.id.to_string(),
                occurred_at.clone(),
                t.kind.as_str().to_owned(),
                spreadsheet_safe(&t.description),
                opt(t.reverses_id),
                opt(t.expense_id),
                e.account.clone(),
                e.commodity.to_string(),
                decimal_amount(&e.commodity, e.amount),
                e.amount.to_string(),
            ]
        })
        .collect()
}

/// Text a spreadsheet would run as a formula (OWASP "CSV injection") gets a leading `'`.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

// ---------------------------------------------------------------------------------------
// Beancount
// ---------------------------------------------------------------------------------------

/// A Beancount string literal: `"` and `\` escaped with `\`; line breaks and other
/// control characters (which no stored description has) become spaces, so a literal
/// never spans lines.
pub fn beancount_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Builds a Beancount journal from transactions fed in ascending id order.
///
/// The journal: `option "title"` and `option "operating_currency"` (the project's
/// currency), then a `commodity` directive per commodity used (dated on its first use,
/// named by [`Commodity::beancount_name`], with a `name` saying what one unit is), an
/// `open` directive per account used (dated on its first use, so never after it), and
/// one `*` transaction per ledger transaction: narration = description, link
/// `^openfund-tx-<id>` (a reversal also carries its original's link, so the pair can be
/// found together), metadata `openfund-id`, `openfund-kind` and `openfund-reverses`,
/// and one posting per entry with the exact decimal amount of [`decimal_amount`].
/// Dates are UTC.
#[derive(Debug, Default)]
pub struct Journal {
    body: String,
    accounts: BTreeMap<String, NaiveDate>,
    commodities: BTreeMap<Commodity, NaiveDate>,
}

impl Journal {
    pub fn new() -> Self {
        Journal::default()
    }

    /// Appends one transaction.
    pub fn push(&mut self, t: &ExportTransaction) {
        let date = t.occurred_at.date();
        let _ = write!(
            self.body,
            "\n{date} * {} ^openfund-tx-{}",
            beancount_string(&t.description),
            t.id
        );
        if let Some(original) = t.reverses_id {
            let _ = write!(self.body, " ^openfund-tx-{original}");
        }
        let _ = write!(
            self.body,
            "\n  openfund-id: {}\n  openfund-kind: \"{}\"\n",
            t.id,
            t.kind.as_str()
        );
        if let Some(original) = t.reverses_id {
            let _ = writeln!(self.body, "  openfund-reverses: {original}");
        }
        for e in &t.entries {
            let _ = writeln!(
                self.body,
                "  {}  {} {}",
                e.account,
                decimal_amount(&e.commodity, e.amount),
                e.commodity.beancount_name()
            );
            first_use(&mut self.accounts, e.account.clone(), date);
            first_use(&mut self.commodities, e.commodity.clone(), date);
        }
    }

    /// The whole journal: options, commodities, opens, then the transactions.
    pub fn finish(self, title: &str, operating_currency: &str) -> String {
        let mut out = String::with_capacity(self.body.len() + 1024);
        let _ = writeln!(out, "; The public ledger of {title}, exported by OpenFund.");
        let _ = writeln!(
            out,
            "; Money in major units with the currency's decimals; compute in GPU-minutes."
        );
        let _ = writeln!(out, "option \"title\" {}", beancount_string(title));
        let _ = writeln!(
            out,
            "option \"operating_currency\" {}",
            beancount_string(operating_currency)
        );
        out.push('\n');
        for (commodity, date) in &self.commodities {
            let what = match commodity {
                Commodity::Money(currency) => currency.name().to_owned(),
                Commodity::Compute(class) => format!("GPU-minutes of {class}"),
            };
            let _ = writeln!(
                out,
                "{date} commodity {}\n  name: {}",
                commodity.beancount_name(),
                beancount_string(&what)
            );
        }
        for (account, date) in &self.accounts {
            let _ = writeln!(out, "{date} open {account}");
        }
        out.push_str(&self.body);
        out
    }
}

fn first_use<K: Ord>(map: &mut BTreeMap<K, NaiveDate>, key: K, date: NaiveDate) {
    map.entry(key)
        .and_modify(|d| *d = (*d).min(date))
        .or_insert(date);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::compute::AcceleratorClass;
    use crate::domain::money::Currency;

    fn money(code: &str) -> Commodity {
        Commodity::Money(Currency::parse("c", code).unwrap())
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn gift(id: i64, commodity: Commodity, amount: i64) -> ExportTransaction {
        ExportTransaction {
            id,
            kind: TransactionKind::Gift,
            description: "Gift \"x\" \\ y".into(),
            occurred_at: at("2026-03-02 09:15:00"),
            reverses_id: None,
            expense_id: None,
            entries: vec![
                ExportEntry {
                    account: "Assets:Projects:P1:Held".into(),
                    commodity: commodity.clone(),
                    amount,
                },
                ExportEntry {
                    account: "Income:Sponsors".into(),
                    commodity,
                    amount: -amount,
                },
            ],
        }
    }

    #[test]
    fn amounts_are_exact_per_currency_and_compute_is_in_minutes() {
        assert_eq!(decimal_amount(&money("JPY"), 1500), "1500");
        assert_eq!(decimal_amount(&money("USD"), -150001), "-1500.01");
        assert_eq!(decimal_amount(&money("KWD"), 1500), "1.500");
        let h100 = Commodity::Compute(AcceleratorClass::parse("a", "H100-80GB").unwrap());
        assert_eq!(decimal_amount(&h100, 61), "61");
    }

    #[test]
    fn strings_are_escaped_and_single_line() {
        assert_eq!(beancount_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(beancount_string("a\nb\tc"), "\"a b c\"");
    }

    #[test]
    fn csv_rows_carry_exact_amounts_and_defuse_formulas() {
        let mut t = gift(7, money("KWD"), 1500);
        t.description = "=HYPERLINK(\"x\")".into();
        let rows = csv_rows(&t, None);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][1], "2026-03-02T09:15:00Z");
        assert_eq!(rows[0][3], "'=HYPERLINK(\"x\")");
        assert_eq!(rows[1][8], "-1.500");
        assert_eq!(rows[1][9], "-1500");
        assert!(csv_rows(&t, Some("USD")).is_empty());
        assert_eq!(csv_rows(&t, Some("KWD")).len(), 2);
    }

    #[test]
    fn journal_opens_accounts_and_commodities_at_first_use() {
        let mut j = Journal::new();
        j.push(&gift(1, money("USD"), 1500));
        let mut undo = gift(2, money("USD"), -1500);
        undo.kind = TransactionKind::Reversal;
        undo.reverses_id = Some(1);
        undo.occurred_at = at("2026-04-01 00:00:00");
        j.push(&undo);
        let text = j.finish("Tiny \"LM\"", "USD");
        assert!(text.contains("option \"title\" \"Tiny \\\"LM\\\"\""));
        assert!(text.contains("2026-03-02 open Assets:Projects:P1:Held"));
        assert!(text.contains("2026-03-02 commodity USD"));
        assert!(
            text.contains("2026-04-01 * \"Gift \\\"x\\\" \\\\ y\" ^openfund-tx-2 ^openfund-tx-1")
        );
        assert!(text.contains("  Income:Sponsors  15.00 USD"));
        assert!(text.contains("  openfund-reverses: 1"));
    }
}
