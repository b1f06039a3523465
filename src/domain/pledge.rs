//! Pledges: what a sponsor promises a project, and the states a pledge moves through.
//! Money pledges are in the project's currency (ISO 4217 minor units); compute pledges
//! are GPU-minutes of an accelerator class.

use super::Violation;
use super::money::Money;

crate::text_enum! {
    /// Money or compute (`pledges.kind`).
    #[derive(utoipa::ToSchema)]
    pub enum PledgeKind {
        Money = "money",
        Compute = "compute",
    }
}

crate::text_enum! {
    /// Where a pledge stands (`pledges.state`):
    /// `pledged` → `received` (money, confirmed by a maintainer) or `cancelled` (by the
    /// sponsor); compute pledges end `delivered` or `expired`.
    #[derive(utoipa::ToSchema)]
    pub enum PledgeState {
        Pledged = "pledged",
        Received = "received",
        Cancelled = "cancelled",
        Delivered = "delivered",
        Expired = "expired",
    }
}

crate::text_enum! {
    /// How often a money pledge is paid (`pledges.recurrence`).
    #[derive(utoipa::ToSchema)]
    pub enum Recurrence {
        OneTime = "one_time",
        Monthly = "monthly",
    }
}

crate::text_enum! {
    /// Where one month of a monthly pledge stands (`instalments.state`): `due` until a
    /// maintainer confirms the money arrived (`received`); `cancelled` with its pledge.
    #[derive(utoipa::ToSchema)]
    pub enum InstalmentState {
        Due = "due",
        Received = "received",
        Cancelled = "cancelled",
    }
}

/// The longest message a sponsor may attach, in characters.
pub const MESSAGE_MAX: usize = 2000;

/// A validated money pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMoneyPledge {
    pub amount: Money,
    pub recurrence: Recurrence,
    /// Hidden from every public view: the sponsor is never named.
    pub anonymous: bool,
    pub message: Option<String>,
    /// The goal the pledge counts toward, if any (checked against the project when the
    /// pledge is made).
    pub goal_id: Option<super::ids::GoalId>,
}

impl NewMoneyPledge {
    /// Checks every field and reports all broken rules at once: `amount` (see
    /// [`Money::parse`]); `message` at most [`MESSAGE_MAX`] characters, no control
    /// characters but line breaks and tabs, blank → none.
    pub fn parse(
        currency: &str,
        amount_minor: &serde_json::Value,
        recurrence: Recurrence,
        anonymous: bool,
        message: Option<&str>,
    ) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let amount = Money::parse(currency, amount_minor)
            .map_err(|v| errors.extend(v))
            .ok();
        let message = match message.map(str::trim) {
            None | Some("") => None,
            Some(m) if m.chars().count() > MESSAGE_MAX => {
                errors.push(Violation::new(
                    "message",
                    "length",
                    format!("must be at most {MESSAGE_MAX} characters long"),
                ));
                None
            }
            Some(m)
                if m.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
            {
                errors.push(Violation::new(
                    "message",
                    "format",
                    "must not contain control characters",
                ));
                None
            }
            Some(m) => Some(m.to_owned()),
        };
        match amount {
            Some(amount) if errors.is_empty() => Ok(NewMoneyPledge {
                amount,
                recurrence,
                anonymous,
                message,
                goal_id: None,
            }),
            _ => Err(errors),
        }
    }
}

/// The longest `Idempotency-Key` accepted, in bytes.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// Checks an `Idempotency-Key` header value: 1–255 visible ASCII characters (the
/// IETF draft "The Idempotency-Key HTTP Header Field" leaves the format to the server;
/// clients typically send a UUID). Errors: `required`, `format`.
pub fn idempotency_key(raw: Option<&str>) -> Result<String, Violation> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Err(Violation::new(
            "Idempotency-Key",
            "required",
            "send an Idempotency-Key header (e.g. a UUID) so a retry cannot pledge twice",
        ));
    };
    if raw.len() > IDEMPOTENCY_KEY_MAX || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Violation::new(
            "Idempotency-Key",
            "format",
            format!("must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters"),
        ));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn money_pledges_check_amount_and_message() {
        let ok = NewMoneyPledge::parse(
            "USD",
            &json!(2500),
            Recurrence::Monthly,
            true,
            Some("  go  "),
        )
        .unwrap();
        assert_eq!(ok.amount.amount_minor(), 2500);
        assert_eq!(ok.message.as_deref(), Some("go"));
        let blank =
            NewMoneyPledge::parse("JPY", &json!(1), Recurrence::OneTime, false, Some(" ")).unwrap();
        assert_eq!(blank.message, None);
        let errors = NewMoneyPledge::parse(
            "USD",
            &json!(0),
            Recurrence::OneTime,
            false,
            Some(&"x".repeat(MESSAGE_MAX + 1)),
        )
        .unwrap_err();
        let codes: Vec<_> = errors
            .iter()
            .map(|v| (v.field.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [("amount_minor", "not_positive"), ("message", "length")]
        );
        let control =
            NewMoneyPledge::parse("USD", &json!(1), Recurrence::OneTime, false, Some("a\u{7}"))
                .unwrap_err();
        assert_eq!(control[0].code, "format");
    }

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        assert_eq!(idempotency_key(Some("7c9e-41")).unwrap(), "7c9e-41");
        assert_eq!(idempotency_key(None).unwrap_err().code, "required");
        assert_eq!(idempotency_key(Some("")).unwrap_err().code, "required");
        for bad in ["a b", "é", &"k".repeat(256)] {
            assert_eq!(
                idempotency_key(Some(bad)).unwrap_err().code,
                "format",
                "{bad}"
            );
        }
    }
}
