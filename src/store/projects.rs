//! Queries on the `projects` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::projects;
use crate::db::{self, AnyConnection, DbError};
use crate::domain::ids::ProjectId;
use crate::domain::{NewProject, PageRequest, ProjectKind, Slug};
use crate::per_backend;

/// A row of `projects` as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub kind: ProjectKind,
    pub homepage: Option<String>,
    pub created_at: NaiveDateTime,
    /// The ISO 4217 code every money amount of the project is in.
    pub currency: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = projects)]
struct ProjectInsert {
    slug: String,
    name: String,
    summary: String,
    kind: ProjectKind,
    homepage: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    currency: String,
}

/// The base currency of a project created without one (ISO 4217).
pub const DEFAULT_CURRENCY: &str = "USD";

impl ProjectInsert {
    fn new(p: NewProject, created_at: NaiveDateTime) -> Self {
        ProjectInsert {
            slug: p.slug.into_inner(),
            name: p.name.into_inner(),
            summary: p.summary.into_inner(),
            kind: p.kind,
            homepage: p.homepage.map(|h| h.into_inner()),
            created_at: db::truncate_micros(created_at),
            updated_at: db::truncate_micros(created_at),
            currency: DEFAULT_CURRENCY.to_owned(),
        }
    }
}

/// One page of projects, newest first.
pub fn page(conn: &mut AnyConnection, page: PageRequest) -> QueryResult<Vec<ProjectRow>> {
    projects::table
        .select(ProjectRow::as_select())
        .order((projects::created_at.desc(), projects::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    projects::table.count().get_result(conn)
}

/// The project with this slug. A string that is not a slug (see [`Slug::parse`]) names
/// no project and never reaches the database (PostgreSQL refuses text with a NUL byte,
/// which a path segment can carry).
pub fn find_by_slug(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<ProjectRow>> {
    if Slug::parse("slug", slug).is_err() {
        return Ok(None);
    }
    projects::table
        .select(ProjectRow::as_select())
        .filter(projects::slug.eq(slug))
        .first(conn)
        .optional()
}

/// The project with this id.
pub fn find_by_id(conn: &mut AnyConnection, id: ProjectId) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .select(ProjectRow::as_select())
        .find(id)
        .first(conn)
        .optional()
}

/// Inserts a project unless its slug is taken; `None` when it was. Safe against a
/// concurrent insert of the same slug on both backends (the second waits for the
/// first to commit, then inserts nothing).
pub fn insert_if_absent(
    conn: &mut AnyConnection,
    project: NewProject,
    created_at: NaiveDateTime,
) -> Result<Option<ProjectRow>, DbError> {
    let row = ProjectInsert::new(project, created_at);
    let inserted = per_backend!(conn, |c| diesel::insert_into(projects::table)
        .values(&row)
        .on_conflict(projects::slug)
        .do_nothing()
        .returning(ProjectRow::as_returning())
        .get_result(c)
        .optional())?;
    Ok(inserted)
}
