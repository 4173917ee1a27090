//! Outbound SMS and email outside any conversation (`GLADLY-API.md` 2.5), queued in
//! the outbox for their channel.

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::State;
use hearth_app::service::CustomerRef;
use hearth_domain::channel::Channel;
use serde_json::Value;

use hearth_app::gladly::items::{ReceivedWire, SentWire};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Communications";
    Api::new()
        .post(
            "/communications/sms",
            sms,
            doc(T, "Send an SMS to a customer").body(),
        )
        .post(
            "/communications/email",
            email,
            doc(T, "Send an email to a customer").body(),
        )
        .post(
            "/communications/custom-channels/{channel_id}/messages",
            custom_channel,
            doc(T, "An inbound message on a custom channel")
                .body()
                .ok(201),
        )
}

async fn sms(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SentWire>> {
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
    Ok(Json(SentWire {
        customer_id: sent.customer_id,
        conversation_item_id: sent.item_id,
    }))
}

async fn email(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SentWire>> {
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
            attr: Some("subject".into()),
            code: crate::error::ErrorCode::TooLong,
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
    Ok(Json(SentWire {
        customer_id: sent.customer_id,
        conversation_item_id: sent.item_id,
    }))
}

/// Gladly's custom-channel inbound message: a messaging contact routed like chat.
/// The custom channel is a CHAT entry point whose address is the channel id; the
/// group (or the sender) is the chat session.
async fn custom_channel(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
    axum::extract::Path(channel_id): axum::extract::Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let sender = body
        .opt_obj("", "sender")?
        .ok_or_else(|| ApiError::blank("sender", "is required"))?;
    let address = sender.req_str("sender", "address")?;
    let name = sender.opt_str("sender", "displayName")?;
    let identity = match sender.opt_obj("sender", "profileIdentifier")? {
        Some(p) => p.req_str("sender.profileIdentifier", "address")?,
        None => address.clone(),
    };
    let kind = body.opt_str("", "type")?.unwrap_or_else(|| "TEXT".into());
    let content = body
        .opt_obj("", "content")?
        .ok_or_else(|| ApiError::blank("content", "is required"))?;
    let text = match kind.as_str() {
        "TEXT" => content.req_str("content", "text")?,
        "FILES" => {
            let files = content
                .get("files")
                .and_then(Value::as_array)
                .filter(|f| !f.is_empty())
                .ok_or_else(|| ApiError::blank("content.files", "is required"))?;
            let caption = content.opt_str("content", "caption")?.unwrap_or_default();
            let urls: Vec<String> = files
                .iter()
                .filter_map(|f| f.get("url").and_then(Value::as_str).map(str::to_owned))
                .collect();
            if urls.len() != files.len() {
                return Err(ApiError::invalid(
                    Some("content.files"),
                    "every file needs a url",
                ));
            }
            format!("{caption}\n{}", urls.join("\n")).trim().to_owned()
        }
        other => {
            return Err(ApiError::invalid(
                Some("type"),
                format!("'{other}' is not TEXT or FILES"),
            ));
        }
    };
    let session = body
        .opt_str("", "groupId")?
        .unwrap_or_else(|| format!("custom:{channel_id}:{address}"));
    let content = hearth_domain::item::ItemContent::ChatMessage {
        session_id: Some(session.clone()),
        message_type: "TEXT".into(),
        content: text,
        attachments: Vec::new(),
        message_data: None,
    };
    let req = hearth_app::service::InboundRequest {
        channel: hearth_domain::channel::Channel::Chat,
        entry_point: channel_id.clone(),
        from_address: identity,
        from_name: name,
        content,
        session_id: Some(session),
        provider_message_id: body
            .opt_str("", "id")?
            .map(|id| format!("custom:{channel_id}:{id}")),
        automated: false,
        thread: None,
        raw_id: None,
        files: Vec::new(),
    };
    let (created, _) = state.app.inbound(req).await?;
    let location = format!("/api/v1/conversation-items/{}", created.item_id);
    Ok((
        axum::http::StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(ReceivedWire {
            id: created.item_id,
            conversation_id: created.conversation_id,
            customer_id: created.customer_id,
        }),
    )
        .into_response())
}
