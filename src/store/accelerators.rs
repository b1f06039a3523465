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

/// The id of the class with catalogue code `code` (e.g. `H100-80GB`), if there is one.
pub fn id_of(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<i64>> {
    accelerators::table
        .filter(accelerators::code.eq(code))
        .select(accelerators::id)
        .first(conn)
        .optional()
}

/// The ids of the classes among `codes` that the catalogue has: `(code, id)` pairs.
pub fn ids_of(conn: &mut AnyConnection, codes: &[&str]) -> QueryResult<Vec<(String, i64)>> {
    accelerators::table
        .filter(accelerators::code.eq_any(codes))
        .select((accelerators::code, accelerators::id))
        .load(conn)
}

/// The catalogue code of class `id`, if there is one.
pub fn code_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<String>> {
    accelerators::table
        .find(id)
        .select(accelerators::code)
        .first(conn)
        .optional()
}
