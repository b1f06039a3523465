//! The demo's funding: goals of every kind (money, compute, both) with fair-market
//! values, money pledges in every state, receipts, monthly instalments, compute pledges
//! with confirmed and pending delivery reports and an expired remainder, expenses and a
//! reversal, made through the same use cases the API calls, so the demo ledger is
//! what real use would write. A project that already has pledges is left alone, so
//! loading twice adds nothing. The demo's people are made up: nothing it does is mailed
//! (the `notify` jobs it queued are dropped).

use chrono::{NaiveDate, NaiveDateTime};

use crate::app::{self, Principal, pledges::Idempotent};
use crate::db::{AnyConnection, DbError, Tx, tx::run_write};
use crate::domain::compute::{AcceleratorClass, ComputeAmount, GpuMinutes};
use crate::domain::delivery::{NewComputePledge, NewDelivery};
use crate::domain::ids::{GoalId, PledgeId, SessionId};
use crate::domain::money::{Currency, Money};
use crate::domain::pledge::{NewMoneyPledge, Recurrence};
use crate::store::{pledges, projects, users};

/// A sponsor of the demo who never signs in (no password).
struct DemoSponsor {
    email: &'static str,
    display_name: &'static str,
}

const SPONSORS: &[DemoSponsor] = &[
    DemoSponsor {
        email: "lena.park@openfund.test",
        display_name: "Lena Park",
    },
    DemoSponsor {
        email: "grants@northwind-labs.test",
        display_name: "Northwind Labs",
    },
    DemoSponsor {
        email: "quiet.donor@openfund.test",
        display_name: "Quiet Donor",
    },
];

/// What happens to a demo pledge after it is made.
#[derive(Clone, Copy)]
enum Then {
    Receive,
    Leave,
    Cancel,
    /// A monthly pledge: instalments up to today, the first `n` received.
    Instalments(usize),
}

struct DemoPledge {
    project: &'static str,
    /// Index into the demo sponsors: 0 is the signed-in demo sponsor
    /// (`sponsor@openfund.test`), 1.. are [`SPONSORS`].
    sponsor: usize,
    amount_minor: i64,
    monthly: bool,
    anonymous: bool,
    message: Option<&'static str>,
    at: &'static str,
    then: Then,
    /// Index into [`GOALS`]: the goal the pledge names (if still open then).
    goal: Option<usize>,
}

const PLEDGES: &[DemoPledge] = &[
    DemoPledge {
        project: "tinystories-lm",
        sponsor: 0,
        amount_minor: 250_000,
        monthly: false,
        anonymous: false,
        message: Some("For the next tokenizer ablation run."),
        at: "2026-08-03 10:00:00",
        then: Then::Receive,
        goal: Some(0),
    },
    DemoPledge {
        project: "tinystories-lm",
        sponsor: 1,
        amount_minor: 5_000,
        monthly: true,
        anonymous: false,
        message: Some("Monthly, for as long as the checkpoints keep coming."),
        at: "2026-08-31 09:00:00",
        then: Then::Instalments(2),
        goal: None,
    },
    DemoPledge {
        project: "tinystories-lm",
        sponsor: 3,
        amount_minor: 100_000,
        monthly: false,
        anonymous: true,
        message: None,
        at: "2026-09-12 16:20:00",
        then: Then::Receive,
        goal: Some(0),
    },
    DemoPledge {
        project: "tinystories-lm",
        sponsor: 2,
        amount_minor: 30_000,
        monthly: false,
        anonymous: false,
        message: Some("Wire transfer on its way."),
        at: "2026-11-20 11:45:00",
        then: Then::Leave,
        goal: Some(2),
    },
    DemoPledge {
        project: "flashkernels",
        sponsor: 2,
        amount_minor: 1_200_000,
        monthly: false,
        anonymous: false,
        message: Some("Northwind Labs supports the public kernel benchmarks."),
        at: "2026-07-01 08:00:00",
        then: Then::Receive,
        goal: Some(3),
    },
    DemoPledge {
        project: "flashkernels",
        sponsor: 0,
        amount_minor: 2_000,
        monthly: true,
        anonymous: false,
        message: None,
        at: "2026-09-30 12:00:00",
        then: Then::Instalments(1),
        goal: None,
    },
    DemoPledge {
        project: "flashkernels",
        sponsor: 1,
        amount_minor: 15_000,
        monthly: false,
        anonymous: false,
        message: None,
        at: "2026-10-05 19:30:00",
        then: Then::Cancel,
        goal: None,
    },
    DemoPledge {
        project: "open-speech-corpus",
        sponsor: 3,
        amount_minor: 75_000,
        monthly: false,
        anonymous: true,
        message: Some("For the transcription reviewers."),
        at: "2026-06-10 13:00:00",
        then: Then::Receive,
        goal: Some(4),
    },
    DemoPledge {
        project: "protein-fold-open",
        sponsor: 0,
        amount_minor: 40_000,
        monthly: false,
        anonymous: false,
        message: None,
        at: "2026-11-02 09:10:00",
        then: Then::Leave,
        goal: None,
    },
];

