//! The public double-entry ledger: what is counted (commodities), where (accounts), how
//! it moves (balanced transactions and their reversals), and what is left (balances).
//!
//! The model is Beancount's (<https://beancount.github.io/docs/the_double_entry_counting_method.html>):
//! a transaction is a set of entries (postings), each an amount of one commodity in one
//! account, and the entries of every commodity sum to zero. Amounts are signed integers:
//! positive is a debit, negative a credit, so Assets and Expenses normally carry positive
//! balances and Income, Liabilities and Equity negative ones. No floats: money is counted
//! in the currency's minor unit, compute in accelerator-minutes. All arithmetic is checked;
//! an overflow is an error, never a wrap.
//!
//! These are pure rules. The service layer stores accounts and entries as rows, builds
//! values of these types from requests and from what it read, and decides what to post.

use std::collections::BTreeMap;
use std::fmt;

use super::Violation;
use super::compute::AcceleratorClass;
use super::ids::{ProjectId, UserId};
use super::money::Currency;
use super::project::parse_label;

// ---------------------------------------------------------------------------------------
// Commodities
// ---------------------------------------------------------------------------------------

/// What the stored text of a compute commodity starts with: `GPU:H100-80GB`.
pub const COMPUTE_PREFIX: &str = "GPU:";
/// What a compute commodity's Beancount name starts with: `GPU.H100-80GB`.
pub const BEANCOUNT_COMPUTE_PREFIX: &str = "GPU.";

/// Whether a commodity is money or compute; accounts accept one or both (see
/// [`AccountKind::accepts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommodityKind {
    Money,
    Compute,
}

/// Something the ledger counts, in integer units:
/// - `Money(USD)`: the currency's minor unit (ISO 4217 exponent: cents for USD, yen for
///   JPY). Stored as the code, `USD`.
/// - `Compute(H100-80GB)`: accelerator-minutes, one accelerator of that class for one
///   minute. Stored as `GPU:` and the class, `GPU:H100-80GB`.
///
/// The two stored forms never collide (a currency code has no `:`), and
/// [`Commodity::parse`] reads back exactly what [`fmt::Display`] writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Commodity {
    Money(Currency),
    Compute(AcceleratorClass),
}

impl Commodity {
    /// Reads the stored form (`USD`, `GPU:H100-80GB`). Errors: `format` (field as given)
    /// for anything else, including an unknown currency or a compute class that breaks [`AcceleratorClass`]'s rule.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        match raw.strip_prefix(COMPUTE_PREFIX) {
            Some(class) => AcceleratorClass::parse(field, class)
                .map(Commodity::Compute)
                .map_err(|_| {
                    Violation::new(
                        field,
                        "format",
                        "a compute commodity is GPU: and an accelerator class, e.g. GPU:H100-80GB",
                    )
                }),
            None => Currency::parse(field, raw)
                .map(Commodity::Money)
                .map_err(|_| {
                    Violation::new(
                        field,
                        "format",
                        "a money commodity is an ISO 4217 currency code, e.g. USD",
                    )
                }),
        }
    }

    pub fn kind(&self) -> CommodityKind {
        match self {
            Commodity::Money(_) => CommodityKind::Money,
            Commodity::Compute(_) => CommodityKind::Compute,
        }
    }

    /// The name to use in a Beancount export: a currency code as it is; a compute class
    /// as `GPU.` and the class with each lower-case letter written as `'` and its
    /// upper-case form, and `'0` appended if the class ends in `.`, `_` or `-`
    /// (`a100` → `GPU.'A100`, `H100-80GB` → `GPU.H100-80GB`, `x_` → `GPU.'X_'0`).
    ///
    /// Beancount's lexer (`beancount/parser/lexer.l`) accepts a commodity named
    /// `[A-Z][A-Z0-9'._-]*[A-Z0-9]`; every name made here matches that, and the mapping is
    /// one-to-one, so distinct commodities never merge in an export. Beancount 2 also
    /// capped names at 24 characters; Beancount 3 has no cap, and long classes (or many
    /// lower-case letters) can exceed 24.
    pub fn beancount_name(&self) -> String {
        match self {
            Commodity::Money(currency) => currency.code().to_owned(),
            Commodity::Compute(class) => {
                let mut name = String::from(BEANCOUNT_COMPUTE_PREFIX);
                for c in class.as_str().chars() {
                    if c.is_ascii_lowercase() {
                        name.push('\'');
                        name.push(c.to_ascii_uppercase());
                    } else {
                        name.push(c);
                    }
                }
                if name.ends_with(['.', '_', '-']) {
                    name.push_str("'0");
                }
                name
            }
        }
    }
}

impl fmt::Display for Commodity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Commodity::Money(currency) => f.write_str(currency.code()),
            Commodity::Compute(class) => write!(f, "{COMPUTE_PREFIX}{class}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------

/// The five top-level account types of double-entry bookkeeping, as Beancount names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountRoot {
    Assets,
    Liabilities,
    Equity,
    Income,
    Expenses,
}

impl AccountRoot {
    /// The first component of an account's path, e.g. `Assets`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccountRoot::Assets => "Assets",
            AccountRoot::Liabilities => "Liabilities",
            AccountRoot::Equity => "Equity",
            AccountRoot::Income => "Income",
            AccountRoot::Expenses => "Expenses",
        }
    }

    /// The sign a balance in this root normally has: `1` (debit) for Assets and
    /// Expenses, `-1` (credit) for Liabilities, Equity and Income. A report that shows
    /// "amounts raised" multiplies Income balances by this to print them positive.
    pub const fn normal_sign(self) -> i64 {
        match self {
            AccountRoot::Assets | AccountRoot::Expenses => 1,
            AccountRoot::Liabilities | AccountRoot::Equity | AccountRoot::Income => -1,
        }
    }
}

crate::text_enum! {
    /// What a ledger account is for (`ledger_accounts.kind`); one per node of the tree
    /// that [`LedgerAccount`] documents.
    pub enum AccountKind {
        ProjectHeld = "project_held",
        ProjectPledgesReceivable = "project_pledges_receivable",
        ProjectComputeReceivable = "project_compute_receivable",
        SponsorContributions = "sponsor_contributions",
        ExternalIncome = "external_income",
        ExternalSpending = "external_spending",
        Payouts = "payouts",
        ComputeUsed = "compute_used",
        ComputeExpired = "compute_expired",
        OpeningBalances = "opening_balances",
    }
}

crate::text_enum! {
    /// Why a transaction was posted (`ledger_transactions.kind`), for filtering the
    /// public ledger.
    #[derive(utoipa::ToSchema)]
    pub enum TransactionKind {
        /// Money or compute promised: a receivable against the sponsor.
        Pledge = "pledge",
        /// Pledged money arrived.
        Receipt = "receipt",
        /// Given without a pledge, or brought in from another system.
        Gift = "gift",
        /// Compute delivered (used) against a grant.
        Delivery = "delivery",
        /// Granted compute that lapsed unused.
        Expiry = "expiry",
        /// Money a project spent.
        Expense = "expense",
        /// Money paid out to people.
        Payout = "payout",
        /// The exact negation of an earlier transaction.
        Reversal = "reversal",
    }
}

/// Who an account belongs to, by kind: what [`LedgerAccount::from_parts`] requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOwner {
    Project,
    Sponsor,
    /// One account for the whole platform: the outside world, or equity.
    Platform,
}

