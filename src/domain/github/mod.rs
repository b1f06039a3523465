//! Pure GitHub rules for the sync and webhooks: signatures, identities, trailers, pagination links, rate limits, contribution kinds and webhook deliveries.

pub mod activity;
pub mod events;
pub mod identity;
pub mod kinds;
pub mod link;
pub mod payload;
pub mod ratelimit;
pub mod signature;
pub mod trailers;
pub mod webhook;