struct DemoExpense {
    project: &'static str,
    description: &'static str,
    amount_minor: i64,
    receipt_url: Option<&'static str>,
    at: &'static str,
    /// Recorded by mistake and reversed.
    reversed: bool,
}

const EXPENSES: &[DemoExpense] = &[
    DemoExpense {
        project: "tinystories-lm",
        description: "GPU rental for the tokenizer ablations (4×A100, 60 h)",
        amount_minor: 120_000,
        receipt_url: Some("https://example.org/receipts/ts-2026-09-gpu.pdf"),
        at: "2026-09-20 10:00:00",
        reversed: false,
    },
    DemoExpense {
        project: "tinystories-lm",
        description: "Checkpoint hosting, October",
        amount_minor: 8_000,
        receipt_url: None,
        at: "2026-10-31 18:00:00",
        reversed: false,
    },
    DemoExpense {
        project: "tinystories-lm",
        description: "Checkpoint hosting, October (entered twice)",
        amount_minor: 8_000,
        receipt_url: None,
        at: "2026-10-31 18:05:00",
        reversed: true,
    },
    DemoExpense {
        project: "flashkernels",
        description: "CI runners with H100s for the public benchmarks",
        amount_minor: 310_000,
        receipt_url: Some("https://example.org/receipts/fk-ci-2026-q3.pdf"),
        at: "2026-09-01 09:00:00",
        reversed: false,
    },
];

fn at(text: &str) -> Result<NaiveDateTime, DbError> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .map_err(|_| DbError::Corrupt(format!("demo timestamp {text:?}")))
}

/// Drops the queued `notify` jobs: demo data announces nothing.
fn drop_announcements(conn: &mut AnyConnection) -> Result<(), DbError> {
    use crate::jobs::Job;
    run_write(conn, |tx| {
        crate::store::jobs::drop_queued_of_kind(tx, crate::jobs::kinds::Notify::NAME)
            .map_err(DbError::from)
    })?;
    Ok(())
}

/// The demo acts as its people through the use cases; a demo principal carries no real
/// session (id 0 names none).
fn act_as(conn: &mut AnyConnection, email: &str) -> Result<Option<Principal>, DbError> {
    Ok(users::find_by_email(conn, email)?.map(|u| Principal::for_session(&u, SessionId(0))))
}

