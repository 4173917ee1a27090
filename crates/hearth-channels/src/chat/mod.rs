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
        .route("/chat/config", get(config))
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigQuery {
    entry_point: String,
}

/// `GET /chat/config?entryPoint=ADDRESS`: what the widget asks before a chat
/// starts, `{"preChat": {"name", "email"}}` (each `OFF`, `OPTIONAL` or
/// `REQUIRED`) or `{"preChat": null}`.
async fn config(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Query(query): axum::extract::Query<ConfigQuery>,
) -> axum::response::Response {
    match state.app.chat_entry_point(query.entry_point.trim()).await {
        Ok(Some(entry)) => axum::Json(serde_json::json!({
            "preChat": entry.pre_chat.map(|p| serde_json::json!({"name": p.name, "email": p.email})),
        }))
        .into_response(),
        Ok(None) => hearth_http::error::ApiError::not_found("no such chat entry point").into_response(),
        Err(e) => hearth_http::error::ApiError::from(e).into_response(),
    }
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
