//! The error table: every error Hearth can answer with, rendered as the client sees
//! it (status and Gladly's error body), pinned in one snapshot. A new variant of
//! `DomainError` or `AppError` does not compile here until it has a line, and a code
//! of `ErrorCode` that no line produces fails the test.

use std::collections::BTreeSet;

use axum::response::IntoResponse;
use hearth_app::AppError;
use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_http::error::{ApiError, ErrorCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};

/// One example of every domain refusal; the match below keeps the list whole.
fn domain_errors() -> Vec<DomainError> {
    let all = vec![
        DomainError::invalid("content.type", "must be EMAIL or SMS"),
        DomainError::blank("name", "is required"),
        DomainError::too_long("name", "must be at most 200 characters"),
        DomainError::Invalid {
            attr: "slaSeconds".into(),
            code: hearth_domain::error::InvalidCode::NotANumber,
            detail: "must be an integer".into(),
        },
        DomainError::ConversationClosed("you cannot reply to items in closed conversations"),
        DomainError::ReplyMissing,
        DomainError::TopicsRequired,
        DomainError::ActionNotAvailable { action: "END" },
        DomainError::NotAvailable,
        DomainError::FocusMode,
        DomainError::CallInProgress,
        DomainError::NotAssignee,
        DomainError::AgentNotInInbox,
        DomainError::NotReplyable("the customer has no phone number"),
        DomainError::ReplyChannelMismatch {
            reply: "SMS",
            channel: Channel::Email,
        },
        DomainError::ContactEnded,
        DomainError::UnknownContact,
        DomainError::NotClosed,
        DomainError::CustomerHasOpenConversation,
        DomainError::InUse("the inbox is still used by agents".into()),
        DomainError::TaskState("a closed task takes no comments"),
        DomainError::StillSending,
    ];
    for e in &all {
        // No wildcard: a new variant must be added to the list above.
        match e {
            DomainError::Invalid { .. }
            | DomainError::ConversationClosed(_)
            | DomainError::ReplyMissing
            | DomainError::TopicsRequired
            | DomainError::ActionNotAvailable { .. }
            | DomainError::NotAvailable
            | DomainError::FocusMode
            | DomainError::CallInProgress
            | DomainError::NotAssignee
            | DomainError::AgentNotInInbox
            | DomainError::NotReplyable(_)
            | DomainError::ReplyChannelMismatch { .. }
            | DomainError::ContactEnded
            | DomainError::UnknownContact
            | DomainError::NotClosed
            | DomainError::CustomerHasOpenConversation
            | DomainError::InUse(_)
            | DomainError::TaskState(_)
            | DomainError::StillSending => {}
        }
    }
    all
}

/// One example of every application error besides the domain's.
fn app_errors() -> Vec<AppError> {
    let all = vec![
        AppError::not_found("conversation", "c1"),
        AppError::Taken {
            attr: "emailAddress".into(),
            holder_kind: "agent",
            holder_id: "a1".into(),
        },
        AppError::VersionOutdated,
        AppError::Forbidden("this needs the role ADMIN"),
        AppError::Unauthorized,
        AppError::Contention,
        AppError::Unavailable,
        AppError::Busy,
        AppError::internal("a stored document does not decode"),
    ];
    for e in &all {
        match e {
            AppError::Domain(_)
            | AppError::NotFound { .. }
            | AppError::Taken { .. }
            | AppError::VersionOutdated
            | AppError::Forbidden(_)
            | AppError::Unauthorized
            | AppError::Contention
            | AppError::Unavailable
            | AppError::Busy
            | AppError::Internal { .. } => {}
        }
    }
    all
}

async fn rendered(name: String, e: ApiError) -> (ErrorCode, Value) {
    let code = e.code;
    let response = e.into_response();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    (
        code,
        json!({ "case": name, "status": status, "body": body }),
    )
}

