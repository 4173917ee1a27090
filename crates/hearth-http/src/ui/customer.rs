//! The customer's side of a page: the profile (editable), their open tasks with a
//! form for a new one, and their conversations. It stands on the right of a
//! conversation and of a task, and alone for a customer nobody has talked to yet.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use hearth_app::service::tasks::NewTask;
use hearth_app::service::{Caller, CustomerRef, ProfileChange};
use hearth_domain::config::{Agent, Inbox};
use hearth_domain::conversation::Conversation;
use hearth_domain::customer::{Customer, CustomerEmail, CustomerPhone, EmailAddress, PhoneNumber};
use hearth_domain::task::TaskStatus;

use super::flash::Flash;
use super::frame::{Nav, page, signed_in, with_cookie};
use super::session::{SignedForm, failed};
use super::timeline::Profile;
use super::words::{At, Choice, at, choices, status_words};
use crate::AppState;

/// One open task of the customer.
pub(super) struct TaskLine {
    pub(super) id: String,
    /// The body's first line, shortened.
    pub(super) title: String,
    pub(super) assignee: String,
    pub(super) due: At,
}

/// One of the customer's conversations.
pub(super) struct ConvLine {
    pub(super) id: String,
    pub(super) status: &'static str,
    pub(super) started: At,
    pub(super) current: bool,
}

/// The right-hand pane.
pub(super) struct Pane {
    pub(super) profile: Profile,
    pub(super) tasks: Vec<TaskLine>,
    pub(super) task_inboxes: Vec<Choice>,
    pub(super) task_agents: Vec<Choice>,
    pub(super) conversations: Vec<ConvLine>,
    /// The page the pane's forms return to.
    pub(super) back: String,
}

/// The first line of `text`, at most 80 characters.
fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out: String = line.trim().chars().take(80).collect();
    if line.trim().chars().count() > 80 {
        out.push('…');
    }
    out
}

impl Pane {
    /// The pane of `customer`, whose conversations (oldest first) are `history`,
    /// on a page about `current`, at `back`.
    pub(super) async fn load(
        state: &AppState,
        caller: &Caller,
        customer: &Customer,
        history: &[&Conversation],
        current: &str,
        back: String,
    ) -> Result<Pane, AppError> {
        let (tasks, _) = state
            .app
            .customer_tasks(customer.id.as_str(), Some(TaskStatus::Open))
            .await?;
        let agents = state.app.directory_agents().await?;
        let inboxes = state.app.directory_inboxes().await?;
        Ok(Pane::of(
            caller,
            customer,
            history,
            current,
            back,
            tasks,
            (&agents, &inboxes),
        ))
    }

    /// As [`Pane::load`], from what the page has read already: the customer's
    /// tasks (the open ones are shown) and the directory's agents and inboxes.
    pub(super) fn of(
        caller: &Caller,
        customer: &Customer,
        history: &[&Conversation],
        current: &str,
        back: String,
        tasks: Vec<hearth_domain::task::Task>,
        (agents, inboxes): (&[Agent], &[Inbox]),
    ) -> Pane {
        let agent_names: HashMap<String, String> = agents
            .iter()
            .map(|a| (a.id.to_string(), a.name.clone()))
            .collect();
        let inbox_names: HashMap<String, String> = inboxes
            .iter()
            .map(|i| (i.id.to_string(), i.name.clone()))
            .collect();
        let mut tasks: Vec<TaskLine> = tasks
            .into_iter()
            .filter(|t| t.status == TaskStatus::Open)
            .map(|t| TaskLine {
                id: t.id.to_string(),
                title: first_line(&t.body),
                assignee: match &t.assignee.agent_id {
                    Some(a) if *a == caller.agent.id => "You".to_owned(),
                    Some(a) => agent_names
                        .get(a.as_str())
                        .cloned()
                        .unwrap_or_else(|| "A former agent".into()),
                    None => inbox_names
                        .get(t.assignee.inbox_id.as_str())
                        .cloned()
                        .unwrap_or_else(|| "An inbox".into()),
                },
                due: at(t.due_at),
            })
            .collect();
        tasks.sort_by(|a, b| a.due.iso.cmp(&b.due.iso));
        // A new task goes to one of the caller's inboxes first, then to others.
        let mut task_inboxes = choices(inboxes.iter().map(|i| (i.id.to_string(), i.name.clone())));
        task_inboxes.sort_by_key(|c| !caller.agent.inbox_ids.iter().any(|i| i.as_str() == c.value));
        let task_agents = choices(
            agents
                .iter()
                .filter(|a| !a.disabled)
                .map(|a| (a.id.to_string(), a.name.clone())),
        );
        let conversations = history
            .iter()
            .rev()
            .map(|c| ConvLine {
                id: c.id.to_string(),
                status: status_words(c.status.as_str()),
                started: at(c.created_at),
                current: c.id.as_str() == current,
            })
            .collect();
        Pane {
            profile: Profile::of(customer),
            tasks,
            task_inboxes,
            task_agents,
            conversations,
            back,
        }
    }
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    nav: Nav,
    pane: Pane,
}

