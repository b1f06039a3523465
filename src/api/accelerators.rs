//! `/api/v1/accelerators`: the accelerator catalogue. Parse, call `app::accelerators`,
//! answer.

use crate::api::body::JsonObject;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::app::accelerators;
use crate::domain::{AcceleratorClass, AcceleratorName};
use crate::store::accelerators::AcceleratorRow;

/// A class of accelerator compute is pledged and counted in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Accelerator {
    /// The class's code, as in `{"accelerator": "H100-80GB", "gpu_minutes": 60000}`.
    #[schema(example = "H100-80GB")]
    pub code: String,
    #[schema(example = "NVIDIA H100 80GB")]
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<AcceleratorRow> for Accelerator {
    fn from(r: AcceleratorRow) -> Self {
        Accelerator {
            code: r.code,
            display_name: r.display_name,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// The catalogue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceleratorList {
    pub items: Vec<Accelerator>,
}

/// The accelerator catalogue, by code.
#[utoipa::path(
    tag = "accelerators",
    responses(
        (status = 200, description = "Every class", body = AcceleratorList),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/accelerators")]
pub async fn list_accelerators(
    state: web::Data<AppState>,
) -> Result<web::Json<AcceleratorList>, ApiError> {
    let rows = state.services.db.read(accelerators::list).await?;
    Ok(web::Json(AcceleratorList {
        items: rows.into_iter().map(Accelerator::from).collect(),
    }))
}

/// A new class for the catalogue.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateAccelerator {
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", example = "H100-80GB")]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$",
        example = "NVIDIA H100 80GB"
    )]
    pub display_name: String,
}

/// Add a class to the catalogue. Site admins (an API token needs `admin` and `write`);
/// 409 `accelerator_exists` if the code is in it.
#[utoipa::path(
    tag = "accelerators",
    security(("bearer" = [])),
    request_body = CreateAccelerator,
    responses(
        (status = 201, description = "Added", body = Accelerator),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site admin, or a token without write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is in the catalogue", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/accelerators")]
pub async fn create_accelerator(
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<CreateAccelerator>,
) -> Result<HttpResponse, ApiError> {
    let class = AcceleratorClass::parse("code", &body.code);
    let name = AcceleratorName::parse("display_name", &body.display_name);
    let (class, name) = match (class, name) {
        (Ok(c), Ok(n)) => (c, n),
        (c, n) => {
            let errors = [c.err(), n.err()].into_iter().flatten().collect();
            return Err(ApiError::validation(errors));
        }
    };
    let who = caller.0;
    let row = state
        .services
        .db
        .write(move |tx| accelerators::create(tx, &who, &class, &name, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(Accelerator::from(row)))
}

/// A new display name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RenameAccelerator {
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub display_name: String,
}

/// Rename a class (its code never changes: ledger entries name it). Site admins.
#[utoipa::path(
    tag = "accelerators",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The class's code")),
    request_body = RenameAccelerator,
    responses(
        (status = 200, description = "Renamed", body = Accelerator),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site admin, or a token without write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such class", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid display name", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/accelerators/{code}")]
pub async fn rename_accelerator(
    caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: JsonObject<RenameAccelerator>,
) -> Result<web::Json<Accelerator>, ApiError> {
    let name = AcceleratorName::parse("display_name", &body.display_name)
        .map_err(|v| ApiError::validation(vec![v]))?;
    let (code, who) = (code.into_inner(), caller.0);
    let row = state
        .services
        .db
        .write(move |tx| accelerators::rename(tx, &who, &code, &name))
        .await?;
    Ok(web::Json(Accelerator::from(row)))
}
