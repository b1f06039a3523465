//! Property test of the ledger through the real use cases and database: random sequences
//! of money and compute pledges, confirmations, cancellations, monthly instalments,
//! delivery reports and confirmations, expirations, expenses and reversals
//! (each one unit of work, as the API runs them) against a model of what the project
//! should hold. After every sequence:
//! - every transaction's entries sum to zero per commodity;
//! - every balance the app reports equals the sum of that account's entries;
//! - no project account is overdrawn;
//! - confirmed deliveries never exceed a compute pledge, and a confirmation is refused
//!   (`exceeds_pledge`) exactly when it would;
//! - the project's `Held` balance is exactly what the model predicts, and every
//!   operation succeeded or was refused exactly as the model predicts (an expense or a
//!   reversal that would overdraw is refused with `insufficient_funds`).
//!
//! Runs on the test backend (`OPENFUND_TEST_BACKEND`); each case uses a new project and
//! new sponsors in one database.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use openfund::app::compute::{self, ComputeError};
use openfund::app::expenses::{self, ExpenseError, NewExpense};
use openfund::app::ledger::{self as app_ledger, LedgerFault};
use openfund::app::pledges::{self, Idempotent, PledgeError};
use openfund::app::{Principal, instalments};
use openfund::db::schema::{
    deliveries as delivery_rows, instalments as instalment_rows, ledger_entries,
    ledger_transactions, pledges as pledge_rows,
};
use openfund::db::{Db, DbError};
use openfund::domain::compute::{AcceleratorClass, GpuMinutes};
use openfund::domain::delivery::{NewComputePledge, NewDelivery};
use openfund::domain::ids::{DeliveryId, InstalmentId, PledgeId, SessionId, TransactionId, UserId};
use openfund::domain::money::{Currency, Money};
use openfund::domain::pledge::{NewMoneyPledge, Recurrence};
use openfund::store;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::helpers::spawn_app;

/// The accelerator class compute is pledged in (added to the catalogue first).
const CLASS: &str = "H100-80GB";

/// One step a sponsor or a maintainer takes. Indexes pick among what exists (modulo).
#[derive(Debug, Clone)]
enum Op {
    Pledge {
        sponsor: usize,
        amount: i64,
        monthly: bool,
    },
    Confirm(usize),
    Cancel(usize),
    /// The instalment job runs `days` after the start.
    Instalments(i64),
    ConfirmInstalment(usize),
    Expense(i64),
    Reverse(usize),
    ComputePledge {
        sponsor: usize,
        minutes: i64,
        window_days: i64,
    },
    Report {
        pledge: usize,
        minutes: i64,
    },
    ConfirmDelivery(usize),
    /// The expiry job runs `days` after the start.
    Expire(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, 1..50_000i64, any::<bool>()).prop_map(|(sponsor, amount, monthly)| Op::Pledge {
            sponsor,
            amount,
            monthly
        }),
        3 => any::<usize>().prop_map(Op::Confirm),
        1 => any::<usize>().prop_map(Op::Cancel),
        1 => (0..120i64).prop_map(Op::Instalments),
        2 => any::<usize>().prop_map(Op::ConfirmInstalment),
        3 => (1..60_000i64).prop_map(Op::Expense),
        2 => any::<usize>().prop_map(Op::Reverse),
        2 => (0..3usize, 1..5_000i64, 1..90i64).prop_map(|(sponsor, minutes, window_days)| {
            Op::ComputePledge { sponsor, minutes, window_days }
        }),
        3 => (any::<usize>(), 1..3_000i64).prop_map(|(pledge, minutes)| Op::Report { pledge, minutes }),
        3 => any::<usize>().prop_map(Op::ConfirmDelivery),
        1 => (0..120i64).prop_map(Op::Expire),
    ]
}

/// What a transaction's reversal chain starts from: what the model moves back and forth
/// as reversals undo and redo it.
#[derive(Debug, Clone, Copy)]
enum Origin {
    /// A one-time pledge's receipt (index into `Model::pledges`).
    Receipt(usize),
    /// A monthly pledge's instalment received: id, amount.
    Instalment(InstalmentId, i64),
    /// A confirmed delivery: report, grant index, minutes.
    Delivery(DeliveryId, usize, i64),
    /// A compute grant: never reversed (`not_reversible`).
    Grant,
    /// An expiry: never reversed (`not_reversible`).
    Expiry,
    Expense,
}

