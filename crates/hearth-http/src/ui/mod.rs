//! The agent desktop: server-rendered pages (askama) behind a password login.
//!
//! A login sets `hearth_session`, an HttpOnly, SameSite=Strict cookie holding the
//! session credential from [`hearth_app::App::login`]. Every form also carries the
//! value of the `hearth_csrf` cookie as the field `csrf`; a POST whose field and
//! cookie differ is refused with 403 (double-submit check, on top of SameSite).
//! Pages without a session redirect to `/login`.

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use conversation::{act, compose, conversation, reopen, topics, transfer};
use desktop::{accept_offer, decline_offer, desktop, next, set_availability, stream};
use login::{login, login_page, logout};
use search::{customer, search};

mod admin;
mod conversation;
mod desktop;
mod frame;
mod guard;
mod login;
mod search;
mod session;
mod supervisor;
mod tasks;
mod timeline;

pub use guard::LoginGuard;

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
        .route("/ui/files/{item}/{file}", get(conversation::file))
        .route(
            "/ui/conversations/{id}/typing",
            get(conversation::customer_typing).post(conversation::agent_typing),
        )
        .merge(supervisor::router())
        .merge(tasks::router())
        .merge(admin::router())
}
