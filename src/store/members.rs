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

/// A member of a project as the public sees them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MemberRow {
    pub user_id: UserId,
    pub display_name: String,
    pub github_login: Option<String>,
    pub role: ProjectRole,
    pub created_at: NaiveDateTime,
}

/// Every member of the project, owners first, then by when they joined.
pub fn list(conn: &mut AnyConnection, project_id: ProjectId) -> QueryResult<Vec<MemberRow>> {
    use crate::db::schema::users;
    let rows: Vec<MemberRow> = project_members::table
        .inner_join(users::table)
        .filter(project_members::project_id.eq(project_id))
        .order((
            project_members::created_at.asc(),
            project_members::user_id.asc(),
        ))
        .select((
            project_members::user_id,
            users::display_name,
            users::github_login,
            project_members::role,
            project_members::created_at,
        ))
        .load(conn)?;
    let (mut owners, others): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|m| m.role == ProjectRole::Owner);
    owners.extend(others);
    Ok(owners)
}

/// How many owners the project has.
pub fn count_owners(conn: &mut AnyConnection, project_id: ProjectId) -> QueryResult<i64> {
    project_members::table
        .filter(project_members::project_id.eq(project_id))
        .filter(project_members::role.eq(ProjectRole::Owner))
        .count()
        .get_result(conn)
}

/// Removes one membership; whether there was one.
pub fn remove(
    conn: &mut AnyConnection,
    project_id: ProjectId,
    user_id: UserId,
) -> QueryResult<bool> {
    let n = diesel::delete(project_members::table.find((project_id, user_id))).execute(conn)?;
    Ok(n > 0)
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
