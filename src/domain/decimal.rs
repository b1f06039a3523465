//! Exact fixed-point decimal text and whole JSON numbers, shared by money and compute.
//! Nothing here touches floating point: values are scaled `i64`s and text is read digit
//! by digit.

use serde_json::Value;

use super::Violation;

/// Writes `value / 10^scale` exactly, with exactly `scale` digits after the point and
/// no point at all when `scale` is 0: `(150000, 2)` → `"1500.00"`, `(-1234, 2)` →
/// `"-12.34"`, `(5, 3)` → `"0.005"`, `(150, 0)` → `"150"`. Total for every `i64`,
/// including `i64::MIN`, and every `scale`.
pub fn format_scaled(value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = value.unsigned_abs().to_string();
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    // At least one digit before the point.
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

/// Reads decimal text into an integer count of `10^-scale` units, exactly.
///
/// Grammar: `-?[0-9]+(\.[0-9]+)?` (ASCII only; no `+`, spaces, digit grouping such as
/// `1,000`, exponents, or bare `.5` / `1.`). The fraction may have fewer digits than
/// `scale` (`"12.5"` at scale 2 → 1250) but not more, not even trailing zeros, so text
/// never claims a precision the unit does not have. Zero and negatives are returned as
/// they are; callers that need a positive value check that themselves.
///
/// Errors, by `code`: `required` (empty), `format`, `too_many_decimals`, `too_large`
/// (the result does not fit an `i64`).
pub fn parse_scaled(field: &str, text: &str, scale: u32) -> Result<i64, Violation> {
    if text.is_empty() {
        return Err(Violation::new(field, "required", "must not be empty"));
    }
    let format = || {
        Violation::new(
            field,
            "format",
            "must be a decimal number like 12 or 12.34, without signs other than a leading -, spaces, grouping or exponents",
        )
    };
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (unsigned, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || (unsigned.contains('.') && fraction.is_empty())
    {
        return Err(format());
    }
    if fraction.len() > scale as usize {
        return Err(Violation::new(
            field,
            "too_many_decimals",
            format!("must have at most {scale} digits after the decimal point"),
        ));
    }
    let too_large = || Violation::new(field, "too_large", "is too large");
    // Accumulate the magnitude in i128 so that i64::MIN itself can be read.
    let mut magnitude: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(b - b'0')))
            .ok_or_else(too_large)?;
    }
    for _ in fraction.len()..scale as usize {
        magnitude = magnitude.checked_mul(10).ok_or_else(too_large)?;
    }
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).map_err(|_| too_large())
}

/// Checks that `value` lies in `1..=max`. Errors: `not_positive`, `too_large`.
pub fn positive_at_most(field: &str, value: i64, max: i64) -> Result<i64, Violation> {
    if value <= 0 {
        return Err(not_positive(field));
    }
    if value > max {
        return Err(too_large(field, max));
    }
    Ok(value)
}

/// Reads a JSON value that must be a whole number in `1..=max`.
///
/// Rules, in order: anything but a JSON number (strings such as `"100"`, `null`,
/// booleans, arrays, objects) and any number written with a fraction or an exponent
/// (`1.5`, `1.0`, `1e3`) is `not_an_integer`; then a whole number `<= 0` is
/// `not_positive` and one above `max` is `too_large`, however far outside `i64` it is.
///
/// One ambiguity is decided by magnitude: `serde_json` (without its
/// `arbitrary_precision` feature) stores an integer literal that overflows 64 bits as a
/// float and forgets its text, so `100000000000000000000` and `1e20` arrive alike.
/// Every float that large is a whole number anyway, so a number of magnitude at least
/// 10^18 is taken as a whole number out of range (`too_large`, or `not_positive` when
/// negative) rather than `not_an_integer`. The magnitude is read from the number's
/// text, never through floating point.
pub fn positive_json_integer(field: &str, value: &Value, max: i64) -> Result<i64, Violation> {
    let not_an_integer = || {
        Violation::new(
            field,
            "not_an_integer",
            "must be a JSON integer such as 1500, without quotes, fraction or exponent",
        )
    };
    let Value::Number(number) = value else {
        return Err(not_an_integer());
    };
    if let Some(i) = number.as_i64() {
        return positive_at_most(field, i, max);
    }
    if number.as_u64().is_some() {
        // Only integers above i64::MAX reach this point.
        return Err(too_large(field, max));
    }
    let text = number.to_string();
    match integer_digit_count(&text) {
        Some(digits) if digits >= 19 => {
            if text.starts_with('-') {
                Err(not_positive(field))
            } else {
                Err(too_large(field, max))
            }
        }
        _ => Err(not_an_integer()),
    }
}

