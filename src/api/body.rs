//! The JSON request-body extractor every handler uses.
//!
//! actix's `web::Json<T>` hands the body straight to serde, and serde's derived
//! `Deserialize` for a struct also accepts a JSON *array* (fields by position): `[]`
//! became an empty patch. Every OpenFund request body is a JSON object (RFC 8259 §4),
//! so [`JsonObject`] first reads the body as an object, then as `T`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::api::ApiError;

/// A request body that must be a JSON object and then fit `T`.
///
/// Errors (problem+json, like `web::Json` under the app's `JsonConfig`): malformed JSON
/// → 400 `malformed_json`; another JSON type at the top level (array, string, number…)
/// or fields that do not fit `T` → 422 `invalid_body`; too large → 413; not JSON → 415.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move {
            let object = object.await?.into_inner();
            serde_json::from_value(Value::Object(object))
                .map(JsonObject)
                .map_err(|e| {
                    ApiError::invalid_body(format!("the JSON body does not fit the schema: {e}"))
                        .into()
                })
        })
    }
}
