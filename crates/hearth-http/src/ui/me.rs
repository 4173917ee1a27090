//! The agent's own settings: the time zone the desktop shows times in.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hearth_app::AppError;
use hearth_app::service::preferences::{Preferences, time_zones};

use super::flash::Flash;
use super::frame::{Nav, page, signed_in, with_cookie};
use super::session::{SignedForm, failed};
use crate::AppState;

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    nav: Nav,
    zones: Vec<String>,
}

pub(super) async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&state, &headers, "").await {
        Ok((_, nav, set)) => with_cookie(
            page(&MePage {
                nav,
                zones: time_zones(),
            }),
            set,
        ),
        Err(r) => r,
    }
}

pub(super) async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedForm { caller, form, .. }: SignedForm,
) -> Response {
    let wanted = Preferences {
        time_zone: form.get("timeZone").cloned(),
    };
    match state.app.set_preferences(&caller, wanted).await {
        Ok(p) => Flash::notice(match p.time_zone {
            Some(zone) => format!("Times now show in {zone}."),
            None => "Times now show in each browser's own time zone.".to_owned(),
        })
        .redirect(&headers, "/ui/me"),
        Err(AppError::Domain(e)) => {
            Flash::error(super::words::refusal(&e), "timeZone").redirect(&headers, "/ui/me")
        }
        Err(e) => failed(e),
    }
}
