//! Serving the files items carry (attachments, inline images) to those who may
//! read the item. Bytes someone else wrote never run here: the answer forbids
//! sniffing and any active content, and only images show inline; everything else
//! downloads.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hearth_app::service::ItemFile;

/// The answer that hands out `file`.
pub fn response(file: ItemFile) -> Response {
    let inline = file.content_type.starts_with("image/") && !file.content_type.contains("svg");
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    // Only printable ASCII in the quoted name; the rest becomes '_'.
    let name: String = file
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{name}\"",
        if inline { "inline" } else { "attachment" }
    );
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
        ],
        file.bytes,
    )
        .into_response()
}
