//! `POST /contacts/inbound`, `POST /contacts/{id}/end`, customer look-ups and the
//! refusals of bad input.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::each_backend;
use crate::harness::MAX_BODY;

#[tokio::test]
async fn an_inbound_email_creates_an_open_unassigned_conversation_with_a_due_date() {
    each_backend!(|api| {
        let created = api
            .email_from("Jane@Example.com", "Where is my order?")
            .await;
        let conv = api
            .get(&format!(
                "/api/v1/conversations/{}",
                created["conversationId"].as_str().unwrap()
            ))
            .await;
        assert_eq!(conv.status, StatusCode::OK);
        assert_eq!(conv.body["status"], "OPEN");
        assert_eq!(conv.body["queueState"], "NEW");
        assert!(conv.body.get("agentId").is_none());
        assert_eq!(conv.body["customerId"], created["customerId"]);
        let created_at =
            hearth_app::codec::parse_ts(conv.body["createdAt"].as_str().unwrap()).unwrap();
        let due_at = hearth_app::codec::parse_ts(conv.body["dueAt"].as_str().unwrap()).unwrap();
        assert_eq!(
            due_at - created_at,
            time::Duration::hours(1),
            "the Support inbox SLA is one hour"
        );

        let items = api
            .get(&format!(
                "/api/v1/conversations/{}/items",
                created["conversationId"].as_str().unwrap()
            ))
            .await;
        assert_eq!(items.status, StatusCode::OK);
        let item = &items.body[0];
        assert_eq!(item["id"], created["itemId"]);
        assert_eq!(item["initiator"]["type"], "CUSTOMER");
        assert_eq!(item["content"]["type"], "EMAIL");
        assert_eq!(item["content"]["from"], "Jane@Example.com");
        assert_eq!(item["content"]["to"], json!(["support@example.com"]));
        assert_eq!(item["content"]["content"], "Where is my order?");

        let found = api
            .get("/api/v1/customer-profiles?email=jane%40example.com")
            .await;
        assert_eq!(found.body.as_array().map(Vec::len), Some(1));
        assert_eq!(found.body[0]["emails"][0]["normalized"], "jane@example.com");
        let profile = api
            .get(&format!(
                "/api/v1/customer-profiles/{}",
                created["customerId"].as_str().unwrap()
            ))
            .await;
        assert_eq!(profile.body["name"], "Jane Doe");
    });
}

#[tokio::test]
async fn every_contact_of_a_customer_lands_in_the_one_active_conversation() {
    each_backend!(|api| {
        let first = api.email_from("jane@example.com", "first").await;
        let second = api.email_from("JANE@example.com", "second").await;
        assert_eq!(first["conversationId"], second["conversationId"]);
        assert_eq!(
            first["contactId"], second["contactId"],
            "an unanswered email thread is one contact"
        );
        let list = api
            .get(&format!(
                "/api/v1/customers/{}/conversations",
                first["customerId"].as_str().unwrap()
            ))
            .await;
        assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    });
}

#[tokio::test]
async fn a_repeated_provider_message_id_answers_200_with_the_first_body_and_writes_nothing() {
    each_backend!(|api| {
        let body = json!({
            "channel": "SMS", "entryPoint": "+12065550100",
            "from": {"address": "(206) 555-0111"}, "content": {"content": "hello"},
            "providerMessageId": "SM123"
        });
        let first = api.post("/api/v1/contacts/inbound", body.clone()).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let again = api.post("/api/v1/contacts/inbound", body).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, first.body);
        let items = api
            .get(&format!(
                "/api/v1/conversations/{}/items",
                first.body["conversationId"].as_str().unwrap()
            ))
            .await;
        assert_eq!(items.body.as_array().map(Vec::len), Some(1));
        let phone = api
            .get("/api/v1/customer-profiles?phoneNumber=%2B12065550111")
            .await;
        assert_eq!(phone.body[0]["phones"][0]["normalized"], "+12065550111");
        assert_eq!(phone.body[0]["phones"][0]["type"], "MOBILE");
    });
}

