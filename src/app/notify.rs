//! Funding notifications: what happened (a [`FundingEvent`]) is recorded in the same
//! unit of work as the change itself, as a `notify` job; the job composes the mail to
//! each person concerned and writes it to the outbox in one unit of work. So a change
//! that rolls back mails no one, and a use case needs no mail context to announce
//! something.
//!
//! Who hears what:
//! | event | sponsor | project's owners and maintainers |
//! |---|---|---|
//! | `pledge_created` | confirmation of the pledge | "new pledge" (an anonymous pledge names no sponsor) |
//! | `pledge_received` | receipt (amount, date) | — |
//! | `instalment_due` | the instalment's amount and due date | — |
//! | `goal_met` | every sponsor of the goal, anonymous ones too (the mail is private) | "goal met" (see [`super::goals::deliver_met`]) |
//! | `delivery_reported` | — | compute reported delivered, to confirm or reject |
//! | `delivery_confirmed` | what was confirmed, and the total so far | — |

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::{DbError, Tx};
use crate::domain::compute::format_gpu_hours;
use crate::domain::delivery::DeliveryState;
use crate::domain::ids::{DeliveryId, GoalId, InstalmentId, PledgeId};
use crate::domain::money::{Currency, format_decimal};
use crate::domain::pledge::{PledgeKind, Recurrence};
use crate::jobs;
use crate::mail::{self, MailContext, Template, templates::Notice};
use crate::store::{deliveries, instalments, members, pledges, projects, users};

/// Something about funding that people should hear of. Serialised as the `notify`
/// job's payload (`{"event": "pledge_created", "pledge": 7}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FundingEvent {
    /// A pledge was made.
    PledgeCreated { pledge: PledgeId },
    /// A one-time pledge, or one instalment of a monthly one, was received.
    PledgeReceived {
        pledge: PledgeId,
        instalment: Option<InstalmentId>,
    },
    /// Instalment `seq` of a monthly pledge fell due.
    InstalmentDue { pledge: PledgeId, seq: i32 },
    /// Every target of a goal was reached (announced once, when it became `met`).
    GoalMet { goal: GoalId },
    /// Compute was reported delivered against a pledge (waits for a maintainer).
    DeliveryReported {
        pledge: PledgeId,
        delivery: DeliveryId,
    },
    /// A maintainer confirmed a delivery (or recorded a Slurm upload).
    DeliveryConfirmed {
        pledge: PledgeId,
        delivery: DeliveryId,
    },
}

impl FundingEvent {
    /// A key naming the event once: the same event announced twice is mailed once.
    pub fn key(&self) -> String {
        match self {
            FundingEvent::PledgeCreated { pledge } => format!("pledge_created:{pledge}"),
            FundingEvent::PledgeReceived { pledge, instalment } => match instalment {
                Some(i) => format!("pledge_received:{pledge}:{i}"),
                None => format!("pledge_received:{pledge}"),
            },
            FundingEvent::InstalmentDue { pledge, seq } => format!("instalment_due:{pledge}:{seq}"),
            FundingEvent::GoalMet { goal } => format!("goal_met:{goal}"),
            FundingEvent::DeliveryReported { delivery, .. } => {
                format!("delivery_reported:{delivery}")
            }
            FundingEvent::DeliveryConfirmed { delivery, .. } => {
                format!("delivery_confirmed:{delivery}")
            }
        }
    }
}

/// Records `event` in the caller's unit of work (as a `notify` job).
pub fn announce(tx: &mut Tx<'_>, event: FundingEvent, now: NaiveDateTime) -> Result<(), DbError> {
    jobs::enqueue(tx, &jobs::kinds::Notify { event }, now)?;
    Ok(())
}