/// What the model knows of one posted transaction: its effect on `Held`, whether it was
/// reversed, what its chain starts from, and whether reversing it undoes that (a
/// transaction itself, a reversal's reversal, …) or redoes it (a reversal).
#[derive(Debug, Clone)]
struct Posted {
    id: TransactionId,
    held: i64,
    reversed: bool,
    origin: Origin,
    undoes: bool,
}

impl Posted {
    fn new(id: TransactionId, held: i64, origin: Origin) -> Self {
        Posted {
            id,
            held,
            reversed: false,
            origin,
            undoes: true,
        }
    }
}

/// How the model expects a reversal to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    NotReversible,
    AlreadyReversed,
    StateChanged,
    InsufficientFunds,
}

/// A compute pledge as the model sees it.
#[derive(Debug, Clone)]
struct Grant {
    id: PledgeId,
    sponsor: usize,
    pledged: i64,
    confirmed: i64,
    window_end: NaiveDateTime,
    /// Still pledged (not delivered in full, not expired).
    open: bool,
    /// Its window closed while it was open: the remainder was written off.
    expired: bool,
}

#[derive(Default)]
struct Model {
    grants: Vec<Grant>,
    /// Reports waiting for a maintainer: id, grant index, minutes.
    reports: Vec<(DeliveryId, usize, i64)>,
    held: i64,
    /// Pledges: id, amount, monthly, still open (pledged).
    pledges: Vec<(PledgeId, i64, bool, bool)>,
    /// Due instalments not yet received: id, amount.
    due: Vec<(InstalmentId, i64)>,
    posted: Vec<Posted>,
}

struct World {
    db: Db,
    slug: String,
    project: openfund::domain::ids::ProjectId,
    owner: Principal,
    sponsors: Vec<Principal>,
    start: NaiveDateTime,
    case: usize,
}

fn principal(db: &Db, id: i64) -> Principal {
    let user = db
        .read_blocking(move |c| store::users::find(c, UserId(id)).map_err(DbError::from))
        .unwrap()
        .unwrap();
    Principal::for_session(&user, SessionId(1))
}

fn last_transaction(db: &Db) -> TransactionId {
    db.read_blocking(|c| {
        ledger_transactions::table
            .select(ledger_transactions::id)
            .order(ledger_transactions::id.desc())
            .first::<i64>(c)
            .map_err(DbError::from)
    })
    .map(TransactionId)
    .unwrap()
}

