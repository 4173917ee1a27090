//! The supervisor's page: queues per inbox and channel, the agents with their
//! availability, load and capacity, and the waiting work in routing order.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hearth_domain::channel::Group;
use hearth_domain::config::Role;

use super::frame::{Nav, message_page, page, signed_in, with_cookie};
use super::shell::customer_name;
use super::words::{At, Choice, at, channel_icon};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/ui/supervisor", get(board))
}

/// Waiting work of one inbox on one channel.
struct QueueRow {
    inbox: String,
    channel: String,
    waiting: usize,
    oldest: String,
}

/// One waiting conversation or task, in routing order.
struct WaitingRow {
    id: String,
    href: String,
    /// A conversation (which can be moved from here), not a task.
    conversation: bool,
    customer: String,
    /// The subject, or the first line of the latest message.
    about: String,
    inbox_id: String,
    inbox: String,
    channel: String,
    icon: &'static str,
    arrived: At,
    due: Option<At>,
    due_state: Option<(&'static str, &'static str)>,
    offered_to: String,
}

/// One agent's line.
struct AgentRow {
    name: String,
    email: String,
    state: String,
    voice: String,
    messaging: String,
    assigned: usize,
    offered: bool,
}

/// One inbox's due-soon and overdue counts.
struct DueRow {
    inbox: String,
    due_soon: usize,
    overdue: usize,
}

#[derive(Template)]
#[template(path = "supervisor.html")]
struct BoardPage {
    nav: Nav,
    /// Per inbox, conversations due soon and overdue.
    due: Vec<DueRow>,
    queues: Vec<QueueRow>,
    waiting: Vec<WaitingRow>,
    agents: Vec<AgentRow>,
    inboxes: Vec<Choice>,
    /// Agents who can take work, for the assign menus.
    people: Vec<Choice>,
}

/// What a waiting conversation is about: the latest customer message's subject,
/// else its first line.
async fn about(state: &AppState, conversation: &str) -> String {
    let Ok(page) = state.app.conversation_items(conversation).await else {
        return String::new();
    };
    let Some(last) = page.items.iter().rev().find(|i| i.is_customer_message()) else {
        return String::new();
    };
    if let hearth_domain::item::ItemContent::Email { subject, .. } = &last.content
        && !subject.trim().is_empty()
    {
        return subject.clone();
    }
    let text = last.content.text().unwrap_or_default();
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out: String = line.trim().chars().take(90).collect();
    if line.trim().chars().count() > 90 {
        out.push('…');
    }
    out
}

/// The channel of a waiting line as agents call it (its group when no contact
/// is pending).
fn channel_of(l: &hearth_app::service::QueueLine) -> String {
    super::words::channel_label(l.channel.as_deref().unwrap_or(l.group.as_str())).to_owned()
}

/// `1 h 05 min`, `4 min 10 s`, `12 s`.
fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// The most waiting lines read to build the page.
const QUEUE_READ: usize = 5000;
/// The most waiting lines listed one by one.
const QUEUE_SHOWN: usize = 50;

