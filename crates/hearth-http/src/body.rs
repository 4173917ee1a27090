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
            Ok(Value::Object(map)) => {
                refuse_nul(&map, "")?;
                Ok(JsonObject(map))
            }
            Ok(_) => Err(ApiError::invalid(
                None,
                "the request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::invalid(None, format!("malformed JSON: {e}"))),
        }
    }
}

/// Refuses U+0000 in any string or key of `map` (PostgreSQL cannot keep it, and
/// no field of Hearth's needs it), naming the field: `from.name`, `emails.0.original`,
/// or for a key, the object that holds it.
fn refuse_nul(map: &Map<String, Value>, at: &str) -> Result<(), ApiError> {
    fn path(at: &str, key: &str) -> String {
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    }
    fn walk(v: &Value, at: &str) -> Result<(), ApiError> {
        match v {
            Value::String(s) if s.contains('\0') => Err(nul(at)),
            Value::Array(list) => list
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| walk(v, &path(at, &i.to_string()))),
            Value::Object(map) => refuse_nul(map, at),
            _ => Ok(()),
        }
    }
    for (key, value) in map {
        if key.contains('\0') {
            return Err(nul(if at.is_empty() { "body" } else { at }));
        }
        walk(value, &path(at, key))?;
    }
    Ok(())
}

/// The refusal of a U+0000 at `attr`.
pub(crate) fn nul(attr: &str) -> ApiError {
    ApiError::invalid(Some(attr), "must not contain the character U+0000")
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
