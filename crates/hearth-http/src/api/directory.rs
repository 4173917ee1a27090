//! The read-only directory (agents, inboxes, teams, organization) and topics
//! (`GLADLY-API.md` 2.1 and 2.8).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::codec::TopicDoc;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Organization";
    Api::new()
        .get("/agents", agents, doc(T, "Agents"))
        .get("/agents/{id}", agent, doc(T, "An agent"))
        .get("/inboxes", inboxes, doc(T, "Inboxes"))
        .get("/inboxes/{id}", inbox, doc(T, "An inbox"))
        .get("/teams", teams, doc(T, "Teams"))
        .get("/teams/{id}", team, doc(T, "A team"))
        .get("/organization", organization, doc(T, "The organization"))
        .get("/topics", topics, doc("Topics", "Topics"))
        .post(
            "/topics",
            create_topic,
            doc("Topics", "Create a topic").body().ok(201),
        )
        .get("/topics/{id}", topic, doc("Topics", "A topic"))
        .patch(
            "/topics/{id}",
            update_topic,
            doc("Topics", "Change a topic").body().ok(204).empty(),
        )
}

fn one(list: Vec<Value>, id: &str, noun: &str) -> ApiResult<Json<Value>> {
    list.into_iter()
        .find(|v| v["id"] == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{noun} {id} does not exist")))
}

async fn agents(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(state.app.directory_agents().await?))
}

async fn agent(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    one(state.app.directory_agents().await?, &id, "agent")
}

async fn inboxes(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(state.app.directory_inboxes().await?))
}

async fn inbox(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    one(state.app.directory_inboxes().await?, &id, "inbox")
}

async fn teams(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(state.app.directory_teams().await?))
}

async fn team(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    one(state.app.directory_teams().await?, &id, "team")
}

async fn organization(_c: ApiCaller) -> Json<Value> {
    // One organization per deployment (DESIGN section 1).
    Json(
        json!({ "id": "organization", "loginDomain": "localhost", "name": "Hearth", "timezone": "UTC", "gladlyUrl": "" }),
    )
}

async fn topics(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<TopicDoc>>> {
    Ok(Json(state.app.topics().await?))
}

async fn topic(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TopicDoc>> {
    Ok(Json(state.app.topic(&id).await?))
}

async fn create_topic(
    State(state): State<AppState>,
    _c: ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let topic = state.app.save_topic(None, body).await?;
    let location = format!("/api/v1/topics/{}", topic.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(topic),
    )
        .into_response())
}

async fn update_topic(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    state.app.save_topic(Some(&id), body).await?;
    Ok(StatusCode::NO_CONTENT)
}
