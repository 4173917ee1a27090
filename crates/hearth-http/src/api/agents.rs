//! Hearth's agent endpoints (DESIGN section 5): `/me`, availability, Next, My
//! Customers, the finishing actions, offers, and the routing explanation.

use super::doc::{Api, doc};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::routing::{DecisionWire, OfferWire};
use hearth_domain::actions::Action;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};
use hearth_app::gladly::agents::{
    ActionAnswer, AvailabilityWire, MeWire, MenuWire, MyCustomerWire, NextAnswer, NextWire,
    QueueLineWire, availability as availability_body,
};
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

async fn me(ApiCaller(caller): ApiCaller) -> Json<MeWire> {
    Json(MeWire::from(&caller.agent))
}

async fn availability(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<AvailabilityWire>> {
    Ok(Json(AvailabilityWire::from(
        &state.app.availability(&caller).await?,
    )))
}

async fn set_availability(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<AvailabilityWire>> {
    let wanted = availability_body(&body)?;
    Ok(Json(AvailabilityWire::from(
        &state.app.set_availability(&caller, wanted).await?,
    )))
}

async fn next(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<NextAnswer>> {
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
    Ok(Json(NextAnswer {
        next: next.as_ref().map(NextWire::from),
    }))
}

async fn my_customers(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<MyCustomerWire>>> {
    let lines = state.app.my_customers(&caller).await?;
    Ok(Json(lines.iter().map(MyCustomerWire::from).collect()))
}

async fn actions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<MenuWire>> {
    Ok(Json(MenuWire::from(
        &state.app.actions(&caller, &id).await?,
    )))
}

async fn act(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ActionAnswer>> {
    let raw = body.req_str("", "action")?;
    let action = Action::parse(&raw).ok_or_else(|| {
        ApiError::invalid(
            Some("action"),
            "must be CLOSE_AND_NEXT, NEXT, CLOSE, END_AND_CLOSE, END or NO_REPLY_NEEDED",
        )
    })?;
    let confirm = body.opt_bool("", "confirmNoReply")?.unwrap_or(false);
    let result = state.app.act(&caller, &id, action, confirm, None).await?;
    Ok(Json(ActionAnswer::from(&result)))
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
) -> ApiResult<Json<Vec<QueueLineWire>>> {
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
    Ok(Json(lines.iter().map(QueueLineWire::from).collect()))
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
