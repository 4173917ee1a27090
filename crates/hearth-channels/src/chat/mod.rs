//! Live chat: the WebSocket the web widget talks to (`/chat/ws`), speaking the
//! frames of [`frames`]. A session's messages go through the one ingestion use
//! case; what agents write in the session, and its end, reach the socket as soon as
//! this instance commits them, and within a second when another instance does.

pub mod frames;
mod socket;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use hearth_http::AppState;

/// The widget, written for this project (no third-party code, no CDN).
const WIDGET: &str = include_str!("../../assets/widget.js");
/// A page that stands for a customer's website, with the widget embedded.
const DEMO: &str = include_str!("../../assets/demo.html");

/// How late a socket's report of its customer may come before the customer counts
/// as gone: twice the socket's reporting interval.
pub const GRACE: hearth_domain::Duration = hearth_domain::Duration::seconds(10);

/// Ends the chats whose customer left and did not come back in time (R45), every
/// five seconds until `stop`.
pub async fn run(app: hearth_app::App, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = app.abandon_stale_chats(GRACE).await {
            tracing::warn!(error = %e.chain(), "ending abandoned chats failed; retrying");
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// The chat routes, merged at the root by the binary.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/ws", get(socket::upgrade))
        .route("/chat/widget.js", get(widget))
        .route("/chat/demo", get(demo))
}

async fn widget() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        WIDGET,
    )
}

async fn demo() -> Html<&'static str> {
    Html(DEMO)
}
