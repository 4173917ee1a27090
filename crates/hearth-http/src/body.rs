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

/// A body of raw bytes (a MIME message, a provider's payload), up to the limit
/// (413 `too_large` beyond).
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.max_body;
        axum::body::to_bytes(req.into_body(), limit)
            .await
            .map(RawBody)
            .map_err(|_| ApiError::too_large(limit))
    }
}

/// Field access with typed errors naming the field's path: the one kit of the
/// Gladly dialect.
pub use hearth_app::gladly::fields::Fields;
