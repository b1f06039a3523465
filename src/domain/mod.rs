//! Plain domain types and rules: no I/O, no HTTP, no database. Values validate on
//! construction so that the layers above never handle unchecked strings.

pub mod auth;
pub mod compute;
pub mod contribution;
pub mod cursor;
pub mod decimal;
pub mod delivery;
pub mod email;
pub mod exports;
pub mod funding;
pub mod github;
pub mod goal;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod net;
pub mod pagination;
pub mod password;
pub mod pledge;
pub mod policy;
pub mod project;
pub mod repository;
pub mod schedule;
pub mod slug;
pub mod slurm;
pub mod sponsors;
pub mod user;

pub use compute::{AcceleratorClass, AcceleratorName, ComputeAmount, GpuMinutes};
pub use email::Email;
pub use money::{Currency, Money};
pub use pagination::PageRequest;
pub use project::{Homepage, NewProject, ProjectKind, ProjectName, Summary};
pub use slug::Slug;

/// A rule a value broke, named by the field it came from and a stable reason code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Violation {
    /// The input field, e.g. `slug`.
    pub field: String,
    /// Stable machine code, e.g. `too_long`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl Violation {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Violation {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}
