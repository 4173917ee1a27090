//! The conversation page: the timeline, the action menu and its confirmation,
//! the composer, topics, transfer and reopen.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use hearth_app::service::Caller;

use super::desktop::open_work;
use super::frame::{
    Choice, Nav, agent_names, choices, inbox_names, label_of, page, when, with_cookie,
};
use super::session::{Refused, SignedForm, csrf, session};
use super::timeline::{Block, Entry, Profile};
use crate::AppState;

/// One button of the action menu.
pub(super) struct ActionButton {
    pub(super) action: &'static str,
    pub(super) label: &'static str,
    pub(super) enabled: bool,
    /// Why it is disabled: the API's `disabledReason`, and in words.
    pub(super) reason: &'static str,
    pub(super) why: &'static str,
}

impl ActionButton {
    pub(super) fn of(b: &hearth_domain::actions::Button) -> ActionButton {
        use hearth_domain::actions::Refusal;
        ActionButton {
            action: b.action.as_str(),
            label: b.action.label(),
            enabled: b.enabled,
            reason: b.disabled_reason.map(|r| r.as_str()).unwrap_or(""),
            why: match b.disabled_reason {
                None => "",
                Some(Refusal::TopicsRequired) => "add a topic first",
                Some(Refusal::FocusMode) => "you are in Focus: only Close is open",
                Some(Refusal::ReplyMissing) => "the customer is waiting for a reply",
                Some(Refusal::NotAssignee) => "the conversation is assigned to someone else",
                Some(Refusal::ConversationClosed) => "the conversation is closed",
                Some(Refusal::ActionNotAvailable) => "not available on this channel now",
            },
        }
    }
}

/// One routing decision, for supervisors.
pub(super) struct Decision {
    pub(super) at: String,
    pub(super) input: String,
    pub(super) outcome: String,
    pub(super) rule: String,
    pub(super) winner: String,
    pub(super) candidates: Vec<String>,
}

#[derive(Template)]
#[template(path = "conversation.html")]
pub(super) struct ConversationPage {
    pub(super) nav: Nav,
    pub(super) customer_id: String,
    pub(super) profile: Profile,
    pub(super) conversation_id: String,
    pub(super) version: u64,
    pub(super) status: &'static str,
    pub(super) closed: bool,
    /// The customer's open conversation, when this one is closed and another is not.
    pub(super) open_elsewhere: Option<String>,
    pub(super) primary: ActionButton,
    pub(super) more: Vec<ActionButton>,
    pub(super) topics: Vec<Choice>,
    pub(super) topic_choices: Vec<Choice>,
    pub(super) inboxes: Vec<Choice>,
    pub(super) agents: Vec<Choice>,
    pub(super) inbox_id: String,
    /// Older conversations, by a link each (status and start in the label).
    pub(super) earlier: Vec<Choice>,
    pub(super) timeline: Vec<Block>,
    pub(super) error: Option<String>,
    /// The field an error is about, to show it next to that field.
    pub(super) error_field: String,
    /// The action waiting for the close-without-reply confirmation.
    pub(super) confirm: Option<&'static str>,
    /// The customer message a reply answers, the reply's type and, for email, the
    /// subject line.
    pub(super) reply_to: Option<(String, &'static str)>,
    /// The send button's words for that reply ("email reply", "chat message").
    pub(super) reply_label: &'static str,
    pub(super) subject: String,
    /// Who else an email reply goes to, as the Cc field shows it.
    pub(super) reply_cc: String,
    pub(super) routing: Vec<Decision>,
}

/// A refusal shown on the page: the message and the field it is about.
pub(super) struct Problem {
    pub(super) message: String,
    pub(super) field: String,
    /// 409 for a stale page, 400 for anything else.
    pub(super) status: StatusCode,
}

impl Problem {
    pub(super) fn of(e: &AppError) -> Problem {
        match e {
            AppError::VersionOutdated => Problem {
                message: "Someone else changed this conversation after you opened it. \
                          Here is its current state; nothing was changed."
                    .into(),
                field: "version".into(),
                status: StatusCode::CONFLICT,
            },
            AppError::Domain(d) => Problem {
                message: d.to_string(),
                field: match d {
                    hearth_domain::DomainError::Invalid { attr, .. } => attr.clone(),
                    _ => String::new(),
                },
                status: StatusCode::BAD_REQUEST,
            },
            other => Problem {
                message: other.to_string(),
                field: String::new(),
                status: StatusCode::BAD_REQUEST,
            },
        }
    }

