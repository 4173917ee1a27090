//! Conversations: read, `PATCH` (assignee and status), items, topics, notes, and a
//! customer's conversations (`GLADLY-API.md` 2.3).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::items::ItemWire;
use hearth_app::service::PatchConversation;
use hearth_domain::conversation::Status;
use serde_json::Value;

use super::limited_header;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};
use hearth_app::gladly::agents::ConversationViewWire;
use hearth_app::gladly::conversations::{self as wire, ConversationWire};

pub(super) fn router() -> Api {
    const T: &str = "Conversations";
    Api::new()
        .get("/conversations/{id}", read, doc(T, "A conversation"))
        .get(
            "/conversations/{id}/view",
            view,
            doc(
                T,
                "A conversation's customer page: customer, actions, history, routing",
            ),
        )
        .patch(
            "/conversations/{id}",
            patch,
            doc(T, "Change a conversation's assignee or status")
                .body()
                .ok(204)
                .empty(),
        )
        .get(
            "/conversations/{id}/items",
            items,
            doc(T, "A conversation's timeline items").query(&["sessionId"]),
        )
        .post(
            "/conversations/{id}/topics",
            add_topics,
            doc(T, "Add topics to a conversation")
                .body()
                .ok(204)
                .empty(),
        )
        .delete(
            "/conversations/{id}/topics/{topic_id}",
            remove_topic,
            doc(T, "Remove a topic from a conversation").ok(204).empty(),
        )
        .post(
            "/conversations/{id}/notes",
            add_note,
            doc(T, "Add a note").body().ok(201),
        )
        .get(
            "/conversations/{id}/notes/{note_id}",
            read_note,
            doc(T, "A note"),
        )
        .get(
            "/customers/{id}/conversations",
            of_customer,
            doc(T, "A customer's conversations"),
        )
}

async fn read(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationWire>> {
    Ok(Json(ConversationWire::of(
        &state.app.conversation(&id).await?,
    )))
}

/// Hearth's addition: what the desktop's customer page shows, in one read.
async fn view(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationViewWire>> {
    let view = state.app.conversation_view(&caller, &id).await?;
    Ok(Json(ConversationViewWire::from(&view)))
}

/// Parses Gladly's PATCH body. Read-only fields are ignored; `agentId: null` means
/// no agent; `assignee` needs `inboxId` and `status` needs `value` (`blank`).
fn parse_patch(body: &serde_json::Map<String, Value>) -> ApiResult<PatchConversation> {
    let mut patch = PatchConversation::default();
    if let Some(assignee) = body.opt_obj("", "assignee")? {
        let inbox = assignee.req_str("assignee", "inboxId")?;
        let agent = assignee
            .opt_str("assignee", "agentId")?
            .filter(|a| !a.is_empty());
        patch.assignee = Some((inbox, agent));
    }
    // A client that PATCHes back the object it read sends `status` as the read-only
    // string; that copy is ignored (the handler checks it still matches).
    if let Some(status) = body
        .get("status")
        .filter(|v| v.is_object())
        .and_then(Value::as_object)
    {
        let value = status.req_str("status", "value")?;
        let parsed = match Status::parse(&value) {
            Some(s @ (Status::Open | Status::Closed)) => s,
            _ => {
                return Err(ApiError::invalid(
                    Some("status.value"),
                    "must be OPEN or CLOSED",
                ));
            }
        };
        patch.status = Some((parsed, status.opt_bool("status", "force")?.unwrap_or(false)));
    }
    Ok(patch)
}

async fn patch(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let patch = parse_patch(&body)?;
    state.app.patch_conversation(&caller, &id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn items(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> ApiResult<Response> {
    let page = state.app.conversation_items(&id).await?;
    // The assignee reading the timeline has seen its updates (My Customers' dot).
    state.app.mark_seen(&caller, &id).await?;
    let session = query.get("sessionId");
    let body: Vec<_> = page
        .items
        .iter()
        .map(|i| ItemWire::with_delivery(i, page.deliveries.get(i.id.as_str())))
        .filter(|i| session.is_none_or(|s| i.session_id.as_ref() == Some(s)))
        .collect();
    Ok((limited_header(page.limited), Json(body)).into_response())
}

async fn add_topics(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    // Gladly's schema names the field both `topicIds` and `topicIDs`.
    let raw = body.get("topicIds").or_else(|| body.get("topicIDs"));
    let ids: Vec<String> = match raw {
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::invalid(Some("topicIds"), "must be an array of strings")
                })
            })
            .collect::<Result<_, _>>()?,
        None | Some(Value::Null) => return Err(ApiError::blank("topicIds", "is required")),
        Some(_) => {
            return Err(ApiError::invalid(
                Some("topicIds"),
                "must be an array of strings",
            ));
        }
    };
    if ids.is_empty() {
        return Err(ApiError::blank("topicIds", "must name at least one topic"));
    }
    state.app.add_topics(&caller, &id, &ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_topic(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, topic_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.remove_topic(&caller, &id, &topic_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_note(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    // The documented shape is {content:{body}}; the schema also shows a top-level body.
    let body_text = match body.opt_obj("", "content")? {
        Some(content) => content.req_str("content", "body")?,
        None => body
            .opt_str("", "body")?
            .ok_or_else(|| ApiError::blank("content.body", "is required"))?,
    };
    let note = state.app.add_note(&caller, &id, &body_text).await?;
    let location = format!("/api/v1/conversations/{id}/notes/{}", note.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(wire::item(&note)),
    )
        .into_response())
}

async fn read_note(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path((id, note_id)): Path<(String, String)>,
) -> ApiResult<Json<hearth_app::gladly::items::ItemWire>> {
    Ok(Json(wire::item(&state.app.note(&id, &note_id).await?)))
}

async fn of_customer(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (list, limited) = state.app.customer_conversations(&id).await?;
    let body: Vec<ConversationWire> = list.iter().map(ConversationWire::of).collect();
    Ok((limited_header(limited), Json(body)).into_response())
}
