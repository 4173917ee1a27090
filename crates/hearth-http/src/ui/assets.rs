//! The desktop's script files, built into the binary: htmx (vendored, pinned,
//! under its own 0BSD licence in `assets/htmx-LICENSE`) and our own `desk.js`.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const HTMX: &str = include_str!("../../assets/htmx-2.0.11.min.js");
const DESK: &str = include_str!("../../assets/desk.js");

/// Its file name carries the version, so a browser may keep it for good.
pub(super) async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        HTMX,
    )
        .into_response()
}

/// Changes with every release of Hearth: the browser asks again each time.
pub(super) async fn desk() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        DESK,
    )
        .into_response()
}
