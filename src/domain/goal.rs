//! Goals: what a project raises toward (a money amount in its currency, GPU-minutes per
//! accelerator class, or both) and how far it got. [`progress`] is a pure function of
//! the goal's targets, the pledges linked to it (with what the ledger holds from each:
//! see [`Contribution`]) and the project's fair-market values;
//! every sum is integer arithmetic on `i128` (checked, never wrapping), no floats.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::Violation;
use super::compute::ComputeAmount;
use super::pledge::{PledgeState, Recurrence};
use super::project::parse_label;

crate::text_enum! {
    /// Where a goal stands (`goals.status`): `open` until every target is reached by
    /// money received and compute delivered (`met`, once), a maintainer closes it
    /// (`closed`), or its deadline passes (`expired`, by the hourly `expire_goals` job).
    #[derive(utoipa::ToSchema)]
    pub enum GoalStatus {
        Open = "open",
        Met = "met",
        Closed = "closed",
        Expired = "expired",
    }
}

/// The longest title, in characters.
pub const TITLE_MAX: usize = 120;
/// The longest Markdown description, in characters.
pub const DESCRIPTION_MAX: usize = 20_000;
/// At most this many compute targets (accelerator classes) per goal.
pub const COMPUTE_TARGETS_MAX: usize = 32;
/// A percentage as basis points: 10,000 is 100 %.
pub const FULL_BASIS_POINTS: i64 = 10_000;

/// A goal's title: 1–120 characters, no control characters, not blank; trimmed (see
/// [`parse_label`]). Errors on field `title`: `length`, `format`.
pub fn parse_title(raw: &str) -> Result<String, Violation> {
    parse_label("title", raw, TITLE_MAX)
}

