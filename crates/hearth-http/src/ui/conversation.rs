//! The conversation page: the timeline, the action menu and its confirmation,
//! the composer (Reply and Note), topics, transfer and reopen. Every form answers
//! with a redirect back to the page ([`super::flash`]).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use hearth_app::service::Caller;

use super::customer::Pane;
use super::desktop::open_work;
use super::flash::{Draft, Flash};
use super::frame::{Nav, page, signed_in, with_cookie};
use super::session::{Refused, SignedForm, failed, session};
use super::timeline::{Block, Entry, Profile};
use super::words::{
    At, Choice, agent_names, at, channel_icon, channel_label, choices, inbox_names, label_of,
    status_words, when,
};
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
    /// A button of the menu; `on_call` names End as ending the call.
    pub(super) fn of(b: &hearth_domain::actions::Button, on_call: bool) -> ActionButton {
        use hearth_domain::actions::{Action, Refusal};
        ActionButton {
            action: b.action.as_str(),
            label: match b.action {
                Action::End if on_call => "End call",
                Action::End => "End chat",
                other => other.label(),
            },
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
                Some(Refusal::CallInProgress) => "end the call first",
            },
        }
    }
}

/// One routing decision, for supervisors.
pub(super) struct Decision {
    pub(super) at: At,
    pub(super) input: String,
    pub(super) outcome: String,
    pub(super) rule: String,
    pub(super) winner: String,
    pub(super) candidates: Vec<String>,
}

/// Where a reply to `content` goes, as the composer names it.
fn reply_address(
    content: &hearth_domain::item::ItemContent,
    customer: &hearth_domain::customer::Customer,
) -> Option<String> {
    use hearth_domain::item::ItemContent as C;
    match content {
        C::Email { from, .. } => Some(from.clone()),
        C::Sms { from, .. } => Some(from.clone()),
        other => hearth_domain::outbound::reply_channel(other)
            .and_then(|c| hearth_domain::outbound::customer_address(customer, c)),
    }
}

/// A way to reach the customer from the composer.
pub(super) struct ChannelChoice {
    /// `reply` (answer the latest customer message on its channel), `EMAIL` or
    /// `SMS` (a new message to the profile's first address or number).
    pub(super) value: &'static str,
    /// The content type it sends.
    pub(super) kind: &'static str,
    pub(super) label: String,
    /// The send button's words.
    pub(super) send: &'static str,
}

/// A call going on.
pub(super) struct CallNow {
    pub(super) answered_at: Option<At>,
}

#[derive(Template)]
#[template(path = "conversation.html")]
pub(super) struct ConversationPage {
    pub(super) nav: Nav,
    pub(super) pane: Pane,
    pub(super) conversation_id: String,
    pub(super) version: u64,
    pub(super) status: &'static str,
    pub(super) closed: bool,
    pub(super) channel: &'static str,
    pub(super) icon: &'static str,
    pub(super) inbox: String,
    /// "Overdue" or "Due soon", with the class that colours it.
    pub(super) due_state: Option<(&'static str, &'static str)>,
    /// The assignee's name.
    pub(super) assignee: Option<String>,
    /// The caller is the assignee.
    pub(super) mine: bool,
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
    /// The refusal that belongs to no field of the page.
    pub(super) page_error: Option<String>,
    /// A refusal of the composer that names none of its fields.
    pub(super) composer_error: Option<String>,
    /// The customer message a reply answers.
    pub(super) reply_to: Option<String>,
    /// The ways the customer can be reached, the reply first.
    pub(super) channels: Vec<ChannelChoice>,
    /// `reply` or `note`: the composer's mode as the page opens.
    pub(super) mode: &'static str,
    pub(super) send_label: &'static str,
    pub(super) subject: String,
    /// Who else an email reply goes to, as the Cc field shows it.
    pub(super) reply_cc: String,
    /// What the agent had typed when the last send was refused.
    pub(super) draft: Draft,
    pub(super) chat_live: bool,
    /// The chat's customer closed it.
    pub(super) chat_left: bool,
    pub(super) call: Option<CallNow>,
    /// Reference answers to read from while a call is on, the most used first.
    pub(super) reference: Vec<hearth_app::service::answer_search::Suggestion>,
    /// When the agent's after-call work ends (RFC 3339) and the seconds left, while
    /// it runs.
    pub(super) after_call: Option<(String, i64)>,
    pub(super) emoji: &'static [&'static str],
    pub(super) routing: Vec<Decision>,
}

