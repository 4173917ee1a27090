//! Live pushes to agents: the SSE stream of `GET /api/v1/stream`.
//!
//! One reader per instance follows the event log: woken when an instance commits
//! a write (the [`Notifier`], woken by this instance's commits and, on PostgreSQL,
//! by the other instances' through LISTEN/NOTIFY) or after a second (a wake-up lost
//! during a reconnect), it reads each new page once, works out which agents each
//! event concerns, and hands the events to every open stream over a broadcast
//! channel; a stream keeps those of its agent. So a commit costs one read of the
//! log however many streams are open. A stream that starts behind (a
//! `Last-Event-ID`) or falls behind the channel reads the log itself until it has
//! caught up. Each SSE message carries the event's log position as its `id`, so a
//! reconnecting client resumes with `Last-Event-ID` and misses nothing. The reader
//! stops when the last stream closes and starts again with the next.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use hearth_app::App;
use hearth_app::ports::EventBus;
use hearth_app::service::Caller;
use hearth_app::service::events::RoutedEvent;
use tokio::sync::{Notify, broadcast};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult};

/// How long the reader waits before looking at the log without a wake-up.
const POLL: Duration = Duration::from_secs(1);
/// Events read per look.
const PAGE: i64 = 200;
/// Events the broadcast channel holds for a stream that is slow to take them;
/// one further behind catches up from the log.
const BACKLOG: usize = 4096;

/// Wakes the reader on commits and hands what it read to the streams.
#[derive(Debug)]
pub struct Notifier {
    wake: Notify,
    live: Mutex<Live>,
}

#[derive(Debug)]
struct Live {
    sender: broadcast::Sender<Arc<RoutedEvent>>,
    reading: bool,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            wake: Notify::new(),
            live: Mutex::new(Live {
                sender: broadcast::channel(BACKLOG).0,
                reading: false,
            }),
        }
    }
}

impl Notifier {
    /// Resolves at the next commit of this instance.
    pub async fn committed(&self) {
        self.wake.notified().await;
    }

    /// A receiver of every event the reader reads from now on; starts the reader
    /// if none runs.
    fn subscribe(self: &Arc<Self>, app: &App) -> broadcast::Receiver<Arc<RoutedEvent>> {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let receiver = live.sender.subscribe();
        if !live.reading {
            live.reading = true;
            tokio::spawn(read_log(Arc::clone(self), app.clone()));
        }
        receiver
    }

    /// The number of streams listening (for tests and the benchmark).
    pub fn listeners(&self) -> usize {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.sender.receiver_count()
    }

    /// Whether the reader runs.
    pub fn reading(&self) -> bool {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).reading
    }
}

impl EventBus for Notifier {
    fn published(&self) {
        self.wake.notify_waiters();
    }
}

/// The instance's one reader of the log for the live streams.
async fn read_log(notifier: Arc<Notifier>, app: App) {
    let sender = {
        let live = notifier.live.lock().unwrap_or_else(|e| e.into_inner());
        live.sender.clone()
    };
    let mut after = None;
    loop {
        // Made before reading, so a commit during the read is not missed.
        let notified = notifier.wake.notified();
        let start = match after {
            Some(after) => Ok(after),
            None => app.stream_start().await,
        };
        match start {
            Ok(mut at) => loop {
                match app.routed_after(at, PAGE).await {
                    Ok((events, next)) => {
                        for event in events {
                            // No receiver right now is not an error.
                            let _ = sender.send(Arc::new(event));
                        }
                        let advanced = next != at;
                        at = next;
                        after = Some(at);
                        if !advanced {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the event log for the streams failed; retrying");
                        break;
                    }
                }
            },
            Err(e) => tracing::warn!(error = %e, "finding the log's end failed; retrying"),
        }
        {
            let mut live = notifier.live.lock().unwrap_or_else(|e| e.into_inner());
            if live.sender.receiver_count() == 0 {
                live.reading = false;
                return;
            }
        }
        let _ = tokio::time::timeout(POLL, notified).await;
    }
}

struct Cursor {
    state: AppState,
    caller: Caller,
    me: String,
    after: i64,
    pending: std::collections::VecDeque<Event>,
    named: bool,
    live: broadcast::Receiver<Arc<RoutedEvent>>,
    catching_up: bool,
}

impl Cursor {
    fn push(&mut self, seq: i64, kind: &str, data: &str) {
        let event = Event::default().id(seq.to_string()).data(data);
        self.pending
            .push_back(if self.named { event.event(kind) } else { event });
    }
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
    let me = caller.agent.id.to_string();
    // Listening before catching up: what the reader hands out meanwhile waits.
    let live = state.events.subscribe(&state.app);
    let cursor = Cursor {
        state,
        caller,
        me,
        after,
        pending: Default::default(),
        named,
        live,
        catching_up: true,
    };
    let events = futures::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(event) = c.pending.pop_front() {
                return Some((Ok(event), c));
            }
            if c.catching_up {
                match c.state.app.stream_after(&c.caller, c.after, PAGE).await {
                    Ok((events, next)) => {
                        let advanced = next != c.after;
                        c.after = next;
                        for e in events {
                            c.push(e.seq, &e.kind, &e.data);
                        }
                        // An empty page: caught up; the reader's events from here.
                        c.catching_up = advanced;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "stream read failed; retrying");
                        tokio::time::sleep(POLL).await;
                    }
                }
                continue;
            }
            match c.live.recv().await {
                Ok(routed) => {
                    let e = &routed.event;
                    if e.seq > c.after {
                        c.after = e.seq;
                        if routed.concerns(&c.me) {
                            c.push(e.seq, &e.kind, &e.data);
                        }
                    }
                }
                // Too slow for the channel: read the rest from the log.
                Err(broadcast::error::RecvError::Lagged(_)) => c.catching_up = true,
                Err(broadcast::error::RecvError::Closed) => {
                    c.catching_up = true;
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
