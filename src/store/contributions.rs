//! Writes of `contributors`, `contributor_emails` and `contributions`, in bulk: the sync
//! stores pages of 100 items, each a handful of statements here. See
//! [`super::repositories`] for the data model; `app::activity::ingest` is the one caller
//! that decides who is who.
//!
//! Every insert is `ON CONFLICT DO NOTHING` (or an upsert) on the table's UNIQUE keys,
//! so overlapping syncs, redelivered webhooks and concurrent writers store each identity
//! and each credit once, on both backends.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel::upsert::excluded;

use crate::db::schema::{contributions, contributor_emails, contributors};
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{ContributorId, ProjectId, RepositoryId, UserId};
use crate::per_backend;

/// Rows per multi-row statement: well under SQLite's 32,766 bound parameters.
const CHUNK: usize = 500;

/// A GitHub account about to be stored in `contributors`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contributors, treat_none_as_default_value = false)]
pub struct NewGithubContributor {
    pub github_user_id: i64,
    pub login: Option<String>,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    pub is_bot: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores GitHub accounts by `github_user_id`.
///
/// With `refresh` (the rows come from GitHub's own account objects, so they are
/// current), a known account takes the new login (a rename never splits a person),
/// avatar and profile URL, and a name when it had none; `is_bot` only ever turns on.
/// Without it (the rows were inferred from noreply addresses, whose login may be out
/// of date), known accounts are left as they are.
pub fn upsert_github_contributors(
    conn: &mut AnyConnection,
    rows: &[NewGithubContributor],
    refresh: bool,
) -> Result<(), DbError> {
    for chunk in rows.chunks(CHUNK) {
        if refresh {
            per_backend!(conn, |c| diesel::insert_into(contributors::table)
                .values(chunk)
                .on_conflict(contributors::github_user_id)
                .do_update()
                .set((
                    contributors::login.eq(sql::<Nullable<Text>>(
                        "COALESCE(excluded.login, contributors.login)"
                    )),
                    contributors::name.eq(sql::<Nullable<Text>>(
                        "COALESCE(contributors.name, excluded.name)"
                    )),
                    contributors::avatar_url.eq(sql::<Nullable<Text>>(
                        "COALESCE(excluded.avatar_url, contributors.avatar_url)"
                    )),
                    contributors::html_url.eq(sql::<Nullable<Text>>(
                        "COALESCE(excluded.html_url, contributors.html_url)"
                    )),
                    contributors::is_bot
                        .eq(sql::<Bool>("(excluded.is_bot OR contributors.is_bot)")),
                    contributors::updated_at.eq(excluded(contributors::updated_at)),
                ))
                .execute(c))?;
        } else {
            per_backend!(conn, |c| diesel::insert_into(contributors::table)
                .values(chunk)
                .on_conflict(contributors::github_user_id)
                .do_nothing()
                .execute(c))?;
        }
    }
    Ok(())
}

/// `(github_user_id, contributor)` for those of `ids` that are stored.
pub fn by_github_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, ContributorId)>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(Option<i64>, ContributorId)> = contributors::table
            .filter(contributors::github_user_id.eq_any(chunk))
            .select((contributors::github_user_id, contributors::id))
            .load(conn)?;
        out.extend(found.into_iter().filter_map(|(g, id)| g.map(|g| (g, id))));
    }
    Ok(out)
}

/// The GitHub account most recently known by `login` (any ASCII case), if one is
/// stored. Logins are reused after renames, so the most recently updated wins.
pub fn by_login(conn: &mut AnyConnection, login: &str) -> Result<Option<ContributorId>, DbError> {
    Ok(contributors::table
        .filter(contributors::github_user_id.is_not_null())
        .filter(sql::<Bool>("lower(login) = ").bind::<Text, _>(login.to_lowercase()))
        .order((contributors::updated_at.desc(), contributors::id.desc()))
        .select(contributors::id)
        .first(conn)
        .optional()?)
}

/// `(email_hash, contributor)` from `contributor_emails` for those of `hashes` an
/// account is known to use.
pub fn email_owners(
    conn: &mut AnyConnection,
    hashes: &[String],
) -> Result<Vec<(String, ContributorId)>, DbError> {
    let mut out = Vec::with_capacity(hashes.len());
    for chunk in hashes.chunks(CHUNK) {
        out.extend(
            contributor_emails::table
                .filter(contributor_emails::email_hash.eq_any(chunk))
                .select((
                    contributor_emails::email_hash,
                    contributor_emails::contributor_id,
                ))
                .load::<(String, ContributorId)>(conn)?,
        );
    }
    Ok(out)
}

#[derive(Insertable)]
#[diesel(table_name = contributor_emails)]
struct NewEmail<'a> {
    email_hash: &'a str,
    contributor_id: ContributorId,
    created_at: NaiveDateTime,
}

