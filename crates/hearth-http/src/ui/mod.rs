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
use hearth_domain::channel::Switch;

use crate::AppState;

mod admin;
mod guard;
mod supervisor;
mod tasks;

pub use guard::LoginGuard;

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
        .route("/ui/conversations/{id}/reopen", post(reopen))
        .route("/ui/conversations/{id}/transfer", post(transfer))
        .route("/ui/conversations/{id}/topics", post(topics))
        .route("/ui/search", get(search))
        .route("/ui/customers/{id}", get(customer))
        .merge(supervisor::router())
        .merge(tasks::router())
        .merge(admin::router())
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

/// Whether the browser reached Hearth over HTTPS, through a proxy that says so
/// (`X-Forwarded-Proto: https` or `Forwarded: proto=https`). Cookies are then
/// marked `Secure`. A client faking the header only loses its own cookies on
/// plain HTTP, so the header need not be trusted.
fn over_tls(headers: &HeaderMap) -> bool {
    let says = |name: &str, f: &dyn Fn(&str) -> bool| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| f(&v.to_ascii_lowercase()))
    };
    says("x-forwarded-proto", &|v| {
        v.split(',').next().is_some_and(|p| p.trim() == "https")
    }) || says("forwarded", &|v| {
        v.split([';', ',']).any(|p| p.trim() == "proto=https")
    })
}

fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Option<i64>) -> SetCookie {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}{secure}");
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
    let header = set_cookie(headers, CSRF_COOKIE, &value, None);
    Ok((value, Some(header)))
}

/// Refuses a form whose `csrf` field is not the cookie's value.
fn check_csrf(headers: &HeaderMap, form: &HashMap<String, String>) -> Result<(), Refused> {
    match (cookie(headers, CSRF_COOKIE), form.get("csrf")) {
        (Some(c), Some(f)) if !c.is_empty() && c == *f => Ok(()),
        _ => Err(Refused::Csrf),
    }
}

/// The signed-in agent and their session credential, if any. A session that is
/// not valid is no session; a failure to find out (the database is down) is an
/// error page, never a trip to the login page.
async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Caller, String)>, Response> {
    let Some(credential) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match state.app.session(&credential).await {
        Ok(caller) => Ok(Some((caller, credential))),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(failed(e)),
    }
}

/// The page for a failure that is not the agent's doing: logged at the edge like
/// any API error, and said in words.
fn failed(e: AppError) -> Response {
    let status = crate::error::ApiError::from(e).status;
    let text = if status == StatusCode::SERVICE_UNAVAILABLE {
        "Hearth cannot reach its database right now. Try again in a moment."
    } else {
        "Something went wrong on Hearth's side. Try again; if it keeps happening, tell your administrator."
    };
    (status, text).into_response()
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
    match session(&state, &headers).await {
        Ok(Some(_)) => return Redirect::to("/").into_response(),
        Ok(None) => {}
        Err(r) => return r,
    }
    let (csrf, set) = match csrf(&headers) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    // A session cookie that no longer opens a session: it expired or was revoked.
    let ended = cookie(&headers, SESSION_COOKIE).is_some_and(|c| !c.is_empty());
    let page = page(&LoginPage {
        csrf,
        email: String::new(),
        error: ended.then(|| "Your session has ended. Sign in again.".to_owned()),
    });
    let mut response = with_cookie(page, set);
    if ended {
        let (k, v) = set_cookie(&headers, SESSION_COOKIE, "", Some(0));
        response.headers_mut().append(k, v);
    }
    response
}

