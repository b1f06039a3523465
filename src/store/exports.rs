//! What the funding manifest reads besides the ledger: a project's public fields and
//! its goals.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{goals, projects};
use crate::domain::ProjectKind;
use crate::domain::ids::ProjectId;

/// A project's fields the funding manifest shows.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = projects)]
pub struct ManifestProjectRow {
    pub id: ProjectId,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub kind: ProjectKind,
    pub homepage: Option<String>,
    pub license: Option<String>,
    pub repository_url: Option<String>,
    pub model_card_url: Option<String>,
    pub currency: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub archived_at: Option<NaiveDateTime>,
}

pub fn manifest_project(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> QueryResult<Option<ManifestProjectRow>> {
    projects::table
        .find(project)
        .select(ManifestProjectRow::as_select())
        .first(conn)
        .optional()
}

/// A goal with a money target, as a funding plan needs it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MoneyGoalRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub money_target_minor: Option<i64>,
    pub status: String,
}

/// Up to `limit` of a project's goals with a money target: open ones first, then newest
/// first.
pub fn money_goals(
    conn: &mut AnyConnection,
    project: ProjectId,
    limit: i64,
) -> QueryResult<Vec<MoneyGoalRow>> {
    goals::table
        .filter(goals::project_id.eq(project))
        .filter(goals::money_target_minor.is_not_null())
        .select((
            goals::id,
            goals::title,
            goals::description,
            goals::money_target_minor,
            goals::status,
        ))
        // `false` sorts before `true` on both backends: open goals first.
        .order((goals::status.ne("open"), goals::id.desc()))
        .limit(limit)
        .load(conn)
}
