//! Who is asking. Until accounts arrive (issue 3) the only privileged caller is the
//! operator, who presents `OPENFUND_ADMIN_TOKEN` as a bearer token.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{ApiError, AppState};

/// Proof that the request carries the operator token.
#[derive(Debug)]
pub struct Operator;

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check_operator(req))
    }
}

fn check_operator(req: &HttpRequest) -> Result<Operator, ApiError> {
    let presented = bearer_token(req)?;
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.admin_token.as_ref());
    match expected {
        Some(token) if constant_time_eq(token.expose().as_bytes(), presented.as_bytes()) => {
            Ok(Operator)
        }
        _ => Err(ApiError::unauthorized(
            "invalid_token",
            "the bearer token is not valid",
        )),
    }
}

fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("unauthenticated", "send Authorization: Bearer <token>")
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalid_token", "malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must use the Bearer scheme",
        )),
    }
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abcdef", b"abcdef"));
        assert!(!constant_time_eq(b"abcdef", b"abcdeg"));
        assert!(!constant_time_eq(b"abc", b"abcdef"));
    }
}
