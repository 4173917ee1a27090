//! Signing in and out: the login page and form (with the brake on wrong
//! passwords), and logout.

use crate::AppState;
use askama::Template;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use std::collections::HashMap;

use super::frame::{page, with_cookie};
use super::session::{CSRF_COOKIE, SESSION_COOKIE, check_csrf, cookie, csrf, session, set_cookie};

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    pub(super) csrf: String,
    pub(super) email: String,
    pub(super) error: Option<String>,
    /// A notice carried over a redirect ("Your password is set").
    pub(super) notice: Option<String>,
}

pub(super) async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
    let (flash, cleared) = super::flash::Flash::take(&headers);
    let page = page(&LoginPage {
        csrf,
        email: String::new(),
        error: ended.then(|| "Your session has ended. Sign in again.".to_owned()),
        notice: flash.notice,
    });
    let mut response = with_cookie(page, set.into_iter().chain(cleared));
    if ended {
        let (k, v) = set_cookie(&headers, SESSION_COOKIE, "", Some(0));
        response.headers_mut().append(k, v);
    }
    response
}

/// The client's address, when the server was started with connection info.
pub(super) struct PeerIp(Option<std::net::IpAddr>);

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

pub(super) async fn login(
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
            notice: None,
        });
        (status, body).into_response()
    };
    let now = state.app.now();
    // Counted before the password is checked: parallel guesses cannot outrun it.
    let attempt = match state.logins.attempt(&email, ip, now) {
        Ok(attempt) => attempt,
        Err(wait) => {
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
    };
    match state.app.login(&email, &password).await {
        Ok((_, credential)) => {
            state.logins.succeeded(attempt);
            (
                [set_cookie(&headers, SESSION_COOKIE, &credential, None)],
                Redirect::to("/"),
            )
                .into_response()
        }
        Err(AppError::Unauthorized) => {
            again(StatusCode::UNAUTHORIZED, "Wrong email or password.".into())
        }
        Err(AppError::Busy) => {
            let mut response = again(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-ins at this moment. Try again in a few seconds.".into(),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            response
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

pub(super) async fn logout(
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