/// Loads the demo funding (see the module doc); `today` bounds the monthly pledges'
/// instalments. Returns how many pledges it made.
pub fn load(conn: &mut AnyConnection, today: NaiveDate) -> Result<usize, DbError> {
    let joined = at("2026-01-15 12:00:00")?;
    run_write(conn, |tx| {
        for s in SPONSORS {
            users::insert_if_absent(
                tx,
                &users::NewUser {
                    email: s.email,
                    display_name: s.display_name,
                    password_hash: None,
                    email_verified_at: Some(joined),
                    is_admin: false,
                    github_id: None,
                    github_login: None,
                    created_at: joined,
                    updated_at: joined,
                },
            )?;
        }
        Ok::<_, DbError>(())
    })?;
    let mut sponsors = vec![act_as(conn, "sponsor@openfund.test")?];
    for s in SPONSORS {
        sponsors.push(act_as(conn, s.email)?);
    }
    let maintainer = act_as(conn, "maintainer@openfund.test")?;
    let admin = act_as(conn, "admin@openfund.test")?;
    let (Some(maintainer), Some(admin)) = (maintainer, admin) else {
        return Ok(0);
    };
    ensure_catalogue(conn, joined)?;
    // Projects funded before keep what they have: loading twice adds nothing.
    let mut fresh = std::collections::BTreeSet::new();
    let named = PLEDGES
        .iter()
        .map(|p| p.project)
        .chain(GOALS.iter().map(|g| g.project))
        .chain(COMPUTE.iter().map(|c| c.project));
    for slug in named {
        if let Some(project) = projects::find_by_slug(conn, slug)?
            && pledges::count_of_project(conn, project.id)? == 0
        {
            fresh.insert(slug);
        }
    }
    // The owner of the demo projects acts for them; an admin for projects without one.
    let editor = |slug: &str| {
        if ["tinystories-lm", "flashkernels"].contains(&slug) {
            maintainer
        } else {
            admin
        }
    };
    let mut goal_ids: Vec<Option<(crate::domain::ids::ProjectId, GoalId)>> = Vec::new();
    for g in GOALS {
        let made = match projects::find_by_slug(conn, g.project)? {
            Some(project) if fresh.contains(g.project) => {
                let currency = Currency::parse("currency", &project.currency)
                    .map_err(|v| DbError::Corrupt(v.message))?;
                let when = at(g.at)?;
                let goal = run_write(conn, |tx| {
                    make_goal(
                        tx,
                        &editor(g.project),
                        g.project,
                        currency,
                        g.title,
                        g.description,
                        g.money_minor,
                        g.compute,
                        None,
                        when,
                    )
                });
                match goal {
                    Ok((id, _)) => Some((project.id, id)),
                    Err(e) => {
                        tracing::warn!(project = g.project, "demo goal: {e}");
                        None
                    }
                }
            }
            _ => None,
        };
        goal_ids.push(made);
    }
    for (slug, code, minor) in VALUES {
        let Some(project) = projects::find_by_slug(conn, slug)? else {
            continue;
        };
        if !fresh.contains(slug) {
            continue;
        }
        let currency = Currency::parse("currency", &project.currency)
            .map_err(|v| DbError::Corrupt(v.message))?;
        if let Err(e) = run_write(conn, |tx| {
            set_value(tx, &editor(slug), slug, currency, code, *minor)
        }) {
            tracing::warn!(project = slug, "demo value: {e}");
        }
    }
    let goal_of = |index: Option<usize>| -> Option<(crate::domain::ids::ProjectId, GoalId)> {
        index.and_then(|i| goal_ids.get(i).copied().flatten())
    };
    let mut made = 0;
    for (n, p) in PLEDGES.iter().enumerate() {
        let Some(project) = projects::find_by_slug(conn, p.project)? else {
            continue;
        };
        if !fresh.contains(p.project) {
            continue;
        }
        let Some(Some(sponsor)) = sponsors.get(p.sponsor).copied() else {
            continue;
        };
        let confirmer = editor(p.project);
        let goal = match goal_of(p.goal) {
            Some((project, goal)) => run_write(conn, |tx| open_goal(tx, project, Some(goal)))?.0,
            None => None,
        };
        let when = at(p.at)?;
        let currency = Currency::parse("currency", &project.currency)
            .map_err(|v| DbError::Corrupt(v.message))?;
        let new = NewMoneyPledge {
            amount: Money::new(currency, p.amount_minor)
                .map_err(|v| DbError::Corrupt(v.message))?,
            recurrence: if p.monthly {
                Recurrence::Monthly
            } else {
                Recurrence::OneTime
            },
            anonymous: p.anonymous,
            message: p.message.map(str::to_owned),
            goal_id: goal,
        };
        let key = format!("demo-{n}");
        let mut id: Option<PledgeId> = None;
        let result = run_write(conn, |tx| {
            app::pledges::create_money(
                tx,
                &sponsor,
                p.project,
                Idempotent {
                    key: &key,
                    request_hash: "demo",
                },
                new,
                |row| {
                    id = Some(row.id);
                    String::new()
                },
                when,
            )
        });
        let Some(id) = id.filter(|_| result.is_ok()) else {
            tracing::warn!(project = p.project, "demo pledge not made: {result:?}");
            continue;
        };
        made += 1;
        let later = when + chrono::Duration::days(6);
        let outcome = match p.then {
            Then::Receive => run_write(conn, |tx| {
                app::pledges::confirm_received(tx, &confirmer, id, later).map(|_| ())
            })
            .map(|_| ()),
            Then::Cancel => run_write(conn, |tx| {
                app::pledges::cancel(tx, &sponsor, id, later).map(|_| ())
            })
            .map(|_| ()),
            Then::Leave => Ok(()),
            Then::Instalments(received) => {
                run_write(conn, |tx| app::instalments::create_due(tx, id, today, when))?;
                let due = app::instalments::of_pledge(conn, id)?;
                let mut outcome = Ok(());
                for i in due.iter().take(received) {
                    let on = i.due_at + chrono::Duration::days(2);
                    outcome = run_write(conn, |tx| {
                        app::instalments::confirm(tx, &confirmer, i.id, on).map(|_| ())
                    })
                    .map(|_| ());
                }
                outcome
            }
        };
        if let Err(e) = outcome {
            tracing::warn!(project = p.project, "demo pledge {id}: {e}");
        }
    }
    for (n, c) in COMPUTE.iter().enumerate() {
        if !fresh.contains(c.project) {
            continue;
        }
        let Some(project) = projects::find_by_slug(conn, c.project)? else {
            continue;
        };
        let Some(Some(sponsor)) = sponsors.get(c.sponsor).copied() else {
            continue;
        };
        let confirmer = editor(c.project);
        let when = at(c.at)?;
        let window_end = when + chrono::Duration::days(c.window_days);
        let result = run_write(conn, |tx| {
            let goal = open_goal(tx, project.id, goal_of(c.goal).map(|(_, g)| g))?;
            let id = pledge_compute(
                tx,
                &sponsor,
                c.project,
                &format!("demo-compute-{n}"),
                &ComputePlan {
                    class: c.class,
                    gpu_minutes: c.gpu_minutes,
                    provider: c.provider,
                    anonymous: c.anonymous,
                    message: c.message,
                    at: when,
                    window_end,
                    goal,
                },
            )?;
            for (i, (minutes, evidence, confirm)) in c.deliveries.iter().enumerate() {
                let on = when + chrono::Duration::days(7 * (i as i64 + 1));
                deliver(
                    tx, &sponsor, &confirmer, id, *minutes, evidence, *confirm, on,
                )?;
            }
            // A window that has ended lapses, as the hourly job would have done.
            if window_end <= crate::db::now() {
                expire(tx, id, window_end + chrono::Duration::hours(1))?;
            }
            Ok::<_, DbError>(())
        });
        match result {
            Ok(_) => made += 1,
            Err(e) => tracing::warn!(project = c.project, "demo compute pledge: {e}"),
        }
    }
    for e in EXPENSES {
        if !fresh.contains(e.project) {
            continue;
        }
        let Some(project) = projects::find_by_slug(conn, e.project)? else {
            continue;
        };
        let currency = Currency::parse("currency", &project.currency)
            .map_err(|v| DbError::Corrupt(v.message))?;
        let new = app::expenses::NewExpense {
            description: e.description.to_owned(),
            amount: Money::new(currency, e.amount_minor)
                .map_err(|v| DbError::Corrupt(v.message))?,
            receipt_url: e.receipt_url.map(str::to_owned),
        };
        let when = at(e.at)?;
        let recorded = run_write(conn, |tx| {
            app::expenses::record(tx, &maintainer, e.project, new, when)
        });
        match recorded {
            Ok(((_, transaction), _)) if e.reversed => {
                let undo = run_write(conn, |tx| {
                    app::ledger::reverse(
                        tx,
                        &maintainer,
                        e.project,
                        transaction,
                        when + chrono::Duration::hours(1),
                    )
                });
                if let Err(err) = undo {
                    tracing::warn!(project = e.project, "demo reversal: {err}");
                }
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(project = e.project, "demo expense: {err}"),
        }
    }
    // The demo's people are made up: what their pledges announced is mailed to no one.
    drop_announcements(conn)?;
    Ok(made)
}

// Goals, fair-market values and compute: the helpers both demos use, each a use case
// of the API (goals::create, goals::set_value, pledges::create_compute, compute::report,
// compute::confirm, compute::expire) in the caller's unit of work.

/// The accelerator catalogue the demo's compute is counted in.
const CATALOGUE: &[(&str, &str)] = &[
    ("H100-80GB", "NVIDIA H100 80GB"),
    ("A100-40GB", "NVIDIA A100 40GB"),
    ("TPU-v5e", "Google TPU v5e"),
];

fn corrupt(what: &'static str) -> impl Fn(String) -> DbError {
    move |e| DbError::Corrupt(format!("demo {what}: {e}"))
}

/// Adds the demo's accelerator classes to the catalogue (those missing).
fn ensure_catalogue(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), DbError> {
    run_write(conn, |tx| {
        for (code, name) in CATALOGUE {
            crate::store::accelerators::insert_if_absent(tx, code, name, now)?;
        }
        Ok::<_, DbError>(())
    })?;
    Ok(())
}

fn compute_amount(code: &str, minutes: i64) -> Result<ComputeAmount, DbError> {
    let class = AcceleratorClass::parse("class", code).map_err(|v| corrupt("class")(v.message))?;
    let minutes =
        GpuMinutes::new("gpu_minutes", minutes).map_err(|v| corrupt("minutes")(v.message))?;
    Ok(ComputeAmount::new(class, minutes))
}

/// Posts a goal as `who` (a maintainer) at `at`; returns its id.
#[allow(clippy::too_many_arguments)]
fn make_goal(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    currency: Currency,
    title: &str,
    description: &str,
    money_minor: Option<i64>,
    compute: &[(&str, i64)],
    deadline: Option<NaiveDateTime>,
    at: NaiveDateTime,
) -> Result<GoalId, DbError> {
    let money_target = money_minor
        .map(|m| Money::new(currency, m).map_err(|v| corrupt("goal")(v.message)))
        .transpose()?;
    let compute_targets = compute
        .iter()
        .map(|(code, minutes)| compute_amount(code, *minutes))
        .collect::<Result<Vec<_>, _>>()?;
    let view = app::goals::create(
        tx,
        who,
        slug,
        app::goals::NewGoal {
            title: title.to_owned(),
            description: description.to_owned(),
            deadline,
            money_target,
            compute_targets,
        },
        at,
    )
    .map_err(|e| corrupt("goal")(e.to_string()))?;
    Ok(view.goal.id)
}

/// Sets project `slug`'s fair-market value of one GPU-hour of `code`.
fn set_value(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    currency: Currency,
    code: &str,
    minor_per_hour: i64,
) -> Result<(), DbError> {
    let value = Money::new(currency, minor_per_hour).map_err(|v| corrupt("value")(v.message))?;
    app::goals::set_value(tx, who, slug, code, value)
        .map_err(|e| corrupt("value")(e.to_string()))?;
    Ok(())
}

/// `goal` if a new pledge may still name it (it is open), else `None`.
fn open_goal(
    tx: &mut Tx<'_>,
    project: crate::domain::ids::ProjectId,
    goal: Option<GoalId>,
) -> Result<Option<GoalId>, DbError> {
    let Some(goal) = goal else { return Ok(None) };
    Ok(app::goals::check_pledge_goal(tx, project, goal)?
        .is_ok()
        .then_some(goal))
}

/// A compute pledge as it is made.
struct ComputePlan<'a> {
    class: &'a str,
    gpu_minutes: i64,
    provider: Option<&'a str>,
    anonymous: bool,
    message: Option<&'a str>,
    at: NaiveDateTime,
    window_end: NaiveDateTime,
    goal: Option<GoalId>,
}