/// Records that each `(email_hash, contributor)` is an address of that contributor (a
/// GitHub account GitHub attributed a commit with that address to). The first account
/// learned for an address keeps it.
///
/// Then absorbs the email-keyed identity of each newly learned address, if one exists:
/// its contributions move to the account (a credit the account already has for the
/// same item is dropped instead of doubled), and its claim by an OpenFund user, if any,
/// passes to the account when the account has none. Returns the number of addresses
/// newly learned.
pub fn learn_emails(
    conn: &mut AnyConnection,
    pairs: &[(String, ContributorId)],
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let mut learned = 0;
    for (hash, owner) in pairs {
        let row = NewEmail {
            email_hash: hash,
            contributor_id: *owner,
            created_at: now,
        };
        let n = per_backend!(conn, |c| diesel::insert_into(contributor_emails::table)
            .values(&row)
            .on_conflict(contributor_emails::email_hash)
            .do_nothing()
            .execute(c))?;
        if n == 0 {
            continue;
        }
        learned += 1;
        let keyed: Option<(ContributorId, Option<UserId>)> = contributors::table
            .filter(contributors::email_hash.eq(hash))
            .select((contributors::id, contributors::user_id))
            .first(conn)
            .optional()?;
        if let Some((from, claimed_by)) = keyed {
            absorb(conn, from, *owner, claimed_by)?;
        }
    }
    Ok(learned)
}

/// Moves every contribution of `from` to `into` (dropping those `into` already has for
/// the same item), and passes on `from`'s claim when `into` has none.
fn absorb(
    conn: &mut AnyConnection,
    from: ContributorId,
    into: ContributorId,
    claimed_by: Option<UserId>,
) -> Result<(), DbError> {
    diesel::sql_query(
        "DELETE FROM contributions WHERE contributor_id = $1 AND EXISTS ( \
             SELECT 1 FROM contributions o WHERE o.contributor_id = $2 \
             AND o.project_id = contributions.project_id AND o.kind = contributions.kind \
             AND o.source_key = contributions.source_key)",
    )
    .bind::<diesel::sql_types::BigInt, _>(from)
    .bind::<diesel::sql_types::BigInt, _>(into)
    .execute(conn)?;
    diesel::update(contributions::table.filter(contributions::contributor_id.eq(from)))
        .set(contributions::contributor_id.eq(into))
        .execute(conn)?;
    if let Some(user) = claimed_by {
        diesel::update(
            contributors::table
                .find(into)
                .filter(contributors::user_id.is_null()),
        )
        .set(contributors::user_id.eq(user))
        .execute(conn)?;
    }
    Ok(())
}

/// A person known only by address, about to be stored in `contributors`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contributors, treat_none_as_default_value = false)]
pub struct NewEmailContributor {
    /// [`crate::domain::github::identity::EmailKey`] of the address.
    pub email_hash: String,
    /// The name their commits give (shown to the project's maintainers only).
    pub name: Option<String>,
    pub is_bot: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores address-keyed people (those already stored are left as they are).
pub fn insert_email_contributors(
    conn: &mut AnyConnection,
    rows: &[NewEmailContributor],
) -> Result<(), DbError> {
    for chunk in rows.chunks(CHUNK) {
        per_backend!(conn, |c| diesel::insert_into(contributors::table)
            .values(chunk)
            .on_conflict(contributors::email_hash)
            .do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// `(email_hash, contributor)` for the address-keyed people among `hashes`.
pub fn by_email_hashes(
    conn: &mut AnyConnection,
    hashes: &[String],
) -> Result<Vec<(String, ContributorId)>, DbError> {
    let mut out = Vec::with_capacity(hashes.len());
    for chunk in hashes.chunks(CHUNK) {
        let found: Vec<(Option<String>, ContributorId)> = contributors::table
            .filter(contributors::email_hash.eq_any(chunk))
            .select((contributors::email_hash, contributors::id))
            .load(conn)?;
        out.extend(found.into_iter().filter_map(|(h, id)| h.map(|h| (h, id))));
    }
    Ok(out)
}

/// A credit about to be stored.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contributions, treat_none_as_default_value = false)]
pub struct NewContribution {
    pub project_id: ProjectId,
    /// `None` for work a maintainer recorded.
    pub repository_id: Option<RepositoryId>,
    pub contributor_id: ContributorId,
    /// [`crate::domain::github::kinds::ContributionKind`]'s spelling.
    pub kind: String,
    pub source_key: String,
    pub occurred_at: NaiveDateTime,
    pub title: Option<String>,
    pub url: Option<String>,
    /// The maintainer who recorded it (`None` for GitHub activity).
    pub recorded_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

/// Stores credits, skipping those already stored (same project, kind, item and
/// contributor). Returns how many were new.
pub fn insert_contributions(
    conn: &mut AnyConnection,
    rows: &[NewContribution],
) -> Result<usize, DbError> {
    let mut inserted = 0;
    for chunk in rows.chunks(CHUNK / 2) {
        inserted += per_backend!(conn, |c| diesel::insert_into(contributions::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(inserted)
}
