//! Queries, one module per resource. Every function takes `&mut AnyConnection` so it
//! can run inside the caller's transaction or on its own.

pub mod accelerators;
pub mod api_tokens;
pub mod contribution_reads;
pub mod contributions;
pub mod contributor_claims;
pub mod deliveries;
pub mod email_tokens;
pub mod expenses;
pub mod exports;
pub mod goals;
pub mod idempotency;
pub mod identity_merges;
pub mod instalments;
pub mod jobs;
pub mod ledger;
pub mod members;
pub mod oauth_states;
pub mod outbox;
pub mod pledges;
pub mod projects;
pub mod rate_limits;
pub mod recorded_work;
pub mod repositories;
pub mod secrets;
pub mod sessions;
pub mod sponsors;
pub mod sync_state;
pub mod users;
pub mod webhook_deliveries;