/// Composes the mail for `event` and writes it to the outbox; returns how many messages.
/// Something that vanished since (a deleted account) is skipped, not an error.
pub fn deliver(
    tx: &mut Tx<'_>,
    ctx: &MailContext,
    event: FundingEvent,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    if let FundingEvent::GoalMet { goal } = event {
        return super::goals::deliver_met(tx, ctx, goal, now);
    }
    let base = ctx.public_url.trim_end_matches('/').to_owned();
    let (FundingEvent::PledgeCreated { pledge: pledge_id }
    | FundingEvent::PledgeReceived {
        pledge: pledge_id, ..
    }
    | FundingEvent::InstalmentDue {
        pledge: pledge_id, ..
    }
    | FundingEvent::DeliveryReported {
        pledge: pledge_id, ..
    }
    | FundingEvent::DeliveryConfirmed {
        pledge: pledge_id, ..
    }) = event
    else {
        return Ok(0);
    };
    let Some(pledge) = pledges::find(tx, pledge_id)? else {
        return Ok(0);
    };
    let Some(project) = projects::find_by_id(tx, pledge.project_id)? else {
        return Ok(0);
    };
    let sponsor = users::find(tx, pledge.sponsor_id)?.filter(|u| u.deleted_at.is_none());
    let what = describe(&pledge)?;
    let pledges_url = format!("{base}/me/pledges");
    let project_url = format!("{base}/projects/{}", project.slug);
    let mut out: Vec<(String, Notice)> = Vec::new();
    match event {
        FundingEvent::PledgeCreated { .. } => {
            if let Some(s) = &sponsor {
                out.push((
                    s.email.clone(),
                    Notice {
                        template: "pledge_created",
                        name: s.display_name.clone(),
                        subject: format!("Your pledge to {}", project.name),
                        paragraphs: vec![
                            format!("Thank you for pledging {what} to {}.", project.name),
                            if pledge.anonymous {
                                "Your pledge is anonymous: no public page, ledger or export names you.".to_owned()
                            } else {
                                "The project's maintainers will confirm it once it arrives; you will get a receipt then.".to_owned()
                            },
                        ],
                        action: Some(("Your pledges".into(), pledges_url.clone())),
                    },
                ));
            }
            let from = match (&sponsor, pledge.anonymous) {
                (Some(s), false) => s.display_name.clone(),
                _ => "An anonymous sponsor".to_owned(),
            };
            for (email, name) in members::contacts(tx, project.id)? {
                out.push((
                    email,
                    Notice {
                        template: "pledge_new",
                        name,
                        subject: format!("New pledge to {}", project.name),
                        paragraphs: vec![
                            format!("{from} pledged {what} to {}.", project.name),
                            "Confirm it in the maintainer console once it has arrived; the ledger records it then.".to_owned(),
                        ],
                        action: Some((
                            "Open the maintainer console".into(),
                            format!("{project_url}/manage"),
                        )),
                    },
                ));
            }
        }
        FundingEvent::PledgeReceived { instalment, .. } => {
            let amount = match instalment {
                Some(id) => match instalments::find(tx, id)? {
                    Some(i) => money_text(pledge.currency.as_deref(), i.amount_minor)?,
                    None => return Ok(0),
                },
                None => money_text(pledge.currency.as_deref(), pledge.amount_minor.unwrap_or(0))?,
            };
            if let Some(s) = &sponsor {
                out.push((
                    s.email.clone(),
                    Notice {
                        template: "pledge_received",
                        name: s.display_name.clone(),
                        subject: format!("Receipt: {amount} to {}", project.name),
                        paragraphs: vec![
                            format!(
                                "{} confirmed that your {amount} arrived on {}. It is now in the project's public ledger.",
                                project.name,
                                now.format("%Y-%m-%d")
                            ),
                            format!("Pledge reference: #{}.", pledge.id),
                        ],
                        action: Some(("Your pledges".into(), pledges_url.clone())),
                    },
                ));
            }
        }
        FundingEvent::InstalmentDue { seq, .. } => {
            let Some(i) = instalments::find_by_seq(tx, pledge_id, seq)? else {
                return Ok(0);
            };
            let amount = money_text(pledge.currency.as_deref(), i.amount_minor)?;
            if let Some(s) = &sponsor {
                out.push((
                    s.email.clone(),
                    Notice {
                        template: "instalment_due",
                        name: s.display_name.clone(),
                        subject: format!("Your monthly {amount} to {} is due", project.name),
                        paragraphs: vec![format!(
                            "The instalment of your monthly pledge to {} ({amount}) is due on {}. The maintainers confirm it once it has arrived.",
                            project.name,
                            i.due_at.format("%Y-%m-%d")
                        )],
                        action: Some(("Your pledges".into(), pledges_url.clone())),
                    },
                ));
            }
        }
        FundingEvent::GoalMet { .. } => {}
        FundingEvent::DeliveryReported { delivery, .. } => {
            let Some(d) = deliveries::find(tx, delivery)? else {
                return Ok(0);
            };
            let class = compute_class(tx, &pledge)?;
            for (email, name) in members::contacts(tx, project.id)? {
                out.push((
                    email,
                    Notice {
                        template: "delivery_reported",
                        name,
                        subject: format!("Compute delivery to confirm for {}", project.name),
                        paragraphs: vec![
                            format!(
                                "{} GPU-hours of {class} were reported delivered against pledge #{} to {}.",
                                format_gpu_hours(d.gpu_minutes),
                                pledge.id,
                                project.name
                            ),
                            "Check the evidence and confirm or reject the report; nothing enters the ledger until you confirm it.".to_owned(),
                        ],
                        action: Some((
                            "Open the maintainer console".into(),
                            format!("{project_url}/manage"),
                        )),
                    },
                ));
            }
        }
        FundingEvent::DeliveryConfirmed { delivery, .. } => {
            let Some(d) = deliveries::find(tx, delivery)? else {
                return Ok(0);
            };
            let class = compute_class(tx, &pledge)?;
            let total = deliveries::total(tx, pledge.id, DeliveryState::Confirmed)?;
            if let Some(s) = &sponsor {
                out.push((
                    s.email.clone(),
                    Notice {
                        template: "delivery_confirmed",
                        name: s.display_name.clone(),
                        subject: format!("{} confirmed your compute delivery", project.name),
                        paragraphs: vec![
                            format!(
                                "{} confirmed {} GPU-hours of {class} delivered against your pledge #{}; the public ledger records it.",
                                project.name,
                                format_gpu_hours(d.gpu_minutes),
                                pledge.id
                            ),
                            format!(
                                "Delivered so far: {} of {} GPU-hours. Thank you!",
                                format_gpu_hours(total),
                                format_gpu_hours(pledge.gpu_minutes.unwrap_or(0))
                            ),
                        ],
                        action: Some(("Your pledges".into(), pledges_url.clone())),
                    },
                ));
            }
        }
    }
    let sent = out.len();
    for (to, notice) in out {
        mail::queue(tx, ctx, &to, &Template::Notice(notice), now)?;
    }
    Ok(sent)
}

