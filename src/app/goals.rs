//! Goals and fair-market values. Maintainers post goals (a money target in the
//! project's currency, GPU-minutes per accelerator class, or both) and set what a
//! GPU-hour of a class is worth to the project, so compute counts toward one combined
//! figure; anyone reads goals with their progress ([`crate::domain::goal::progress`]).
//!
//! A goal is met the first time every target is reached by money received and compute
//! delivered: [`after_progress`] runs in the unit of work that confirmed a receipt,
//! an instalment or a delivery, marks it `met` once and announces it
//! ([`super::notify::FundingEvent::GoalMet`]); the `notify` job then writes the mail to
//! the outbox ([`deliver_met`]: maintainers and every sponsor of the goal, anonymous
//! ones too, as the mail is private). The hourly `expire_goals` job marks open
//! goals past their deadline `expired`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::AcceleratorClass;
use crate::domain::Violation;
use crate::domain::compute::ComputeAmount;
use crate::domain::cursor::KeysetPage;
use crate::domain::goal::{self as rules, Contribution, GoalStatus, Progress, Targets};
use crate::domain::ids::{GoalId, PledgeId, ProjectId};
use crate::domain::money::Money;
use crate::domain::pledge::{InstalmentState, PledgeKind, Recurrence};
use crate::mail::{self, MailContext, Template, templates::Notice};
use crate::store::goals::{self as store, GoalChanges, GoalRow, NewGoalRow, TargetRow, ValueRow};
use crate::store::projects::{self, ProjectRow};

#[derive(Debug, thiserror::Error)]
pub enum GoalError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    #[error("no goal {0}")]
    NotFound(GoalId),
    #[error("no accelerator class {0:?} in the catalogue")]
    UnknownAccelerator(String),
    #[error("the project has no fair-market value for {0:?}")]
    ValueNotFound(String),
    #[error("invalid goal")]
    Invalid(Vec<Violation>),
    #[error("this project keeps its accounts in {expected}; the amount is in {given}")]
    CurrencyMismatch { expected: String, given: String },
    /// Only an open goal's deadline and targets change, and only an open goal closes.
    #[error("the goal is {0}; only an open goal can be {1}")]
    NotOpen(GoalStatus, &'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for GoalError {
    fn from(e: diesel::result::Error) -> Self {
        GoalError::Db(e.into())
    }
}

/// A goal with its compute targets (by class code), progress and the currency its
/// money is in.
#[derive(Debug, Clone)]
pub struct GoalView {
    pub goal: GoalRow,
    pub currency: String,
    pub targets: Vec<TargetRow>,
    pub progress: Progress,
}

/// A validated new goal.
#[derive(Debug, Clone)]
pub struct NewGoal {
    pub title: String,
    pub description: String,
    pub deadline: Option<NaiveDateTime>,
    pub money_target: Option<Money>,
    pub compute_targets: Vec<ComputeAmount>,
}

/// One compute target as sent: the class code and the raw JSON minutes.
pub struct RawComputeTarget<'a> {
    pub accelerator: &'a str,
    pub gpu_minutes: &'a serde_json::Value,
}

/// Parses the compute targets, naming each field `compute_targets[i].…`.
fn parse_compute(raw: &[RawComputeTarget<'_>], errors: &mut Vec<Violation>) -> Vec<ComputeAmount> {
    let mut out = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        match ComputeAmount::parse(t.accelerator, t.gpu_minutes) {
            Ok(c) => out.push(c),
            Err(vs) => errors.extend(vs.into_iter().map(|mut v| {
                v.field = format!("compute_targets[{i}].{}", v.field);
                v
            })),
        }
    }
    out
}

fn parse_money(
    raw: Option<(&str, &serde_json::Value)>,
    errors: &mut Vec<Violation>,
) -> Option<Money> {
    let (currency, amount) = raw?;
    Money::parse(currency, amount)
        .map_err(|vs| {
            errors.extend(vs.into_iter().map(|mut v| {
                v.field = format!("money_target.{}", v.field);
                v
            }))
        })
        .ok()
}

