//! Per-project roles (owner, maintainer).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::project_members;
use crate::domain::ids::{ProjectId, UserId};
use crate::domain::policy::ProjectRole;

pub fn add(
    conn: &mut AnyConnection,
    project_id: ProjectId,
    user_id: UserId,
    role: ProjectRole,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(project_id),
            project_members::user_id.eq(user_id),
            project_members::role.eq(role),
            project_members::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn role_of(
    conn: &mut AnyConnection,
    project_id: ProjectId,
    user_id: UserId,
) -> QueryResult<Option<ProjectRole>> {
    project_members::table
        .find((project_id, user_id))
        .select(project_members::role)
        .first(conn)
        .optional()
}

/// Removes the user from every project; returns how many memberships there were.
pub fn remove_all(conn: &mut AnyConnection, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(project_members::table.filter(project_members::user_id.eq(user_id)))
        .execute(conn)
}

/// Where to reach a project's owners and maintainers: `(email, display name)` of each
/// member whose account is not deleted, owners first, then by user id.
pub fn contacts(
    conn: &mut AnyConnection,
    project_id: ProjectId,
) -> QueryResult<Vec<(String, String)>> {
    use crate::db::schema::users;
    project_members::table
        .inner_join(users::table.on(users::id.eq(project_members::user_id)))
        .filter(project_members::project_id.eq(project_id))
        .filter(users::deleted_at.is_null())
        .order((project_members::role.desc(), users::id.asc()))
        .select((users::email, users::display_name))
        .load(conn)
}
