//! The desktop's home page, availability, Next, offers with Accept and Decline,
//! and the live stream the pages refresh from.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use hearth_app::service::Availability;
use hearth_domain::channel::Switch;

use super::flash::Flash;
use super::frame::{Nav, back_to, page, signed_in, with_cookie};
use super::session::{SignedForm, session};
use crate::AppState;

#[derive(Template)]
#[template(path = "desktop.html")]
pub(super) struct DesktopPage {
    pub(super) nav: Nav,
}

pub(super) async fn desktop(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&state, &headers, "").await {
        Ok((_, nav, set)) => with_cookie(page(&DesktopPage { nav }), set),
        Err(r) => r,
    }
}

/// A switch, Focus, Away with its reason, or back from Away: applied at once, and
/// the agent stays on the page they were on.
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
    let away = on("away") && !on("back");
    let reasons = match state.app.away_reasons().await {
        Ok(r) => r,
        Err(e) => return super::session::failed(e),
    };
    let away_reason = form
        .get("awayReason")
        .filter(|r| away && reasons.contains(r))
        .cloned();
    let wanted = Availability {
        available,
        focus: on("focus"),
        away,
        away_reason,
    };
    let back = back_to(&headers);
    match state.app.set_availability(&caller, wanted).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(AppError::Domain(e)) => {
            Flash::error(super::words::refusal(&e), "availability").redirect(&headers, &back)
        }
        Err(e) => super::session::failed(e),
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
        Ok(None) => Flash::notice("Nothing is waiting for you.").redirect(&headers, "/"),
        Err(AppError::Domain(e)) => {
            Flash::error(super::words::refusal(&e), "").redirect(&headers, &back_to(&headers))
        }
        Err(e) => super::session::failed(e),
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

/// Accept or Decline on an offer banner, from any page.
async fn answer_offer(
    state: &AppState,
    headers: &HeaderMap,
    form: SignedForm,
    id: &str,
    accept: bool,
) -> Response {
    match state.app.answer_offer(&form.caller, id, accept).await {
        Ok(Some(conv)) if accept => {
            Redirect::to(&format!("/ui/conversations/{}", conv.id)).into_response()
        }
        Ok(_) => Redirect::to(&back_to(headers)).into_response(),
        Err(AppError::Domain(e)) => {
            Flash::error(super::words::refusal(&e), "").redirect(headers, &back_to(headers))
        }
        Err(AppError::NotFound { .. }) => Flash::error(
            "That offer is no longer open: it expired or was withdrawn.",
            "",
        )
        .redirect(headers, &back_to(headers)),
        Err(e) => super::session::failed(e),
    }
}

pub(super) async fn accept_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    form: SignedForm,
) -> Response {
    answer_offer(&state, &headers, form, &id, true).await
}

pub(super) async fn decline_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    form: SignedForm,
) -> Response {
    answer_offer(&state, &headers, form, &id, false).await
}