impl NewGoal {
    /// Checks every field and reports all broken rules at once: `title` and
    /// `description` (see [`rules::parse_title`], [`rules::parse_description`]),
    /// `deadline` (after `now`), `money_target` ([`Money::parse`]), `compute_targets`
    /// ([`ComputeAmount::parse`], each class once) and at least one target.
    pub fn parse(
        title: &str,
        description: &str,
        deadline: Option<NaiveDateTime>,
        money_target: Option<(&str, &serde_json::Value)>,
        compute_targets: &[RawComputeTarget<'_>],
        now: NaiveDateTime,
    ) -> Result<NewGoal, Vec<Violation>> {
        let mut errors = Vec::new();
        let title = rules::parse_title(title).map_err(|v| errors.push(v)).ok();
        let description = rules::parse_description(description)
            .map_err(|v| errors.push(v))
            .ok();
        if let Some(d) = deadline
            && let Err(v) = rules::check_deadline(d, now)
        {
            errors.push(v);
        }
        let has_money = money_target.is_some();
        let money = parse_money(money_target, &mut errors);
        let compute = parse_compute(compute_targets, &mut errors);
        if compute.len() == compute_targets.len() {
            errors.extend(rules::check_targets(has_money, &compute));
        }
        match (title, description) {
            (Some(title), Some(description)) if errors.is_empty() => Ok(NewGoal {
                title,
                description,
                deadline: deadline.map(crate::db::truncate_micros),
                money_target: money,
                compute_targets: compute,
            }),
            _ => Err(errors),
        }
    }
}

/// A validated change to a goal: `None` leaves a field as it is; the inner `None` of
/// `deadline` and `money_target` removes it.
#[derive(Debug, Clone, Default)]
pub struct GoalPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub deadline: Option<Option<NaiveDateTime>>,
    pub money_target: Option<Option<Money>>,
    pub compute_targets: Option<Vec<ComputeAmount>>,
}

