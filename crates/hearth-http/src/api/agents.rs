//! Hearth's agent endpoints (DESIGN section 5): `/me`, availability, Next, My
//! Customers, the finishing actions, offers, and the routing explanation.

use super::doc::{Api, doc};
use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_app::codec::fmt_ts;
use hearth_app::gladly::routing::{DecisionWire, OfferWire};
use hearth_app::service::{Availability, NextWork};
use hearth_domain::actions::{Action, ActionMenu, Button};
use hearth_domain::channel::Group;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};
use hearth_app::gladly::conversations::ConversationWire;

pub(super) fn router() -> Api {
    const T: &str = "Agents";
    Api::new()
        .get("/me", me, doc(T, "The calling agent"))
        .get(
            "/me/availability",
            availability,
            doc(T, "The calling agent's availability"),
        )
        .put(
            "/me/availability",
            set_availability,
            doc(T, "Set availability per channel group, Focus and Away").body(),
        )
        .post("/me/next", next, doc(T, "Get the next customer"))
        .get("/me/customers", my_customers, doc(T, "My Customers"))
        .get(
            "/conversations/{id}/actions",
            actions,
            doc(T, "The actions open to the caller on a conversation"),
        )
        .post(
            "/conversations/{id}/actions",
            act,
            doc(
                T,
                "Close & Next, Next, Close, End & Close, End or No Reply Needed",
            )
            .body(),
        )
        .get(
            "/conversations/{id}/routing",
            routing,
            doc("Supervision", "A conversation's routing decisions"),
        )
        .get("/offers", offers, doc(T, "The caller's pending offer"))
        .get(
            "/stream",
            crate::push::stream,
            doc(T, "Live events (server-sent events)").produces("text/event-stream"),
        )
        .get(
            "/queue",
            queue,
            doc("Supervision", "Waiting work in routing order")
                .query(&["channel", "limit", "inboxId"]),
        )
        .post(
            "/conversations/{id}/reopen",
            reopen,
            doc(T, "Reopen a closed conversation").body(),
        )
        .post(
            "/conversations/{id}/transfer",
            transfer,
            doc(T, "Transfer a conversation to an inbox or agent").body(),
        )
        .post("/offers/{id}/accept", accept, doc(T, "Accept an offer"))
        .post(
            "/offers/{id}/decline",
            decline,
            doc(T, "Decline an offer").ok(204).empty(),
        )
}

async fn me(ApiCaller(caller): ApiCaller) -> Json<Value> {
    let a = &caller.agent;
    Json(json!({
        "id": a.id.to_string(),
        "name": a.name,
        "emailAddress": a.email,
        "roles": a.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "inboxIds": a.inbox_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "messagingCapacity": { "standard": a.messaging_capacity.standard, "maximum": a.messaging_capacity.maximum },
    }))
}

fn availability_json(a: &Availability) -> Json<Value> {
    Json(json!({
        "availableFor": a.available.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "focus": a.focus,
        "away": a.away,
    }))
}

async fn availability(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Value>> {
    Ok(availability_json(&state.app.availability(&caller).await?))
}

async fn set_availability(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut available = BTreeSet::new();
    match body.get("availableFor") {
        None | Some(Value::Null) => {}
        Some(Value::Array(values)) => {
            for v in values {
                let group = v.as_str().and_then(Group::parse).ok_or_else(|| {
                    ApiError::invalid(
                        Some("availableFor"),
                        format!("{v} is not one of VOICE, MESSAGING, MAIL, TASK"),
                    )
                })?;
                available.insert(group);
            }
        }
        Some(_) => return Err(ApiError::invalid(Some("availableFor"), "must be an array")),
    }
    let wanted = Availability {
        available,
        focus: body.opt_bool("", "focus")?.unwrap_or(false),
        away: body.opt_bool("", "away")?.unwrap_or(false),
    };
    Ok(availability_json(
        &state.app.set_availability(&caller, wanted).await?,
    ))
}

fn next_json(next: Option<NextWork>) -> Value {
    next.map_or(
        Value::Null,
        |n| json!({ "type": n.kind, "id": n.id, "customerId": n.customer_id }),
    )
}

async fn next(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let source = match body.opt_str("", "source")?.as_deref() {
        None | Some("PROFILE") => hearth_routing::NextSource::Profile,
        Some("AVAILABILITY_BAR") => hearth_routing::NextSource::AvailabilityBar,
        Some(other) => {
            return Err(ApiError::invalid(
                Some("source"),
                format!("'{other}' is not AVAILABILITY_BAR or PROFILE"),
            ));
        }
    };
    let next = state.app.next(&caller, source).await?;
    Ok(Json(json!({ "next": next_json(next) })))
}

async fn my_customers(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Value>> {
    let lines = state.app.my_customers(&caller).await?;
    let body: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "type": l.kind,
                "id": l.id,
                "customerId": l.customer_id,
                "inboxId": l.inbox_id,
                "channel": l.channel,
                "status": l.status,
                "dueAt": l.due_at.map(fmt_ts),
                "unseen": l.unseen,
                "lastActivityAt": fmt_ts(l.last_activity_at),
            })
        })
        .collect();
    Ok(Json(Value::Array(body)))
}

