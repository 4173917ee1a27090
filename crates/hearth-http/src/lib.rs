//! Hearth's HTTP edge (axum): the Gladly-dialect JSON API under `/api/v1`, Hearth's
//! own endpoints, and the health probes.
//!
//! Handlers parse and validate the request, call one [`hearth_app::App`] use case
//! and shape the response; business rules and SQL never live here. Every error
//! leaves through [`error::ApiError`], always as Gladly's
//! `{"errors":[{"attr","code","detail","meta"}]}` body.

pub mod api;
pub mod auth;
pub mod body;
pub mod error;
pub mod files;
pub mod outbound;
pub mod push;
pub mod ratelimit;
pub mod serve;
pub mod ui;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use hearth_app::App;
use tower_http::trace::TraceLayer;

/// Requests per second per credential until the settings say otherwise: generous,
/// for a self-hosted deployment.
pub const DEFAULT_RATE_LIMIT: u32 = 100;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
    /// Largest accepted request body, in bytes (`maxMessageBytes` plus room for the
    /// JSON around it).
    pub max_body: usize,
    /// Wakes live streams when this instance commits a write.
    pub events: std::sync::Arc<push::Notifier>,
    /// Requests per second per credential.
    pub limiter: std::sync::Arc<ratelimit::RateLimiter>,
    /// Failed desktop sign-ins per email and client address.
    pub logins: std::sync::Arc<ui::LoginGuard>,
    /// Whether outgoing email has a relay (else it waits in the outbox, and the
    /// desktop says so).
    pub email_relay: bool,
}

impl AppState {
    /// The state for `app`, with a notifier the app wakes after every commit.
    pub fn new(app: App, max_body: usize) -> AppState {
        let events = std::sync::Arc::new(push::Notifier::default());
        let app = app.with_bus(events.clone());
        let limiter = std::sync::Arc::new(ratelimit::RateLimiter::new(DEFAULT_RATE_LIMIT));
        AppState {
            app,
            max_body,
            events,
            limiter,
            logins: Default::default(),
            email_relay: false,
        }
    }

    /// Says whether outgoing email has a relay.
    pub fn with_email_relay(mut self, configured: bool) -> AppState {
        self.email_relay = configured;
        self
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    router_with(state, api::doc::Api::new(), Router::new())
}

/// The whole HTTP surface plus the channels' endpoints, wired by the binary:
/// `extra` under `/api/v1` (documented, authenticated, rate-limited like the rest)
/// and `pages` at the root (the chat widget and its socket).
pub fn router_with(state: AppState, extra: api::doc::Api, pages: Router<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(ui::router())
        .merge(pages)
        .nest(
            "/api/v1",
            api::router(extra).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                ratelimit::limit,
            )),
        )
        // Forms with files (the composer's attachments) may be as large as a message.
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(state.max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_nul_in_request,
        ))
        .layer(axum::middleware::from_fn(read_small_body_first))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Bodies up to this size are read before the request is routed.
const SMALL_BODY: u64 = 64 * 1024;

/// Reads a small body (by its Content-Length) before the handler runs. A request
/// refused before its body was read (wrong credentials, say) would otherwise leave
/// the body unread on the connection, and the server would close a keep-alive
/// connection the client expects to reuse. Larger bodies stream as they come.
async fn read_small_body_first(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let small = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0 && n <= SMALL_BODY);
    if !small {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, SMALL_BODY as usize).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        // Shorter than announced, too slow, or cut off: nothing to route.
        Err(_) => {
            error::ApiError::invalid(None, "the request body could not be read").into_response()
        }
    }
}

/// Whether percent-encoded text holds an encoded U+0000.
fn encodes_nul(text: &[u8]) -> bool {
    text.windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Refuses U+0000 in the path, the query or a form body with 400 `invalid`
/// (`attr` `path`, `query` or the form): no id, parameter or form field of
/// Hearth's holds one, and PostgreSQL cannot store it. JSON bodies are checked
/// field by field where they are read ([`body::JsonObject`]).
async fn refuse_nul_in_request(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = req.uri();
    if encodes_nul(uri.path().as_bytes()) {
        return body::nul("path").into_response();
    }
    if uri.query().is_some_and(|q| encodes_nul(q.as_bytes())) {
        return body::nul("query").into_response();
    }
    let form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.max_body).await else {
        return error::ApiError::too_large(state.max_body).into_response();
    };
    if encodes_nul(&bytes) || bytes.contains(&0) {
        return body::nul("form").into_response();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// An address nothing answers: Gladly's error body under `/api/`, plain words
/// elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        error::ApiError::not_found("no such endpoint").into_response()
    } else {
        (StatusCode::NOT_FOUND, "There is nothing at this address.").into_response()
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    match state.app.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => error::ApiError::from(e).into_response(),
    }
}