/// A goal's Markdown description: at most 20,000 characters, no control characters but
/// line breaks and tabs (a NUL byte never reaches PostgreSQL); trimmed, may be empty.
/// Errors on field `description`: `length`, `format`.
pub fn parse_description(raw: &str) -> Result<String, Violation> {
    if raw.chars().count() > DESCRIPTION_MAX {
        return Err(Violation::new(
            "description",
            "length",
            format!("must be at most {DESCRIPTION_MAX} characters long"),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Violation::new(
            "description",
            "format",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(raw.trim().to_owned())
}

/// A deadline must lie after `now` and before the year 10000. Errors on field
/// `deadline`: `in_the_past`, `too_late`.
pub fn check_deadline(deadline: NaiveDateTime, now: NaiveDateTime) -> Result<(), Violation> {
    if deadline <= now {
        return Err(Violation::new(
            "deadline",
            "in_the_past",
            "must be in the future",
        ));
    }
    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .unwrap_or(NaiveDateTime::MAX);
    if deadline > last {
        return Err(Violation::new(
            "deadline",
            "too_late",
            "must be before the year 10000",
        ));
    }
    Ok(())
}

/// Checks a goal's targets together: at least one target (money or compute; field
/// `targets`, code `required`), at most [`COMPUTE_TARGETS_MAX`] compute targets
/// (`compute_targets`, `too_many`), each class once (`compute_targets[i].accelerator`,
/// `duplicate`).
pub fn check_targets(has_money: bool, compute: &[ComputeAmount]) -> Vec<Violation> {
    let mut errors = Vec::new();
    if !has_money && compute.is_empty() {
        errors.push(Violation::new(
            "targets",
            "required",
            "give a money target, compute targets, or both",
        ));
    }
    if compute.len() > COMPUTE_TARGETS_MAX {
        errors.push(Violation::new(
            "compute_targets",
            "too_many",
            format!("at most {COMPUTE_TARGETS_MAX} accelerator classes"),
        ));
    }
    for (i, c) in compute.iter().enumerate() {
        if compute[..i]
            .iter()
            .any(|o| o.accelerator() == c.accelerator())
        {
            errors.push(Violation::new(
                &format!("compute_targets[{i}].accelerator"),
                "duplicate",
                format!("{} is targeted twice", c.accelerator()),
            ));
        }
    }
    errors
}

/// What a goal aims at: minor units of the project's currency and GPU-minutes per
/// accelerator class (by catalogue code). Targets are positive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub money_minor: Option<i64>,
    pub compute: BTreeMap<String, i64>,
}

/// One pledge linked to a goal, as far as progress is concerned.
///
/// **One rule for what arrived: the ledger.** Money received and compute delivered are
/// what the public ledger holds from the pledge, never read from its state: the money
/// its receipts (the one-time receipt, each instalment's) put into the project's `Held`
/// account and the GPU-minutes its confirmed deliveries moved into `ComputeUsed`, net
/// of every reversal of those transactions (and of a reversal's reversal). So reversing
/// a receipt or a delivery confirmation lowers the goal's received (delivered) figure
/// by exactly what it takes out of the ledger, and the goal page never disagrees with
/// the ledger page. What was *pledged* is the sponsor's promise and follows the pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contribution {
    /// A money pledge. For a monthly pledge, `amount_minor` is one month and
    /// `instalments_minor` the sum of its instalments created so far and not cancelled
    /// (due or received); a one-time pledge has none (0). `received_minor` is what the
    /// ledger holds from the pledge (see above).
    Money {
        state: PledgeState,
        recurrence: Recurrence,
        amount_minor: i64,
        instalments_minor: i64,
        received_minor: i64,
    },
    /// A compute pledge: `gpu_minutes` of `class` promised, `delivered_minutes` what the
    /// ledger holds as used from it (its confirmed deliveries net of their reversals).
    Compute {
        class: String,
        state: PledgeState,
        gpu_minutes: i64,
        delivered_minutes: i64,
    },
}

impl Contribution {
    /// `(pledged, received)` of money, in minor units; `None` for compute. Received is
    /// the ledger's figure (never below 0); pledged is never less than received.
    ///
    /// - one-time: pledged is the amount while `pledged` or `received` (a receipt
    ///   reversed leaves the promise standing, with nothing received); a cancelled
    ///   pledge counts only what was received (nothing: only a pledge not yet received
    ///   can be cancelled).
    /// - monthly: while the pledge runs (`pledged`), pledged is what its instalments
    ///   created so far come to (due and received), and at least one month's amount (so
    ///   a new monthly pledge counts before the job creates its first instalment);
    ///   future months are not counted, as the sponsor may stop at any time. Once it
    ///   stops (cancelled), pledged is what was received.
    fn money(&self) -> Option<(i128, i128)> {
        let Contribution::Money {
            state,
            recurrence,
            amount_minor,
            instalments_minor,
            received_minor,
        } = self
        else {
            return None;
        };
        let amount = i128::from(*amount_minor);
        let received = i128::from((*received_minor).max(0));
        let promised = match (recurrence, state) {
            (Recurrence::OneTime, PledgeState::Pledged | PledgeState::Received) => amount,
            (Recurrence::Monthly, PledgeState::Pledged) => {
                i128::from(*instalments_minor).max(amount)
            }
            _ => 0,
        };
        Some((promised.max(received), received))
    }

    /// `(class, pledged, delivered)` GPU-minutes; `None` for money. Delivered is the
    /// ledger's figure (never below 0). Pledged is the pledge's minutes while it is
    /// `pledged` or `delivered` (never less than delivered); once cancelled or expired,
    /// only what was delivered: the undelivered remainder lapsed.
    fn compute(&self) -> Option<(&str, i128, i128)> {
        let Contribution::Compute {
            class,
            state,
            gpu_minutes,
            delivered_minutes,
        } = self
        else {
            return None;
        };
        let delivered = i128::from((*delivered_minutes).max(0));
        let pledged = match state {
            PledgeState::Pledged | PledgeState::Delivered => {
                i128::from(*gpu_minutes).max(delivered)
            }
            _ => delivered,
        };
        Some((class, pledged, delivered))
    }
}

/// Progress toward one target: `received` is money received or compute delivered.
/// Amounts are minor units or GPU-minutes, saturating at `i64::MAX` (which no bounded
/// input reaches: it takes ~900,000 pledges of the largest amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub target: i64,
    pub pledged: i64,
    pub received: i64,
}

impl Tally {
    /// Pledged as basis points of the target, rounded down; not capped (150 % is 15,000).
    pub fn pledged_basis_points(&self) -> i64 {
        basis_points(i128::from(self.pledged), i128::from(self.target))
    }

    /// Received (delivered) as basis points of the target, rounded down; not capped.
    pub fn received_basis_points(&self) -> i64 {
        basis_points(i128::from(self.received), i128::from(self.target))
    }

    pub fn reached(&self) -> bool {
        self.received >= self.target
    }
}

/// The combined figure: money plus compute valued at the project's fair-market value
/// per GPU-hour, in minor units of the project's currency.
///
/// Each part counts **up to its own target** (capped per target), so that 100 %
/// (10,000 basis points) means exactly that every target is reached, the same rule as
/// a goal being met: surplus money does not stand in for missing compute or the other
/// way round. Values are exact in sixtieths of a minor unit (`minutes ×
/// value_per_gpu_hour`, `money × 60`), summed, and rounded **down** once: to whole minor
/// units for the `*_minor` fields, to whole basis points for the percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Combined {
    pub target_minor: i64,
    pub pledged_minor: i64,
    pub received_minor: i64,
    pub pledged_basis_points: i64,
    pub received_basis_points: i64,
}

