//! Error pages in the desktop's own layout: a missing conversation, a page the
//! caller's roles do not open, a stale page, an address that leads nowhere.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hearth_app::AppError;

use super::frame::{message_page, signed_in, with_cookie};
use super::session::failed;
use crate::AppState;

/// The page that answers `e` for a signed-in agent (a failure that is not the
/// agent's doing stays the short failure page).
pub(super) async fn page_for(state: &AppState, headers: &HeaderMap, e: AppError) -> Response {
    let (status, title, text) = match &e {
        AppError::NotFound { kind, .. } => (
            StatusCode::NOT_FOUND,
            "Not found",
            match *kind {
                "conversation" => "That conversation does not exist: it may have been erased with its customer.",
                "customer" => "That customer does not exist: they may have been erased.",
                "task" => "That task does not exist: it may have been erased with its customer.",
                "item" | "file" => "That message or file does not exist.",
                _ => "What this link points to does not exist.",
            }
            .to_owned(),
        ),
        AppError::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "Not for your role",
            "Your roles do not open this page. Ask an administrator if you need it.".to_owned(),
        ),
        AppError::VersionOutdated => (
            StatusCode::CONFLICT,
            "Changed meanwhile",
            "Someone else changed this after you opened it. Open it again to see its current state."
                .to_owned(),
        ),
        AppError::Domain(d) => (
            StatusCode::BAD_REQUEST,
            "That did not work",
            super::words::refusal(d),
        ),
        _ => return failed(e),
    };
    match signed_in(state, headers, "").await {
        Ok((_, nav, set)) => with_cookie(message_page(nav, status, title, &text), set),
        Err(r) => r,
    }
}

/// Any other address under the desktop: a 404 in the layout for a signed-in agent,
/// the login page for anyone else.
pub(super) async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&state, &headers, "").await {
        Ok((_, nav, set)) => with_cookie(
            message_page(
                nav,
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no page at this address. Check the link, or start again from the desktop.",
            ),
            set,
        ),
        Err(r) => r,
    }
}
