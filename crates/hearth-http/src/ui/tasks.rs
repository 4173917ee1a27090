//! A task on the desktop: its body, due date and comments; comment, and finish it
//! with Close & Next, Next or Close as the action table has it for tasks.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hearth_app::AppError;
use hearth_app::service::Caller;
use hearth_app::service::tasks::TaskPatch;
use hearth_domain::task::TaskStatus;

use super::frame::{
    Nav, agent_names, choices, inbox_names, label_of, page, signed_in, when, with_cookie,
};
use super::session::SignedForm;
use super::timeline::Profile;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/tasks/{id}", get(show))
        .route("/ui/tasks/{id}/comment", post(comment))
        .route("/ui/tasks/{id}/act", post(act))
}

struct CommentLine {
    who: String,
    at: String,
    text: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    nav: Nav,
    id: String,
    customer_id: String,
    customer: String,
    body: String,
    due: String,
    open: bool,
    inbox: String,
    comments: Vec<CommentLine>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    error: Option<String>,
) -> Response {
    let (caller, nav, set) = match signed_in(state, headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let loaded = async {
        let task = state.app.task(&caller, id).await?;
        let customer = state.app.customer(task.customer_id.as_str()).await?;
        let agents = state.app.directory_agents().await?;
        let inboxes = state.app.directory_inboxes().await?;
        Ok::<_, AppError>((task, customer, agents, inboxes))
    }
    .await;
    let (task, customer, agents, inboxes) = match loaded {
        Ok(v) => v,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let agents = choices(agent_names(agents));
    let inboxes = choices(inbox_names(inboxes));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = page(&TaskPage {
        nav,
        id: task.id.to_string(),
        customer_id: task.customer_id.to_string(),
        customer: Profile::of(&customer).name,
        body: task.body.clone(),
        due: when(task.due_at),
        open: task.status == TaskStatus::Open,
        inbox: label_of(&inboxes, task.assignee.inbox_id.as_str()),
        comments: task
            .comments
            .iter()
            .map(|c| CommentLine {
                who: label_of(&agents, c.agent_id.as_str()),
                at: when(c.created_at),
                text: c.comment.clone(),
            })
            .collect(),
        error,
    });
    with_cookie((status, body).into_response(), set)
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    render(&state, &headers, &id, None).await
}

/// A refusal shown on the task page; anything else answers as the API would.
async fn refused(state: &AppState, headers: &HeaderMap, id: &str, e: AppError) -> Response {
    match e {
        AppError::Domain(d) => render(state, headers, id, Some(d.to_string())).await,
        e => crate::error::ApiError::from(e).into_response(),
    }
}

async fn comment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let text = form
        .get("comment")
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    let agent = caller.agent.id.to_string();
    match state
        .app
        .add_task_comment(&caller, &id, None, &agent, &text)
        .await
    {
        Ok(_) => Redirect::to(&format!("/ui/tasks/{id}")).into_response(),
        Err(e) => refused(&state, &headers, &id, e).await,
    }
}

/// Close & Next, Next or Close on a task; Next opens what routing hands out.
async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let action = form.get("action").map(String::as_str).unwrap_or_default();
    let (close, next) = match action {
        "CLOSE_AND_NEXT" => (true, true),
        "CLOSE" => (true, false),
        "NEXT" => (false, true),
        "REOPEN" => {
            let patch = TaskPatch {
                status: Some("OPEN".into()),
                ..TaskPatch::default()
            };
            return match state.app.update_task(&caller, &id, patch).await {
                Ok(_) => Redirect::to(&format!("/ui/tasks/{id}")).into_response(),
                Err(e) => refused(&state, &headers, &id, e).await,
            };
        }
        _ => return render(&state, &headers, &id, Some("Choose an action.".into())).await,
    };
    if close {
        let patch = TaskPatch {
            status: Some("CLOSED".into()),
            ..TaskPatch::default()
        };
        if let Err(e) = state.app.update_task(&caller, &id, patch).await {
            return refused(&state, &headers, &id, e).await;
        }
    }
    if !next {
        return Redirect::to("/").into_response();
    }
    next_page(&state, &caller).await
}

/// Where Next leads: the next conversation or task, or the desktop.
async fn next_page(state: &AppState, caller: &Caller) -> Response {
    match state
        .app
        .next(caller, hearth_routing::NextSource::Profile)
        .await
    {
        Ok(Some(work)) if work.kind == "CONVERSATION" => {
            Redirect::to(&format!("/ui/conversations/{}", work.id)).into_response()
        }
        Ok(Some(work)) => Redirect::to(&format!("/ui/tasks/{}", work.id)).into_response(),
        Ok(None) | Err(AppError::Domain(_)) => Redirect::to("/").into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}
