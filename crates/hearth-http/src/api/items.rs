//! Conversation items: read one, and reply to a customer message
//! (`GLADLY-API.md` 2.4 and 3.4).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::items::ItemWire;
use hearth_app::gladly::replies::reply_request;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};
use hearth_app::gladly::conversations as wire;

pub(super) fn router() -> Api {
    const T: &str = "Conversation items";
    Api::new()
        .post(
            "/conversation-items",
            create,
            doc(T, "Create a customer activity item").body(),
        )
        .post(
            "/customers/{customer_id}/conversation-items",
            create_for_customer,
            doc(T, "Create a customer activity item for a customer").body(),
        )
        .delete(
            "/customers/{customer_id}/conversation-items/{id}",
            remove_for_customer,
            doc(T, "Delete a customer's item").ok(204).empty(),
        )
        .get(
            "/conversation-items/{id}",
            read,
            doc(T, "A conversation item"),
        )
        .delete(
            "/conversation-items/{id}",
            remove,
            doc(T, "Delete a conversation item").ok(204).empty(),
        )
        .get(
            "/conversation-items/{id}/files/{file_id}",
            file,
            doc(T, "A file an item carries (attachment or inline image)")
                .produces("application/octet-stream"),
        )
        .post(
            "/conversation-items/{id}/redact",
            redact,
            doc(
                T,
                "Wipe a message's or call's content for good, keeping the item, its times and who redacted it",
            )
            .ok(201),
        )
        .post(
            "/conversation-items/{id}/reply",
            reply,
            doc(T, "Reply to an item on its channel").body().ok(201),
        )
        .post(
            "/conversations/{id}/messages",
            send,
            doc(T, "Write to the customer first, by email or SMS")
                .body()
                .ok(201),
        )
}

async fn read(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ItemWire>> {
    let item = state.app.item(&id).await?;
    let delivery = state.app.delivery_state(&id).await?;
    Ok(Json(ItemWire::with_delivery(&item, delivery.as_ref())))
}

/// Takes no body (Gladly's is empty); answers 201 with the item as it now reads.
async fn redact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let item = state.app.redact_item(&caller, &id).await?;
    let location = format!("/api/v1/conversation-items/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ItemWire::of(&item)),
    )
        .into_response())
}

async fn file(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    Ok(crate::files::response(
        state.app.item_file(&id, &file_id).await?,
    ))
}

/// `{"content": {"type": "EMAIL"|"SMS", "subject"?, "body"}}`: the agent's own
/// message in a non-closed conversation (R54: after Reopen or Create New).
async fn send(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let content = body
        .opt_obj("", "content")?
        .ok_or_else(|| ApiError::blank("content", "is required"))?;
    let kind = content.req_str("content", "type")?;
    let subject = content.opt_str("content", "subject")?;
    let text = content.req_str("content", "body")?;
    let item = state
        .app
        .send_message(&caller, &id, &kind, subject.as_deref(), &text)
        .await?;
    let location = format!("/api/v1/conversation-items/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(wire::item(&item)),
    )
        .into_response())
}

async fn reply(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let content = body
        .opt_obj("", "content")?
        .ok_or_else(|| ApiError::blank("content", "is required"))?;
    let req = reply_request(content, state.app.now())?;
    let item = state.app.reply(&caller, &id, req).await?;
    let location = format!("/api/v1/conversation-items/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(wire::item(&item)),
    )
        .into_response())
}

fn activity_content(
    state: &AppState,
    body: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<hearth_domain::item::ItemContent> {
    let content = body
        .opt_obj("", "content")?
        .ok_or_else(|| ApiError::blank("content", "is required"))?;
    Ok(hearth_app::gladly::items::item_content(
        content,
        state.app.now(),
    )?)
}

/// `POST /conversation-items`: 200 with the created customer-activity item.
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ItemWire>> {
    let customer = super::customer_by_contact(&body)?;
    let item = state
        .app
        .create_activity(
            &caller,
            body.opt_str("", "id")?.as_deref(),
            customer,
            activity_content(&state, &body)?,
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
    use hearth_app::service::CustomerRef;
    let item = state
        .app
        .create_activity(
            &caller,
            body.opt_str("", "id")?.as_deref(),
            CustomerRef::Id(customer_id),
            activity_content(&state, &body)?,
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
