//! Secrets handling: password hashing (argon2id), access tokens (JWT, HS256 pinned) and
//! random bearer secrets that are stored only as hashes.

pub mod jwt;
pub mod passwords;
pub mod secrets;