    pub(super) fn text(message: &str) -> Problem {
        Problem::on(message, "")
    }

    pub(super) fn on(message: &str, field: &str) -> Problem {
        Problem {
            message: message.to_owned(),
            field: field.to_owned(),
            status: StatusCode::BAD_REQUEST,
        }
    }
}

/// Renders a conversation with the customer's whole timeline and the action menu;
/// a failure to load it answers as the API would.
pub(super) async fn render_conversation(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    problem: Option<Problem>,
    confirm: Option<&'static str>,
) -> Response {
    conversation_page(state, headers, caller, id, problem, confirm)
        .await
        .unwrap_or_else(|e| crate::error::ApiError::from(e).into_response())
}

pub(super) async fn conversation_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    problem: Option<Problem>,
    confirm: Option<&'static str>,
) -> Result<Response, AppError> {
    let (csrf, set) = match csrf(headers) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let view = state.app.conversation_view(caller, id).await?;
    let conv = &view.conversation;
    let menu = &view.menu;
    let customer_id = conv.customer_id.to_string();
    let customer = &view.customer;
    let all_topics = &view.topics;
    let topic_names: HashMap<String, String> = all_topics
        .iter()
        .map(|t| (t.id.to_string(), t.name.clone()))
        .collect();
    let open_elsewhere = view
        .history
        .iter()
        .find(|(c, _)| c.id != conv.id && c.status != hearth_domain::conversation::Status::Closed)
        .map(|(c, _)| c.id.to_string());
    // The timeline shows the items of the latest conversations (and always of this
    // one); older ones are listed by a link each, so a long history stays cheap.
    let earlier: Vec<Choice> = view
        .history
        .iter()
        .filter(|(c, items)| items.is_none() && c.id != conv.id)
        .map(|(c, _)| Choice {
            value: c.id.to_string(),
            label: format!("{} · started {}", c.status.as_str(), when(c.created_at)),
        })
        .collect();
    let mut timeline = Vec::new();
    let mut reply_to: Option<(String, &'static str)> = None;
    let mut subject = String::new();
    let mut reply_cc = String::new();
    for (c, items) in &view.history {
        let Some(items) = items else { continue };
        if c.id == conv.id
            && let Some(last) = items.iter().rev().find(|i| i.is_customer_message())
        {
            reply_to = Some((last.id.to_string(), reply_type(&last.content)));
            if let hearth_domain::item::ItemContent::Email { subject: s, .. } = &last.content {
                subject = hearth_domain::outbound::reply_subject(s);
                reply_cc = hearth_domain::outbound::reply_cc(&last.content).join(", ");
            }
        }
        timeline.push(Block {
            id: c.id.to_string(),
            status: c.status.as_str(),
            started: when(c.created_at),
            current: c.id == conv.id,
            items: items
                .iter()
                .map(|i| {
                    let waiting = match hearth_domain::conversation::message_channel(&i.content) {
                        Some(hearth_domain::channel::Channel::Email) if state.email_relay => None,
                        Some(hearth_domain::channel::Channel::Email) => {
                            Some("no outgoing email server is configured".to_owned())
                        }
                        Some(other) => Some(format!(
                            "no {} provider is configured",
                            super::frame::channel_label(other.as_str())
                        )),
                        None => None,
                    };
                    Entry::of(i, &topic_names)
                        .with_delivery(view.deliveries.get(i.id.as_str()), waiting.as_deref())
                })
                .collect(),
        });
    }
    let inboxes = choices(inbox_names(view.inboxes.clone()));
    let agents = choices(agent_names(view.agents.clone()));
    let agent_name = |id: &str| label_of(&agents, id);
    let routing = view
        .routing
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|d| Decision {
            at: d.at,
            input: d.input,
            outcome: d.outcome,
            rule: d.rule,
            winner: d
                .winner_agent_id
                .as_deref()
                .map_or_else(|| "—".into(), agent_name),
            candidates: d
                .candidates
                .iter()
                .map(|c| {
                    let who = agent_name(&c.agent_id);
                    if c.eligible {
                        format!("{who} eligible (score {})", c.score)
                    } else {
                        format!("{who} not eligible: {}", c.reasons.join(", "))
                    }
                })
                .collect(),
        })
        .collect();
    let (status, error, error_field) = match problem {
        Some(p) => (p.status, Some(p.message), p.field),
        None => (StatusCode::OK, None, String::new()),
    };
    let reply_label = reply_to
        .as_ref()
        .map_or("reply", |(_, kind)| reply_words(kind));
    let body = page(&ConversationPage {
        nav: Nav::of(caller, csrf),
        customer_id,
        profile: Profile::of(customer),
        conversation_id: conv.id.to_string(),
        version: conv.version,
        status: conv.status.as_str(),
        closed: conv.status == hearth_domain::conversation::Status::Closed,
        open_elsewhere,
        primary: ActionButton::of(&menu.primary),
        more: menu.more.iter().map(ActionButton::of).collect(),
        topics: conv
            .topic_ids
            .iter()
            .map(|t| Choice {
                value: t.to_string(),
                label: topic_names
                    .get(t.as_str())
                    .cloned()
                    .unwrap_or_else(|| t.to_string()),
            })
            .collect(),
        topic_choices: all_topics
            .iter()
            .filter(|t| !t.disabled && !conv.topic_ids.contains(&t.id))
            .map(|t| Choice {
                value: t.id.to_string(),
                label: t.name.clone(),
            })
            .collect(),
        inboxes,
        agents,
        inbox_id: conv.inbox_id.to_string(),
        earlier,
        timeline,
        error,
        error_field,
        confirm,
        reply_to,
        subject,
        reply_cc,
        reply_label,
        routing,
    });
    Ok(with_cookie((status, body).into_response(), set))
}

