//! Tasks and their comments (`GLADLY-API.md` 2.7).

use super::doc::{Api, doc};
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::tasks::{CommentWire, TaskWire};
use hearth_app::service::CustomerRef;
use hearth_app::service::tasks::{NewTask, TaskPatch};
use hearth_domain::task::{Task, TaskComment, TaskStatus};
use serde_json::{Map, Value};

use super::limited_header;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Tasks";
    Api::new()
        .post("/tasks", create, doc(T, "Create a task").body().ok(201))
        .get(
            "/customers/{id}/tasks",
            of_customer,
            doc(T, "A customer's tasks").query(&["status"]),
        )
        .post(
            "/customers/{id}/tasks",
            create_for_customer,
            doc(T, "Create a task for a customer").body().ok(201),
        )
        .get("/tasks/{id}", read, doc(T, "A task"))
        .patch(
            "/tasks/{id}",
            update,
            doc(T, "Update a task").body().ok(204).empty(),
        )
        .get(
            "/tasks/{id}/comments",
            comments,
            doc(T, "A task's comments"),
        )
        .post(
            "/tasks/{id}/comments",
            add_comment,
            doc(T, "Comment on a task").body().ok(201),
        )
        .get(
            "/tasks/{id}/comments/{comment_id}",
            comment,
            doc(T, "A task comment"),
        )
}

fn wire(task: &Task) -> TaskWire {
    TaskWire::from(task)
}

fn comment_wire(task: &Task, c: &TaskComment) -> CommentWire {
    CommentWire::of(task.id.as_str(), c)
}

/// `assignee: {inboxId, agentId?}` where `agentId: null` means no agent.
fn assignee(body: &Map<String, Value>) -> ApiResult<Option<(String, Option<String>)>> {
    match body.opt_obj("", "assignee")? {
        Some(a) => Ok(Some((
            a.req_str("assignee", "inboxId")?,
            a.opt_str("assignee", "agentId")?.filter(|s| !s.is_empty()),
        ))),
        None => Ok(None),
    }
}

fn new_task(body: &Map<String, Value>, customer: CustomerRef) -> ApiResult<NewTask> {
    let (inbox_id, agent_id) =
        assignee(body)?.ok_or_else(|| ApiError::blank("assignee", "is required"))?;
    Ok(NewTask {
        id: body.opt_str("", "id")?,
        customer,
        inbox_id,
        agent_id,
        body: body
            .opt_str("", "body")?
            .ok_or_else(|| ApiError::blank("body", "is required"))?,
        due_at: body.req_str("", "dueAt")?,
    })
}

fn created(task: &Task) -> Response {
    let location = format!("/api/v1/tasks/{}", task.id);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(wire(task)),
    )
        .into_response()
}

async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let customer = super::customer_by_contact(&body)?;
    let task = state
        .app
        .create_task(&caller, new_task(&body, customer)?)
        .await?;
    Ok(created(&task))
}

async fn create_for_customer(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let task = state
        .app
        .create_task(&caller, new_task(&body, CustomerRef::Id(id))?)
        .await?;
    Ok(created(&task))
}

async fn of_customer(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let status = match q.get("status") {
        Some(raw) => Some(
            TaskStatus::parse(raw)
                .ok_or_else(|| ApiError::invalid(Some("status"), "must be OPEN or CLOSED"))?,
        ),
        None => None,
    };
    let (tasks, limited) = state.app.customer_tasks(&id, status).await?;
    Ok((
        limited_header(limited),
        Json(tasks.iter().map(wire).collect::<Vec<_>>()),
    )
        .into_response())
}

async fn read(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskWire>> {
    Ok(Json(wire(&state.app.task(&caller, &id).await?)))
}

async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let patch = TaskPatch {
        status: body.opt_str("", "status")?,
        body: body.opt_str("", "body")?,
        due_at: body.opt_str("", "dueAt")?,
        assignee: assignee(&body)?,
    };
    state.app.update_task(&caller, &id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_comment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let agent = body.req_str("", "agentId")?;
    // Gladly's schema names the text both `comment` and `message`.
    let text = body
        .opt_str("", "comment")?
        .or(body.opt_str("", "message")?)
        .ok_or_else(|| ApiError::blank("comment", "is required"))?;
    let c = state
        .app
        .add_task_comment(
            &caller,
            &id,
            body.opt_str("", "id")?.as_deref(),
            &agent,
            &text,
        )
        .await?;
    let location = format!("/api/v1/tasks/{id}/comments/{}", c.id);
    let dto = CommentWire::of(&id, &c);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(dto),
    )
        .into_response())
}

async fn comments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CommentWire>>> {
    let task = state.app.task(&caller, &id).await?;
    Ok(Json(
        task.comments
            .iter()
            .take(1000)
            .map(|c| comment_wire(&task, c))
            .collect(),
    ))
}

async fn comment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, comment_id)): Path<(String, String)>,
) -> ApiResult<Json<CommentWire>> {
    let task = state.app.task(&caller, &id).await?;
    let c = task
        .comments
        .iter()
        .find(|c| c.id.as_str() == comment_id)
        .ok_or_else(|| ApiError::not_found(format!("comment {comment_id} does not exist")))?;
    Ok(Json(comment_wire(&task, c)))
}
