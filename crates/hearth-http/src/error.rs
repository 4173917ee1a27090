//! The one API error type and its response: Gladly's error body with the stable
//! codes of DESIGN section 5. 5xx bodies are generic; their cause is logged once here.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::AppError;
use hearth_domain::DomainError;
use serde_json::{Value, json};

/// An API error: a status and one error entry.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub attr: Option<String>,
    pub code: &'static str,
    pub detail: String,
    pub meta: Option<Value>,
}

impl ApiError {
    /// A 400 `invalid` on a field (or on the body when `attr` is `None`).
    pub fn invalid(attr: Option<&str>, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            attr: attr.map(str::to_owned),
            code: "invalid",
            detail: detail.into(),
            meta: None,
        }
    }
    /// A 400 `blank` on a missing field.
    pub fn blank(attr: &str, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            attr: Some(attr.to_owned()),
            code: "blank",
            detail: detail.into(),
            meta: None,
        }
    }
    /// A 404 `not_exist`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            attr: None,
            code: "not_exist",
            detail: detail.into(),
            meta: None,
        }
    }
    /// A 413 `too_large`.
    pub fn too_large(limit: usize) -> Self {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            attr: None,
            code: "too_large",
            detail: format!("the request body exceeds {limit} bytes"),
            meta: None,
        }
    }
    /// A 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            attr: None,
            code: "unauthorized",
            detail: "HTTP Basic credentials (agent email and API token) are missing or wrong"
                .into(),
            meta: None,
        }
    }

    fn invalid_state(attr: Option<&str>, reason: &str, detail: String) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            attr: attr.map(str::to_owned),
            code: "invalid_state",
            detail,
            meta: Some(json!({ "reason": reason })),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let detail = e.to_string();
        match e {
            DomainError::Invalid { attr, code, detail } => ApiError {
                status: StatusCode::BAD_REQUEST,
                attr: Some(attr),
                code: code.as_str(),
                detail,
                meta: None,
            },
            DomainError::ConversationClosed(_) => {
                ApiError::invalid_state(None, "conversation_closed", detail)
            }
            DomainError::ReplyMissing => {
                ApiError::invalid_state(Some("status.force"), "reply_missing", detail)
            }
            DomainError::TopicsRequired => ApiError::invalid_state(None, "topics_required", detail),
            DomainError::ActionNotAvailable { .. } => {
                ApiError::invalid_state(Some("action"), "action_not_available", detail)
            }
            DomainError::FocusMode => ApiError::invalid_state(None, "focus_mode", detail),
            DomainError::NotAvailable => ApiError::invalid_state(None, "not_available", detail),
            DomainError::NotAssignee => ApiError::invalid_state(None, "not_assignee", detail),
            DomainError::AgentNotInInbox => {
                ApiError::invalid_state(Some("assignee.agentId"), "agent_not_in_inbox", detail)
            }
            DomainError::NotReplyable(_) => ApiError::invalid_state(None, "not_replyable", detail),
            DomainError::ReplyChannelMismatch { .. } => {
                ApiError::invalid(Some("content.type"), detail)
            }
            DomainError::ContactEnded => ApiError::invalid_state(None, "contact_ended", detail),
            DomainError::UnknownContact => ApiError::not_found(detail),
            DomainError::TaskState(_) => ApiError::invalid_state(None, "task_closed", detail),
            DomainError::InUse(_) => ApiError::invalid_state(None, "in_use", detail),
            DomainError::NotClosed => ApiError::invalid_state(None, "conversation_open", detail),
            DomainError::CustomerHasOpenConversation => {
                ApiError::invalid_state(None, "customer_has_open_conversation", detail)
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Domain(d) => d.into(),
            AppError::NotFound { kind, id } => {
                ApiError::not_found(format!("{kind} {id} does not exist"))
            }
            AppError::Taken {
                attr,
                holder_kind,
                holder_id,
            } => ApiError {
                status: StatusCode::CONFLICT,
                attr: Some(attr.clone()),
                code: "taken",
                detail: format!("{attr} is already taken"),
                meta: Some(json!({ "holderType": holder_kind, "id": holder_id })),
            },
            AppError::VersionOutdated => ApiError {
                status: StatusCode::PRECONDITION_FAILED,
                attr: None,
                code: "version_outdated",
                detail: "the resource changed since the version in If-Match; read it again".into(),
                meta: None,
            },
            AppError::Forbidden(detail) => ApiError {
                status: StatusCode::FORBIDDEN,
                attr: None,
                code: "forbidden",
                detail: detail.into(),
                meta: None,
            },
            AppError::Unauthorized => ApiError::unauthorized(),
            AppError::Unavailable | AppError::Contention => {
                tracing::warn!(error = %e, "request failed: store unavailable or contended");
                ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    attr: None,
                    code: "temporary_failure",
                    detail: "the service is temporarily unavailable; retry later".into(),
                    meta: None,
                }
            }
            AppError::Internal { .. } => {
                tracing::error!(error = %e.chain(), "request failed with an internal error");
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    attr: None,
                    code: "internal_error",
                    detail: "internal error".into(),
                    meta: None,
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut entry = serde_json::Map::new();
        entry.insert("attr".into(), self.attr.map_or(Value::Null, Value::String));
        entry.insert("code".into(), Value::String(self.code.into()));
        entry.insert("detail".into(), Value::String(self.detail));
        entry.insert("meta".into(), self.meta.unwrap_or(Value::Null));
        let mut response = (
            self.status,
            Json(json!({ "errors": [Value::Object(entry)] })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Hearth\""),
            );
        }
        response
    }
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;
