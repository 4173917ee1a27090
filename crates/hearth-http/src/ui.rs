//! The agent desktop: server-rendered pages (askama) behind a password login.
//!
//! A login sets `hearth_session`, an HttpOnly, SameSite=Strict cookie holding the
//! session credential from [`hearth_app::App::login`]. Every form also carries the
//! value of the `hearth_csrf` cookie as the field `csrf`; a POST whose field and
//! cookie differ is refused with 403 (double-submit check, on top of SameSite).
//! Pages without a session redirect to `/login`.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hearth_app::AppError;
use hearth_app::service::Availability;
use hearth_app::service::Caller;
use hearth_domain::channel::Group;

use crate::AppState;

const SESSION_COOKIE: &str = "hearth_session";
const CSRF_COOKIE: &str = "hearth_csrf";

/// The desktop's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(desktop))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/ui/availability", post(set_availability))
        .route("/ui/next", post(next))
        .route("/ui/stream", get(stream))
        .route("/ui/offers/{id}/accept", post(accept_offer))
        .route("/ui/offers/{id}/decline", post(decline_offer))
        .route("/ui/conversations/{id}", get(conversation))
        .route("/ui/conversations/{id}/act", post(act))
        .route("/ui/conversations/{id}/compose", post(compose))
}

/// A cookie of the request, by name.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age: Option<i64>) -> SetCookie {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}");
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// Why a page request was turned away before its handler ran.
#[derive(Debug, Clone, Copy)]
enum Refused {
    /// The form's CSRF value is missing or is not the cookie's.
    Csrf,
    /// No session: sign in first.
    SignIn,
    /// The system could not draw random bytes.
    NoRandomness,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from Hearth. Reload the page and try again.",
            )
                .into_response(),
            Refused::SignIn => Redirect::to("/login").into_response(),
            Refused::NoRandomness => {
                (StatusCode::INTERNAL_SERVER_ERROR, "no randomness available").into_response()
            }
        }
    }
}

/// A `Set-Cookie` header.
type SetCookie = (header::HeaderName, HeaderValue);

/// The request's CSRF value, or a new one with the cookie that sets it.
fn csrf(headers: &HeaderMap) -> Result<(String, Option<SetCookie>), Refused> {
    if let Some(value) = cookie(headers, CSRF_COOKIE).filter(|v| !v.is_empty()) {
        return Ok((value, None));
    }
    let value = hearth_app::clock::new_token().map_err(|_| Refused::NoRandomness)?;
    let header = set_cookie(CSRF_COOKIE, &value, None);
    Ok((value, Some(header)))
}

/// Refuses a form whose `csrf` field is not the cookie's value.
fn check_csrf(headers: &HeaderMap, form: &HashMap<String, String>) -> Result<(), Refused> {
    match (cookie(headers, CSRF_COOKIE), form.get("csrf")) {
        (Some(c), Some(f)) if !c.is_empty() && c == *f => Ok(()),
        _ => Err(Refused::Csrf),
    }
}

/// The signed-in agent and their session credential, if any.
async fn session(state: &AppState, headers: &HeaderMap) -> Option<(Caller, String)> {
    let credential = cookie(headers, SESSION_COOKIE)?;
    let caller = state.app.session(&credential).await.ok()?;
    Some((caller, credential))
}

fn page<T: Template>(template: &T) -> Response {
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

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    error: Option<String>,
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if session(&state, &headers).await.is_some() {
        return Redirect::to("/").into_response();
    }
    let (csrf, set) = match csrf(&headers) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let mut response = page(&LoginPage {
        csrf,
        email: String::new(),
        error: None,
    });
    if let Some((k, v)) = set {
        response.headers_mut().append(k, v);
    }
    response
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&headers, &form) {
        return r.into_response();
    }
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    match state.app.login(&email, &password).await {
        Ok((_, credential)) => (
            [set_cookie(SESSION_COOKIE, &credential, None)],
            Redirect::to("/"),
        )
            .into_response(),
        Err(AppError::Unauthorized) => {
            let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
            let body = page(&LoginPage {
                csrf,
                email,
                error: Some("Wrong email or password.".into()),
            });
            (StatusCode::UNAUTHORIZED, body).into_response()
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&headers, &form) {
        return r.into_response();
    }
    if let Some((caller, credential)) = session(&state, &headers).await
        && let Err(e) = state.app.logout(&caller, &credential).await
    {
        return crate::error::ApiError::from(e).into_response();
    }
    (
        [set_cookie(SESSION_COOKIE, "", Some(0))],
        Redirect::to("/login"),
    )
        .into_response()
}

