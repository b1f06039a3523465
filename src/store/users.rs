//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::UserId;
use crate::per_backend;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub is_admin: bool,
    pub github_id: Option<i64>,
    pub github_login: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub is_admin: bool,
    pub github_id: Option<i64>,
    pub github_login: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts the user unless the email (or GitHub id) is taken; `None` when it was. Safe
/// against a concurrent insert of the same address on both backends.
pub fn insert_if_absent(
    conn: &mut AnyConnection,
    user: &NewUser<'_>,
) -> Result<Option<UserId>, DbError> {
    let id = per_backend!(conn, |c| diesel::insert_into(users::table)
        .values(user)
        .on_conflict_do_nothing()
        .returning(users::id)
        .get_result::<UserId>(c)
        .optional())?;
    Ok(id)
}

pub fn find(conn: &mut AnyConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_github_id(conn: &mut AnyConnection, github_id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::github_id.eq(github_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn mark_verified(conn: &mut AnyConnection, id: UserId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::email_verified_at.is_null()),
    )
    .set((users::email_verified_at.eq(now), users::updated_at.eq(now)))
    .execute(conn)?;
    Ok(())
}

/// Sets (or, with `None`, removes) the password hash.
pub fn set_password(
    conn: &mut AnyConnection,
    id: UserId,
    hash: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn set_display_name(
    conn: &mut AnyConnection,
    id: UserId,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::display_name.eq(name), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Moves the user to a confirmed new address.
pub fn set_email(
    conn: &mut AnyConnection,
    id: UserId,
    email: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(email),
            users::email_verified_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Links (or unlinks, with `None`) a GitHub identity `(id, login)`.
pub fn set_github(
    conn: &mut AnyConnection,
    id: UserId,
    github: Option<(i64, &str)>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::github_id.eq(github.map(|g| g.0)),
            users::github_login.eq(github.map(|g| g.1)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_admin(
    conn: &mut AnyConnection,
    id: UserId,
    admin: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::is_admin.eq(admin), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Keeps the row (ledger and contribution rows reference it) but removes what
/// identifies the person and every way to sign in.
pub fn anonymise(
    conn: &mut AnyConnection,
    id: UserId,
    tombstone_email: &str,
    tombstone_name: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(tombstone_email),
            users::display_name.eq(tombstone_name),
            users::password_hash.eq(None::<String>),
            users::email_verified_at.eq(None::<NaiveDateTime>),
            users::is_admin.eq(false),
            users::github_id.eq(None::<i64>),
            users::github_login.eq(None::<String>),
            users::updated_at.eq(now),
            users::deleted_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
