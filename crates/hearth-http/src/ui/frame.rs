//! What every signed-in page shares: the header (`Nav`), rendering with the CSRF
//! cookie, plain message pages, `<select>` choices, and how times and channels
//! read to agents.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hearth_app::service::Caller;

use super::flash::Flash;
use super::session::{Refused, SetCookie, csrf, failed, session};
use super::shell::Shell;
use crate::AppState;
use hearth_app::AppError;

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

/// What every signed-in page shares: the header (who, the search box, the pages
/// the caller's roles open), the CSRF value of its forms, and the [`Shell`] around
/// its content.
pub(super) struct Nav {
    pub(super) csrf: String,
    pub(super) agent_name: String,
    pub(super) supervisor: bool,
    pub(super) admin: bool,
    pub(super) q: String,
    pub(super) shell: Shell,
    /// The page's own flash: a notice or an error carried over a redirect.
    pub(super) flash: Flash,
    /// The time zone the agent chose (empty: the browser's own).
    pub(super) tz: String,
}

impl Nav {
    /// The header and shell of `caller`'s page about `current` (a conversation or
    /// task id, or empty).
    pub(super) async fn load(
        state: &AppState,
        caller: &Caller,
        csrf: String,
        current: &str,
        flash: Flash,
    ) -> Result<Nav, AppError> {
        use hearth_domain::config::Role;
        Ok(Nav {
            csrf,
            agent_name: caller.agent.name.clone(),
            supervisor: caller.agent.has_role(Role::Supervisor),
            admin: caller.agent.has_role(Role::Admin),
            q: String::new(),
            shell: Shell::load(state, caller, current).await?,
            flash,
            tz: state
                .app
                .preferences(caller)
                .await?
                .time_zone
                .unwrap_or_default(),
        })
    }
}

/// A signed-in page request: the caller and the page's header, with the cookies
/// to set (a new CSRF value, the flash cleared), or the response that turns it
/// away (no session: to `/login`).
pub(super) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    current: &str,
) -> Result<(Caller, Nav, Vec<SetCookie>), Response> {
    let Some((caller, _)) = session(state, headers).await? else {
        return Err(Refused::SignIn.into_response());
    };
    // Opening a page is activity (R40: it keeps the agent from going Away when
    // idle); the page's own refresh after a live event is not.
    if !headers.contains_key("x-hearth-live")
        && let Err(e) = state.app.touch(&caller).await
    {
        tracing::debug!(error = %e, "the agent's activity was not noted");
    }
    let (csrf, set) = csrf(headers).map_err(IntoResponse::into_response)?;
    let (flash, cleared) = Flash::take(headers);
    let nav = Nav::load(state, &caller, csrf, current, flash)
        .await
        .map_err(failed)?;
    let cookies = set.into_iter().chain(cleared).collect();
    Ok((caller, nav, cookies))
}

/// A page with its cookies set (the CSRF cookie when it was new, the flash
/// cleared once shown).
pub(super) fn with_cookie(
    mut response: Response,
    set: impl IntoIterator<Item = SetCookie>,
) -> Response {
    for (k, v) in set {
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

/// The page a form came from, to return to after it is done: htmx names it in
/// `HX-Current-URL`, a plain browser in `Referer`. Only a path of this server is
/// taken (never another site), else the desktop.
pub(super) fn back_to(headers: &HeaderMap) -> String {
    let from = ["hx-current-url", "referer"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()));
    let Some(url) = from else {
        return "/".to_owned();
    };
    // An absolute URL is cut to its path; its host is not trusted or needed.
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => url,
    };
    let path = path.split('#').next().unwrap_or("/");
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.len() <= 2000
        && path.chars().all(|c| c.is_ascii_graphic());
    if safe {
        path.to_owned()
    } else {
        "/".to_owned()
    }
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
