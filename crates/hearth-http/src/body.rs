//! Request bodies. Gladly clients send JSON, sometimes without a `Content-Type`; we
//! read the bytes (up to the limit: 413 `too_large` beyond), parse JSON ourselves
//! (400 `invalid` on malformed JSON) and pick fields with precise `attr`s.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use crate::AppState;
use crate::error::ApiError;

/// A JSON object body.
#[derive(Debug, Clone)]
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest<AppState> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.max_body;
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::too_large(limit))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonObject(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::invalid(
                None,
                "the request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::invalid(None, format!("malformed JSON: {e}"))),
        }
    }
}

/// Field access with typed errors naming the field's path.
pub trait Fields {
    /// An optional string; `null` counts as absent.
    fn opt_str(&self, attr: &str, key: &str) -> Result<Option<String>, ApiError>;
    /// A required, non-blank string.
    fn req_str(&self, attr: &str, key: &str) -> Result<String, ApiError>;
    /// An optional object; `null` counts as absent.
    fn opt_obj(&self, attr: &str, key: &str) -> Result<Option<&Map<String, Value>>, ApiError>;
    /// An optional boolean; `null` counts as absent.
    fn opt_bool(&self, attr: &str, key: &str) -> Result<Option<bool>, ApiError>;
    /// Whether the key is present with a non-null value.
    fn has(&self, key: &str) -> bool;
}

fn path(attr: &str, key: &str) -> String {
    if attr.is_empty() {
        key.to_owned()
    } else {
        format!("{attr}.{key}")
    }
}

impl Fields for Map<String, Value> {
    fn opt_str(&self, attr: &str, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(
                Some(&path(attr, key)),
                "must be a string",
            )),
        }
    }

    fn req_str(&self, attr: &str, key: &str) -> Result<String, ApiError> {
        match self.opt_str(attr, key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ApiError::blank(&path(attr, key), "is required")),
        }
    }

    fn opt_obj(&self, attr: &str, key: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(ApiError::invalid(
                Some(&path(attr, key)),
                "must be an object",
            )),
        }
    }

    fn opt_bool(&self, attr: &str, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(
                Some(&path(attr, key)),
                "must be a boolean",
            )),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_null())
    }
}
