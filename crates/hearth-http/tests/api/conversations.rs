//! `PATCH /conversations/{id}`, replies through the outbox, topics and notes.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::Api;

async fn conversation(api: &Api, id: &Value) -> Value {
    api.get(&format!("/api/v1/conversations/{}", id.as_str().unwrap()))
        .await
        .body
}

#[tokio::test]
async fn closing_with_a_customer_waiting_needs_force() {
    each_backend!(|api| {
        let created = api.email_from("jane@example.com", "help").await;
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        let refused = api
            .patch(&path, json!({"status": {"value": "CLOSED"}}))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.error(),
            (
                "invalid_state".into(),
                Some("status.force".into()),
                Some("reply_missing".into())
            )
        );
        assert_eq!(
            conversation(&api, &created["conversationId"]).await["status"],
            "OPEN",
            "a refused PATCH changes nothing"
        );

        let forced = api
            .patch(&path, json!({"status": {"value": "CLOSED", "force": true}}))
            .await;
        assert_eq!(forced.status, StatusCode::NO_CONTENT, "{}", forced.body);
        let closed = conversation(&api, &created["conversationId"]).await;
        assert_eq!(closed["status"], "CLOSED");
        assert!(closed.get("closedAt").is_some());
        assert!(closed.get("dueAt").is_none(), "closing clears the SLA");

        let items = api.get(&format!("{path}/items")).await.body;
        let last = items.as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            last["content"],
            json!({"type": "CONVERSATION_STATUS_CHANGE", "status": "CLOSED"})
        );
    });
}

#[tokio::test]
async fn patch_reassigns_refuses_outsiders_and_reopens_to_the_last_agent() {
    each_backend!(|api| {
        let created = api.email_from("jane@example.com", "help").await;
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        let conv = conversation(&api, &created["conversationId"]).await;
        let inbox = conv["inboxId"].clone();
        let alice = api.id_of("agent", "alice@example.com").await;

        let blank = api
            .patch(&path, json!({"assignee": {"agentId": alice}}))
            .await;
        assert_eq!(
            blank.error(),
            ("blank".into(), Some("assignee.inboxId".into()), None)
        );
        let blank = api.patch(&path, json!({"status": {"force": true}})).await;
        assert_eq!(
            blank.error(),
            ("blank".into(), Some("status.value".into()), None)
        );
        let waiting = api
            .patch(&path, json!({"status": {"value": "WAITING"}}))
            .await;
        assert_eq!(waiting.error().0, "invalid");

        // Read-only fields a client copies from a GET are ignored.
        let mut body = conv.clone();
        body["assignee"] = json!({"inboxId": inbox, "agentId": alice});
        let assigned = api.patch(&path, body).await;
        assert_eq!(assigned.status, StatusCode::NO_CONTENT, "{}", assigned.body);
        let now = conversation(&api, &created["conversationId"]).await;
        assert_eq!(now["agentId"], json!(alice));
        assert_eq!(now["queueState"], "ASSIGNED");

        let unassigned = api
            .patch(
                &path,
                json!({"assignee": {"inboxId": inbox, "agentId": null}}),
            )
            .await;
        assert_eq!(unassigned.status, StatusCode::NO_CONTENT);
        assert!(
            conversation(&api, &created["conversationId"])
                .await
                .get("agentId")
                .is_none(),
            "agentId: null means no agent"
        );

        let ghost = api
            .patch(
                &path,
                json!({"assignee": {"inboxId": inbox, "agentId": "nobody"}}),
            )
            .await;
        assert_eq!(ghost.error().1.as_deref(), Some("assignee.agentId"));

        api.patch(&path, json!({"assignee": {"inboxId": inbox, "agentId": alice}, "status": {"value": "CLOSED", "force": true}})).await;
        let closed = conversation(&api, &created["conversationId"]).await;
        assert_eq!(closed["status"], "CLOSED");
        let reassign = api
            .patch(&path, json!({"assignee": {"inboxId": inbox}}))
            .await;
        assert_eq!(
            reassign.error(),
            (
                "invalid_state".into(),
                None,
                Some("conversation_closed".into())
            )
        );

        let reopened = api.patch(&path, json!({"status": {"value": "OPEN"}})).await;
        assert_eq!(reopened.status, StatusCode::NO_CONTENT);
        let open = conversation(&api, &created["conversationId"]).await;
        assert_eq!(open["status"], "OPEN");
        assert_eq!(
            open["agentId"],
            json!(alice),
            "reopening without an assignee goes to the last agent"
        );
        assert_eq!(open["queueState"], "ASSIGNED");
    });
}

#[tokio::test]
async fn an_agent_outside_the_inbox_cannot_be_assigned() {
    each_backend!(|api| {
        let created = api.email_from("jane@example.com", "help").await;
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        let inbox = conversation(&api, &created["conversationId"]).await["inboxId"].clone();
        api.app
            .create_admin("outsider@example.com", "Outsider")
            .await
            .unwrap();
        let outsider = api.id_of("agent", "outsider@example.com").await;
        let r = api
            .patch(
                &path,
                json!({"assignee": {"inboxId": inbox, "agentId": outsider}}),
            )
            .await;
        assert_eq!(
            r.error(),
            (
                "invalid_state".into(),
                Some("assignee.agentId".into()),
                Some("agent_not_in_inbox".into())
            )
        );
    });
}

