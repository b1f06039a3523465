//! OpenFund: funding, compute and recognition for open AI projects.
//!
//! The binary in `main.rs` only parses the command line and calls into this library.

pub mod api;
pub mod app;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_funding;
pub mod domain;
pub mod github;
pub mod jobs;
pub mod mail;
pub mod security;
pub mod startup;
pub mod store;
pub mod telemetry;
