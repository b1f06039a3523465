//! Queries on the `projects` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::projects;
use crate::db::{self, AnyConnection};
use crate::domain::{NewProject, PageRequest};

/// A row of `projects` as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub kind: String,
    pub homepage: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = projects)]
struct ProjectInsert {
    slug: String,
    name: String,
    summary: String,
    kind: String,
    homepage: Option<String>,
    created_at: NaiveDateTime,
}

impl ProjectInsert {
    fn new(p: NewProject, created_at: NaiveDateTime) -> Self {
        ProjectInsert {
            slug: p.slug.into_inner(),
            name: p.name.into_inner(),
            summary: p.summary.into_inner(),
            kind: p.kind.as_str().to_owned(),
            homepage: p.homepage.map(|h| h.into_inner()),
            created_at: db::truncate_micros(created_at),
        }
    }
}

/// One page of projects, newest first, and the total count.
pub fn list(conn: &mut AnyConnection, page: PageRequest) -> QueryResult<(Vec<ProjectRow>, i64)> {
    let total = projects::table.count().get_result(conn)?;
    let rows = projects::table
        .select(ProjectRow::as_select())
        .order((projects::created_at.desc(), projects::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find_by_slug(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .select(ProjectRow::as_select())
        .filter(projects::slug.eq(slug))
        .first(conn)
        .optional()
}

/// Inserts a project; a taken slug surfaces as diesel's unique-violation error.
pub fn insert(
    conn: &mut AnyConnection,
    project: NewProject,
    created_at: NaiveDateTime,
) -> QueryResult<ProjectRow> {
    let id: i64 = diesel::insert_into(projects::table)
        .values(ProjectInsert::new(project, created_at))
        .returning(projects::id)
        .get_result(conn)?;
    projects::table
        .select(ProjectRow::as_select())
        .find(id)
        .first(conn)
}

/// Inserts a project unless one with the same slug exists; returns whether it inserted.
pub fn insert_if_absent(
    conn: &mut AnyConnection,
    project: NewProject,
    created_at: NaiveDateTime,
) -> QueryResult<bool> {
    let row = ProjectInsert::new(project, created_at);
    // ON CONFLICT does not compile through the connection enum: run it per backend.
    let inserted = match conn {
        AnyConnection::Postgresql(c) => diesel::insert_into(projects::table)
            .values(&row)
            .on_conflict(projects::slug)
            .do_nothing()
            .execute(c)?,
        AnyConnection::Sqlite(c) => diesel::insert_into(projects::table)
            .values(&row)
            .on_conflict(projects::slug)
            .do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}
