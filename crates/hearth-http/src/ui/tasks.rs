//! A task on the desktop: its body, due date and comments; comment, and finish it
//! with Close & Next, Next or Close as the action table has it for tasks.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hearth_app::AppError;
use hearth_app::service::Caller;
use hearth_app::service::tasks::TaskPatch;
use hearth_domain::task::TaskStatus;

use std::collections::HashMap;

use super::customer::Pane;
use super::flash::Flash;
use super::frame::{Nav, page, signed_in, with_cookie};
use super::session::SignedForm;
use super::timeline::{Block, Entry};
use super::words::{At, agent_names, at, choices, inbox_names, label_of, status_words};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/tasks/{id}", get(show))
        .route("/ui/tasks/{id}/comment", post(comment))
        .route("/ui/tasks/{id}/act", post(act))
}

struct CommentLine {
    who: String,
    at: At,
    text: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    nav: Nav,
    pane: Pane,
    id: String,
    body: String,
    due: At,
    open: bool,
    inbox: String,
    assignee: String,
    comments: Vec<CommentLine>,
    /// The customer's latest conversation, whose items are shown.
    latest: Option<String>,
    timeline: Vec<Block>,
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (caller, nav, set) = match signed_in(&state, &headers, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let loaded = async {
        let task = state.app.task(&caller, &id).await?;
        let customer = state.app.customer(task.customer_id.as_str()).await?;
        let (conversations, _) = state
            .app
            .customer_conversations(task.customer_id.as_str())
            .await?;
        let (open_tasks, _) = state
            .app
            .customer_tasks(task.customer_id.as_str(), Some(TaskStatus::Open))
            .await?;
        let agents = state.app.directory_agents().await?;
        let inboxes = state.app.directory_inboxes().await?;
        Ok::<_, AppError>((task, customer, conversations, open_tasks, agents, inboxes))
    }
    .await;
    let (task, customer, mut conversations, open_tasks, directory_agents, directory_inboxes) =
        match loaded {
            Ok(v) => v,
            Err(e) => return super::errors::page_for(&state, &headers, e).await,
        };
    conversations.sort_by_key(|c| c.created_at);
    let agents = choices(agent_names(&directory_agents));
    let inboxes = choices(inbox_names(&directory_inboxes));
    let profile_name = super::timeline::Profile::of(&customer).name;
    let people = super::timeline::People {
        customer: &profile_name,
        agents: &agents,
        me: caller.agent.id.as_str(),
    };
    // The task page shows the customer's latest conversation, as the timeline
    // reads on the conversation page.
    let latest = conversations.last();
    let mut timeline = Vec::new();
    if let Some(c) = latest
        && let Ok(page) = state.app.conversation_items(c.id.as_str()).await
    {
        let names = HashMap::new();
        timeline.push(Block {
            id: c.id.to_string(),
            status: status_words(c.status.as_str()),
            started: at(c.created_at),
            opened: c.created_at,
            current: false,
            items: page
                .items
                .iter()
                .map(|i| Entry::of(i, &names, &people, None))
                .collect(),
        });
    }
    let history: Vec<&hearth_domain::conversation::Conversation> = conversations.iter().collect();
    let pane = Pane::of(
        &caller,
        &customer,
        &history,
        "",
        format!("/ui/tasks/{id}"),
        open_tasks,
        (&directory_agents, &directory_inboxes),
    );
    let body = page(&TaskPage {
        nav,
        pane,
        id: task.id.to_string(),
        body: task.body.clone(),
        due: at(task.due_at),
        open: task.status == TaskStatus::Open,
        inbox: label_of(&inboxes, task.assignee.inbox_id.as_str()),
        assignee: match &task.assignee.agent_id {
            Some(a) if *a == caller.agent.id => "assigned to you".to_owned(),
            Some(a) => format!("assigned to {}", label_of(&agents, a.as_str())),
            None => "not assigned".to_owned(),
        },
        comments: task
            .comments
            .iter()
            .map(|c| CommentLine {
                who: label_of(&agents, c.agent_id.as_str()),
                at: at(c.created_at),
                text: c.comment.clone(),
            })
            .collect(),
        latest: latest.map(|c| c.id.to_string()),
        timeline,
    });
    with_cookie(body, set)
}

/// A refusal shown on the task page; anything else answers as the error pages do.
async fn refused(state: &AppState, headers: &HeaderMap, id: &str, e: AppError) -> Response {
    match e {
        AppError::Domain(d) => Flash::error(super::words::refusal(&d), "")
            .redirect(headers, &format!("/ui/tasks/{id}")),
        e => super::errors::page_for(state, headers, e).await,
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
    if text.is_empty() {
        return Flash::error("Write the comment first.", "")
            .redirect(&headers, &format!("/ui/tasks/{id}"));
    }
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
        _ => {
            return Flash::error("Choose an action.", "")
                .redirect(&headers, &format!("/ui/tasks/{id}"));
        }
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