fn run(w: &World, model: &mut Model, step: usize, op: &Op) -> Result<(), TestCaseError> {
    let now = w.start + Duration::seconds(step as i64);
    let usd = Currency::parse("currency", "USD").unwrap();
    match op {
        Op::Pledge {
            sponsor,
            amount,
            monthly,
        } => {
            let who = w.sponsors[*sponsor];
            let slug = w.slug.clone();
            let key = format!("case{}-step{step}", w.case);
            let new = NewMoneyPledge {
                amount: Money::new(usd, *amount).unwrap(),
                recurrence: if *monthly {
                    Recurrence::Monthly
                } else {
                    Recurrence::OneTime
                },
                anonymous: false,
                message: None,
                goal_id: None,
            };
            let mut id = None;
            let stored = w.db.write_blocking(|tx| {
                pledges::create_money(
                    tx,
                    &who,
                    &slug,
                    Idempotent {
                        key: &key,
                        request_hash: "h",
                    },
                    new,
                    |row| {
                        id = Some(row.id);
                        String::new()
                    },
                    w.start,
                )
            });
            prop_assert!(stored.is_ok(), "pledge: {stored:?}");
            model.pledges.push((id.unwrap(), *amount, *monthly, true));
        }
        Op::Confirm(i) | Op::Cancel(i) => {
            if model.pledges.is_empty() {
                return Ok(());
            }
            let k = i % model.pledges.len();
            let (id, amount, monthly, open) = model.pledges[k];
            let confirm = matches!(op, Op::Confirm(_));
            let result = if confirm {
                let owner = w.owner;
                w.db.write_blocking(|tx| pledges::confirm_received(tx, &owner, id, now))
            } else {
                let sponsor = pledge_sponsor(w, id);
                w.db.write_blocking(|tx| pledges::cancel(tx, &sponsor, id, now))
            };
            let expected_ok = open && !(confirm && monthly);
            match result {
                Ok(_) => {
                    prop_assert!(expected_ok, "{op:?} on {:?} succeeded", model.pledges[k]);
                    model.pledges[k].3 = false;
                    if confirm {
                        model.held += amount;
                        model.posted.push(Posted::new(
                            last_transaction(&w.db),
                            amount,
                            Origin::Receipt(k),
                        ));
                    } else {
                        // A cancelled monthly pledge's due instalments stay as they are.
                    }
                }
                Err(PledgeError::WrongState { .. }) => {
                    prop_assert!(!expected_ok, "{op:?} refused: {result:?}");
                }
                Err(e) => prop_assert!(false, "{op:?}: {e:?}"),
            }
        }
        Op::Instalments(days) => {
            let today = (w.start + Duration::days(*days)).date();
            for &(id, _, monthly, _) in &model.pledges {
                if !monthly {
                    continue;
                }
                let created =
                    w.db.write_blocking(|tx| instalments::create_due(tx, id, today, now));
                prop_assert!(created.is_ok(), "{created:?}");
            }
            // The model reads what is due: the schedule itself is tested on its own.
            let pledge_ids: Vec<i64> = model.pledges.iter().map(|p| p.0.get()).collect();
            let due =
                w.db.read_blocking(move |c| {
                    instalment_rows::table
                        .filter(instalment_rows::pledge_id.eq_any(pledge_ids))
                        .filter(instalment_rows::state.eq("due"))
                        .order(instalment_rows::id)
                        .select((instalment_rows::id, instalment_rows::amount_minor))
                        .load::<(i64, i64)>(c)
                        .map_err(DbError::from)
                })
                .unwrap();
            model.due = due
                .into_iter()
                .map(|(id, a)| (InstalmentId(id), a))
                .collect();
        }
        Op::ConfirmInstalment(i) => {
            if model.due.is_empty() {
                return Ok(());
            }
            let (id, amount) = model.due.remove(i % model.due.len());
            let owner = w.owner;
            let result =
                w.db.write_blocking(|tx| instalments::confirm(tx, &owner, id, now));
            prop_assert!(result.is_ok(), "{result:?}");
            model.held += amount;
            model.posted.push(Posted::new(
                last_transaction(&w.db),
                amount,
                Origin::Instalment(id, amount),
            ));
        }
        Op::Expense(amount) => {
            let owner = w.owner;
            let slug = w.slug.clone();
            let new = NewExpense {
                description: format!("expense {step}"),
                amount: Money::new(usd, *amount).unwrap(),
                receipt_url: None,
            };
            let result =
                w.db.write_blocking(|tx| expenses::record(tx, &owner, &slug, new, now));
            match result {
                Ok((_, transaction)) => {
                    prop_assert!(*amount <= model.held, "overdrew {amount} of {}", model.held);
                    model.held -= amount;
                    model
                        .posted
                        .push(Posted::new(transaction, -amount, Origin::Expense));
                }
                Err(ExpenseError::Ledger(LedgerFault::InsufficientFunds(_))) => {
                    prop_assert!(*amount > model.held, "refused {amount} of {}", model.held);
                }
                Err(e) => prop_assert!(false, "expense: {e:?}"),
            }
        }
        Op::Reverse(i) => {
            if model.posted.is_empty() {
                return Ok(());
            }
            let k = i % model.posted.len();
            let target = model.posted[k].clone();
            let expect = expected_reversal(model, &target);
            let owner = w.owner;
            let slug = w.slug.clone();
            let result =
                w.db.write_blocking(|tx| app_ledger::reverse(tx, &owner, &slug, target.id, now));
            let got = match &result {
                Ok(_) => Expect::Ok,
                Err(LedgerFault::NotReversible(_)) => Expect::NotReversible,
                Err(LedgerFault::AlreadyReversed) => Expect::AlreadyReversed,
                Err(LedgerFault::StateChanged(_)) => Expect::StateChanged,
                Err(LedgerFault::InsufficientFunds(_)) => Expect::InsufficientFunds,
                Err(e) => return Err(TestCaseError::fail(format!("reverse: {e:?}"))),
            };
            prop_assert_eq!(
                got,
                expect,
                "reversing {:?} (held {}): {:?}",
                &target,
                model.held,
                &result
            );
            if let Ok(posted) = result {
                model.held -= target.held;
                model.posted[k].reversed = true;
                model.posted.push(Posted {
                    id: posted.row.id,
                    held: -target.held,
                    reversed: false,
                    origin: target.origin,
                    undoes: !target.undoes,
                });
                match target.origin {
                    Origin::Receipt(p) => model.pledges[p].3 = target.undoes,
                    Origin::Instalment(id, amount) => {
                        if target.undoes {
                            model.due.push((id, amount));
                        } else {
                            model.due.retain(|(d, _)| *d != id);
                        }
                    }
                    Origin::Delivery(report, g, minutes) => {
                        let grant = &mut model.grants[g];
                        if target.undoes {
                            grant.confirmed -= minutes;
                            grant.open = true;
                            model.reports.push((report, g, minutes));
                        } else {
                            grant.confirmed += minutes;
                            grant.open = grant.confirmed < grant.pledged;
                            model.reports.retain(|(r, ..)| *r != report);
                        }
                    }
                    Origin::Grant | Origin::Expiry | Origin::Expense => {}
                }
            }
        }
        Op::ComputePledge {
            sponsor,
            minutes,
            window_days,
        } => {
            let who = w.sponsors[*sponsor];
            let slug = w.slug.clone();
            let key = format!("case{}-step{step}", w.case);
            let window_end = w.start + Duration::days(*window_days);
            let new = NewComputePledge {
                accelerator: AcceleratorClass::parse("accelerator", CLASS).unwrap(),
                gpu_minutes: GpuMinutes::new("gpu_minutes", *minutes).unwrap(),
                provider: None,
                window_start: w.start,
                window_end,
                anonymous: false,
                message: None,
            };
            let mut id = None;
            let stored = w.db.write_blocking(|tx| {
                pledges::create_compute(
                    tx,
                    &who,
                    &slug,
                    Idempotent {
                        key: &key,
                        request_hash: "c",
                    },
                    new,
                    None,
                    |row| {
                        id = Some(row.id);
                        String::new()
                    },
                    w.start,
                )
            });
            prop_assert!(stored.is_ok(), "compute pledge: {stored:?}");
            model.grants.push(Grant {
                id: id.unwrap(),
                sponsor: *sponsor,
                pledged: *minutes,
                confirmed: 0,
                window_end,
                open: true,
                expired: false,
            });
            model
                .posted
                .push(Posted::new(last_transaction(&w.db), 0, Origin::Grant));
        }
        Op::Report { pledge, minutes } => {
            if model.grants.is_empty() {
                return Ok(());
            }
            let k = pledge % model.grants.len();
            let grant = model.grants[k].clone();
            let who = w.sponsors[grant.sponsor];
            let new = NewDelivery::parse(&serde_json::json!(minutes), "cluster log").unwrap();
            let result =
                w.db.write_blocking(|tx| compute::report(tx, &who, grant.id, new, now));
            match result {
                Ok(row) => {
                    prop_assert!(grant.open, "reported on a closed pledge: {grant:?}");
                    prop_assert!(
                        grant.confirmed + minutes <= grant.pledged,
                        "report past the pledge"
                    );
                    model.reports.push((row.id, k, *minutes));
                }
                Err(ComputeError::ExceedsPledge(_)) => {
                    prop_assert!(
                        grant.confirmed + minutes > grant.pledged,
                        "refused {minutes} of {grant:?}"
                    )
                }
                Err(ComputeError::WrongState(_)) => prop_assert!(!grant.open, "refused: {grant:?}"),
                Err(e) => prop_assert!(false, "report: {e:?}"),
            }
        }
        Op::ConfirmDelivery(i) => {
            if model.reports.is_empty() {
                return Ok(());
            }
            let (id, k, minutes) = model.reports.remove(i % model.reports.len());
            let grant = model.grants[k].clone();
            let owner = w.owner;
            let result =
                w.db.write_blocking(|tx| compute::confirm(tx, &owner, id, now));
            match result {
                Ok(_) => {
                    prop_assert!(grant.open, "confirmed on a closed pledge: {grant:?}");
                    prop_assert!(
                        grant.confirmed + minutes <= grant.pledged,
                        "confirmed past the pledge"
                    );
                    model.grants[k].confirmed += minutes;
                    if model.grants[k].confirmed == grant.pledged {
                        model.grants[k].open = false;
                    }
                    model.posted.push(Posted::new(
                        last_transaction(&w.db),
                        0,
                        Origin::Delivery(id, k, minutes),
                    ));
                }
                Err(ComputeError::ExceedsPledge(_)) => prop_assert!(
                    grant.confirmed + minutes > grant.pledged,
                    "refused {minutes} of {grant:?}"
                ),
                Err(ComputeError::WrongState(_)) => prop_assert!(!grant.open, "refused: {grant:?}"),
                Err(e) => prop_assert!(false, "confirm: {e:?}"),
            }
        }
        Op::Expire(days) => {
            let at = w.start + Duration::days(*days);
            for k in 0..model.grants.len() {
                let grant = model.grants[k].clone();
                let lapsed = w.db.write_blocking(|tx| compute::expire(tx, grant.id, at));
                let lapsed = match lapsed {
                    Ok(l) => l,
                    Err(e) => return Err(TestCaseError::fail(format!("expire: {e:?}"))),
                };
                let due = grant.open && at >= grant.window_end;
                prop_assert_eq!(lapsed.is_some(), due, "expiry of {:?} at {}", grant, at);
                if due {
                    model.grants[k].open = false;
                    model.grants[k].expired = true;
                    if lapsed.unwrap_or(0) > 0 {
                        model
                            .posted
                            .push(Posted::new(last_transaction(&w.db), 0, Origin::Expiry));
                    }
                }
            }
        }
    }
    Ok(())
}

