//! An invited agent's first visit: the one-time link opens a page where they
//! choose their password; then they sign in like everyone else.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hearth_app::AppError;
use hearth_app::service::MIN_PASSWORD_CHARS;

use super::flash::Flash;
use super::frame::{page, with_cookie};
use super::session::{CSRF_COOKIE, check_csrf, cookie, csrf, failed};
use crate::AppState;

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    csrf: String,
    /// Who is invited; empty when the link no longer works.
    name: String,
    email: String,
    min: usize,
    error: Option<String>,
}

fn gone(csrf: String) -> Response {
    let body = page(&InvitePage {
        csrf,
        name: String::new(),
        email: String::new(),
        min: MIN_PASSWORD_CHARS,
        error: Some(
            "This invitation link no longer works: it was used, or it is more than 7 days old. \
             Ask your administrator for a new one."
                .into(),
        ),
    });
    (StatusCode::NOT_FOUND, body).into_response()
}

pub(super) async fn invite_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let (csrf, set) = match csrf(&headers) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let response = match state.app.invitation(&token).await {
        Ok(invitation) => page(&InvitePage {
            csrf,
            name: invitation.agent_name,
            email: invitation.email,
            min: MIN_PASSWORD_CHARS,
            error: None,
        }),
        Err(AppError::NotFound { .. }) => gone(csrf),
        Err(e) => failed(e),
    };
    with_cookie(response, set)
}

pub(super) async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&headers, &form) {
        return r.into_response();
    }
    let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let again = |error: String, invitation: hearth_app::service::Invitation| {
        let body = page(&InvitePage {
            csrf: csrf.clone(),
            name: invitation.agent_name,
            email: invitation.email,
            min: MIN_PASSWORD_CHARS,
            error: Some(error),
        });
        (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
    };
    let invitation = match state.app.invitation(&token).await {
        Ok(i) => i,
        Err(AppError::NotFound { .. }) => return gone(csrf),
        Err(e) => return failed(e),
    };
    if form.get("again").is_none_or(|a| *a != password) {
        return again(
            "The two passwords differ. Type the same one twice.".into(),
            invitation,
        );
    }
    match state.app.accept_invitation(&token, &password).await {
        Ok(email) => Flash::notice(format!("Your password is set. Sign in as {email}."))
            .redirect(&headers, "/login"),
        Err(AppError::Domain(e)) => again(super::words::refusal(&e), invitation),
        Err(AppError::NotFound { .. }) => gone(csrf),
        Err(e) => failed(e),
    }
}