/// One line of My Customers, ready to show.
struct Line {
    unseen: bool,
    id: String,
    customer_id: String,
    kind: &'static str,
    channel: &'static str,
    status: &'static str,
    due: String,
}

/// A pending offer, ready to show.
struct OfferLine {
    id: String,
    channel: String,
    expires_at: String,
}

#[derive(Template)]
#[template(path = "desktop.html")]
struct DesktopPage {
    csrf: String,
    offers: Vec<OfferLine>,
    agent_name: String,
    voice: bool,
    messaging: bool,
    mail: bool,
    focus: bool,
    away: bool,
    customers: Vec<Line>,
    error: Option<String>,
    notice: Option<String>,
}

/// Renders the desktop for `caller`, with an error or a notice.
async fn render_desktop(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let (csrf, set) = match csrf(headers) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let availability = state.app.availability(caller).await;
    let customers = state.app.my_customers(caller).await;
    let offers = state.app.offers(caller).await;
    let (availability, customers, offers) = match (availability, customers, offers) {
        (Ok(a), Ok(c), Ok(o)) => (a, c, o),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return crate::error::ApiError::from(e).into_response();
        }
    };
    let offers = offers
        .into_iter()
        .map(|o| OfferLine {
            id: o.id,
            channel: o.channel.unwrap_or_else(|| o.kind.clone()),
            expires_at: o.expires_at,
        })
        .collect();
    let lines = customers
        .into_iter()
        .map(|c| Line {
            unseen: c.unseen,
            id: c.id,
            customer_id: c.customer_id,
            kind: c.kind,
            channel: c.channel.unwrap_or("—"),
            status: c.status,
            due: c
                .due_at
                .map(hearth_app::codec::fmt_ts)
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = page(&DesktopPage {
        csrf,
        offers,
        agent_name: caller.agent.name.clone(),
        voice: availability.available.contains(&Group::Voice),
        messaging: availability.available.contains(&Group::Messaging),
        mail: availability.available.contains(&Group::Mail),
        focus: availability.focus,
        away: availability.away,
        customers: lines,
        error,
        notice,
    });
    let mut response = (status, body).into_response();
    if let Some((k, v)) = set {
        response.headers_mut().append(k, v);
    }
    response
}

async fn desktop(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers).await {
        Some((caller, _)) => render_desktop(&state, &headers, &caller, None, None).await,
        None => Redirect::to("/login").into_response(),
    }
}