/// What reversing `target` should do, checked in the app's order: grants and expiries
/// are never reversed; a transaction is reversed once; undoing or redoing must find the
/// state where the last step left it; money must not be overdrawn.
fn expected_reversal(model: &Model, target: &Posted) -> Expect {
    if matches!(target.origin, Origin::Grant | Origin::Expiry) {
        return Expect::NotReversible;
    }
    if target.reversed {
        return Expect::AlreadyReversed;
    }
    let state_holds = match target.origin {
        // Undoing finds the pledge received (the chain is in effect); redoing needs it
        // still pledged (not received again, not cancelled).
        Origin::Receipt(p) => target.undoes || model.pledges[p].3,
        Origin::Instalment(id, _) => target.undoes || model.due.iter().any(|(d, _)| *d == id),
        Origin::Delivery(report, g, minutes) => {
            let grant = &model.grants[g];
            if target.undoes {
                !grant.expired
            } else {
                model.reports.iter().any(|(r, ..)| *r == report)
                    && grant.open
                    && grant.confirmed + minutes <= grant.pledged
            }
        }
        Origin::Grant | Origin::Expiry | Origin::Expense => true,
    };
    if !state_holds {
        return Expect::StateChanged;
    }
    if model.held - target.held < 0 {
        return Expect::InsufficientFunds;
    }
    Expect::Ok
}