#[tokio::test]
async fn bad_inbound_input_is_refused_with_a_precise_attr_and_code_and_writes_nothing() {
    each_backend!(|api| {
        let cases = [
            (
                json!({"entryPoint": "support@example.com", "from": {"address": "a@example.com"}}),
                "blank",
                Some("channel"),
            ),
            (
                json!({"channel": "FAX", "entryPoint": "x", "from": {"address": "a@example.com"}}),
                "invalid",
                Some("channel"),
            ),
            (
                json!({"channel": "EMAIL", "from": {"address": "a@example.com"}}),
                "blank",
                Some("entryPoint"),
            ),
            (
                json!({"channel": "EMAIL", "entryPoint": "nobody@example.com", "from": {"address": "a@example.com"}, "content": {"content": "x"}}),
                "invalid",
                Some("entryPoint"),
            ),
            (
                json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "not-an-email"}}),
                "invalid",
                Some("from.address"),
            ),
            (
                json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "555-01"}, "content": {"content": "x"}}),
                "invalid",
                Some("from.address"),
            ),
            (
                json!({"channel": "EMAIL", "entryPoint": "support@example.com"}),
                "blank",
                Some("from"),
            ),
            (
                json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "a@example.com"}, "content": {"type": "SMS", "content": "x"}}),
                "invalid",
                Some("content.type"),
            ),
            (
                json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "visitor-1"}, "content": {"messageType": "TEXT"}}),
                "invalid",
                Some("content"),
            ),
            (
                json!({"channel": 5, "entryPoint": "chat", "from": {"address": "visitor-1"}}),
                "invalid",
                Some("channel"),
            ),
        ];
        for (body, code, attr) in cases {
            let r = api.post("/api/v1/contacts/inbound", body.clone()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
            let (got_code, got_attr, _) = r.error();
            assert_eq!(
                (got_code.as_str(), got_attr.as_deref()),
                (code, attr),
                "{body}"
            );
        }
        let malformed = api
            .raw(
                Method::POST,
                "/api/v1/contacts/inbound",
                Body::from("{\"channel\":"),
                Some(&api.auth_header()),
                true,
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.error().0, "invalid");
        for email in ["a@example.com", "not-an-email"] {
            let found = api
                .get(&format!("/api/v1/customer-profiles?email={email}"))
                .await;
            assert!(
                found.body.as_array().is_none_or(Vec::is_empty),
                "nothing was written for {email}"
            );
        }
        let events = {
            let mut tx = api.db.store.read().await.unwrap();
            tx.events_page(0, 10).await.unwrap()
        };
        assert!(events.is_empty(), "refused requests append no events");
    });
}

#[tokio::test]
async fn an_oversized_body_is_413_too_large() {
    each_backend!(|api| {
        let huge = "x".repeat(MAX_BODY + 10);
        let body = json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "a@example.com"}, "content": {"content": huge}});
        let r = api.post("/api/v1/contacts/inbound", body).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.error().0, "too_large");
    });
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401() {
    each_backend!(|api| {
        let none = api
            .raw(
                Method::GET,
                "/api/v1/customer-profiles?email=a@example.com",
                Body::empty(),
                None,
                false,
            )
            .await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        assert_eq!(none.error().0, "unauthorized");
        assert!(none.headers.get("www-authenticate").is_some());
        let wrong = base64_basic("admin@example.com", "not-a-token");
        let r = api
            .raw(
                Method::GET,
                "/api/v1/customer-profiles?email=a@example.com",
                Body::empty(),
                Some(&wrong),
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let token = api.app.create_token("alice@example.com").await.unwrap();
        let mismatched = base64_basic("bob@example.com", &token);
        let r = api
            .raw(
                Method::GET,
                "/api/v1/customer-profiles?email=a@example.com",
                Body::empty(),
                Some(&mismatched),
                false,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "a token only works with its own agent's email"
        );
        let alice = base64_basic("alice@example.com", &token);
        let r = api
            .raw(
                Method::GET,
                "/api/v1/customer-profiles?email=a@example.com",
                Body::empty(),
                Some(&alice),
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    });
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test]
async fn a_json_post_without_content_type_is_accepted() {
    each_backend!(|api| {
        let token = api.app.create_token("admin@example.com").await.unwrap();
        let body = json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "visitor-9"}, "sessionId": "sess-1", "content": {"content": "hi"}});
        let r = api
            .raw(
                Method::POST,
                "/api/v1/contacts/inbound",
                Body::from(body.to_string()),
                Some(&base64_basic("admin@example.com", &token)),
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    });
}

