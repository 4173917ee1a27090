//! `/api/v1`: the Gladly dialect and Hearth's own endpoints, one module per resource.

mod admin;
mod agents;
mod communications;
mod contacts;
mod conversations;
mod customers;
mod directory;
mod events;
mod export;
mod items;
mod tasks;
mod webhooks;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};

use crate::AppState;
use crate::error::ApiError;

/// The `/api/v1` router.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(admin::router())
        .merge(agents::router())
        .merge(communications::router())
        .merge(directory::router())
        .merge(events::router())
        .merge(export::router())
        .merge(contacts::router())
        .merge(conversations::router())
        .merge(customers::router())
        .merge(items::router())
        .merge(tasks::router())
        .merge(webhooks::router())
        .fallback(|| async { ApiError::not_found("no such endpoint") })
}

/// Gladly flags a list cut at its cap with this header.
pub(crate) fn limited_header(limited: bool) -> Option<[(HeaderName, HeaderValue); 1]> {
    limited.then(|| {
        [(
            HeaderName::from_static("gladly-limited-data"),
            HeaderValue::from_static("true"),
        )]
    })
}
