//! Message automation (`GLADLY-API.md` 2.6): a bot's session with a customer.

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hearth_app::gladly::automation::{SessionWire, bot_message, description, message_wire, typing};
use serde_json::Value;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Message automation";
    const S: &str = "/message-automation/sessions/{id}";
    Api::new()
        .get(S, session, doc(T, "A bot's session"))
        .get(
            "/message-automation/sessions/{id}/messages",
            messages,
            doc(T, "The session's messages, oldest first"),
        )
        .post(
            "/message-automation/sessions/{id}/messages",
            send,
            doc(T, "The bot sends a message (TEXT, MENU or HTML)").body(),
        )
        .get(
            "/message-automation/sessions/{id}/messages/{message_id}",
            message,
            doc(T, "One message of the session"),
        )
        .post(
            "/message-automation/sessions/{id}/typing-indicators",
            typing_indicator,
            doc(T, "The bot starts or stops typing")
                .body()
                .ok(204)
                .empty(),
        )
        .post(
            "/message-automation/sessions/{id}/handoff",
            handoff,
            doc(T, "Hand the customer to agents (routing takes over)")
                .body()
                .ok(204)
                .empty(),
        )
        .post(
            "/message-automation/sessions/{id}/close",
            close,
            doc(T, "Close the session and its conversation")
                .body()
                .ok(204)
                .empty(),
        )
}

async fn session(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<SessionWire>> {
    Ok(Json(SessionWire::from(
        &state.app.automation_session(&id).await?,
    )))
}

async fn messages(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(
        state
            .app
            .automation_messages(&id)
            .await?
            .iter()
            .map(message_wire)
            .collect(),
    ))
}

async fn message(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path((id, message_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    state
        .app
        .automation_messages(&id)
        .await?
        .iter()
        .find(|m| m.id == message_id)
        .map(|m| Json(message_wire(m)))
        .ok_or_else(|| ApiError::not_found("no such message in this session"))
}

async fn send(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let message = bot_message(&body)?;
    let sent = state.app.automation_send(&caller, &id, message).await?;
    Ok(Json(message_wire(&sent)))
}

async fn typing_indicator(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    state.app.automation_typing(&id, typing(&body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn handoff(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let why = description(&body)?;
    state.app.automation_handoff(&caller, &id, why).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn close(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let why = description(&body)?;
    state.app.automation_close(&caller, &id, why).await?;
    Ok(StatusCode::NO_CONTENT)
}