#[tokio::test]
async fn a_chat_abandoned_before_routing_closes_its_conversation() {
    each_backend!(|api| {
        let created = api
            .inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "visitor-7"}, "sessionId": "s-7", "content": {"content": "anyone?"}}))
            .await;
        let end = api
            .post(
                &format!(
                    "/api/v1/contacts/{}/end",
                    created["contactId"].as_str().unwrap()
                ),
                json!({"reason": "CUSTOMER_ABANDONED"}),
            )
            .await;
        assert_eq!(end.status, StatusCode::NO_CONTENT, "{}", end.body);
        let conv = api
            .get(&format!(
                "/api/v1/conversations/{}",
                created["conversationId"].as_str().unwrap()
            ))
            .await;
        assert_eq!(conv.body["status"], "CLOSED");
        let again = api
            .post(
                &format!(
                    "/api/v1/contacts/{}/end",
                    created["contactId"].as_str().unwrap()
                ),
                json!({"reason": "CUSTOMER_ENDED"}),
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert_eq!(again.error().2.as_deref(), Some("contact_ended"));
        let bad = api
            .post("/api/v1/contacts/nope/end", json!({"reason": "HUNG_UP"}))
            .await;
        assert_eq!(bad.error(), ("invalid".into(), Some("reason".into()), None));
        let unknown = api
            .post(
                "/api/v1/contacts/nope/end",
                json!({"reason": "CUSTOMER_ENDED"}),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    });
}

#[tokio::test]
async fn a_store_that_is_down_answers_503_and_writes_nothing() {
    each_backend!(|api| {
        assert_eq!(api.get("/readyz").await.status, StatusCode::OK);
        api.db.store.close().await;
        let ready = api.get("/readyz").await;
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ready.error().0, "temporary_failure");
        let r = api.post("/api/v1/contacts/inbound", json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "a@example.com"}})).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            api.get("/healthz").await.status,
            StatusCode::OK,
            "liveness does not depend on the database"
        );
    });
}

#[tokio::test]
async fn concurrent_contacts_of_one_new_customer_land_in_one_conversation() {
    each_backend!(|api| {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..8 {
            let router = api.router.clone();
            let auth = api.auth_header();
            set.spawn(async move {
                let body = json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "burst@example.com"}, "content": {"subject": "s", "content": format!("message {i}")}});
                let req = axum::http::Request::post("/api/v1/contacts/inbound").header("authorization", auth).body(Body::from(body.to_string())).unwrap();
                let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
                let status = resp.status();
                let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
                (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
            });
        }
        let results = set.join_all().await;
        assert!(
            results.iter().all(|(s, _)| *s == StatusCode::CREATED),
            "{results:?}"
        );
        let conversations: std::collections::BTreeSet<String> = results
            .iter()
            .map(|(_, b)| b["conversationId"].as_str().unwrap().to_owned())
            .collect();
        let customers: std::collections::BTreeSet<String> = results
            .iter()
            .map(|(_, b)| b["customerId"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            (conversations.len(), customers.len()),
            (1, 1),
            "one customer, one conversation"
        );
        let items = api
            .get(&format!(
                "/api/v1/conversations/{}/items",
                conversations.first().unwrap()
            ))
            .await;
        assert_eq!(
            items.body.as_array().map(Vec::len),
            Some(8),
            "no message was lost"
        );
    });
}

