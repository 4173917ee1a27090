//! The read-only directory (agents, inboxes, teams, organization) and topics
//! (`GLADLY-API.md` 2.1 and 2.8).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hearth_app::codec::TopicDoc;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/agents", get(agents))
        .route("/agents/{id}", get(agent))
        .route("/inboxes", get(inboxes))
        .route("/inboxes/{id}", get(inbox))
        .route("/teams", get(teams))
        .route("/teams/{id}", get(team))
        .route("/organization", get(organization))
        .route("/topics", get(topics).post(create_topic))
        .route("/topics/{id}", get(topic).patch(update_topic))
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