/// The agent types in the composer of a chat: the customer's widget is told.
pub(super) async fn agent_typing(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { .. }: SignedForm,
) -> Response {
    match state.app.chat_agent_typing(&id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `{"customerTyping": bool}`: whether the conversation's chat customer is typing.
pub(super) async fn customer_typing(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    match session(&state, &headers).await {
        Ok(Some(_)) => {}
        Ok(None) => return Refused::SignIn.into_response(),
        Err(r) => return r,
    }
    match state.app.chat_customer_is_typing(&id).await {
        Ok(typing) => axum::Json(serde_json::json!({ "customerTyping": typing })).into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// A file an item carries, for a signed-in agent.
pub(super) async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path((item, file)): axum::extract::Path<(String, String)>,
) -> Response {
    match session(&state, &headers).await {
        Ok(Some(_)) => {}
        Ok(None) => return Refused::SignIn.into_response(),
        Err(r) => return r,
    }
    match state.app.item_file(&item, &file).await {
        Ok(found) => crate::files::response(found),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

pub(super) async fn conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let Some((caller, _)) = (match session(&state, &headers).await {
        Ok(signed_in) => signed_in,
        Err(r) => return r,
    }) else {
        return Refused::SignIn.into_response();
    };
    if let Err(e) = state.app.mark_seen(&caller, &id).await {
        tracing::debug!(error = %e, "the conversation was not marked seen");
    }
    render_conversation(&state, &headers, &caller, &id, None, None).await
}

/// The version of the conversation the form was rendered with.
pub(super) fn seen_version(form: &HashMap<String, String>) -> Option<u64> {
    form.get("version").and_then(|v| v.parse().ok())
}

/// What to show after a refused action: a domain refusal or a stale page is shown
/// on the conversation; anything else answers as the API would.
pub(super) async fn refused_on_conversation(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    e: AppError,
) -> Response {
    match e {
        AppError::Domain(_) | AppError::VersionOutdated => {
            render_conversation(state, headers, caller, id, Some(Problem::of(&e)), None).await
        }
        e => crate::error::ApiError::from(e).into_response(),
    }
}

pub(super) async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let Some(action) = form
        .get("action")
        .and_then(|a| hearth_domain::actions::Action::parse(a))
    else {
        let problem = Some(Problem::text("Choose an action."));
        return render_conversation(&state, &headers, &caller, &id, problem, None).await;
    };
    let confirmed = form.get("confirmNoReply").is_some_and(|v| v == "on");
    let outcome = state
        .app
        .act(&caller, &id, action, confirmed, seen_version(&form))
        .await;
    match outcome {
        Ok(result) => open_work(result.next),
        Err(AppError::Domain(hearth_domain::DomainError::ReplyMissing)) => {
            render_conversation(&state, &headers, &caller, &id, None, Some(action.as_str())).await
        }
        Err(e) => refused_on_conversation(&state, &headers, &caller, &id, e).await,
    }
}

/// Reopen or Create New on a closed conversation (R54).
pub(super) async fn reopen(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let create_new = match form.get("mode").map(String::as_str) {
        Some("REOPEN") => false,
        Some("CREATE_NEW") => true,
        _ => {
            let problem = Some(Problem::on("Choose Reopen or Create New.", "mode"));
            return render_conversation(&state, &headers, &caller, &id, problem, None).await;
        }
    };
    match state
        .app
        .reopen(&caller, &id, create_new, seen_version(&form))
        .await
    {
        Ok(conv) => Redirect::to(&format!("/ui/conversations/{}", conv.id)).into_response(),
        Err(e) => refused_on_conversation(&state, &headers, &caller, &id, e).await,
    }
}

/// Moves the conversation to an inbox, and optionally one of its agents (T18).
pub(super) async fn transfer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let inbox = form.get("inboxId").cloned().unwrap_or_default();
    if inbox.is_empty() {
        let problem = Some(Problem::on("Choose an inbox.", "inboxId"));
        return render_conversation(&state, &headers, &caller, &id, problem, None).await;
    }
    let agent = form.get("agentId").filter(|a| !a.is_empty()).cloned();
    match state
        .app
        .transfer(&caller, &id, &inbox, agent.as_deref(), seen_version(&form))
        .await
    {
        Ok(conv) if conv.agent_id.as_ref() == Some(&caller.agent.id) => {
            Redirect::to(&format!("/ui/conversations/{id}")).into_response()
        }
        Ok(_) => Redirect::to("/").into_response(),
        Err(AppError::Domain(hearth_domain::DomainError::AgentNotInInbox)) => {
            let problem = Some(Problem::on(
                "That agent is not a member of that inbox.",
                "agentId",
            ));
            render_conversation(&state, &headers, &caller, &id, problem, None).await
        }
        Err(e) => refused_on_conversation(&state, &headers, &caller, &id, e).await,
    }
}

/// Adds a topic, or removes one (`remove`).
pub(super) async fn topics(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let outcome = match (form.get("add"), form.get("remove")) {
        (Some(add), _) if !add.is_empty() => {
            state
                .app
                .add_topics(&caller, &id, std::slice::from_ref(add))
                .await
        }
        (_, Some(remove)) => state.app.remove_topic(&caller, &id, remove).await,
        _ => Err(AppError::Domain(hearth_domain::DomainError::blank(
            "topicIds",
            "choose a topic",
        ))),
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/ui/conversations/{id}")).into_response(),
        Err(e) => refused_on_conversation(&state, &headers, &caller, &id, e).await,
    }
}

/// The reply type (Gladly's content type) that answers a customer message: the
/// domain's reply channel.
/// How the send button names a reply of content type `kind`.
fn reply_words(kind: &str) -> &'static str {
    match kind {
        "EMAIL" => "email reply",
        "SMS" => "SMS reply",
        "CHAT_MESSAGE" => "chat message",
        "FACEBOOK_MESSAGE" => "Messenger reply",
        "INSTAGRAM_DIRECT" => "Instagram reply",
        "WHATSAPP" => "WhatsApp reply",
        "TWITTER" => "Twitter reply",
        _ => "reply",
    }
}

pub(super) fn reply_type(content: &hearth_domain::item::ItemContent) -> &'static str {
    hearth_domain::outbound::reply_channel(content)
        .map_or(content.type_name(), |c| c.content_type())
}

