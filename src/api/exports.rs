//! Downloads of a project's public ledger (`…/ledger.csv`, `…/ledger.beancount`) and
//! its funding manifest (`…/funding.json`). Parse, call `app::exports`, answer.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiError, AppState, Problem};
use crate::app::exports::{self, Site};
use crate::domain::Violation;
use crate::domain::exports::LedgerFilter;
use crate::domain::funding::Manifest;
use crate::domain::ledger::{Commodity, TransactionKind};

/// The filters the JSON ledger and both exports take.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only transactions of this kind.
    #[param(inline)]
    pub kind: Option<TransactionKind>,
    /// Only transactions that move this commodity: an ISO 4217 code (`USD`) or `GPU:`
    /// and an accelerator class (`GPU:H100-80GB`). The CSV then lists only that
    /// commodity's entries.
    #[param(
        pattern = "^([A-Z]{3}|GPU:[A-Za-z0-9][A-Za-z0-9._-]{0,31})$",
        example = "USD"
    )]
    pub commodity: Option<String>,
    /// Only transactions on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Only transactions on or before this day (UTC).
    pub to: Option<NaiveDate>,
}

/// The ledger filter the query asks for. Errors (400 `invalid_parameter`): a commodity
/// that is neither three capital letters nor `GPU:` and a class.
pub fn ledger_filter(
    kind: Option<TransactionKind>,
    commodity: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<LedgerFilter, ApiError> {
    // A well-formed currency code that ISO 4217 lacks (`ZYJ`) names a commodity no
    // ledger holds: it selects nothing rather than being an error.
    let commodity = match commodity {
        None => None,
        Some(c) => match Commodity::parse("commodity", c) {
            Ok(parsed) => Some(parsed.to_string()),
            Err(_) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
                Some(c.to_owned())
            }
            Err(v) => return Err(ApiError::invalid_parameters(vec![v])),
        },
    };
    // `from` after `to` is an empty range, not an error (no schema can say which is
    // later).
    // A day past 9999-12-31 has five-digit years, which SQLite's text timestamps would
    // compare wrongly: from there on, no upper bound.
    let until = match to.filter(|d| *d < last_day()) {
        Some(to) => Some(
            to.succ_opt()
                .ok_or_else(|| {
                    ApiError::invalid_parameters(vec![Violation::new(
                        "to",
                        "range",
                        "is too far in the future",
                    )])
                })?
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        ),
        None => None,
    };
    Ok(LedgerFilter {
        kind,
        commodity,
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        until,
    })
}

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

impl ExportQuery {
    fn filter(&self) -> Result<LedgerFilter, ApiError> {
        ledger_filter(self.kind, self.commodity.as_deref(), self.from, self.to)
    }
}

fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// A project's public ledger as CSV, oldest first, one row per entry, with the header
/// `transaction_id,occurred_at,kind,description,reverses_id,expense_id,account,commodity,amount,amount_minor`:
/// `amount` is the exact decimal in the currency's major unit (`-15.00` USD, `1500`
/// JPY, `1.500` KWD; compute in GPU-minutes), `amount_minor` the signed integer as
/// stored (minor units or GPU-minutes). Sponsors' accounts are `Income:Sponsors`, as
/// in the JSON ledger. Takes the JSON ledger's filters.
#[utoipa::path(
    tag = "ledger",
    params(("slug" = String, Path, description = "The project's slug"), ExportQuery),
    responses(
        (status = 200, description = "The ledger as CSV (RFC 4180, UTF-8), an attachment", body = String, content_type = "text/csv"),
        (status = 400, description = "Invalid filters", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/ledger.csv")]
pub async fn ledger_csv(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let slug = slug.into_inner();
    let name = format!("{slug}-ledger.csv");
    let body = state
        .services
        .db
        .read(move |conn| exports::ledger_csv(conn, &slug, &filter))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header(attachment(&name))
        .body(body))
}

/// A project's public ledger as a Beancount journal that `bean-check` accepts: the
/// project's currency as operating currency, a `commodity` directive per commodity
/// (compute classes named `GPU.<class>`, counted in GPU-minutes), an `open` per
/// account on its first use, and one transaction per ledger transaction with exact
/// decimal amounts (JPY 0, USD 2, KWD 3 decimals), linked `^openfund-tx-<id>` (a
/// reversal also to its original). Sponsors' accounts are `Income:Sponsors`. Takes
/// the JSON ledger's filters.
#[utoipa::path(
    tag = "ledger",
    params(("slug" = String, Path, description = "The project's slug"), ExportQuery),
    responses(
        (status = 200, description = "The Beancount journal (UTF-8 text), an attachment", body = String, content_type = "text/plain"),
        (status = 400, description = "Invalid filters", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/ledger.beancount")]
pub async fn ledger_beancount(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let slug = slug.into_inner();
    let name = format!("{slug}.beancount");
    let body = state
        .services
        .db
        .read(move |conn| exports::journal(conn, &slug, &filter))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header(attachment(&name))
        .body(body))
}

/// The project's funding manifest in the FLOSS/fund `funding.json` v1.0.0 format
/// (<https://fundingjson.org>): the public contact as entity, the project with its
/// repository, licences and tags, a channel to pledge here, plans for one-time and
/// monthly pledges of any amount and one per goal with a money target, and income and
/// expenses per year from the ledger. Amounts are JSON numbers in the currency's major
/// unit, written exactly from integer minor units. 409 `funding_manifest_incomplete`
/// while the project lacks a public contact name or email, a licence or a repository
/// URL (the problem's `errors` name them).
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The manifest", body = Manifest),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project lacks settings the manifest requires", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/funding.json")]
pub async fn funding_json(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let public_url = state
        .services
        .mail
        .public_url
        .trim_end_matches('/')
        .to_owned();
    let manifest = state
        .services
        .db
        .read(move |conn| {
            exports::funding_manifest(
                conn,
                &slug,
                &Site {
                    public_url: &public_url,
                },
            )
        })
        .await?;
    let body = crate::domain::funding::to_json(&manifest).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(body))
}