/// Pledges compute as `who` (idempotency key `key`); returns the pledge's id.
fn pledge_compute(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    key: &str,
    plan: &ComputePlan<'_>,
) -> Result<PledgeId, DbError> {
    let amount = compute_amount(plan.class, plan.gpu_minutes)?;
    let mut id = None;
    app::pledges::create_compute(
        tx,
        who,
        slug,
        Idempotent {
            key,
            request_hash: "demo",
        },
        NewComputePledge {
            accelerator: amount.accelerator().clone(),
            gpu_minutes: amount.gpu_minutes(),
            provider: plan.provider.map(str::to_owned),
            window_start: plan.at,
            window_end: plan.window_end,
            anonymous: plan.anonymous,
            message: plan.message.map(str::to_owned),
        },
        plan.goal,
        |row| {
            id = Some(row.id);
            String::new()
        },
        plan.at,
    )
    .map_err(|e| corrupt("compute pledge")(e.to_string()))?;
    id.ok_or_else(|| corrupt("compute pledge")("replayed".into()))
}

/// The sponsor reports `minutes` delivered with `evidence`; the confirmer confirms the
/// report when `confirm`, else it waits for a decision.
#[allow(clippy::too_many_arguments)]
fn deliver(
    tx: &mut Tx<'_>,
    sponsor: &Principal,
    confirmer: &Principal,
    pledge: PledgeId,
    minutes: i64,
    evidence: &str,
    confirm: bool,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let new = NewDelivery {
        gpu_minutes: GpuMinutes::new("gpu_minutes", minutes)
            .map_err(|v| corrupt("delivery")(v.message))?,
        evidence: evidence.to_owned(),
    };
    let row = app::compute::report(tx, sponsor, pledge, new, at)
        .map_err(|e| corrupt("delivery")(e.to_string()))?;
    if confirm {
        app::compute::confirm(tx, confirmer, row.id, at + chrono::Duration::days(1))
            .map_err(|e| corrupt("delivery confirmation")(e.to_string()))?;
    }
    Ok(())
}

