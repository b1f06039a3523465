//! Compute pledges and their deliveries: what a sponsor promises (GPU-minutes of one
//! accelerator class, from a provider, within a window), the reports of what was
//! delivered, and the rule that what is confirmed never exceeds what was pledged.
//! Pure: callers pass `now` and what they read.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::Violation;
use super::compute::{AcceleratorClass, GpuMinutes};
use super::pledge::MESSAGE_MAX;
use super::project::parse_label;

crate::text_enum! {
    /// Where a delivery report stands (`deliveries.state`): `reported` until a
    /// maintainer `confirmed` it (ledger entries written) or `rejected` it.
    #[derive(utoipa::ToSchema)]
    pub enum DeliveryState {
        Reported = "reported",
        Confirmed = "confirmed",
        Rejected = "rejected",
    }
}

crate::text_enum! {
    /// How a delivery was recorded (`deliveries.source`): a `report` (minutes and
    /// evidence), or a `slurm` accounting upload a maintainer confirmed at once.
    #[derive(utoipa::ToSchema)]
    pub enum DeliverySource {
        Report = "report",
        Slurm = "slurm",
    }
}

/// The longest provider name, in characters.
pub const PROVIDER_MAX: usize = 200;
/// The longest evidence text (a note or a link), in characters.
pub const EVIDENCE_MAX: usize = 2000;
/// How far ahead a delivery window may end: ten years (3653 days).
pub const WINDOW_MAX_DAYS: i64 = 3653;

/// A validated compute pledge (the class is checked against the catalogue by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComputePledge {
    pub accelerator: AcceleratorClass,
    pub gpu_minutes: GpuMinutes,
    /// Who provides the compute (a cloud, a cluster), if said.
    pub provider: Option<String>,
    /// When delivery may start (defaults to the moment of pledging) and must end; what
    /// is not delivered by `window_end` lapses.
    pub window_start: NaiveDateTime,
    pub window_end: NaiveDateTime,
    pub anonymous: bool,
    pub message: Option<String>,
}

/// Optional free text: trimmed, blank → none, at most `max` characters, no control
/// characters but line breaks and tabs (so no NUL reaches the database).
pub fn optional_text(
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, Violation> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(m) if m.chars().count() > max => Err(Violation::new(
            field,
            "length",
            format!("must be at most {max} characters long"),
        )),
        Some(m)
            if m.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Err(Violation::new(
                field,
                "format",
                "must not contain control characters",
            ))
        }
        Some(m) => Ok(Some(m.to_owned())),
    }
}

impl NewComputePledge {
    /// Checks every field and reports all broken rules at once: `accelerator` and
    /// `gpu_minutes` (see [`crate::domain::ComputeAmount::from_json`], on the raw
    /// `compute` object); `provider` at most [`PROVIDER_MAX`] characters;
    /// `window_end` in the future (`in_past`), after `window_start` (`window_order`),
    /// and at most [`WINDOW_MAX_DAYS`] ahead (`too_far`); `message` as for money pledges.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        compute: &serde_json::Value,
        provider: Option<&str>,
        window_start: Option<DateTime<Utc>>,
        window_end: DateTime<Utc>,
        anonymous: bool,
        message: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let amount = crate::domain::ComputeAmount::from_json("compute", compute)
            .map_err(|v| errors.extend(v))
            .ok();
        let provider = match provider.map(str::trim) {
            None | Some("") => None,
            Some(p) => parse_label("provider", p, PROVIDER_MAX)
                .map_err(|v| errors.push(v))
                .ok(),
        };
        let message = optional_text("message", message, MESSAGE_MAX)
            .map_err(|v| errors.push(v))
            .ok()
            .flatten();
        let start = window_start.map_or(now, |s| s.naive_utc());
        let end = window_end.naive_utc();
        if end <= now {
            errors.push(Violation::new(
                "window_end",
                "in_past",
                "must be in the future",
            ));
        } else if end <= start {
            errors.push(Violation::new(
                "window_end",
                "window_order",
                "must be after window_start",
            ));
        } else if end > now + Duration::days(WINDOW_MAX_DAYS) {
            errors.push(Violation::new(
                "window_end",
                "too_far",
                format!("must be at most {WINDOW_MAX_DAYS} days ahead"),
            ));
        }
        match amount {
            Some(amount) if errors.is_empty() => Ok(NewComputePledge {
                accelerator: amount.accelerator().clone(),
                gpu_minutes: amount.gpu_minutes(),
                provider,
                window_start: start,
                window_end: end,
                anonymous,
                message,
            }),
            _ => Err(errors),
        }
    }
}