/// How far a goal got. `compute` has one tally per targeted class; pledges of other
/// classes (or money pledges to a goal without a money target) count toward nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub money: Option<Tally>,
    pub compute: BTreeMap<String, Tally>,
    /// Present when the goal has at least one target and the project set a fair-market
    /// value for every class the goal targets (a money-only goal has one too).
    pub combined: Option<Combined>,
}

impl Progress {
    /// Every target is reached by money received and compute delivered (a goal without
    /// targets never is).
    pub fn reached(&self) -> bool {
        let mut tallies = self.money.iter().chain(self.compute.values()).peekable();
        tallies.peek().is_some() && tallies.all(Tally::reached)
    }
}

/// The progress of a goal with `targets`, given the pledges linked to it and the
/// project's fair-market values (`values`: minor units per GPU-hour, by class code).
pub fn progress(
    targets: &Targets,
    contributions: &[Contribution],
    values: &BTreeMap<String, i64>,
) -> Progress {
    let money = targets.money_minor.map(|target| {
        let (pledged, received) = contributions
            .iter()
            .filter_map(Contribution::money)
            .fold((0i128, 0i128), |(p, r), (cp, cr)| (p + cp, r + cr));
        Tally {
            target,
            pledged: saturate(pledged),
            received: saturate(received),
        }
    });
    let compute: BTreeMap<String, Tally> = targets
        .compute
        .iter()
        .map(|(class, &target)| {
            let (pledged, delivered) = contributions
                .iter()
                .filter_map(Contribution::compute)
                .filter(|(c, _, _)| c == class)
                .fold((0i128, 0i128), |(p, d), (_, cp, cd)| (p + cp, d + cd));
            (
                class.clone(),
                Tally {
                    target,
                    pledged: saturate(pledged),
                    received: saturate(delivered),
                },
            )
        })
        .collect();
    let combined = combine(money.as_ref(), &compute, values);
    Progress {
        money,
        compute,
        combined,
    }
}

/// See [`Combined`]. `None` without targets, when a targeted class has no value, or
/// (unreachable with bounded inputs) when a value overflows.
fn combine(
    money: Option<&Tally>,
    compute: &BTreeMap<String, Tally>,
    values: &BTreeMap<String, i64>,
) -> Option<Combined> {
    if money.is_none() && compute.is_empty() {
        return None;
    }
    // (weight in sixtieths of a minor unit per unit of the tally, tally)
    let mut parts: Vec<(i128, &Tally)> = Vec::new();
    if let Some(m) = money {
        parts.push((60, m));
    }
    for (class, tally) in compute {
        let per_hour = *values.get(class)?;
        parts.push((i128::from(per_hour), tally));
    }
    let (mut target, mut pledged, mut received) = (0i128, 0i128, 0i128);
    for (weight, t) in parts {
        let cap = |x: i64| i128::from(x.min(t.target));
        target = target.checked_add(weight.checked_mul(i128::from(t.target))?)?;
        pledged = pledged.checked_add(weight.checked_mul(cap(t.pledged))?)?;
        received = received.checked_add(weight.checked_mul(cap(t.received))?)?;
    }
    let minor = |sixtieths: i128| i64::try_from(sixtieths / 60).ok();
    Some(Combined {
        target_minor: minor(target)?,
        pledged_minor: minor(pledged)?,
        received_minor: minor(received)?,
        pledged_basis_points: checked_basis_points(pledged, target)?,
        received_basis_points: checked_basis_points(received, target)?,
    })
}

