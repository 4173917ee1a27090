//! The desktop page: the availability bar, Next, offers with Accept and Decline,
//! My Customers, and the live stream the pages refresh from.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use hearth_app::service::Availability;
use hearth_app::service::Caller;
use hearth_domain::channel::Switch;

use super::frame::{Nav, channel_label, page, when, with_cookie};
use super::session::{SignedForm, csrf, session};
use super::timeline::Profile;
use crate::AppState;

/// One line of My Customers, ready to show.
pub(super) struct Line {
    pub(super) unseen: bool,
    pub(super) id: String,
    /// The customer's name, or how they reached us when nameless.
    pub(super) name: String,
    pub(super) customer_id: String,
    pub(super) kind: &'static str,
    pub(super) channel: &'static str,
    pub(super) status: &'static str,
    pub(super) due: String,
}

/// A pending offer, ready to show.
pub(super) struct OfferLine {
    pub(super) id: String,
    pub(super) channel: &'static str,
    /// Who is calling or writing, when known.
    pub(super) customer: String,
    pub(super) expires_at: String,
}

#[derive(Template)]
#[template(path = "desktop.html")]
pub(super) struct DesktopPage {
    pub(super) nav: Nav,
    pub(super) offers: Vec<OfferLine>,
    pub(super) voice: bool,
    pub(super) messaging: bool,
    pub(super) mail: bool,
    pub(super) focus: bool,
    pub(super) away: bool,
    pub(super) customers: Vec<Line>,
    pub(super) error: Option<String>,
    pub(super) notice: Option<String>,
}

/// How the desktop names a customer (see [`Profile`]); a customer that cannot be
/// read (erased meanwhile) is shown by id.
pub(super) async fn customer_name(state: &AppState, id: &str) -> String {
    match state.app.customer(id).await {
        Ok(customer) => Profile::of(&customer).name,
        Err(_) => id.to_owned(),
    }
}

/// Renders the desktop for `caller`, with an error or a notice.
pub(super) async fn render_desktop(
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

pub(super) async fn desktop(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers).await {
        Ok(Some((caller, _))) => render_desktop(&state, &headers, &caller, None, None).await,
        Ok(None) => Redirect::to("/login").into_response(),
        Err(r) => r,
    }
}

pub(super) async fn set_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedForm { caller, form, .. }: SignedForm,
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

pub(super) async fn next(
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
pub(super) fn open_work(work: Option<hearth_app::service::NextWork>) -> Response {
    match work {
        Some(w) if w.kind == "CONVERSATION" => {
            Redirect::to(&format!("/ui/conversations/{}", w.id)).into_response()
        }
        Some(w) => Redirect::to(&format!("/ui/tasks/{}", w.id)).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

/// The signed-in agent's live events, for the pages' refresh script.
pub(super) async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
pub(super) async fn answer_offer(
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

pub(super) async fn accept_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, .. }: SignedForm,
) -> Response {
    answer_offer(&state, &headers, &caller, &id, true).await
}

pub(super) async fn decline_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    SignedForm { caller, .. }: SignedForm,
) -> Response {
    answer_offer(&state, &headers, &caller, &id, false).await
}