/// What a delivery report carries: whole GPU-minutes and evidence (a note, or an
/// http(s) link to a log or invoice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub gpu_minutes: GpuMinutes,
    pub evidence: String,
}

impl NewDelivery {
    /// Errors: `gpu_minutes` as [`GpuMinutes::from_json`]; `evidence` required (1 to
    /// [`EVIDENCE_MAX`] characters, no control characters but line breaks and tabs; a
    /// value that starts with a URL scheme must be an http(s) link: `scheme`).
    pub fn parse(gpu_minutes: &serde_json::Value, evidence: &str) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let minutes = GpuMinutes::from_json("gpu_minutes", gpu_minutes)
            .map_err(|v| errors.push(v))
            .ok();
        let evidence = match optional_text("evidence", Some(evidence), EVIDENCE_MAX) {
            Ok(None) => {
                errors.push(Violation::new(
                    "evidence",
                    "required",
                    "describe the delivery or link to its record",
                ));
                None
            }
            Ok(Some(text)) => match check_link(&text) {
                Ok(()) => Some(text),
                Err(v) => {
                    errors.push(v);
                    None
                }
            },
            Err(v) => {
                errors.push(v);
                None
            }
        };
        match (minutes, evidence) {
            (Some(gpu_minutes), Some(evidence)) if errors.is_empty() => Ok(NewDelivery {
                gpu_minutes,
                evidence,
            }),
            _ => Err(errors),
        }
    }
}

/// Evidence that looks like a link (`word:` with no space before it, e.g.
/// `javascript:alert(1)`) must be http or https; a plain note passes.
fn check_link(text: &str) -> Result<(), Violation> {
    let first = text.split_whitespace().next().unwrap_or_default();
    let Some((scheme, _)) = first.split_once(':') else {
        return Ok(());
    };
    let looks_like_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let lower = scheme.to_ascii_lowercase();
    if looks_like_scheme && text.len() == first.len() && lower != "http" && lower != "https" {
        return Err(Violation::new(
            "evidence",
            "scheme",
            "a link must start with http:// or https://",
        ));
    }
    Ok(())
}

/// Why a delivery does not fit its pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{adding} GPU-minutes on top of {confirmed} confirmed would exceed the {pledged} pledged")]
pub struct ExceedsPledge {
    pub pledged: i64,
    pub confirmed: i64,
    pub adding: i64,
}

/// Checks that `adding` more GPU-minutes on top of `confirmed` stay within `pledged`;
/// returns the new confirmed total. The rule that delivered never exceeds pledged.
pub fn fits(pledged: i64, confirmed: i64, adding: i64) -> Result<i64, ExceedsPledge> {
    let err = ExceedsPledge {
        pledged,
        confirmed,
        adding,
    };
    match confirmed.checked_add(adding) {
        Some(total) if adding > 0 && total <= pledged => Ok(total),
        _ => Err(err),
    }
}

/// The GPU-minutes of a pledge that lapse when its window ends: what was pledged and
/// not confirmed delivered (never negative).
pub fn lapsed(pledged: i64, confirmed: i64) -> i64 {
    pledged.saturating_sub(confirmed).max(0)
}

