//! The read-only directory (agents, inboxes, teams, organization) and topics
//! (`GLADLY-API.md` 2.1 and 2.8).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::directory::{
    AgentEntry, InboxEntry, ORGANIZATION, OrganizationWire, TeamEntry, TopicEntry, topic_change,
};

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

/// The entry with this id, or 404 naming the noun.
fn one<T: HasId>(list: Vec<T>, id: &str, noun: &str) -> ApiResult<Json<T>> {
    list.into_iter()
        .find(|v| v.id() == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{noun} {id} does not exist")))
}

/// A directory entry's id.
trait HasId {
    fn id(&self) -> &str;
}

impl HasId for AgentEntry {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for InboxEntry {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for TeamEntry {
    fn id(&self) -> &str {
        &self.id
    }
}

async fn agent_entries(state: &AppState) -> ApiResult<Vec<AgentEntry>> {
    let agents = state.app.directory_agents().await?;
    Ok(agents.iter().map(AgentEntry::from).collect())
}

async fn inbox_entries(state: &AppState) -> ApiResult<Vec<InboxEntry>> {
    let inboxes = state.app.directory_inboxes().await?;
    Ok(inboxes.iter().map(InboxEntry::from).collect())
}

async fn team_entries(state: &AppState) -> ApiResult<Vec<TeamEntry>> {
    let teams = state.app.directory_teams().await?;
    Ok(teams.iter().map(TeamEntry::from).collect())
}

async fn agents(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<AgentEntry>>> {
    Ok(Json(agent_entries(&state).await?))
}

async fn agent(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentEntry>> {
    one(agent_entries(&state).await?, &id, "agent")
}

async fn inboxes(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<InboxEntry>>> {
    Ok(Json(inbox_entries(&state).await?))
}

async fn inbox(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<InboxEntry>> {
    one(inbox_entries(&state).await?, &id, "inbox")
}

async fn teams(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<TeamEntry>>> {
    Ok(Json(team_entries(&state).await?))
}

async fn team(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamEntry>> {
    one(team_entries(&state).await?, &id, "team")
}

async fn organization(_c: ApiCaller) -> Json<OrganizationWire> {
    Json(ORGANIZATION)
}

async fn topics(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<TopicEntry>>> {
    let topics = state.app.topics().await?;
    Ok(Json(topics.iter().map(TopicEntry::from).collect()))
}

async fn topic(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TopicEntry>> {
    Ok(Json(TopicEntry::from(&state.app.topic(&id).await?)))
}

async fn create_topic(
    State(state): State<AppState>,
    _c: ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let change = topic_change(&body, true)?;
    let topic = TopicEntry::from(&state.app.save_topic(None, change).await?);
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
    let change = topic_change(&body, false)?;
    state.app.save_topic(Some(&id), change).await?;
    Ok(StatusCode::NO_CONTENT)
}