const EMOJI: &[&str] = &[
    "🙂", "😊", "😀", "😉", "🙏", "👍", "👋", "🎉", "❤️", "✅", "📦", "🚚", "⏳", "💳", "📧", "☎️",
];

/// The fields of the composer, by the names refusals give them.
const COMPOSER_FIELDS: &[&str] = &["body", "subject", "cc", "files", "composer"];
/// The fields shown elsewhere on the page.
const PAGE_FIELDS: &[&str] = &["topicIds", "inboxId", "agentId"];

/// The field a refusal is about, as the page names it.
fn field_of(e: &hearth_domain::DomainError) -> String {
    match e {
        hearth_domain::DomainError::Invalid { attr, .. } => {
            let attr = attr.strip_prefix("content.").unwrap_or(attr);
            match attr {
                "body" | "content" | "text" => "body".into(),
                "subject" => "subject".into(),
                a if a.starts_with("cc") => "cc".into(),
                a if a.starts_with("files") || a.starts_with("attachments") => "files".into(),
                a => a.to_owned(),
            }
        }
        _ => String::new(),
    }
}

/// Renders a conversation with the customer's whole timeline and the action menu,
/// and the customer's pane.
pub(super) async fn conversation_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
) -> Result<Response, AppError> {
    let view = state.app.conversation_view(caller, id).await?;
    let (_, nav, set) = match signed_in(state, headers, id).await {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let conv = &view.conversation;
    let menu = &view.menu;
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
            label: format!(
                "{} · started {}",
                status_words(c.status.as_str()),
                when(c.created_at)
            ),
        })
        .collect();
    let inboxes = choices(inbox_names(&view.inboxes));
    let agents = choices(agent_names(&view.agents));
    let agent_name = |id: &str| label_of(&agents, id);
    let profile = Profile::of(customer);
    let people = super::timeline::People {
        customer: &profile.name,
        agents: &agents,
        me: caller.agent.id.as_str(),
    };
    let mut timeline = Vec::new();
    let mut last_message = None;
    for (c, items) in &view.history {
        let Some(items) = items else { continue };
        if c.id == conv.id {
            last_message = items.iter().rev().find(|i| i.is_customer_message());
        }
        timeline.push(Block {
            id: c.id.to_string(),
            status: status_words(c.status.as_str()),
            started: at(c.created_at),
            opened: c.created_at,
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
                            super::words::channel_label(other.as_str())
                        )),
                        None => None,
                    };
                    let contact = i.contact_id.as_ref().and_then(|k| c.contact(k));
                    Entry::of(i, &topic_names, &people, contact)
                        .with_delivery(view.deliveries.get(i.id.as_str()), waiting.as_deref())
                })
                .collect(),
        });
    }
    // The customer's tasks stand in the timeline where they were made: in the
    // conversation that was going on then (the first one when none was).
    let (tasks, _) = state.app.customer_tasks(customer.id.as_str(), None).await?;
    for task in &tasks {
        let block = timeline
            .iter_mut()
            .rev()
            .find(|b| b.opened <= task.created_at);
        let entry = Entry::of_task(task, &people);
        match block {
            Some(b) => b.items.push(entry),
            None => {
                if let Some(first) = timeline.first_mut() {
                    first.items.insert(0, entry);
                }
            }
        }
    }
    for block in &mut timeline {
        block.items.sort_by_key(|e| e.when);
    }
    let closed = conv.status == hearth_domain::conversation::Status::Closed;
    // The ways to reach the customer: the latest message's own channel when it can
    // still take a reply, then email and SMS to the profile.
    let mut channels = Vec::new();
    let mut subject = String::new();
    let mut reply_cc = String::new();
    let mut reply_to = None;
    if let Some(last) = last_message {
        let kind = reply_type(&last.content);
        let contact = last.contact_id.as_ref().and_then(|k| conv.contact(k));
        let reachable = match kind {
            "EMAIL" => !customer.emails.is_empty() || last.content.type_name() == "EMAIL",
            "SMS" => !customer.phones.is_empty() || last.content.type_name() == "SMS",
            "CHAT_MESSAGE" => contact.is_some_and(|k| k.is_active()),
            _ => true,
        };
        if reachable {
            if let hearth_domain::item::ItemContent::Email { subject: s, .. } = &last.content {
                subject = hearth_domain::outbound::reply_subject(s);
                reply_cc = hearth_domain::outbound::reply_cc(&last.content).join(", ");
            }
            reply_to = Some(last.id.to_string());
            channels.push(ChannelChoice {
                value: "reply",
                kind,
                label: match (kind, reply_address(&last.content, customer)) {
                    ("CHAT_MESSAGE", _) => "Chat (live)".to_owned(),
                    (_, Some(to)) => format!("{} to {to}", channel_label(kind)),
                    (_, None) => format!("{} reply", channel_label(kind)),
                },
                send: reply_words(kind),
            });
        }
    }
    let taken = |k: &str| channels.iter().any(|c| c.kind == k);
    if !taken("EMAIL")
        && let Some(email) = customer.emails.first()
    {
        channels.push(ChannelChoice {
            value: "EMAIL",
            kind: "EMAIL",
            label: format!("Email to {}", email.address.original()),
            send: "Send email",
        });
    }
    if !channels.iter().any(|c| c.kind == "SMS")
        && let Some(phone) = customer.phones.first()
    {
        channels.push(ChannelChoice {
            value: "SMS",
            kind: "SMS",
            label: format!("SMS to {}", phone.number.e164()),
            send: "Send SMS",
        });
    }
    let flash = &nav.flash;
    let draft = flash.draft.clone();
    let mode = match draft.mode.as_str() {
        "note" => "note",
        "reply" if !channels.is_empty() => "reply",
        _ if channels.is_empty() || closed => "note",
        _ => "reply",
    };
    let chosen = channels
        .iter()
        .find(|c| c.value == draft.channel)
        .or(channels.first());
    let send_label = chosen.map_or("Send", |c| c.send);
    let page_error = flash
        .page_error(&[COMPOSER_FIELDS, PAGE_FIELDS, super::flash::PANE_FIELDS].concat())
        .map(str::to_owned);
    let composer_error = flash.error_on("composer").to_owned();
    let chat_live = conv
        .contacts
        .iter()
        .any(|k| k.channel == hearth_domain::channel::Channel::Chat && k.is_active());
    let chat_left = !chat_live
        && conv.current_contact().is_some_and(|k| {
            k.channel == hearth_domain::channel::Channel::Chat
                && k.ended.is_some_and(|e| {
                    e.reason == Some(hearth_domain::conversation::EndReason::CustomerAbandoned)
                        || e.reason.is_none()
                })
        });
    let call = conv
        .contacts
        .iter()
        .find(|k| k.channel == hearth_domain::channel::Channel::PhoneCall && k.is_active())
        .map(|k| CallNow {
            answered_at: k.answered_at.map(at),
        });
    let reference = if call.is_some() {
        state
            .app
            .answers_for_reply(caller, id, "", "reference", 6)
            .await?
    } else {
        Vec::new()
    };
    let after_call = view
        .after_call_until
        .filter(|_| conv.agent_id.as_ref() == Some(&caller.agent.id))
        .map(|t| (at(t).iso, (t - state.app.now()).whole_seconds().max(0)));
    let routing = view
        .routing
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|d| Decision {
            at: At::from_iso(&d.at),
            input: super::words::humane(&d.input),
            outcome: super::words::humane(&d.outcome),
            rule: super::words::humane(&d.rule),
            winner: d
                .winner_agent_id
                .as_deref()
                .map_or_else(|| "nobody".into(), agent_name),
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
    let history: Vec<&hearth_domain::conversation::Conversation> =
        view.history.iter().map(|(c, _)| c).collect();
    let pane = Pane::of(
        caller,
        customer,
        &history,
        id,
        format!("/ui/conversations/{id}"),
        tasks,
        (&view.agents, &view.inboxes),
    );
    let current = conv.current_contact().map(|k| k.channel.as_str());
    let body = page(&ConversationPage {
        pane,
        conversation_id: conv.id.to_string(),
        version: conv.version,
        status: status_words(conv.status.as_str()),
        closed,
        channel: current.map_or("No contact yet", channel_label),
        icon: current.map_or("•", channel_icon),
        inbox: label_of(&inboxes, conv.inbox_id.as_str()),
        due_state: super::words::due_badge(
            conv.due_at(),
            conv.due_at().and_then(|d| {
                let warn = view
                    .inboxes
                    .iter()
                    .find(|i| i.id == conv.inbox_id)
                    .map_or(hearth_domain::config::DEFAULT_WARN_BEFORE, |i| {
                        i.warn_before
                    });
                hearth_domain::config::due_soon_at(d, warn)
            }),
            state.app.now(),
        ),
        assignee: conv.agent_id.as_ref().map(|a| agent_name(a.as_str())),
        mine: conv.agent_id.as_ref() == Some(&caller.agent.id),
        open_elsewhere,
        primary: ActionButton::of(&menu.primary, call.is_some()),
        more: menu
            .more
            .iter()
            .map(|b| ActionButton::of(b, call.is_some()))
            .collect(),
        topics: conv
            .topic_ids
            .iter()
            .map(|t| Choice {
                value: t.to_string(),
                label: topic_names
                    .get(t.as_str())
                    .cloned()
                    .unwrap_or_else(|| "A deleted topic".to_owned()),
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
        page_error,
        composer_error: Some(composer_error).filter(|e| !e.is_empty()),
        reply_to,
        channels,
        mode,
        send_label,
        subject,
        reply_cc,
        draft,
        chat_live,
        chat_left,
        call,
        reference,
        after_call,
        emoji: EMOJI,
        routing,
        nav,
    });
    Ok(with_cookie(body, set))
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
    match conversation_page(&state, &headers, &caller, &id).await {
        Ok(r) => r,
        Err(e) => super::errors::page_for(&state, &headers, e).await,
    }
}

/// The version of the conversation the form was rendered with: every form that
/// changes a conversation carries it, so a stale page never acts. `any` (the
/// supervisor's board, which acts on the queue as it is) asks for no check; a
/// missing or unreadable version is refused.
pub(super) fn seen_version(form: &HashMap<String, String>) -> Result<Option<u64>, ()> {
    match form.get("version").map(|v| v.trim()) {
        Some("any") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ()),
        None => Err(()),
    }
}

/// The refusal of a form without a readable version.
fn stale_form(headers: &HeaderMap, id: &str) -> Response {
    Flash::error(
        "This form did not say which state of the conversation it was made from. Reload the page and try again.",
        "",
    )
    .redirect(headers, &here(id))
}

/// The conversation's page address.
fn here(id: &str) -> String {
    format!("/ui/conversations/{}", super::urlencode(id))
}

/// What to show after a refused action: back on the conversation with the refusal
/// in words next to the field it is about, and what the agent typed kept.
pub(super) fn refused_on_conversation(
    headers: &HeaderMap,
    id: &str,
    e: AppError,
    draft: Draft,
) -> Response {
    match e {
        AppError::Domain(d) => {
            let mut field = field_of(&d);
            if field.is_empty() && !draft.body.is_empty() {
                field = "composer".into();
            }
            Flash::error(super::words::refusal(&d), &field)
                .with_draft(draft)
                .redirect(headers, &here(id))
        }
        AppError::VersionOutdated => {
            let mut flash = Flash::error(
                "Someone else changed this conversation after you opened it. Here is its current state; nothing was changed.",
                "",
            )
            .with_draft(draft);
            flash.conflict = true;
            flash.redirect(headers, &here(id))
        }
        AppError::NotFound { kind, .. } if kind != "conversation" => {
            Flash::error("What that form named no longer exists.", "")
                .with_draft(draft)
                .redirect(headers, &here(id))
        }
        e => failed_or_missing(e),
    }
}

/// A failure to act that is not a refusal: a missing conversation answers 404 in
/// words, anything else the failure page.
fn failed_or_missing(e: AppError) -> Response {
    match e {
        AppError::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            "That conversation does not exist: it may have been erased with its customer.",
        )
            .into_response(),
        e => failed(e),
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
        return Flash::error("Choose an action.", "").redirect(&headers, &here(&id));
    };
    let confirmed = form.get("confirmNoReply").is_some_and(|v| v == "on");
    let Ok(version) = seen_version(&form) else {
        return stale_form(&headers, &id);
    };
    let outcome = state
        .app
        .act(&caller, &id, action, confirmed, version)
        .await;
    match outcome {
        // End and No Reply Needed leave the conversation open: the agent stays on it.
        Ok(result) if result.next.is_none() && !action.closes() => {
            if action.requests_next() {
                Flash::notice("Nothing else is waiting for you.").redirect(&headers, &here(&id))
            } else {
                Redirect::to(&here(&id)).into_response()
            }
        }
        Ok(result) => open_work(result.next),
        Err(AppError::Domain(hearth_domain::DomainError::ReplyMissing)) => Flash {
            confirm: Some(action.as_str().to_owned()),
            ..Flash::default()
        }
        .redirect(&headers, &here(&id)),
        Err(e) => refused_on_conversation(&headers, &id, e, Draft::default()),
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
            return Flash::error("Choose Reopen or Create New.", "").redirect(&headers, &here(&id));
        }
    };
    let Ok(version) = seen_version(&form) else {
        return stale_form(&headers, &id);
    };
    match state.app.reopen(&caller, &id, create_new, version).await {
        Ok(conv) => Redirect::to(&here(conv.id.as_str())).into_response(),
        Err(e) => refused_on_conversation(&headers, &id, e, Draft::default()),
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
        return Flash::error("Choose an inbox.", "inboxId").redirect(&headers, &here(&id));
    }
    let agent = form.get("agentId").filter(|a| !a.is_empty()).cloned();
    let names = state.app.directory_inboxes().await.unwrap_or_default();
    let inbox_name = names
        .iter()
        .find(|i| i.id.as_str() == inbox)
        .map_or_else(|| "the inbox".to_owned(), |i| i.name.clone());
    let Ok(version) = seen_version(&form) else {
        return stale_form(&headers, &id);
    };
    match state
        .app
        .transfer(&caller, &id, &inbox, agent.as_deref(), version)
        .await
    {
        Ok(conv) if conv.agent_id.as_ref() == Some(&caller.agent.id) => {
            Flash::notice(format!("Moved to {inbox_name}; it stays with you."))
                .redirect(&headers, &here(&id))
        }
        Ok(_) => {
            // A supervisor assigning from the board goes back to the board.
            let back = match form.get("back").map(String::as_str) {
                Some("/ui/supervisor") => "/ui/supervisor",
                _ => "/",
            };
            Flash::notice(format!("Transferred to {inbox_name}.")).redirect(&headers, back)
        }
        Err(AppError::Domain(hearth_domain::DomainError::AgentNotInInbox)) => {
            Flash::error("That agent is not a member of that inbox.", "agentId")
                .redirect(&headers, &here(&id))
        }
        Err(e) => refused_on_conversation(&headers, &id, e, Draft::default()),
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
        Ok(()) => Redirect::to(&here(&id)).into_response(),
        Err(AppError::Domain(d)) => {
            Flash::error(super::words::refusal(&d), "topicIds").redirect(&headers, &here(&id))
        }
        Err(e) => refused_on_conversation(&headers, &id, e, Draft::default()),
    }
}

