//! Exports of a project's public ledger (CSV, Beancount journal) and its funding
//! manifest (`funding.json`). Everything here is public, so every account goes through
//! [`LedgerAccount::public_path`]: a sponsor is never named.
//!
//! The exports page through the ledger internally ([`PAGE`] transactions per query, in
//! ascending id order, up to the newest id seen when the export started, so postings
//! that land meanwhile are left out rather than half included) and build the body in
//! memory.

use chrono::{Datelike, NaiveDateTime};

use super::ledger::{self, LedgerFault, Posted};
use crate::db::{AnyConnection, DbError};
use crate::domain::ProjectKind;
use crate::domain::email::Email;
use crate::domain::exports::{self, ExportEntry, ExportTransaction, Journal, LedgerFilter};
use crate::domain::funding::{
    self, Channel, DecimalNumber, Entity, Funding, HistoryItem, HistoryYear, Manifest,
    ManifestProject, Plan, WebUrl,
};
use crate::domain::ids::{ProjectId, TransactionId};
use crate::domain::ledger::{AccountRoot, Commodity, LedgerAccount};
use crate::domain::money::Currency;
use crate::store::exports::{self as store, ManifestProjectRow};
use crate::store::ledger as ledger_store;

/// Transactions read per query.
pub const PAGE: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    /// The project lacks what the funding manifest requires (the fields named).
    #[error("the funding manifest needs these project settings: {}", .0.join(", "))]
    Incomplete(Vec<&'static str>),
    #[error("could not write the export: {0}")]
    Write(String),
    #[error(transparent)]
    Ledger(#[from] LedgerFault),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ExportError {
    fn from(e: diesel::result::Error) -> Self {
        ExportError::Db(e.into())
    }
}

fn project_id(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<(ProjectId, String, String), ExportError> {
    match ledger::project(conn, slug) {
        Ok(p) => Ok((p.id, p.name, p.currency)),
        Err(LedgerFault::ProjectNotFound(s)) => Err(ExportError::ProjectNotFound(s)),
        Err(e) => Err(e.into()),
    }
}

/// Calls `each` for every transaction of `project` that `filter` selects, oldest first,
/// with public account names.
fn walk(
    conn: &mut AnyConnection,
    project: ProjectId,
    filter: &LedgerFilter,
    mut each: impl FnMut(ExportTransaction) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let Some(last) = ledger_store::last_transaction_id(conn, project)? else {
        return Ok(());
    };
    let mut after: Option<TransactionId> = None;
    loop {
        let rows =
            ledger_store::project_transactions_ascending(conn, project, filter, after, last, PAGE)?;
        let Some(tail) = rows.last() else {
            return Ok(());
        };
        after = Some(tail.id);
        let done = i64::try_from(rows.len()).unwrap_or(0) < PAGE;
        for Posted { row, entries } in ledger::with_entries(conn, rows)? {
            each(ExportTransaction {
                id: row.id.get(),
                kind: row.kind,
                description: row.description,
                occurred_at: row.occurred_at,
                reverses_id: row.reverses_id.map(TransactionId::get),
                expense_id: row.expense_id.map(|e| e.get()),
                entries: entries
                    .into_iter()
                    .map(|e| ExportEntry {
                        account: e.account.public_path(),
                        commodity: e.commodity,
                        amount: e.amount,
                    })
                    .collect(),
            })?;
        }
        if done {
            return Ok(());
        }
    }
}

/// The CSV export of project `slug`'s ledger: the header [`exports::CSV_HEADER`], then
/// one row per entry of every transaction `filter` selects, oldest first (with a
/// commodity filter, only that commodity's entries). Written with the `csv` crate
/// (RFC 4180 quoting, `\n` line ends).
pub fn ledger_csv(
    conn: &mut AnyConnection,
    slug: &str,
    filter: &LedgerFilter,
) -> Result<Vec<u8>, ExportError> {
    let (project, _, _) = project_id(conn, slug)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |e: csv::Error| ExportError::Write(e.to_string());
    out.write_record(exports::CSV_HEADER).map_err(write)?;
    walk(conn, project, filter, |t| {
        for row in exports::csv_rows(&t, filter.commodity.as_deref()) {
            out.write_record(&row).map_err(write)?;
        }
        Ok(())
    })?;
    out.into_inner()
        .map_err(|e| ExportError::Write(e.to_string()))
}

/// The Beancount journal of project `slug`'s ledger (see [`Journal`]), of the
/// transactions `filter` selects.
pub fn journal(
    conn: &mut AnyConnection,
    slug: &str,
    filter: &LedgerFilter,
) -> Result<String, ExportError> {
    let (project, name, currency) = project_id(conn, slug)?;
    let mut journal = Journal::new();
    walk(conn, project, filter, |t| {
        journal.push(&t);
        Ok(())
    })?;
    Ok(journal.finish(&name, &currency))
}

/// How the manifest points back at this site.
#[derive(Debug, Clone)]
pub struct Site<'a> {
    /// The site's public base URL, without a trailing `/`.
    pub public_url: &'a str,
}

impl Site<'_> {
    /// The web page of a project (where its pledge buttons are).
    pub fn project_page(&self, slug: &str) -> String {
        format!("{}/projects/{slug}", self.public_url)
    }
}

