//! `POST /contacts/inbound` and `POST /contacts/{id}/end` (DESIGN section 5).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::inbound::inbound_request;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Contacts";
    Api::new()
        .post(
            "/contacts/inbound",
            inbound,
            doc(T, "An inbound contact on any channel").body().ok(201),
        )
        .post(
            "/contacts/{id}/end",
            end,
            doc(T, "End a contact").ok(204).empty(),
        )
}

async fn inbound(
    State(state): State<AppState>,
    _caller: ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let req = inbound_request(&body, state.app.now())?;
    let (response, created) = state.app.inbound(req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(response)).into_response())
}

async fn end(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let abandoned = match body.req_str("", "reason")?.as_str() {
        "CUSTOMER_ENDED" => false,
        "CUSTOMER_ABANDONED" => true,
        other => {
            return Err(ApiError::invalid(
                Some("reason"),
                format!("'{other}' is not CUSTOMER_ENDED or CUSTOMER_ABANDONED"),
            ));
        }
    };
    state.app.end_contact(&id, abandoned).await?;
    Ok(StatusCode::NO_CONTENT)
}