fn not_positive(field: &str) -> Violation {
    Violation::new(field, "not_positive", "must be greater than zero")
}

fn too_large(field: &str, max: i64) -> Violation {
    Violation::new(field, "too_large", format!("must be at most {max}"))
}

/// How many digits the whole part of a number written as JSON text has (0 when its
/// magnitude is below 1), or `None` for text that is not a JSON number.
fn integer_digit_count(text: &str) -> Option<i64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = || whole.bytes().chain(fraction.bytes());
    if whole.is_empty() || !digits().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let leading_zeros = digits().take_while(|b| *b == b'0').count();
    if leading_zeros == whole.len() + fraction.len() {
        return Some(0);
    }
    let whole_len = i64::try_from(whole.len()).ok()?;
    let leading_zeros = i64::try_from(leading_zeros).ok()?;
    Some(
        whole_len
            .saturating_sub(leading_zeros)
            .saturating_add(exponent)
            .max(0),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn formats_exactly_at_every_scale() {
        assert_eq!(format_scaled(150000, 2), "1500.00");
        assert_eq!(format_scaled(150, 0), "150");
        assert_eq!(format_scaled(1500, 3), "1.500");
        assert_eq!(format_scaled(-1234, 2), "-12.34");
        assert_eq!(format_scaled(5, 3), "0.005");
        assert_eq!(format_scaled(-5, 2), "-0.05");
        assert_eq!(format_scaled(0, 2), "0.00");
        assert_eq!(format_scaled(0, 0), "0");
        assert_eq!(format_scaled(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(format_scaled(i64::MAX, 0), "9223372036854775807");
        assert_eq!(format_scaled(i64::MIN, 19), "-0.9223372036854775808");
        assert_eq!(format_scaled(1, 25), format!("0.{}1", "0".repeat(24)));
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_scaled("a", "12.5", 2), Ok(1250));
        assert_eq!(parse_scaled("a", "12.34", 2), Ok(1234));
        assert_eq!(parse_scaled("a", "12", 2), Ok(1200));
        assert_eq!(parse_scaled("a", "-12.34", 2), Ok(-1234));
        assert_eq!(parse_scaled("a", "0", 2), Ok(0));
        assert_eq!(parse_scaled("a", "-0", 2), Ok(0));
        assert_eq!(parse_scaled("a", "007.5", 2), Ok(750));
        assert_eq!(parse_scaled("a", "150", 0), Ok(150));
        assert_eq!(parse_scaled("a", "1.500", 3), Ok(1500));
        assert_eq!(parse_scaled("a", "-92233720368547758.08", 2), Ok(i64::MIN));
        assert_eq!(parse_scaled("a", "92233720368547758.07", 2), Ok(i64::MAX));
    }

    #[test]
    fn refuses_malformed_text_with_a_reason() {
        let code = |t: &str, s| parse_scaled("amount", t, s).unwrap_err().code;
        assert_eq!(code("", 2), "required");
        for bad in [
            "1,000", "1 000", " 1", "1 ", "+1", "1.", ".5", "-", "-.5", "1e3", "1E3", "0x10",
            "1.2.3", "--1", "١٢", "½", "NaN", "inf", "1_000", "-1.",
        ] {
            assert_eq!(code(bad, 2), "format", "{bad}");
        }
        assert_eq!(code("12.345", 2), "too_many_decimals");
        assert_eq!(code("12.50", 1), "too_many_decimals");
        assert_eq!(code("150.0", 0), "too_many_decimals");
        assert_eq!(code("92233720368547758.08", 2), "too_large");
        assert_eq!(code("-92233720368547758.09", 2), "too_large");
        assert_eq!(code(&"9".repeat(100), 0), "too_large");
        assert_eq!(code("1", 40), "too_large");
        assert_eq!(parse_scaled("a", "0", 40), Ok(0));
    }

    #[test]
    fn json_integers_follow_the_documented_order() {
        let max = 1000;
        let code = |v: Value| positive_json_integer("n", &v, max).unwrap_err().code;
        assert_eq!(positive_json_integer("n", &json!(1), max), Ok(1));
        assert_eq!(positive_json_integer("n", &json!(1000), max), Ok(1000));
        for v in [
            json!(1.5),
            json!(1.0),
            json!(-1.5),
            json!(0.0),
            json!("100"),
            json!(null),
            json!(true),
            json!([1]),
            json!({"n": 1}),
        ] {
            assert_eq!(code(v.clone()), "not_an_integer", "{v}");
        }
        let parsed = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        assert_eq!(code(parsed("1e3")), "not_an_integer");
        assert_eq!(code(parsed("1E3")), "not_an_integer");
        assert_eq!(code(parsed("5e-1")), "not_an_integer");
        assert_eq!(code(parsed("99999999999999.5")), "not_an_integer");
        assert_eq!(code(parsed("1.5e17")), "not_an_integer");
        // The documented edge: at 10^18 and above a float is a whole number.
        assert_eq!(code(parsed("999999999999999999.5")), "too_large");
        assert_eq!(code(json!(0)), "not_positive");
        assert_eq!(code(json!(-1)), "not_positive");
        assert_eq!(code(json!(i64::MIN)), "not_positive");
        assert_eq!(code(json!(1001)), "too_large");
        assert_eq!(code(json!(i64::MAX)), "too_large");
        assert_eq!(code(json!(u64::MAX)), "too_large");
        assert_eq!(code(parsed("9223372036854775808")), "too_large");
        assert_eq!(code(parsed("100000000000000000000")), "too_large");
        assert_eq!(code(parsed("1e20")), "too_large");
        assert_eq!(code(parsed("-9223372036854775809")), "not_positive");
        assert_eq!(code(parsed("-100000000000000000000")), "not_positive");
    }

    #[test]
    fn counts_whole_digits_from_text() {
        assert_eq!(integer_digit_count("0.0"), Some(0));
        assert_eq!(integer_digit_count("0.5"), Some(0));
        assert_eq!(integer_digit_count("12.5"), Some(2));
        assert_eq!(integer_digit_count("-12.5"), Some(2));
        assert_eq!(integer_digit_count("1e20"), Some(21));
        assert_eq!(integer_digit_count("1.5e19"), Some(20));
        assert_eq!(integer_digit_count("1e-7"), Some(0));
        assert_eq!(integer_digit_count("0.001e5"), Some(3));
        assert_eq!(integer_digit_count("x"), None);
    }

    proptest! {
        #[test]
        fn format_then_parse_is_the_identity(value: i64, scale in 0u32..=19) {
            prop_assert_eq!(parse_scaled("a", &format_scaled(value, scale), scale), Ok(value));
        }

        #[test]
        fn formatted_text_has_exactly_scale_decimals(value: i64, scale in 1u32..=19) {
            let text = format_scaled(value, scale);
            let (_, fraction) = text.split_once('.').unwrap();
            prop_assert_eq!(fraction.len(), scale as usize);
        }
    }
}