#[tokio::test]
async fn an_entry_point_sla_overrides_the_inbox_sla() {
    each_backend!(|api| {
        {
            let mut tx = api.db.store.begin().await.unwrap();
            let mut row = tx
                .resource_by_key("entry_point", "SMS:+12065550100")
                .await
                .unwrap()
                .unwrap();
            let mut doc: serde_json::Value = serde_json::from_str(&row.doc).unwrap();
            doc["slaSeconds"] = json!(300);
            row.doc = doc.to_string();
            tx.put_resource(&row).await.unwrap();
            tx.commit().await.unwrap();
        }
        let created = api.inbound(json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550177"}, "content": {"content": "hi"}})).await;
        let conv = api
            .get(&format!(
                "/api/v1/conversations/{}",
                created["conversationId"].as_str().unwrap()
            ))
            .await
            .body;
        let created_at = hearth_app::codec::parse_ts(conv["createdAt"].as_str().unwrap()).unwrap();
        let due_at = hearth_app::codec::parse_ts(conv["dueAt"].as_str().unwrap()).unwrap();
        assert_eq!(due_at - created_at, time::Duration::minutes(5));
    });
}

/// Chat sessions of the widget: a rejoin within the window keeps the session, a
/// later one starts a new session for the same customer; a customer who left and
/// did not come back in time abandons the chat (R45): the contact ends as
/// CUSTOMER_ABANDONED and the session ends by timeout.
#[tokio::test]
async fn chat_sessions_rejoin_within_the_window_and_are_abandoned_after_it() {
    crate::each_backend_with_clock!(|api, clock| {
        use hearth_app::service::{ChatEndedBy, ChatFrom};
        let grace = time::Duration::seconds(10);
        let (session, token) = api.app.open_chat("chat", Some("Ivy"), None).await.unwrap();
        assert!(api.app.open_chat("nowhere", None, None).await.is_err());
        let (line, created) = api.app.chat_say(&session.id, "c1", "Hello?").await.unwrap();
        assert!(created);
        let (again, created) = api.app.chat_say(&session.id, "c1", "Hello?").await.unwrap();
        assert!(!created, "the same clientId is the same message");
        assert_eq!(again.id, line.id);

        // Within the window (2 min by default) the token rejoins the same session.
        clock.advance(time::Duration::seconds(60));
        let (rejoined, new_token) = api.app.resume_chat("chat", &token).await.unwrap().unwrap();
        assert_eq!(
            (rejoined.id.as_str(), new_token),
            (session.id.as_str(), None)
        );
        assert!(
            api.app
                .resume_chat("elsewhere", &token)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            api.app
                .resume_chat("chat", "forged")
                .await
                .unwrap()
                .is_none()
        );

        // Left, and not back within window and grace: abandoned.
        api.app.chat_seen(&session.id).await.unwrap();
        clock.advance(time::Duration::minutes(2));
        assert_eq!(
            api.app.abandon_stale_chats(grace).await.unwrap(),
            0,
            "still within the grace"
        );
        clock.advance(time::Duration::seconds(11));
        assert_eq!(api.app.abandon_stale_chats(grace).await.unwrap(), 1);
        let transcript = api.app.chat_transcript(&session.id).await.unwrap();
        assert_eq!(transcript.ended, Some(ChatEndedBy::Timeout));
        assert_eq!(transcript.lines.len(), 1);
        assert_eq!(transcript.lines[0].from, ChatFrom::Customer);
        let conversation = api
            .app
            .item(&line.id)
            .await
            .unwrap()
            .conversation_id
            .unwrap();
        let conv = api.app.conversation(conversation.as_str()).await.unwrap();
        let contact = conv
            .contacts
            .iter()
            .find(|c| c.session_id.as_deref() == Some(session.id.as_str()))
            .unwrap();
        assert_eq!(
            contact.ended.as_ref().and_then(|e| e.reason),
            Some(hearth_domain::conversation::EndReason::CustomerAbandoned)
        );
        assert!(
            api.app
                .chat_say(&session.id, "c2", "Still there?")
                .await
                .is_err(),
            "an ended chat takes no message"
        );
        // Coming back later starts a new session for the same customer.
        let (next, fresh) = api.app.resume_chat("chat", &token).await.unwrap().unwrap();
        assert_ne!(next.id, session.id);
        assert!(fresh.is_some(), "with a token of its own");
    });
}

/// Due dates count in business hours: an email arriving on a Friday evening in an
/// inbox open Monday to Friday, 09:00-17:00, with a two-hour SLA is due at 11:00
/// on Monday; an entry point's own hours apply to its contacts (R48); a transfer
/// to an inbox without hours counts around the clock again (R50).
#[tokio::test]
async fn a_friday_evening_email_is_due_on_monday_in_business_hours() {
    crate::each_backend_with_clock!(|api, clock| {
        // The next Friday, 18:00 UTC, from wherever the clock stands.
        let now = api.app.now();
        let days = (i64::from(time::Weekday::Friday.number_days_from_monday())
            - i64::from(now.weekday().number_days_from_monday()))
        .rem_euclid(7)
            + 7;
        let friday = (now + time::Duration::days(days))
            .replace_time(time::Time::from_hms(18, 0, 0).unwrap());
        clock.advance(friday - now);

        let hours = api
            .post(
                "/api/v1/admin/business-hours",
                json!({"name": "Office", "timeZone": "UTC", "weekly": [
                    {"day": "MONDAY", "start": "09:00", "end": "17:00"},
                    {"day": "TUESDAY", "start": "09:00", "end": "17:00"},
                    {"day": "WEDNESDAY", "start": "09:00", "end": "17:00"},
                    {"day": "THURSDAY", "start": "09:00", "end": "17:00"},
                    {"day": "FRIDAY", "start": "09:00", "end": "17:00"}
                ]}),
            )
            .await;
        assert_eq!(hours.status, StatusCode::CREATED, "{}", hours.body);
        let inboxes = api.get("/api/v1/admin/inboxes").await.body;
        let support = inboxes[0]["id"].as_str().unwrap().to_owned();
        let due = |conv: &serde_json::Value| {
            hearth_app::codec::parse_ts(conv["dueAt"].as_str().unwrap()).unwrap()
        };
        let monday = friday + time::Duration::days(3);
        let sla = api
            .patch(
                &format!("/api/v1/admin/inboxes/{support}"),
                json!({"slaSeconds": 7200}),
            )
            .await;
        assert!(sla.status.is_success(), "{}", sla.body);

        // First only the SMS entry point names the hours (R48: its hours, the
        // inbox's SLA).
        let entry_points = api.get("/api/v1/admin/entry-points").await.body;
        let sms = entry_points
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["channel"] == "SMS")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let named = api
            .patch(
                &format!("/api/v1/admin/entry-points/{sms}"),
                json!({"businessHoursId": hours.body["id"]}),
            )
            .await;
        assert!(named.status.is_success(), "{}", named.body);
        let text = api.inbound(json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550166"}, "content": {"content": "still open?"}})).await;
        let path = format!(
            "/api/v1/conversations/{}",
            text["conversationId"].as_str().unwrap()
        );
        let conv = api.get(&path).await.body;
        assert_eq!(
            due(&conv),
            monday.replace_time(time::Time::from_hms(11, 0, 0).unwrap()),
            "{conv}"
        );
        let early = api
            .email_from("early@example.com", "Around the clock?")
            .await;
        let path = format!(
            "/api/v1/conversations/{}",
            early["conversationId"].as_str().unwrap()
        );
        let conv = api.get(&path).await.body;
        assert_eq!(
            due(&conv),
            friday + time::Duration::hours(2),
            "the email entry point has no hours: {conv}"
        );

        // Then the inbox itself.
        let changed = api
            .patch(
                &format!("/api/v1/admin/inboxes/{support}"),
                json!({"businessHoursId": hours.body["id"]}),
            )
            .await;
        assert!(changed.status.is_success(), "{}", changed.body);
        let missing = api
            .patch(
                &format!("/api/v1/admin/entry-points/{sms}"),
                json!({"businessHoursId": "nope"}),
            )
            .await;
        assert_eq!(missing.error().1.as_deref(), Some("businessHoursId"));

        let mail = api.email_from("friday@example.com", "Anyone there?").await;
        let id = mail["conversationId"].as_str().unwrap().to_owned();
        let conv = api.get(&format!("/api/v1/conversations/{id}")).await.body;
        assert_eq!(
            due(&conv),
            monday.replace_time(time::Time::from_hms(11, 0, 0).unwrap()),
            "{conv}"
        );

        // Transferred to an inbox without hours: two hours from now.
        let other = api
            .post(
                "/api/v1/admin/inboxes",
                json!({"name": "Nights", "slaSeconds": 7200}),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let moved = api
            .patch(
                &format!("/api/v1/conversations/{id}"),
                json!({"assignee": {"inboxId": other, "agentId": null}}),
            )
            .await;
        assert!(moved.status.is_success(), "{}", moved.body);
        let conv = api.get(&format!("/api/v1/conversations/{id}")).await.body;
        assert_eq!(due(&conv), friday + time::Duration::hours(2), "{conv}");
    });
}