/// The client's address, when the server was started with connection info.
struct PeerIp(Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

async fn login(
    State(state): State<AppState>,
    PeerIp(ip): PeerIp,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&headers, &form) {
        return r.into_response();
    }
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let again = |status: StatusCode, error: String| {
        let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
        let body = page(&LoginPage {
            csrf,
            email: email.clone(),
            error: Some(error),
        });
        (status, body).into_response()
    };
    let now = state.app.now();
    if let Some(wait) = state.logins.wait(&email, ip, now) {
        let seconds = wait.whole_seconds().max(1);
        let minutes = (seconds + 59) / 60;
        let mut response = again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many wrong passwords. Try again in {minutes} min."),
        );
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    match state.app.login(&email, &password).await {
        Ok((_, credential)) => {
            state.logins.succeeded(&email, ip);
            (
                [set_cookie(&headers, SESSION_COOKIE, &credential, None)],
                Redirect::to("/"),
            )
                .into_response()
        }
        Err(AppError::Unauthorized) => {
            state.logins.failed(&email, ip, now);
            again(StatusCode::UNAUTHORIZED, "Wrong email or password.".into())
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
    let signed_in = match session(&state, &headers).await {
        Ok(signed_in) => signed_in,
        Err(r) => return r,
    };
    if let Some((caller, credential)) = signed_in
        && let Err(e) = state.app.logout(&caller, &credential).await
    {
        return crate::error::ApiError::from(e).into_response();
    }
    (
        [set_cookie(&headers, SESSION_COOKIE, "", Some(0))],
        Redirect::to("/login"),
    )
        .into_response()
}

/// One line of My Customers, ready to show.
struct Line {
    unseen: bool,
    id: String,
    /// The customer's name, or how they reached us when nameless.
    name: String,
    customer_id: String,
    kind: &'static str,
    channel: &'static str,
    status: &'static str,
    due: String,
}

/// A pending offer, ready to show.
struct OfferLine {
    id: String,
    channel: &'static str,
    /// Who is calling or writing, when known.
    customer: String,
    expires_at: String,
}

/// The header every signed-in page shares: who, the search box, the pages the
/// caller's roles open, and the CSRF value of its forms.
struct Nav {
    csrf: String,
    agent_name: String,
    supervisor: bool,
    admin: bool,
    q: String,
}

impl Nav {
    fn of(caller: &Caller, csrf: String) -> Nav {
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
async fn signed_in(
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
fn with_cookie(mut response: Response, set: Option<SetCookie>) -> Response {
    if let Some((k, v)) = set {
        response.headers_mut().append(k, v);
    }
    response
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    nav: Nav,
    title: String,
    message: String,
}

/// A page that only says something, with its status.
fn message_page(nav: Nav, status: StatusCode, title: &str, message: &str) -> Response {
    let body = page(&MessagePage {
        nav,
        title: title.to_owned(),
        message: message.to_owned(),
    });
    (status, body).into_response()
}

/// One customer found by the search box.
struct Hit {
    id: String,
    profile: Profile,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Nav,
    hits: Vec<Hit>,
    error: Option<String>,
}

/// The search box: customers by name, email or phone prefix.
async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let (caller, mut nav, set) = match signed_in(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    nav.q = query.get("q").cloned().unwrap_or_default();
    let (hits, error, status) = match state.app.search_customers(&caller, &nav.q, 20).await {
        Ok(found) => (
            found
                .iter()
                .map(|c| Hit {
                    id: c.id.to_string(),
                    profile: Profile::of(c),
                })
                .collect(),
            None,
            StatusCode::OK,
        ),
        Err(AppError::Domain(e)) => (Vec::new(), Some(e.to_string()), StatusCode::BAD_REQUEST),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    with_cookie(
        (status, page(&SearchPage { nav, hits, error })).into_response(),
        set,
    )
}

/// A customer: their latest conversation, which shows the whole timeline.
async fn customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let (_, nav, set) = match signed_in(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state.app.customer_conversations(&id).await {
        Ok((conversations, _)) => match conversations.iter().max_by_key(|c| c.created_at) {
            Some(latest) => {
                Redirect::to(&format!("/ui/conversations/{}", latest.id)).into_response()
            }
            None => with_cookie(
                message_page(
                    nav,
                    StatusCode::OK,
                    "No conversations yet",
                    "This customer has not contacted you yet and nobody has written to them.",
                ),
                set,
            ),
        },
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "desktop.html")]
struct DesktopPage {
    nav: Nav,
    offers: Vec<OfferLine>,
    voice: bool,
    messaging: bool,
    mail: bool,
    focus: bool,
    away: bool,
    customers: Vec<Line>,
    error: Option<String>,
    notice: Option<String>,
}

/// How the desktop names a customer (see [`Profile`]); a customer that cannot be
/// read (erased meanwhile) is shown by id.
async fn customer_name(state: &AppState, id: &str) -> String {
    match state.app.customer(id).await {
        Ok(customer) => Profile::of(&customer).name,
        Err(_) => id.to_owned(),
    }
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
    let mut offer_lines = Vec::with_capacity(offers.len());
    for o in offers {
        let customer = match &o.conversation_id {
            Some(id) => match state.app.conversation(id).await {
                Ok(c) => customer_name(state, c.customer_id.as_str()).await,
                Err(_) => String::new(),
            },
            None => String::new(),
        };
        offer_lines.push(OfferLine {
            id: o.id,
            channel: channel_label(o.channel.as_deref().unwrap_or(&o.kind)),
            customer,
            expires_at: o.expires_at,
        });
    }
    let offers = offer_lines;
    let mut lines = Vec::with_capacity(customers.len());
    for c in customers {
        let name = customer_name(state, &c.customer_id).await;
        lines.push(Line {
            unseen: c.unseen,
            id: c.id,
            name,
            customer_id: c.customer_id,
            kind: c.kind,
            channel: c.channel.map_or("—", channel_label),
            status: c.status,
            due: c.due_at.map(when).unwrap_or_else(|| "—".into()),
        });
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = page(&DesktopPage {
        nav: Nav::of(caller, csrf),
        offers,
        voice: Switch::Voice.is_on(&availability.available),
        messaging: Switch::Messaging.is_on(&availability.available),
        mail: Switch::MailAndTasks.is_on(&availability.available),
        focus: availability.focus,
        away: availability.away,
        customers: lines,
        error,
        notice,
    });
    with_cookie((status, body).into_response(), set)
}

async fn desktop(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers).await {
        Ok(Some((caller, _))) => render_desktop(&state, &headers, &caller, None, None).await,
        Ok(None) => Redirect::to("/login").into_response(),
        Err(r) => r,
    }
}

/// A form post from a signed-in agent: the body is read, its CSRF value checked
/// against the cookie, and the session resolved, before the handler runs.
struct SignedForm {
    caller: Caller,
    form: HashMap<String, String>,
}

impl axum::extract::FromRequest<AppState> for SignedForm {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let Form(form) = Form::<HashMap<String, String>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        check_csrf(&headers, &form).map_err(IntoResponse::into_response)?;
        match session(state, &headers).await? {
            Some((caller, _)) => Ok(SignedForm { caller, form }),
            None => Err(Refused::SignIn.into_response()),
        }
    }
}

async fn set_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedForm { caller, form }: SignedForm,
) -> Response {
    let on = |name: &str| form.get(name).is_some_and(|v| v == "on");
    let mut available = BTreeSet::new();
    for (switch, name) in [
        (Switch::Voice, "voice"),
        (Switch::Messaging, "messaging"),
        (Switch::MailAndTasks, "mail"),
    ] {
        if on(name) {
            available.extend(switch.groups());
        }
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
    SignedForm { caller, .. }: SignedForm,
) -> Response {
    match state
        .app
        .next(&caller, hearth_routing::NextSource::AvailabilityBar)
        .await
    {
        Ok(Some(work)) => open_work(Some(work)),
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

/// Opens the work Next handed out: a conversation's page or a task's, or the
/// desktop when there was none.
fn open_work(work: Option<hearth_app::service::NextWork>) -> Response {
    match work {
        Some(w) if w.kind == "CONVERSATION" => {
            Redirect::to(&format!("/ui/conversations/{}", w.id)).into_response()
        }
        Some(w) => Redirect::to(&format!("/ui/tasks/{}", w.id)).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

/// One button of the action menu.
struct ActionButton {
    action: &'static str,
    label: &'static str,
    enabled: bool,
    /// Why it is disabled: the API's `disabledReason`, and in words.
    reason: &'static str,
    why: &'static str,
}

impl ActionButton {
    fn of(b: &hearth_domain::actions::Button) -> ActionButton {
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

/// A channel (or `TASK`) as agents call it; an unknown code shows as itself.
fn channel_label(code: &str) -> &'static str {
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
fn when(t: hearth_domain::Timestamp) -> String {
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

/// One timeline entry, ready to show.
struct Entry {
    kind: &'static str,
    who: &'static str,
    at: String,
    subject: Option<String>,
    text: Option<String>,
    /// Short facts: addresses, call times, durations, topic changes.
    facts: Vec<String>,
    attachments: Vec<String>,
    /// A recording to play.
    recording: Option<String>,
}

impl Entry {
    fn of(item: &hearth_domain::item::ConversationItem, topics: &HashMap<String, String>) -> Entry {
        use hearth_domain::item::ItemContent as C;
        let ts = when;
        let mut facts = Vec::new();
        let mut attachments = Vec::new();
        let mut recording = None;
        let mut subject = None;
        let mut files = |list: &[hearth_domain::item::Attachment]| {
            for a in list {
                attachments.push(format!(
                    "{} ({}, {} bytes)",
                    a.filename, a.content_type, a.file_size
                ));
            }
        };
        let mut call = |rec: &hearth_domain::item::Recording, facts: &mut Vec<String>| {
            if let Some(d) = rec.duration {
                facts.push(format!("{} min {:02} s", d / 60, d % 60));
            }
            if let Some(status) = &rec.status {
                facts.push(format!("recording {}", status.to_lowercase()));
            }
            if let Some(summary) = rec.summary.as_ref().and_then(|s| s.summary.clone()) {
                facts.push(summary);
            }
            recording = rec.url.clone();
        };
        match &item.content {
            C::Email {
                from,
                to,
                cc,
                subject: s,
                attachments: a,
                ..
            } => {
                subject = Some(s.clone());
                facts.push(format!("from {from}"));
                facts.push(format!("to {}", to.join(", ")));
                if !cc.is_empty() {
                    facts.push(format!("cc {}", cc.join(", ")));
                }
                files(a);
            }
            C::Sms {
                from,
                to,
                attachments: a,
                ..
            } => {
                facts.push(format!("{from} → {to}"));
                files(a);
            }
            C::ChatMessage { attachments: a, .. }
            | C::FacebookMessage { attachments: a, .. }
            | C::Whatsapp { attachments: a, .. }
            | C::InstagramDirect { attachments: a, .. }
            | C::ConversationNote { attachments: a, .. } => files(a),
            C::PhoneCall {
                from,
                to,
                started_at,
                answered_at,
                completed_at,
                recording: rec,
            } => {
                facts.push(format!("{from} → {to}"));
                facts.push(format!("rang {}", ts(*started_at)));
                facts.push(match answered_at {
                    Some(at) => format!("answered {}", ts(*at)),
                    None => "not answered".to_owned(),
                });
                if let Some(at) = completed_at {
                    facts.push(format!("ended {}", ts(*at)));
                }
                call(rec, &mut facts);
            }
            C::Voicemail {
                started_at,
                recording: rec,
            } => {
                facts.push(format!("left {}", ts(*started_at)));
                call(rec, &mut facts);
            }
            C::TopicChange { added, removed } => {
                let name = |id: &hearth_domain::id::TopicId| {
                    topics
                        .get(id.as_str())
                        .cloned()
                        .unwrap_or_else(|| id.to_string())
                };
                for t in added {
                    facts.push(format!("+ {}", name(t)));
                }
                for t in removed {
                    facts.push(format!("− {}", name(t)));
                }
            }
            C::ConversationStatusChange { status } => {
                facts.push(format!("status {status:?}").to_uppercase());
            }
            C::CustomerActivity {
                title, source_name, ..
            } => {
                subject = title.clone();
                if let Some(source) = source_name {
                    facts.push(format!("from {source}"));
                }
            }
            _ => {}
        }
        Entry {
            kind: item.content.type_name(),
            who: item.initiator.kind.as_str(),
            at: ts(item.timestamp),
            subject,
            text: item.content.text().map(str::to_owned),
            facts,
            attachments,
            recording,
        }
    }
}

/// How many of a customer's latest conversations the timeline shows in full.
const TIMELINE_CONVERSATIONS: usize = 10;

/// One conversation of the customer's timeline.
struct Block {
    id: String,
    status: &'static str,
    started: String,
    current: bool,
    items: Vec<Entry>,
}

/// A choice of a `<select>`.
struct Choice {
    value: String,
    label: String,
}

/// The customer's profile card.
struct Profile {
    name: String,
    emails: Vec<String>,
    phones: Vec<String>,
}

impl Profile {
    fn of(c: &hearth_domain::customer::Customer) -> Profile {
        let contact = c
            .emails
            .first()
            .map(|e| e.address.original().to_owned())
            .or_else(|| c.phones.first().map(|p| p.number.e164().to_owned()))
            .or_else(|| c.identities.first().map(|(_, v)| v.clone()));
        Profile {
            name: c
                .name
                .clone()
                .or(contact)
                .unwrap_or_else(|| "Unnamed customer".into()),
            emails: c
                .emails
                .iter()
                .map(|e| e.address.original().to_owned())
                .collect(),
            phones: c
                .phones
                .iter()
                .map(|p| p.number.e164().to_owned())
                .collect(),
        }
    }
}

/// One routing decision, for supervisors.
struct Decision {
    at: String,
    input: String,
    outcome: String,
    rule: String,
    winner: String,
    candidates: Vec<String>,
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    nav: Nav,
    customer_id: String,
    profile: Profile,
    conversation_id: String,
    version: u64,
    status: &'static str,
    closed: bool,
    /// The customer's open conversation, when this one is closed and another is not.
    open_elsewhere: Option<String>,
    primary: ActionButton,
    more: Vec<ActionButton>,
    topics: Vec<Choice>,
    topic_choices: Vec<Choice>,
    inboxes: Vec<Choice>,
    agents: Vec<Choice>,
    inbox_id: String,
    /// Older conversations, by a link each (status and start in the label).
    earlier: Vec<Choice>,
    timeline: Vec<Block>,
    error: Option<String>,
    /// The field an error is about, to show it next to that field.
    error_field: String,
    /// The action waiting for the close-without-reply confirmation.
    confirm: Option<&'static str>,
    /// The customer message a reply answers, the reply's type and, for email, the
    /// subject line.
    reply_to: Option<(String, &'static str)>,
    subject: String,
    routing: Vec<Decision>,
}

/// A refusal shown on the page: the message and the field it is about.
struct Problem {
    message: String,
    field: String,
    /// 409 for a stale page, 400 for anything else.
    status: StatusCode,
}

impl Problem {
    fn of(e: &AppError) -> Problem {
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

    fn text(message: &str) -> Problem {
        Problem::on(message, "")
    }

    fn on(message: &str, field: &str) -> Problem {
        Problem {
            message: message.to_owned(),
            field: field.to_owned(),
            status: StatusCode::BAD_REQUEST,
        }
    }
}

/// Renders a conversation with the customer's whole timeline and the action menu;
/// a failure to load it answers as the API would.
async fn render_conversation(
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

async fn conversation_page(
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
    let conv = state.app.conversation(id).await?;
    let menu = state.app.actions(caller, id).await?;
    let customer_id = conv.customer_id.to_string();
    let customer = state.app.customer(&customer_id).await?;
    let all_topics = state.app.topics().await?;
    let topic_names: HashMap<String, String> = all_topics
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    let (conversations, _) = state.app.customer_conversations(&customer_id).await?;
    let open_elsewhere = conversations
        .iter()
        .find(|c| c.id != conv.id && c.status != hearth_domain::conversation::Status::Closed)
        .map(|c| c.id.to_string());
    // The timeline reads the items of the latest conversations (and always of this
    // one); older ones are listed by a link each, so a long history stays cheap.
    let mut conversations = conversations;
    conversations.sort_by_key(|c| c.created_at);
    let cut = conversations.len().saturating_sub(TIMELINE_CONVERSATIONS);
    let earlier: Vec<Choice> = conversations[..cut]
        .iter()
        .filter(|c| c.id != conv.id)
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} · started {}", c.status.as_str(), when(c.created_at)),
        })
        .collect();
    let mut timeline = Vec::new();
    let mut reply_to = None;
    let mut subject = String::new();
    for (i, c) in conversations.into_iter().enumerate() {
        if i < cut && c.id != conv.id {
            continue;
        }
        let (items, _) = state.app.conversation_items(c.id.as_str()).await?;
        if c.id == conv.id
            && let Some(last) = items.iter().rev().find(|i| i.is_customer_message())
        {
            reply_to = Some((last.id.to_string(), reply_type(&last.content)));
            if let hearth_domain::item::ItemContent::Email { subject: s, .. } = &last.content {
                subject = hearth_domain::outbound::reply_subject(s);
            }
        }
        timeline.push(Block {
            id: c.id.to_string(),
            status: c.status.as_str(),
            started: when(c.created_at),
            current: c.id == conv.id,
            items: items.iter().map(|i| Entry::of(i, &topic_names)).collect(),
        });
    }
    let inboxes = choices(state.app.directory_inboxes().await?, "name");
    let agents = choices(state.app.directory_agents().await?, "name");
    let agent_name = |id: &str| label_of(&agents, id);
    let supervisor = caller
        .agent
        .has_role(hearth_domain::config::Role::Supervisor);
    let routing = if supervisor {
        state
            .app
            .routing_explanation(caller, id)
            .await?
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
            .collect()
    } else {
        Vec::new()
    };
    let (status, error, error_field) = match problem {
        Some(p) => (p.status, Some(p.message), p.field),
        None => (StatusCode::OK, None, String::new()),
    };
    let body = page(&ConversationPage {
        nav: Nav::of(caller, csrf),
        customer_id,
        profile: Profile::of(&customer),
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
            .filter(|t| !t.disabled && !conv.topic_ids.iter().any(|c| c.as_str() == t.id))
            .map(|t| Choice {
                value: t.id.clone(),
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
        routing,
    });
    Ok(with_cookie((status, body).into_response(), set))
}

/// `{id, <label>}` objects as `<select>` choices, by label.
fn choices(values: Vec<serde_json::Value>, label: &str) -> Vec<Choice> {
    let mut out: Vec<Choice> = values
        .iter()
        .map(|v| Choice {
            value: v["id"].as_str().unwrap_or_default().to_owned(),
            label: v[label].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

/// The label of the choice with this value, or the value itself when none has it
/// (a deleted agent or inbox is still shown, by id).
fn label_of(choices: &[Choice], value: &str) -> String {
    choices
        .iter()
        .find(|c| c.value == value)
        .map_or_else(|| value.to_owned(), |c| c.label.clone())
}

async fn conversation(
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
fn seen_version(form: &HashMap<String, String>) -> Option<u64> {
    form.get("version").and_then(|v| v.parse().ok())
}

/// What to show after a refused action: a domain refusal or a stale page is shown
/// on the conversation; anything else answers as the API would.
async fn refused_on_conversation(
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

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form }: SignedForm,
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
async fn reopen(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form }: SignedForm,
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
async fn transfer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form }: SignedForm,
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
async fn topics(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form }: SignedForm,
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
fn reply_type(content: &hearth_domain::item::ItemContent) -> &'static str {
    hearth_domain::outbound::reply_channel(content)
        .map_or(content.type_name(), |c| c.content_type())
}

/// The composer: a reply on the customer's channel, or an internal note.
async fn compose(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, form }: SignedForm,
) -> Response {
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
        Err(e) => refused_on_conversation(&state, &headers, &caller, &id, e).await,
    }
}

/// The signed-in agent's live events, for the pages' refresh script.
async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((caller, _)) = (match session(&state, &headers).await {
        Ok(signed_in) => signed_in,
        Err(r) => return r,
    }) else {
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
    caller: &Caller,
    id: &str,
    accept: bool,
) -> Response {
    match state.app.answer_offer(caller, id, accept).await {
        Ok(Some(conv)) if accept => {
            Redirect::to(&format!("/ui/conversations/{}", conv.id)).into_response()
        }
        Ok(_) => Redirect::to("/").into_response(),
        Err(AppError::Domain(e)) => {
            render_desktop(state, headers, caller, Some(e.to_string()), None).await
        }
        Err(AppError::NotFound { .. }) => {
            let error = Some("That offer is no longer open.".to_owned());
            render_desktop(state, headers, caller, error, None).await
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn accept_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, .. }: SignedForm,
) -> Response {
    answer_offer(&state, &headers, &caller, &id, true).await
}

async fn decline_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, .. }: SignedForm,
) -> Response {
    answer_offer(&state, &headers, &caller, &id, false).await
}