async fn board(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (caller, nav, set) = match signed_in(&state, &headers, "").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !caller.agent.has_role(Role::Supervisor) {
        let body = message_page(
            nav,
            StatusCode::FORBIDDEN,
            "Supervisors only",
            "This page needs the SUPERVISOR role. Ask an administrator if you need it.",
        );
        return with_cookie(body, set);
    }
    let loaded = async {
        let lines = state.app.queue(&caller, None, None, QUEUE_READ).await?;
        let agents = state.app.agent_board(&caller).await?;
        let inboxes = state.app.directory_inboxes().await?;
        let due_counts = state.app.due_counts(&caller).await?;
        Ok::<_, hearth_app::AppError>((lines, agents, inboxes, due_counts))
    }
    .await;
    let (lines, agents, inboxes, due_counts) = match loaded {
        Ok(v) => v,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let warn: HashMap<String, hearth_domain::Duration> = inboxes
        .iter()
        .map(|i| (i.id.to_string(), i.warn_before))
        .collect();
    let inboxes = super::words::choices(super::words::inbox_names(&inboxes));
    let due = due_counts
        .iter()
        .map(|d| DueRow {
            inbox: super::words::label_of(&inboxes, &d.inbox_id),
            due_soon: d.due_soon,
            overdue: d.overdue,
        })
        .collect();
    let agents_for_menu: Vec<(String, String, bool)> = agents
        .iter()
        .map(|a| (a.id.clone(), a.name.clone(), a.disabled))
        .collect();
    let agent_names: HashMap<String, String> = agents
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    let inbox_name = |id: &str| super::words::label_of(&inboxes, id);
    let mut summary: BTreeMap<(String, String), (usize, i64)> = BTreeMap::new();
    for l in &lines {
        let channel = channel_of(l);
        let entry = summary
            .entry((inbox_name(&l.inbox_id), channel))
            .or_insert((0, 0));
        entry.0 += 1;
        entry.1 = entry.1.max(l.waiting_seconds);
    }
    let queues = summary
        .into_iter()
        .map(|((inbox, channel), (waiting, oldest))| QueueRow {
            inbox,
            channel,
            waiting,
            oldest: duration(oldest),
        })
        .collect();
    let now = state.app.now();
    let mut waiting = Vec::new();
    for l in lines.iter().take(QUEUE_SHOWN) {
        let conversation = l.kind == "CONVERSATION";
        let code = l
            .channel
            .clone()
            .unwrap_or_else(|| l.group.as_str().to_owned());
        waiting.push(WaitingRow {
            href: if conversation {
                format!("/ui/conversations/{}", l.id)
            } else {
                format!("/ui/tasks/{}", l.id)
            },
            conversation,
            customer: customer_name(&state, &l.customer_id).await,
            about: if conversation {
                about(&state, &l.id).await
            } else {
                String::new()
            },
            id: l.id.clone(),
            inbox_id: l.inbox_id.clone(),
            inbox: inbox_name(&l.inbox_id),
            channel: channel_of(l),
            icon: channel_icon(&code),
            arrived: at(l.arrived_at),
            due: l.due_at.map(at),
            due_state: super::words::due_badge(
                l.due_at,
                l.due_at.and_then(|d| {
                    let warn = warn.get(l.inbox_id.as_str()).copied().unwrap_or_default();
                    hearth_domain::config::due_soon_at(d, warn)
                }),
                now,
            ),
            offered_to: l
                .offered_to
                .as_ref()
                .map(|a| agent_names.get(a).cloned().unwrap_or_else(|| a.clone()))
                .unwrap_or_default(),
        });
    }
    let people = super::words::choices(
        agents_for_menu
            .iter()
            .filter(|(_, _, disabled)| !disabled)
            .map(|(id, name, _)| (id.clone(), name.clone())),
    );
    let agents = agents
        .into_iter()
        .map(|a| {
            let groups: Vec<&str> = [
                (Group::Voice, "Voice"),
                (Group::Messaging, "Messaging"),
                (Group::Mail, "Mail"),
                (Group::Task, "Tasks"),
            ]
            .into_iter()
            .filter(|(g, _)| a.available.contains(g))
            .map(|(_, n)| n)
            .collect();
            let state = if a.disabled {
                "Disabled".to_owned()
            } else if a.away {
                "Away".to_owned()
            } else if groups.is_empty() {
                "Unavailable".to_owned()
            } else if a.focus {
                format!("{} (Focus)", groups.join(", "))
            } else {
                groups.join(", ")
            };
            AgentRow {
                name: a.name,
                email: a.email,
                state,
                voice: format!("{} / 1", a.voice_load),
                messaging: format!(
                    "{} / {} (max {})",
                    a.messaging_load, a.messaging_standard, a.messaging_maximum
                ),
                assigned: a.assigned,
                offered: a.offered,
            }
        })
        .collect();
    let body = page(&BoardPage {
        due,
        nav,
        queues,
        waiting,
        agents,
        inboxes,
        people,
    });
    with_cookie(body, set)
}
