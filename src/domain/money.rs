//! Money: an ISO 4217 currency and a positive whole number of its minor units. No
//! floating point anywhere: amounts are `i64` minor units and text is exact decimal.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{Violation, decimal};

/// The largest amount one [`Money`] may hold, in minor units, inclusive: 10^13, i.e.
/// 100 billion USD or 10 trillion JPY. Far above any pledge, and far below `i64::MAX`
/// so that sums of many amounts cannot overflow before they are checked.
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;

/// A currency money can be pledged and accounted in: an ISO 4217 code (data from the
/// `iso_currency` crate) that has a defined minor unit and names ordinary legal tender.
///
/// Refused, with `not_a_currency`: codes ISO 4217 lists without a minor unit (precious
/// metals `XAU` `XAG` `XPT` `XPD`, units of account `XDR` `XBA`…`XBD` `XSU` `XUA`),
/// the other special codes even where an exponent is given (`XAD`, the testing code
/// `XTS`, "no currency" `XXX`), and fund codes (`BOV`, `CLF`, `USN`, `UYI`, …), which
/// are units of account rather than money anyone pays in. Superseded currencies that
/// still have a minor unit (e.g. `HRK`) are accepted, so that historical records stay
/// readable; which currencies a project takes is a policy for the layers above.
///
/// The exponents come from the crate's table (ISO 4217 as published on Wikipedia's
/// ISO 4217 page). Stored amounts are minor units, so an upgrade that changed an
/// exponent would change what stored rows mean; the tests pin the ones relied on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// United States dollar.
    pub const USD: Currency = Currency(iso_currency::Currency::USD);
    /// Euro.
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);

    /// Reads an alphabetic ISO 4217 code, exactly as written: three upper-case ASCII
    /// letters, e.g. `USD`. Errors, by `code`: `unknown_currency` (anything else,
    /// including lower-case `usd` and codes ISO 4217 does not list) and
    /// `not_a_currency` (listed codes refused above).
    pub fn parse(field: &str, raw: &str) -> Result<Currency, Violation> {
        let unknown = || {
            Violation::new(
                field,
                "unknown_currency",
                "must be an ISO 4217 currency code in capitals, e.g. USD",
            )
        };
        if raw.len() != 3 || !raw.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(unknown());
        }
        let iso = iso_currency::Currency::from_code(raw).ok_or_else(unknown)?;
        if iso.exponent().is_none() || iso.is_fund() || iso.is_special() {
            return Err(Violation::new(
                field,
                "not_a_currency",
                format!("{raw} is not a currency money can be paid in"),
            ));
        }
        Ok(Currency(iso))
    }

    /// The three-letter ISO 4217 code, e.g. `"USD"`.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The ISO 4217 minor-unit exponent: how many decimal digits the minor unit has
    /// (USD 2, JPY 0, KWD 3, BHD 3). One major unit is `10^minor_digits` minor units.
    pub fn minor_digits(self) -> u8 {
        // `parse` admits only currencies with an exponent; ISO 4217 exponents are 0–4.
        self.0
            .exponent()
            .and_then(|e| u8::try_from(e).ok())
            .unwrap_or(0)
    }

    /// The English name, e.g. "United States dollar".
    pub fn name(&self) -> &str {
        self.0.name()
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// JSON: the code as a string, `"USD"`.
impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// JSON: the code as a string; refused by the rules of [`Currency::parse`].
impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Currency::parse("currency", &raw).map_err(|v| serde::de::Error::custom(describe(&[v])))
    }
}

/// A positive amount of one currency: `1..=MAX_AMOUNT_MINOR` minor units (cents for
/// USD, yen for JPY, fils for KWD).
///
/// JSON shape: `{"currency": "USD", "amount_minor": 150000}` (1500.00 USD).
/// Deserialising applies [`Money::from_json`]; API handlers that want the structured
/// [`Violation`]s call it (or [`Money::parse`]) themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct Money {
    /// ISO 4217 code, e.g. `USD`.
    #[schema(value_type = String, example = "USD", pattern = "^[A-Z]{3}$")]
    currency: Currency,
    /// Whole minor units, `1..=10^13`, e.g. 150000 for 1500.00 USD.
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64, example = 150000)]
    amount_minor: i64,
}

