//! Integration tests: one binary, each test with its own database and server.
//! Backend: `OPENFUND_TEST_BACKEND=sqlite` (default) or `postgres`.

mod accelerators;
mod accounts;
mod activity_ingest;
mod anonymity;
mod compute;
mod concurrency;
mod demo;
mod errors;
mod exports;
mod github;
mod github_activity_double;
mod github_double;
mod goals;
mod health;
mod helpers;
mod identities;
mod instalments;
mod jobs;
mod ledger;
mod ledger_properties;
mod mail_sink;
mod matrix;
mod openapi;
mod overview;
mod permissions;
mod pledges;
mod projects;
mod races;
mod repositories;
mod schema_parity;
mod security;
mod tokens;
mod unit_of_work;
mod web;
mod webhooks;