/// Expires compute pledge `id` as the hourly job would once its window ended.
fn expire(tx: &mut Tx<'_>, id: PledgeId, now: NaiveDateTime) -> Result<(), DbError> {
    app::compute::expire(tx, id, now).map_err(|e| corrupt("expiry")(e.to_string()))?;
    Ok(())
}

/// A demo goal: a money target, compute targets, or both.
struct DemoGoal {
    project: &'static str,
    title: &'static str,
    description: &'static str,
    money_minor: Option<i64>,
    compute: &'static [(&'static str, i64)],
    at: &'static str,
}

const GOALS: &[DemoGoal] = &[
    DemoGoal {
        project: "tinystories-lm",
        title: "Tokenizer ablations",
        description: "Twelve tokenizer variants trained to 100M tokens each, with the results in the open.",
        money_minor: Some(300_000),
        compute: &[],
        at: "2026-07-20 09:00:00",
    },
    DemoGoal {
        project: "tinystories-lm",
        title: "Pretrain the 1B model",
        description: "500 H100-hours for the 1B pretraining run on the cleaned corpus.",
        money_minor: None,
        compute: &[("H100-80GB", 30_000)],
        at: "2026-08-01 09:00:00",
    },
    DemoGoal {
        project: "tinystories-lm",
        title: "Release TinyStories-7B",
        description: "Evaluation, red-teaming and hosting for the 7B release, plus 200 A100-hours of fine-tuning.",
        money_minor: Some(200_000),
        compute: &[("A100-40GB", 12_000)],
        at: "2026-08-05 09:00:00",
    },
    DemoGoal {
        project: "flashkernels",
        title: "Public kernel benchmarks, 2027",
        description: "A year of nightly benchmarks on H100s, published with every run's logs.",
        money_minor: Some(1_500_000),
        compute: &[("H100-80GB", 6_000)],
        at: "2026-06-25 09:00:00",
    },
    DemoGoal {
        project: "open-speech-corpus",
        title: "Transcription review sprint",
        description: "Paid reviewers for 2,000 hours of transcripts in eight languages.",
        money_minor: Some(150_000),
        compute: &[],
        at: "2026-06-01 09:00:00",
    },
];

