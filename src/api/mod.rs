//! HTTP surface: shared state, the OpenAPI document, and the route tree. Handlers are
//! thin: they parse, call the application layer (`app`), and shape replies; use-case
//! errors become problems in `problems`.

pub mod accelerators;
pub mod accounts;
pub mod admin;
pub mod auth;
pub mod body;
pub mod compute;
pub mod contributions;
pub mod error;
pub mod exports;
pub mod frontend;
pub mod github;
pub mod goals;
pub mod headers;
pub mod health;
pub mod identities;
pub mod ledger;
pub mod me;
pub mod observe;
pub mod overview;
pub mod pledges;
pub mod problems;
pub mod projects;
pub mod repositories;
pub mod routes;
pub mod sponsors;
pub mod webhooks;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::Services;
use crate::domain::net::{ForwardedHeader, TrustedProxies};
use crate::github::GithubOAuth;
pub use error::{ApiError, Problem};

/// What every handler can reach.
pub struct AppState {
    /// The application layer: database, password hasher, mail, tokens, limits.
    pub services: Services,
    pub metrics: observe::Metrics,
    pub routes: routes::RouteTable,
    pub frontend: frontend::Frontend,
    pub github: Option<GithubOAuth>,
    /// How the activity sync authenticates to GitHub (shown with repositories).
    pub github_auth: crate::github::rest::AuthMode,
    pub mail_delivery: bool,
    /// Proxies whose forwarding headers are believed, and which header they write.
    pub proxies: TrustedProxies,
    pub forwarded_header: ForwardedHeader,
    /// Each project's serialized overview (`/projects/{slug}/overview`), see
    /// [`crate::app::overview::OverviewCache`].
    pub overview_cache: crate::app::overview::OverviewCache<actix_web::web::Bytes>,
    /// Each project's ranked contributors list (`/projects/{slug}/contributors`), see
    /// [`crate::app::recognition::ContributorsCache`].
    pub contributors_cache: crate::app::recognition::ContributorsCache,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpenFund API",
        description = "Funding, compute and recognition for open AI projects. Errors are \
                       application/problem+json (RFC 9457) with a stable `code`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "projects", description = "Open AI projects raising money and compute"),
        (name = "accelerators", description = "The catalogue of accelerator classes compute is counted in"),
        (name = "goals", description = "Funding goals with their progress, and each project's fair-market value of compute"),
        (name = "pledges", description = "Money and compute pledged to projects, received and cancelled"),
        (name = "compute", description = "Compute deliveries against pledges, Slurm accounting uploads and their GPU type map"),
        (name = "ledger", description = "Each project's public double-entry ledger, balances and expenses, and its CSV and Beancount exports"),
        (name = "sponsors", description = "Sponsor profiles, the maintainers' approval and each project's public sponsor wall"),
        (name = "repositories", description = "GitHub repositories linked to projects: webhooks and sync status"),
        (name = "recognition", description = "Who contributed what: each project's contributors with counts per kind, its activity feed, and work maintainers record"),
        (name = "auth", description = "Registration, sign-in, sessions and password reset"),
        (name = "account", description = "The signed-in account and its API tokens"),
        (name = "admin", description = "Operator views: jobs and the mail outbox"),
        (name = "operations", description = "Health, readiness and metrics")
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Routes under `/api/v1`, collected into the OpenAPI document as they are registered.
fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(health::instance)
        .service(accelerators::list_accelerators)
        .service(accelerators::create_accelerator)
        .service(accelerators::rename_accelerator)
        .service(projects::list)
        .service(projects::create)
        .service(projects::get)
        .service(overview::project_overview)
        .service(projects::update_project)
        .service(projects::archive_project)
        .service(projects::unarchive_project)
        .service(projects::list_project_members)
        .service(projects::add_project_member)
        .service(projects::remove_project_member)
        .service(projects::my_projects)
        .service(repositories::list_repositories)
        .service(repositories::link_repository)
        .service(repositories::rotate_repository_secret)
        .service(repositories::unlink_repository)
        .service(repositories::sync_repository)
        .service(webhooks::github_webhook)
        .service(identities::merge_identities)
        .service(identities::list_identity_merges)
        .service(identities::undo_identity_merge)
        .service(contributions::list_contributors)
        .service(contributions::list_activity)
        .service(contributions::record_contribution)
        .service(contributions::delete_contribution)
        .service(ledger::list_ledger)
        .service(exports::ledger_csv)
        .service(exports::ledger_beancount)
        .service(exports::funding_json)
        .service(sponsors::sponsor_wall)
        .service(sponsors::pending_sponsors)
        .service(sponsors::approve_sponsor)
        .service(sponsors::reject_sponsor)
        .service(ledger::reverse_transaction)
        .service(ledger::project_balances)
        .service(ledger::create_expense)
        .service(ledger::list_expenses)
        .service(goals::list_goals)
        .service(goals::create_goal)
        .service(goals::get_goal)
        .service(goals::update_goal)
        .service(goals::close_goal)
        .service(goals::list_accelerator_values)
        .service(goals::set_accelerator_value)
        .service(goals::delete_accelerator_value)
        .service(pledges::create_pledge)
        .service(pledges::confirm_pledge)
        .service(pledges::cancel_pledge)
        .service(pledges::my_pledges)
        .service(pledges::project_pledges)
        .service(pledges::project_instalments)
        .service(pledges::confirm_instalment)
        .service(compute::report_delivery)
        .service(compute::pledge_deliveries)
        .service(compute::create_pledge_token)
        .service(compute::project_deliveries)
        .service(compute::confirm_delivery)
        .service(compute::reject_delivery)
        .service(compute::list_slurm_gpu_types)
        .service(compute::put_slurm_gpu_type)
        .service(compute::delete_slurm_gpu_type)
        .service(compute::preview_slurm)
        .service(compute::confirm_slurm)
        .service(accounts::register)
        .service(accounts::verify_email)
        .service(accounts::resend_verification)
        .service(accounts::login)
        .service(accounts::refresh)
        .service(accounts::logout)
        .service(accounts::password_reset)
        .service(accounts::password_reset_confirm)
        .service(github::start)
        .service(github::callback)
        .service(me::me)
        .service(me::update_me)
        .service(me::delete_me)
        .service(me::change_password)
        .service(me::change_email)
        .service(me::unlink_github)
        .service(me::list_tokens)
        .service(me::create_token)
        .service(me::revoke_token)
        .service(sponsors::my_sponsor_profile)
        .service(sponsors::update_sponsor_profile)
        .service(admin::list_jobs)
        .service(admin::retry_job)
        .service(admin::retry_jobs)
        .service(admin::list_outbox);
}

