//! The search box and the customer page it leads to.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hearth_app::AppError;

use super::frame::{Nav, page, signed_in, with_cookie};
use super::timeline::Profile;
use crate::AppState;

/// One customer found by the search box.
pub(super) struct Hit {
    pub(super) id: String,
    pub(super) profile: Profile,
}

#[derive(Template)]
#[template(path = "search.html")]
pub(super) struct SearchPage {
    pub(super) nav: Nav,
    pub(super) hits: Vec<Hit>,
    pub(super) error: Option<String>,
}

/// The search box: customers by name, email or phone prefix.
pub(super) async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let (caller, mut nav, set) = match signed_in(&state, &headers, "").await {
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
        Err(AppError::Domain(e)) => (
            Vec::new(),
            Some(super::words::refusal(&e)),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    with_cookie(
        (status, page(&SearchPage { nav, hits, error })).into_response(),
        set,
    )
}