impl AccountKind {
    pub const fn root(self) -> AccountRoot {
        match self {
            AccountKind::ProjectHeld
            | AccountKind::ProjectPledgesReceivable
            | AccountKind::ProjectComputeReceivable => AccountRoot::Assets,
            AccountKind::SponsorContributions | AccountKind::ExternalIncome => AccountRoot::Income,
            AccountKind::ExternalSpending
            | AccountKind::Payouts
            | AccountKind::ComputeUsed
            | AccountKind::ComputeExpired => AccountRoot::Expenses,
            AccountKind::OpeningBalances => AccountRoot::Equity,
        }
    }

    pub const fn owner(self) -> AccountOwner {
        match self {
            AccountKind::ProjectHeld
            | AccountKind::ProjectPledgesReceivable
            | AccountKind::ProjectComputeReceivable => AccountOwner::Project,
            AccountKind::SponsorContributions => AccountOwner::Sponsor,
            AccountKind::ExternalIncome
            | AccountKind::ExternalSpending
            | AccountKind::Payouts
            | AccountKind::ComputeUsed
            | AccountKind::ComputeExpired
            | AccountKind::OpeningBalances => AccountOwner::Platform,
        }
    }

    /// Which commodities the account may hold: pledges, payouts and outside spending are
    /// money; compute receivables, use and expiry are compute; the rest take both.
    pub const fn accepts(self, commodity: CommodityKind) -> bool {
        match self {
            AccountKind::ProjectPledgesReceivable
            | AccountKind::ExternalSpending
            | AccountKind::Payouts => matches!(commodity, CommodityKind::Money),
            AccountKind::ProjectComputeReceivable
            | AccountKind::ComputeUsed
            | AccountKind::ComputeExpired => matches!(commodity, CommodityKind::Compute),
            AccountKind::ProjectHeld
            | AccountKind::SponsorContributions
            | AccountKind::ExternalIncome
            | AccountKind::OpeningBalances => true,
        }
    }

    /// Whether a posting may never take the account's balance below zero (see
    /// [`Balances::check_overdraw`]): what a project holds, which it spends, and the
    /// compute granted to it, which deliveries and lapses draw on (a pledge never
    /// confirms more than it granted, and a grant is never reversed, so this only ever
    /// refuses a bug). Money receivables are not used yet.
    pub const fn overdraft_protected(self) -> bool {
        matches!(
            self,
            AccountKind::ProjectHeld | AccountKind::ProjectComputeReceivable
        )
    }
}

/// One account of the ledger. The tree, with the Beancount path of each (`{p}` is a
/// project id, `{u}` a sponsor's user id):
///
/// | account | path | holds | meaning |
/// |---|---|---|---|
/// | `ProjectHeld(p)` | `Assets:Projects:P{p}:Held` | both | received for the project and not yet spent; never overdrawn |
/// | `ProjectPledgesReceivable(p)` | `Assets:Projects:P{p}:Receivable:Pledges` | money | pledged to the project, not yet paid |
/// | `ProjectComputeReceivable(p)` | `Assets:Projects:P{p}:Receivable:Compute` | compute | compute granted to the project, not yet used or expired; never overdrawn |
/// | `SponsorContributions(u)` | `Income:Sponsors:U{u}` | both | everything sponsor `u` has given or pledged (credit balance) |
/// | `ExternalIncome` | `Income:External` | both | received from outside without a known sponsor (anonymous gifts, interest) |
/// | `ExternalSpending` | `Expenses:Spending` | money | paid by projects to the outside world for goods and services |
/// | `Payouts` | `Expenses:Payouts` | money | paid out to people (maintainers, contributors) |
/// | `ComputeUsed` | `Expenses:Compute:Used` | compute | compute consumed by jobs |
/// | `ComputeExpired` | `Expenses:Compute:Expired` | compute | granted compute that lapsed unused |
/// | `OpeningBalances` | `Equity:OpeningBalances` | both | the other side of balances brought in from another system |
///
/// Liabilities has no accounts yet. Typical postings (debit first):
/// - pledge: `ProjectPledgesReceivable(p)` +, `SponsorContributions(u)` −
/// - pledge paid: `ProjectHeld(p)` +, `ProjectPledgesReceivable(p)` −
/// - direct gift: `ProjectHeld(p)` +, `SponsorContributions(u)` or `ExternalIncome` −
/// - compute grant: `ProjectComputeReceivable(p)` +, `SponsorContributions(u)` −
/// - compute used (from Slurm accounting): `ComputeUsed` +, `ProjectComputeReceivable(p)` −
/// - grant lapsed: `ComputeExpired` +, `ProjectComputeReceivable(p)` −
/// - spending or payout: `ExternalSpending` or `Payouts` +, `ProjectHeld(p)` −
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LedgerAccount {
    ProjectHeld(ProjectId),
    ProjectPledgesReceivable(ProjectId),
    ProjectComputeReceivable(ProjectId),
    SponsorContributions(UserId),
    ExternalIncome,
    ExternalSpending,
    Payouts,
    ComputeUsed,
    ComputeExpired,
    OpeningBalances,
}

impl LedgerAccount {
    /// Rebuilds an account from a stored row (`kind`, `project_id`, `sponsor_id`).
    /// Errors: `owner` (field `account`) unless exactly the owner the kind needs is given.
    pub fn from_parts(
        kind: AccountKind,
        project: Option<ProjectId>,
        sponsor: Option<UserId>,
    ) -> Result<Self, Violation> {
        let account = match (kind, project, sponsor) {
            (AccountKind::ProjectHeld, Some(p), None) => LedgerAccount::ProjectHeld(p),
            (AccountKind::ProjectPledgesReceivable, Some(p), None) => {
                LedgerAccount::ProjectPledgesReceivable(p)
            }
            (AccountKind::ProjectComputeReceivable, Some(p), None) => {
                LedgerAccount::ProjectComputeReceivable(p)
            }
            (AccountKind::SponsorContributions, None, Some(u)) => {
                LedgerAccount::SponsorContributions(u)
            }
            (AccountKind::ExternalIncome, None, None) => LedgerAccount::ExternalIncome,
            (AccountKind::ExternalSpending, None, None) => LedgerAccount::ExternalSpending,
            (AccountKind::Payouts, None, None) => LedgerAccount::Payouts,
            (AccountKind::ComputeUsed, None, None) => LedgerAccount::ComputeUsed,
            (AccountKind::ComputeExpired, None, None) => LedgerAccount::ComputeExpired,
            (AccountKind::OpeningBalances, None, None) => LedgerAccount::OpeningBalances,
            (kind, _, _) => {
                let needs = match kind.owner() {
                    AccountOwner::Project => "a project and no sponsor",
                    AccountOwner::Sponsor => "a sponsor and no project",
                    AccountOwner::Platform => "neither a project nor a sponsor",
                };
                return Err(Violation::new(
                    "account",
                    "owner",
                    format!("a {kind} account has {needs}"),
                ));
            }
        };
        Ok(account)
    }