/// Fair-market values per GPU-hour, in the project's minor units.
const VALUES: &[(&str, &str, i64)] = &[
    ("tinystories-lm", "H100-80GB", 250),
    ("tinystories-lm", "A100-40GB", 120),
    ("flashkernels", "H100-80GB", 300),
];

/// A demo compute pledge and what became of it.
struct DemoCompute {
    project: &'static str,
    /// As in [`DemoPledge::sponsor`].
    sponsor: usize,
    class: &'static str,
    gpu_minutes: i64,
    provider: Option<&'static str>,
    anonymous: bool,
    message: Option<&'static str>,
    at: &'static str,
    /// The delivery window ends this many days after `at`.
    window_days: i64,
    /// Index into [`GOALS`].
    goal: Option<usize>,
    /// Reports: minutes, evidence, confirmed (else pending).
    deliveries: &'static [(i64, &'static str, bool)],
}

const COMPUTE: &[DemoCompute] = &[
    DemoCompute {
        project: "tinystories-lm",
        sponsor: 2,
        class: "H100-80GB",
        gpu_minutes: 24_000,
        provider: Some("Northwind Labs cluster"),
        anonymous: false,
        message: Some("Four nodes of 8×H100, nights and weekends."),
        at: "2026-09-05 10:00:00",
        window_days: 360,
        goal: Some(1),
        deliveries: &[
            (
                9_000,
                "Slurm job 48121: 1B warm-up run, 4×H100 for 37.5 h",
                true,
            ),
            (
                6_000,
                "https://example.org/runs/tinystories-1b-stage2",
                true,
            ),
            (
                3_000,
                "Stage 3 checkpoint sweep (awaiting the maintainers' check)",
                false,
            ),
        ],
    },
    DemoCompute {
        project: "tinystories-lm",
        sponsor: 1,
        class: "A100-40GB",
        gpu_minutes: 12_000,
        provider: Some("University lab cluster"),
        anonymous: false,
        message: Some("Whatever our lab can spare before the semester starts."),
        at: "2026-08-10 14:00:00",
        window_days: 45,
        goal: Some(2),
        deliveries: &[(4_800, "Fine-tuning runs 1-4, A100 logs attached", true)],
    },
    DemoCompute {
        project: "flashkernels",
        sponsor: 0,
        class: "H100-80GB",
        gpu_minutes: 3_000,
        provider: Some("Lambda"),
        anonymous: false,
        message: None,
        at: "2026-10-20 08:30:00",
        window_days: 300,
        goal: Some(3),
        deliveries: &[(1_200, "Benchmark sweep on H100 SXM, October", false)],
    },
    DemoCompute {
        project: "open-speech-corpus",
        sponsor: 3,
        class: "A100-40GB",
        gpu_minutes: 6_000,
        provider: None,
        anonymous: true,
        message: None,
        at: "2026-11-01 12:00:00",
        window_days: 300,
        goal: None,
        deliveries: &[(2_400, "Forced-alignment pass over the new recordings", true)],
    },
];

/// How many projects, sponsors and pledges `openfund demo --scale large` generates.
pub const LARGE_PROJECTS: usize = 500;
pub const LARGE_SPONSORS: usize = 2_000;
pub const LARGE_PLEDGES_PER_PROJECT: usize = 100;
/// Compute pledges per generated project, besides its money pledges.
pub const LARGE_COMPUTE_PER_PROJECT: usize = 10;

/// A generated compute pledge: class (0 H100, 1 A100), GPU-minutes, delivery reports as
/// (minutes, confirmed), delivery window in days, anonymous.
type LargeCompute = (usize, i64, Vec<(i64, bool)>, i64, bool);

