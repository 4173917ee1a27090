//! One customer's socket: `hello` first (a new session, or a rejoin with the resume
//! token), then messages both ways until the chat ends or the socket closes.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_app::App;
use hearth_app::codec::fmt_ts;
use hearth_app::error::AppError;
use hearth_app::service::{ChatFrom, ChatLine, ChatSession};
use hearth_http::AppState;
use serde::Deserialize;

use super::frames::{self, ClientFrame, Line, ServerFrame};

/// Largest frame taken from a customer.
const MAX_FRAME: usize = 16 * 1024;
/// How long a new socket may take to say `hello`.
const HELLO_WITHIN: Duration = Duration::from_secs(10);
/// How often the socket looks for news when no commit of this instance woke it
/// (another instance's writes).
const LOOK: Duration = Duration::from_secs(1);
/// Messages a customer may send in a burst, and how fast the burst refills.
const BURST: f64 = 10.0;
const PER_SECOND: f64 = 1.0;
/// Open sockets per client address.
const SOCKETS_PER_ADDRESS: usize = 20;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Params {
    entry_point: String,
}

/// Open sockets per client address, for the cap.
fn open_sockets() -> &'static Mutex<std::collections::HashMap<IpAddr, usize>> {
    static OPEN: OnceLock<Mutex<std::collections::HashMap<IpAddr, usize>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// Counts a socket of `ip` while it lives.
struct Slot(IpAddr);

impl Slot {
    fn take(ip: IpAddr) -> Option<Slot> {
        let mut open = open_sockets().lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= SOCKETS_PER_ADDRESS {
            return None;
        }
        *count += 1;
        Some(Slot(ip))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = open_sockets().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.0) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.0);
            }
        }
    }
}

/// `GET /chat/ws?entryPoint=ADDRESS`.
pub(super) async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<Params>,
    headers: axum::http::HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // A page elsewhere than the entry point's own sites may not open its chats.
    match state.app.chat_origins(params.entry_point.trim()).await {
        Ok(Some(allowed)) if !allowed.is_empty() => {
            let origin = headers
                .get(axum::http::header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(|o| o.trim_end_matches('/').to_lowercase());
            if !origin.is_some_and(|o| allowed.contains(&o)) {
                return (StatusCode::FORBIDDEN, "this site may not open these chats")
                    .into_response();
            }
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e.chain(), "reading a chat entry point failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again in a moment").into_response();
        }
    }
    let Some(slot) = Slot::take(peer.ip()) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "too many open chats from this address",
        )
            .into_response();
    };
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            run(socket, state, params.entry_point).await;
        })
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    socket
        .send(Message::Text(frame.text().into()))
        .await
        .is_ok()
}

async fn error(socket: &mut WebSocket, code: &'static str, detail: impl Into<String>) -> bool {
    send(
        socket,
        &ServerFrame::Error {
            code,
            detail: detail.into(),
        },
    )
    .await
}

fn line(l: &ChatLine, client_id: Option<String>) -> Line {
    Line {
        id: l.id.clone(),
        from: match l.from {
            ChatFrom::Customer => "customer",
            ChatFrom::Agent => "agent",
            ChatFrom::System => "system",
        },
        agent_name: l.agent_name.clone(),
        content: l.content.clone(),
        at: fmt_ts(l.at),
        client_id,
    }
}

/// The next text frame, or `None` when the socket closed.
async fn next_text(socket: &mut WebSocket) -> Option<Result<String, ()>> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => return Some(Ok(text.to_string())),
            Ok(Message::Binary(_)) => return Some(Err(())),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
        }
    }
}

/// Says `hello`: opens or rejoins a session. `None`: the socket is done.
async fn greet(
    socket: &mut WebSocket,
    app: &App,
    entry_point: &str,
) -> Option<(ChatSession, String)> {
    let first = match tokio::time::timeout(HELLO_WITHIN, next_text(socket)).await {
        Ok(Some(Ok(text))) => text,
        Ok(Some(Err(()))) => {
            error(socket, "invalid_frame", "frames are JSON text").await;
            return None;
        }
        Ok(None) => return None,
        Err(_) => {
            error(socket, "hello_first", "say hello first").await;
            return None;
        }
    };
    let (customer, resume) = match frames::read(&first) {
        Ok(ClientFrame::Hello { customer, resume }) => (customer, resume),
        Ok(_) => {
            error(socket, "hello_first", "say hello first").await;
            return None;
        }
        Err((code, detail)) => {
            error(socket, code, detail).await;
            return None;
        }
    };
    let opened = match resume {
        Some(token) => match app.resume_chat(entry_point, &token).await {
            Ok(Some((session, fresh))) => Ok((session, fresh.unwrap_or(token))),
            Ok(None) => {
                error(
                    socket,
                    "resume_invalid",
                    "that chat is not known here; start a new one",
                )
                .await;
                return None;
            }
            Err(e) => Err(e),
        },
        None => {
            let (name, email) = customer
                .map(|c| (c.name, c.email_address))
                .unwrap_or_default();
            app.open_chat(entry_point, name.as_deref(), email.as_deref())
                .await
        }
    };
    match opened {
        Ok(opened) => Some(opened),
        Err(e) => {
            refuse(socket, &e).await;
            None
        }
    }
}

async fn refuse(socket: &mut WebSocket, e: &AppError) -> bool {
    if e.is_client_error() {
        error(socket, "invalid", e.to_string()).await
    } else {
        tracing::warn!(error = %e.chain(), "a chat request failed");
        error(socket, "unavailable", "try again in a moment").await
    }
}