/// Operational routes at the root.
fn operations(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
}

/// Registers every documented route on an app; returns the app and its OpenAPI document.
pub fn mount<T>(app: actix_web::App<T>) -> (actix_web::App<T>, utoipa::openapi::OpenApi)
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    let (app, mut api) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(operations)
        .service(utoipa_actix_web::scope("/api/v1").configure(api_v1))
        .split_for_parts();
    add_standard_problems(&mut api);
    (app, api)
}

/// Documents the problems any operation can answer whatever its handler does: body
/// errors for operations that take a body, query errors for those with parameters.
fn add_standard_problems(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                error::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let mut standard = Vec::new();
            if op.request_body.is_some() {
                standard.extend([
                    ("400", "Malformed JSON (`malformed_json`)"),
                    ("413", "Body too large (`payload_too_large`)"),
                    ("415", "Body is not JSON (`unsupported_media_type`)"),
                    ("422", "The body does not fit the schema (`invalid_body`) or breaks a rule (`validation_failed`)"),
                ]);
            }
            let has_query = op.parameters.iter().flatten().any(|p| {
                matches!(p, utoipa::openapi::RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
            });
            if has_query {
                standard.push((
                    "400",
                    "Invalid parameters (`invalid_query`, `invalid_parameter`)",
                ));
            }
            for (status, description) in standard {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description).into());
            }
        }
    }
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    mount(actix_web::App::new()).1
}