#[tokio::test]
async fn a_reply_is_queued_in_the_outbox_fulfils_the_sla_and_assigns_the_replier() {
    each_backend!(|api| {
        let created = api
            .email_from("jane@example.com", "Where is my order?")
            .await;
        let reply = api
            .post(
                &format!("/api/v1/conversation-items/{}/reply", created["itemId"].as_str().unwrap()),
                json!({"content": {"type": "EMAIL", "body": "<p>It ships today.</p>", "bodyPlain": "It ships today."}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let location = reply
            .headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            location,
            format!(
                "/api/v1/conversation-items/{}",
                reply.body["id"].as_str().unwrap()
            )
        );
        assert_eq!(reply.body["content"]["to"], json!(["jane@example.com"]));
        assert_eq!(reply.body["content"]["from"], "support@example.com");
        assert_eq!(reply.body["content"]["subject"], "Re: Where is my order?");

        let conv = conversation(&api, &created["conversationId"]).await;
        assert!(conv.get("dueAt").is_none(), "the reply fulfilled the SLA");
        assert_eq!(
            conv["agentId"],
            json!(api.id_of("agent", "admin@example.com").await)
        );
        assert_eq!(
            conv["status"], "OPEN",
            "answered mail stays open until the same-agent limit"
        );

        let item_id = reply.body["id"].as_str().unwrap().to_owned();
        let outbox = {
            let mut tx = api.db.store.read().await.unwrap();
            tx.outbox_for_item(&item_id).await.unwrap()
        };
        assert_eq!(outbox.len(), 1);
        assert_eq!(
            (outbox[0].channel.as_str(), outbox[0].status.as_str()),
            ("EMAIL", "PENDING")
        );

        let read = api.get(&location).await;
        assert_eq!(read.body["initiator"]["type"], "AGENT");

        // The close guard no longer applies; closed conversations take no replies.
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        assert_eq!(
            api.patch(&path, json!({"status": {"value": "CLOSED"}}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let late = api
            .post(
                &format!(
                    "/api/v1/conversation-items/{}/reply",
                    created["itemId"].as_str().unwrap()
                ),
                json!({"content": {"type": "EMAIL", "body": "again"}}),
            )
            .await;
        assert_eq!(
            late.error(),
            (
                "invalid_state".into(),
                None,
                Some("conversation_closed".into())
            )
        );
    });
}

#[tokio::test]
async fn replies_must_fit_the_channel_of_a_customer_message() {
    each_backend!(|api| {
        let created = api.email_from("jane@example.com", "hi").await;
        let reply_path = format!(
            "/api/v1/conversation-items/{}/reply",
            created["itemId"].as_str().unwrap()
        );
        let wrong = api
            .post(
                &reply_path,
                json!({"content": {"type": "SMS", "body": "hi"}}),
            )
            .await;
        assert_eq!(
            wrong.error(),
            ("invalid".into(), Some("content.type".into()), None)
        );
        let blank = api
            .post(&reply_path, json!({"content": {"type": "EMAIL"}}))
            .await;
        assert_eq!(
            blank.error(),
            ("blank".into(), Some("content.body".into()), None)
        );
        let sms = api.inbound(json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550123"}, "content": {"content": "yo"}})).await;
        let long = api
            .post(
                &format!(
                    "/api/v1/conversation-items/{}/reply",
                    sms["itemId"].as_str().unwrap()
                ),
                json!({"content": {"type": "SMS", "body": "x".repeat(2049)}}),
            )
            .await;
        assert_eq!(
            long.error(),
            ("too_long".into(), Some("content.body".into()), None)
        );
        let ok = api
            .post(
                &format!(
                    "/api/v1/conversation-items/{}/reply",
                    sms["itemId"].as_str().unwrap()
                ),
                json!({"content": {"type": "SMS", "body": "hello"}}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::CREATED);
        assert_eq!(
            ok.body["content"],
            json!({"type": "SMS", "from": "+12065550100", "to": "+12065550123", "content": "hello", "attachments": []})
        );
        let missing = api
            .post(
                "/api/v1/conversation-items/unknown/reply",
                json!({"content": {"type": "SMS", "body": "x"}}),
            )
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.error().0, "not_exist");
    });
}

#[tokio::test]
async fn topics_and_notes_are_recorded_on_the_timeline() {
    each_backend!(|api| {
        let created = api.email_from("jane@example.com", "hi").await;
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        let billing = api.id_of("topic", "billing").await;
        assert_eq!(
            api.post(
                &format!("{path}/topics"),
                json!({"topicIds": [billing, billing]})
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            api.post(&format!("{path}/topics"), json!({"topicIds": [billing]}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let unknown = api
            .post(&format!("{path}/topics"), json!({"topicIds": ["nope"]}))
            .await;
        assert_eq!(
            unknown.error(),
            ("invalid".into(), Some("topicIds".into()), None)
        );
        assert_eq!(
            conversation(&api, &created["conversationId"]).await["topicIds"],
            json!([billing])
        );

        let note = api
            .post(
                &format!("{path}/notes"),
                json!({"content": {"body": "Called the courier."}}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED);
        let location = note
            .headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let read = api.get(&location).await;
        assert_eq!(read.body["content"]["type"], "CONVERSATION_NOTE");
        assert_eq!(read.body["content"]["body"], "Called the courier.");
        let blank = api
            .post(&format!("{path}/notes"), json!({"content": {"body": " "}}))
            .await;
        assert_eq!(blank.error().0, "blank");

        let types: Vec<String> = api
            .get(&format!("{path}/items"))
            .await
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["content"]["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(types, ["EMAIL", "TOPIC_CHANGE", "CONVERSATION_NOTE"]);
        let status = conversation(&api, &created["conversationId"]).await;
        assert!(
            status.get("dueAt").is_some(),
            "a note does not touch the SLA"
        );

        let removed = api
            .call(
                axum::http::Method::DELETE,
                &format!("{path}/topics/{billing}"),
                None,
            )
            .await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT);
        let again = api
            .call(
                axum::http::Method::DELETE,
                &format!("{path}/topics/{billing}"),
                None,
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
    });
}

#[tokio::test]
async fn unknown_resources_are_404_not_exist() {
    each_backend!(|api| {
        for path in [
            "/api/v1/conversations/nope",
            "/api/v1/conversations/nope/items",
            "/api/v1/customer-profiles/nope",
            "/api/v1/customers/nope/conversations",
            "/api/v1/conversation-items/nope",
            "/api/v1/no-such-endpoint",
        ] {
            let r = api.get(path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(r.error().0, "not_exist", "{path}");
        }
    });
}

#[tokio::test]
async fn rebuild_verify_finds_a_projection_that_differs_from_the_log() {
    each_backend!(|api| {
        let created = api.email_from("jane@example.com", "hi").await;
        api.post(
            &format!(
                "/api/v1/conversations/{}/notes",
                created["conversationId"].as_str().unwrap()
            ),
            json!({"body": "n"}),
        )
        .await;
        let clean = api.app.verify_projections().await.unwrap();
        assert!(clean.differences.is_empty(), "{:?}", clean.differences);
        assert_eq!(
            (clean.conversations, clean.items, clean.customers),
            (1, 2, 1)
        );

        // Tamper with the projection behind the log's back.
        let id = created["conversationId"].as_str().unwrap().to_owned();
        {
            let mut tx = api.db.store.begin().await.unwrap();
            let mut row = tx.conversation(&id).await.unwrap().unwrap();
            let contacts = tx.contacts_of(&id).await.unwrap();
            let version = row.version;
            row.status = "WAITING".into();
            tx.save_conversation(&row, &contacts, Some(version))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let report = api.app.verify_projections().await.unwrap();
        assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
        assert!(
            report.differences[0].contains(&id) && report.differences[0].contains("columns differ")
        );
    });
}

#[tokio::test]
async fn the_view_reads_the_customer_page_in_one_answer() {
    crate::each_backend_with_clock!(|api, clock| {
        let first = api.email_from("viewer@example.com", "first").await;
        let conv = first["conversationId"].as_str().unwrap().to_owned();
        api.patch(
            &format!("/api/v1/conversations/{conv}"),
            json!({"status": {"value": "CLOSED", "force": true}}),
        )
        .await;
        // Past the reopen window a new message starts a new conversation (T3).
        clock.advance(hearth_domain::Duration::days(30));
        let second = api.email_from("viewer@example.com", "second").await;
        let current = second["conversationId"].as_str().unwrap().to_owned();
        assert_ne!(current, conv, "a closed conversation is not reused");

        let view = api
            .get(&format!("/api/v1/conversations/{current}/view"))
            .await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.body);
        let v = &view.body;
        assert_eq!(v["conversation"]["id"], json!(current));
        assert_eq!(
            v["customer"]["emails"][0]["original"],
            json!("viewer@example.com")
        );
        assert_eq!(v["actions"]["primary"]["action"], json!("NEXT"));
        let history = v["history"].as_array().unwrap();
        assert_eq!(history.len(), 2, "{v}");
        assert_eq!(history[0]["conversation"]["id"], json!(conv));
        assert_eq!(history[0]["conversation"]["status"], json!("CLOSED"));
        assert_eq!(
            history[1]["items"][0]["content"]["content"],
            json!("second"),
            "{v}"
        );
        assert!(
            v["routing"].is_array(),
            "the admin is a supervisor and sees routing"
        );

        let alice = api.login("alice@example.com").await;
        let as_agent = api
            .call_as(
                &alice,
                axum::http::Method::GET,
                &format!("/api/v1/conversations/{current}/view"),
                None,
            )
            .await;
        assert_eq!(as_agent.status, StatusCode::OK, "{}", as_agent.body);
        assert_eq!(
            as_agent.body["routing"],
            Value::Null,
            "agents see no routing"
        );
        assert_eq!(
            api.get("/api/v1/conversations/nope/view").await.status,
            StatusCode::NOT_FOUND
        );
    });
}
