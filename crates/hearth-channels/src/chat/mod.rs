//! Live chat: the WebSocket the web widget talks to (`/chat/ws`), speaking the
//! frames of [`frames`]. A session's messages go through the one ingestion use
//! case; what agents write in the session, and its end, reach the socket as soon as
//! this instance commits them, and within a second when another instance does.

pub mod frames;
mod socket;

use axum::Router;
use axum::routing::get;
use hearth_http::AppState;

/// The chat routes, merged at the root by the binary.
pub fn router() -> Router<AppState> {
    Router::new().route("/chat/ws", get(socket::upgrade))
}
