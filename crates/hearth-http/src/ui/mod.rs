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
use search::search;

mod admin;
mod answers;
mod assets;
mod conversation;
mod customer;
mod desktop;
mod errors;
mod flash;
mod frame;
mod guard;
mod help;
mod invite;
mod login;
mod me;
mod rules;
mod search;
mod session;
mod shell;
mod supervisor;
mod tasks;

mod timeline;
mod words;

pub use guard::LoginGuard;

/// A form's address opened as a page (a reload, a bookmark): the desktop.
async fn home() -> axum::response::Redirect {
    axum::response::Redirect::to("/")
}

/// A conversation form's address opened as a page: the conversation.
async fn to_conversation(
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!("/ui/conversations/{}", urlencode(&id)))
}

/// A customer form's address opened as a page: the customer.
async fn to_customer(
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!("/ui/customers/{}", urlencode(&id)))
}

/// A path segment made safe to put back into a URL.
fn urlencode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The desktop's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(desktop))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(
            "/invite/{token}",
            get(invite::invite_page).post(invite::accept),
        )
        .route("/ui/assets/htmx-2.0.11.min.js", get(assets::htmx))
        .route("/ui/assets/desk.js", get(assets::desk))
        .route("/ui/me", get(me::show).post(me::save))
        .route("/ui/availability", get(home).post(set_availability))
        .route("/ui/next", get(home).post(next))
        .route("/ui/stream", get(stream))
        .route("/ui/offers/{id}/accept", get(home).post(accept_offer))
        .route("/ui/offers/{id}/decline", get(home).post(decline_offer))
        .route("/ui/conversations/{id}", get(conversation))
        .route("/ui/conversations/{id}/act", get(to_conversation).post(act))
        .route(
            "/ui/conversations/{id}/compose",
            get(to_conversation).post(compose),
        )
        .route(
            "/ui/conversations/{id}/reopen",
            get(to_conversation).post(reopen),
        )
        .route(
            "/ui/conversations/{id}/transfer",
            get(to_conversation).post(transfer),
        )
        .route(
            "/ui/conversations/{id}/topics",
            get(to_conversation).post(topics),
        )
        .route("/ui/search", get(search))
        .route("/help", get(help::index))
        .route("/help/{audience}", get(help::audience))
        .route("/help/answer/{id}", get(help::answer))
        .route("/ui/customers/{id}", get(customer::customer))
        .route(
            "/ui/customers/{id}/profile",
            get(to_customer).post(customer::save_profile),
        )
        .route(
            "/ui/customers/{id}/tasks",
            get(to_customer).post(customer::new_task),
        )
        .route("/ui/{*rest}", get(errors::not_found))
        .route("/ui/files/{item}/{file}", get(conversation::file))
        .route("/ui/conversations/{id}/answers", get(conversation::answers))
        .route("/ui/answers/{id}/used", post(conversation::answer_used))
        .route(
            "/ui/conversations/{id}/typing",
            get(conversation::customer_typing).post(conversation::agent_typing),
        )
        .merge(supervisor::router())
        .merge(tasks::router())
        .merge(admin::router())
        .merge(rules::router())
        .merge(answers::router())
}
