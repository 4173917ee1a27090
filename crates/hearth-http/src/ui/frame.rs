//! What every signed-in page shares: the header (`Nav`), rendering with the CSRF
//! cookie, plain message pages, `<select>` choices, and how times and channels
//! read to agents.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hearth_app::service::Caller;

use super::session::{Refused, SetCookie, csrf, session};
use crate::AppState;

pub(super) fn page<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page failed to render",
            )
                .into_response()
        }
    }
}

/// The header every signed-in page shares: who, the search box, the pages the
/// caller's roles open, and the CSRF value of its forms.
pub(super) struct Nav {
    pub(super) csrf: String,
    pub(super) agent_name: String,
    pub(super) supervisor: bool,
    pub(super) admin: bool,
    pub(super) q: String,
}

impl Nav {
    pub(super) fn of(caller: &Caller, csrf: String) -> Nav {
        use hearth_domain::config::Role;
        Nav {
            csrf,
            agent_name: caller.agent.name.clone(),
            supervisor: caller.agent.has_role(Role::Supervisor),
            admin: caller.agent.has_role(Role::Admin),
            q: String::new(),
        }
    }
}

/// A signed-in page request: the caller and the page's header, or the response
/// that turns it away (no session: to `/login`).
pub(super) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Caller, Nav, Option<SetCookie>), Response> {
    let Some((caller, _)) = session(state, headers).await? else {
        return Err(Refused::SignIn.into_response());
    };
    let (csrf, set) = csrf(headers).map_err(IntoResponse::into_response)?;
    let nav = Nav::of(&caller, csrf);
    Ok((caller, nav, set))
}

/// A page with the CSRF cookie set when it was new.
pub(super) fn with_cookie(mut response: Response, set: Option<SetCookie>) -> Response {
    if let Some((k, v)) = set {
        response.headers_mut().append(k, v);
    }
    response
}

#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct MessagePage {
    pub(super) nav: Nav,
    pub(super) title: String,
    pub(super) message: String,
}

/// A page that only says something, with its status.
pub(super) fn message_page(nav: Nav, status: StatusCode, title: &str, message: &str) -> Response {
    let body = page(&MessagePage {
        nav,
        title: title.to_owned(),
        message: message.to_owned(),
    });
    (status, body).into_response()
}

/// A channel (or `TASK`) as agents call it; an unknown code shows as itself.
pub(super) fn channel_label(code: &str) -> &'static str {
    match code {
        "PHONE_CALL" => "Call",
        "VOICEMAIL" => "Voicemail",
        "CHAT" => "Chat",
        "SMS" => "SMS",
        "EMAIL" => "Email",
        "FACEBOOK_MESSAGE" | "FB_MESSENGER" => "Messenger",
        "INSTAGRAM_DIRECT" => "Instagram",
        "WHATSAPP" => "WhatsApp",
        "TASK" => "Task",
        "VOICE" => "Voice",
        "MESSAGING" => "Messaging",
        "MAIL" => "Mail",
        _ => "Other",
    }
}

/// A moment as agents read it: `2026-11-25 13:21 UTC`.
pub(super) fn when(t: hearth_domain::Timestamp) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A choice of a `<select>`.
pub(super) struct Choice {
    pub(super) value: String,
    pub(super) label: String,
}

/// `(id, name)` pairs as `<select>` choices, by name.
pub(super) fn choices(values: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    let mut out: Vec<Choice> = values
        .into_iter()
        .map(|(value, label)| Choice { value, label })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

/// The label of the choice with this value, or the value itself when none has it
/// (a deleted agent or inbox is still shown, by id).
pub(super) fn label_of(choices: &[Choice], value: &str) -> String {
    choices
        .iter()
        .find(|c| c.value == value)
        .map_or_else(|| value.to_owned(), |c| c.label.clone())
}

/// Agents as `(id, name)` for [`choices`].
pub(super) fn agent_names(agents: Vec<hearth_domain::config::Agent>) -> Vec<(String, String)> {
    agents
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect()
}

/// Inboxes as `(id, name)` for [`choices`].
pub(super) fn inbox_names(inboxes: Vec<hearth_domain::config::Inbox>) -> Vec<(String, String)> {
    inboxes
        .into_iter()
        .map(|i| (i.id.to_string(), i.name))
        .collect()
}