    pub const fn kind(&self) -> AccountKind {
        match self {
            LedgerAccount::ProjectHeld(_) => AccountKind::ProjectHeld,
            LedgerAccount::ProjectPledgesReceivable(_) => AccountKind::ProjectPledgesReceivable,
            LedgerAccount::ProjectComputeReceivable(_) => AccountKind::ProjectComputeReceivable,
            LedgerAccount::SponsorContributions(_) => AccountKind::SponsorContributions,
            LedgerAccount::ExternalIncome => AccountKind::ExternalIncome,
            LedgerAccount::ExternalSpending => AccountKind::ExternalSpending,
            LedgerAccount::Payouts => AccountKind::Payouts,
            LedgerAccount::ComputeUsed => AccountKind::ComputeUsed,
            LedgerAccount::ComputeExpired => AccountKind::ComputeExpired,
            LedgerAccount::OpeningBalances => AccountKind::OpeningBalances,
        }
    }

    /// The project that owns the account, for the `project_id` column.
    pub const fn project(&self) -> Option<ProjectId> {
        match self {
            LedgerAccount::ProjectHeld(p)
            | LedgerAccount::ProjectPledgesReceivable(p)
            | LedgerAccount::ProjectComputeReceivable(p) => Some(*p),
            _ => None,
        }
    }

    /// The sponsor that owns the account, for the `sponsor_id` column.
    pub const fn sponsor(&self) -> Option<UserId> {
        match self {
            LedgerAccount::SponsorContributions(u) => Some(*u),
            _ => None,
        }
    }

    /// The account's path in the tree, e.g. `Assets:Projects:P42:Held`: a valid Beancount
    /// account name (components start with an upper-case letter and hold only letters,
    /// digits and `-`; ids are prefixed `P`/`U` so components never start with `-`).
    pub fn path(&self) -> String {
        match self {
            LedgerAccount::ProjectHeld(p) => format!("Assets:Projects:P{p}:Held"),
            LedgerAccount::ProjectPledgesReceivable(p) => {
                format!("Assets:Projects:P{p}:Receivable:Pledges")
            }
            LedgerAccount::ProjectComputeReceivable(p) => {
                format!("Assets:Projects:P{p}:Receivable:Compute")
            }
            LedgerAccount::SponsorContributions(u) => format!("Income:Sponsors:U{u}"),
            LedgerAccount::ExternalIncome => "Income:External".to_owned(),
            LedgerAccount::ExternalSpending => "Expenses:Spending".to_owned(),
            LedgerAccount::Payouts => "Expenses:Payouts".to_owned(),
            LedgerAccount::ComputeUsed => "Expenses:Compute:Used".to_owned(),
            LedgerAccount::ComputeExpired => "Expenses:Compute:Expired".to_owned(),
            LedgerAccount::OpeningBalances => "Equity:OpeningBalances".to_owned(),
        }
    }
}

impl LedgerAccount {
    /// The account's name on anything public (the JSON ledger, balances, the CSV and
    /// Beancount exports, the funding manifest): its path, except that a sponsor's
    /// account is `Income:Sponsors` without saying whose, so no public response ties
    /// money to a sponsor (whether a sponsor may be named is decided by the sponsor
    /// wall, and never for an anonymous pledge).
    pub fn public_path(&self) -> String {
        match self {
            LedgerAccount::SponsorContributions(_) => PUBLIC_SPONSORS_ACCOUNT.to_owned(),
            other => other.path(),
        }
    }
}

/// What every sponsor's account is called in public.
pub const PUBLIC_SPONSORS_ACCOUNT: &str = "Income:Sponsors";

impl fmt::Display for LedgerAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

// ---------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------

/// One posting: `amount` units of `commodity` into `account`, positive for a debit,
/// negative for a credit (see the module docs). On its own an entry is unchecked data;
/// [`NewTransaction::new`] checks it is non-zero, in range and allowed in its account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    pub account: LedgerAccount,
    pub commodity: Commodity,
    /// Minor currency units or accelerator-minutes, signed; see [`Commodity`].
    pub amount: i64,
}

/// The longest description, in characters.
pub const DESCRIPTION_MAX: usize = 500;
/// The most entries one transaction may have, so one request stays one small write.
pub const MAX_ENTRIES: usize = 256;
/// What a reversal's description starts with.
pub const REVERSAL_PREFIX: &str = "Reversal: ";

/// Why a transaction, a reversal or a posting against balances was refused. Each has a
/// stable [`code`](LedgerError::code) and converts to a [`Violation`] for the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The description broke [`parse_label`]'s rule (code `length` or `format`).
    #[error("description: {}", .0.message)]
    Description(Violation),
    /// No entries (code `empty`).
    #[error("a transaction needs at least two entries; it has none")]
    Empty,
    /// One entry (code `single_entry`); double entry needs two sides.
    #[error("a transaction needs at least two entries; it has one")]
    SingleEntry,
    /// More than [`MAX_ENTRIES`] entries (code `too_many_entries`).
    #[error("a transaction has at most {max} entries; it has {count}")]
    TooManyEntries { count: usize, max: usize },
    /// Entry `index` (0-based) has amount zero (code `zero_entry`).
    #[error("entry {index} has amount zero")]
    ZeroEntry { index: usize },
    /// Entry `index` has amount `i64::MIN`, whose negation does not exist, so it could
    /// never be reversed (code `out_of_range`).
    #[error("entry {index} has an amount below -{}", i64::MAX)]
    AmountOutOfRange { index: usize },
    /// Entry `index` puts a commodity its account does not hold (code
    /// `commodity_not_allowed`); see [`AccountKind::accepts`].
    #[error("entry {index}: a {kind} account cannot hold {commodity}")]
    CommodityNotAllowed {
        index: usize,
        kind: AccountKind,
        commodity: Commodity,
    },
    /// The entries of `commodity` sum to `sum`, not zero (code `unbalanced`).
    #[error("the {commodity} entries sum to {sum}, not zero")]
    Unbalanced { commodity: Commodity, sum: i64 },
    /// The debits, or the credits, of `commodity` total more than `i64` holds (code
    /// `overflow`).
    #[error("the {commodity} entries total more than {}", i64::MAX)]
    Overflow { commodity: Commodity },
    /// A balance would leave the `i64` range (code `overflow`).
    #[error("the {commodity} balance of {account} would overflow")]
    BalanceOverflow {
        account: LedgerAccount,
        commodity: Commodity,
    },
    /// The transaction was reversed before (code `already_reversed`).
    #[error("the transaction has already been reversed")]
    AlreadyReversed,
    /// Taking `withdrawal` from an overdraft-protected account holding `balance` would
    /// leave it below zero (code `insufficient_funds`).
    #[error("{account} holds {balance} {commodity}, less than the {withdrawal} taken out")]
    Overdraw {
        account: LedgerAccount,
        commodity: Commodity,
        balance: i64,
        withdrawal: i64,
    },
}

impl LedgerError {
    /// The stable machine code, e.g. `unbalanced`.
    pub fn code(&self) -> &str {
        match self {
            LedgerError::Description(v) => &v.code,
            LedgerError::Empty => "empty",
            LedgerError::SingleEntry => "single_entry",
            LedgerError::TooManyEntries { .. } => "too_many_entries",
            LedgerError::ZeroEntry { .. } => "zero_entry",
            LedgerError::AmountOutOfRange { .. } => "out_of_range",
            LedgerError::CommodityNotAllowed { .. } => "commodity_not_allowed",
            LedgerError::Unbalanced { .. } => "unbalanced",
            LedgerError::Overflow { .. } | LedgerError::BalanceOverflow { .. } => "overflow",
            LedgerError::AlreadyReversed => "already_reversed",
            LedgerError::Overdraw { .. } => "insufficient_funds",
        }
    }

