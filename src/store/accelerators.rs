//! Queries on the `accelerators` table: the instance's catalogue of accelerator classes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::accelerators;
use crate::db::{AnyConnection, DbError};
use crate::per_backend;

/// A row of `accelerators`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = accelerators)]
pub struct AcceleratorRow {
    pub id: i64,
    /// The class's code, e.g. `H100-80GB` (see [`crate::domain::AcceleratorClass`]).
    pub code: String,
    pub display_name: String,
    pub created_at: NaiveDateTime,
}

/// Every class, by code. The catalogue is an admin's short list, never large.
pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<AcceleratorRow>> {
    accelerators::table
        .select(AcceleratorRow::as_select())
        .order(accelerators::code.asc())
        .load(conn)
}

/// Adds a class unless its code is taken; `None` when it was (also when another unit
/// adds the same code at the same moment).
pub fn insert_if_absent(
    conn: &mut AnyConnection,
    code: &str,
    display_name: &str,
    now: NaiveDateTime,
) -> Result<Option<AcceleratorRow>, DbError> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        accelerators::table
    )
    .values((
        accelerators::code.eq(code),
        accelerators::display_name.eq(display_name),
        accelerators::created_at.eq(now),
    ))
    .on_conflict(accelerators::code)
    .do_nothing()
    .returning(AcceleratorRow::as_returning())
    .get_result(c)
    .optional())?)
}

/// Renames class `code`; `None` when there is no such class.
pub fn rename(
    conn: &mut AnyConnection,
    code: &str,
    display_name: &str,
) -> Result<Option<AcceleratorRow>, DbError> {
    let n = diesel::update(accelerators::table.filter(accelerators::code.eq(code)))
        .set(accelerators::display_name.eq(display_name))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(accelerators::table
        .filter(accelerators::code.eq(code))
        .select(AcceleratorRow::as_select())
        .first(conn)
        .optional()?)
}
