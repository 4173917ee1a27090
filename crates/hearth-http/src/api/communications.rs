//! Outbound SMS and email outside any conversation (`GLADLY-API.md` 2.5), queued in
//! the outbox for their channel.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use hearth_app::service::directory::CustomerRef;
use hearth_domain::channel::Channel;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/communications/sms", post(sms))
        .route("/communications/email", post(email))
}

async fn sms(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let customer = body
        .opt_obj("", "customer")?
        .ok_or_else(|| ApiError::blank("customer", "is required"))?;
    let mobile = customer.req_str("customer", "mobileNumber")?;
    let from = body.req_str("", "from")?;
    let text = body
        .opt_str("", "body")?
        .ok_or_else(|| ApiError::blank("body", "is required"))?;
    let sent = state
        .app
        .send_communication(
            &caller,
            Channel::Sms,
            CustomerRef::MobilePhone(mobile),
            &from,
            None,
            text,
        )
        .await?;
    Ok(Json(
        json!({ "customerId": sent.customer_id, "conversationItemId": sent.item_id }),
    ))
}

async fn email(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let to = match body.get("to") {
        Some(Value::Array(list)) if list.len() == 1 => list[0]
            .as_object()
            .cloned()
            .ok_or_else(|| ApiError::invalid(Some("to"), "must hold one {email, name}"))?,
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(ApiError::blank("to", "one recipient is required"));
        }
        Some(Value::Array(_)) => {
            return Err(ApiError::invalid(
                Some("to"),
                "exactly one recipient is allowed",
            ));
        }
        None | Some(Value::Null) => return Err(ApiError::blank("to", "is required")),
        Some(_) => return Err(ApiError::invalid(Some("to"), "must be an array")),
    };
    let address = to.req_str("to", "email")?;
    let from = body.req_str("", "from")?;
    let subject = body.opt_str("", "subject")?.unwrap_or_default();
    if subject.chars().count() >= 1000 {
        return Err(ApiError {
            status: axum::http::StatusCode::BAD_REQUEST,
            attr: Some("subject".into()),
            code: "too_long",
            detail: "must be under 1000 characters".into(),
            meta: None,
        });
    }
    let content = body
        .opt_obj("", "body")?
        .ok_or_else(|| ApiError::blank("body", "is required"))?;
    let text = content
        .opt_str("body", "text")?
        .or(content.opt_str("body", "html")?)
        .ok_or_else(|| ApiError::blank("body", "needs text or html"))?;
    let sent = state
        .app
        .send_communication(
            &caller,
            Channel::Email,
            CustomerRef::Email(address),
            &from,
            Some(subject),
            text,
        )
        .await?;
    Ok(Json(
        json!({ "customerId": sent.customer_id, "conversationItemId": sent.item_id }),
    ))
}