impl GoalPatch {
    /// The rules of [`NewGoal::parse`] for the fields given; whether at least one target
    /// remains is checked against the goal.
    pub fn parse(
        title: Option<&str>,
        description: Option<&str>,
        deadline: Option<Option<NaiveDateTime>>,
        money_target: Option<Option<(&str, &serde_json::Value)>>,
        compute_targets: Option<&[RawComputeTarget<'_>]>,
        now: NaiveDateTime,
    ) -> Result<GoalPatch, Vec<Violation>> {
        let mut errors = Vec::new();
        let title = title.and_then(|t| rules::parse_title(t).map_err(|v| errors.push(v)).ok());
        let description =
            description.and_then(|d| rules::parse_description(d).map_err(|v| errors.push(v)).ok());
        if let Some(Some(d)) = deadline
            && let Err(v) = rules::check_deadline(d, now)
        {
            errors.push(v);
        }
        let money_target = money_target.map(|m| parse_money(m, &mut errors));
        let compute_targets = compute_targets.map(|raw| {
            let parsed = parse_compute(raw, &mut errors);
            if parsed.len() == raw.len() {
                // "At least one target" needs the goal; the rest is checked here.
                errors.extend(
                    rules::check_targets(true, &parsed)
                        .into_iter()
                        .filter(|v| v.field != "targets"),
                );
            }
            parsed
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(GoalPatch {
            title,
            description,
            deadline: deadline.map(|d| d.map(crate::db::truncate_micros)),
            money_target,
            compute_targets,
        })
    }

    fn touches_targets_or_deadline(&self) -> bool {
        self.deadline.is_some() || self.money_target.is_some() || self.compute_targets.is_some()
    }
}

fn project(conn: &mut AnyConnection, slug: &str) -> Result<ProjectRow, GoalError> {
    projects::find_by_slug(conn, slug)?.ok_or_else(|| GoalError::ProjectNotFound(slug.into()))
}

fn project_by_id(conn: &mut AnyConnection, id: ProjectId) -> Result<ProjectRow, GoalError> {
    projects::find_by_id(conn, id)?
        .ok_or_else(|| DbError::Corrupt(format!("project {id} of a goal vanished")).into())
}

fn check_currency(project: &ProjectRow, money: &Money) -> Result<(), GoalError> {
    let given = money.currency().code();
    if given != project.currency {
        return Err(GoalError::CurrencyMismatch {
            expected: project.currency.clone(),
            given: given.to_owned(),
        });
    }
    Ok(())
}

/// The catalogue ids of the targeted classes, in order; an unknown class is a
/// violation of `compute_targets[i].accelerator` (`unknown_accelerator`).
fn resolve_targets(
    conn: &mut AnyConnection,
    targets: &[ComputeAmount],
) -> Result<Vec<(i64, i64)>, GoalError> {
    let codes: Vec<&str> = targets.iter().map(|t| t.accelerator().as_str()).collect();
    let known: HashMap<String, i64> = crate::store::accelerators::ids_of(conn, &codes)?
        .into_iter()
        .collect();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        match known.get(t.accelerator().as_str()) {
            Some(&id) => out.push((id, t.gpu_minutes().get())),
            None => errors.push(Violation::new(
                &format!("compute_targets[{i}].accelerator"),
                "unknown_accelerator",
                format!("{} is not in the accelerator catalogue", t.accelerator()),
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(GoalError::Invalid(errors))
    }
}

/// Posts a goal to project `slug`. Owners, maintainers and site admins (an API token
/// needs `write`). The money target must be in the project's currency
/// ([`GoalError::CurrencyMismatch`]); compute targets name catalogue classes.
pub fn create(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    new: NewGoal,
    now: NaiveDateTime,
) -> Result<GoalView, GoalError> {
    let project = project(tx, slug)?;
    super::principal::require_project_editor::<GoalError>(tx, who, project.id)?;
    if let Some(m) = &new.money_target {
        check_currency(&project, m)?;
    }
    let targets = resolve_targets(tx, &new.compute_targets)?;
    let now = crate::db::truncate_micros(now);
    let row = store::insert(
        tx,
        &NewGoalRow {
            project_id: project.id,
            title: &new.title,
            description: &new.description,
            deadline: new.deadline,
            money_target_minor: new.money_target.map(|m| m.amount_minor()),
            status: GoalStatus::Open,
            created_by: who.user_id,
            created_at: now,
            updated_at: now,
        },
    )?;
    store::replace_targets(tx, row.id, &targets)?;
    one_view(tx, &project, row)
}

/// One goal with its progress (public).
pub fn get(conn: &mut AnyConnection, id: GoalId) -> Result<GoalView, GoalError> {
    let goal = store::find(conn, id)?.ok_or(GoalError::NotFound(id))?;
    let project = project_by_id(conn, goal.project_id)?;
    one_view(conn, &project, goal)
}

/// One page of project `slug`'s goals with their progress, newest first, optionally in
/// one status (public).
pub fn page(
    conn: &mut AnyConnection,
    slug: &str,
    status: Option<GoalStatus>,
    page: KeysetPage,
) -> Result<(Vec<GoalView>, Option<String>), GoalError> {
    let project = project(conn, slug)?;
    page_of(conn, &project, status, page)
}

/// [`page`] for a project already read.
pub fn page_of(
    conn: &mut AnyConnection,
    project: &ProjectRow,
    status: Option<GoalStatus>,
    page: KeysetPage,
) -> Result<(Vec<GoalView>, Option<String>), GoalError> {
    let rows = store::page_of_project(
        conn,
        project.id,
        status,
        page.before_id().map(GoalId),
        page.fetch(),
    )?;
    let (rows, next) = page.finish(rows, |g| g.id.get());
    Ok((views(conn, project, rows)?, next))
}

/// Changes a goal. Owners, maintainers and site admins. Title and description change
/// in any status; deadline and targets only while the goal is open
/// ([`GoalError::NotOpen`]), and at least one target must remain. Lowered targets that
/// are already reached make the goal met at once (see [`after_progress`]).
pub fn update(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: GoalId,
    patch: GoalPatch,
    now: NaiveDateTime,
) -> Result<GoalView, GoalError> {
    let goal = store::find(tx, id)?.ok_or(GoalError::NotFound(id))?;
    super::principal::require_project_editor::<GoalError>(tx, who, goal.project_id)?;
    tx.lock(RowLock::Project(goal.project_id))?;
    let goal = store::find(tx, id)?.ok_or(GoalError::NotFound(id))?;
    let project = project_by_id(tx, goal.project_id)?;
    if patch.touches_targets_or_deadline() && goal.status != GoalStatus::Open {
        return Err(GoalError::NotOpen(
            goal.status,
            "given a new deadline or targets",
        ));
    }
    let money_target_minor = match &patch.money_target {
        None => goal.money_target_minor,
        Some(None) => None,
        Some(Some(m)) => {
            check_currency(&project, m)?;
            Some(m.amount_minor())
        }
    };
    let has_compute = match &patch.compute_targets {
        Some(c) => !c.is_empty(),
        None => !store::targets_of(tx, &[id])?.is_empty(),
    };
    if money_target_minor.is_none() && !has_compute {
        return Err(GoalError::Invalid(vec![Violation::new(
            "targets",
            "required",
            "a goal keeps a money target, compute targets, or both",
        )]));
    }
    if let Some(compute) = &patch.compute_targets {
        let targets = resolve_targets(tx, compute)?;
        store::replace_targets(tx, id, &targets)?;
    }
    let now = crate::db::truncate_micros(now);
    store::update(
        tx,
        id,
        &GoalChanges {
            title: patch.title.as_deref().unwrap_or(&goal.title),
            description: patch.description.as_deref().unwrap_or(&goal.description),
            deadline: patch.deadline.unwrap_or(goal.deadline),
            money_target_minor,
        },
        now,
    )?;
    after_progress(tx, id, now)?;
    let goal = store::find(tx, id)?.ok_or(GoalError::NotFound(id))?;
    one_view(tx, &project, goal)
}

/// Closes an open goal (it stops collecting; pledges linked to it stay). Owners,
/// maintainers and site admins; [`GoalError::NotOpen`] unless open.
pub fn close(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: GoalId,
    now: NaiveDateTime,
) -> Result<GoalView, GoalError> {
    let goal = store::find(tx, id)?.ok_or(GoalError::NotFound(id))?;
    super::principal::require_project_editor::<GoalError>(tx, who, goal.project_id)?;
    tx.lock(RowLock::Project(goal.project_id))?;
    let now = crate::db::truncate_micros(now);
    if !store::leave_open(tx, id, GoalStatus::Closed, now)? {
        let status = store::find(tx, id)?.map_or(goal.status, |g| g.status);
        return Err(GoalError::NotOpen(status, "closed"));
    }
    let goal = store::find(tx, id)?.ok_or(GoalError::NotFound(id))?;
    let project = project_by_id(tx, goal.project_id)?;
    one_view(tx, &project, goal)
}

/// Re-evaluates goal `goal_id` in the caller's unit of work after money was received or
/// compute delivered toward it. The first time every target is reached, the goal
/// becomes `met` (stamped `met_at = now`) and the event is announced in the same unit
/// (a `notify` job); returns whether this call met it. Exactly once, also when confirmations
/// race: the project row is locked before progress is read (every confirmation locks
/// it too, so the last of two concurrent ones sees both), and the goal moves only from
/// `open`. A goal that is not open, or does not exist, is left alone.
pub fn after_progress(
    tx: &mut Tx<'_>,
    goal_id: GoalId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let Some(goal) = store::find(tx, goal_id)? else {
        return Ok(false);
    };
    tx.lock(RowLock::Project(goal.project_id))?;
    let Some(goal) = store::find(tx, goal_id)? else {
        return Ok(false);
    };
    if goal.status != GoalStatus::Open {
        return Ok(false);
    }
    let Some(view) = progress_of(tx, std::slice::from_ref(&goal))?.pop() else {
        return Ok(false);
    };
    if !view.1.reached() {
        return Ok(false);
    }
    let now = crate::db::truncate_micros(now);
    if !store::leave_open(tx, goal_id, GoalStatus::Met, now)? {
        return Ok(false);
    }
    super::notify::announce(
        tx,
        super::notify::FundingEvent::GoalMet { goal: goal_id },
        now,
    )?;
    Ok(true)
}

/// Marks every open goal whose deadline has passed `expired`; returns how many. Running
/// it again changes nothing.
pub fn expire_due(tx: &mut Tx<'_>, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(store::expire_due(tx, crate::db::truncate_micros(now))?)
}

/// Writes the goal-met mail of goal `goal_id` to the outbox, once (the goal's
/// `met_notified_at` is claimed in the same unit of work): to the project's owners and
/// maintainers and every sponsor of a pledge linked to the goal that was not cancelled
/// (anonymous sponsors too; each person once). Returns how many messages it queued (0
/// when the goal is not met, or its mail went out before). Called by the `notify` job.
pub fn deliver_met(
    tx: &mut Tx<'_>,
    ctx: &MailContext,
    goal_id: GoalId,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let Some(goal) = store::find(tx, goal_id)? else {
        return Ok(0);
    };
    if !store::claim_met_notification(tx, goal_id, now)? {
        return Ok(0);
    }
    let Some(project) = projects::find_by_id(tx, goal.project_id)? else {
        return Ok(0);
    };
    let url = format!(
        "{}/projects/{}",
        ctx.public_url.trim_end_matches('/'),
        project.slug
    );
    let recipients = store::met_recipients(tx, goal.project_id, goal_id)?;
    for (_, email, name) in &recipients {
        let notice = Notice {
            template: "goal_met",
            name: name.clone(),
            subject: format!("{} reached its goal \"{}\"", project.name, goal.title),
            paragraphs: vec![
                format!(
                    "Every target of the goal \"{}\" of {} has been reached: the money was received and the compute delivered.",
                    goal.title, project.name
                ),
                "Thank you for being part of it.".to_owned(),
            ],
            action: Some(("See the project".into(), url.clone())),
        };
        mail::queue(tx, ctx, email, &Template::Notice(notice), now)?;
    }
    Ok(recipients.len())
}

fn one_view(
    conn: &mut AnyConnection,
    project: &ProjectRow,
    goal: GoalRow,
) -> Result<GoalView, GoalError> {
    views(conn, project, vec![goal])?
        .pop()
        .ok_or_else(|| DbError::Corrupt("a goal vanished".into()).into())
}

/// Goals of one project with their targets and progress, in the order given.
fn views(
    conn: &mut AnyConnection,
    project: &ProjectRow,
    goals: Vec<GoalRow>,
) -> Result<Vec<GoalView>, GoalError> {
    let ids: Vec<GoalId> = goals.iter().map(|g| g.id).collect();
    let mut targets = store::targets_of(conn, &ids)?;
    let progress = progress_of(conn, &goals)?;
    Ok(goals
        .into_iter()
        .zip(progress)
        .map(|(goal, (_, progress))| {
            let mine: Vec<TargetRow> = targets
                .iter()
                .filter(|t| t.goal_id == goal.id)
                .cloned()
                .collect();
            targets.retain(|t| t.goal_id != goal.id);
            GoalView {
                goal,
                currency: project.currency.clone(),
                targets: mine,
                progress,
            }
        })
        .collect())
}

/// The progress of each goal (all of one project), in the order given.
fn progress_of(
    conn: &mut AnyConnection,
    goals: &[GoalRow],
) -> Result<Vec<(GoalId, Progress)>, DbError> {
    let Some(first) = goals.first() else {
        return Ok(Vec::new());
    };
    let ids: Vec<GoalId> = goals.iter().map(|g| g.id).collect();
    let targets = store::targets_of(conn, &ids)?;
    let values: BTreeMap<String, i64> = store::values_of(conn, first.project_id)?
        .into_iter()
        .map(|v| (v.accelerator, v.minor_per_gpu_hour))
        .collect();
    let pledges = store::pledges_of(conn, &ids)?;
    // A monthly pledge's instalments so far (due or received; cancelled ones lapsed).
    let mut created: HashMap<PledgeId, i64> = HashMap::new();
    for (pledge, amount, state) in store::instalments_of(conn, &ids)? {
        if state != InstalmentState::Cancelled {
            let sum = created.entry(pledge).or_default();
            *sum = sum.saturating_add(amount);
        }
    }
    // What arrived is what the ledger holds (see `rules::Contribution`).
    let ledger = store::ledger_sums_of(conn, &ids)?;
    Ok(goals
        .iter()
        .map(|goal| {
            let t = Targets {
                money_minor: goal.money_target_minor,
                compute: targets
                    .iter()
                    .filter(|t| t.goal_id == goal.id)
                    .map(|t| (t.accelerator.clone(), t.gpu_minutes))
                    .collect(),
            };
            let contributions: Vec<Contribution> = pledges
                .iter()
                .filter(|p| p.goal_id == goal.id)
                .filter_map(|p| match p.kind {
                    PledgeKind::Money => Some(Contribution::Money {
                        state: p.state,
                        recurrence: p.recurrence.unwrap_or(Recurrence::OneTime),
                        amount_minor: p.amount_minor?,
                        instalments_minor: created.get(&p.id).copied().unwrap_or(0),
                        received_minor: ledger.get(&p.id).map_or(0, |l| l.received_minor),
                    }),
                    PledgeKind::Compute => Some(Contribution::Compute {
                        class: p.accelerator.clone()?,
                        state: p.state,
                        gpu_minutes: p.gpu_minutes?,
                        delivered_minutes: ledger.get(&p.id).map_or(0, |l| l.delivered_minutes),
                    }),
                })
                .collect();
            (goal.id, rules::progress(&t, &contributions, &values))
        })
        .collect())
}

/// Why a money pledge may not name a goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalLink {
    /// No such goal in this project.
    Unknown,
    /// The goal is met, closed or expired.
    NotOpen(GoalStatus),
}

/// Checks that goal `goal` belongs to project `project` and is open, for a new pledge.
pub fn check_pledge_goal(
    conn: &mut AnyConnection,
    project: ProjectId,
    goal: GoalId,
) -> Result<Result<(), GoalLink>, DbError> {
    Ok(match store::find(conn, goal)? {
        Some(g) if g.project_id == project => {
            if g.status == GoalStatus::Open {
                Ok(())
            } else {
                Err(GoalLink::NotOpen(g.status))
            }
        }
        _ => Err(GoalLink::Unknown),
    })
}

/// Project `slug`'s fair-market values per GPU-hour, by class (public), with the
/// currency they are in.
pub fn values(conn: &mut AnyConnection, slug: &str) -> Result<(String, Vec<ValueRow>), GoalError> {
    let project = project(conn, slug)?;
    let rows = store::values_of(conn, project.id)?;
    Ok((project.currency, rows))
}

fn class_id(conn: &mut AnyConnection, code: &str) -> Result<(AcceleratorClass, i64), GoalError> {
    let unknown = || GoalError::UnknownAccelerator(code.to_owned());
    let class = AcceleratorClass::parse("code", code).map_err(|_| unknown())?;
    let id = crate::store::accelerators::ids_of(conn, &[class.as_str()])?
        .into_iter()
        .next()
        .ok_or_else(unknown)?
        .1;
    Ok((class, id))
}

/// Sets what one GPU-hour of class `code` is worth to project `slug`, in the project's
/// currency ([`GoalError::CurrencyMismatch`] otherwise). Owners, maintainers and site
/// admins; a class not in the catalogue is [`GoalError::UnknownAccelerator`]. Open
/// goals whose combined figure now exists are not re-evaluated: met is decided by
/// each target, not by value.
pub fn set_value(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    code: &str,
    value: Money,
) -> Result<(String, ValueRow), GoalError> {
    let project = project(tx, slug)?;
    super::principal::require_project_editor::<GoalError>(tx, who, project.id)?;
    check_currency(&project, &value)?;
    let (class, id) = class_id(tx, code)?;
    tx.lock(RowLock::Project(project.id))?;
    store::set_value(tx, project.id, id, value.amount_minor())?;
    let row = store::values_of(tx, project.id)?
        .into_iter()
        .find(|v| v.accelerator == class.as_str())
        .ok_or_else(|| DbError::Corrupt("a value vanished".into()))?;
    Ok((project.currency, row))
}

/// Removes project `slug`'s value of class `code`: [`GoalError::ValueNotFound`] when it
/// has none. Owners, maintainers and site admins.
pub fn delete_value(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    code: &str,
) -> Result<(), GoalError> {
    let project = project(tx, slug)?;
    super::principal::require_project_editor::<GoalError>(tx, who, project.id)?;
    let (_, id) = class_id(tx, code)?;
    if !store::delete_value(tx, project.id, id)? {
        return Err(GoalError::ValueNotFound(code.to_owned()));
    }
    Ok(())
}

/// Parses a value per GPU-hour as sent (see [`Money::parse`]; fields
/// `value_per_gpu_hour.currency`, `value_per_gpu_hour.amount_minor`).
pub fn parse_value(currency: &str, amount: &serde_json::Value) -> Result<Money, Vec<Violation>> {
    Money::parse(currency, amount).map_err(|vs| {
        vs.into_iter()
            .map(|mut v| {
                v.field = format!("value_per_gpu_hour.{}", v.field);
                v
            })
            .collect()
    })
}
