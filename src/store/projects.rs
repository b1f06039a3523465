//! Queries on the `projects` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    goals, ledger_transactions, pledges, project_accelerator_values, project_members, projects,
};
use crate::db::{self, AnyConnection, DbError};
use crate::domain::ids::{ProjectId, UserId};
use crate::domain::policy::ProjectRole;
use crate::domain::project::{ListAfter, ListOrder, search_key};
use crate::domain::{NewProject, ProjectKind, Slug};
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
    /// Markdown.
    pub description: String,
    /// An SPDX license expression.
    pub license: Option<String>,
    pub repository_url: Option<String>,
    pub model_card_url: Option<String>,
    pub auto_approve_sponsors: bool,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub archived_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Bots' activity counts toward recognition (off by default).
    pub count_bots: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = projects)]
struct ProjectInsert {
    slug: String,
    name: String,
    search_name: String,
    summary: String,
    kind: ProjectKind,
    homepage: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    currency: String,
    description: String,
    license: Option<String>,
    repository_url: Option<String>,
    model_card_url: Option<String>,
    auto_approve_sponsors: bool,
    contact_name: Option<String>,
    contact_email: Option<String>,
}

impl ProjectInsert {
    fn new(p: NewProject, created_at: NaiveDateTime) -> Self {
        let name = p.name.into_inner();
        let d = p.details;
        ProjectInsert {
            slug: p.slug.into_inner(),
            search_name: search_key(&name),
            name,
            summary: p.summary.into_inner(),
            kind: p.kind,
            homepage: p.homepage.map(|h| h.into_inner()),
            created_at: db::truncate_micros(created_at),
            updated_at: db::truncate_micros(created_at),
            currency: d.currency.code().to_owned(),
            description: d.description,
            license: d.license,
            repository_url: d.repository_url,
            model_card_url: d.model_card_url,
            auto_approve_sponsors: d.auto_approve_sponsors,
            contact_name: d.contact_name,
            contact_email: d.contact_email.map(|e| e.as_str().to_owned()),
        }
    }
}

/// A partial update: `None` leaves a column as it is; for nullable columns
/// `Some(None)` sets it to NULL.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = projects)]
pub struct ProjectChanges {
    pub name: Option<String>,
    /// Always set together with `name` (see [`ProjectChanges::rename`]).
    pub search_name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub kind: Option<ProjectKind>,
    pub homepage: Option<Option<String>>,
    pub license: Option<Option<String>>,
    pub repository_url: Option<Option<String>>,
    pub model_card_url: Option<Option<String>>,
    pub currency: Option<String>,
    pub auto_approve_sponsors: Option<bool>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub archived_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
    pub count_bots: Option<bool>,
}

impl ProjectChanges {
    pub fn rename(&mut self, name: String) {
        self.search_name = Some(search_key(&name));
        self.name = Some(name);
    }
}

/// Applies `changes` (which should set `updated_at`) and returns the row as it is now.
pub fn update(
    conn: &mut AnyConnection,
    id: ProjectId,
    changes: &ProjectChanges,
) -> QueryResult<ProjectRow> {
    diesel::update(projects::table.find(id))
        .set(changes)
        .execute(conn)?;
    projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(conn)
}

/// Which projects the list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Lower-cased text that must occur in the lower-cased name (see [`search_key`]);
    /// `%`, `_` and `\` in it match themselves.
    pub q: Option<String>,
    pub kind: Option<ProjectKind>,
    pub include_archived: bool,
}

fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

type Backend = <AnyConnection as diesel::Connection>::Backend;
type Condition =
    Box<dyn BoxableExpression<projects::table, Backend, SqlType = diesel::sql_types::Bool>>;

/// The SQL condition of `filter` (leaving out its kind unless `with_kind`).
fn condition(filter: &ListFilter, with_kind: bool) -> Condition {
    let mut cond: Condition = Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 1"));
    if let Some(q) = &filter.q {
        cond = Box::new(cond.and(projects::search_name.like(like_pattern(q)).escape('\\')));
    }
    if let (true, Some(kind)) = (with_kind, filter.kind) {
        cond = Box::new(cond.and(projects::kind.eq(kind)));
    }
    if !filter.include_archived {
        cond = Box::new(cond.and(projects::archived_at.is_null()));
    }
    cond
}

/// Up to `limit` projects that pass `filter`, in `order`, after `after`.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<&ListAfter>,
    limit: i64,
) -> QueryResult<Vec<ProjectRow>> {
    let mut query = projects::table
        .filter(condition(filter, true))
        .into_boxed()
        .select(ProjectRow::as_select())
        .limit(limit);
    query = match order {
        ListOrder::Newest => query.order((projects::created_at.desc(), projects::id.desc())),
        ListOrder::Updated => query.order((projects::updated_at.desc(), projects::id.desc())),
        ListOrder::Name => query.order((projects::search_name.asc(), projects::id.asc())),
    };
    query = match (order, after) {
        (_, None) => query,
        (ListOrder::Newest, Some(ListAfter::Time(t, id))) => query.filter(
            projects::created_at
                .lt(*t)
                .or(projects::created_at.eq(*t).and(projects::id.lt(*id))),
        ),
        (ListOrder::Updated, Some(ListAfter::Time(t, id))) => query.filter(
            projects::updated_at
                .lt(*t)
                .or(projects::updated_at.eq(*t).and(projects::id.lt(*id))),
        ),
        (ListOrder::Name, Some(ListAfter::Name(n, id))) => query.filter(
            projects::search_name.gt(n.clone()).or(projects::search_name
                .eq(n.clone())
                .and(projects::id.gt(*id))),
        ),
        // A cursor of another order: the caller checks; nothing matches.
        _ => query.filter(projects::id.lt(0)),
    };
    query.load(conn)
}

/// How many projects pass `filter` ignoring its kind, per kind (kinds without any are
/// left out).
pub fn count_by_kind(
    conn: &mut AnyConnection,
    filter: &ListFilter,
) -> QueryResult<Vec<(ProjectKind, i64)>> {
    projects::table
        .filter(condition(filter, false))
        .group_by(projects::kind)
        .select((projects::kind, diesel::dsl::count_star()))
        .load(conn)
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

/// Whether any money has been promised or booked in the project's currency: a pledge,
/// a ledger transaction, a goal with a money target, or a fair-market value per
/// GPU-hour. While so, the currency cannot change.
pub fn has_money_in_currency(conn: &mut AnyConnection, id: ProjectId) -> QueryResult<bool> {
    let pledged: i64 = pledges::table
        .filter(pledges::project_id.eq(id))
        .count()
        .get_result(conn)?;
    let booked: i64 = ledger_transactions::table
        .filter(ledger_transactions::project_id.eq(id))
        .count()
        .get_result(conn)?;
    let targets: i64 = goals::table
        .filter(goals::project_id.eq(id))
        .filter(goals::money_target_minor.is_not_null())
        .count()
        .get_result(conn)?;
    let valued: i64 = project_accelerator_values::table
        .filter(project_accelerator_values::project_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(pledged + booked + targets + valued > 0)
}

/// The projects `user` is a member of, with the role, by name.
pub fn of_member(
    conn: &mut AnyConnection,
    user: UserId,
) -> QueryResult<Vec<(ProjectRow, ProjectRole)>> {
    projects::table
        .inner_join(project_members::table)
        .filter(project_members::user_id.eq(user))
        .order((projects::search_name.asc(), projects::id.asc()))
        .select((ProjectRow::as_select(), project_members::role))
        .load(conn)
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