/// `floor(part × 10,000 / whole)` for `whole > 0`, saturating at `i64::MAX`.
fn basis_points(part: i128, whole: i128) -> i64 {
    checked_basis_points(part, whole).unwrap_or(i64::MAX)
}

fn checked_basis_points(part: i128, whole: i128) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    let bp = part
        .max(0)
        .checked_mul(i128::from(FULL_BASIS_POINTS))?
        .checked_div(whole)?;
    i64::try_from(bp).ok()
}

fn saturate(x: i128) -> i64 {
    i64::try_from(x).unwrap_or(if x < 0 { 0 } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn targets(money: Option<i64>, compute: &[(&str, i64)]) -> Targets {
        Targets {
            money_minor: money,
            compute: compute.iter().map(|(c, m)| (c.to_string(), *m)).collect(),
        }
    }

    /// A one-time pledge whose receipt the ledger holds exactly when it is `received`.
    fn one_time(state: PledgeState, amount: i64) -> Contribution {
        let received = if state == PledgeState::Received {
            amount
        } else {
            0
        };
        one_time_in_ledger(state, amount, received)
    }

    fn one_time_in_ledger(state: PledgeState, amount: i64, received: i64) -> Contribution {
        Contribution::Money {
            state,
            recurrence: Recurrence::OneTime,
            amount_minor: amount,
            instalments_minor: 0,
            received_minor: received,
        }
    }

    /// A monthly pledge with `created` in instalments (due or received) and `received`
    /// of it in the ledger.
    fn monthly(state: PledgeState, amount: i64, created: i64, received: i64) -> Contribution {
        Contribution::Money {
            state,
            recurrence: Recurrence::Monthly,
            amount_minor: amount,
            instalments_minor: created,
            received_minor: received,
        }
    }

    fn gpu(class: &str, state: PledgeState, minutes: i64, delivered: i64) -> Contribution {
        Contribution::Compute {
            class: class.into(),
            state,
            gpu_minutes: minutes,
            delivered_minutes: delivered,
        }
    }

    #[test]
    fn money_counts_pledged_and_received_by_state() {
        use PledgeState::*;
        let p = progress(
            &targets(Some(10_000), &[]),
            &[
                one_time(Pledged, 1_000),
                one_time(Received, 2_000),
                one_time(Cancelled, 4_000),
                // A new monthly pledge counts its first month before any instalment.
                monthly(Pledged, 500, 0, 0),
                // Two instalments created, one received.
                monthly(Pledged, 300, 600, 300),
                // Stopped after one received month.
                monthly(Cancelled, 700, 1_400, 700),
            ],
            &BTreeMap::new(),
        );
        let m = p.money.unwrap();
        assert_eq!(m.pledged, 1_000 + 2_000 + 500 + 600 + 700);
        assert_eq!(m.received, 2_000 + 300 + 700);
        assert_eq!(m.received_basis_points(), 3_000);
        assert_eq!(m.pledged_basis_points(), 4_800);
        assert!(!p.reached());
        // Money-only goals have a combined figure equal to the money one.
        let c = p.combined.unwrap();
        assert_eq!(c.received_basis_points, 3_000);
        assert_eq!(c.target_minor, 10_000);
    }

    #[test]
    fn received_follows_the_ledger_not_the_pledge_state() {
        use PledgeState::*;
        let t = targets(Some(10_000), &[("A", 600)]);
        let p = progress(
            &t,
            &[
                // Confirmed, then its receipt reversed: still promised, nothing arrived.
                one_time_in_ledger(Received, 2_000, 0),
                one_time(Received, 1_000),
                // Three months created and received, one receipt reversed.
                monthly(Pledged, 500, 1_500, 1_000),
                // 600 minutes confirmed (the pledge is delivered), 600 reversed.
                gpu("A", Delivered, 600, 0),
            ],
            &BTreeMap::new(),
        );
        let m = p.money.unwrap();
        assert_eq!(
            (m.pledged, m.received),
            (2_000 + 1_000 + 1_500, 1_000 + 1_000)
        );
        let a = p.compute["A"];
        assert_eq!((a.pledged, a.received), (600, 0));
        assert!(!p.reached());
        // A cancelled monthly pledge is worth what the ledger holds from it.
        let p = progress(&t, &[monthly(Cancelled, 500, 1_500, 500)], &BTreeMap::new());
        let m = p.money.unwrap();
        assert_eq!((m.pledged, m.received), (500, 500));
    }

    #[test]
    fn compute_counts_per_class_and_lapsed_remainders_do_not() {
        use PledgeState::*;
        let p = progress(
            &targets(None, &[("H100-80GB", 6_000)]),
            &[
                gpu("H100-80GB", Pledged, 3_000, 1_000),
                gpu("H100-80GB", Expired, 3_000, 500),
                gpu("H100-80GB", Cancelled, 9_000, 0),
                gpu("A100-40GB", Delivered, 9_000, 9_000),
                one_time(Received, 99),
            ],
            &BTreeMap::new(),
        );
        assert_eq!(p.money, None);
        let h = p.compute["H100-80GB"];
        assert_eq!((h.pledged, h.received), (3_500, 1_500));
        assert_eq!(h.received_basis_points(), 2_500);
        assert_eq!(p.compute.len(), 1);
        // No fair-market value for H100: no combined figure.
        assert_eq!(p.combined, None);
    }

    #[test]
    fn combined_values_compute_and_rounds_down_once() {
        use PledgeState::*;
        // $1,000 and 100 H100-hours at $2.50 an hour: $1,250 in all.
        let values = BTreeMap::from([("H100-80GB".to_owned(), 250)]);
        let t = targets(Some(100_000), &[("H100-80GB", 6_000)]);
        let p = progress(
            &t,
            &[
                one_time(Received, 33_333),
                // 7 minutes at 250/60 a minute: 29.1666… minor units.
                gpu("H100-80GB", Pledged, 6_000, 7),
            ],
            &values,
        );
        let c = p.combined.unwrap();
        assert_eq!(c.target_minor, 125_000);
        // 33,333 + 29.1666… = 33,362.1666… → 33,362 minor units.
        assert_eq!(c.received_minor, 33_362);
        // 33,362.1666… / 125,000 = 26.68973… % → 2,668 basis points.
        assert_eq!(c.received_basis_points, 2_668);
        assert_eq!(c.pledged_basis_points, 4_666);
        // Surplus money does not stand in for missing compute: capped per target.
        let p = progress(
            &t,
            &[
                one_time(Received, 1_000_000),
                gpu("H100-80GB", Pledged, 6_000, 0),
            ],
            &values,
        );
        let c = p.combined.unwrap();
        assert_eq!(c.received_basis_points, 8_000);
        assert_eq!(c.received_minor, 100_000);
        assert_eq!(p.money.unwrap().received_basis_points(), 100_000);
        assert!(!p.reached());
    }

    #[test]
    fn reached_needs_every_target() {
        use PledgeState::*;
        let t = targets(Some(100), &[("A", 10), ("B", 10)]);
        let p = progress(
            &t,
            &[
                one_time(Received, 100),
                gpu("A", Delivered, 10, 10),
                gpu("B", Pledged, 10, 9),
            ],
            &BTreeMap::new(),
        );
        assert!(!p.reached());
        let p = progress(
            &t,
            &[
                one_time(Received, 100),
                gpu("A", Delivered, 10, 10),
                gpu("B", Pledged, 10, 9),
                gpu("B", Pledged, 10, 1),
            ],
            &BTreeMap::new(),
        );
        assert!(p.reached());
        assert!(!progress(&Targets::default(), &[], &BTreeMap::new()).reached());
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        use PledgeState::*;
        let values = BTreeMap::from([("A".to_owned(), 10_000_000_000_000)]);
        let p = progress(
            &targets(Some(10_000_000_000_000), &[("A", 1_000_000_000_000)]),
            &[gpu("A", Pledged, 1_000_000_000_000, 1)],
            &values,
        );
        // 10^12 minutes at 10^13 an hour is far past i64: no combined figure, no panic.
        assert_eq!(p.combined, None);
        assert_eq!(p.compute["A"].received, 1);
    }

    #[test]
    fn titles_descriptions_and_deadlines() {
        assert_eq!(parse_title("  Train v2 ").unwrap(), "Train v2");
        assert_eq!(parse_title(" ").unwrap_err().code, "format");
        assert_eq!(parse_title(&"x".repeat(121)).unwrap_err().code, "length");
        assert_eq!(parse_description("a\nb").unwrap(), "a\nb");
        assert_eq!(parse_description("a\0b").unwrap_err().code, "format");
        let now: NaiveDateTime = "2027-01-01T00:00:00".parse().unwrap();
        assert_eq!(check_deadline(now, now).unwrap_err().code, "in_the_past");
        assert!(check_deadline(now + chrono::Duration::seconds(1), now).is_ok());
        let far: NaiveDateTime = "+10000-01-01T00:00:00".parse().unwrap();
        assert_eq!(check_deadline(far, now).unwrap_err().code, "too_late");
    }

    #[test]
    fn targets_need_one_and_each_class_once() {
        use crate::domain::{AcceleratorClass, GpuMinutes};
        let c = |code: &str| {
            ComputeAmount::new(
                AcceleratorClass::parse("a", code).unwrap(),
                GpuMinutes::new("m", 60).unwrap(),
            )
        };
        assert_eq!(check_targets(false, &[])[0].code, "required");
        assert!(check_targets(true, &[]).is_empty());
        let dup = check_targets(false, &[c("A"), c("B"), c("A")]);
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].field, "compute_targets[2].accelerator");
    }

    fn any_state() -> impl Strategy<Value = PledgeState> {
        prop::sample::select(PledgeState::ALL.to_vec())
    }

    fn any_contribution() -> impl Strategy<Value = Contribution> {
        let amount = 1i64..=10_000_000_000_000;
        prop_oneof![
            (any_state(), amount.clone()).prop_map(|(s, a)| one_time(s, a)),
            (any_state(), amount.clone(), 0i64..=36, 0i64..=36)
                .prop_map(|(s, a, due, rec)| { monthly(s, a, a * (due + rec), a * rec) }),
            // A receipt (or several instalments') reversed: less in the ledger.
            (any_state(), amount.clone(), 0i64..=1).prop_map(|(s, a, kept)| one_time_in_ledger(
                s,
                a,
                a * kept
            )),
            (
                any_state(),
                prop::sample::select(vec!["A", "B", "C"]),
                1i64..=1_000_000_000_000,
                0i64..=1_000_000_000_000
            )
                .prop_map(|(s, class, m, d)| gpu(class, s, m, d.min(m))),
        ]
    }

    proptest! {
        /// Pledged never trails received; the combined percentage is within 0–100 %,
        /// 100 % exactly when every target is reached, and never above the smallest
        /// part's share would allow.
        #[test]
        fn progress_is_consistent(
            money in prop::option::of(1i64..=10_000_000_000_000),
            a in prop::option::of(1i64..=1_000_000_000_000),
            b in prop::option::of(1i64..=1_000_000_000_000),
            value_a in 1i64..=100_000_000,
            value_b in prop::option::of(1i64..=100_000_000),
            contributions in prop::collection::vec(any_contribution(), 0..12),
        ) {
            let mut compute = BTreeMap::new();
            if let Some(a) = a { compute.insert("A".to_owned(), a); }
            if let Some(b) = b { compute.insert("B".to_owned(), b); }
            let t = Targets { money_minor: money, compute };
            let mut values = BTreeMap::from([("A".to_owned(), value_a)]);
            if let Some(v) = value_b { values.insert("B".to_owned(), v); }
            let p = progress(&t, &contributions, &values);
            for tally in p.money.iter().chain(p.compute.values()) {
                prop_assert!(tally.pledged >= tally.received);
                prop_assert!(tally.received >= 0);
            }
            let has_targets = money.is_some() || a.is_some() || b.is_some();
            let valued = b.is_none() || value_b.is_some();
            prop_assert_eq!(p.combined.is_some(), has_targets && valued);
            if let Some(c) = p.combined {
                prop_assert!((0..=FULL_BASIS_POINTS).contains(&c.received_basis_points));
                prop_assert!(c.pledged_basis_points >= c.received_basis_points);
                prop_assert!(c.pledged_basis_points <= FULL_BASIS_POINTS);
                prop_assert_eq!(c.received_basis_points == FULL_BASIS_POINTS, p.reached());
                prop_assert!(c.received_minor <= c.target_minor);
            }
        }
    }
}
