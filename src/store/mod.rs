//! Queries, one module per resource. Every function takes `&mut AnyConnection` so it
//! can run inside the caller's transaction or on its own.

pub mod projects;
