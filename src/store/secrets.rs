//! Instance-wide generated secrets (the JWT signing key of a local run).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::instance_secrets;

pub fn get(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<String>> {
    instance_secrets::table
        .find(name)
        .select(instance_secrets::value)
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut AnyConnection,
    name: &str,
    value: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(instance_secrets::table)
        .values((
            instance_secrets::name.eq(name),
            instance_secrets::value.eq(value),
            instance_secrets::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
