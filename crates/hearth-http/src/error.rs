//! The one API error type and its response: Gladly's error body with the stable
//! codes of DESIGN section 5. 5xx bodies are generic; their cause is logged once here.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::AppError;
use hearth_domain::DomainError;
use hearth_domain::error::InvalidCode;
use serde_json::{Value, json};

/// An API error: a status and one error entry.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub attr: Option<String>,
    pub code: ErrorCode,
    pub detail: String,
    pub meta: Option<Value>,
}

/// Every error code Hearth answers with and its HTTP status: the one table. The
/// body is always Gladly's `{"errors":[{"attr","code","detail","meta"}]}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A field's value is wrong (400).
    Invalid,
    /// A required field is missing or blank (400).
    Blank,
    /// A field is too long (400).
    TooLong,
    /// A field is not a number (400).
    NotANumber,
    /// The request is well formed but the state refuses it; `meta.reason` says why
    /// (400).
    InvalidState,
    /// The resource does not exist (404).
    NotExist,
    /// A unique value is held by another resource; `meta` names it (409).
    Taken,
    /// `If-Match` names a version that is no longer current (412).
    VersionOutdated,
    /// The caller's roles do not allow this (403).
    Forbidden,
    /// Credentials are missing or wrong (401).
    Unauthorized,
    /// The body is larger than allowed (413).
    TooLarge,
    /// More requests in one second than allowed (429).
    RateLimited,
    /// The endpoint does not take this HTTP method (405).
    MethodNotAllowed,
    /// The database cannot be reached or is contended; retry (503).
    TemporaryFailure,
    /// Anything else; the log has the cause (500).
    InternalError,
}

impl ErrorCode {
    /// Every code, in the table's order.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::Invalid,
        ErrorCode::Blank,
        ErrorCode::TooLong,
        ErrorCode::NotANumber,
        ErrorCode::InvalidState,
        ErrorCode::NotExist,
        ErrorCode::Taken,
        ErrorCode::VersionOutdated,
        ErrorCode::Forbidden,
        ErrorCode::Unauthorized,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::MethodNotAllowed,
        ErrorCode::TemporaryFailure,
        ErrorCode::InternalError,
    ];

    /// The stable wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::Blank => "blank",
            ErrorCode::TooLong => "too_long",
            ErrorCode::NotANumber => "not_a_number",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::NotExist => "not_exist",
            ErrorCode::Taken => "taken",
            ErrorCode::VersionOutdated => "version_outdated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::TemporaryFailure => "temporary_failure",
            ErrorCode::InternalError => "internal_error",
        }
    }

    /// The HTTP status the code answers with.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Invalid
            | ErrorCode::Blank
            | ErrorCode::TooLong
            | ErrorCode::NotANumber
            | ErrorCode::InvalidState => StatusCode::BAD_REQUEST,
            ErrorCode::NotExist => StatusCode::NOT_FOUND,
            ErrorCode::Taken => StatusCode::CONFLICT,
            ErrorCode::VersionOutdated => StatusCode::PRECONDITION_FAILED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::TemporaryFailure => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code of a field-level refusal.
    pub fn of_invalid(code: InvalidCode) -> ErrorCode {
        match code {
            InvalidCode::Invalid => ErrorCode::Invalid,
            InvalidCode::Blank => ErrorCode::Blank,
            InvalidCode::TooLong => ErrorCode::TooLong,
            InvalidCode::NotANumber => ErrorCode::NotANumber,
        }
    }
}

