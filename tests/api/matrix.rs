//! The permission matrix: every operation of the OpenAPI document, called by every kind
//! of caller, against one table of expected outcomes.
//!
//! To add an endpoint (the test fails until you do): add a [`Row`] to [`table`] with
//! the method and path template exactly as in `openapi/openapi.json`, one expected
//! outcome per caller kind in the order of [`WHO`] (pick a policy below, such as
//! `session_only(204)`, or write the array of [`KINDS`] out), and a function that builds a
//! valid request for a given caller. Build a new body on every call (a unique slug, a
//! fresh address, a planted link) so that "allowed" really means a 2xx. If a successful
//! call uses up its caller (deletes the account, ends the session, changes the
//! password), mark the row `.fresh()`: each allowed caller then gets a new account of
//! its kind. A refusal is checked for its status, `application/problem+json` and its
//! stable `code` (see `src/api/problems.rs`).

use diesel::prelude::*;
use openfund::db::schema::{api_tokens, jobs, project_members};
use openfund::domain::auth::EmailPurpose;
use openfund::domain::ids::{ProjectId, UserId};
use openfund::security::secrets;
use openfund::store::{api_tokens as token_store, email_tokens};
use serde_json::{Value, json};

use crate::github_double::{CLIENT_ID, CLIENT_SECRET, GithubDouble};
use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

/// The kinds of caller, in the order of the table's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A plain user's personal API token with the `read` scope.
    ReadToken,
    /// A plain user's personal API token with `read` and `write`.
    WriteToken,
    /// A signed-in user with no role in the project.
    User,
    /// A signed-in user with no role in the project who has pledged to it (through the
    /// API, at the start). Rows about a pledge, delivery, instalment or approval act on
    /// the caller's own, so this column asks whether a sponsor can confirm, approve or
    /// upload for themself: they may cancel their pledge and report and read deliveries
    /// of their compute pledge, nothing a maintainer decides.
    Sponsor,
    /// The project's creator, signed in.
    Owner,
    /// A maintainer of the project (a `project_members` row), signed in.
    Maintainer,
    /// A site admin, signed in.
    Admin,
    /// A site admin's token with `read` and `write` but not `admin`: a plain user.
    AdminToken,
    /// A site admin's token with `read` and `admin`.
    AdminScopedToken,
    /// A site admin's token with `read`, `write` and `admin`.
    AdminFullToken,
}

use Who::*;

/// How many kinds of caller (columns) the table has.
const KINDS: usize = 11;

const WHO: [Who; KINDS] = [
    Anonymous,
    ReadToken,
    WriteToken,
    User,
    Sponsor,
    Owner,
    Maintainer,
    Admin,
    AdminToken,
    AdminScopedToken,
    AdminFullToken,
];