impl Money {
    /// Errors: `not_positive` (≤ 0), `too_large` (> [`MAX_AMOUNT_MINOR`]), both on
    /// field `amount_minor`.
    pub fn new(currency: Currency, amount_minor: i64) -> Result<Money, Violation> {
        let amount_minor =
            decimal::positive_at_most("amount_minor", amount_minor, MAX_AMOUNT_MINOR)?;
        Ok(Money {
            currency,
            amount_minor,
        })
    }

    /// API input: a currency code and the raw JSON `amount_minor`, checked together so
    /// that every broken rule is reported at once (fields `currency`, `amount_minor`).
    /// The amount must be a JSON integer: strings, floats (`1.5`, `1e3`), `null` and
    /// booleans are `not_an_integer` before any range check; see
    /// [`decimal::positive_json_integer`] for the exact order and the 64-bit edge.
    pub fn parse(currency: &str, amount_minor: &Value) -> Result<Money, Vec<Violation>> {
        Money::combine(
            Currency::parse("currency", currency),
            decimal::positive_json_integer("amount_minor", amount_minor, MAX_AMOUNT_MINOR),
        )
    }

    /// API input as one JSON object `{"currency": "USD", "amount_minor": 150000}`,
    /// checked as [`Money::parse`] does. A missing member is `required`; a `currency`
    /// that is not a string is `unknown_currency`; a value that is not an object is
    /// reported on `field` with code `format`. Other members are ignored.
    pub fn from_json(field: &str, value: &Value) -> Result<Money, Vec<Violation>> {
        let Value::Object(object) = value else {
            return Err(vec![Violation::new(
                field,
                "format",
                r#"must be an object like {"currency": "USD", "amount_minor": 150000}"#,
            )]);
        };
        let required = |member: &str| Violation::new(member, "required", "is required");
        let currency = match object.get("currency") {
            None => Err(required("currency")),
            Some(Value::String(code)) => Currency::parse("currency", code),
            Some(_) => Currency::parse("currency", ""),
        };
        let amount = match object.get("amount_minor") {
            None => Err(required("amount_minor")),
            Some(amount) => {
                decimal::positive_json_integer("amount_minor", amount, MAX_AMOUNT_MINOR)
            }
        };
        Money::combine(currency, amount)
    }

    fn combine(
        currency: Result<Currency, Violation>,
        amount_minor: Result<i64, Violation>,
    ) -> Result<Money, Vec<Violation>> {
        match (currency, amount_minor) {
            (Ok(currency), Ok(amount_minor)) => Ok(Money {
                currency,
                amount_minor,
            }),
            (currency, amount) => Err([currency.err(), amount.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    /// Reads decimal text in major units, exactly: `"12.5"` USD → 1250 minor units.
    /// The text follows [`parse_decimal`]; the result must then be positive and at most
    /// [`MAX_AMOUNT_MINOR`]. Errors on `field`: `required`, `format`,
    /// `too_many_decimals`, `not_positive`, `too_large`.
    pub fn from_decimal_str(
        field: &str,
        currency: Currency,
        text: &str,
    ) -> Result<Money, Violation> {
        let minor = parse_decimal(field, text, currency.minor_digits())?;
        let amount_minor = decimal::positive_at_most(field, minor, MAX_AMOUNT_MINOR)?;
        Ok(Money {
            currency,
            amount_minor,
        })
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whole minor units, `1..=MAX_AMOUNT_MINOR`.
    pub fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    /// The amount in major units as exact decimal text, e.g. `"1500.00"`; see
    /// [`format_decimal`].
    pub fn to_decimal_string(&self) -> String {
        format_decimal(self.amount_minor, self.currency.minor_digits())
    }

    /// The sum of two amounts of the same currency. Errors: `currency_mismatch` (field
    /// `currency`), `too_large` (field `amount_minor`, the sum exceeds
    /// [`MAX_AMOUNT_MINOR`]). Never wraps.
    pub fn checked_add(self, other: Money) -> Result<Money, Violation> {
        self.same_currency(other)?;
        // Both are at most 10^13, so the i64 sum cannot overflow; `new` bounds it.
        Money::new(self.currency, self.amount_minor + other.amount_minor)
    }

    /// `self - other` for the same currency. Errors: `currency_mismatch`, and
    /// `not_positive` when `other` is at least `self` (a [`Money`] is never zero or
    /// negative). Never wraps.
    pub fn checked_sub(self, other: Money) -> Result<Money, Violation> {
        self.same_currency(other)?;
        Money::new(self.currency, self.amount_minor - other.amount_minor)
    }

    fn same_currency(self, other: Money) -> Result<(), Violation> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Violation::new(
                "currency",
                "currency_mismatch",
                format!(
                    "cannot combine {} with {}",
                    self.currency.code(),
                    other.currency.code()
                ),
            ))
        }
    }
}

/// `1500.00 USD`: exact decimal amount, a space, the code (the Beancount order).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency.code())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Money::from_json("money", &value).map_err(|vs| serde::de::Error::custom(describe(&vs)))
    }
}