impl ApiError {
    /// The HTTP status of the error's code.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// A 400 `invalid` on a field (or on the body when `attr` is `None`).
    pub fn invalid(attr: Option<&str>, detail: impl Into<String>) -> Self {
        ApiError {
            attr: attr.map(str::to_owned),
            code: ErrorCode::Invalid,
            detail: detail.into(),
            meta: None,
        }
    }
    /// A 400 `blank` on a missing field.
    pub fn blank(attr: &str, detail: impl Into<String>) -> Self {
        ApiError {
            attr: Some(attr.to_owned()),
            code: ErrorCode::Blank,
            detail: detail.into(),
            meta: None,
        }
    }
    /// A 404 `not_exist`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError {
            attr: None,
            code: ErrorCode::NotExist,
            detail: detail.into(),
            meta: None,
        }
    }
    /// A 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        ApiError {
            attr: None,
            code: ErrorCode::MethodNotAllowed,
            detail: "this endpoint does not take that HTTP method".into(),
            meta: None,
        }
    }

    /// What a refusal from the router or an extractor (plain text, or nothing)
    /// says, as Gladly's error body: its status gives the code, its text the detail.
    pub fn of_rejection(status: StatusCode, text: &str) -> Option<Self> {
        let code = match status {
            StatusCode::BAD_REQUEST
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::Invalid,
            StatusCode::NOT_FOUND => ErrorCode::NotExist,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::TooLarge,
            _ => return None,
        };
        let detail = match text.trim() {
            "" => match code {
                ErrorCode::NotExist => "no such endpoint",
                ErrorCode::MethodNotAllowed => "this endpoint does not take that HTTP method",
                ErrorCode::TooLarge => "the request body is too large",
                _ => "the request could not be read",
            }
            .to_owned(),
            text => text.chars().take(500).collect(),
        };
        Some(ApiError {
            attr: None,
            code,
            detail,
            meta: None,
        })
    }

    /// A 413 `too_large`.
    pub fn too_large(limit: usize) -> Self {
        ApiError {
            attr: None,
            code: ErrorCode::TooLarge,
            detail: format!("the request body exceeds {limit} bytes"),
            meta: None,
        }
    }
    /// A 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        ApiError {
            attr: None,
            code: ErrorCode::Unauthorized,
            detail: "HTTP Basic credentials (agent email and API token) are missing or wrong"
                .into(),
            meta: None,
        }
    }

    fn invalid_state(attr: Option<&str>, reason: &str, detail: String) -> Self {
        ApiError {
            attr: attr.map(str::to_owned),
            code: ErrorCode::InvalidState,
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
                attr: Some(attr),
                code: ErrorCode::of_invalid(code),
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
            DomainError::CallInProgress => {
                ApiError::invalid_state(None, "call_in_progress", detail)
            }
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
            DomainError::StillSending => ApiError::invalid_state(None, "still_sending", detail),
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
                attr: Some(attr.clone()),
                code: ErrorCode::Taken,
                detail: format!("{attr} is already taken"),
                // Gladly's clients read the answer holding a name from
                // `existingAnswerId`.
                meta: Some(if *holder_kind == *"answer" {
                    json!({ "holderType": holder_kind, "id": holder_id, "existingAnswerId": holder_id })
                } else {
                    json!({ "holderType": holder_kind, "id": holder_id })
                }),
            },
            AppError::VersionOutdated => ApiError {
                attr: None,
                code: ErrorCode::VersionOutdated,
                detail: "the resource changed since the version in If-Match; read it again".into(),
                meta: None,
            },
            AppError::Forbidden(detail) => ApiError {
                attr: None,
                code: ErrorCode::Forbidden,
                detail: detail.into(),
                meta: None,
            },
            AppError::Unauthorized => ApiError::unauthorized(),
            AppError::Busy => ApiError {
                attr: None,
                code: ErrorCode::RateLimited,
                detail: "too many sign-ins are being checked at once; retry in a moment".into(),
                meta: None,
            },
            AppError::Unavailable | AppError::Contention => {
                tracing::warn!(error = %e, "request failed: store unavailable or contended");
                ApiError {
                    attr: None,
                    code: ErrorCode::TemporaryFailure,
                    detail: "the service is temporarily unavailable; retry later".into(),
                    meta: None,
                }
            }
            AppError::Internal { .. } => {
                tracing::error!(error = %e.chain(), "request failed with an internal error");
                ApiError {
                    attr: None,
                    code: ErrorCode::InternalError,
                    detail: "internal error".into(),
                    meta: None,
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut entry = serde_json::Map::new();
        entry.insert("attr".into(), self.attr.map_or(Value::Null, Value::String));
        entry.insert("code".into(), Value::String(self.code.as_str().into()));
        entry.insert("detail".into(), Value::String(self.detail));
        entry.insert("meta".into(), self.meta.unwrap_or(Value::Null));
        let mut response =
            (status, Json(json!({ "errors": [Value::Object(entry)] }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
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
