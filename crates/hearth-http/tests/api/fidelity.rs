//! Where Hearth answered differently from Gladly and clients written for Gladly
//! broke: each test failed before its fix.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::Api;

async fn contact_events(api: &Api) -> Vec<Value> {
    let since = hearth_app::codec::fmt_ts(api.app.now() - time::Duration::days(1));
    let r = api
        .get(&format!(
            "/api/v1/events?startAt={}&entities=CONTACT",
            since.replace(':', "%3A")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
        .as_str()
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Gladly never sends CONTACT/MESSAGE_RECEIVED for a phone call; a client that
/// reads the message's text from it would fail on every call.
#[tokio::test]
async fn a_phone_call_is_no_message_received() {
    each_backend!(|api| {
        let call = api
            .inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550188"}}))
            .await;
        let sms = api
            .inbound(json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550199"}, "content": {"content": "hi"}}))
            .await;
        let events = contact_events(&api).await;
        let of = |conv: &Value| -> Vec<String> {
            events
                .iter()
                .filter(|e| e["content"]["conversationId"] == *conv)
                .map(|e| e["type"].as_str().unwrap().to_owned())
                .collect()
        };
        let call_types = of(&call["conversationId"]);
        assert!(
            call_types.contains(&"CONTACT/STARTED".to_owned()),
            "{call_types:?}"
        );
        assert!(
            !call_types.contains(&"CONTACT/MESSAGE_RECEIVED".to_owned()),
            "{call_types:?}"
        );
        assert!(of(&sms["conversationId"]).contains(&"CONTACT/MESSAGE_RECEIVED".to_owned()));
    });
}

/// `?phoneNumber=` finds every profile holding the number under any type, newest
/// first; an SMS from a home number joins the profile that holds it.
#[tokio::test]
async fn a_phone_number_finds_every_profile_holding_it_under_any_type() {
    each_backend!(|api| {
        let home = api
            .post(
                "/api/v1/customer-profiles",
                json!({"name": "Ann Lee", "phones": [{"original": "(206) 555-0142", "type": "HOME"}]}),
            )
            .await;
        assert_eq!(home.status, StatusCode::CREATED, "{}", home.body);
        let other = api
            .post(
                "/api/v1/customer-profiles",
                json!({"name": "Bo Lee", "phones": [{"original": "+1 206 555 0142", "type": "OTHER"}]}),
            )
            .await;
        assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
        // Ann's profile is the one changed last.
        let touched = api
            .patch(
                &format!(
                    "/api/v1/customer-profiles/{}",
                    home.body["id"].as_str().unwrap()
                ),
                json!({"address": "1 Main St"}),
            )
            .await;
        assert!(touched.status.is_success(), "{}", touched.body);
        let found = api
            .get("/api/v1/customer-profiles?phoneNumber=%2B12065550142")
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let ids: Vec<&Value> = found
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["id"])
            .collect();
        assert_eq!(
            ids,
            vec![&home.body["id"], &other.body["id"]],
            "{}",
            found.body
        );
        let sms = api
            .inbound(json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550142"}, "content": {"content": "it's Ann"}}))
            .await;
        assert_eq!(
            sms["customerId"], home.body["id"],
            "no new profile for a known number"
        );
    });
}

/// Erasing a customer takes their open tasks with them (Gladly refuses only for
/// open or waiting conversations), and routing lets go of the tasks.
#[tokio::test]
async fn erasing_a_customer_takes_their_open_tasks() {
    each_backend!(|api| {
        let inbox = api.get("/api/v1/admin/inboxes").await.body[0]["id"].clone();
        let due = hearth_app::codec::fmt_ts(api.app.now() + time::Duration::days(1));
        let task = api
            .post(
                "/api/v1/tasks",
                json!({"assignee": {"inboxId": inbox}, "body": "Call back", "dueAt": due,
                       "customer": {"emailAddress": "gone@example.com"}}),
            )
            .await;
        assert_eq!(task.status, StatusCode::CREATED, "{}", task.body);
        let customer = task.body["customerId"].as_str().unwrap().to_owned();
        let erased = api
            .call(
                Method::DELETE,
                &format!("/api/v1/customer-profiles/{customer}"),
                None,
            )
            .await;
        assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);
        let gone = api
            .get(&format!(
                "/api/v1/tasks/{}",
                task.body["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        // Nobody is handed the task afterwards.
        let alice = api.login("alice@example.com").await;
        let r = api
            .call_as(
                &alice,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MAIL", "TASK"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mine = api
            .call_as(&alice, Method::GET, "/api/v1/me/customers", None)
            .await;
        assert_eq!(mine.body, json!([]), "{}", mine.body);
    });
}

/// A valid token of an agent without API_USER: 403 `forbidden`, not 401.
#[tokio::test]
async fn a_valid_token_without_the_api_role_is_forbidden_not_unauthorized() {
    each_backend!(|api| {
        let carol = api
            .post(
                "/api/v1/admin/agents",
                json!({"name": "Carol", "emailAddress": "carol@example.com", "roles": ["AGENT"], "password": "a long passphrase"}),
            )
            .await;
        assert_eq!(carol.status, StatusCode::CREATED, "{}", carol.body);
        let token = api
            .post(
                &format!(
                    "/api/v1/admin/agents/{}/api-tokens",
                    carol.body["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
        let auth = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!(
                    "carol@example.com:{}",
                    token.body["token"].as_str().unwrap()
                )
            )
        );
        let r = api.call_as(&auth, Method::GET, "/api/v1/me", None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(r.error().0, "forbidden");
        let wrong = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                "carol@example.com:not-the-token"
            )
        );
        let r = api.call_as(&wrong, Method::GET, "/api/v1/me", None).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "a wrong token stays 401"
        );
    });
}

/// A misspelt field of an admin PATCH is refused with its name, not dropped.
#[tokio::test]
async fn admin_bodies_refuse_fields_they_do_not_have() {
    each_backend!(|api| {
        let r = api
            .patch("/api/v1/admin/settings", json!({"reopenWindowSecond": 60}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.error().1.as_deref(), Some("reopenWindowSecond"));
        let inbox = api.get("/api/v1/admin/inboxes").await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = api
            .patch(
                &format!("/api/v1/admin/inboxes/{inbox}"),
                json!({"routing": {"selektion": "ROUND_ROBIN"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.error().1.as_deref(), Some("routing.selektion"));
        let r = api
            .post(
                "/api/v1/admin/teams",
                json!({"name": "Night", "agentIDs": []}),
            )
            .await;
        assert_eq!(r.error().1.as_deref(), Some("agentIDs"), "{}", r.body);
        // What the API shows may be sent back as it is.
        let shown = api
            .get(&format!("/api/v1/admin/inboxes/{inbox}"))
            .await
            .body;
        let r = api
            .patch(&format!("/api/v1/admin/inboxes/{inbox}"), shown)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let settings = api.get("/api/v1/admin/settings").await.body;
        let r = api.patch("/api/v1/admin/settings", settings).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    });
}
