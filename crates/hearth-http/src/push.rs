//! Live pushes to agents: the SSE stream of `GET /api/v1/stream`.
//!
//! A stream waits until an instance commits a write (the [`Notifier`], woken by this
//! instance's commits and, on PostgreSQL, by the other instances' through
//! LISTEN/NOTIFY) or a second passes (a wake-up lost during a reconnect), then reads
//! the event log after its cursor. Each SSE message carries the event's log position as its `id`, so a
//! reconnecting client resumes with `Last-Event-ID` and misses nothing.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use hearth_app::ports::EventBus;
use hearth_app::service::Caller;
use tokio::sync::Notify;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult};

/// How long a stream waits before looking at the log without a wake-up.
const POLL: Duration = Duration::from_secs(1);
/// Events read per look.
const PAGE: i64 = 200;

/// Wakes waiting streams.
#[derive(Debug, Default)]
pub struct Notifier(Notify);

impl Notifier {
    /// Resolves at the next commit of this instance.
    pub async fn committed(&self) {
        self.0.notified().await;
    }
}

impl EventBus for Notifier {
    fn published(&self) {
        self.0.notify_waiters();
    }
}

struct Cursor {
    state: AppState,
    caller: Caller,
    after: i64,
    pending: std::collections::VecDeque<Event>,
    named: bool,
}

/// `GET /api/v1/stream`: the calling agent's events as server-sent events.
pub async fn stream(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    events_of(state, caller, &headers, true).await
}

/// The live event stream of `caller`, resumed after `Last-Event-ID` when given; the
/// desktop's `/ui/stream` serves the same stream to a signed-in browser. `named`
/// sends each event's kind as the SSE event name; without it every event is a
/// plain `message` (what a browser's `onmessage` sees).
pub async fn events_of(
    state: AppState,
    caller: Caller,
    headers: &HeaderMap,
    named: bool,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
    caller.require(hearth_domain::config::Role::Agent)?;
    let after = match headers.get("last-event-id") {
        Some(raw) => raw
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::invalid(
                    Some("Last-Event-ID"),
                    "must be an event id this stream sent",
                )
            })?,
        None => state.app.stream_start().await?,
    };
    let cursor = Cursor {
        state,
        caller,
        after,
        pending: Default::default(),
        named,
    };
    let events = futures::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(event) = c.pending.pop_front() {
                return Some((Ok(event), c));
            }
            let notified = c.state.events.0.notified();
            match c.state.app.stream_after(&c.caller, c.after, PAGE).await {
                Ok((events, next)) => {
                    let advanced = next != c.after;
                    c.after = next;
                    for e in events {
                        let data = e.data;
                        let event = Event::default().id(e.seq.to_string()).data(data);
                        c.pending
                            .push_back(if c.named { event.event(e.kind) } else { event });
                    }
                    if advanced {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "stream read failed; retrying"),
            }
            let _ = tokio::time::timeout(POLL, notified).await;
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
