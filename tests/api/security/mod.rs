//! Issue 6 §2: the security faults, each with tests that fail without the rule they
//! cover (checked by hand once; see the report of the change that added them). Every
//! test runs on the backend `OPENFUND_TEST_BACKEND` selects.

mod busy; // §2.7: SQLite busy / PostgreSQL lock waits → 503 `database_busy`
mod client_address; // §2.2: the client behind trusted proxies; IPv6 /64
mod credentials; // §2.4: what ends sessions and tokens; token expiry and admin scope
mod enumeration; // §2.5: email change, reset and resend reveal nothing
mod github_takeover; // §2.1: pre-registration takeover through GitHub sign-in
mod limits; // §2.2: limits on every action that checks a password or sends mail
mod production; // §2.7: production rails; GitHub timeouts
mod refresh_grace; // §2.6: refresh retries within the grace window
mod support;
