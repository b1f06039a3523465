//! Compute: GPU-minutes on a named accelerator class, the unit donated compute is
//! pledged and accounted in. Whole minutes in an `i64`; no floating point anywhere.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::money::describe;
use super::{Violation, decimal, project};

pub const CLASS_MAX_LEN: usize = 32;
/// The accelerator class rule as a regular expression, for the OpenAPI document.
pub const CLASS_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$";
pub const NAME_MAX: usize = 80;

/// The largest quantity one [`GpuMinutes`] may hold, inclusive: 10^12 GPU-minutes,
/// about 16.7 billion GPU-hours or 1.9 million GPU-years. Far below `i64::MAX`, so
/// sums can be checked before they could overflow.
pub const MAX_GPU_MINUTES: i64 = 1_000_000_000_000;

/// The code of a kind of accelerator, e.g. `H100-80GB`, `A100-40GB`, `TPU-v5e`:
/// 1–32 ASCII characters, a letter or digit first, then letters, digits, `.`, `_` or
/// `-` ([`CLASS_PATTERN`]). Kept exactly as written and compared exactly, so
/// `h100-80gb` is a different class from `H100-80GB`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AcceleratorClass(String);

impl AcceleratorClass {
    /// Errors, by `code`: `required` (empty), `too_long` (over 32 characters),
    /// `format`.
    pub fn parse(field: &str, raw: &str) -> Result<AcceleratorClass, Violation> {
        if raw.is_empty() {
            return Err(Violation::new(field, "required", "must not be empty"));
        }
        if raw.chars().count() > CLASS_MAX_LEN {
            return Err(Violation::new(
                field,
                "too_long",
                format!("must be at most {CLASS_MAX_LEN} characters long"),
            ));
        }
        let mut bytes = raw.bytes();
        let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric());
        let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !first_ok || !rest_ok {
            return Err(Violation::new(
                field,
                "format",
                "use ASCII letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. H100-80GB",
            ));
        }
        Ok(AcceleratorClass(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AcceleratorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// JSON: the code as a string, `"H100-80GB"`.
impl Serialize for AcceleratorClass {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// JSON: the code as a string; refused by the rules of [`AcceleratorClass::parse`].
impl<'de> Deserialize<'de> for AcceleratorClass {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        AcceleratorClass::parse("accelerator", &raw)
            .map_err(|v| serde::de::Error::custom(describe(&[v])))
    }
}

/// The human name of an accelerator class, e.g. "NVIDIA H100 80GB SXM": 1–80
/// characters, no control characters, not blank, stored trimmed. The same rule as every
/// other short display text ([`project::parse_label`]), hence its codes `length` and
/// `format`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AcceleratorName(String);

impl AcceleratorName {
    /// Errors, by `code`: `length` (over 80 characters), `format` (blank or control
    /// characters).
    pub fn parse(field: &str, raw: &str) -> Result<AcceleratorName, Violation> {
        project::parse_label(field, raw, NAME_MAX).map(AcceleratorName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AcceleratorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A positive whole number of GPU-minutes, `1..=MAX_GPU_MINUTES`. One GPU-minute is
/// one accelerator busy for one minute. JSON: a bare integer, e.g. `60000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct GpuMinutes(i64);

impl GpuMinutes {
    /// Errors on `field`: `not_positive`, `too_large` (> [`MAX_GPU_MINUTES`]).
    pub fn new(field: &str, minutes: i64) -> Result<GpuMinutes, Violation> {
        decimal::positive_at_most(field, minutes, MAX_GPU_MINUTES).map(GpuMinutes)
    }

    /// API input: a raw JSON value that must be an integer. Strings, floats (`1.5`,
    /// `1e3`), `null` and booleans are `not_an_integer` before any range check, then
    /// `not_positive` and `too_large`, exactly as for money amounts (see
    /// [`decimal::positive_json_integer`]).
    pub fn from_json(field: &str, value: &Value) -> Result<GpuMinutes, Violation> {
        decimal::positive_json_integer(field, value, MAX_GPU_MINUTES).map(GpuMinutes)
    }

    /// The web form's hours: decimal text with at most two decimals, e.g. `"12.25"`,
    /// `"12"`, `"0.5"`, converted to minutes exactly (hours × 60).
    ///
    /// A hundredth of an hour is 0.6 minutes, so not every two-decimal value is a whole
    /// number of minutes. Nothing is rounded: the value must be a multiple of 0.05
    /// hours (3 minutes), otherwise it is refused with `not_whole_minutes`, because a
    /// ledger entry should never differ silently from what its author typed.
    ///
    /// Errors on `field`, in order: `required` (empty), `format` (anything outside
    /// `-?[0-9]+(\.[0-9]+)?`, e.g. `"1."`, `".5"`, `"1e3"`, `" 1"`, `"1,5"`),
    /// `too_many_decimals` (`"1.234"`), `too_large` (beyond `i64` hundredths),
    /// `not_positive` (`"0"`, `"-1"`), `not_whole_minutes` (`"0.01"`), `too_large`
    /// (more than [`MAX_GPU_MINUTES`]).
    pub fn parse_hours(field: &str, text: &str) -> Result<GpuMinutes, Violation> {
        let hundredths = decimal::parse_scaled(field, text, 2)?;
        if hundredths <= 0 {
            return Err(Violation::new(
                field,
                "not_positive",
                "must be greater than zero",
            ));
        }
        // minutes = hundredths × 60 / 100 = hundredths × 3 / 5.
        if hundredths % 5 != 0 {
            return Err(Violation::new(
                field,
                "not_whole_minutes",
                "must be a whole number of minutes: use a multiple of 0.05 hours (3 minutes)",
            ));
        }
        GpuMinutes::new(field, hundredths / 5 * 3)
    }

    /// Whole GPU-minutes, `1..=MAX_GPU_MINUTES`.
    pub fn get(self) -> i64 {
        self.0
    }

    /// GPU-hours for display, see [`format_gpu_hours`]: 60000 → `"1000"`, 735 →
    /// `"12.25"`, 20 → `"0.33"`.
    pub fn to_hours_string(self) -> String {
        format_gpu_hours(self.0)
    }

    /// The sum; `None` when it exceeds [`MAX_GPU_MINUTES`]. Never wraps.
    pub fn checked_add(self, other: GpuMinutes) -> Option<GpuMinutes> {
        // Both are at most 10^12, so the i64 sum cannot overflow.
        let sum = self.0 + other.0;
        (sum <= MAX_GPU_MINUTES).then_some(GpuMinutes(sum))
    }

    /// `self - other`; `None` unless the result is positive. Never wraps.
    pub fn checked_sub(self, other: GpuMinutes) -> Option<GpuMinutes> {
        let difference = self.0 - other.0;
        (difference > 0).then_some(GpuMinutes(difference))
    }
}

impl<'de> Deserialize<'de> for GpuMinutes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        GpuMinutes::from_json("gpu_minutes", &value)
            .map_err(|v| serde::de::Error::custom(describe(&[v])))
    }
}

/// Minutes as GPU-hours for display text: the nearest hundredth of an hour, with
/// trailing zeros and a bare point dropped: 60 → `"1"`, 90 → `"1.5"`, 15 → `"0.25"`,
/// 735 → `"12.25"`, 20 → `"0.33"`, 1 → `"0.02"`, -90 → `"-1.5"`.
///
/// Integer arithmetic only. Minutes × 100 / 60 = minutes × 5 / 3, whose fractional part
/// is always 0, 1/3 or 2/3, so "nearest" never meets a tie and needs no tie rule.
/// Accepts any `i64` (signed, for balances); a value that rounds to zero prints `"0"`.
/// Values that are multiples of 3 minutes print exactly and read back through
/// [`GpuMinutes::parse_hours`] unchanged.
pub fn format_gpu_hours(minutes: i64) -> String {
    let magnitude = u128::from(minutes.unsigned_abs());
    let hundredths = (magnitude * 5 + 1) / 3;
    let sign = if minutes < 0 && hundredths > 0 {
        "-"
    } else {
        ""
    };
    let whole = hundredths / 100;
    let fraction = hundredths % 100;
    if fraction == 0 {
        format!("{sign}{whole}")
    } else if fraction % 10 == 0 {
        format!("{sign}{whole}.{}", fraction / 10)
    } else {
        format!("{sign}{whole}.{fraction:02}")
    }
}

/// A quantity of compute on one accelerator class.
///
/// JSON shape: `{"accelerator": "H100-80GB", "gpu_minutes": 60000}`. Deserialising
/// applies [`ComputeAmount::from_json`]; API handlers that want the structured
/// [`Violation`]s call it (or [`ComputeAmount::parse`]) themselves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct ComputeAmount {
    /// Accelerator class code, e.g. `H100-80GB`.
    #[schema(value_type = String, example = "H100-80GB", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    accelerator: AcceleratorClass,
    /// Whole GPU-minutes, `1..=10^12`.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000_000_i64, example = 60000)]
    gpu_minutes: GpuMinutes,
}

impl ComputeAmount {
    pub fn new(accelerator: AcceleratorClass, gpu_minutes: GpuMinutes) -> ComputeAmount {
        ComputeAmount {
            accelerator,
            gpu_minutes,
        }
    }

    /// API input: the class code and the raw JSON `gpu_minutes`, checked together so
    /// every broken rule is reported at once (fields `accelerator`, `gpu_minutes`).
    pub fn parse(accelerator: &str, gpu_minutes: &Value) -> Result<ComputeAmount, Vec<Violation>> {
        ComputeAmount::combine(
            AcceleratorClass::parse("accelerator", accelerator),
            GpuMinutes::from_json("gpu_minutes", gpu_minutes),
        )
    }

    /// API input as one JSON object `{"accelerator": "H100-80GB", "gpu_minutes":
    /// 60000}`. A missing member is `required`; an `accelerator` that is not a string
    /// is `format`; a value that is not an object is reported on `field` with code
    /// `format`. Other members are ignored.
    pub fn from_json(field: &str, value: &Value) -> Result<ComputeAmount, Vec<Violation>> {
        let Value::Object(object) = value else {
            return Err(vec![Violation::new(
                field,
                "format",
                r#"must be an object like {"accelerator": "H100-80GB", "gpu_minutes": 60000}"#,
            )]);
        };
        let required = |member: &str| Violation::new(member, "required", "is required");
        let accelerator = match object.get("accelerator") {
            None => Err(required("accelerator")),
            Some(Value::String(code)) => AcceleratorClass::parse("accelerator", code),
            Some(_) => Err(Violation::new(
                "accelerator",
                "format",
                "must be a string such as H100-80GB",
            )),
        };
        let minutes = match object.get("gpu_minutes") {
            None => Err(required("gpu_minutes")),
            Some(minutes) => GpuMinutes::from_json("gpu_minutes", minutes),
        };
        ComputeAmount::combine(accelerator, minutes)
    }

    fn combine(
        accelerator: Result<AcceleratorClass, Violation>,
        gpu_minutes: Result<GpuMinutes, Violation>,
    ) -> Result<ComputeAmount, Vec<Violation>> {
        match (accelerator, gpu_minutes) {
            (Ok(accelerator), Ok(gpu_minutes)) => Ok(ComputeAmount::new(accelerator, gpu_minutes)),
            (accelerator, minutes) => Err([accelerator.err(), minutes.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    pub fn accelerator(&self) -> &AcceleratorClass {
        &self.accelerator
    }

    pub fn gpu_minutes(&self) -> GpuMinutes {
        self.gpu_minutes
    }

    /// The sum of two quantities of the same class. Errors: `accelerator_mismatch`
    /// (field `accelerator`), `too_large` (field `gpu_minutes`). Never wraps.
    pub fn checked_add(&self, other: &ComputeAmount) -> Result<ComputeAmount, Violation> {
        self.same_class(other)?;
        let sum = self
            .gpu_minutes
            .checked_add(other.gpu_minutes)
            .ok_or_else(|| {
                Violation::new(
                    "gpu_minutes",
                    "too_large",
                    format!("must be at most {MAX_GPU_MINUTES}"),
                )
            })?;
        Ok(ComputeAmount::new(self.accelerator.clone(), sum))
    }

    /// `self - other` for the same class. Errors: `accelerator_mismatch`, and
    /// `not_positive` when `other` is at least `self`. Never wraps.
    pub fn checked_sub(&self, other: &ComputeAmount) -> Result<ComputeAmount, Violation> {
        self.same_class(other)?;
        let difference = self
            .gpu_minutes
            .checked_sub(other.gpu_minutes)
            .ok_or_else(|| {
                Violation::new("gpu_minutes", "not_positive", "must be greater than zero")
            })?;
        Ok(ComputeAmount::new(self.accelerator.clone(), difference))
    }

    fn same_class(&self, other: &ComputeAmount) -> Result<(), Violation> {
        if self.accelerator == other.accelerator {
            Ok(())
        } else {
            Err(Violation::new(
                "accelerator",
                "accelerator_mismatch",
                format!(
                    "cannot combine {} with {}",
                    self.accelerator, other.accelerator
                ),
            ))
        }
    }
}

/// `1000 GPU-hours H100-80GB`, hours as [`format_gpu_hours`] writes them.
impl fmt::Display for ComputeAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} GPU-hours {}",
            self.gpu_minutes.to_hours_string(),
            self.accelerator
        )
    }
}

impl<'de> Deserialize<'de> for ComputeAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        ComputeAmount::from_json("compute", &value)
            .map_err(|vs| serde::de::Error::custom(describe(&vs)))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;
    use serde_json::json;

    use super::*;

    fn class(code: &str) -> AcceleratorClass {
        AcceleratorClass::parse("accelerator", code).unwrap()
    }

    fn minutes(m: i64) -> GpuMinutes {
        GpuMinutes::new("gpu_minutes", m).unwrap()
    }

    #[test]
    fn accelerator_classes_follow_the_pattern() {
        let pattern = Regex::new(CLASS_PATTERN).unwrap();
        for ok in [
            "H100-80GB",
            "A100-40GB",
            "TPU-v5e",
            "MI300X",
            "L4",
            "x",
            "4090",
            "a.b_c-d",
            &"Z".repeat(32),
        ] {
            assert_eq!(class(ok).as_str(), ok);
            assert!(pattern.is_match(ok), "{ok}");
        }
        let code = |raw: &str| {
            AcceleratorClass::parse("accelerator", raw)
                .unwrap_err()
                .code
        };
        assert_eq!(code(""), "required");
        assert_eq!(code(&"Z".repeat(33)), "too_long");
        assert_eq!(code(&"é".repeat(33)), "too_long");
        for bad in [
            "-H100",
            ".x",
            "_x",
            "H100 80GB",
            "H100/80GB",
            "H100\n",
            " H100",
            "Ĥ100",
            "H100+",
        ] {
            assert_eq!(code(bad), "format", "{bad:?}");
            assert!(!pattern.is_match(bad), "{bad:?}");
        }
        assert_ne!(class("h100-80gb"), class("H100-80GB"));
    }

    #[test]
    fn accelerator_names_are_labels() {
        let name = AcceleratorName::parse("name", "  NVIDIA H100 80GB SXM ").unwrap();
        assert_eq!(name.as_str(), "NVIDIA H100 80GB SXM");
        assert_eq!(
            AcceleratorName::parse("name", &"é".repeat(80))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            80
        );
        let code = |raw: &str| AcceleratorName::parse("name", raw).unwrap_err().code;
        assert_eq!(code(&"x".repeat(81)), "length");
        assert_eq!(code(""), "format");
        assert_eq!(code("   "), "format");
        assert_eq!(code("H100\u{0007}"), "format");
    }

    #[test]
    fn gpu_minutes_are_positive_and_bounded() {
        assert_eq!(minutes(1).get(), 1);
        assert_eq!(minutes(MAX_GPU_MINUTES).get(), MAX_GPU_MINUTES);
        let code = |m| GpuMinutes::new("gpu_minutes", m).unwrap_err().code;
        assert_eq!(code(0), "not_positive");
        assert_eq!(code(-60), "not_positive");
        assert_eq!(code(MAX_GPU_MINUTES + 1), "too_large");
        assert_eq!(code(i64::MAX), "too_large");
    }

    #[test]
    fn json_minutes_must_be_integers_first() {
        let parsed = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        let code = |v: Value| GpuMinutes::from_json("gpu_minutes", &v).unwrap_err().code;
        assert_eq!(
            GpuMinutes::from_json("gpu_minutes", &json!(60000)),
            Ok(minutes(60000))
        );
        for v in [
            json!(1.5),
            parsed("1e3"),
            parsed("60.0"),
            json!("60"),
            json!(null),
            json!(true),
        ] {
            assert_eq!(code(v.clone()), "not_an_integer", "{v}");
        }
        assert_eq!(code(json!(0)), "not_positive");
        assert_eq!(code(json!(-1)), "not_positive");
        assert_eq!(code(json!(MAX_GPU_MINUTES + 1)), "too_large");
        assert_eq!(code(parsed("18446744073709551616")), "too_large");
    }

    #[test]
    fn hours_convert_to_whole_minutes_exactly() {
        let ok = |t: &str| GpuMinutes::parse_hours("hours", t).unwrap().get();
        assert_eq!(ok("12.25"), 735);
        assert_eq!(ok("12"), 720);
        assert_eq!(ok("0.5"), 30);
        assert_eq!(ok("0.05"), 3);
        assert_eq!(ok("0.1"), 6);
        assert_eq!(ok("1.95"), 117);
        assert_eq!(ok("007"), 420);
        assert_eq!(ok("16666666666.65"), 999_999_999_999);
    }

    #[test]
    fn hours_refuse_bad_text_with_a_reason() {
        let code = |t: &str| GpuMinutes::parse_hours("hours", t).unwrap_err().code;
        assert_eq!(code(""), "required");
        for bad in [
            "1.", ".5", "1e3", "1E3", " 1", "1 ", "1,5", "+1", "1h", "1:30", "-", "NaN",
        ] {
            assert_eq!(code(bad), "format", "{bad:?}");
        }
        assert_eq!(code("1.234"), "too_many_decimals");
        assert_eq!(code("1.500"), "too_many_decimals");
        assert_eq!(code("0"), "not_positive");
        assert_eq!(code("0.00"), "not_positive");
        assert_eq!(code("-1"), "not_positive");
        assert_eq!(code("-0.05"), "not_positive");
        assert_eq!(code("0.01"), "not_whole_minutes");
        assert_eq!(code("12.33"), "not_whole_minutes");
        assert_eq!(code("16666666666.66"), "not_whole_minutes");
        assert_eq!(code("16666666666.7"), "too_large");
        assert_eq!(code("99999999999999999"), "too_large");
        assert_eq!(code(&"9".repeat(40)), "too_large");
        assert_eq!(
            GpuMinutes::parse_hours("hours", "x").unwrap_err().field,
            "hours"
        );
    }

    #[test]
    fn hours_display_rounds_to_the_nearest_hundredth() {
        for (m, text) in [
            (60, "1"),
            (90, "1.5"),
            (15, "0.25"),
            (735, "12.25"),
            (20, "0.33"),
            (40, "0.67"),
            (1, "0.02"),
            (2, "0.03"),
            (3, "0.05"),
            (59, "0.98"),
            (60000, "1000"),
            (0, "0"),
            (-90, "-1.5"),
            (-1, "-0.02"),
            (MAX_GPU_MINUTES, "16666666666.67"),
            (i64::MIN, "-153722867280912930.13"),
            (i64::MAX, "153722867280912930.12"),
        ] {
            assert_eq!(format_gpu_hours(m), text, "{m}");
        }
        assert_eq!(minutes(735).to_hours_string(), "12.25");
    }

    #[test]
    fn compute_amounts_use_the_documented_shape() {
        let amount = ComputeAmount::new(class("H100-80GB"), minutes(60000));
        let text = serde_json::to_string(&amount).unwrap();
        assert_eq!(text, r#"{"accelerator":"H100-80GB","gpu_minutes":60000}"#);
        assert_eq!(
            serde_json::from_str::<ComputeAmount>(&text).unwrap(),
            amount
        );
        assert_eq!(amount.to_string(), "1000 GPU-hours H100-80GB");
        for bad in [
            r#"{"accelerator":"H100-80GB","gpu_minutes":1.5}"#,
            r#"{"accelerator":"H100 80GB","gpu_minutes":60}"#,
            r#"{"accelerator":"H100-80GB"}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<ComputeAmount>(bad).is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::from_str::<GpuMinutes>("60").unwrap(),
            minutes(60)
        );
        assert!(serde_json::from_str::<GpuMinutes>("\"60\"").is_err());
    }

    #[test]
    fn compute_json_reports_every_broken_member() {
        let pairs = |v: Value| -> Vec<(String, String)> {
            ComputeAmount::from_json("compute", &v)
                .unwrap_err()
                .into_iter()
                .map(|v| (v.field, v.code))
                .collect()
        };
        let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
        assert_eq!(
            pairs(json!({})),
            [
                pair("accelerator", "required"),
                pair("gpu_minutes", "required")
            ]
        );
        assert_eq!(
            pairs(json!({"accelerator": 100, "gpu_minutes": "60"})),
            [
                pair("accelerator", "format"),
                pair("gpu_minutes", "not_an_integer")
            ]
        );
        assert_eq!(pairs(json!("H100")), [pair("compute", "format")]);
        let errs = ComputeAmount::parse("", &json!(0)).unwrap_err();
        let codes: Vec<_> = errs.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(codes, ["required", "not_positive"]);
    }

    #[test]
    fn combining_quantities_is_checked() {
        let h100 = |m| ComputeAmount::new(class("H100-80GB"), minutes(m));
        assert_eq!(h100(60).checked_add(&h100(30)), Ok(h100(90)));
        assert_eq!(h100(60).checked_sub(&h100(30)), Ok(h100(30)));
        let code = |r: Result<ComputeAmount, Violation>| r.unwrap_err().code;
        assert_eq!(code(h100(60).checked_sub(&h100(60))), "not_positive");
        assert_eq!(
            code(h100(MAX_GPU_MINUTES).checked_add(&h100(1))),
            "too_large"
        );
        let a100 = ComputeAmount::new(class("A100-40GB"), minutes(60));
        assert_eq!(code(h100(60).checked_add(&a100)), "accelerator_mismatch");
        assert_eq!(code(h100(60).checked_sub(&a100)), "accelerator_mismatch");
        assert_eq!(minutes(1).checked_sub(minutes(2)), None);
        assert_eq!(minutes(MAX_GPU_MINUTES).checked_add(minutes(1)), None);
    }

    #[test]
    fn the_openapi_schema_states_the_same_rules() {
        let schema =
            serde_json::to_value(<ComputeAmount as utoipa::PartialSchema>::schema()).unwrap();
        let properties = &schema["properties"];
        assert_eq!(properties["accelerator"]["pattern"], CLASS_PATTERN);
        assert_eq!(properties["gpu_minutes"]["minimum"], 1);
        assert_eq!(properties["gpu_minutes"]["maximum"], MAX_GPU_MINUTES);
    }

    proptest! {
        #[test]
        fn displayed_hours_read_back_for_multiples_of_three_minutes(k in 1..=MAX_GPU_MINUTES / 3) {
            let m = minutes(k * 3);
            prop_assert_eq!(GpuMinutes::parse_hours("hours", &m.to_hours_string()), Ok(m));
        }

        #[test]
        fn displayed_hours_are_within_a_third_of_a_hundredth(m in 1..=MAX_GPU_MINUTES) {
            // Read the display back as hundredths and compare with minutes × 5 / 3,
            // scaled by 3 to stay in integers: |3 × shown − 5 × m| ≤ 1.
            let shown = crate::domain::decimal::parse_scaled("h", &format_gpu_hours(m), 2).unwrap();
            prop_assert!((i128::from(shown) * 3 - i128::from(m) * 5).abs() <= 1);
        }

        #[test]
        fn valid_hours_never_fail_unexpectedly(whole in 0u64..100_000, hundredths in 0u8..100) {
            let text = format!("{whole}.{hundredths:02}");
            match GpuMinutes::parse_hours("hours", &text) {
                Ok(m) => prop_assert_eq!(i128::from(m.get()) * 5, (i128::from(whole) * 100 + i128::from(hundredths)) * 3),
                Err(v) => prop_assert!(v.code == "not_whole_minutes" || v.code == "not_positive", "{:?}", v),
            }
        }
    }
}
