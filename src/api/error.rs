//! The one API error type, rendered as `application/problem+json` (RFC 9457) with a
//! stable `code`. Causes go to the log, never to the client.

use std::fmt;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;
use crate::domain::Violation;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// URI naming the problem type: `urn:openfund:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code, e.g. `not_found`, `validation_failed`.
    pub code: String,
    /// Field-level violations, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Violation>,
}

/// Error returned by handlers and extractors.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: Option<String>,
    errors: Vec<Violation>,
    www_authenticate: bool,
    allow: Option<String>,
    retry_after: Option<u64>,
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        ApiError {
            status,
            code,
            detail: None,
            errors: Vec::new(),
            www_authenticate: false,
            allow: None,
            retry_after: None,
            source: None,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Field-level details for a problem other than `validation_failed` (e.g. a refused
    /// upload's bad lines, a manifest's missing settings).
    pub fn with_errors(mut self, errors: Vec<Violation>) -> Self {
        self.errors = errors;
        self
    }

    /// 422 `invalid_body`: the JSON body parsed but does not fit the operation's schema.
    pub fn invalid_body(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").with_detail(detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code).with_detail(detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found").with_detail(detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code).with_detail(detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, code).with_detail(detail);
        e.www_authenticate = true;
        e
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code).with_detail(detail)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited").with_detail(format!(
            "too many attempts; try again in {retry_after_secs} s"
        ));
        e.retry_after = Some(retry_after_secs);
        e
    }

    pub fn method_not_allowed(allow: String) -> Self {
        let mut e = Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            .with_detail(format!("allowed methods: {allow}"));
        e.allow = Some(allow);
        e
    }

    pub fn validation(errors: Vec<Violation>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .with_detail("the request has invalid fields; see `errors`");
        e.errors = errors;
        e
    }

    /// Parameters outside their allowed range: a bad request, with the fields named.
    pub fn invalid_parameters(errors: Vec<Violation>) -> Self {
        let mut e = Self::bad_request(
            "invalid_parameter",
            "invalid query parameters; see `errors`",
        );
        e.errors = errors;
        e
    }

    /// The server is saturated (e.g. the password-hashing queue is full): try again.
    pub fn busy(detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "server_busy").with_detail(detail);
        e.retry_after = Some(1);
        e
    }

    pub fn unavailable(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
            .with_detail("the database is not reachable; try again shortly");
        e.source = Some(source.into());
        e
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal");
        e.source = Some(source.into());
        e
    }

    /// The problem an HTTP status means when nothing more specific is known.
    pub fn from_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            400 => "bad_request",
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            406 => "not_acceptable",
            408 => "request_timeout",
            411 => "length_required",
            413 => "payload_too_large",
            414 => "uri_too_long",
            415 => "unsupported_media_type",
            429 => "rate_limited",
            431 => "headers_too_large",
            503 => "unavailable",
            s if s < 500 => "bad_request",
            _ => "internal",
        };
        Self::new(status, code)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:openfund:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if let Some(source) = &self.source {
            write!(f, ": {source:#}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if self.www_authenticate {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header((header::RETRY_AFTER, "5"));
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        res.body(body)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Pool(_) | DbError::Connect(_) | DbError::Missing(_) => {
                ApiError::unavailable(e)
            }
            DbError::Busy(_) => {
                let mut api = Self::new(StatusCode::SERVICE_UNAVAILABLE, "database_busy")
                    .with_detail("the database is busy; try again shortly");
                api.retry_after = Some(1);
                api.source = Some(e.into());
                api
            }
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                _,
            )) => ApiError::unavailable(e),
            // Every unique key is written through an insert that reports a conflict; one
            // that slips through is still the client's conflict, not a server fault.
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => ApiError::conflict("conflict", "a record with the same key exists"),
            DbError::Query(_) | DbError::Migrations(_) | DbError::Task(_) | DbError::Corrupt(_) => {
                ApiError::internal(e)
            }
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::from(DbError::from(e))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// Turns JSON body errors into problems (installed through `JsonConfig`).
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
                .with_detail("the request body is too large")
        }
        JsonPayloadError::ContentType => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .with_detail("send the body as application/json")
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::invalid_body(format!("the JSON body does not fit the schema: {e}"))
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
        }
        _ => ApiError::bad_request("bad_body", "the request body could not be read"),
    };
    api.into()
}

/// Turns query-string errors into problems (installed through `QueryConfig`).
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_query", format!("invalid query string: {err}")).into()
}

/// Turns path-segment errors into problems (installed through `PathConfig`).
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::not_found(format!("no such resource: {err}")).into()
}

/// Last line of defence: any error response without a problem body (actix's own 404,
/// 405, 413…) gets one, so clients never see HTML or an empty error.
pub fn ensure_problem_body<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let allow = res.headers().get(header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let mut replacement = ApiError::from_status(status).error_response();
    if let Some(allow) = allow {
        replacement.headers_mut().insert(header::ALLOW, allow);
    }
    replacement
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, replacement).map_into_right_body(),
    ))
}
