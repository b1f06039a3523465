//! Per-project roles (owner, maintainer).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::project_members;
use crate::domain::policy::ProjectRole;

pub fn add(
    conn: &mut AnyConnection,
    project_id: i64,
    account_id: i64,
    role: ProjectRole,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(project_id),
            project_members::account_id.eq(account_id),
            project_members::role.eq(role.as_str()),
            project_members::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn role_of(
    conn: &mut AnyConnection,
    project_id: i64,
    account_id: i64,
) -> QueryResult<Option<ProjectRole>> {
    let role: Option<String> = project_members::table
        .find((project_id, account_id))
        .select(project_members::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| r.parse().ok()))
}
