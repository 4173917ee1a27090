//! Conversation items: read one, and reply to a customer message
//! (`GLADLY-API.md` 2.4 and 3.4).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hearth_app::codec::ItemWire;
use hearth_app::service::ReplyRequest;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};
use crate::wire;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/conversation-items/{id}", get(read))
        .route("/conversation-items/{id}/reply", post(reply))
}

async fn read(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ItemWire>> {
    Ok(Json(wire::item(&state.app.item(&id).await?)))
}

async fn reply(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let content = body
        .opt_obj("", "content")?
        .ok_or_else(|| ApiError::blank("content", "is required"))?
        .clone();
    let item = state
        .app
        .reply(&caller, &id, ReplyRequest { content })
        .await?;
    let location = format!("/api/v1/conversation-items/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(wire::item(&item)),
    )
        .into_response())
}
