//! Writes of work a maintainer records by hand (a `contributions` row with
//! `repository_id` NULL and `recorded_by` set; its description is kept in `title`), and
//! the lookups that find whom it credits.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::schema::{contributions, contributors};
use crate::db::{AnyConnection, DbError};
use crate::domain::github::kinds::ContributionKind;
use crate::domain::ids::{ProjectId, UserId};

/// A `contributions` row, as recorded work reads it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = contributions)]
pub struct ContributionRow {
    pub id: i64,
    pub project_id: i64,
    /// NULL for recorded work.
    pub repository_id: Option<i64>,
    pub contributor_id: i64,
    pub kind: ContributionKind,
    pub source_key: String,
    pub occurred_at: NaiveDateTime,
    /// GitHub items' title; recorded work's description.
    pub title: Option<String>,
    pub url: Option<String>,
    pub removed_at: Option<NaiveDateTime>,
    pub recorded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Whether contributor `id` exists.
pub fn contributor_exists(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(contributors::table.find(id))).get_result(conn)
}

/// A live OpenFund account that signed in with GitHub as `login`.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct GithubAccount {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = BigInt)]
    pub github_id: i64,
    #[diesel(sql_type = Text)]
    pub github_login: String,
}

/// The live account linked to GitHub login `login` (case-insensitively), if any.
pub fn account_by_github_login(
    conn: &mut AnyConnection,
    login: &str,
) -> Result<Option<GithubAccount>, DbError> {
    Ok(diesel::sql_query(
        "SELECT id AS user_id, github_id, github_login FROM users \
         WHERE github_id IS NOT NULL AND github_login IS NOT NULL \
           AND deleted_at IS NULL AND lower(github_login) = lower($1) \
         ORDER BY updated_at DESC, id DESC LIMIT 1",
    )
    .bind::<Text, _>(login)
    .get_result(conn)
    .optional()?)
}

/// The contributor keyed by `account`'s GitHub id, added (a person, claimed by the
/// account) if GitHub's activity has not introduced them yet. Two at once add one row
/// (the unique key decides).
pub fn contributor_for_account(
    conn: &mut AnyConnection,
    account: &GithubAccount,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    diesel::sql_query(
        "INSERT INTO contributors (github_user_id, login, user_id, is_bot, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (github_user_id) DO NOTHING",
    )
    .bind::<BigInt, _>(account.github_id)
    .bind::<Text, _>(&account.github_login)
    .bind::<BigInt, _>(account.user_id)
    .bind::<diesel::sql_types::Bool, _>(false)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    Ok(contributors::table
        .filter(contributors::github_user_id.eq(account.github_id))
        .select(contributors::id)
        .first(conn)?)
}

/// A record to store.
#[derive(Debug, Clone)]
pub struct NewRecorded<'a> {
    pub project: ProjectId,
    pub contributor: i64,
    pub kind: ContributionKind,
    /// Generated, unique per record.
    pub source_key: &'a str,
    pub occurred_at: NaiveDateTime,
    pub description: &'a str,
    pub url: Option<&'a str>,
    pub recorded_by: UserId,
    pub now: NaiveDateTime,
}

/// Stores recorded work; returns the row.
pub fn insert(conn: &mut AnyConnection, new: &NewRecorded<'_>) -> Result<ContributionRow, DbError> {
    Ok(diesel::sql_query(
        "INSERT INTO contributions (project_id, repository_id, contributor_id, kind, source_key, \
                                    occurred_at, title, url, recorded_by, created_at) \
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
    )
    .bind::<BigInt, _>(new.project.get())
    .bind::<BigInt, _>(new.contributor)
    .bind::<Text, _>(new.kind)
    .bind::<Text, _>(new.source_key)
    .bind::<Timestamp, _>(new.occurred_at)
    .bind::<Text, _>(new.description)
    .bind::<Nullable<Text>, _>(new.url)
    .bind::<BigInt, _>(new.recorded_by.get())
    .bind::<Timestamp, _>(new.now)
    .get_result(conn)?)
}

/// Contribution `id` of `project`, if it has one.
pub fn find_in(
    conn: &mut AnyConnection,
    project: ProjectId,
    id: i64,
) -> QueryResult<Option<ContributionRow>> {
    contributions::table
        .find(id)
        .filter(contributions::project_id.eq(project.get()))
        .select(ContributionRow::as_select())
        .first(conn)
        .optional()
}

/// Deletes recorded contribution `id` (never a GitHub one); whether it was there.
pub fn delete_recorded(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::delete(
        contributions::table
            .find(id)
            .filter(contributions::repository_id.is_null()),
    )
    .execute(conn)?;
    Ok(n == 1)
}