/// Project `slug`'s funding manifest (`funding.json` v1.0.0). Rules, and where the data
/// comes from:
/// - entity: the project's public contact (`contact_name`, 2–250 characters, and
///   `contact_email`), type `group`, role `steward`; its web page is the project's
///   homepage, or its page on this site;
/// - projects: one, guid from the slug ([`funding::guid_from_slug`]), the summary as
///   description, the repository (`repository_url`, else `model_card_url`), the
///   licences of its SPDX expression (`license`), and tags `ai`, `machine-learning`
///   and its kind;
/// - funding: one channel `openfund` (a payment provider: the project's page here);
///   plans `one-time` and `monthly` for pledges of any amount (amount 0), then one per
///   goal with a money target (`goal-<id>`, active while the goal is open; targets
///   above 10^9 major units are left out), 30 plans at most; history: income (money
///   received into the project's `Held` account from sponsors, pledges or outside) and
///   expenses (money it spent) per UTC year in the project's currency, a reversal
///   counting in its original's year ([`funding::history`]).
///
/// Errors: [`ExportError::Incomplete`] naming each missing or unusable setting
/// (`contact_name`, `contact_email`, `license`, `repository_url`).
pub fn funding_manifest(
    conn: &mut AnyConnection,
    slug: &str,
    site: &Site<'_>,
) -> Result<Manifest, ExportError> {
    let (id, _, _) = project_id(conn, slug)?;
    let p = store::manifest_project(conn, id)?
        .ok_or_else(|| ExportError::ProjectNotFound(slug.to_owned()))?;
    let currency = Currency::parse("currency", &p.currency)
        .map_err(|_| DbError::Corrupt(format!("project {}: currency", p.id)))?;

    let mut missing = Vec::new();
    let contact_name = p
        .contact_name
        .as_deref()
        .map(str::trim)
        .filter(|n| (2..=250).contains(&n.chars().count()) && n.len() <= 256);
    if contact_name.is_none() {
        missing.push("contact_name");
    }
    let contact_email = p
        .contact_email
        .as_deref()
        .and_then(|e| Email::parse("contact_email", e).ok());
    if contact_email.is_none() {
        missing.push("contact_email");
    }
    let licenses = p.license.as_deref().and_then(funding::licenses);
    if licenses.is_none() {
        missing.push("license");
    }
    let repository = p
        .repository_url
        .clone()
        .or_else(|| p.model_card_url.clone())
        .filter(|u| is_manifest_url(u));
    if repository.is_none() {
        missing.push("repository_url");
    }
    let (Some(name), Some(email), Some(licenses), Some(repository)) =
        (contact_name, contact_email, licenses, repository)
    else {
        return Err(ExportError::Incomplete(missing));
    };

    let page = site.project_page(&p.slug);
    let webpage = p
        .homepage
        .clone()
        .filter(|u| is_manifest_url(u))
        .unwrap_or_else(|| page.clone());
    let description = project_description(&p);
    let entity = Entity {
        type_: "group",
        role: "steward",
        name: name.to_owned(),
        email: email.as_str().to_owned(),
        description: funding::cut(
            &format!("The maintainers of {}. {description}", p.name),
            2000,
        ),
        webpage_url: WebUrl {
            url: webpage.clone(),
        },
    };
    let project = ManifestProject {
        guid: funding::guid_from_slug(&p.slug),
        name: funding::cut(&p.name, 250),
        description,
        webpage_url: WebUrl { url: webpage },
        repository_url: WebUrl { url: repository },
        licenses,
        tags: tags(p.kind),
    };
    let channel = Channel {
        guid: "openfund".to_owned(),
        type_: "payment-provider",
        address: funding::cut(&page, 250),
        description: "Pledge money or compute on OpenFund; every receipt and expense is in \
                      the project's public ledger."
            .to_owned(),
    };
    let plans = plans(conn, &p, currency)?;
    let history = history(conn, &p, currency)?;
    Ok(Manifest {
        version: funding::VERSION,
        entity,
        projects: vec![project],
        funding: Funding {
            channels: vec![channel],
            plans,
            history,
        },
    })
}

/// The validator's URL rule: http(s), a host, 10–250 characters (the schema's limit).
fn is_manifest_url(url: &str) -> bool {
    (10..=250).contains(&url.len()) && crate::domain::project::parse_web_link("url", url).is_ok()
}