/// What a call must get.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Done: this 2xx status, and not a problem.
    Allowed(u16),
    /// Refused: this status, as `application/problem+json` with this `code`.
    Refused(u16, &'static str),
    /// `303 See Other` to this location (the GitHub callback answers browsers so).
    Redirect(&'static str),
}

use Expect::*;

const UNAUTH: Expect = Refused(401, "unauthenticated");
const SESSION: Expect = Refused(403, "session_required");
const SCOPE: Expect = Refused(403, "insufficient_scope");
const NOT_ADMIN: Expect = Refused(403, "forbidden");
const NO_REFRESH: Expect = Refused(401, "invalid_refresh_token");

const fn ok(status: u16) -> Expect {
    Allowed(status)
}

// The policies the operations follow, one outcome per column of `WHO`:
//        anonymous   read        write       user        sponsor     owner
//        maintainer  admin       admin-token admin+scope admin-full

/// Anyone, signed in or not.
fn public(s: u16) -> [Expect; KINDS] {
    [ok(s); KINDS]
}

/// Any credential; reads need no more than the `read` scope.
fn signed_in(s: u16) -> [Expect; KINDS] {
    [
        UNAUTH,
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
    ]
}

/// Changes with any credential that has the `write` scope.
fn writer(s: u16) -> [Expect; KINDS] {
    [
        UNAUTH,
        SCOPE,
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        SCOPE,
        ok(s),
    ]
}

/// Account management: a signed-in session, never an API token.
fn session_only(s: u16) -> [Expect; KINDS] {
    [
        UNAUTH,
        SESSION,
        SESSION,
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        SESSION,
        SESSION,
        SESSION,
    ]
}

/// Operator views: site admins, in a session or with a token that has `admin`.
fn admin_view(s: u16) -> [Expect; KINDS] {
    [
        UNAUTH,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        ok(s),
        NOT_ADMIN,
        ok(s),
        ok(s),
    ]
}

/// Operator actions: site admins, with `admin` and `write` when using a token.
fn admin_change(s: u16) -> [Expect; KINDS] {
    [
        UNAUTH,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        ok(s),
        NOT_ADMIN,
        SCOPE,
        ok(s),
    ]
}

/// Authenticated by the refresh cookie, which only sessions hold.
fn refresh_cookie_holder(s: u16) -> [Expect; KINDS] {
    [
        NO_REFRESH,
        NO_REFRESH,
        NO_REFRESH,
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        ok(s),
        NO_REFRESH,
        NO_REFRESH,
        NO_REFRESH,
    ]
}

/// Changes to a project: its owners and maintainers, and site admins, with the `write`
/// scope.
fn project_editor(s: u16) -> [Expect; KINDS] {
    const NO_ROLE: Expect = Refused(403, "forbidden");
    [
        UNAUTH,
        SCOPE,
        NO_ROLE,
        NO_ROLE,
        NO_ROLE,
        ok(s),
        ok(s),
        ok(s),
        NO_ROLE,
        SCOPE,
        ok(s),
    ]
}

/// A project's private views: its owners and maintainers, and site admins.
fn project_reader(s: u16) -> [Expect; KINDS] {
    const NO_ROLE: Expect = Refused(403, "forbidden");
    [
        UNAUTH,
        NO_ROLE,
        NO_ROLE,
        NO_ROLE,
        NO_ROLE,
        ok(s),
        ok(s),
        ok(s),
        NO_ROLE,
        ok(s),
        ok(s),
    ]
}

/// Managing a project's members, archiving it: its owners and site admins, with the
/// `write` scope.
fn project_owner(s: u16) -> [Expect; KINDS] {
    const NO_ROLE: Expect = Refused(403, "forbidden");
    [
        UNAUTH,
        SCOPE,
        NO_ROLE,
        NO_ROLE,
        NO_ROLE,
        ok(s),
        NO_ROLE,
        ok(s),
        NO_ROLE,
        SCOPE,
        ok(s),
    ]
}

/// The same for everyone.
fn everyone(e: Expect) -> [Expect; KINDS] {
    [e; KINDS]
}

/// A password none of the test accounts has.
const NEW_PASSWORD: &str = "cobalt-lantern-river-77";
/// The kind of the failed jobs planted for the admin rows.
const PLANTED_JOB_KIND: &str = "matrix_planted";

/// One operation (or one variant of it, e.g. a mode of its body) and its expectations.
struct Row {
    method: &'static str,
    /// The path template, as in the OpenAPI document.
    path: &'static str,
    variant: &'static str,
    expect: [Expect; KINDS],
    call: fn(&World, &Caller) -> Call,
    fresh: bool,
}

fn row(
    method: &'static str,
    path: &'static str,
    expect: [Expect; KINDS],
    call: fn(&World, &Caller) -> Call,
) -> Row {
    Row {
        method,
        path,
        variant: "",
        expect,
        call,
        fresh: false,
    }
}

impl Row {
    /// A successful call uses up its caller: allowed callers get a new account.
    fn fresh(mut self) -> Row {
        self.fresh = true;
        self
    }

    fn variant(mut self, variant: &'static str) -> Row {
        self.variant = variant;
        self
    }
}

/// The request one row makes for one caller (the caller's bearer token is added).
#[derive(Default)]
struct Call {
    /// The concrete path (with query); the template when it has no parameters.
    path: Option<String>,
    body: Option<Value>,
    cookie: Option<String>,
    /// Sent as the body exactly (as `application/json`), instead of `body`.
    raw: Option<Vec<u8>>,
    /// Extra request headers.
    headers: Vec<(&'static str, String)>,
}

impl Call {
    fn plain() -> Call {
        Call::default()
    }

    fn at(path: String) -> Call {
        Call {
            path: Some(path),
            ..Call::default()
        }
    }

    fn json(body: Value) -> Call {
        Call {
            body: Some(body),
            ..Call::default()
        }
    }

    /// Sends the caller's refresh cookie, if it has one.
    fn with_refresh_cookie(mut self, caller: &Caller) -> Call {
        self.cookie = caller
            .refresh
            .as_ref()
            .map(|r| format!("openfund_refresh={r}"));
        self
    }
}

fn table() -> Vec<Row> {
    vec![
        // Operations.
        row("GET", "/healthz", public(200), |_, _| Call::plain()),
        row("GET", "/readyz", public(200), |_, _| Call::plain()),
        row("GET", "/metrics", public(200), |_, _| Call::plain()),
        row("GET", "/api/v1/instance", public(200), |_, _| Call::plain()),
        // Projects.
        row("GET", "/api/v1/projects", public(200), |_, _| Call::plain()),
        row("GET", "/api/v1/projects/{slug}", public(200), |w, _| {
            Call::at(format!("/api/v1/projects/{}", w.project_slug))
        }),
        row("POST", "/api/v1/projects", writer(201), |_, _| {
            Call::json(json!({"slug": unique_slug(), "name": "Matrix", "kind": "tool"}))
        }),
        row(
            "PATCH",
            "/api/v1/projects/{slug}",
            project_editor(200),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}", w.project_slug)),
                body: Some(json!({"summary": "Edited by the matrix", "license": "MIT"})),
                ..Call::default()
            },
        ),
        // Archiving: each call on a project of its own (same owner and maintainer), so
        // the shared project keeps taking pledges and expenses.
        row(
            "POST",
            "/api/v1/projects/{slug}/archive",
            project_owner(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/archive",
                    w.plant_project(false)
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/unarchive",
            project_owner(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/unarchive",
                    w.plant_project(true)
                ))
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/members",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/members", w.project_slug)),
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/members",
            project_owner(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/members", w.project_slug)),
                body: Some(json!({"user_id": w.app.insert_account(&fresh_email(), true, false)})),
                ..Call::default()
            },
        ),
        row(
            "DELETE",
            "/api/v1/projects/{slug}/members/{user_id}",
            project_owner(204),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/members/{}",
                    w.project_slug,
                    w.plant_maintainer()
                ))
            },
        ),
        // Linked GitHub repositories: the list is public (the maintainers' status only
        // for editors, checked in tests/api/repositories.rs); changes are project edits.
        row(
            "GET",
            "/api/v1/projects/{slug}/repositories",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/repositories", w.project_slug)),
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/repositories",
            project_editor(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/repositories", w.project_slug)),
                body: Some(json!({"full_name": unique_repository()})),
                ..Call::default()
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/repositories/{owner}/{name}/rotate-secret",
            project_editor(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/repositories/{}/rotate-secret",
                    w.project_slug,
                    w.plant_repository()
                ))
            },
        ),
        row(
            "DELETE",
            "/api/v1/projects/{slug}/repositories/{owner}/{name}",
            project_editor(204),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/repositories/{}",
                    w.project_slug,
                    w.plant_repository()
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/repositories/{owner}/{name}/sync",
            project_editor(202),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/repositories/{}/sync",
                    w.project_slug,
                    w.plant_repository()
                ))
            },
        ),
        // Recognition: the lists are public; recording and deleting work are project
        // edits (tests/api/contributions.rs for the rules).
        row(
            "GET",
            "/api/v1/projects/{slug}/contributors",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/contributors", w.project_slug)),
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/activity",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/activity", w.project_slug)),
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/contributions",
            project_editor(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/contributions", w.project_slug)),
                body: Some(json!({
                    "kind": "doc",
                    "contributor": {"contributor_id": w.plant_contributor()},
                    "occurred_on": "2026-11-30",
                    "description": "Wrote the matrix's docs"
                })),
                ..Call::default()
            },
        ),
        row(
            "DELETE",
            "/api/v1/projects/{slug}/contributions/{id}",
            project_editor(204),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/contributions/{}",
                    w.project_slug,
                    w.plant_recorded_work()
                ))
            },
        ),
        // GitHub calls anonymously: the signature is the permission, and a credential
        // sent along neither helps nor hurts (tests/api/webhooks.rs for the refusals).
        row("POST", "/api/v1/webhooks/github", public(202), |w, _| {
            let name = w.plant_repository();
            let body = serde_json::to_vec(&json!({
                "ref": "refs/heads/main",
                "repository": {"id": null, "full_name": name},
                "commits": [],
                "sender": {"login": "octocat", "id": 1, "type": "User"}
            }))
            .unwrap();
            let signature =
                openfund::domain::github::signature::sign(PLANTED_SECRET.as_bytes(), &body);
            Call {
                raw: Some(body),
                headers: vec![
                    ("x-github-event", "push".to_owned()),
                    ("x-github-delivery", uuid::Uuid::new_v4().to_string()),
                    ("x-hub-signature-256", signature),
                ],
                ..Call::default()
            }
        }),
        // Identity merges: project edits; the list is the maintainers' (it shows people
        // known only by address). tests/api/identities.rs for the rules.
        row(
            "POST",
            "/api/v1/projects/{slug}/identities/merge",
            project_editor(201),
            |w, _| Call {
                path: Some(format!(
                    "/api/v1/projects/{}/identities/merge",
                    w.project_slug
                )),
                body: Some(json!({
                    "from": w.plant_credited_contributor(),
                    "into": w.plant_credited_contributor()
                })),
                ..Call::default()
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/identities/merges",
            project_reader(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/identities/merges",
                    w.project_slug
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/identities/merges/{id}/undo",
            project_editor(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/identities/merges/{}/undo",
                    w.project_slug,
                    w.plant_identity_merge()
                ))
            },
        ),
        row("GET", "/api/v1/me/projects", signed_in(200), |_, _| {
            Call::plain()
        }),
        // Registration, sign-in, sessions, password reset.
        row("POST", "/api/v1/auth/register", public(202), |_, _| {
            Call::json(json!({
                "email": fresh_email(), "password": NEW_PASSWORD, "display_name": "Matrix"
            }))
        }),
        row("POST", "/api/v1/auth/verify-email", public(200), |w, _| {
            let token = w.mail_link(EmailPurpose::VerifyEmail, false);
            Call::json(json!({ "token": token }))
        }),
        row(
            "POST",
            "/api/v1/auth/verify-email/resend",
            public(202),
            |_, _| Call::json(json!({ "email": fresh_email() })),
        ),
        row("POST", "/api/v1/auth/login", public(200), |w, _| {
            let email = fresh_email();
            w.app.insert_account(&email, true, false);
            Call::json(json!({ "email": email, "password": PASSWORD }))
        }),
        row(
            "POST",
            "/api/v1/auth/refresh",
            refresh_cookie_holder(200),
            |_, c| Call::plain().with_refresh_cookie(c),
        )
        .fresh(),
        row("POST", "/api/v1/auth/logout", public(204), |_, c| {
            Call::plain().with_refresh_cookie(c)
        })
        .fresh(),
        row(
            "POST",
            "/api/v1/auth/password-reset",
            public(202),
            |_, _| Call::json(json!({ "email": fresh_email() })),
        ),
        row(
            "POST",
            "/api/v1/auth/password-reset/confirm",
            public(200),
            |w, _| {
                let token = w.mail_link(EmailPurpose::ResetPassword, true);
                Call::json(json!({ "token": token, "password": NEW_PASSWORD }))
            },
        ),
        // Sign in with GitHub (the matrix app has it configured).
        row("POST", "/api/v1/auth/github/start", public(200), |_, _| {
            Call::json(json!({ "mode": "login" }))
        })
        .variant("mode=login"),
        row(
            "POST",
            "/api/v1/auth/github/start",
            session_only(200),
            |_, _| Call::json(json!({ "mode": "link" })),
        )
        .variant("mode=link"),
        // Not this browser's state: every caller is sent back with the error (the
        // callback's own rules are in `github.rs`).
        row(
            "GET",
            "/api/v1/auth/github/callback",
            everyone(Redirect("/signin/github?error=invalid_state")),
            |_, _| Call::at("/api/v1/auth/github/callback?code=c0de&state=not-yours".into()),
        ),
        // The account.
        row("GET", "/api/v1/me", signed_in(200), |_, _| Call::plain()),
        row("PATCH", "/api/v1/me", session_only(200), |_, _| {
            Call::json(json!({ "display_name": "Renamed by the matrix" }))
        }),
        row("DELETE", "/api/v1/me", session_only(204), |_, _| {
            Call::json(json!({ "password": PASSWORD }))
        })
        .fresh(),
        row("POST", "/api/v1/me/password", session_only(204), |_, _| {
            Call::json(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD }))
        })
        .fresh(),
        row("POST", "/api/v1/me/email", session_only(202), |_, _| {
            Call::json(json!({ "new_email": fresh_email(), "password": PASSWORD }))
        }),
        row("DELETE", "/api/v1/me/github", session_only(204), |_, _| {
            Call::plain()
        }),
        row("GET", "/api/v1/me/tokens", session_only(200), |_, _| {
            Call::plain()
        }),
        row("POST", "/api/v1/me/tokens", session_only(201), |_, _| {
            Call::json(json!({ "name": "matrix", "scopes": ["read"] }))
        }),
        // A token tries to revoke itself; a session revokes one of its own.
        row(
            "DELETE",
            "/api/v1/me/tokens/{id}",
            session_only(204),
            |w, c| {
                let id = match (&c.user, c.token_id) {
                    (_, Some(own)) => own,
                    (Some(account), None) => w.plant_token(account.id),
                    (None, None) => w.caller(ReadToken).token_id.unwrap(),
                };
                Call::at(format!("/api/v1/me/tokens/{id}"))
            },
        ),
        // The public ledger and expenses.
        row(
            "GET",
            "/api/v1/projects/{slug}/ledger",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/ledger", w.project_slug)),
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/overview",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/overview", w.project_slug)),
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/balances",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/balances", w.project_slug)),
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/expenses",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/expenses", w.project_slug)),
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/expenses",
            project_editor(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/expenses", w.project_slug)),
                body: Some(json!({
                    "description": "Matrix expense",
                    "amount": {"currency": "USD", "amount_minor": 1}
                })),
                ..Call::default()
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/ledger/{id}/reverse",
            project_editor(201),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/ledger/{}/reverse",
                    w.project_slug,
                    w.plant_gift(1)
                ))
            },
        ),
        // The ledger's exports and the funding manifest.
        row(
            "GET",
            "/api/v1/projects/{slug}/ledger.csv",
            public(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/ledger.csv?commodity=USD",
                    w.project_slug
                ))
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/ledger.beancount",
            public(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/ledger.beancount",
                    w.project_slug
                ))
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/funding.json",
            public(200),
            |w, _| {
                w.complete_manifest_settings();
                Call::at(format!("/api/v1/projects/{}/funding.json", w.project_slug))
            },
        ),
        // Sponsors in public.
        row(
            "GET",
            "/api/v1/me/sponsor-profile",
            signed_in(200),
            |_, _| Call::plain(),
        ),
        row("PUT", "/api/v1/me/sponsor-profile", writer(200), |_, _| {
            Call::json(json!({"display_name": "Matrix sponsor", "url": "https://example.org"}))
        }),
        row(
            "GET",
            "/api/v1/projects/{slug}/sponsors",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/sponsors", w.project_slug)),
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/sponsors/pending",
            project_reader(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/sponsors/pending",
                    w.project_slug
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/sponsors/{user_id}/approve",
            project_editor(200),
            |w, c| {
                // The caller decides about itself, as the sponsor of a public pledge.
                let sponsor = w.own(c);
                w.plant_pledge(sponsor);
                Call::at(format!(
                    "/api/v1/projects/{}/sponsors/{sponsor}/approve",
                    w.project_slug,
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/sponsors/{user_id}/reject",
            project_editor(200),
            |w, c| {
                // The caller decides about itself, as the sponsor of a public pledge.
                let sponsor = w.own(c);
                w.plant_pledge(sponsor);
                Call::at(format!(
                    "/api/v1/projects/{}/sponsors/{sponsor}/reject",
                    w.project_slug,
                ))
            },
        ),
        // The accelerator catalogue.
        row("GET", "/api/v1/accelerators", public(200), |_, _| {
            Call::plain()
        }),
        row("POST", "/api/v1/accelerators", admin_change(201), |_, _| {
            Call::json(json!({
                "code": format!("M-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
                "display_name": "Matrix accelerator"
            }))
        }),
        row(
            "PATCH",
            "/api/v1/accelerators/{code}",
            admin_change(200),
            |w, _| Call {
                path: Some(format!("/api/v1/accelerators/{}", w.plant_accelerator())),
                body: Some(json!({"display_name": "Renamed by the matrix"})),
                ..Call::default()
            },
        ),
        // Goals and fair-market values.
        row(
            "GET",
            "/api/v1/projects/{slug}/goals",
            public(200),
            |w, _| Call::at(format!("/api/v1/projects/{}/goals", w.project_slug)),
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/goals",
            project_editor(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/goals", w.project_slug)),
                body: Some(json!({
                    "title": "Matrix goal",
                    "money_target": {"currency": "USD", "amount_minor": 100_000}
                })),
                ..Call::default()
            },
        ),
        row("GET", "/api/v1/goals/{id}", public(200), |w, _| {
            Call::at(format!("/api/v1/goals/{}", w.plant_goal()))
        }),
        row(
            "PATCH",
            "/api/v1/goals/{id}",
            project_editor(200),
            |w, _| Call {
                path: Some(format!("/api/v1/goals/{}", w.plant_goal())),
                body: Some(json!({"title": "Renamed by the matrix"})),
                ..Call::default()
            },
        ),
        row(
            "POST",
            "/api/v1/goals/{id}/close",
            project_editor(200),
            |w, _| Call::at(format!("/api/v1/goals/{}/close", w.plant_goal())),
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/accelerator-values",
            public(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/accelerator-values",
                    w.project_slug
                ))
            },
        ),
        row(
            "PUT",
            "/api/v1/projects/{slug}/accelerator-values/{code}",
            project_editor(200),
            |w, _| Call {
                path: Some(format!(
                    "/api/v1/projects/{}/accelerator-values/{}",
                    w.project_slug,
                    w.plant_accelerator()
                )),
                body: Some(json!({"value_per_gpu_hour": {"currency": "USD", "amount_minor": 250}})),
                ..Call::default()
            },
        ),
        row(
            "DELETE",
            "/api/v1/projects/{slug}/accelerator-values/{code}",
            project_editor(204),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/accelerator-values/{}",
                    w.project_slug,
                    w.plant_value()
                ))
            },
        ),
        // Pledges.
        row(
            "POST",
            "/api/v1/projects/{slug}/pledges",
            writer(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/pledges", w.project_slug)),
                body: Some(
                    json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 500}}),
                ),
                ..Call::default()
            },
        ),
        row(
            "POST",
            "/api/v1/pledges/{id}/confirm",
            project_editor(200),
            |w, c| {
                let sponsor = w.own(c);
                Call::at(format!(
                    "/api/v1/pledges/{}/confirm",
                    w.plant_pledge(sponsor)
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/pledges/{id}/cancel",
            writer(200),
            |w, c| {
                // The caller's own pledge: nobody else may cancel it.
                let sponsor = w.own(c);
                Call::at(format!(
                    "/api/v1/pledges/{}/cancel",
                    w.plant_pledge(sponsor)
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/pledges",
            writer(201),
            |w, _| Call {
                path: Some(format!("/api/v1/projects/{}/pledges", w.project_slug)),
                body: Some(json!({
                    "kind": "compute",
                    "compute": {"accelerator": w.plant_accelerator(), "gpu_minutes": 600},
                    "provider": "Matrix cluster",
                    "window_end": (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339(),
                })),
                ..Call::default()
            },
        )
        .variant("kind=compute"),
        // Compute deliveries.
        row(
            "POST",
            "/api/v1/pledges/{id}/deliveries",
            writer(201),
            |w, c| {
                // The caller's own compute pledge: its sponsor may report.
                let sponsor = w.own(c);
                Call {
                    path: Some(format!(
                        "/api/v1/pledges/{}/deliveries",
                        w.plant_compute_pledge(sponsor).0
                    )),
                    body: Some(json!({"gpu_minutes": 60, "evidence": "matrix run"})),
                    ..Call::default()
                }
            },
        ),
        row(
            "GET",
            "/api/v1/pledges/{id}/deliveries",
            signed_in(200),
            |w, c| {
                let sponsor = w.own(c);
                Call::at(format!(
                    "/api/v1/pledges/{}/deliveries",
                    w.plant_compute_pledge(sponsor).0
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/pledges/{id}/tokens",
            session_only(201),
            |w, c| {
                let sponsor = w.own(c);
                Call {
                    path: Some(format!(
                        "/api/v1/pledges/{}/tokens",
                        w.plant_compute_pledge(sponsor).0
                    )),
                    body: Some(json!({"name": "matrix cluster"})),
                    ..Call::default()
                }
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/deliveries",
            project_reader(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/deliveries?state=reported",
                    w.project_slug
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/deliveries/{id}/confirm",
            project_editor(200),
            |w, c| {
                // A report on the caller's own compute pledge, by the caller.
                Call::at(format!(
                    "/api/v1/deliveries/{}/confirm",
                    w.plant_delivery(w.own(c))
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/deliveries/{id}/reject",
            project_editor(200),
            |w, c| {
                // A report on the caller's own compute pledge, by the caller.
                Call::at(format!(
                    "/api/v1/deliveries/{}/reject",
                    w.plant_delivery(w.own(c))
                ))
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/slurm-gpu-types",
            project_reader(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/slurm-gpu-types",
                    w.project_slug
                ))
            },
        ),
        row(
            "PUT",
            "/api/v1/projects/{slug}/slurm-gpu-types/{slurm_type}",
            project_editor(200),
            |w, _| Call {
                path: Some(format!(
                    "/api/v1/projects/{}/slurm-gpu-types/matrix_gpu",
                    w.project_slug
                )),
                body: Some(json!({"accelerator": w.plant_accelerator()})),
                ..Call::default()
            },
        ),
        row(
            "DELETE",
            "/api/v1/projects/{slug}/slurm-gpu-types/{slurm_type}",
            project_editor(204),
            |w, _| {
                let (_, class) = w.plant_compute_pledge(w.owner_id());
                Call::at(format!(
                    "/api/v1/projects/{}/slurm-gpu-types/{}",
                    w.project_slug,
                    w.plant_slurm_type(&class)
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/deliveries/slurm",
            project_editor(200),
            |w, c| Call {
                path: Some(format!(
                    "/api/v1/projects/{}/deliveries/slurm",
                    w.project_slug
                )),
                body: Some(json!({
                    "pledge_id": w.plant_compute_pledge(w.own(c)).0,
                    "sacct": "",
                })),
                ..Call::default()
            },
        ),
        row(
            "POST",
            "/api/v1/projects/{slug}/deliveries/slurm/confirm",
            project_editor(201),
            |w, c| {
                let (pledge, class) = w.plant_compute_pledge(w.own(c));
                let gpu = w.plant_slurm_type(&class);
                let sacct = format!(
                    "7|2024-05-01T10:00:00|2024-05-01T11:00:00|600|gres/gpu:{gpu}=1,gres/gpu=1|COMPLETED\n"
                );
                Call {
                    path: Some(format!(
                        "/api/v1/projects/{}/deliveries/slurm/confirm",
                        w.project_slug
                    )),
                    body: Some(json!({"pledge_id": pledge, "sacct": sacct})),
                    ..Call::default()
                }
            },
        ),
        row("GET", "/api/v1/me/pledges", signed_in(200), |_, _| {
            Call::plain()
        }),
        row(
            "GET",
            "/api/v1/projects/{slug}/instalments",
            project_reader(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/instalments?state=due",
                    w.project_slug
                ))
            },
        ),
        row(
            "GET",
            "/api/v1/projects/{slug}/pledges",
            project_reader(200),
            |w, _| {
                Call::at(format!(
                    "/api/v1/projects/{}/pledges?state=pledged",
                    w.project_slug
                ))
            },
        ),
        row(
            "POST",
            "/api/v1/instalments/{id}/confirm",
            project_editor(200),
            |w, c| {
                // An instalment of the caller's own monthly pledge.
                Call::at(format!(
                    "/api/v1/instalments/{}/confirm",
                    w.plant_instalment(w.own(c))
                ))
            },
        ),
        // Operator views and actions.
        row("GET", "/api/v1/admin/jobs", admin_view(200), |_, _| {
            Call::at("/api/v1/admin/jobs?state=failed".into())
        }),
        row("GET", "/api/v1/admin/outbox", admin_view(200), |_, _| {
            Call::plain()
        }),
        row(
            "POST",
            "/api/v1/admin/jobs/{id}/retry",
            admin_change(204),
            |w, _| Call::at(format!("/api/v1/admin/jobs/{}/retry", w.plant_failed_job())),
        ),
        row(
            "POST",
            "/api/v1/admin/jobs/retry",
            admin_change(200),
            |_, _| Call::json(json!({ "kind": PLANTED_JOB_KIND })),
        ),
    ]
}

#[derive(Clone, Debug)]
struct Account {
    id: i64,
    email: String,
}

/// A caller of one kind: its account and credentials.
#[derive(Clone, Debug)]
struct Caller {
    who: Who,
    user: Option<Account>,
    /// Sent as `Authorization: Bearer`: a session's access token or an API token.
    bearer: Option<String>,
    /// A session's refresh cookie value.
    refresh: Option<String>,
    /// The id of the API token in `bearer`.
    token_id: Option<i64>,
    /// The project this caller created (the owner).
    created: Option<(i64, String)>,
}

/// The app, the project the roles are about, and one caller of each kind.
struct World {
    app: TestApp,
    _github: GithubDouble,
    project_id: i64,
    project_slug: String,
    callers: Vec<Caller>,
}

impl World {
    async fn new() -> World {
        let github = GithubDouble::start();
        let (web, api) = (github.url.clone(), github.api_url());
        let app = spawn_app_with(move |c| {
            c.github_url = web;
            c.github_api_url = api;
            c.github_client_id = Some(CLIENT_ID.to_owned());
            c.github_client_secret = Some(openfund::config::Secret::new(CLIENT_SECRET));
            // Limits are tested elsewhere; here they would only cut the walk short.
            c.auth_rate_limit = 100_000;
        })
        .await;
        let owner = make_caller(&app, Owner, None).await;
        let project = owner.created.clone().expect("the owner's project");
        let (project_id, project_slug) = project.clone();
        // Money the expense rows spend (one cent each).
        crate::ledger::gift(&app, ProjectId(project_id), 100);
        let mut callers = Vec::new();
        for who in WHO {
            callers.push(match who {
                Owner => owner.clone(),
                _ => make_caller(&app, who, Some(&project)).await,
            });
        }
        World {
            app,
            _github: github,
            project_id,
            project_slug,
            callers,
        }
    }

    fn caller(&self, who: Who) -> &Caller {
        self.callers.iter().find(|c| c.who == who).unwrap()
    }

    /// A new caller of the same kind (a new account).
    async fn fresh(&self, who: Who) -> Caller {
        let project = (self.project_id, self.project_slug.clone());
        make_caller(&self.app, who, Some(&project)).await
    }

    /// A mailed link's secret for a new account.
    fn mail_link(&self, purpose: EmailPurpose, verified: bool) -> String {
        let id = self.app.insert_account(&fresh_email(), verified, false);
        let (secret, hash) = secrets::generate("").unwrap();
        let now = openfund::db::now();
        email_tokens::insert(
            &mut self.app.conn(),
            &email_tokens::NewEmailToken {
                user_id: UserId(id),
                purpose,
                token_hash: &hash,
                new_email: None,
                created_at: now,
                expires_at: now + chrono::Duration::hours(1),
                session_id: None,
            },
        )
        .unwrap();
        secret
    }

    /// A personal API token of `user_id`, straight into the table; returns its id.
    fn plant_token(&self, user_id: i64) -> i64 {
        let (secret, hash) = secrets::generate("of_pat_").unwrap();
        token_store::insert(
            &mut self.app.conn(),
            &token_store::NewApiToken {
                user_id: UserId(user_id),
                name: "planted",
                token_hash: &hash,
                prefix: &secret[..12],
                scopes: "read",
                created_at: openfund::db::now(),
                expires_at: None,
            },
        )
        .unwrap()
        .id
        .get()
    }

    /// Gives the project `amount_minor` US cents from outside (a gift posted through
    /// the ledger's use case); returns the transaction's id.
    fn plant_gift(&self, amount_minor: i64) -> i64 {
        crate::ledger::gift(&self.app, ProjectId(self.project_id), amount_minor).get()
    }

    /// A class in the catalogue; returns its code.
    fn plant_accelerator(&self) -> String {
        let code = format!("P-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        openfund::store::accelerators::insert_if_absent(
            &mut self.app.conn(),
            &code,
            "Planted",
            openfund::db::now(),
        )
        .unwrap()
        .unwrap();
        code
    }

    /// A project of its own with the matrix's owner and maintainer, archived or not;
    /// returns its slug.
    fn plant_project(&self, archived: bool) -> String {
        use openfund::domain::policy::ProjectRole;
        use openfund::domain::{NewProject, ProjectKind};
        let slug = unique_slug();
        let now = openfund::db::now();
        let mut conn = self.app.conn();
        let new = NewProject::parse(&slug, "Planted", "", ProjectKind::Tool, None).unwrap();
        let row = openfund::store::projects::insert_if_absent(&mut conn, new, now)
            .unwrap()
            .unwrap();
        let maintainer = self.caller(Maintainer).user.as_ref().unwrap().id;
        for (user, role) in [
            (self.owner_id(), ProjectRole::Owner),
            (maintainer, ProjectRole::Maintainer),
        ] {
            openfund::store::members::add(&mut conn, row.id, UserId(user), role, now).unwrap();
        }
        if archived {
            use openfund::db::schema::projects;
            diesel::update(projects::table.find(row.id))
                .set(projects::archived_at.eq(Some(now)))
                .execute(&mut conn)
                .unwrap();
        }
        slug
    }

    /// A repository linked to the project, straight into the table; returns its
    /// `owner/name`.
    fn plant_repository(&self) -> String {
        let name = unique_repository();
        openfund::store::repositories::insert_linked(
            &mut self.app.conn(),
            ProjectId(self.project_id),
            &name,
            &name.to_ascii_lowercase(),
            PLANTED_SECRET,
            UserId(self.owner_id()),
            openfund::db::now(),
        )
        .unwrap()
        .unwrap();
        name
    }

    /// A contributor with a GitHub identity of its own; returns its id.
    fn plant_contributor(&self) -> i64 {
        use openfund::db::schema::contributors;
        let github_id = i64::from(rand_u32()) + 1;
        let now = openfund::db::now();
        let mut conn = self.app.conn();
        diesel::insert_into(contributors::table)
            .values((
                contributors::github_user_id.eq(github_id),
                contributors::login.eq(format!("planted-{github_id}")),
                contributors::is_bot.eq(false),
                contributors::created_at.eq(now),
                contributors::updated_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
        contributors::table
            .filter(contributors::github_user_id.eq(github_id))
            .select(contributors::id)
            .first(&mut conn)
            .unwrap()
    }

    /// Work recorded in the project by its owner; returns the contribution's id.
    fn plant_recorded_work(&self) -> i64 {
        use openfund::db::schema::contributions;
        let key = format!("recorded:{}", uuid::Uuid::new_v4().simple());
        let now = openfund::db::now();
        let mut conn = self.app.conn();
        diesel::insert_into(contributions::table)
            .values((
                contributions::project_id.eq(self.project_id),
                contributions::contributor_id.eq(self.plant_contributor()),
                contributions::kind.eq("doc"),
                contributions::source_key.eq(&key),
                contributions::occurred_at.eq(now),
                contributions::title.eq(Some("Planted")),
                contributions::recorded_by.eq(Some(self.owner_id())),
                contributions::created_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
        contributions::table
            .filter(contributions::source_key.eq(&key))
            .select(contributions::id)
            .first(&mut conn)
            .unwrap()
    }

    /// A new account made a maintainer of the project; returns its id.
    fn plant_maintainer(&self) -> i64 {
        let id = self.app.insert_account(&fresh_email(), true, false);
        diesel::insert_into(project_members::table)
            .values((
                project_members::project_id.eq(self.project_id),
                project_members::user_id.eq(id),
                project_members::role.eq("maintainer"),
                project_members::created_at.eq(openfund::db::now()),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
        id
    }

    /// A GitHub contributor with one commit in the project; returns the contributor's id.
    fn plant_credited_contributor(&self) -> i64 {
        use openfund::db::schema::{contributions, contributors};
        let key = uuid::Uuid::new_v4();
        let github_id = i64::from(u32::from_le_bytes(key.as_bytes()[..4].try_into().unwrap())) + 1;
        let now = openfund::db::now();
        let mut conn = self.app.conn();
        diesel::insert_into(contributors::table)
            .values((
                contributors::github_user_id.eq(github_id),
                contributors::login.eq(format!("credited-{github_id}")),
                contributors::is_bot.eq(false),
                contributors::created_at.eq(now),
                contributors::updated_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
        let id: i64 = contributors::table
            .filter(contributors::github_user_id.eq(github_id))
            .select(contributors::id)
            .first(&mut conn)
            .unwrap();
        diesel::insert_into(contributions::table)
            .values((
                contributions::project_id.eq(self.project_id),
                contributions::contributor_id.eq(id),
                contributions::kind.eq("doc"),
                contributions::source_key.eq(format!("planted:{}", key.simple())),
                contributions::recorded_by.eq(Some(self.owner_id())),
                contributions::occurred_at.eq(now),
                contributions::created_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
        id
    }

    /// An active identity merge of two planted contributors; returns its id.
    fn plant_identity_merge(&self) -> i64 {
        use openfund::db::schema::identity_merges;
        let (from, into) = (
            self.plant_credited_contributor(),
            self.plant_credited_contributor(),
        );
        let mut conn = self.app.conn();
        diesel::insert_into(identity_merges::table)
            .values((
                identity_merges::project_id.eq(self.project_id),
                identity_merges::from_contributor_id.eq(from),
                identity_merges::into_contributor_id.eq(into),
                identity_merges::created_by.eq(self.owner_id()),
                identity_merges::created_at.eq(openfund::db::now()),
            ))
            .execute(&mut conn)
            .unwrap();
        identity_merges::table
            .filter(identity_merges::from_contributor_id.eq(from))
            .select(identity_merges::id)
            .first(&mut conn)
            .unwrap()
    }

    /// An open goal of the project with a money target; returns its id.
    fn plant_goal(&self) -> i64 {
        use openfund::domain::goal::GoalStatus;
        use openfund::store::goals::{NewGoalRow, insert};
        let now = openfund::db::now();
        insert(
            &mut self.app.conn(),
            &NewGoalRow {
                project_id: ProjectId(self.project_id),
                title: "Planted goal",
                description: "",
                deadline: None,
                money_target_minor: Some(100_000),
                status: GoalStatus::Open,
                created_by: UserId(self.owner_id()),
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap()
        .id
        .get()
    }

    /// A class in the catalogue that the project values; returns its code.
    fn plant_value(&self) -> String {
        let code = self.plant_accelerator();
        let mut conn = self.app.conn();
        let id = openfund::store::accelerators::ids_of(&mut conn, &[code.as_str()]).unwrap()[0].1;
        openfund::store::goals::set_value(&mut conn, ProjectId(self.project_id), id, 100).unwrap();
        code
    }

    /// The public contact, licence and repository the funding manifest needs.
    fn complete_manifest_settings(&self) {
        use openfund::db::schema::projects;
        diesel::update(projects::table.find(self.project_id))
            .set((
                projects::contact_name.eq("Matrix Maintainer"),
                projects::contact_email.eq("matrix@example.org"),
                projects::license.eq("MIT"),
                projects::repository_url.eq("https://example.org/matrix.git"),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
    }

    /// The project owner's user id.
    fn owner_id(&self) -> i64 {
        self.caller(Owner).user.as_ref().unwrap().id
    }

    /// Whose pledge a row about a pledge, delivery, instalment or approval acts on: the
    /// caller's own (an anonymous caller has none: then the owner's).
    fn own(&self, c: &Caller) -> i64 {
        c.user.as_ref().map_or(self.owner_id(), |u| u.id)
    }

    /// A one-time pledge of 5 US dollars to the project by `sponsor`, still pledged;
    /// returns its id.
    fn plant_pledge(&self, sponsor: i64) -> i64 {
        use openfund::domain::pledge::{PledgeKind, PledgeState, Recurrence};
        use openfund::store::pledges::{NewMoneyPledgeRow, insert_money};
        let now = openfund::db::now();
        insert_money(
            &mut self.app.conn(),
            &NewMoneyPledgeRow {
                project_id: ProjectId(self.project_id),
                sponsor_id: UserId(sponsor),
                goal_id: None,
                kind: PledgeKind::Money,
                state: PledgeState::Pledged,
                anonymous: false,
                message: None,
                currency: Some("USD"),
                amount_minor: Some(500),
                recurrence: Some(Recurrence::OneTime),
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap()
        .id
        .get()
    }

    /// A monthly pledge by `sponsor` with its first instalment due; returns the
    /// instalment's id.
    fn plant_instalment(&self, sponsor: i64) -> i64 {
        use diesel::QueryDsl;
        use openfund::db::schema::{instalments, pledges};
        let pledge = self.plant_pledge(sponsor);
        diesel::update(pledges::table.find(pledge))
            .set(pledges::recurrence.eq("monthly"))
            .execute(&mut self.app.conn())
            .unwrap();
        let now = openfund::db::now();
        diesel::insert_into(instalments::table)
            .values((
                instalments::pledge_id.eq(pledge),
                instalments::seq.eq(0),
                instalments::due_at.eq(now),
                instalments::amount_minor.eq(500_i64),
                instalments::state.eq("due"),
                instalments::created_at.eq(now),
            ))
            .returning(instalments::id)
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    /// A compute pledge of 6000 GPU-minutes of a new class to the project by `sponsor`,
    /// still pledged, its window ending in 30 days; returns its id and class code.
    fn plant_compute_pledge(&self, sponsor: i64) -> (i64, String) {
        use openfund::domain::pledge::{PledgeKind, PledgeState};
        use openfund::store::pledges::{NewComputePledgeRow, insert_compute};
        let class = self.plant_accelerator();
        let mut conn = self.app.conn();
        let accelerator = openfund::store::accelerators::id_of(&mut conn, &class)
            .unwrap()
            .unwrap();
        let now = openfund::db::now();
        let id = insert_compute(
            &mut conn,
            &NewComputePledgeRow {
                project_id: ProjectId(self.project_id),
                sponsor_id: UserId(sponsor),
                goal_id: None,
                kind: PledgeKind::Compute,
                state: PledgeState::Pledged,
                anonymous: false,
                message: None,
                accelerator_id: Some(accelerator),
                gpu_minutes: Some(6000),
                provider: None,
                window_start: Some(now),
                window_end: Some(now + chrono::Duration::days(30)),
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap()
        .id
        .get();
        // Its grant, as creating it through the API posts.
        {
            use openfund::domain::compute::AcceleratorClass;
            use openfund::domain::ledger::{
                Commodity, Entry, LedgerAccount, NewTransaction, TransactionKind,
            };
            let commodity = Commodity::Compute(AcceleratorClass::parse("class", &class).unwrap());
            let grant = NewTransaction::new(
                "planted grant",
                vec![
                    Entry {
                        account: LedgerAccount::ProjectComputeReceivable(ProjectId(
                            self.project_id,
                        )),
                        commodity: commodity.clone(),
                        amount: 6000,
                    },
                    Entry {
                        account: LedgerAccount::SponsorContributions(UserId(sponsor)),
                        commodity,
                        amount: -6000,
                    },
                ],
            )
            .unwrap();
            openfund::db::tx::run_write(&mut conn, |tx| {
                openfund::app::ledger::post(
                    tx,
                    Some(ProjectId(self.project_id)),
                    TransactionKind::Pledge,
                    &grant,
                    openfund::app::ledger::Links {
                        pledge: Some(openfund::domain::ids::PledgeId(id)),
                        ..Default::default()
                    },
                    None,
                    now,
                )
            })
            .unwrap();
        }
        (id, class)
    }

    /// A delivery of 60 GPU-minutes on a new compute pledge of `sponsor`'s, reported by
    /// `sponsor`; returns its id.
    fn plant_delivery(&self, sponsor: i64) -> i64 {
        use openfund::domain::delivery::{DeliverySource, DeliveryState};
        use openfund::store::deliveries::{NewDeliveryRow, insert};
        let (pledge, _) = self.plant_compute_pledge(sponsor);
        insert(
            &mut self.app.conn(),
            &NewDeliveryRow {
                pledge_id: openfund::domain::ids::PledgeId(pledge),
                gpu_minutes: 60,
                evidence: "planted",
                source: DeliverySource::Report,
                state: DeliveryState::Reported,
                reported_by: Some(UserId(sponsor)),
                reported_token_id: None,
                decided_by: None,
                decided_at: None,
                created_at: openfund::db::now(),
            },
        )
        .unwrap()
        .id
        .get()
    }

    /// Maps a new Slurm GPU type to `class`; returns the type's name.
    fn plant_slurm_type(&self, class: &str) -> String {
        let name = format!("g{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let mut conn = self.app.conn();
        let accelerator = openfund::store::accelerators::id_of(&mut conn, class)
            .unwrap()
            .unwrap();
        openfund::store::deliveries::put_slurm_type(
            &mut conn,
            ProjectId(self.project_id),
            &name,
            accelerator,
        )
        .unwrap();
        name
    }

    /// A job that gave up; returns its id.
    fn plant_failed_job(&self) -> i64 {
        let now = openfund::db::now();
        diesel::insert_into(jobs::table)
            .values((
                jobs::kind.eq(PLANTED_JOB_KIND),
                jobs::payload.eq("{}"),
                jobs::state.eq("failed"),
                jobs::attempts.eq(1),
                jobs::max_attempts.eq(1),
                jobs::run_at.eq(now),
                jobs::last_error.eq("planted by the permission matrix"),
                jobs::created_at.eq(now),
                jobs::updated_at.eq(now),
            ))
            .returning(jobs::id)
            .get_result(&mut self.app.conn())
            .unwrap()
    }
}

/// A new account of the given kind, signed in, with its token if it is a token kind.
/// The owner creates a project of its own; a maintainer is added to `project` (id and
/// slug); a sponsor pledges to it through the API.
async fn make_caller(app: &TestApp, who: Who, project: Option<&(i64, String)>) -> Caller {
    let (admin, scopes): (bool, &[&str]) = match who {
        Anonymous => {
            return Caller {
                who,
                user: None,
                bearer: None,
                refresh: None,
                token_id: None,
                created: None,
            };
        }
        ReadToken => (false, &["read"]),
        WriteToken => (false, &["read", "write"]),
        User | Sponsor | Owner | Maintainer => (false, &[]),
        Admin => (true, &[]),
        AdminToken => (true, &["read", "write"]),
        AdminScopedToken => (true, &["read", "admin"]),
        AdminFullToken => (true, &["read", "write", "admin"]),
    };
    let user = if admin {
        app.admin().await
    } else {
        app.user().await
    };
    let mut caller = Caller {
        who,
        user: Some(Account {
            id: user.id,
            email: user.email.clone(),
        }),
        bearer: Some(user.token.clone()),
        refresh: Some(user.refresh.clone()),
        token_id: None,
        created: None,
    };
    match who {
        Owner => {
            let slug = unique_slug();
            let res = app
                .create_project(
                    &user.token,
                    &json!({"slug": slug, "name": "Matrix project", "kind": "model"}),
                )
                .await;
            assert_eq!(res.status().as_u16(), 201, "the owner creates its project");
            let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            caller.created = Some((id, slug));
        }
        Maintainer => {
            let n = diesel::insert_into(project_members::table)
                .values((
                    project_members::project_id.eq(project.expect("a project").0),
                    project_members::user_id.eq(user.id),
                    project_members::role.eq("maintainer"),
                    project_members::created_at.eq(openfund::db::now()),
                ))
                .execute(&mut app.conn())
                .unwrap();
            assert_eq!(n, 1);
        }
        Sponsor => {
            let (_, slug) = project.expect("a project");
            let res = app
                .client
                .post(app.url(&format!("/api/v1/projects/{slug}/pledges")))
                .bearer_auth(&user.token)
                .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                .json(&json!({
                    "kind": "money",
                    "amount": {"currency": "USD", "amount_minor": 2500},
                    "message": "From the matrix's sponsor"
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 201, "the sponsor pledges");
        }
        _ => {}
    }
    if !scopes.is_empty() {
        let res = app
            .client
            .post(app.url("/api/v1/me/tokens"))
            .bearer_auth(&user.token)
            .json(&json!({"name": format!("{who:?}"), "scopes": scopes}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201, "{who:?}: create its token");
        let created: Value = res.json().await.unwrap();
        caller.bearer = Some(created["secret"].as_str().unwrap().to_owned());
        caller.token_id = created["token"]["id"].as_i64();
        // A token caller is a program, not a browser.
        caller.refresh = None;
    }
    caller
}

/// An `owner/name` no project has linked.
/// The webhook secret of every repository [`World::plant_repository`] links.
const PLANTED_SECRET: &str = "5555555555555555555555555555555555555555555555555555555555555555";

/// A random number for planted GitHub ids.
fn rand_u32() -> u32 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn unique_repository() -> String {
    format!(
        "matrix-org/Repo-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

fn unique_slug() -> String {
    format!(
        "matrix-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

fn fresh_email() -> String {
    format!(
        "matrix-{}@example.org",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// Every (METHOD, path template) of an OpenAPI document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                ops.push((m.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// The operations the server serves (its own document) and the committed snapshot.
fn documented_operations() -> Vec<(String, String)> {
    let served = serde_json::to_value(openfund::api::openapi()).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read the snapshot")).unwrap();
    let mut ops = operations(&served);
    ops.extend(operations(&committed));
    ops.sort();
    ops.dedup();
    ops
}

/// Fails when the document and the table disagree on which operations exist.
fn assert_table_covers_the_document(rows: &[Row]) {
    let documented = documented_operations();
    let missing: Vec<String> = documented
        .iter()
        .filter(|(m, p)| !rows.iter().any(|r| r.method == m && r.path == p))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the permission matrix (tests/api/matrix.rs): add one \
         per operation with what each kind of caller must get:\n  {}",
        missing.join("\n  ")
    );
    let stale: Vec<String> = rows
        .iter()
        .filter(|r| !documented.iter().any(|(m, p)| r.method == m && r.path == p))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for operations the OpenAPI document does not have:\n  {}",
        stale.join("\n  ")
    );
}

async fn send(w: &World, row: &Row, caller: &Caller, call: Call) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
    let path = call.path.unwrap_or_else(|| {
        assert!(
            !row.path.contains('{'),
            "{}: give the concrete path",
            row.path
        );
        row.path.to_owned()
    });
    let mut req = w
        .app
        .client
        .request(method, w.app.url(&path))
        // Creating a pledge needs one; every other operation ignores it.
        .header("idempotency-key", uuid::Uuid::new_v4().to_string());
    if let Some(bearer) = &caller.bearer {
        req = req.bearer_auth(bearer);
    }
    if let Some(body) = &call.body {
        req = req.json(body);
    }
    if let Some(raw) = call.raw {
        req = req.header("content-type", "application/json").body(raw);
    }
    for (name, value) in call.headers {
        req = req.header(name, value);
    }
    if let Some(cookie) = call.cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.expect("request failed")
}

/// Does the response match the expectation? Err says how it does not.
async fn check(res: reqwest::Response, expect: Expect) -> Result<(), String> {
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let location = header("location");
    let is_problem = content_type.starts_with("application/problem+json");
    let body = res.text().await.unwrap_or_default();
    match expect {
        Allowed(want) if status == want && !is_problem => Ok(()),
        Allowed(want) => Err(format!("expected {want}, got {status} {body}")),
        Refused(want, code) => {
            if status != want {
                return Err(format!("expected {want} {code}, got {status} {body}"));
            }
            if !is_problem {
                return Err(format!("a refusal as {content_type:?}, not a problem"));
            }
            let problem: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
            if problem["code"] != code || problem["status"] != want {
                return Err(format!("expected code {code}, got {problem}"));
            }
            Ok(())
        }
        Redirect(to) if status == 303 && location == to => Ok(()),
        Redirect(to) => Err(format!(
            "expected 303 to {to}, got {status} to {location:?}"
        )),
    }
}

/// The accounts behind the API tokens were refused everything that manages an account:
/// nothing about them changed, and their tokens still work.
async fn assert_token_accounts_untouched(w: &World) {
    let token_kinds = WHO.iter().filter(|who| w.caller(**who).token_id.is_some());
    for who in token_kinds {
        let c = w.caller(*who);
        let account = c.user.as_ref().unwrap();
        let res = w.app.get_as("/api/v1/me", c.bearer.as_ref().unwrap()).await;
        assert_eq!(res.status().as_u16(), 200, "{who:?}: the token still works");
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["display_name"], "Test User", "{who:?}");
        assert_eq!(me["email"], account.email.as_str(), "{who:?}");
        assert_eq!(me["github_login"], Value::Null, "{who:?}");
        let res = w.app.login(&account.email, PASSWORD).await;
        assert_eq!(
            res.status().as_u16(),
            200,
            "{who:?}: the password is unchanged"
        );
        let tokens: i64 = api_tokens::table
            .filter(api_tokens::user_id.eq(account.id))
            .count()
            .get_result(&mut w.app.conn())
            .unwrap();
        assert_eq!(tokens, 1, "{who:?}: no token was created or revoked");
    }
}

#[tokio::test]
async fn every_operation_answers_every_kind_of_caller_as_the_table_says() {
    let rows = table();
    assert_table_covers_the_document(&rows);
    let w = World::new().await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for row in &rows {
        for (who, expect) in WHO.iter().zip(row.expect) {
            let fresh;
            let caller = if row.fresh && matches!(expect, Allowed(_)) {
                fresh = w.fresh(*who).await;
                &fresh
            } else {
                w.caller(*who)
            };
            let call = (row.call)(&w, caller);
            let res = send(&w, row, caller, call).await;
            calls += 1;
            if let Err(why) = check(res, expect).await {
                let variant = if row.variant.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", row.variant)
                };
                failures.push(format!(
                    "{} {}{variant} as {who:?}: {why}",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls did not get what the table says:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_token_accounts_untouched(&w).await;
}