/// "100.00 USD monthly", "60000 GPU-minutes of H100-80GB".
fn describe(pledge: &pledges::PledgeRow) -> Result<String, DbError> {
    match pledge.kind {
        PledgeKind::Money => {
            let amount = money_text(pledge.currency.as_deref(), pledge.amount_minor.unwrap_or(0))?;
            Ok(match pledge.recurrence {
                Some(Recurrence::Monthly) => format!("{amount} a month"),
                _ => amount,
            })
        }
        PledgeKind::Compute => Ok(format!(
            "{} GPU-hours of compute",
            format_gpu_hours(pledge.gpu_minutes.unwrap_or(0))
        )),
    }
}

/// The class code of a compute pledge, e.g. `H100-80GB`.
fn compute_class(tx: &mut Tx<'_>, pledge: &pledges::PledgeRow) -> Result<String, DbError> {
    let id = pledge
        .accelerator_id
        .ok_or_else(|| DbError::Corrupt(format!("pledge {} has no class", pledge.id)))?;
    crate::store::accelerators::code_of(tx, id)?
        .ok_or_else(|| DbError::Corrupt(format!("pledge {}: class {id}", pledge.id)))
}

/// An exact decimal and the ISO 4217 code: `1500.00 USD`, `1500 JPY`.
fn money_text(code: Option<&str>, amount_minor: i64) -> Result<String, DbError> {
    let code = code.unwrap_or_default();
    let currency = Currency::parse("currency", code)
        .map_err(|_| DbError::Corrupt(format!("currency {code:?}")))?;
    Ok(format!(
        "{} {}",
        format_decimal(amount_minor, currency.minor_digits()),
        currency.code()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_a_tag_and_name_themselves_once() {
        let e = FundingEvent::PledgeReceived {
            pledge: PledgeId(3),
            instalment: Some(InstalmentId(9)),
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"event":"pledge_received","pledge":3,"instalment":9}"#
        );
        assert_eq!(serde_json::from_str::<FundingEvent>(&json).unwrap(), e);
        assert_eq!(e.key(), "pledge_received:3:9");
    }

    #[test]
    fn money_text_is_exact_per_currency() {
        assert_eq!(money_text(Some("JPY"), 1500).unwrap(), "1500 JPY");
        assert_eq!(money_text(Some("USD"), 150_000).unwrap(), "1500.00 USD");
        assert_eq!(money_text(Some("KWD"), 1_234).unwrap(), "1.234 KWD");
    }
}
