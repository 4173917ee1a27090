//! Redaction as Gladly's `rest-api-examples` redaction script drives it: a
//! message with a card number is redacted by id; the item stays with its times and
//! who redacted it, and the number is gone from the item, the stored events, the
//! export files, and never comes back; the redaction reaches webhooks and
//! `/events`.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::webhooks::Receiver;

const CARD: &str = "4111 1111 1111 1111";

#[tokio::test]
async fn a_redacted_message_keeps_its_place_and_loses_its_content_everywhere() {
    each_backend!(|api| {
        let start = hearth_app::codec::fmt_ts(api.app.now() - time::Duration::hours(1));
        let (receiver, url) = Receiver::start().await;
        let hook = api
            .post(
                "/api/v1/webhooks",
                json!({"name": "Audit", "url": url, "events": ["CONVERSATION/ITEM_REDACTED"]}),
            )
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
        let hook_id = hook.body["id"].as_str().unwrap().to_owned();
        assert_eq!(
            api.patch(
                &format!("/api/v1/webhooks/{hook_id}"),
                json!({"enabled": true})
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );

        let mail = api
            .email_from(
                "jane@example.com",
                &format!("My card is {CARD}, please refund"),
            )
            .await;
        let item = mail["itemId"].as_str().unwrap().to_owned();
        let conversation = mail["conversationId"].as_str().unwrap().to_owned();
        let before = api
            .get(&format!("/api/v1/conversation-items/{item}"))
            .await
            .body;
        let job = api
            .post("/api/v1/export/jobs", json!({"startAt": start}))
            .await;
        assert_eq!(job.status, StatusCode::CREATED, "{}", job.body);
        let job = job.body["id"].as_str().unwrap().to_owned();
        let export = || {
            let api = &api;
            let job = job.clone();
            async move {
                let r = api
                    .raw(
                        Method::GET,
                        &format!("/api/v1/export/jobs/{job}/files/conversation_items.jsonl"),
                        axum::body::Body::empty(),
                        Some(&api.auth_header()),
                        false,
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK);
                match r.body {
                    Value::String(s) => s,
                    other => format!("{other}\n"),
                }
            }
        };
        assert!(export().await.contains(CARD), "the export held the number");

        let redacted = api
            .call(
                Method::POST,
                &format!("/api/v1/conversation-items/{item}/redact"),
                None,
            )
            .await;
        assert_eq!(redacted.status, StatusCode::CREATED, "{}", redacted.body);
        assert_eq!(
            redacted.headers["location"],
            format!("/api/v1/conversation-items/{item}").as_str()
        );
        let after = api
            .get(&format!("/api/v1/conversation-items/{item}"))
            .await
            .body;
        assert_eq!(after["content"]["type"], "EMAIL");
        assert_eq!(after["content"]["content"], "");
        assert_eq!(after["content"]["subject"], "");
        assert_eq!(after["content"]["from"], before["content"]["from"]);
        assert_eq!(
            after["timestamp"], before["timestamp"],
            "the item keeps its time"
        );
        assert_eq!(after["conversationId"], json!(conversation));
        let admin = api.id_of("agent", "admin@example.com").await;
        assert_eq!(
            after["redaction"]["initiator"],
            json!({"type": "AGENT", "id": admin})
        );
        assert!(after["redaction"]["redactedAt"].is_string());
        assert!(!after.to_string().contains("4111"));

        // Nothing kept a copy: the timeline, the stored events, the export.
        let timeline = api
            .get(&format!("/api/v1/conversations/{conversation}/items"))
            .await;
        assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.body);
        assert!(
            !timeline.body.to_string().contains("4111"),
            "{}",
            timeline.body
        );
        let mut tx = api.db.store.read().await.unwrap();
        let stored = tx.events_of("conversation", &conversation).await.unwrap();
        assert!(!stored.is_empty());
        assert!(
            stored.iter().all(|e| !e.event.payload.contains("4111")),
            "the event log keeps no copy"
        );
        let row = tx.item(&item).await.unwrap().unwrap();
        assert!(!row.doc.contains("4111"));
        drop(tx);
        // The desktop says who redacted it where the text was.
        let (cookies, _) = crate::ui::sign_in(&api, "admin@example.com").await;
        let page =
            crate::ui::get(&api, &cookies, &format!("/ui/conversations/{conversation}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("Content redacted by You"),
            "{}",
            page.html
        );
        assert!(!page.html.contains("4111"));
        let exported = export().await;
        assert!(!exported.contains("4111"), "{exported}");
        assert!(exported.contains(&item), "the item's line stays, redacted");

        // The redaction is an event: in /events and at the webhook.
        let events = api
            .get(&format!(
                "/api/v1/events?startAt={}&entities=CONVERSATION",
                start.replace(':', "%3A")
            ))
            .await;
        assert_eq!(events.status, StatusCode::OK, "{}", events.body);
        let redactions: Vec<Value> = events
            .body
            .as_str()
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["type"] == "CONVERSATION/ITEM_REDACTED")
            .collect();
        assert_eq!(redactions.len(), 1, "{}", events.body);
        assert_eq!(
            redactions[0]["content"],
            json!({"customerId": mail["customerId"], "conversationId": conversation, "conversationItemId": item})
        );
        assert_eq!(
            redactions[0]["initiator"],
            json!({"type": "AGENT", "id": admin})
        );
        assert!(api.app.fan_out_webhooks().await.unwrap() > 0);
        api.app.send_due_webhooks().await.unwrap();
        let delivered: Vec<Value> = receiver
            .received()
            .into_iter()
            .map(|(_, b)| b)
            .filter(|b| b["type"] == "CONVERSATION/ITEM_REDACTED")
            .collect();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0]["content"]["conversationItemId"], json!(item));

        // Twice is once.
        let again = api
            .call(
                Method::POST,
                &format!("/api/v1/conversation-items/{item}/redact"),
                None,
            )
            .await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(again.body["redaction"], after["redaction"]);
        let mut tx = api.db.store.read().await.unwrap();
        assert_eq!(tx.events_of("item", &item).await.unwrap().len(), 1);
        drop(tx);

        // What cannot be redacted.
        let missing = api
            .call(Method::POST, "/api/v1/conversation-items/nope/redact", None)
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let note = api
            .post(
                &format!("/api/v1/conversations/{conversation}/notes"),
                json!({"content": {"body": "called her back"}}),
            )
            .await;
        assert!(note.status.is_success(), "{}", note.body);
        let note_id = note.body["id"].as_str().unwrap().to_owned();
        let refused = api
            .call(
                Method::POST,
                &format!("/api/v1/conversation-items/{note_id}/redact"),
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(refused.error().1.as_deref(), Some("content.type"));
        // A reply still in the outbox (no relay here) would go out after all.
        let second = api.email_from("jane@example.com", "another").await;
        let reply = api
            .post(
                &format!(
                    "/api/v1/conversation-items/{}/reply",
                    second["itemId"].as_str().unwrap()
                ),
                json!({"content": {"type": "EMAIL", "body": "On its way"}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let sending = api
            .call(
                Method::POST,
                &format!("{}/redact", reply.headers["location"].to_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(sending.status, StatusCode::BAD_REQUEST, "{}", sending.body);
        assert_eq!(sending.error().2.as_deref(), Some("still_sending"));
    });
}
