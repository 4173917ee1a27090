//! The session cookie, the CSRF double-submit check, and the extractor that
//! resolves a signed form's agent.

use std::collections::HashMap;

use axum::extract::{Form, FromRequest as _};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_app::AppError;
use hearth_app::service::Caller;

use crate::AppState;

pub(super) const SESSION_COOKIE: &str = "hearth_session";
pub(super) const CSRF_COOKIE: &str = "hearth_csrf";

/// A cookie of the request, by name.
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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
pub(super) fn over_tls(headers: &HeaderMap) -> bool {
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

pub(super) fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> SetCookie {
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
pub(super) enum Refused {
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
pub(super) type SetCookie = (header::HeaderName, HeaderValue);

/// The request's CSRF value, or a new one with the cookie that sets it.
pub(super) fn csrf(headers: &HeaderMap) -> Result<(String, Option<SetCookie>), Refused> {
    if let Some(value) = cookie(headers, CSRF_COOKIE).filter(|v| !v.is_empty()) {
        return Ok((value, None));
    }
    let value = hearth_app::clock::new_token().map_err(|_| Refused::NoRandomness)?;
    let header = set_cookie(headers, CSRF_COOKIE, &value, None);
    Ok((value, Some(header)))
}

/// Refuses a form whose `csrf` field is not the cookie's value.
pub(super) fn check_csrf(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(), Refused> {
    match (cookie(headers, CSRF_COOKIE), form.get("csrf")) {
        (Some(c), Some(f)) if !c.is_empty() && c == *f => Ok(()),
        _ => Err(Refused::Csrf),
    }
}

/// The signed-in agent and their session credential, if any. A session that is
/// not valid is no session; a failure to find out (the database is down) is an
/// error page, never a trip to the login page.
pub(super) async fn session(
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
pub(super) fn failed(e: AppError) -> Response {
    let status = crate::error::ApiError::from(e).status();
    let text = if status == StatusCode::SERVICE_UNAVAILABLE {
        "Hearth cannot reach its database right now. Try again in a moment."
    } else {
        "Something went wrong on Hearth's side. Try again; if it keeps happening, tell your administrator."
    };
    (status, text).into_response()
}

/// A form post from a signed-in agent: the body is read, its CSRF value checked
/// against the cookie, and the session resolved, before the handler runs.
pub(super) struct SignedForm {
    pub(super) caller: Caller,
    pub(super) form: HashMap<String, String>,
    /// Files of a `multipart/form-data` form (the composer's attachments).
    pub(super) files: Vec<hearth_app::service::File>,
}

/// A `multipart/form-data` body: its text fields and its non-empty files.
async fn multipart_form(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<(HashMap<String, String>, Vec<hearth_app::service::File>), Response> {
    use axum::extract::Multipart;
    let bad =
        |e: axum::extract::multipart::MultipartError| (e.status(), e.body_text()).into_response();
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut form = HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(filename) => {
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let bytes = field.bytes().await.map_err(bad)?.to_vec();
                // An empty file input sends a nameless, empty part.
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                files.push(hearth_app::service::File {
                    id: hearth_app::service::file_id(&bytes),
                    content_type,
                    filename,
                    bytes,
                });
            }
            None => {
                let text = field.text().await.map_err(bad)?;
                // No field of the desktop's holds U+0000 (PostgreSQL cannot keep it).
                if text.contains('\0') || name.contains('\0') {
                    return Err(crate::body::nul("form").into_response());
                }
                form.insert(name, text);
            }
        }
    }
    Ok((form, files))
}

impl axum::extract::FromRequest<AppState> for SignedForm {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let multipart = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let (form, files) = if multipart {
            multipart_form(req, state).await?
        } else {
            let Form(form) = Form::<HashMap<String, String>>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            (form, Vec::new())
        };
        check_csrf(&headers, &form).map_err(IntoResponse::into_response)?;
        match session(state, &headers).await? {
            Some((caller, _)) => {
                // A form the agent sent is activity (R40).
                if let Err(e) = state.app.touch(&caller).await {
                    tracing::debug!(error = %e, "the agent's activity was not noted");
                }
                Ok(SignedForm {
                    caller,
                    form,
                    files,
                })
            }
            None => Err(Refused::SignIn.into_response()),
        }
    }
}