/// The signed-in agent of a form post, after the CSRF check.
async fn form_caller(
    state: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Caller, Refused> {
    check_csrf(headers, form)?;
    match session(state, headers).await {
        Some((caller, _)) => Ok(caller),
        None => Err(Refused::SignIn),
    }
}

async fn set_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match form_caller(&state, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let on = |name: &str| form.get(name).is_some_and(|v| v == "on");
    let mut available = BTreeSet::new();
    if on("voice") {
        available.insert(Group::Voice);
    }
    if on("messaging") {
        available.insert(Group::Messaging);
    }
    if on("mail") {
        available.insert(Group::Mail);
        available.insert(Group::Task);
    }
    let wanted = Availability {
        available,
        focus: on("focus"),
        away: false,
    };
    match state.app.set_availability(&caller, wanted).await {
        Ok(_) => Redirect::to("/").into_response(),
        Err(AppError::Domain(e)) => {
            render_desktop(&state, &headers, &caller, Some(e.to_string()), None).await
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn next(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match form_caller(&state, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    match state
        .app
        .next(&caller, hearth_routing::NextSource::AvailabilityBar)
        .await
    {
        Ok(Some(work)) if work.kind == "CONVERSATION" => {
            Redirect::to(&format!("/ui/conversations/{}", work.id)).into_response()
        }
        Ok(Some(work)) => {
            let notice = format!("Next: customer {}", work.customer_id);
            render_desktop(&state, &headers, &caller, None, Some(notice)).await
        }
        Ok(None) => {
            let notice = "Nothing is waiting for you.".to_owned();
            render_desktop(&state, &headers, &caller, None, Some(notice)).await
        }
        Err(AppError::Domain(e)) => {
            render_desktop(&state, &headers, &caller, Some(e.to_string()), None).await
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// One button of the action menu.
struct ActionButton {
    action: &'static str,
    label: &'static str,
    enabled: bool,
    reason: &'static str,
}

impl ActionButton {
    fn of(b: &hearth_domain::actions::Button) -> ActionButton {
        ActionButton {
            action: b.action.as_str(),
            label: b.action.label(),
            enabled: b.enabled,
            reason: b.disabled_reason.map(|r| r.as_str()).unwrap_or(""),
        }
    }
}

/// One timeline entry, ready to show.
struct Entry {
    kind: &'static str,
    who: &'static str,
    at: String,
    subject: Option<String>,
    text: Option<String>,
}

/// One conversation of the customer's timeline.
struct Block {
    id: String,
    status: &'static str,
    started: String,
    items: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    csrf: String,
    agent_name: String,
    customer_id: String,
    conversation_id: String,
    status: &'static str,
    primary: ActionButton,
    more: Vec<ActionButton>,
    timeline: Vec<Block>,
    error: Option<String>,
    /// The action waiting for the close-without-reply confirmation.
    confirm: Option<&'static str>,
    /// The customer message a reply answers, and the reply's type.
    reply_to: Option<(String, &'static str)>,
}

/// Renders a conversation with the customer's whole timeline and the action menu;
/// a failure to load it answers as the API would.
async fn render_conversation(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    error: Option<String>,
    confirm: Option<&'static str>,
) -> Response {
    conversation_page(state, headers, caller, id, error, confirm)
        .await
        .unwrap_or_else(|e| crate::error::ApiError::from(e).into_response())
}

async fn conversation_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    error: Option<String>,
    confirm: Option<&'static str>,
) -> Result<Response, AppError> {
    let (csrf, set) = match csrf(headers) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let conv = state.app.conversation(id).await?;
    let menu = state.app.actions(caller, id).await?;
    let customer_id = conv.customer_id.to_string();
    let (conversations, _) = state.app.customer_conversations(&customer_id).await?;
    let mut timeline = Vec::new();
    let mut reply_to = None;
    for c in conversations {
        let (items, _) = state.app.conversation_items(c.id.as_str()).await?;
        if c.id == conv.id
            && let Some(last) = items.iter().rev().find(|i| i.is_customer_message())
        {
            reply_to = Some((last.id.to_string(), reply_type(&last.content)));
        }
        timeline.push(Block {
            id: c.id.to_string(),
            status: c.status.as_str(),
            started: hearth_app::codec::fmt_ts(c.created_at),
            items: items
                .iter()
                .map(|i| Entry {
                    kind: i.content.type_name(),
                    who: i.initiator.kind.as_str(),
                    at: hearth_app::codec::fmt_ts(i.timestamp),
                    subject: match &i.content {
                        hearth_domain::item::ItemContent::Email { subject, .. } => {
                            Some(subject.clone())
                        }
                        _ => None,
                    },
                    text: i.content.text().map(str::to_owned),
                })
                .collect(),
        });
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = page(&ConversationPage {
        csrf,
        agent_name: caller.agent.name.clone(),
        customer_id,
        conversation_id: conv.id.to_string(),
        status: conv.status.as_str(),
        primary: ActionButton::of(&menu.primary),
        more: menu.more.iter().map(ActionButton::of).collect(),
        timeline,
        error,
        confirm,
        reply_to,
    });
    let mut response = (status, body).into_response();
    if let Some((k, v)) = set {
        response.headers_mut().append(k, v);
    }
    Ok(response)
}

async fn conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let Some((caller, _)) = session(&state, &headers).await else {
        return Refused::SignIn.into_response();
    };
    render_conversation(&state, &headers, &caller, &id, None, None).await
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match form_caller(&state, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Some(action) = form
        .get("action")
        .and_then(|a| hearth_domain::actions::Action::parse(a))
    else {
        let error = Some("Choose an action.".to_owned());
        return render_conversation(&state, &headers, &caller, &id, error, None).await;
    };
    let confirmed = form.get("confirmNoReply").is_some_and(|v| v == "on");
    let outcome = state.app.act(&caller, &id, action, confirmed).await;
    match outcome {
        Ok(result) => match result.next {
            Some(next) if next.kind == "CONVERSATION" => {
                Redirect::to(&format!("/ui/conversations/{}", next.id)).into_response()
            }
            _ => Redirect::to("/").into_response(),
        },
        Err(AppError::Domain(hearth_domain::DomainError::ReplyMissing)) => {
            render_conversation(&state, &headers, &caller, &id, None, Some(action.as_str())).await
        }
        Err(AppError::Domain(e)) => {
            render_conversation(&state, &headers, &caller, &id, Some(e.to_string()), None).await
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// The reply type that answers a customer message on its own channel (a voicemail
/// is answered by email).
fn reply_type(content: &hearth_domain::item::ItemContent) -> &'static str {
    match content.type_name() {
        "VOICEMAIL" | "PHONE_CALL" => "EMAIL",
        other => other,
    }
}

/// The composer: a reply on the customer's channel, or an internal note.
async fn compose(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match form_caller(&state, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let body = form
        .get("body")
        .map(|b| b.trim())
        .unwrap_or_default()
        .to_owned();
    let outcome = if body.is_empty() {
        Err(AppError::Domain(hearth_domain::DomainError::blank(
            "body",
            "write something first",
        )))
    } else if form.get("mode").map(String::as_str) == Some("note") {
        state.app.add_note(&caller, &id, &body).await.map(|_| ())
    } else {
        let target = form.get("replyTo").cloned().unwrap_or_default();
        let kind = form.get("kind").cloned().unwrap_or_default();
        let mut content = serde_json::Map::new();
        content.insert("type".into(), serde_json::Value::String(kind));
        content.insert("body".into(), serde_json::Value::String(body));
        state
            .app
            .reply(
                &caller,
                &target,
                hearth_app::service::ReplyRequest { content },
            )
            .await
            .map(|_| ())
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/ui/conversations/{id}")).into_response(),
        Err(AppError::Domain(e)) => {
            render_conversation(&state, &headers, &caller, &id, Some(e.to_string()), None).await
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// The signed-in agent's live events, for the pages' refresh script.
async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((caller, _)) = session(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    match crate::push::events_of(state, caller, &headers, false).await {
        Ok(sse) => sse.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Accept or Decline on an offer banner.
async fn answer_offer(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    form: &HashMap<String, String>,
    accept: bool,
) -> Response {
    let caller = match form_caller(state, headers, form).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    match state.app.answer_offer(&caller, id, accept).await {
        Ok(Some(conv)) if accept => {
            Redirect::to(&format!("/ui/conversations/{}", conv.id)).into_response()
        }
        Ok(_) => Redirect::to("/").into_response(),
        Err(AppError::Domain(e)) => {
            render_desktop(state, headers, &caller, Some(e.to_string()), None).await
        }
        Err(AppError::NotFound { .. }) => {
            let error = Some("That offer is no longer open.".to_owned());
            render_desktop(state, headers, &caller, error, None).await
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn accept_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    answer_offer(&state, &headers, &id, &form, true).await
}

async fn decline_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    answer_offer(&state, &headers, &id, &form, false).await
}
