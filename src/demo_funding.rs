//! The demo's funding: pledges in every state, receipts, monthly instalments, expenses
//! and a reversal, made through the same use cases the API calls, so the demo ledger is
//! what real use would write. A project that already has pledges is left alone, so
//! loading twice adds nothing. The demo's people are made up: nothing it does is mailed
//! (the `notify` jobs it queued are dropped).

use chrono::{NaiveDate, NaiveDateTime};

use crate::app::{self, Principal, pledges::Idempotent};
use crate::db::{AnyConnection, DbError, tx::run_write};
use crate::domain::ids::{PledgeId, SessionId};
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
    let mut made = 0;
    let mut fresh = std::collections::BTreeSet::new();
    for (n, p) in PLEDGES.iter().enumerate() {
        let Some(project) = projects::find_by_slug(conn, p.project)? else {
            continue;
        };
        if !fresh.contains(p.project) {
            if pledges::count_of_project(conn, project.id)? > 0 {
                continue;
            }
            fresh.insert(p.project);
        }
        let Some(Some(sponsor)) = sponsors.get(p.sponsor).copied() else {
            continue;
        };
        // The owner of the demo projects confirms; an admin for projects without one.
        let confirmer = if ["tinystories-lm", "flashkernels"].contains(&p.project) {
            maintainer
        } else {
            admin
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
            goal_id: None,
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

/// How many projects, sponsors and pledges `openfund demo --scale large` generates.
pub const LARGE_PROJECTS: usize = 500;
pub const LARGE_SPONSORS: usize = 2_000;
pub const LARGE_PLEDGES_PER_PROJECT: usize = 100;

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
/// each with [`LARGE_PLEDGES_PER_PROJECT`] money pledges by [`LARGE_SPONSORS`]
/// sponsors — about 70 % received (a receipt in the ledger), 10 % cancelled, the rest
/// open; a tenth monthly — and a few expenses, all through the use cases, one unit of
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
            let mut n = 0;
            let mut received = 0i64;
            for (i, &(sponsor, amount, monthly, fate)) in plan.iter().enumerate() {
                let who = sponsors[sponsor];
                let when = created + chrono::Duration::minutes(i as i64 * 37);
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
                        goal_id: None,
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
