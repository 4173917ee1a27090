//! `/api/v1`: the Gladly dialect and Hearth's own endpoints, one module per resource.

mod admin;
mod agents;
mod answers;
mod automation;
mod communications;
mod contacts;
mod conversations;
mod customers;
mod directory;
pub mod doc;
mod events;
mod export;
mod items;
mod tasks;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Html;
use axum::routing::get;

use crate::AppState;
use crate::error::ApiError;

/// The `/api/v1` router with `extra` (the channels' endpoints), its OpenAPI
/// document at `/openapi.json` and a page that renders it at `/docs`.
pub fn router(extra: doc::Api) -> Router<AppState> {
    let (router, paths) = api().merge(extra).into_parts();
    let document: Arc<str> = doc::document(paths)
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
        .into();
    router
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        document.to_string(),
                    )
                }
            }),
        )
        .route("/docs", get(|| async { Html(include_str!("docs.html")) }))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::map_response(gladly_body))
}

/// Keeps Gladly's error body on refusals made before a handler ran (the path
/// extractor's 400 on an id that is not UTF-8, a body of the wrong type): a
/// response with an error status that is not JSON is answered again as JSON.
async fn gladly_body(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // A refusal's text is short; more than this is not read.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    match ApiError::of_rejection(status, &String::from_utf8_lossy(&text)) {
        Some(e) => {
            let mut fresh = e.into_response();
            for (name, value) in &parts.headers {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    fresh.headers_mut().append(name, value.clone());
                }
            }
            fresh
        }
        None => axum::response::Response::from_parts(parts, axum::body::Body::from(text)),
    }
}

/// The documented API: every operation with its description.
fn api() -> doc::Api {
    doc::Api::new()
        .merge(admin::router())
        .merge(agents::router())
        .merge(communications::router())
        .merge(directory::router())
        .merge(answers::router())
        .merge(automation::router())
        .merge(events::router())
        .merge(export::router())
        .merge(contacts::router())
        .merge(conversations::router())
        .merge(customers::router())
        .merge(items::router())
        .merge(tasks::router())
        .merge(webhooks::router())
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

/// The `customer` object of a create body that finds or creates the customer:
/// exactly one of `emailAddress` and `mobilePhone`.
pub(crate) fn customer_by_contact(
    body: &serde_json::Map<String, serde_json::Value>,
) -> crate::error::ApiResult<hearth_app::service::CustomerRef> {
    use crate::body::Fields;
    use hearth_app::service::CustomerRef;
    let who = body
        .opt_obj("", "customer")?
        .ok_or_else(|| ApiError::blank("customer", "is required"))?;
    match (
        who.opt_str("customer", "emailAddress")?,
        who.opt_str("customer", "mobilePhone")?,
    ) {
        (Some(email), None) => Ok(CustomerRef::Email(email)),
        (None, Some(phone)) => Ok(CustomerRef::MobilePhone(phone)),
        (None, None) => Err(ApiError::blank(
            "customer",
            "one of emailAddress, mobilePhone must be present",
        )),
        (Some(_), Some(_)) => Err(ApiError::invalid(
            Some("customer"),
            "give one of emailAddress, mobilePhone",
        )),
    }
}
