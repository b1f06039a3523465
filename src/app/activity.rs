//! Storing GitHub activity as credit: [`ingest`] turns [`Activity`]s (from the sync or a
//! webhook delivery, see [`crate::domain::github::payload`]) into contributors and
//! contributions inside the caller's unit of work.
//!
//! # Who is who
//! Each activity's [`Actor`] is resolved to one contributor, in this order:
//! 1. a GitHub account id (the account object's `id`, or the id in an
//!    `ID+login@users.noreply.github.com` address) → the contributor keyed by that id,
//!    created on first sight. A rename changes `login` on the same row, so it never
//!    splits a person. When the actor also carries a (non-noreply) address, GitHub has
//!    attributed that address to the account: it is learned in `contributor_emails`,
//!    and an address-keyed identity for it, if one existed, is absorbed into the
//!    account ([`contributions::learn_emails`]);
//! 2. an address an account is known to use (`contributor_emails`) → that account, so a
//!    `Co-authored-by:` trailer credits the co-author's GitHub identity;
//! 3. a login without an id (a `push` payload's `username`) → the account last known by
//!    that login, if any;
//! 4. any other address → a contributor keyed by a hash of the normalised address
//!    ([`crate::domain::github::identity::EmailKey`]), never shown publicly, claimed
//!    when a user who verified that address signs in.
//!
//! An actor nothing identifies (a `null` user, GitHub's `ghost`) earns nothing: it is
//! counted in [`IngestOutcome::unattributed`].
//!
//! Bots are stored like people with `is_bot` set; readers leave them out of
//! recognition unless the project counts bots.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;

use crate::db::DbError;
use crate::db::Tx;
use crate::domain::github::activity::{Activity, Actor};
use crate::domain::ids::{ContributorId, ProjectId, RepositoryId};
use crate::store::contributions::{
    self, NewContribution, NewEmailContributor, NewGithubContributor,
};

/// What one [`ingest`] stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    /// Activities given.
    pub activities: usize,
    /// Credits newly stored (the rest were stored before: overlap, re-sync, redelivery).
    pub inserted: usize,
    /// Activities whose actor nothing identifies (null users, `ghost`).
    pub unattributed: usize,
}

/// How an actor is found (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Github(i64),
    Email(String),
    Login(String),
}

fn key_of(actor: &Actor) -> Option<Key> {
    if !actor.is_identifiable() {
        return None;
    }
    if let Some(id) = actor.effective_github_id() {
        return Some(Key::Github(id.get()));
    }
    if let Some(email) = &actor.email {
        // A login-only actor with an address (push payloads) is looked up by login
        // first, then by address; see `resolve`.
        return Some(match &actor.login {
            Some(login) if !login.is_empty() => Key::Login(login.to_lowercase()),
            _ => Key::Email(email.key().as_str().to_owned()),
        });
    }
    actor
        .login
        .as_ref()
        .filter(|l| !l.is_empty())
        .map(|l| Key::Login(l.to_lowercase()))
}

/// Stores the credit `items` give in project `project` for repository `repository`,
/// resolving each actor to a contributor (module documentation). Idempotent: items
/// stored before are skipped, so a page seen twice, an overlap between sync and webhook,
/// or a redelivery changes nothing. Run it in the same unit of work as whatever records
/// progress past these items (the sync's watermark, the delivery's `processed_at`).
///
/// Errors: only the database's.
pub fn ingest(
    tx: &mut Tx<'_>,
    project: ProjectId,
    repository: RepositoryId,
    items: &[Activity],
    now: NaiveDateTime,
) -> Result<IngestOutcome, DbError> {
    let mut outcome = IngestOutcome {
        activities: items.len(),
        ..IngestOutcome::default()
    };
    let keys: Vec<Option<Key>> = items.iter().map(|a| key_of(&a.actor)).collect();
    let ids = resolve(tx, items, &keys, now)?;

    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(items.len());
    for (item, key) in items.iter().zip(&keys) {
        let Some(contributor) = key.as_ref().and_then(|k| ids.get(k)).copied() else {
            outcome.unattributed += 1;
            continue;
        };
        if !seen.insert((item.kind, item.source_key.as_str(), contributor)) {
            continue;
        }
        rows.push(NewContribution {
            project_id: project,
            repository_id: Some(repository),
            contributor_id: contributor,
            kind: item.kind.as_str().to_owned(),
            source_key: item.source_key.clone(),
            occurred_at: item.occurred_at,
            title: item.title.clone(),
            url: item.url.clone(),
            recorded_by: None,
            created_at: now,
        });
    }
    outcome.inserted = contributions::insert_contributions(tx, &rows)?;
    Ok(outcome)
}

