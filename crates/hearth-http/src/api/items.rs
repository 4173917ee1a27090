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
        .route("/conversation-items", post(create))
        .route(
            "/customers/{customer_id}/conversation-items",
            post(create_for_customer),
        )
        .route(
            "/customers/{customer_id}/conversation-items/{id}",
            axum::routing::delete(remove_for_customer),
        )
        .route("/conversation-items/{id}", get(read).delete(remove))
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

fn activity_content(
    body: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<serde_json::Map<String, serde_json::Value>> {
    body.opt_obj("", "content")?
        .cloned()
        .ok_or_else(|| ApiError::blank("content", "is required"))
}

/// `POST /conversation-items`: 200 with the created customer-activity item.
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ItemWire>> {
    use hearth_app::service::directory::CustomerRef;
    let who = body
        .opt_obj("", "customer")?
        .ok_or_else(|| ApiError::blank("customer", "is required"))?;
    let customer = match (
        who.opt_str("customer", "emailAddress")?,
        who.opt_str("customer", "mobilePhone")?,
    ) {
        (Some(e), None) => CustomerRef::Email(e),
        (None, Some(p)) => CustomerRef::MobilePhone(p),
        (None, None) => {
            return Err(ApiError::blank(
                "customer",
                "one of emailAddress, mobilePhone must be present",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                Some("customer"),
                "give one of emailAddress, mobilePhone",
            ));
        }
    };
    let item = state
        .app
        .create_activity(
            &caller,
            body.opt_str("", "id")?.as_deref(),
            customer,
            activity_content(&body)?,
        )
        .await?;
    Ok(Json(wire::item(&item)))
}

async fn create_for_customer(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(customer_id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ItemWire>> {
    use hearth_app::service::directory::CustomerRef;
    let item = state
        .app
        .create_activity(
            &caller,
            body.opt_str("", "id")?.as_deref(),
            CustomerRef::Id(customer_id),
            activity_content(&body)?,
        )
        .await?;
    Ok(Json(wire::item(&item)))
}

async fn remove(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_activity(&id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_for_customer(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path((customer_id, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.delete_activity(&id, Some(&customer_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