/// The composer: a reply on the customer's channel, or an internal note.
pub(super) async fn compose(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm {
        caller,
        form,
        files,
    }: SignedForm,
) -> Response {
    let body = form
        .get("body")
        .map(|b| b.trim())
        .unwrap_or_default()
        .to_owned();
    let replying = !matches!(form.get("mode").map(String::as_str), Some("note" | "send"));
    let outcome = if body.is_empty() {
        Err(AppError::Domain(hearth_domain::DomainError::blank(
            "body",
            "write something first",
        )))
    } else if !files.is_empty() && !replying {
        Err(AppError::Domain(hearth_domain::DomainError::invalid(
            "files",
            "files go with an email reply",
        )))
    } else if form.get("mode").map(String::as_str) == Some("note") {
        state.app.add_note(&caller, &id, &body).await.map(|_| ())
    } else if form.get("mode").map(String::as_str) == Some("send") {
        let kind = form.get("kind").map(String::as_str).unwrap_or_default();
        let subject = form.get("subject").map(String::as_str);
        state
            .app
            .send_message(&caller, &id, kind, subject, &body)
            .await
            .map(|_| ())
    } else {
        let target = form.get("replyTo").cloned().unwrap_or_default();
        let kind = form.get("kind").cloned().unwrap_or_default();
        let mut content = serde_json::Map::new();
        content.insert("type".into(), serde_json::Value::String(kind));
        content.insert("body".into(), serde_json::Value::String(body));
        if let Some(cc) = form.get("cc") {
            let list: Vec<serde_json::Value> = cc
                .split([',', ';'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| serde_json::Value::String(a.to_owned()))
                .collect();
            content.insert("cc".into(), serde_json::Value::Array(list));
        }
        if let Some(subject) = form
            .get("subject")
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            content.insert(
                "subject".into(),
                serde_json::Value::String(subject.to_owned()),
            );
        }
        match hearth_app::gladly::replies::reply_request(&content, state.app.now()) {
            Ok(mut req) => {
                match &mut req {
                    hearth_app::service::ReplyRequest::Text {
                        files: attached, ..
                    } => {
                        *attached = files;
                    }
                    hearth_app::service::ReplyRequest::Message(_) if !files.is_empty() => {
                        return refused_on_conversation(
                            &state,
                            &headers,
                            &caller,
                            &id,
                            AppError::Domain(hearth_domain::DomainError::invalid(
                                "files",
                                "files go with an email reply",
                            )),
                        )
                        .await;
                    }
                    hearth_app::service::ReplyRequest::Message(_) => {}
                }
                state.app.reply(&caller, &target, req).await.map(|_| ())
            }
            Err(e) => Err(e.into()),
        }
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/ui/conversations/{id}")).into_response(),
        Err(e) => refused_on_conversation(&state, &headers, &caller, &id, e).await,
    }
}
