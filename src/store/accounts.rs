//! Queries on `accounts`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::accounts;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub is_admin: bool,
    pub github_id: Option<i64>,
    pub github_login: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub is_admin: bool,
    pub github: Option<(i64, &'a str)>,
}

pub fn insert(
    conn: &mut AnyConnection,
    a: &NewAccount<'_>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(accounts::table)
        .values((
            accounts::email.eq(a.email),
            accounts::display_name.eq(a.display_name),
            accounts::password_hash.eq(a.password_hash),
            accounts::email_verified_at.eq(a.email_verified_at),
            accounts::is_admin.eq(a.is_admin),
            accounts::github_id.eq(a.github.map(|g| g.0)),
            accounts::github_login.eq(a.github.map(|g| g.1)),
            accounts::created_at.eq(now),
            accounts::updated_at.eq(now),
        ))
        .returning(accounts::id)
        .get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::email.eq(email))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_github_id(
    conn: &mut AnyConnection,
    github_id: i64,
) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::github_id.eq(github_id))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn mark_verified(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::email_verified_at.is_null()),
    )
    .set((
        accounts::email_verified_at.eq(now),
        accounts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn set_password(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_display_name(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::display_name.eq(name),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_email(
    conn: &mut AnyConnection,
    id: i64,
    email: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::email.eq(email),
            accounts::email_verified_at.eq(now),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_github(
    conn: &mut AnyConnection,
    id: i64,
    github: Option<(i64, &str)>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::github_id.eq(github.map(|g| g.0)),
            accounts::github_login.eq(github.map(|g| g.1)),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::delete(accounts::table.find(id)).execute(conn)?;
    Ok(())
}