#[tokio::test]
async fn every_error_body_is_pinned() {
    let mut cases = Vec::new();
    for e in domain_errors() {
        cases.push((format!("DomainError::{e:?}"), ApiError::from(e)));
    }
    for e in app_errors() {
        cases.push((format!("AppError::{e:?}"), ApiError::from(e)));
    }
    cases.push(("too_large".into(), ApiError::too_large(65536)));
    cases.push(("method_not_allowed".into(), ApiError::method_not_allowed()));
    cases.push((
        "malformed JSON".into(),
        ApiError::invalid(None, "malformed JSON"),
    ));
    cases.push((
        "rate_limited".into(),
        ApiError {
            attr: None,
            code: ErrorCode::RateLimited,
            detail: "more than 100 requests in one second; retry with backoff".into(),
            meta: None,
        },
    ));
    let mut seen = BTreeSet::new();
    let mut table = Vec::new();
    for (name, e) in cases {
        let (code, line) = rendered(name, e).await;
        assert_eq!(
            line["status"].as_u64(),
            Some(u64::from(code.status().as_u16())),
            "{line}"
        );
        seen.insert(code.as_str());
        table.push(line);
    }
    let missing: Vec<&str> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "codes no case produces: {missing:?}");
    insta::assert_json_snapshot!("error_bodies", table);
}

/// U+0000 is refused as `invalid` wherever a client can put it (a JSON field, an
/// object key, a path id, a query parameter, a desktop form), on both backends:
/// PostgreSQL cannot store it, and a 500 would make providers retry forever.
#[tokio::test]
async fn a_nul_character_anywhere_is_a_400_naming_where() {
    use axum::http::{Method, StatusCode};
    crate::each_backend!(|api| {
        let cases: Vec<(Method, String, Option<Value>, Option<&str>)> = vec![
            (
                Method::POST,
                "/api/v1/contacts/inbound".into(),
                Some(
                    json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                    "from": {"address": "nul@example.com", "name": "Ja\u{0}ne"},
                    "content": {"subject": "Hi", "content": "Hello"}}),
                ),
                Some("from.name"),
            ),
            (
                Method::POST,
                "/api/v1/contacts/inbound".into(),
                Some(json!({"channel": "SMS", "entryPoint": "+12065550100",
                    "from": {"address": "+12065550101"},
                    "content": {"content": "tab\u{0}here"}})),
                Some("content.content"),
            ),
            (
                Method::POST,
                "/api/v1/customer-profiles".into(),
                Some(json!({"name": "Ok", "customAttributes": {"ke\u{0}y": "v"}})),
                Some("customAttributes"),
            ),
            (
                Method::POST,
                "/api/v1/customer-profiles".into(),
                Some(json!({"emails": [{"original": "a\u{0}@example.com"}]})),
                Some("emails.0.original"),
            ),
            (
                Method::GET,
                "/api/v1/conversations/abc%00def".into(),
                None,
                Some("path"),
            ),
            (
                Method::GET,
                "/api/v1/customer-profiles?email=a%00b%40example.com".into(),
                None,
                Some("query"),
            ),
        ];
        for (method, path, body, attr) in cases {
            let reply = api.call(method.clone(), &path, body).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{method} {path} on {}: {}",
                api.db.name,
                reply.body
            );
            let (code, got_attr, _) = reply.error();
            assert_eq!(code, "invalid", "{path}");
            assert_eq!(got_attr.as_deref(), attr, "{path}: {}", reply.body);
        }
        // Nothing was written.
        let found = api
            .get("/api/v1/customer-profiles?email=nul%40example.com")
            .await;
        assert_eq!(found.body, json!([]), "{}", found.body);
    });
}

/// Whatever axum itself refuses (a path id that is not UTF-8, an unknown address,
/// a method an endpoint does not take, a body of the wrong type) still answers with
/// Gladly's error body and a stable code.
#[tokio::test]
async fn refusals_of_the_router_keep_gladlys_error_body() {
    use axum::http::{Method, StatusCode};
    crate::each_backend!(|api| {
        let cases = [
            (Method::GET, "/api/v1/", StatusCode::NOT_FOUND, "not_exist"),
            (
                Method::GET,
                "/api/v1/nothing/here",
                StatusCode::NOT_FOUND,
                "not_exist",
            ),
            (
                Method::DELETE,
                "/api/v1/me",
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
            ),
            (
                Method::GET,
                "/api/v1/conversations/%FF%FE",
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
        ];
        for (method, path, status, code) in cases {
            let reply = api.call(method.clone(), path, None).await;
            assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
            assert_eq!(
                reply.headers["content-type"], "application/json",
                "{method} {path}"
            );
            assert_eq!(reply.error().0, code, "{method} {path}: {}", reply.body);
            assert!(
                reply.body["errors"][0]["detail"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{method} {path}: a detail in words"
            );
        }
    });
}