fn project_description(p: &ManifestProjectRow) -> String {
    let summary = p.summary.trim();
    let text = if summary.chars().count() >= 5 {
        summary.to_owned()
    } else {
        format!("{}, an open AI {} on OpenFund.", p.name, p.kind)
    };
    funding::cut(&text, 2000)
}

fn tags(kind: ProjectKind) -> Vec<String> {
    let mut tags = vec!["ai".to_owned(), "machine-learning".to_owned()];
    if kind != ProjectKind::Other {
        tags.push(kind.as_str().to_owned());
    }
    tags
}

fn plans(
    conn: &mut AnyConnection,
    p: &ManifestProjectRow,
    currency: Currency,
) -> Result<Vec<Plan>, ExportError> {
    let active = if p.archived_at.is_none() {
        "active"
    } else {
        "inactive"
    };
    let option = |guid: &str, name: &str, frequency: &'static str, what: &str| Plan {
        guid: guid.to_owned(),
        status: active,
        name: name.to_owned(),
        description: format!("Pledge any amount {what} on OpenFund."),
        amount: DecimalNumber::integer(0),
        currency: currency.code().to_owned(),
        frequency,
        channels: vec!["openfund".to_owned()],
    };
    let mut plans = vec![
        option("one-time", "One-time pledge", "one-time", "once"),
        option("monthly", "Monthly pledge", "monthly", "every month"),
    ];
    let max_minor = 10_i64
        .checked_pow(u32::from(currency.minor_digits()))
        .and_then(|scale| scale.checked_mul(funding::MAX_AMOUNT_MAJOR))
        .unwrap_or(i64::MAX);
    let room = funding::MAX_PLANS - plans.len();
    for goal in store::money_goals(conn, p.id, i64::try_from(room).unwrap_or(0))? {
        let Some(target) = goal.money_target_minor.filter(|t| *t <= max_minor) else {
            continue;
        };
        let title = if goal.title.len() < 3 {
            format!("Goal: {}", goal.title)
        } else {
            goal.title.clone()
        };
        plans.push(Plan {
            guid: format!("goal-{}", goal.id),
            status: if goal.status == "open" && p.archived_at.is_none() {
                "active"
            } else {
                "inactive"
            },
            name: funding::cut(&title, 250),
            description: funding::cut(goal.description.trim(), 500),
            amount: DecimalNumber::money(target, currency),
            currency: currency.code().to_owned(),
            frequency: "one-time",
            channels: vec!["openfund".to_owned()],
        });
    }
    Ok(plans)
}

fn history(
    conn: &mut AnyConnection,
    p: &ManifestProjectRow,
    currency: Currency,
) -> Result<Vec<HistoryYear>, ExportError> {
    let money = Commodity::Money(currency);
    let held = LedgerAccount::ProjectHeld(p.id).public_path();
    let receivable = LedgerAccount::ProjectPledgesReceivable(p.id).public_path();
    let filter = LedgerFilter {
        commodity: Some(money.to_string()),
        ..LedgerFilter::default()
    };
    let mut items = Vec::new();
    walk(conn, p.id, &filter, |t| {
        items.push(history_item(&t, &money, &held, &receivable));
        Ok(())
    })?;
    Ok(funding::history(&items)
        .into_iter()
        .filter(|(year, _)| (1970..=2075).contains(year))
        .map(|(year, totals)| HistoryYear {
            year,
            income: DecimalNumber::money(totals.income, currency),
            expenses: DecimalNumber::money(totals.expenses, currency),
            currency: currency.code().to_owned(),
            description: "From the project's public ledger on OpenFund.".to_owned(),
        })
        .collect())
}

/// What one transaction adds to the history: the change of what the project holds,
/// as income when the other side is income or a pledge receivable, as expenses when
/// it is an expense account.
fn history_item(
    t: &ExportTransaction,
    money: &Commodity,
    held: &str,
    receivable: &str,
) -> HistoryItem {
    let in_money = || t.entries.iter().filter(|e| e.commodity == *money);
    let delta: i64 = in_money()
        .filter(|e| e.account == held)
        .fold(0_i64, |sum, e| sum.saturating_add(e.amount));
    let root = |prefix: AccountRoot| {
        in_money().any(|e| e.account.split(':').next() == Some(prefix.as_str()))
    };
    let from_income = root(AccountRoot::Income) || in_money().any(|e| e.account == receivable);
    let to_expenses = root(AccountRoot::Expenses);
    HistoryItem {
        id: t.id,
        reverses_id: t.reverses_id,
        year: year_of(t.occurred_at),
        income: if from_income { delta } else { 0 },
        expenses: if to_expenses && !from_income {
            delta.saturating_neg()
        } else {
            0
        },
    }
}

fn year_of(at: NaiveDateTime) -> i32 {
    at.year()
}