/// How the send button names a reply of content type `kind`.
fn reply_words(kind: &str) -> &'static str {
    match kind {
        "EMAIL" => "Send email reply",
        "SMS" => "Send SMS reply",
        "CHAT_MESSAGE" => "Send chat message",
        "FACEBOOK_MESSAGE" => "Send Messenger reply",
        "INSTAGRAM_DIRECT" => "Send Instagram reply",
        "WHATSAPP" => "Send WhatsApp reply",
        "TWITTER" => "Send Twitter reply",
        _ => "Send reply",
    }
}

/// The reply type (Gladly's content type) that answers a customer message: the
/// domain's reply channel.
pub(super) fn reply_type(content: &hearth_domain::item::ItemContent) -> &'static str {
    hearth_domain::outbound::reply_channel(content)
        .map_or(content.type_name(), |c| c.content_type())
}

/// The composer: a reply on the chosen channel, or an internal note. The mode
/// decides, and only the mode: a note is never sent to the customer.
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
    let text = |k: &str| form.get(k).cloned().unwrap_or_default();
    let draft = Draft {
        body: text("body"),
        subject: text("subject"),
        cc: text("cc"),
        mode: text("mode"),
        channel: text("channel"),
    };
    let body = draft.body.trim().to_owned();
    let refuse = |field: &str, message: &str| {
        Flash::error(message, field)
            .with_draft(draft.clone())
            .redirect(&headers, &here(&id))
    };
    if body.is_empty() {
        return refuse("body", "Write something first.");
    }
    // An answer's placeholder left as written would reach the customer raw.
    if draft.mode == "reply" {
        let left = hearth_domain::placeholders::unfilled(&format!("{} {body}", draft.subject));
        if let Some(first) = left.first() {
            return refuse(
                "body",
                &format!("Fill in {first} before sending: it would reach the customer as written."),
            );
        }
    }
    let outcome = match draft.mode.as_str() {
        "note" if !files.is_empty() => {
            return refuse("files", "Files go with an email reply, not with a note.");
        }
        "note" => state.app.add_note(&caller, &id, &body).await.map(|_| ()),
        "reply" => match draft.channel.as_str() {
            "EMAIL" | "SMS" if !files.is_empty() => {
                return refuse("files", "Files go with an email reply.");
            }
            kind @ ("EMAIL" | "SMS") => {
                let subject = Some(draft.subject.trim()).filter(|s| !s.is_empty());
                state
                    .app
                    .send_message(&caller, &id, kind, subject, &body)
                    .await
                    .map(|_| ())
            }
            "reply" => reply(&state, &caller, &form, &draft, files).await,
            _ => return refuse("composer", "Choose who the reply goes to."),
        },
        _ => return refuse("composer", "Choose Reply or Note."),
    };
    match outcome {
        Ok(()) => Redirect::to(&here(&id)).into_response(),
        Err(e) => refused_on_conversation(&headers, &id, e, draft),
    }
}