/// Finds or creates the contributor of every key.
fn resolve(
    tx: &mut Tx<'_>,
    items: &[Activity],
    keys: &[Option<Key>],
    now: NaiveDateTime,
) -> Result<HashMap<Key, ContributorId>, DbError> {
    // One representative actor per key: an account object's details beat a noreply
    // address's (which may carry an old login).
    let mut accounts: BTreeMap<i64, NewGithubContributor> = BTreeMap::new();
    let mut inferred: BTreeMap<i64, NewGithubContributor> = BTreeMap::new();
    let mut learned: Vec<(String, i64)> = Vec::new();
    let mut emails: BTreeMap<String, (Option<String>, bool)> = BTreeMap::new();
    let mut logins: BTreeMap<String, Option<(String, Option<String>, bool)>> = BTreeMap::new();

    for (item, key) in items.iter().zip(keys) {
        let a = &item.actor;
        match key {
            Some(Key::Github(id)) => {
                let row = NewGithubContributor {
                    github_user_id: *id,
                    login: a.effective_login(),
                    name: a.name.clone(),
                    avatar_url: a.avatar_url.clone(),
                    html_url: a.html_url.clone(),
                    is_bot: a.is_bot(),
                    created_at: now,
                    updated_at: now,
                };
                if a.github_user_id.is_some() {
                    accounts.insert(*id, row);
                } else {
                    inferred.entry(*id).or_insert(row);
                }
                if let Some(email) = &a.email
                    && email.noreply().is_none()
                {
                    learned.push((email.key().as_str().to_owned(), *id));
                }
            }
            Some(Key::Email(hash)) => {
                emails
                    .entry(hash.clone())
                    .or_insert_with(|| (a.name.clone(), a.is_bot()));
            }
            Some(Key::Login(login)) => {
                let fallback = a
                    .email
                    .as_ref()
                    .map(|e| (e.key().as_str().to_owned(), a.name.clone(), a.is_bot()));
                logins.entry(login.clone()).or_insert(fallback);
            }
            None => {}
        }
    }
    // Accounts seen as objects are refreshed; those only inferred are added if new.
    inferred.retain(|id, _| !accounts.contains_key(id));
    let account_rows: Vec<_> = accounts.into_values().collect();
    let inferred_rows: Vec<_> = inferred.into_values().collect();
    contributions::upsert_github_contributors(tx, &account_rows, true)?;
    contributions::upsert_github_contributors(tx, &inferred_rows, false)?;
    let github_ids: Vec<i64> = account_rows
        .iter()
        .chain(&inferred_rows)
        .map(|r| r.github_user_id)
        .collect();
    let mut out: HashMap<Key, ContributorId> = contributions::by_github_ids(tx, &github_ids)?
        .into_iter()
        .map(|(g, id)| (Key::Github(g), id))
        .collect();

    // Addresses GitHub attributed to accounts.
    let pairs: Vec<(String, ContributorId)> = learned
        .into_iter()
        .filter_map(|(hash, g)| out.get(&Key::Github(g)).map(|id| (hash, *id)))
        .collect();
    contributions::learn_emails(tx, &pairs, now)?;

    // Logins without ids: the account known by that login, else their address.
    let mut by_address: Vec<(String, String)> = Vec::new();
    for (login, fallback) in logins {
        if let Some(id) = contributions::by_login(tx, &login)? {
            // GitHub linked the address to this login: learn it too.
            if let Some((hash, _, _)) = fallback {
                contributions::learn_emails(tx, &[(hash, id)], now)?;
            }
            out.insert(Key::Login(login), id);
        } else if let Some((hash, name, bot)) = fallback {
            emails.entry(hash.clone()).or_insert((name, bot));
            by_address.push((login, hash));
        }
    }
    resolve_addresses(tx, &mut out, emails, now)?;
    for (login, hash) in by_address {
        if let Some(id) = out.get(&Key::Email(hash)).copied() {
            out.insert(Key::Login(login), id);
        }
    }
    Ok(out)
}

/// Resolves address keys: to the account known to use the address, else to the
/// address-keyed person (created if new).
fn resolve_addresses(
    tx: &mut Tx<'_>,
    out: &mut HashMap<Key, ContributorId>,
    emails: BTreeMap<String, (Option<String>, bool)>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    if emails.is_empty() {
        return Ok(());
    }
    let hashes: Vec<String> = emails.keys().cloned().collect();
    let owners: HashMap<String, ContributorId> = contributions::email_owners(tx, &hashes)?
        .into_iter()
        .collect();
    let new_rows: Vec<NewEmailContributor> = emails
        .iter()
        .filter(|(h, _)| !owners.contains_key(*h))
        .map(|(h, (name, bot))| NewEmailContributor {
            email_hash: h.clone(),
            name: name.clone(),
            is_bot: *bot,
            created_at: now,
            updated_at: now,
        })
        .collect();
    contributions::insert_email_contributors(tx, &new_rows)?;
    let unowned: Vec<String> = new_rows.into_iter().map(|r| r.email_hash).collect();
    let keyed: HashMap<String, ContributorId> = contributions::by_email_hashes(tx, &unowned)?
        .into_iter()
        .collect();
    for hash in hashes {
        if let Some(id) = owners.get(&hash).or_else(|| keyed.get(&hash)) {
            out.insert(Key::Email(hash), *id);
        }
    }
    Ok(())
}
