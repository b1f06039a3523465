//! The accelerator catalogue: the classes compute is pledged and counted in (`H100-80GB`,
//! `A100-40GB`, `TPU-v5e`, …), each with a display name. Anyone may read it; site admins
//! add and rename classes. A class is never removed or recoded: ledger entries name it
//! forever (`GPU:H100-80GB`).

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, Tx};
use crate::domain::{AcceleratorClass, AcceleratorName};
use crate::store::accelerators::{self as store, AcceleratorRow};

#[derive(Debug, thiserror::Error)]
pub enum AcceleratorError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("the catalogue already has {0}")]
    Exists(String),
    #[error("no accelerator class {0:?}")]
    NotFound(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AcceleratorError {
    fn from(e: diesel::result::Error) -> Self {
        AcceleratorError::Db(e.into())
    }
}

/// The whole catalogue, by code (public).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<AcceleratorRow>, AcceleratorError> {
    Ok(store::all(conn)?)
}

/// Adds a class. Site admins (an API token needs `write` and `admin`); a code already
/// in the catalogue is [`AcceleratorError::Exists`], on both backends however close two
/// adds come.
pub fn create(
    tx: &mut Tx<'_>,
    who: &Principal,
    class: &AcceleratorClass,
    name: &AcceleratorName,
    now: NaiveDateTime,
) -> Result<AcceleratorRow, AcceleratorError> {
    who.require_admin()?;
    who.require_write()?;
    store::insert_if_absent(
        tx,
        class.as_str(),
        name.as_str(),
        crate::db::truncate_micros(now),
    )?
    .ok_or_else(|| AcceleratorError::Exists(class.as_str().to_owned()))
}

/// Gives class `code` a new display name. Site admins. A code that is not a class
/// (including one no class could have) is [`AcceleratorError::NotFound`].
pub fn rename(
    tx: &mut Tx<'_>,
    who: &Principal,
    code: &str,
    name: &AcceleratorName,
) -> Result<AcceleratorRow, AcceleratorError> {
    who.require_admin()?;
    who.require_write()?;
    let not_found = || AcceleratorError::NotFound(code.to_owned());
    let class = AcceleratorClass::parse("code", code).map_err(|_| not_found())?;
    store::rename(tx, class.as_str(), name.as_str())?.ok_or_else(not_found)
}
