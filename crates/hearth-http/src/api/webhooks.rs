//! Webhook management (`GLADLY-API.md` 2.12) and Hearth's delivery log.

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::ApiResult;

pub(super) fn router() -> Api {
    const T: &str = "Webhooks";
    Api::new()
        .get("/webhooks", list, doc(T, "Webhooks"))
        .post(
            "/webhooks",
            create,
            doc(T, "Create a webhook").body().ok(201),
        )
        .get("/webhooks/{id}", read, doc(T, "A webhook"))
        .patch(
            "/webhooks/{id}",
            update,
            doc(T, "Change a webhook").body().ok(204).empty(),
        )
        .delete(
            "/webhooks/{id}",
            remove,
            doc(T, "Delete a disabled webhook").ok(204).empty(),
        )
        .get(
            "/webhooks/{id}/deliveries",
            deliveries,
            doc(T, "A webhook's delivery log"),
        )
}

async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(state.app.webhooks(&caller).await?))
}

async fn read(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(state.app.webhook(&caller, &id).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let created = state.app.create_webhook(&caller, body).await?;
    let location = format!(
        "/api/v1/webhooks/{}",
        created["id"].as_str().unwrap_or_default()
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created),
    )
        .into_response())
}

async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    state.app.update_webhook(&caller, &id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_webhook(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn deliveries(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(state.app.webhook_deliveries(&caller, &id).await?))
}