    /// The input field the error is about: `description`, `entries`,
    /// `entries[3].amount`, `entries[3].commodity`.
    pub fn field(&self) -> String {
        match self {
            LedgerError::Description(v) => v.field.clone(),
            LedgerError::ZeroEntry { index } | LedgerError::AmountOutOfRange { index } => {
                format!("entries[{index}].amount")
            }
            LedgerError::CommodityNotAllowed { index, .. } => {
                format!("entries[{index}].commodity")
            }
            _ => "entries".to_owned(),
        }
    }
}

impl From<LedgerError> for Violation {
    fn from(e: LedgerError) -> Violation {
        Violation::new(&e.field(), e.code(), e.to_string())
    }
}

/// A transaction that may be posted: a description and at least two entries, each
/// non-zero, in range and allowed in its account, whose amounts sum to zero in every
/// commodity. Construct with [`NewTransaction::new`] or [`reversal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    description: String,
    entries: Vec<Entry>,
}

impl NewTransaction {
    /// Checks every rule and reports every one broken, in this order: the description
    /// (1–500 characters, see [`parse_label`]; stored trimmed), the number of entries
    /// (`empty`, `single_entry`, `too_many_entries`), each entry (`zero_entry`,
    /// `out_of_range`, `commodity_not_allowed`), then each commodity in [`Commodity`]
    /// order (`overflow` if its debits or its credits total more than `i64::MAX`, else
    /// `unbalanced` if they do not cancel). Summing debits and credits apart makes the
    /// overflow rule independent of the order of entries. Same-account entries are
    /// allowed, as in Beancount.
    pub fn new(description: &str, entries: Vec<Entry>) -> Result<Self, Vec<LedgerError>> {
        let mut errors = Vec::new();
        let description = match parse_label("description", description, DESCRIPTION_MAX) {
            Ok(d) => Some(d),
            Err(v) => {
                errors.push(LedgerError::Description(v));
                None
            }
        };
        match entries.len() {
            0 => errors.push(LedgerError::Empty),
            1 => errors.push(LedgerError::SingleEntry),
            count if count > MAX_ENTRIES => errors.push(LedgerError::TooManyEntries {
                count,
                max: MAX_ENTRIES,
            }),
            _ => {}
        }
        for (index, entry) in entries.iter().enumerate() {
            if entry.amount == 0 {
                errors.push(LedgerError::ZeroEntry { index });
            } else if entry.amount == i64::MIN {
                errors.push(LedgerError::AmountOutOfRange { index });
            }
            let kind = entry.account.kind();
            if !kind.accepts(entry.commodity.kind()) {
                errors.push(LedgerError::CommodityNotAllowed {
                    index,
                    kind,
                    commodity: entry.commodity.clone(),
                });
            }
        }
        for (commodity, totals) in totals_by_commodity(&entries) {
            match totals.sum() {
                None => errors.push(LedgerError::Overflow {
                    commodity: commodity.clone(),
                }),
                Some(0) => {}
                Some(sum) => errors.push(LedgerError::Unbalanced {
                    commodity: commodity.clone(),
                    sum,
                }),
            }
        }
        match description {
            Some(description) if errors.is_empty() => Ok(NewTransaction {
                description,
                entries,
            }),
            _ => Err(errors),
        }
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn into_parts(self) -> (String, Vec<Entry>) {
        (self.description, self.entries)
    }
}

/// The debits and the credits of one commodity, each summed with checked arithmetic;
/// `None` once a side has overflowed. `i64::MIN` amounts poison the credit side, since a
/// sum including one could not be negated.
#[derive(Debug, Clone, Copy)]
struct Sides {
    debits: Option<i64>,
    credits: Option<i64>,
}

impl Sides {
    const ZERO: Sides = Sides {
        debits: Some(0),
        credits: Some(0),
    };

    fn add(&mut self, amount: i64) {
        if amount >= 0 {
            self.debits = self.debits.and_then(|d| d.checked_add(amount));
        } else if amount == i64::MIN {
            self.credits = None;
        } else {
            self.credits = self
                .credits
                .and_then(|c| c.checked_add(amount))
                .filter(|c| *c != i64::MIN);
        }
    }

    /// The net amount; cannot overflow once both sides are in range, as they have
    /// opposite signs.
    fn sum(self) -> Option<i64> {
        self.debits?.checked_add(self.credits?)
    }
}

fn totals_by_commodity(entries: &[Entry]) -> BTreeMap<&Commodity, Sides> {
    let mut totals: BTreeMap<&Commodity, Sides> = BTreeMap::new();
    for entry in entries {
        totals
            .entry(&entry.commodity)
            .or_insert(Sides::ZERO)
            .add(entry.amount);
    }
    totals
}

// ---------------------------------------------------------------------------------------
// Reversals
// ---------------------------------------------------------------------------------------

/// Whether a recorded transaction has been reversed already. The service layer knows
/// (e.g. from a `reversed_by` column) and passes it to [`reversal`]; the rule is that a
/// transaction is reversed at most once. A reversal is itself a transaction and may be
/// reversed once in turn, which re-applies the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalState {
    NotReversed,
    Reversed,
}

/// The transaction that undoes `original`: the same entries in the same order with every
/// amount negated exactly, described as `Reversal: ` and the original description (cut
/// to [`DESCRIPTION_MAX`] characters). Negation cannot overflow, as a valid transaction
/// has no `i64::MIN` amounts, and the result is itself valid. Errors: `already_reversed`.
pub fn reversal(
    original: &NewTransaction,
    state: ReversalState,
) -> Result<NewTransaction, LedgerError> {
    if state == ReversalState::Reversed {
        return Err(LedgerError::AlreadyReversed);
    }
    let description: String = format!("{REVERSAL_PREFIX}{}", original.description)
        .chars()
        .take(DESCRIPTION_MAX)
        .collect();
    let entries = original
        .entries
        .iter()
        .map(|e| Entry {
            account: e.account,
            commodity: e.commodity.clone(),
            // Never `i64::MIN` (checked in `new`), so `-amount` is exact.
            amount: -e.amount,
        })
        .collect();
    Ok(NewTransaction {
        description: description.trim_end().to_owned(),
        entries,
    })
}

// ---------------------------------------------------------------------------------------
// Balances
// ---------------------------------------------------------------------------------------

/// The balance of every (account, commodity) pair that has one: the sum of all entries
/// posted to it, signed as entries are. Pairs whose balance is zero are left out, so two
/// `Balances` are equal exactly when every balance is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balances(BTreeMap<(LedgerAccount, Commodity), i64>);

impl Balances {
    pub fn new() -> Self {
        Balances::default()
    }