/// A customer: their latest conversation, which shows the whole timeline; a
/// customer with none has a page of their own (profile and tasks).
pub(super) async fn customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (caller, nav, set) = match signed_in(&state, &headers, "").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let loaded = async {
        let customer = state.app.customer(&id).await?;
        let (conversations, _) = state.app.customer_conversations(&id).await?;
        Ok::<_, AppError>((customer, conversations))
    }
    .await;
    let (customer, conversations) = match loaded {
        Ok(v) => v,
        Err(e) => return super::errors::page_for(&state, &headers, e).await,
    };
    if let Some(latest) = conversations.iter().max_by_key(|c| c.created_at) {
        return Redirect::to(&format!("/ui/conversations/{}", latest.id)).into_response();
    }
    let back = format!("/ui/customers/{id}");
    match Pane::load(&state, &caller, &customer, &[], "", back).await {
        Ok(pane) => with_cookie(page(&CustomerPage { nav, pane }), set),
        Err(e) => failed(e),
    }
}

/// Where a pane form returns: its `back` field when it is a page of ours.
fn back_of(form: &HashMap<String, String>, id: &str) -> String {
    form.get("back")
        .filter(|b| {
            (b.starts_with("/ui/") || b.as_str() == "/")
                && !b.starts_with("//")
                && b.chars().all(|c| c.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| format!("/ui/customers/{id}"))
}

/// The lines of a text area, trimmed, without blank ones.
fn lines(form: &HashMap<String, String>, key: &str) -> Vec<String> {
    form.get(key)
        .map(|v| {
            v.split(['\n', ',', ';'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Saves the profile form: name, emails and phones (kept in the order typed, the
/// first primary; a phone kept from before keeps its type and preferences).
pub(super) async fn save_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let back = back_of(&form, &id);
    let current = match state.app.customer(&id).await {
        Ok(c) => c,
        Err(e) => return super::errors::page_for(&state, &headers, e).await,
    };
    let change = (|| {
        let name = form
            .get("name")
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(("A name has at most 200 characters.".to_owned(), "name"));
        }
        let mut emails = Vec::new();
        for (i, raw) in lines(&form, "emails").iter().enumerate() {
            let address = EmailAddress::parse("emails", raw)
                .map_err(|_| (format!("“{raw}” is not an email address."), "emails"))?;
            emails.push(CustomerEmail {
                address,
                primary: i == 0,
            });
        }
        let mut phones = Vec::new();
        for (i, raw) in lines(&form, "phones").iter().enumerate() {
            let number = PhoneNumber::parse("phones", raw, None).map_err(|_| {
                (
                    format!("“{raw}” is not a phone number: write it with its country code, like +1 206 555 0100."),
                    "phones",
                )
            })?;
            let kept = current.phones.iter().find(|p| p.number == number);
            phones.push(CustomerPhone {
                primary: i == 0,
                extension: kept.and_then(|p| p.extension.clone()),
                region_code: kept.and_then(|p| p.region_code.clone()),
                sms_preference: kept.and_then(|p| p.sms_preference.clone()),
                phone_type: kept
                    .map_or(hearth_domain::customer::PhoneType::Mobile, |p| p.phone_type),
                number,
            });
        }
        let mut attributes = std::collections::BTreeMap::new();
        for line in form
            .get("attributes")
            .map(String::as_str)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let Some((key, value)) = line.split_once(':') else {
                return Err((
                    format!("“{line}” needs a name and a value, like “Plan: Gold”."),
                    "customAttributes",
                ));
            };
            let (key, value) = (key.trim(), value.trim());
            if key.is_empty() || key.chars().count() > 100 || value.chars().count() > 1000 {
                return Err((
                    format!("“{line}”: a name has 1 to 100 characters, a value at most 1000."),
                    "customAttributes",
                ));
            }
            attributes.insert(key.to_owned(), value.to_owned());
        }
        Ok(ProfileChange {
            name: Some(name),
            emails: Some(emails),
            phones: Some(phones),
            custom_attributes: Some(attributes),
            ..ProfileChange::default()
        })
    })();
    let change = match change {
        Ok(c) => c,
        Err((message, field)) => return Flash::error(message, field).redirect(&headers, &back),
    };
    match state.app.update_customer(&caller, &id, change).await {
        Ok(_) => Flash::notice("Profile saved.").redirect(&headers, &back),
        Err(AppError::Domain(e)) => {
            let field = match &e {
                hearth_domain::DomainError::Invalid { attr, .. } if attr.starts_with("phones") => {
                    "phones"
                }
                hearth_domain::DomainError::Invalid { attr, .. } if attr.starts_with("name") => {
                    "name"
                }
                hearth_domain::DomainError::Invalid { attr, .. }
                    if attr.starts_with("customAttributes") =>
                {
                    "customAttributes"
                }
                _ => "emails",
            };
            Flash::error(super::words::refusal(&e), field).redirect(&headers, &back)
        }
        Err(AppError::Taken { attr, .. }) => {
            let field = if attr.starts_with("phones") || attr.contains("Phone") {
                "phones"
            } else {
                "emails"
            };
            Flash::error(
                "Another customer already has that address or number. Find them with the search box: their profiles can be merged.",
                field,
            )
            .redirect(&headers, &back)
        }
        Err(e) => failed(e),
    }
}

/// `due` (the browser's local date and time) with `tzOffset` (minutes east of
/// UTC, set by the page's script) as RFC 3339; without an offset, UTC.
fn due_of(form: &HashMap<String, String>) -> Option<String> {
    let local = form
        .get("due")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())?;
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let naive = time::PrimitiveDateTime::parse(local, &format)
        .or_else(|_| time::PrimitiveDateTime::parse(local, &with_seconds))
        .ok()?;
    let minutes: i32 = form
        .get("tzOffset")
        .and_then(|o| o.trim().parse().ok())
        .filter(|m: &i32| (-18 * 60..=18 * 60).contains(m))
        .unwrap_or(0);
    let offset = time::UtcOffset::from_whole_seconds(minutes * 60).ok()?;
    naive
        .assume_offset(offset)
        .to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Creates a task for the customer from the pane's form.
pub(super) async fn new_task(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let back = back_of(&form, &id);
    let body = form
        .get("body")
        .map(|b| b.trim().to_owned())
        .unwrap_or_default();
    if body.is_empty() {
        return Flash::error("Say what needs doing.", "taskBody").redirect(&headers, &back);
    }
    let Some(due_at) = due_of(&form) else {
        return Flash::error("Choose a due date and time.", "dueAt").redirect(&headers, &back);
    };
    let new = NewTask {
        id: None,
        customer: CustomerRef::Id(id.clone()),
        inbox_id: form.get("inboxId").cloned().unwrap_or_default(),
        agent_id: form.get("agentId").filter(|a| !a.is_empty()).cloned(),
        body,
        due_at,
    };
    match state.app.create_task(&caller, new).await {
        Ok(task) => Flash::notice(format!(
            "Task created, due {}.",
            super::words::when(task.due_at)
        ))
        .redirect(&headers, &back),
        Err(AppError::Domain(e)) => {
            let field = match &e {
                hearth_domain::DomainError::Invalid { attr, .. } if attr == "dueAt" => "dueAt",
                hearth_domain::DomainError::Invalid { attr, .. } if attr == "body" => "taskBody",
                _ => "task",
            };
            Flash::error(super::words::refusal(&e), field).redirect(&headers, &back)
        }
        Err(AppError::NotFound { .. }) => {
            Flash::error("Choose an inbox and an agent that exist.", "task")
                .redirect(&headers, &back)
        }
        Err(e) => failed(e),
    }
}