/// A reply to the conversation's latest customer message, on its channel.
async fn reply(
    state: &AppState,
    caller: &Caller,
    form: &HashMap<String, String>,
    draft: &Draft,
    files: Vec<hearth_app::service::File>,
) -> Result<(), AppError> {
    let target = form.get("replyTo").cloned().unwrap_or_default();
    let item = state.app.item(&target).await?;
    let kind = reply_type(&item.content);
    let mut content = serde_json::Map::new();
    content.insert("type".into(), serde_json::Value::String(kind.to_owned()));
    content.insert(
        "body".into(),
        serde_json::Value::String(draft.body.trim().to_owned()),
    );
    if kind == "EMAIL" {
        let list: Vec<serde_json::Value> = draft
            .cc
            .split([',', ';'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| serde_json::Value::String(a.to_owned()))
            .collect();
        content.insert("cc".into(), serde_json::Value::Array(list));
        if let Some(subject) = Some(draft.subject.trim()).filter(|s| !s.is_empty()) {
            content.insert(
                "subject".into(),
                serde_json::Value::String(subject.to_owned()),
            );
        }
    }
    let mut req = hearth_app::gladly::replies::reply_request(&content, state.app.now())?;
    match &mut req {
        hearth_app::service::ReplyRequest::Text {
            files: attached, ..
        } => *attached = files,
        hearth_app::service::ReplyRequest::Message(_) if !files.is_empty() => {
            return Err(AppError::Domain(hearth_domain::DomainError::invalid(
                "files",
                "files go with an email reply",
            )));
        }
        hearth_app::service::ReplyRequest::Message(_) => {}
    }
    state.app.reply(caller, &target, req).await.map(|_| ())
}

/// `GET /ui/conversations/{id}/answers?q=&kind=`: answers for the composer, as
/// JSON (`{"answers": [{id, name, subject, text, unfilled, uses, internal}]}`),
/// filled in for this conversation's customer and the agent asking.
pub(super) async fn answers(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let caller = match session(&state, &headers).await {
        Ok(Some((caller, _))) => caller,
        Ok(None) => return Refused::SignIn.into_response(),
        Err(r) => return r,
    };
    let q = query.get("q").map_or("", String::as_str);
    let kind = query.get("kind").map_or("messaging", String::as_str);
    match state.app.answers_for_reply(&caller, &id, q, kind, 8).await {
        Ok(found) => axum::Json(serde_json::json!({
            "answers": found
                .iter()
                .map(|a| serde_json::json!({
                    "id": a.id,
                    "name": a.name,
                    "subject": a.subject,
                    "text": a.text,
                    "unfilled": a.unfilled,
                    "uses": a.uses,
                    "internal": a.internal,
                }))
                .collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `POST /ui/answers/{id}/used`: an agent put the answer into a reply.
pub(super) async fn answer_used(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { .. }: SignedForm,
) -> Response {
    match state.app.record_answer_use(&id).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}