fn pledge_sponsor(w: &World, id: PledgeId) -> Principal {
    let row =
        w.db.read_blocking(move |c| store::pledges::find(c, id).map_err(DbError::from))
            .unwrap()
            .unwrap();
    *w.sponsors
        .iter()
        .find(|p| p.user_id == row.sponsor_id)
        .unwrap()
}

/// The invariants, read back from the database.
fn check(w: &World, model: &Model) -> Result<(), TestCaseError> {
    let project = w.project;
    let rows: Vec<(i64, i64, String, i64)> =
        w.db.read_blocking(move |c| {
            ledger_entries::table
                .inner_join(ledger_transactions::table)
                .filter(ledger_transactions::project_id.eq(project.get()))
                .select((
                    ledger_entries::transaction_id,
                    ledger_entries::account_id,
                    ledger_entries::commodity,
                    ledger_entries::amount,
                ))
                .load(c)
                .map_err(DbError::from)
        })
        .unwrap();
    let mut per_transaction: BTreeMap<(i64, String), i64> = BTreeMap::new();
    let mut per_account: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for (t, a, commodity, amount) in &rows {
        *per_transaction.entry((*t, commodity.clone())).or_default() += amount;
        *per_account.entry((*a, commodity.clone())).or_default() += amount;
    }
    for ((t, commodity), sum) in &per_transaction {
        prop_assert_eq!(*sum, 0, "transaction {} unbalanced in {}", t, commodity);
    }
    let balances =
        w.db.read_blocking(move |c| app_ledger::balances(c, project))
            .unwrap();
    let accounts: BTreeMap<i64, String> =
        w.db.read_blocking(|c| {
            openfund::db::schema::ledger_accounts::table
                .select((
                    openfund::db::schema::ledger_accounts::id,
                    openfund::db::schema::ledger_accounts::path,
                ))
                .load::<(i64, String)>(c)
                .map_err(DbError::from)
        })
        .unwrap()
        .into_iter()
        .collect();
    let mut reported = 0;
    for (account, commodity, balance) in balances.iter() {
        let path = account.path();
        let (id, _) = accounts.iter().find(|(_, p)| **p == path).unwrap();
        let summed = per_account
            .get(&(*id, commodity.to_string()))
            .copied()
            .unwrap_or(0);
        prop_assert_eq!(balance, summed, "balance of {} in {}", path, commodity);
        if path.starts_with("Assets:") {
            prop_assert!(balance >= 0, "{} overdrawn: {}", path, balance);
        }
        if path.ends_with(":Held") {
            prop_assert_eq!(balance, model.held, "held");
        }
        reported += 1;
    }
    if model.held != 0 {
        prop_assert!(reported > 0, "no balances reported");
    }
    for grant in &model.grants {
        let id = grant.id.get();
        let (pledged, confirmed): (Option<i64>, Option<i64>) =
            w.db.read_blocking(move |c| {
                let pledged = pledge_rows::table
                    .find(id)
                    .select(pledge_rows::gpu_minutes)
                    .first::<Option<i64>>(c)?;
                let confirmed: Vec<i64> = delivery_rows::table
                    .filter(delivery_rows::pledge_id.eq(id))
                    .filter(delivery_rows::state.eq("confirmed"))
                    .select(delivery_rows::gpu_minutes)
                    .load(c)?;
                Ok::<_, DbError>((pledged, Some(confirmed.iter().sum())))
            })
            .unwrap();
        let confirmed = confirmed.unwrap_or(0);
        prop_assert!(
            confirmed <= pledged.unwrap_or(0),
            "delivered {} of {:?}",
            confirmed,
            grant
        );
        prop_assert_eq!(
            confirmed,
            grant.confirmed,
            "confirmed minutes of {:?}",
            grant
        );
    }
    Ok(())
}

