//! Claims of contributor identities by OpenFund accounts (`contributors.user_id`). See
//! [`super::repositories`] for the data model and `app::claims` for when they happen.
//! A claim is only ever added to an unclaimed identity: the first account to prove an
//! identity keeps it.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::AnyConnection;
use crate::domain::ids::UserId;

/// Claims for `user` the unclaimed identities an address with hash `email_hash`
/// ([`crate::domain::github::identity::EmailKey`]) proves: the person known only by
/// that address, and the GitHub account GitHub attributed it to (`contributor_emails`:
/// GitHub only does so for an address the account verified). Returns how many.
pub fn claim_by_email_hash(
    conn: &mut AnyConnection,
    email_hash: &str,
    user: UserId,
) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE contributors SET user_id = $1 \
         WHERE user_id IS NULL AND (email_hash = $2 OR id IN ( \
             SELECT contributor_id FROM contributor_emails WHERE email_hash = $2))",
    )
    .bind::<BigInt, _>(user)
    .bind::<Text, _>(email_hash)
    .execute(conn)
}

/// Claims for `user` the GitHub account `github_user_id`'s identity, if unclaimed.
/// Returns how many (0 or 1).
pub fn claim_by_github_id(
    conn: &mut AnyConnection,
    github_user_id: i64,
    user: UserId,
) -> QueryResult<usize> {
    use crate::db::schema::contributors;
    diesel::update(
        contributors::table
            .filter(contributors::github_user_id.eq(github_user_id))
            .filter(contributors::user_id.is_null()),
    )
    .set(contributors::user_id.eq(user))
    .execute(conn)
}