fn button_json(b: &Button) -> Value {
    let mut v =
        json!({ "action": b.action.as_str(), "label": b.action.label(), "enabled": b.enabled });
    if let Some(reason) = b.disabled_reason {
        v["disabledReason"] = Value::String(reason.as_str().to_owned());
    }
    v
}

fn menu_json(m: &ActionMenu) -> Value {
    json!({
        "primary": button_json(&m.primary),
        "more": m.more.iter().map(button_json).collect::<Vec<_>>(),
        "replyMissing": m.reply_missing,
    })
}

async fn actions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(menu_json(&state.app.actions(&caller, &id).await?)))
}

async fn act(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let raw = body.req_str("", "action")?;
    let action = Action::parse(&raw).ok_or_else(|| {
        ApiError::invalid(
            Some("action"),
            "must be CLOSE_AND_NEXT, NEXT, CLOSE, END_AND_CLOSE, END or NO_REPLY_NEEDED",
        )
    })?;
    let confirm = body.opt_bool("", "confirmNoReply")?.unwrap_or(false);
    let result = state.app.act(&caller, &id, action, confirm, None).await?;
    Ok(Json(
        json!({ "conversation": ConversationWire::of(&result.conversation), "next": next_json(result.next) }),
    ))
}

async fn routing(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DecisionWire>>> {
    let decisions = state.app.routing_explanation(&caller, &id).await?;
    Ok(Json(decisions.iter().map(DecisionWire::from).collect()))
}

async fn offers(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<OfferWire>>> {
    let offers = state.app.offers(&caller).await?;
    Ok(Json(offers.iter().map(OfferWire::from).collect()))
}

async fn accept(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    match state.app.answer_offer(&caller, &id, true).await? {
        Some(conv) => Ok(Json(ConversationWire::of(&conv)).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn decline(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.answer_offer(&caller, &id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn queue(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let channel = match query.get("channel") {
        Some(raw) => Some(hearth_domain::channel::Channel::parse(raw).ok_or_else(|| {
            ApiError::invalid(Some("channel"), format!("unknown channel '{raw}'"))
        })?),
        None => None,
    };
    let limit = match query.get("limit") {
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| ApiError::invalid(Some("limit"), "must be between 1 and 500"))?,
        None => 50,
    };
    let lines = state
        .app
        .queue(
            &caller,
            query.get("inboxId").map(String::as_str),
            channel,
            limit,
        )
        .await?;
    Ok(Json(Value::Array(
        lines
            .iter()
            .map(|l| {
                json!({
                    "type": l.kind,
                    "id": l.id,
                    "customerId": l.customer_id,
                    "inboxId": l.inbox_id,
                    "channel": l.channel,
                    "group": l.group.as_str(),
                    "dueAt": l.due_at.map(fmt_ts),
                    "arrivedAt": fmt_ts(l.arrived_at),
                    "waitingSeconds": l.waiting_seconds,
                    "offeredToAgentId": l.offered_to,
                })
            })
            .collect(),
    )))
}

async fn reopen(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ConversationWire>> {
    let create_new = match body.opt_str("", "mode")?.as_deref() {
        None | Some("REOPEN") => false,
        Some("CREATE_NEW") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                Some("mode"),
                format!("'{other}' is not REOPEN or CREATE_NEW"),
            ));
        }
    };
    Ok(Json(ConversationWire::of(
        &state.app.reopen(&caller, &id, create_new, None).await?,
    )))
}

async fn transfer(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ConversationWire>> {
    let inbox = body.req_str("", "inboxId")?;
    let agent = body.opt_str("", "agentId")?.filter(|a| !a.is_empty());
    Ok(Json(ConversationWire::of(
        &state
            .app
            .transfer(&caller, &id, &inbox, agent.as_deref(), None)
            .await?,
    )))
}