#[tokio::test]
async fn random_funding_sequences_keep_the_ledger_balanced_and_true() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let sponsors = [app.user().await, app.user().await, app.user().await];
    let admin = app.admin().await;
    let res = app
        .send_json_as(
            reqwest::Method::POST,
            "/api/v1/accelerators",
            &admin.token,
            &serde_json::json!({"code": CLASS, "display_name": "NVIDIA H100 80GB"}),
        )
        .await;
    assert!(
        matches!(res.status().as_u16(), 201 | 409),
        "{}",
        res.status()
    );
    let db = Db::new(app.database_url.clone(), 2).unwrap();
    let owner_token = owner.token.clone();
    let cases: u32 = if crate::helpers::backend() == openfund::db::Backend::Postgres {
        24
    } else {
        48
    };
    // Each case gets a project of its own, made through the API.
    let mut slugs = Vec::new();
    for n in 0..cases + 40 {
        let slug = format!(
            "prop{n}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        let res = app
            .create_project(
                &owner_token,
                &serde_json::json!({"slug": slug, "name": slug, "kind": "model"}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        slugs.push(slug);
    }
    let owner_p = principal(&db, owner.id);
    let sponsor_p: Vec<Principal> = sponsors.iter().map(|s| principal(&db, s.id)).collect();
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases,
            max_shrink_iters: 200,
            ..Config::default()
        });
        let case = std::sync::atomic::AtomicUsize::new(0);
        runner
            .run(&proptest::collection::vec(op(), 1..40), |ops| {
                let n = case.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let slug = slugs[n % slugs.len()].clone();
                let project = {
                    let s = slug.clone();
                    db.read_blocking(move |c| {
                        store::projects::find_by_slug(c, &s).map_err(DbError::from)
                    })
                    .unwrap()
                    .unwrap()
                    .id
                };
                // A shrunk case reuses a project: start from what it holds now.
                let world = World {
                    db: db.clone(),
                    slug,
                    project,
                    owner: owner_p,
                    sponsors: sponsor_p.clone(),
                    start: chrono::NaiveDate::from_ymd_opt(2024, 1, 31)
                        .unwrap()
                        .and_hms_opt(12, 0, 0)
                        .unwrap()
                        + Duration::days(n as i64),
                    case: n,
                };
                let held = db
                    .read_blocking(move |c| app_ledger::balances(c, project))
                    .unwrap()
                    .iter()
                    .filter(|(a, ..)| a.path().ends_with(":Held"))
                    .map(|(_, _, b)| b)
                    .sum();
                let mut model = Model {
                    held,
                    ..Model::default()
                };
                for (step, op) in ops.iter().enumerate() {
                    run(&world, &mut model, step, op)?;
                }
                check(&world, &model)
            })
            .unwrap();
    })
    .await
    .unwrap();
}