async fn run(mut socket: WebSocket, state: AppState, entry_point: String) {
    let app = state.app.clone();
    let Some((session, token)) = greet(&mut socket, &app, &entry_point).await else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    let mut shown: HashSet<String> = HashSet::new();
    let history = match app.chat_transcript(&session.id).await {
        Ok(t) => t,
        Err(e) => {
            refuse(&mut socket, &e).await;
            return;
        }
    };
    for l in &history.lines {
        shown.insert(l.id.clone());
    }
    let welcome = ServerFrame::Welcome {
        resume: token,
        session_id: session.id.clone(),
        history: history.lines.iter().map(|l| line(l, None)).collect(),
    };
    if !send(&mut socket, &welcome).await {
        return;
    }
    converse(&mut socket, &app, &state, &session, &mut shown).await;
    // The customer left (or the chat ended): the rejoin window counts from now.
    if let Err(e) = app.chat_seen(&session.id).await {
        tracing::warn!(error = %e.chain(), "recording when a chat customer left failed");
    }
}

/// How often an open socket says its customer is still there.
const SEEN_EVERY: Duration = Duration::from_secs(5);

/// Messages both ways until the chat ends or the socket closes.
async fn converse(
    socket: &mut WebSocket,
    app: &App,
    state: &AppState,
    session: &ChatSession,
    shown: &mut HashSet<String>,
) {
    let mut allowance = BURST;
    let mut last_refill = tokio::time::Instant::now();
    let mut last_seen = tokio::time::Instant::now();
    let mut typing_told = None;
    loop {
        if last_seen.elapsed() >= SEEN_EVERY {
            last_seen = tokio::time::Instant::now();
            if let Err(e) = app.chat_seen(&session.id).await {
                tracing::warn!(error = %e.chain(), "recording a chat customer's presence failed");
            }
        }
        let wake = state.events.committed();
        tokio::select! {
            incoming = next_text(socket) => {
                let text = match incoming {
                    None => return,
                    Some(Err(())) => {
                        if !error(socket, "invalid_frame", "frames are JSON text").await {
                            return;
                        }
                        continue;
                    }
                    Some(Ok(text)) => text,
                };
                let frame = match frames::read(&text) {
                    Ok(frame) => frame,
                    Err((code, detail)) => {
                        if !error(socket, code, detail).await {
                            return;
                        }
                        continue;
                    }
                };
                match frame {
                    ClientFrame::Hello { .. } => {
                        if !error(socket, "invalid_frame", "hello comes once").await {
                            return;
                        }
                    }
                    ClientFrame::Typing {} => {
                        if let Err(e) = app.chat_customer_typing(&session.id).await {
                            tracing::debug!(error = %e.chain(), "a typing signal was not recorded");
                        }
                    }
                    ClientFrame::End {} => {
                        match app.chat_end(&session.id).await {
                            Ok(()) => {
                                send(socket, &ServerFrame::Ended { by: "customer" }).await;
                                let _ = socket.send(Message::Close(None)).await;
                                return;
                            }
                            Err(e) => {
                                if !refuse(socket, &e).await {
                                    return;
                                }
                            }
                        }
                    }
                    ClientFrame::Message { client_id, content } => {
                        let now = tokio::time::Instant::now();
                        allowance = (allowance
                            + now.duration_since(last_refill).as_secs_f64() * PER_SECOND)
                            .min(BURST);
                        last_refill = now;
                        if allowance < 1.0 {
                            if !error(socket, "rate_limited", "too many messages; wait a moment").await {
                                return;
                            }
                            continue;
                        }
                        allowance -= 1.0;
                        match app.chat_say(&session.id, &client_id, &content).await {
                            Ok((said, _)) => {
                                shown.insert(said.id.clone());
                                if !send(socket, &ServerFrame::Message(line(&said, Some(client_id)))).await {
                                    return;
                                }
                            }
                            Err(e) => {
                                if !refuse(socket, &e).await {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
            () = wake => {
                if !news(socket, app, session, shown, &mut typing_told).await {
                    return;
                }
            }
            () = tokio::time::sleep(LOOK) => {
                if !news(socket, app, session, shown, &mut typing_told).await {
                    return;
                }
            }
        }
    }
}

/// Sends the session's lines the customer has not seen, and `ended` once it
/// ended. `false`: the socket is done.
async fn news(
    socket: &mut WebSocket,
    app: &App,
    session: &ChatSession,
    shown: &mut HashSet<String>,
    typing_told: &mut Option<hearth_domain::Timestamp>,
) -> bool {
    let transcript = match app.chat_transcript(&session.id).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e.chain(), "reading a chat failed; trying again");
            return true;
        }
    };
    for l in &transcript.lines {
        if shown.insert(l.id.clone()) && !send(socket, &ServerFrame::Message(line(l, None))).await {
            return false;
        }
    }
    // An agent typing lately, and not told yet: the widget shows it for a while.
    if let Some(at) = transcript.agent_typing_at
        && *typing_told != Some(at)
        && app.now() - at < hearth_app::service::TYPING_FOR
    {
        *typing_told = Some(at);
        if !send(socket, &ServerFrame::Typing { from: "agent" }).await {
            return false;
        }
    }
    if let Some(by) = transcript.ended {
        send(socket, &ServerFrame::Ended { by: by.as_str() }).await;
        let _ = socket.send(Message::Close(None)).await;
        return false;
    }
    true
}