/// A Slurm GPU type name as a project maps it (`slurm_gpu_types.slurm_type`): the
/// `<type>` of `gres/gpu:<type>=N`, 1–64 ASCII letters, digits, `.`, `_` or `-`, the
/// same rule [`crate::domain::slurm::parse_sacct`] reads. Errors: `format`.
pub fn slurm_type(field: &str, raw: &str) -> Result<String, Violation> {
    let ok = !raw.is_empty()
        && raw.len() <= crate::domain::slurm::GPU_TYPE_MAX
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(Violation::new(
            field,
            "format",
            "1 to 64 ASCII letters, digits, '.', '_' or '-', as in gres/gpu:<type>",
        ))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn now() -> NaiveDateTime {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap()
            .naive_utc()
    }

    fn end(days: i64) -> DateTime<Utc> {
        (now() + Duration::days(days)).and_utc()
    }

    #[test]
    fn compute_pledges_check_amount_window_and_text() {
        let ok = NewComputePledge::parse(
            &json!({"accelerator": "H100-80GB", "gpu_minutes": 60000}),
            Some("  Lab cluster "),
            None,
            end(30),
            false,
            None,
            now(),
        )
        .unwrap();
        assert_eq!(ok.gpu_minutes.get(), 60000);
        assert_eq!(ok.provider.as_deref(), Some("Lab cluster"));
        assert_eq!(ok.window_start, now());
        let codes = |r: Result<NewComputePledge, Vec<Violation>>| -> Vec<(String, String)> {
            r.unwrap_err()
                .into_iter()
                .map(|v| (v.field, v.code))
                .collect()
        };
        let bad = NewComputePledge::parse(
            &json!({"accelerator": "H100-80GB", "gpu_minutes": 0}),
            Some("a\u{0}b"),
            None,
            end(-1),
            false,
            None,
            now(),
        );
        assert_eq!(
            codes(bad),
            [
                ("gpu_minutes".into(), "not_positive".into()),
                ("provider".into(), "format".into()),
                ("window_end".into(), "in_past".into())
            ]
        );
        let order = NewComputePledge::parse(
            &json!({"accelerator": "A", "gpu_minutes": 1}),
            None,
            Some(end(10)),
            end(5),
            false,
            None,
            now(),
        );
        assert_eq!(codes(order), [("window_end".into(), "window_order".into())]);
        let far = NewComputePledge::parse(
            &json!({"accelerator": "A", "gpu_minutes": 1}),
            None,
            None,
            end(WINDOW_MAX_DAYS + 1),
            false,
            None,
            now(),
        );
        assert_eq!(codes(far), [("window_end".into(), "too_far".into())]);
    }

    #[test]
    fn deliveries_need_minutes_and_evidence() {
        let ok = NewDelivery::parse(&json!(90), " https://logs.example/run/7 ").unwrap();
        assert_eq!(ok.evidence, "https://logs.example/run/7");
        assert!(NewDelivery::parse(&json!(90), "ran the sweep: 90 min").is_ok());
        let e = NewDelivery::parse(&json!(1.5), "").unwrap_err();
        let codes: Vec<_> = e.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(codes, ["not_an_integer", "required"]);
        let e = NewDelivery::parse(&json!(1), "javascript:alert(1)").unwrap_err();
        assert_eq!(e[0].code, "scheme");
        let e = NewDelivery::parse(&json!(1), "x\u{0}").unwrap_err();
        assert_eq!(e[0].code, "format");
    }

    #[test]
    fn confirmed_never_exceeds_pledged() {
        assert_eq!(fits(100, 40, 60), Ok(100));
        assert!(fits(100, 40, 61).is_err());
        assert!(fits(100, 0, 0).is_err());
        assert!(fits(i64::MAX, i64::MAX, 1).is_err());
        assert_eq!(lapsed(100, 40), 60);
        assert_eq!(lapsed(100, 100), 0);
        assert_eq!(lapsed(100, 120), 0);
    }

    #[test]
    fn slurm_type_names() {
        assert!(slurm_type("t", "nvidia_h100_80gb").is_ok());
        for bad in ["", "a b", "a/b", &"x".repeat(65)] {
            assert!(slurm_type("t", bad).is_err(), "{bad}");
        }
    }
}
