//! Gladly's authentication: HTTP Basic with an agent's email and one of its API
//! tokens. The extractor yields the [`Caller`]; handlers check roles.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hearth_app::service::Caller;
use hearth_domain::config::Role;

use crate::AppState;
use crate::error::ApiError;

/// An authenticated API caller (Basic auth).
#[derive(Debug, Clone)]
pub struct ApiCaller(pub Caller);

fn credentials(parts: &Parts) -> Option<(String, String)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (email, token) = credentials(parts).ok_or_else(ApiError::unauthorized)?;
        let caller = state.app.authenticate(&email, &token).await?;
        caller.require(Role::ApiUser)?;
        // Any request is activity: it postpones automatic Away (R40).
        state.app.touch(&caller).await?;
        Ok(ApiCaller(caller))
    }
}
