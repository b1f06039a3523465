//! Pure GitHub rules for the sync and webhooks: signatures, identities, trailers, pagination links, rate limits and contribution kinds.

pub mod identity;
pub mod kinds;
pub mod link;
pub mod ratelimit;
pub mod signature;
pub mod trailers;
