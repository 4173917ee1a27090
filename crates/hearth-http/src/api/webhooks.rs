//! Webhook management (`GLADLY-API.md` 2.12) and Hearth's delivery log.

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::webhooks::{DeliveryWire, WebhookWire, webhook_change};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};

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
        .post(
            "/webhooks/{id}/rotate-secret",
            rotate,
            doc(
                T,
                "Give a webhook a new signing secret; the old one signs too for a while",
            )
            .body(),
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
) -> ApiResult<Json<Vec<WebhookWire>>> {
    let all = state.app.webhooks(&caller).await?;
    Ok(Json(all.iter().map(WebhookWire::from).collect()))
}

async fn read(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookWire>> {
    Ok(Json(WebhookWire::from(
        &state.app.webhook(&caller, &id).await?,
    )))
}

async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let change = webhook_change(&body)?;
    let created = WebhookWire::from(&state.app.create_webhook(&caller, change).await?);
    let location = format!("/api/v1/webhooks/{}", created.id);
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
    let change = webhook_change(&body)?;
    state.app.update_webhook(&caller, &id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How long the old secret signs too when the body does not say (a day).
const DEFAULT_OVERLAP_SECONDS: i64 = 86_400;

async fn rotate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<WebhookWire>> {
    const ATTR: &str = "previousSecretValidSeconds";
    let seconds = match body.get(ATTR) {
        None | Some(serde_json::Value::Null) => DEFAULT_OVERLAP_SECONDS,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| ApiError::invalid(Some(ATTR), "must be a whole number of seconds"))?,
    };
    let rotated = state
        .app
        .rotate_webhook_secret(&caller, &id, hearth_domain::Duration::seconds(seconds))
        .await?;
    Ok(Json(WebhookWire::from(&rotated)))
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
) -> ApiResult<Json<Vec<DeliveryWire>>> {
    let deliveries = state.app.webhook_deliveries(&caller, &id).await?;
    Ok(Json(deliveries.iter().map(DeliveryWire::from).collect()))
}