    /// Folds entries, in order, into balances. Errors: `overflow` if a running balance
    /// leaves the `i64` range.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = &'a Entry>,
    ) -> Result<Self, LedgerError> {
        let mut balances = Balances::new();
        for entry in entries {
            balances.apply(std::slice::from_ref(entry))?;
        }
        Ok(balances)
    }

    /// Adds the entries to the balances, all or nothing. Errors: `overflow` if a balance
    /// would leave the `i64` range, in which case nothing changes.
    pub fn apply(&mut self, entries: &[Entry]) -> Result<(), LedgerError> {
        let mut changed: BTreeMap<(LedgerAccount, Commodity), i64> = BTreeMap::new();
        for entry in entries {
            let key = (entry.account, entry.commodity.clone());
            let current = match changed.get(&key) {
                Some(b) => *b,
                None => self.get(&key.0, &key.1),
            };
            let next =
                current
                    .checked_add(entry.amount)
                    .ok_or_else(|| LedgerError::BalanceOverflow {
                        account: entry.account,
                        commodity: entry.commodity.clone(),
                    })?;
            changed.insert(key, next);
        }
        for (key, balance) in changed {
            if balance == 0 {
                self.0.remove(&key);
            } else {
                self.0.insert(key, balance);
            }
        }
        Ok(())
    }

    /// The balance of one account in one commodity; zero if nothing was ever posted.
    pub fn get(&self, account: &LedgerAccount, commodity: &Commodity) -> i64 {
        // A lookup by reference would need a borrowed key type; accounts are `Copy` and
        // commodities small, so the clone is cheap.
        self.0
            .get(&(*account, commodity.clone()))
            .copied()
            .unwrap_or(0)
    }

    /// Every non-zero balance, ordered by account then commodity.
    pub fn iter(&self) -> impl Iterator<Item = (&LedgerAccount, &Commodity, i64)> {
        self.0.iter().map(|((a, c), b)| (a, c, *b))
    }

    /// Whether posting `transaction` would take an overdraft-protected account
    /// ([`AccountKind::overdraft_protected`]) below zero, judged on the transaction's net
    /// effect on each (account, commodity) pair. Errors: one `insufficient_funds` per
    /// pair overdrawn, in account then commodity order.
    pub fn check_overdraw(&self, transaction: &NewTransaction) -> Result<(), Vec<LedgerError>> {
        let mut net: BTreeMap<(LedgerAccount, &Commodity), Sides> = BTreeMap::new();
        for e in &transaction.entries {
            if e.account.kind().overdraft_protected() {
                net.entry((e.account, &e.commodity))
                    .or_insert(Sides::ZERO)
                    .add(e.amount);
            }
        }
        let mut errors = Vec::new();
        for ((account, commodity), sides) in net {
            // The net of a subset of a valid transaction's entries is in range; treat
            // the impossible overflow as taking everything.
            let withdrawal = sides.sum().map_or(i64::MAX, |n| -n);
            let balance = self.get(&account, commodity);
            if would_overdraw(balance, withdrawal) {
                errors.push(LedgerError::Overdraw {
                    account,
                    commodity: commodity.clone(),
                    balance,
                    withdrawal,
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Whether taking `withdrawal` out of an account holding `balance` leaves it below zero.
/// A withdrawal of zero or less takes nothing out and never overdraws; a result below
/// `i64::MIN` counts as overdrawn. Used for what projects spend: money paid out or spent
/// must have been received first.
pub fn would_overdraw(balance: i64, withdrawal: i64) -> bool {
    if withdrawal <= 0 {
        return false;
    }
    balance.checked_sub(withdrawal).is_none_or(|left| left < 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Commodity {
        Commodity::parse("c", "USD").unwrap()
    }

    fn eur() -> Commodity {
        Commodity::parse("c", "EUR").unwrap()
    }

    fn h100() -> Commodity {
        Commodity::parse("c", "GPU:H100-80GB").unwrap()
    }

    fn a100() -> Commodity {
        Commodity::parse("c", "GPU:a100").unwrap()
    }

    const P: ProjectId = ProjectId(42);
    const U: UserId = UserId(7);

    fn e(account: LedgerAccount, commodity: &Commodity, amount: i64) -> Entry {
        Entry {
            account,
            commodity: commodity.clone(),
            amount,
        }
    }

    fn codes(errors: &[LedgerError]) -> Vec<&str> {
        errors.iter().map(LedgerError::code).collect()
    }

    fn pledge(amount: i64) -> NewTransaction {
        NewTransaction::new(
            "Pledge",
            vec![
                e(LedgerAccount::ProjectPledgesReceivable(P), &usd(), amount),
                e(LedgerAccount::SponsorContributions(U), &usd(), -amount),
            ],
        )
        .unwrap()
    }

    #[test]
    fn commodities_round_trip_through_their_stored_form() {
        for text in ["USD", "JPY", "GPU:H100-80GB", "GPU:a100", "GPU:x_"] {
            let c = Commodity::parse("commodity", text).unwrap();
            assert_eq!(c.to_string(), text);
        }
        assert_eq!(usd().kind(), CommodityKind::Money);
        assert_eq!(h100().kind(), CommodityKind::Compute);
        for bad in [
            "usd",
            "GPU:",
            "GPU:-x",
            "gpu:H100",
            "TPU:v5e",
            "GPU:H100 80GB",
            "",
        ] {
            let err = Commodity::parse("commodity", bad).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code.as_str()),
                ("commodity", "format")
            );
        }
    }

    #[test]
    fn beancount_names_follow_the_lexer_rule() {
        let cases = [
            ("USD", "USD"),
            ("GPU:H100-80GB", "GPU.H100-80GB"),
            ("GPU:a100", "GPU.'A100"),
            ("GPU:mi300x", "GPU.'M'I300'X"),
            ("GPU:x_", "GPU.'X_'0"),
            ("GPU:A.", "GPU.A.'0"),
            ("GPU:7", "GPU.7"),
        ];
        for (stored, name) in cases {
            assert_eq!(
                Commodity::parse("c", stored).unwrap().beancount_name(),
                name
            );
        }
        // Classes that differ only in case, or in a trailing separator, stay apart.
        let names: std::collections::HashSet<String> = [
            "GPU:a100",
            "GPU:A100",
            "GPU:a1OO",
            "GPU:A100-",
            "GPU:A100_",
            "GPU:A100.",
            "GPU:A100-0",
        ]
        .iter()
        .map(|s| Commodity::parse("c", s).unwrap().beancount_name())
        .collect();
        assert_eq!(names.len(), 7);
    }

    #[test]
    fn account_kinds_round_trip_through_their_names() {
        assert!(AccountKind::spellings_agree());
        for k in AccountKind::ALL {
            assert_eq!(k.as_str().parse::<AccountKind>(), Ok(*k));
        }
    }

    fn all_accounts() -> Vec<LedgerAccount> {
        vec![
            LedgerAccount::ProjectHeld(P),
            LedgerAccount::ProjectPledgesReceivable(P),
            LedgerAccount::ProjectComputeReceivable(P),
            LedgerAccount::SponsorContributions(U),
            LedgerAccount::ExternalIncome,
            LedgerAccount::ExternalSpending,
            LedgerAccount::Payouts,
            LedgerAccount::ComputeUsed,
            LedgerAccount::ComputeExpired,
            LedgerAccount::OpeningBalances,
        ]
    }

    #[test]
    fn accounts_round_trip_through_their_row_parts() {
        let accounts = all_accounts();
        // One account of every kind, each kind once.
        let kinds: Vec<_> = accounts.iter().map(|a| a.kind()).collect();
        assert_eq!(kinds, AccountKind::ALL);
        for a in accounts {
            let back = LedgerAccount::from_parts(a.kind(), a.project(), a.sponsor()).unwrap();
            assert_eq!(back, a);
        }
        for (kind, project, sponsor) in [
            (AccountKind::ProjectHeld, None, None),
            (AccountKind::ProjectHeld, Some(P), Some(U)),
            (AccountKind::SponsorContributions, Some(P), None),
            (AccountKind::Payouts, Some(P), None),
            (AccountKind::OpeningBalances, None, Some(U)),
        ] {
            let err = LedgerAccount::from_parts(kind, project, sponsor).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code.as_str()),
                ("account", "owner")
            );
        }
    }

    #[test]
    fn account_paths_are_beancount_accounts_under_their_root() {
        // Beancount's ACCOUNTTYPE(:ACCOUNTNAME)+ rule, ASCII part.
        let re = regex::Regex::new("^[A-Z][A-Za-z0-9-]*(:[A-Z0-9][A-Za-z0-9-]*)+$").unwrap();
        let mut paths = std::collections::HashSet::new();
        for a in all_accounts() {
            let path = a.path();
            assert!(re.is_match(&path), "{path}");
            assert!(path.starts_with(&format!("{}:", a.kind().root().as_str())));
            assert!(paths.insert(path));
        }
        assert_eq!(
            LedgerAccount::ProjectHeld(ProjectId(-3)).path(),
            "Assets:Projects:P-3:Held"
        );
        assert_eq!(
            LedgerAccount::SponsorContributions(U).to_string(),
            "Income:Sponsors:U7"
        );
    }

    #[test]
    fn normal_signs_follow_debit_and_credit() {
        assert_eq!(AccountRoot::Assets.normal_sign(), 1);
        assert_eq!(AccountRoot::Expenses.normal_sign(), 1);
        assert_eq!(AccountRoot::Income.normal_sign(), -1);
        assert_eq!(AccountRoot::Liabilities.normal_sign(), -1);
        assert_eq!(AccountRoot::Equity.normal_sign(), -1);
    }

    #[test]
    fn accounts_accept_only_their_commodities() {
        use AccountKind as K;
        use CommodityKind::{Compute, Money};
        for k in [K::ProjectPledgesReceivable, K::ExternalSpending, K::Payouts] {
            assert!(k.accepts(Money) && !k.accepts(Compute), "{k}");
        }
        for k in [
            K::ProjectComputeReceivable,
            K::ComputeUsed,
            K::ComputeExpired,
        ] {
            assert!(!k.accepts(Money) && k.accepts(Compute), "{k}");
        }
        for k in [
            K::ProjectHeld,
            K::SponsorContributions,
            K::ExternalIncome,
            K::OpeningBalances,
        ] {
            assert!(k.accepts(Money) && k.accepts(Compute), "{k}");
        }
        let errs = NewTransaction::new(
            "Paying out compute",
            vec![
                e(LedgerAccount::Payouts, &h100(), 5),
                e(LedgerAccount::ProjectHeld(P), &h100(), -5),
            ],
        )
        .unwrap_err();
        assert_eq!(codes(&errs), ["commodity_not_allowed"]);
        assert_eq!(errs[0].field(), "entries[0].commodity");
    }

    #[test]
    fn a_balanced_multi_commodity_transaction_is_accepted() {
        let tx = NewTransaction::new(
            "  Grant of money and compute  ",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), 10_000),
                e(LedgerAccount::ProjectComputeReceivable(P), &h100(), 6_000),
                e(LedgerAccount::SponsorContributions(U), &usd(), -4_000),
                e(LedgerAccount::ExternalIncome, &usd(), -6_000),
                e(LedgerAccount::SponsorContributions(U), &h100(), -6_000),
            ],
        )
        .unwrap();
        assert_eq!(tx.description(), "Grant of money and compute");
        assert_eq!(tx.entries().len(), 5);
        let (description, entries) = tx.into_parts();
        assert_eq!(description, "Grant of money and compute");
        assert_eq!(entries[1].amount, 6_000);
    }

    #[test]
    fn entry_count_rules_have_codes() {
        assert_eq!(
            codes(&NewTransaction::new("x", vec![]).unwrap_err()),
            ["empty"]
        );
        let one = NewTransaction::new("x", vec![e(LedgerAccount::ProjectHeld(P), &usd(), 5)]);
        assert_eq!(codes(&one.unwrap_err()), ["single_entry", "unbalanced"]);
        let many: Vec<Entry> = (0..=MAX_ENTRIES)
            .map(|i| {
                let sign = if i % 2 == 0 { 1 } else { -1 };
                e(LedgerAccount::ProjectHeld(P), &usd(), sign)
            })
            .chain([e(LedgerAccount::ExternalIncome, &usd(), -1)])
            .collect();
        assert_eq!(
            codes(&NewTransaction::new("x", many).unwrap_err()),
            ["too_many_entries"]
        );
    }

    #[test]
    fn zero_and_min_entries_are_refused_by_index() {
        let errs = NewTransaction::new(
            "x",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), 0),
                e(LedgerAccount::ProjectHeld(P), &usd(), 3),
                e(LedgerAccount::ExternalIncome, &usd(), -3),
                e(LedgerAccount::ExternalIncome, &eur(), i64::MIN),
                e(LedgerAccount::ProjectHeld(P), &eur(), i64::MAX),
            ],
        )
        .unwrap_err();
        assert_eq!(
            errs,
            [
                LedgerError::ZeroEntry { index: 0 },
                LedgerError::AmountOutOfRange { index: 3 },
                LedgerError::Overflow { commodity: eur() },
            ]
        );
        assert_eq!(errs[0].field(), "entries[0].amount");
        let v: Violation = errs[1].clone().into();
        assert_eq!(
            (v.field.as_str(), v.code.as_str()),
            ("entries[3].amount", "out_of_range")
        );
    }

    #[test]
    fn unbalanced_commodities_are_each_reported_with_their_sum() {
        let errs = NewTransaction::new(
            "x",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), 100),
                e(LedgerAccount::ExternalIncome, &usd(), -99),
                e(LedgerAccount::ProjectHeld(P), &eur(), 5),
                e(LedgerAccount::ExternalIncome, &eur(), -5),
                e(LedgerAccount::ComputeUsed, &h100(), 60),
                e(LedgerAccount::ProjectComputeReceivable(P), &a100(), -60),
            ],
        )
        .unwrap_err();
        // Commodity order: money before compute, then by code.
        assert_eq!(
            errs,
            [
                LedgerError::Unbalanced {
                    commodity: usd(),
                    sum: 1
                },
                LedgerError::Unbalanced {
                    commodity: h100(),
                    sum: 60
                },
                LedgerError::Unbalanced {
                    commodity: a100(),
                    sum: -60
                },
            ]
        );
        assert!(errs.iter().all(|e| e.code() == "unbalanced"));
    }

    #[test]
    fn overflow_is_an_error_whatever_the_entry_order() {
        let big = [i64::MAX, 1, -1, -i64::MAX];
        // A running sum in this order would overflow at the second entry, in another it
        // would not; the rule looks at debits and credits apart, so both are refused.
        for order in [[0, 1, 2, 3], [0, 2, 1, 3], [2, 0, 3, 1]] {
            let entries = order
                .iter()
                .map(|&i| e(LedgerAccount::ProjectHeld(P), &usd(), big[i]))
                .collect();
            let errs = NewTransaction::new("x", entries).unwrap_err();
            assert_eq!(errs, [LedgerError::Overflow { commodity: usd() }]);
        }
        // Credits totalling below -i64::MAX overflow too.
        let errs = NewTransaction::new(
            "x",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), -i64::MAX),
                e(LedgerAccount::ProjectHeld(P), &usd(), -1),
                e(LedgerAccount::ProjectHeld(P), &usd(), i64::MAX),
            ],
        )
        .unwrap_err();
        assert_eq!(codes(&errs), ["overflow"]);
        // The extremes themselves are fine.
        assert!(
            NewTransaction::new(
                "x",
                vec![
                    e(LedgerAccount::ProjectHeld(P), &usd(), i64::MAX),
                    e(LedgerAccount::ExternalIncome, &usd(), -i64::MAX),
                ],
            )
            .is_ok()
        );
    }

    #[test]
    fn descriptions_follow_the_label_rule() {
        let ok = [
            e(LedgerAccount::ProjectHeld(P), &usd(), 1),
            e(LedgerAccount::ExternalIncome, &usd(), -1),
        ];
        for (bad, code) in [
            ("   ", "format"),
            ("a\u{7}b", "format"),
            (&"d".repeat(DESCRIPTION_MAX + 1) as &str, "length"),
        ] {
            let errs = NewTransaction::new(bad, ok.to_vec()).unwrap_err();
            assert_eq!(codes(&errs), [code]);
            assert_eq!(errs[0].field(), "description");
        }
        // Every broken rule is reported at once.
        let errs =
            NewTransaction::new("", vec![e(LedgerAccount::Payouts, &h100(), 0)]).unwrap_err();
        assert_eq!(
            codes(&errs),
            [
                "format",
                "single_entry",
                "zero_entry",
                "commodity_not_allowed"
            ]
        );
    }

    #[test]
    fn reversal_negates_every_entry_and_happens_once() {
        let original = pledge(2_500);
        let back = reversal(&original, ReversalState::NotReversed).unwrap();
        assert_eq!(back.description(), "Reversal: Pledge");
        let amounts: Vec<i64> = back.entries().iter().map(|e| e.amount).collect();
        assert_eq!(amounts, [-2_500, 2_500]);
        for (a, b) in original.entries().iter().zip(back.entries()) {
            assert_eq!((a.account, &a.commodity), (b.account, &b.commodity));
        }
        assert_eq!(
            reversal(&original, ReversalState::Reversed),
            Err(LedgerError::AlreadyReversed)
        );
        assert_eq!(LedgerError::AlreadyReversed.code(), "already_reversed");
        // The reversal of a reversal restores the original entries.
        let again = reversal(&back, ReversalState::NotReversed).unwrap();
        assert_eq!(again.entries(), original.entries());
    }

    #[test]
    fn reversal_descriptions_stay_within_bounds() {
        let long = "d".repeat(DESCRIPTION_MAX);
        let tx = NewTransaction::new(
            &long,
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), i64::MAX),
                e(LedgerAccount::ExternalIncome, &usd(), -i64::MAX),
            ],
        )
        .unwrap();
        let back = reversal(&tx, ReversalState::NotReversed).unwrap();
        assert_eq!(back.description().chars().count(), DESCRIPTION_MAX);
        assert!(back.description().starts_with(REVERSAL_PREFIX));
        assert_eq!(back.entries()[0].amount, -i64::MAX);
        let (d, entries) = back.into_parts();
        assert!(NewTransaction::new(&d, entries).is_ok());
    }

    #[test]
    fn balances_fold_entries_and_drop_zeros() {
        let mut b = Balances::new();
        b.apply(pledge(300).entries()).unwrap();
        assert_eq!(
            b.get(&LedgerAccount::ProjectPledgesReceivable(P), &usd()),
            300
        );
        assert_eq!(b.get(&LedgerAccount::SponsorContributions(U), &usd()), -300);
        assert_eq!(b.get(&LedgerAccount::SponsorContributions(U), &eur()), 0);
        let paid = NewTransaction::new(
            "Pledge paid",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), 300),
                e(LedgerAccount::ProjectPledgesReceivable(P), &usd(), -300),
            ],
        )
        .unwrap();
        b.apply(paid.entries()).unwrap();
        let all: Vec<_> = b.iter().map(|(a, c, n)| (*a, c.clone(), n)).collect();
        assert_eq!(
            all,
            [
                (LedgerAccount::ProjectHeld(P), usd(), 300),
                (LedgerAccount::SponsorContributions(U), usd(), -300),
            ]
        );
        let folded = Balances::from_entries(pledge(300).entries().iter().chain(paid.entries()));
        assert_eq!(folded.unwrap(), b);
    }

    #[test]
    fn balance_overflow_is_refused_and_changes_nothing() {
        let mut b = Balances::new();
        let max = NewTransaction::new(
            "x",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), i64::MAX),
                e(LedgerAccount::ExternalIncome, &usd(), -i64::MAX),
            ],
        )
        .unwrap();
        b.apply(max.entries()).unwrap();
        let before = b.clone();
        let err = b
            .apply(&[
                e(LedgerAccount::ExternalIncome, &eur(), 1),
                e(LedgerAccount::ProjectHeld(P), &usd(), 1),
            ])
            .unwrap_err();
        assert_eq!(
            err,
            LedgerError::BalanceOverflow {
                account: LedgerAccount::ProjectHeld(P),
                commodity: usd()
            }
        );
        assert_eq!(err.code(), "overflow");
        assert_eq!(b, before);
        assert!(Balances::from_entries(max.entries().iter().chain(max.entries())).is_err());
    }

    #[test]
    fn would_overdraw_compares_balance_and_withdrawal() {
        assert!(!would_overdraw(100, 100));
        assert!(!would_overdraw(100, 1));
        assert!(would_overdraw(100, 101));
        assert!(would_overdraw(0, 1));
        assert!(would_overdraw(-5, 1));
        assert!(!would_overdraw(-5, 0));
        assert!(!would_overdraw(0, -10));
        assert!(would_overdraw(i64::MIN, i64::MAX));
        assert!(!would_overdraw(i64::MAX, i64::MAX));
    }

    #[test]
    fn spending_more_than_is_held_is_refused() {
        let mut b = Balances::new();
        b.apply(&[
            e(LedgerAccount::ProjectHeld(P), &usd(), 1_000),
            e(LedgerAccount::SponsorContributions(U), &usd(), -1_000),
        ])
        .unwrap();
        let spend = |amount: i64| {
            NewTransaction::new(
                "Payout",
                vec![
                    e(LedgerAccount::Payouts, &usd(), amount),
                    e(LedgerAccount::ProjectHeld(P), &usd(), -amount),
                ],
            )
            .unwrap()
        };
        assert_eq!(b.check_overdraw(&spend(1_000)), Ok(()));
        let errs = b.check_overdraw(&spend(1_001)).unwrap_err();
        assert_eq!(
            errs,
            [LedgerError::Overdraw {
                account: LedgerAccount::ProjectHeld(P),
                commodity: usd(),
                balance: 1_000,
                withdrawal: 1_001
            }]
        );
        assert_eq!(errs[0].code(), "insufficient_funds");
        // Judged on the net effect: money in and out of the same account in one go.
        let through = NewTransaction::new(
            "Gift spent at once",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), 500),
                e(LedgerAccount::ExternalIncome, &usd(), -500),
                e(LedgerAccount::ProjectHeld(P), &usd(), -1_500),
                e(LedgerAccount::ExternalSpending, &usd(), 1_500),
            ],
        )
        .unwrap();
        assert_eq!(b.check_overdraw(&through), Ok(()));
        // Compute granted is protected too: nothing is used beyond what was granted.
        let overuse = NewTransaction::new(
            "Compute used",
            vec![
                e(LedgerAccount::ComputeUsed, &h100(), 90),
                e(LedgerAccount::ProjectComputeReceivable(P), &h100(), -90),
            ],
        )
        .unwrap();
        assert!(matches!(
            b.check_overdraw(&overuse).unwrap_err()[..],
            [LedgerError::Overdraw {
                balance: 0,
                withdrawal: 90,
                ..
            }]
        ));
        // Money receivables are not (nothing draws on them yet).
        let owed = NewTransaction::new(
            "Pledge paid",
            vec![
                e(LedgerAccount::ProjectHeld(P), &usd(), 90),
                e(LedgerAccount::ProjectPledgesReceivable(P), &usd(), -90),
            ],
        )
        .unwrap();
        assert_eq!(b.check_overdraw(&owed), Ok(()));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn commodity() -> impl Strategy<Value = Commodity> {
            prop::sample::select(vec![usd(), eur(), h100(), a100()])
        }

        fn account_for(c: &Commodity) -> impl Strategy<Value = LedgerAccount> + use<> {
            let kind = c.kind();
            let candidates: Vec<LedgerAccount> = [1, 2]
                .into_iter()
                .flat_map(|n| {
                    [
                        LedgerAccount::ProjectHeld(ProjectId(n)),
                        LedgerAccount::ProjectPledgesReceivable(ProjectId(n)),
                        LedgerAccount::ProjectComputeReceivable(ProjectId(n)),
                        LedgerAccount::SponsorContributions(UserId(n)),
                    ]
                })
                .chain(all_accounts())
                .filter(|a| a.kind().accepts(kind))
                .collect();
            prop::sample::select(candidates)
        }

        /// Bounded so that no sum of a few entries can overflow.
        const LIMIT: i64 = 1_000_000_000_000;

        fn nonzero() -> impl Strategy<Value = i64> {
            (-LIMIT..LIMIT).prop_filter("non-zero", |a| *a != 0)
        }

        /// The entries of one commodity: random amounts plus the one that balances them.
        fn balanced_group(c: Commodity) -> impl Strategy<Value = Vec<Entry>> {
            let accounts = prop::collection::vec(account_for(&c), 6);
            (prop::collection::vec(nonzero(), 1..5), accounts).prop_map(move |(amounts, acc)| {
                let sum: i64 = amounts.iter().sum();
                let mut entries: Vec<Entry> = amounts
                    .iter()
                    .zip(&acc)
                    .map(|(&a, account)| e(*account, &c, a))
                    .collect();
                if sum != 0 {
                    entries.push(e(acc[5], &c, -sum));
                }
                entries
            })
        }

        fn valid_entries() -> impl Strategy<Value = Vec<Entry>> {
            prop::collection::btree_set(commodity(), 1..=3)
                .prop_flat_map(|cs| {
                    cs.into_iter()
                        .map(balanced_group)
                        .collect::<Vec<_>>()
                        .prop_map(|groups| groups.concat())
                })
                .prop_shuffle()
        }

        fn valid_transaction() -> impl Strategy<Value = NewTransaction> {
            valid_entries().prop_map(|entries| NewTransaction::new("t", entries).unwrap())
        }

        fn naive_sums(entries: &[Entry]) -> BTreeMap<(LedgerAccount, Commodity), i128> {
            let mut sums = BTreeMap::new();
            for e in entries {
                *sums.entry((e.account, e.commodity.clone())).or_insert(0) += i128::from(e.amount);
            }
            sums.retain(|_, v| *v != 0);
            sums
        }

        proptest! {
            #[test]
            fn valid_transactions_balance_per_commodity(entries in valid_entries()) {
                let tx = NewTransaction::new("t", entries.clone());
                prop_assert!(tx.is_ok(), "{:?}", tx);
                let mut per_commodity: BTreeMap<Commodity, i128> = BTreeMap::new();
                for e in &entries {
                    *per_commodity.entry(e.commodity.clone()).or_insert(0) += i128::from(e.amount);
                }
                prop_assert!(per_commodity.values().all(|s| *s == 0));
            }

            #[test]
            fn a_transaction_and_its_reversal_change_no_balance(
                history in prop::collection::vec(valid_transaction(), 0..4),
                tx in valid_transaction(),
            ) {
                let mut b = Balances::new();
                for h in &history {
                    b.apply(h.entries()).unwrap();
                }
                let before = b.clone();
                let back = reversal(&tx, ReversalState::NotReversed).unwrap();
                // A reversal passes every rule a new transaction must.
                let (d, entries) = back.clone().into_parts();
                prop_assert_eq!(NewTransaction::new(&d, entries), Ok(back.clone()));
                b.apply(tx.entries()).unwrap();
                b.apply(back.entries()).unwrap();
                prop_assert_eq!(b, before);
            }

            #[test]
            fn balances_equal_the_sum_of_entries(
                txs in prop::collection::vec(valid_transaction(), 0..6),
            ) {
                let all: Vec<Entry> = txs.iter().flat_map(|t| t.entries().iter().cloned()).collect();
                let b = Balances::from_entries(&all).unwrap();
                let got: BTreeMap<_, i128> = b
                    .iter()
                    .map(|(a, c, n)| ((*a, c.clone()), i128::from(n)))
                    .collect();
                prop_assert_eq!(got, naive_sums(&all));
                // Every commodity's balances, across all accounts, sum to zero.
                let mut totals: BTreeMap<Commodity, i128> = BTreeMap::new();
                for (_, c, n) in b.iter() {
                    *totals.entry(c.clone()).or_insert(0) += i128::from(n);
                }
                prop_assert!(totals.values().all(|t| *t == 0));
            }

            #[test]
            fn any_single_entry_perturbation_is_unbalanced(
                entries in valid_entries(),
                pick in any::<prop::sample::Index>(),
                delta in nonzero(),
            ) {
                let mut entries = entries;
                let i = pick.index(entries.len());
                entries[i].amount += delta;
                let commodity = entries[i].commodity.clone();
                let errs = NewTransaction::new("t", entries).unwrap_err();
                prop_assert!(
                    errs.contains(&LedgerError::Unbalanced { commodity, sum: delta }),
                    "{:?}", errs
                );
            }

            #[test]
            fn would_overdraw_matches_exact_arithmetic(balance in any::<i64>(), w in any::<i64>()) {
                let exact = w > 0 && i128::from(balance) - i128::from(w) < 0;
                prop_assert_eq!(would_overdraw(balance, w), exact);
            }

            #[test]
            fn beancount_commodity_names_are_valid_and_distinct(
                a in "[A-Za-z0-9][A-Za-z0-9._-]{0,31}",
                b in "[A-Za-z0-9][A-Za-z0-9._-]{0,31}",
            ) {
                let lexer = regex::Regex::new("^[A-Z][A-Z0-9'._-]*[A-Z0-9]$").unwrap();
                let ca = Commodity::Compute(AcceleratorClass::parse("c", &a).unwrap());
                let cb = Commodity::Compute(AcceleratorClass::parse("c", &b).unwrap());
                prop_assert!(lexer.is_match(&ca.beancount_name()), "{}", ca.beancount_name());
                prop_assert_eq!(a == b, ca.beancount_name() == cb.beancount_name());
            }
        }
    }
}