/// A small deterministic generator (SplitMix64), so the large demo is the same on every
/// machine and backend without a dependency for it.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the tiny modulo bias does not matter for demo data).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `openfund demo --scale large`: [`LARGE_PROJECTS`] generated projects (`bench-000` …),
/// each with fair-market values for H100 and A100 hours, three goals (money, compute,
/// both), [`LARGE_PLEDGES_PER_PROJECT`] money pledges by [`LARGE_SPONSORS`]
/// sponsors — about 70 % received (a receipt in the ledger), 10 % cancelled, the rest
/// open; a tenth monthly; two in three naming a goal while it is open — and
/// [`LARGE_COMPUTE_PER_PROJECT`] compute pledges with up to three delivery reports each
/// (three in four confirmed, the rest pending; those whose window has ended expire, so
/// their remainder lapses), and a few expenses, all through the use cases, one unit of
/// work per project. Bulk data announces nothing: the notification jobs it queued are
/// dropped at the end. Skipped when `bench-000` exists. `progress(done, total)` is
/// called after each project. Returns how many pledges it made.
pub fn load_large(
    conn: &mut AnyConnection,
    progress: &dyn Fn(usize, usize),
) -> Result<usize, DbError> {
    use crate::domain::{NewProject, ProjectKind};
    if projects::find_by_slug(conn, "bench-000")?.is_some() {
        return Ok(0);
    }
    let joined = at("2025-01-01 00:00:00")?;
    let emails: Vec<String> = (0..LARGE_SPONSORS)
        .map(|n| format!("sponsor{n:04}@bench.openfund.test"))
        .collect();
    run_write(conn, |tx| {
        for (n, email) in emails.iter().enumerate() {
            users::insert_if_absent(
                tx,
                &users::NewUser {
                    email,
                    display_name: &format!("Bench Sponsor {n:04}"),
                    password_hash: None,
                    email_verified_at: Some(joined),
                    is_admin: false,
                    github_id: None,
                    github_login: None,
                    created_at: joined,
                    updated_at: joined,
                },
            )?;
        }
        Ok::<_, DbError>(())
    })?;
    let mut sponsors = Vec::with_capacity(LARGE_SPONSORS);
    for email in &emails {
        if let Some(p) = act_as(conn, email)? {
            sponsors.push(p);
        }
    }
    let Some(owner) = act_as(conn, "maintainer@openfund.test")? else {
        return Ok(0);
    };
    let kinds = [
        ProjectKind::Model,
        ProjectKind::Dataset,
        ProjectKind::Library,
        ProjectKind::Tool,
        ProjectKind::Other,
    ];
    let mut rng = SplitMix(0x0F3E_F00D_2026_1130);
    let mut made = 0;
    for p in 0..LARGE_PROJECTS {
        let slug = format!("bench-{p:03}");
        let created = joined + chrono::Duration::hours(p as i64 * 7);
        let plan: Vec<(usize, i64, bool, u64)> = (0..LARGE_PLEDGES_PER_PROJECT)
            .map(|_| {
                (
                    rng.below(sponsors.len() as u64) as usize,
                    (1 + rng.below(5_000) as i64) * 100,
                    rng.below(10) == 0,
                    rng.below(10),
                )
            })
            .collect();
        let expenses = 1 + rng.below(4);
        let compute_plan: Vec<LargeCompute> = (0..LARGE_COMPUTE_PER_PROJECT)
            .map(|_| {
                let class = rng.below(2) as usize;
                let minutes = (10 + rng.below(490) as i64) * 60;
                let mut left = minutes;
                let reports = (0..rng.below(4))
                    .filter_map(|_| {
                        let m = (left / 3).max(0);
                        left -= m;
                        (m > 0).then(|| (m, rng.below(4) != 0))
                    })
                    .collect();
                (
                    class,
                    minutes,
                    reports,
                    30 + rng.below(700) as i64,
                    rng.below(10) == 9,
                )
            })
            .collect();
        let h100_value = 200 + rng.below(150) as i64;
        let (n, _) = run_write(conn, |tx| {
            let project = NewProject::parse(
                &slug,
                &format!("Bench Project {p:03}"),
                "A generated project for benchmarks: pledges, receipts and expenses.",
                kinds[p % kinds.len()],
                None,
            )
            .map_err(|v| DbError::Corrupt(format!("{v:?}")))?;
            let Some(row) = projects::insert_if_absent(tx, project, created)? else {
                return Ok(0);
            };
            crate::store::members::add(
                tx,
                row.id,
                owner.user_id,
                crate::domain::policy::ProjectRole::Owner,
                created,
            )?;
            let currency = Currency::parse("currency", &row.currency)
                .map_err(|v| DbError::Corrupt(v.message))?;
            set_value(tx, &owner, &slug, currency, "H100-80GB", h100_value)?;
            set_value(tx, &owner, &slug, currency, "A100-40GB", 120)?;
            let goals = [
                make_goal(
                    tx,
                    &owner,
                    &slug,
                    currency,
                    "Keep the lights on",
                    "Hosting, CI and a part-time maintainer for a year.",
                    Some(1_500_000),
                    &[],
                    None,
                    created,
                )?,
                make_goal(
                    tx,
                    &owner,
                    &slug,
                    currency,
                    "Next training run",
                    "GPU time for the next full training run.",
                    None,
                    &[("H100-80GB", 60_000)],
                    None,
                    created,
                )?,
                make_goal(
                    tx,
                    &owner,
                    &slug,
                    currency,
                    "Evaluation suite",
                    "Benchmarks, their compute and the people who check them.",
                    Some(500_000),
                    &[("A100-40GB", 20_000)],
                    None,
                    created,
                )?,
            ];
            let mut n = 0;
            let mut received = 0i64;
            let today = crate::db::now();
            for (i, &(sponsor, amount, monthly, fate)) in plan.iter().enumerate() {
                let who = sponsors[sponsor];
                let when = created + chrono::Duration::minutes(i as i64 * 37);
                // Every third pledge names the money goal, every third the mixed one.
                let goal = match i % 3 {
                    0 => open_goal(tx, row.id, Some(goals[0]))?,
                    1 => open_goal(tx, row.id, Some(goals[2]))?,
                    _ => None,
                };
                let key = format!("bench-{p}-{i}");
                let mut id = None;
                app::pledges::create_money(
                    tx,
                    &who,
                    &slug,
                    Idempotent {
                        key: &key,
                        request_hash: "bench",
                    },
                    NewMoneyPledge {
                        amount: Money::new(currency, amount)
                            .map_err(|v| DbError::Corrupt(v.message))?,
                        recurrence: if monthly {
                            Recurrence::Monthly
                        } else {
                            Recurrence::OneTime
                        },
                        anonymous: fate == 9,
                        message: None,
                        goal_id: goal,
                    },
                    |r| {
                        id = Some(r.id);
                        String::new()
                    },
                    when,
                )
                .map_err(|e| DbError::Corrupt(format!("bench pledge: {e}")))?;
                let Some(id) = id else { continue };
                n += 1;
                if monthly && fate != 7 {
                    // The instalments due so far, as the hourly job would have made them.
                    app::instalments::create_due(tx, id, today.date(), when)
                        .map_err(|e| DbError::Corrupt(format!("bench instalments: {e}")))?;
                }
                let later = when + chrono::Duration::days(3);
                if fate < 7 && !monthly {
                    app::pledges::confirm_received(tx, &owner, id, later)
                        .map_err(|e| DbError::Corrupt(format!("bench receipt: {e}")))?;
                    received += amount;
                } else if fate == 7 {
                    app::pledges::cancel(tx, &who, id, later)
                        .map_err(|e| DbError::Corrupt(format!("bench cancel: {e}")))?;
                }
            }
            for (i, (class, minutes, reports, window, anonymous)) in compute_plan.iter().enumerate()
            {
                let who = sponsors[(p * 7 + i * 13) % sponsors.len()];
                let when = created + chrono::Duration::hours(i as i64 * 5 + 1);
                let window_end = when + chrono::Duration::days(*window);
                let (code, goal) = if *class == 0 {
                    ("H100-80GB", goals[1])
                } else {
                    ("A100-40GB", goals[2])
                };
                let goal = open_goal(tx, row.id, Some(goal))?;
                let id = pledge_compute(
                    tx,
                    &who,
                    &slug,
                    &format!("bench-{p}-compute-{i}"),
                    &ComputePlan {
                        class: code,
                        gpu_minutes: *minutes,
                        provider: Some("Bench cluster"),
                        anonymous: *anonymous,
                        message: None,
                        at: when,
                        window_end,
                        goal,
                    },
                )?;
                n += 1;
                for (r, (m, confirm)) in reports.iter().enumerate() {
                    let on = when + chrono::Duration::days(r as i64 + 1);
                    let evidence = format!("Bench run {}", r + 1);
                    deliver(tx, &who, &owner, id, *m, &evidence, *confirm, on)?;
                }
                if window_end <= today {
                    expire(tx, id, window_end + chrono::Duration::hours(1))?;
                }
            }
            for e in 0..expenses {
                let amount = received / 10;
                if amount <= 0 {
                    break;
                }
                app::expenses::record(
                    tx,
                    &owner,
                    &slug,
                    app::expenses::NewExpense {
                        description: format!("Compute and hosting, batch {}", e + 1),
                        amount: Money::new(currency, amount)
                            .map_err(|v| DbError::Corrupt(v.message))?,
                        receipt_url: None,
                    },
                    created + chrono::Duration::days(90 + e as i64),
                )
                .map_err(|e| DbError::Corrupt(format!("bench expense: {e}")))?;
            }
            Ok::<_, DbError>(n)
        })?;
        made += n;
        progress(p + 1, LARGE_PROJECTS);
    }
    drop_announcements(conn)?;
    Ok(made)
}