/// Writes minor units as exact decimal text in major units, with exactly
/// `minor_digits` decimals: 150000 at 2 → `"1500.00"`, 150 at 0 → `"150"`, 1500 at 3
/// → `"1.500"`, -1234 at 2 → `"-12.34"`. Total for every `i64` (signed, so ledger
/// balances can use it too), including `i64::MIN`.
pub fn format_decimal(amount_minor: i64, minor_digits: u8) -> String {
    decimal::format_scaled(amount_minor, u32::from(minor_digits))
}

/// Reads exact decimal text in major units into signed minor units: `"12.5"` at 2 →
/// 1250, `"-12.34"` at 2 → -1234. The inverse of [`format_decimal`], for CSV and
/// Beancount round trips. Grammar `-?[0-9]+(\.[0-9]+)?` with at most `minor_digits`
/// decimals. Errors on `field`: `required` (empty), `format` (e.g. `"1,000"`, `"1e3"`,
/// `".5"`), `too_many_decimals` (`"12.345"` for USD, also `"150.0"` for JPY), `too_large`
/// (beyond `i64`).
pub fn parse_decimal(field: &str, text: &str, minor_digits: u8) -> Result<i64, Violation> {
    decimal::parse_scaled(field, text, u32::from(minor_digits))
}

/// Violations as one line, for serde errors: `amount_minor: not_positive (…)`.
pub(crate) fn describe(problems: &[Violation]) -> String {
    problems
        .iter()
        .map(|v| format!("{}: {} ({})", v.field, v.code, v.message))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(Currency::USD, minor).unwrap()
    }

    fn currency(code: &str) -> Currency {
        Currency::parse("currency", code).unwrap()
    }

    #[test]
    fn currencies_carry_their_iso_4217_exponent() {
        for (code, digits) in [
            ("USD", 2),
            ("EUR", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("KWD", 3),
            ("BHD", 3),
            ("HRK", 2),
        ] {
            let c = currency(code);
            assert_eq!((c.code(), c.minor_digits()), (code, digits));
        }
        assert_eq!(Currency::USD.name(), "United States dollar");
        assert_eq!(Currency::EUR, currency("EUR"));
        assert_eq!(Currency::USD.to_string(), "USD");
        assert_eq!(format!("{:?}", Currency::USD), "USD");
    }

    #[test]
    fn unknown_codes_are_refused() {
        for bad in [
            "", "usd", "Usd", "US", "USDD", " USD", "USD ", "AAA", "ZZZ", "123", "ÜSD", "US$",
        ] {
            let err = Currency::parse("currency", bad).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code.as_str()),
                ("currency", "unknown_currency"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn codes_that_are_not_money_are_refused() {
        for code in [
            "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XSU", "XUA", "XAD", "XTS", "XXX", "BOV",
            "CLF", "USN", "UYI", "UYW", "CHE", "CHW", "MXV", "COU",
        ] {
            let err = Currency::parse("currency", code).unwrap_err();
            assert_eq!(err.code, "not_a_currency", "{code}");
        }
    }

    #[test]
    fn amounts_are_positive_and_bounded() {
        assert_eq!(usd(1).amount_minor(), 1);
        assert_eq!(usd(MAX_AMOUNT_MINOR).amount_minor(), MAX_AMOUNT_MINOR);
        let code = |m| Money::new(Currency::USD, m).unwrap_err().code;
        assert_eq!(code(0), "not_positive");
        assert_eq!(code(-1), "not_positive");
        assert_eq!(code(i64::MIN), "not_positive");
        assert_eq!(code(MAX_AMOUNT_MINOR + 1), "too_large");
        assert_eq!(code(i64::MAX), "too_large");
    }

    #[test]
    fn json_amounts_must_be_integers_first() {
        let code = |v: Value| Money::parse("USD", &v).unwrap_err()[0].code.clone();
        assert_eq!(Money::parse("USD", &json!(150000)), Ok(usd(150000)));
        let parsed = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        for v in [
            json!(1.5),
            parsed("1e3"),
            parsed("100.0"),
            parsed("-1.5"),
            json!("100"),
            json!(null),
            json!(true),
            json!(false),
        ] {
            assert_eq!(code(v.clone()), "not_an_integer", "{v}");
        }
        assert_eq!(code(json!(0)), "not_positive");
        assert_eq!(code(json!(-5)), "not_positive");
        assert_eq!(code(json!(MAX_AMOUNT_MINOR + 1)), "too_large");
        assert_eq!(code(parsed("9223372036854775808")), "too_large");
        assert_eq!(code(parsed("123456789012345678901234567890")), "too_large");
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let errs = Money::parse("usd", &json!(1.5)).unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|v| (v.field.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("currency", "unknown_currency"),
                ("amount_minor", "not_an_integer")
            ]
        );
    }

    #[test]
    fn json_objects_name_missing_and_bad_members() {
        let ok = Money::from_json("amount", &json!({"currency": "JPY", "amount_minor": 150}));
        assert_eq!(ok.unwrap(), Money::new(currency("JPY"), 150).unwrap());
        let codes = |v: Value| -> Vec<(String, String)> {
            Money::from_json("amount", &v)
                .unwrap_err()
                .into_iter()
                .map(|v| (v.field, v.code))
                .collect()
        };
        let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
        assert_eq!(
            codes(json!({})),
            [
                pair("currency", "required"),
                pair("amount_minor", "required")
            ]
        );
        assert_eq!(
            codes(json!({"currency": 840, "amount_minor": 1})),
            [pair("currency", "unknown_currency")]
        );
        assert_eq!(
            codes(json!({"currency": "XAU", "amount_minor": "1"})),
            [
                pair("currency", "not_a_currency"),
                pair("amount_minor", "not_an_integer")
            ]
        );
        assert_eq!(codes(json!([1, "USD"])), [pair("amount", "format")]);
        assert_eq!(codes(json!(null)), [pair("amount", "format")]);
    }

    #[test]
    fn serde_uses_the_documented_shape() {
        let m = usd(150000);
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, r#"{"currency":"USD","amount_minor":150000}"#);
        assert_eq!(serde_json::from_str::<Money>(&text).unwrap(), m);
        for bad in [
            r#"{"currency":"USD","amount_minor":1.5}"#,
            r#"{"currency":"USD","amount_minor":0}"#,
            r#"{"currency":"usd","amount_minor":1}"#,
            r#"{"currency":"USD"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
        let err = serde_json::from_str::<Money>(r#"{"currency":"USD","amount_minor":1e3}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("amount_minor: not_an_integer"), "{err}");
        assert_eq!(serde_json::to_string(&Currency::USD).unwrap(), r#""USD""#);
        assert_eq!(
            serde_json::from_str::<Currency>(r#""KWD""#).unwrap(),
            currency("KWD")
        );
        assert!(serde_json::from_str::<Currency>(r#""XDR""#).is_err());
    }

    #[test]
    fn adding_and_subtracting_is_checked() {
        assert_eq!(usd(100).checked_add(usd(50)), Ok(usd(150)));
        assert_eq!(usd(100).checked_sub(usd(30)), Ok(usd(70)));
        let code = |r: Result<Money, Violation>| r.unwrap_err().code;
        assert_eq!(code(usd(100).checked_sub(usd(100))), "not_positive");
        assert_eq!(code(usd(100).checked_sub(usd(101))), "not_positive");
        assert_eq!(code(usd(MAX_AMOUNT_MINOR).checked_add(usd(1))), "too_large");
        assert_eq!(
            code(usd(MAX_AMOUNT_MINOR).checked_add(usd(MAX_AMOUNT_MINOR))),
            "too_large"
        );
        let eur = Money::new(Currency::EUR, 100).unwrap();
        assert_eq!(code(usd(100).checked_add(eur)), "currency_mismatch");
        assert_eq!(code(usd(100).checked_sub(eur)), "currency_mismatch");
    }

    #[test]
    fn formats_minor_units_exactly() {
        assert_eq!(format_decimal(150000, 2), "1500.00");
        assert_eq!(format_decimal(150, 0), "150");
        assert_eq!(format_decimal(1500, 3), "1.500");
        assert_eq!(format_decimal(-1234, 2), "-12.34");
        assert_eq!(format_decimal(1, 2), "0.01");
        assert_eq!(format_decimal(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(format_decimal(i64::MIN, 0), "-9223372036854775808");
        assert_eq!(usd(150000).to_string(), "1500.00 USD");
        let kwd = Money::new(currency("KWD"), 1500).unwrap();
        assert_eq!(kwd.to_string(), "1.500 KWD");
    }

    #[test]
    fn parses_decimal_text_exactly() {
        assert_eq!(parse_decimal("amount", "12.5", 2), Ok(1250));
        assert_eq!(parse_decimal("amount", "-12.34", 2), Ok(-1234));
        assert_eq!(parse_decimal("amount", "150", 0), Ok(150));
        let code = |t: &str, d| parse_decimal("amount", t, d).unwrap_err().code;
        assert_eq!(code("12.345", 2), "too_many_decimals");
        assert_eq!(code("150.5", 0), "too_many_decimals");
        assert_eq!(code("1,000", 2), "format");
        assert_eq!(code("1,000.00", 2), "format");
        assert_eq!(code("$12", 2), "format");
        assert_eq!(code("12 USD", 2), "format");
        assert_eq!(code("", 2), "required");
        assert_eq!(
            Money::from_decimal_str("amount", Currency::USD, "12.5"),
            Ok(usd(1250))
        );
        let money_code = |t: &str| {
            Money::from_decimal_str("amount", Currency::USD, t)
                .unwrap_err()
                .code
        };
        assert_eq!(money_code("0.00"), "not_positive");
        assert_eq!(money_code("-1"), "not_positive");
        assert_eq!(money_code("100000000000.01"), "too_large");
        assert_eq!(
            Money::from_decimal_str("amount", Currency::USD, "100000000000")
                .map(|m| m.amount_minor()),
            Ok(MAX_AMOUNT_MINOR)
        );
    }

    #[test]
    fn the_openapi_schema_states_the_same_rules() {
        let schema = serde_json::to_value(<Money as utoipa::PartialSchema>::schema()).unwrap();
        let properties = &schema["properties"];
        assert_eq!(properties["currency"]["type"], "string");
        assert_eq!(properties["amount_minor"]["minimum"], 1);
        assert_eq!(properties["amount_minor"]["maximum"], MAX_AMOUNT_MINOR);
    }

    proptest! {
        #[test]
        fn decimal_text_round_trips(minor in 1..=MAX_AMOUNT_MINOR, code in prop::sample::select(vec!["USD", "JPY", "KWD", "BHD", "EUR"])) {
            let c = currency(code);
            let m = Money::new(c, minor).unwrap();
            prop_assert_eq!(Money::from_decimal_str("a", c, &m.to_decimal_string()), Ok(m));
        }

        #[test]
        fn json_round_trips(minor in 1..=MAX_AMOUNT_MINOR) {
            let m = usd(minor);
            let back: Money = serde_json::from_value(serde_json::to_value(m).unwrap()).unwrap();
            prop_assert_eq!(back, m);
        }

        #[test]
        fn addition_is_exact_or_refused(a in 1..=MAX_AMOUNT_MINOR, b in 1..=MAX_AMOUNT_MINOR) {
            match usd(a).checked_add(usd(b)) {
                Ok(sum) => prop_assert_eq!(sum.amount_minor(), a + b),
                Err(v) => {
                    prop_assert_eq!(v.code.as_str(), "too_large");
                    prop_assert!(a + b > MAX_AMOUNT_MINOR);
                }
            }
        }
    }
}
