//! `POST /api/v1/email/inbound`: a raw email (`message/rfc822`) from a provider's
//! inbound webhook. It is kept before anything else, then read at once: `201`
//! with what it became, or `202` with the reason when it was set aside for review
//! (a bounce, no entry point among its recipients, a mail loop, unreadable MIME).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::service::{KeptMessage, RawMessage};
use hearth_domain::channel::Channel;
use hearth_http::AppState;
use hearth_http::api::doc::{Api, doc};
use hearth_http::auth::ApiCaller;
use hearth_http::body::RawBody;
use hearth_http::error::{ApiError, ApiResult};
use serde::Serialize;

use super::ingest::{self, Outcome};

/// The email channel's API routes.
pub fn api() -> Api {
    Api::new().post(
        "/email/inbound",
        upload,
        doc("Email", "Receive a raw email (message/rfc822)")
            .body_of("message/rfc822")
            .ok(201),
    )
}

/// A message kept but not read into an item.
#[derive(Debug, Serialize)]
struct SetAside {
    id: String,
    status: &'static str,
    detail: String,
}

async fn upload(
    State(state): State<AppState>,
    _caller: ApiCaller,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> ApiResult<Response> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media.as_deref() != Some("message/rfc822") {
        return Err(ApiError::invalid(
            None,
            "the body must be an email with Content-Type message/rfc822",
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::blank("body", "the email is empty"));
    }
    let id = state
        .app
        .keep_raw(RawMessage {
            channel: Channel::Email,
            source: "upload".into(),
            sender: None,
            bytes: bytes.to_vec(),
        })
        .await?;
    let kept = KeptMessage {
        id: id.clone(),
        channel: Channel::Email.as_str().to_owned(),
        source: "upload".into(),
        bytes: bytes.to_vec(),
        received_at: state.app.now(),
    };
    Ok(match ingest::read_kept(&state.app, &kept).await? {
        Outcome::Received(received) => (StatusCode::CREATED, Json(received)).into_response(),
        Outcome::Bounce(_) => accepted(id, "a delivery report".into()),
        Outcome::SetAside(detail) => accepted(id, detail),
    })
}

fn accepted(id: String, detail: String) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(SetAside {
            id,
            status: "REVIEW",
            detail,
        }),
    )
        .into_response()
}
