//! Queries on `sponsor_profiles` and `sponsor_approvals`, and the sponsors of a project
//! who pledged publicly, with what they gave through those public pledges.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::db::schema::{sponsor_approvals, sponsor_profiles};
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{ProjectId, UserId};
use crate::domain::sponsors::{ApprovalState, SponsorProfile};
use crate::per_backend;

/// A row of `sponsor_profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sponsor_profiles)]
pub struct ProfileRow {
    pub user_id: UserId,
    pub public_name: String,
    pub link: Option<String>,
    pub logo_url: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = sponsor_profiles, treat_none_as_null = true)]
struct ProfileWrite<'a> {
    user_id: UserId,
    public_name: &'a str,
    link: Option<&'a str>,
    logo_url: Option<&'a str>,
    updated_at: NaiveDateTime,
}

pub fn find_profile(conn: &mut AnyConnection, user: UserId) -> QueryResult<Option<ProfileRow>> {
    sponsor_profiles::table
        .find(user)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

/// Creates or replaces `user`'s profile.
pub fn upsert_profile(
    conn: &mut AnyConnection,
    user: UserId,
    profile: &SponsorProfile,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let row = ProfileWrite {
        user_id: user,
        public_name: &profile.display_name,
        link: profile.url.as_deref(),
        logo_url: profile.logo_url.as_deref(),
        updated_at: crate::db::truncate_micros(now),
    };
    per_backend!(conn, |c| diesel::insert_into(sponsor_profiles::table)
        .values(&row)
        .on_conflict(sponsor_profiles::user_id)
        .do_update()
        .set(&row)
        .execute(c))?;
    Ok(())
}

/// Records a maintainer's decision on showing `user` on `project`'s wall.
pub fn decide(
    conn: &mut AnyConnection,
    project: ProjectId,
    user: UserId,
    state: ApprovalState,
    decided_by: UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let now = crate::db::truncate_micros(now);
    per_backend!(conn, |c| diesel::insert_into(sponsor_approvals::table)
        .values((
            sponsor_approvals::project_id.eq(project),
            sponsor_approvals::user_id.eq(user),
            sponsor_approvals::state.eq(state),
            sponsor_approvals::decided_by.eq(Some(decided_by)),
            sponsor_approvals::decided_at.eq(Some(now)),
            sponsor_approvals::created_at.eq(now),
        ))
        .on_conflict((sponsor_approvals::project_id, sponsor_approvals::user_id))
        .do_update()
        .set((
            sponsor_approvals::state.eq(state),
            sponsor_approvals::decided_by.eq(Some(decided_by)),
            sponsor_approvals::decided_at.eq(Some(now)),
        ))
        .execute(c))?;
    Ok(())
}

/// A sponsor with at least one public (not anonymous), not cancelled pledge to the
/// project, with their profile, account name and the maintainers' decision.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PublicSponsorRow {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub account_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub public_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub link: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub logo_url: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub decision: Option<String>,
}

/// Every sponsor of `project` with a public pledge that is not cancelled; accounts that
/// were deleted are left out.
pub fn public_sponsors(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> Result<Vec<PublicSponsorRow>, DbError> {
    Ok(diesel::sql_query(
        "SELECT u.id AS user_id, u.display_name AS account_name, sp.public_name, sp.link, \
                sp.logo_url, sa.state AS decision \
         FROM users u \
         LEFT JOIN sponsor_profiles sp ON sp.user_id = u.id \
         LEFT JOIN sponsor_approvals sa ON sa.user_id = u.id AND sa.project_id = $1 \
         WHERE u.deleted_at IS NULL AND u.id IN ( \
             SELECT p.sponsor_id FROM pledges p \
             WHERE p.project_id = $1 AND p.anonymous = FALSE AND p.state <> 'cancelled') \
         ORDER BY u.id",
    )
    .bind::<BigInt, _>(project.get())
    .load(conn)?)
}

/// What a sponsor gave a project through public pledges, per commodity: the credits to
/// their contributions account in transactions linked to a public pledge of theirs to
/// the project (and in the reversals of those), as a positive number.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SponsorTotalRow {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub commodity: String,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

pub fn public_totals(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> Result<Vec<SponsorTotalRow>, DbError> {
    Ok(diesel::sql_query(
        // Driven from the project's public pledges (`pledges_project_idx`) and their
        // transactions (`ledger_transactions_pledge_idx`; a reversal carries the pledge
        // of what it reverses), so it reads the project's rows only, never every entry
        // of the ledger.
        "SELECT p.sponsor_id AS user_id, e.commodity, CAST(-SUM(e.amount) AS BIGINT) AS total \
         FROM pledges p \
         JOIN ledger_transactions t ON t.pledge_id = p.id \
         JOIN ledger_entries e ON e.transaction_id = t.id \
         JOIN ledger_accounts a ON a.id = e.account_id \
         WHERE p.project_id = $1 AND p.anonymous = FALSE \
           AND a.kind = 'sponsor_contributions' AND a.user_id = p.sponsor_id \
         GROUP BY p.sponsor_id, e.commodity \
         ORDER BY p.sponsor_id, e.commodity",
    )
    .bind::<BigInt, _>(project.get())
    .load(conn)?)
}
