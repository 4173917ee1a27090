//! `GET /events` (`GLADLY-API.md` 2.11): JSON lines of Gladly-shaped events,
//! filtered by `startAt`, `endAt` and the repeatable `entities`.

use super::doc::{Api, doc};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::limited_header;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    Api::new().get(
        "/events",
        events,
        doc("Events", "Committed events as JSON lines")
            .produces("application/x-jsonlines")
            .query(&["startAt", "endAt", "entities"]),
    )
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

async fn events(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let (mut start, mut end, mut entities) = (None, None, Vec::new());
    for pair in query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value =
            decode(v).ok_or_else(|| ApiError::invalid(Some(k), "is not valid URL encoding"))?;
        match k {
            "startAt" => {
                start = Some(hearth_app::codec::parse_ts(&value).ok_or_else(|| {
                    ApiError::invalid(Some("startAt"), "must be an ISO 8601 timestamp")
                })?)
            }
            "endAt" => {
                end = Some(hearth_app::codec::parse_ts(&value).ok_or_else(|| {
                    ApiError::invalid(Some("endAt"), "must be an ISO 8601 timestamp")
                })?)
            }
            "entities" => entities.extend(
                value
                    .split(',')
                    .filter(|e| !e.is_empty())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    let start = start.ok_or_else(|| ApiError::blank("startAt", "is required"))?;
    let (list, limited) = state
        .app
        .events_feed(&caller, start, end, &entities)
        .await?;
    let mut body = String::new();
    for e in list {
        body.push_str(&e.to_string());
        body.push('\n');
    }
    let mut response = (limited_header(limited), body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-jsonlines"),
    );
    Ok(response)
}
