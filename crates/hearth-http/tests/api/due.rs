//! Due dates that come and pass: `CONTACT/DUE_SOON` at the inbox's warning time,
//! `CONTACT/OVERDUE` at the due date, CONVERSATION_DUE rules at their offset; each
//! once, from timers that a second application on the same database fires as well,
//! never for a fulfilled contact.

use axum::http::StatusCode;
use hearth_app::App;
use hearth_domain::Duration;
use serde_json::{Value, json};

use crate::each_backend_with_clock;
use crate::harness::Api;

/// The due-date events so far, from `/events` (entity CONTACT).
async fn due_events(api: &Api) -> Vec<Value> {
    let since = hearth_app::codec::fmt_ts(api.app.now() - Duration::days(1));
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
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["type"] == "CONTACT/DUE_SOON" || e["type"] == "CONTACT/OVERDUE")
        .collect()
}

async fn support(api: &Api) -> String {
    api.get("/api/v1/admin/inboxes").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_due_date_warns_then_breaches_once_each_and_a_reply_silences_it() {
    each_backend_with_clock!(|api, clock| {
        let inbox = support(&api).await;
        let set = api
            .patch(
                &format!("/api/v1/admin/inboxes/{inbox}"),
                json!({"slaSeconds": 3600, "warnBeforeSeconds": 600}),
            )
            .await;
        assert_eq!(set.body["warnBeforeSeconds"], json!(600), "{}", set.body);
        let late = api.email_from("late@example.com", "anyone?").await;
        let answered = api.email_from("quick@example.com", "hello").await;
        // The second is answered at once: its due date no longer counts (R51).
        let items = api
            .get(&format!(
                "/api/v1/conversations/{}/items",
                answered["conversationId"].as_str().unwrap()
            ))
            .await
            .body;
        let reply = api
            .post(
                &format!(
                    "/api/v1/conversation-items/{}/reply",
                    items[0]["id"].as_str().unwrap()
                ),
                json!({"content": {"type": "EMAIL", "body": "Here to help."}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

        // The late one is Alice's: her live stream carries its warning.
        let alice = api.id_of("agent", "alice@example.com").await;
        let assigned = api
            .patch(
                &format!(
                    "/api/v1/conversations/{}",
                    late["conversationId"].as_str().unwrap()
                ),
                json!({"assignee": {"inboxId": inbox, "agentId": alice}}),
            )
            .await;
        assert!(assigned.status.is_success(), "{}", assigned.body);

        clock.advance(Duration::minutes(49));
        api.app.fire_due_timers().await.unwrap();
        assert!(due_events(&api).await.is_empty(), "not yet due soon");
        clock.advance(Duration::minutes(2));
        api.app.fire_due_timers().await.unwrap();
        let seen = due_events(&api).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0]["type"], json!("CONTACT/DUE_SOON"));
        assert_eq!(seen[0]["content"]["conversationId"], late["conversationId"]);
        assert_eq!(seen[0]["content"]["channel"], json!("EMAIL"));
        assert!(seen[0]["content"]["dueAt"].is_string());
        assert_eq!(seen[0]["content"]["agentId"], json!(alice));
        let (streamed, _) = api.app.routed_after(0, 10_000).await.unwrap();
        assert!(
            streamed
                .iter()
                .any(|e| e.event.kind == "CONTACT/DUE_SOON" && e.concerns(&alice)),
            "the assignee's live stream carries it"
        );

        // A second application on the same database (a restart) neither repeats
        // nor loses a moment.
        let again = App::new(api.db.store.clone(), clock.clone());
        again.fire_due_timers().await.unwrap();
        assert_eq!(due_events(&api).await.len(), 1, "not repeated");
        clock.advance(Duration::minutes(10));
        again.fire_due_timers().await.unwrap();
        let seen = due_events(&api).await;
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[1]["type"], json!("CONTACT/OVERDUE"));
        assert_eq!(seen[1]["content"]["conversationId"], late["conversationId"]);
        clock.advance(Duration::hours(3));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(
            due_events(&api).await.len(),
            2,
            "nothing more, nothing for the answered one"
        );
    });
}

/// A CONVERSATION_DUE rule acts at its offset on conversations already waiting
/// when it was saved, on OPEN ones only (R59, R67), as AUTOMATION.
#[tokio::test]
async fn a_due_date_rule_acts_at_its_offset_and_never_on_waiting_conversations() {
    each_backend_with_clock!(|api, clock| {
        let inbox = support(&api).await;
        api.patch(
            &format!("/api/v1/admin/inboxes/{inbox}"),
            json!({"slaSeconds": 3600}),
        )
        .await;
        let billing = api.id_of("topic", "billing").await;
        // A rule marks one No Reply Needed: WAITING, its SLA cancelled (R51, R68).
        let nrn = api
            .post(
                "/api/v1/admin/rules",
                json!({"name": "Thanks only", "trigger": "COMMUNICATION_RECEIVED",
                       "conditions": [{"field": "content", "operator": "CONTAINS", "value": "no answer needed"}],
                       "actions": [{"type": "MARK_NO_REPLY_NEEDED"}]}),
            )
            .await;
        assert_eq!(nrn.status, StatusCode::CREATED, "{}", nrn.body);
        let open = api.email_from("open@example.com", "waiting").await;
        let quiet = api
            .email_from("quiet@example.com", "no answer needed")
            .await;
        let quiet_id = quiet["conversationId"].as_str().unwrap();
        let waiting = api
            .get(&format!("/api/v1/conversations/{quiet_id}"))
            .await
            .body;
        assert_eq!(waiting["status"], json!("WAITING"), "{waiting}");
        let rule = api
            .post(
                "/api/v1/admin/rules",
                json!({"name": "Overdue by 30 minutes", "trigger": "CONVERSATION_DUE", "offsetSeconds": 1800,
                       "actions": [{"type": "ADD_TOPICS", "topicIds": [billing]},
                                   {"type": "ADD_NOTE", "body": "Overdue for half an hour"}]}),
            )
            .await;
        assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.body);
        let open_path = format!(
            "/api/v1/conversations/{}",
            open["conversationId"].as_str().unwrap()
        );
        clock.advance(Duration::minutes(89));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(api.get(&open_path).await.body["topicIds"], json!([]));
        clock.advance(Duration::minutes(2));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(api.get(&open_path).await.body["topicIds"], json!([billing]));
        let items = api.get(&format!("{open_path}/items")).await.body;
        let note = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["content"]["type"] == "CONVERSATION_NOTE")
            .unwrap_or_else(|| panic!("{items}"));
        assert_eq!(note["initiator"]["type"], json!("AUTOMATION"));
        assert_eq!(note["initiator"]["id"], rule.body["id"]);
        let quiet_items = api
            .get(&format!("/api/v1/conversations/{quiet_id}/items"))
            .await
            .body;
        assert!(
            !quiet_items
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["content"]["type"] == "CONVERSATION_NOTE"),
            "the waiting conversation is left alone"
        );
        clock.advance(Duration::hours(2));
        api.app.fire_due_timers().await.unwrap();
        let items = api.get(&format!("{open_path}/items")).await.body;
        let notes = items
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["content"]["type"] == "CONVERSATION_NOTE")
            .count();
        assert_eq!(notes, 1, "once per due date");
    });
}

/// TASK_DUE: a rule reassigns a task an hour before it is due (only open tasks,
/// once per due date); a rule saved after the task was made still counts.
#[tokio::test]
async fn a_task_due_rule_reassigns_the_task_before_its_due_date() {
    each_backend_with_clock!(|api, clock| {
        let inbox = support(&api).await;
        let bob_id = api.id_of("agent", "bob@example.com").await;
        let due = hearth_app::codec::fmt_ts(api.app.now() + Duration::hours(3));
        let created = api
            .post(
                "/api/v1/tasks",
                json!({"id": "t-1", "assignee": {"inboxId": inbox}, "body": "Call back about the refund",
                       "dueAt": due, "customer": {"emailAddress": "ann@example.com"}}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let refused = api
            .post(
                "/api/v1/admin/rules",
                json!({"name": "x", "trigger": "TASK_DUE", "offsetSeconds": -3600, "actions": [{"type": "CLOSE_CONVERSATION"}]}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.error().1.as_deref(), Some("actions"));
        let rule = api
            .post(
                "/api/v1/admin/rules",
                json!({"name": "Refunds to Bob", "trigger": "TASK_DUE", "offsetSeconds": -3600,
                       "conditions": [{"field": "content", "operator": "CONTAINS", "value": "refund"}],
                       "actions": [{"type": "TRANSFER", "inboxId": inbox, "agentId": bob_id}]}),
            )
            .await;
        assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.body);
        clock.advance(Duration::minutes(119));
        api.app.fire_due_timers().await.unwrap();
        assert!(api.get("/api/v1/tasks/t-1").await.body["assignee"]["agentId"].is_null());
        clock.advance(Duration::minutes(2));
        api.app.fire_due_timers().await.unwrap();
        let task = api.get("/api/v1/tasks/t-1").await.body;
        assert_eq!(task["assignee"]["agentId"], json!(bob_id), "{task}");
        // Given back to the inbox by hand, the rule does not take it again.
        let back = api
            .patch("/api/v1/tasks/t-1", json!({"assignee": {"inboxId": inbox}}))
            .await;
        assert!(back.status.is_success(), "{}", back.body);
        clock.advance(Duration::minutes(30));
        api.app.fire_due_timers().await.unwrap();
        assert!(api.get("/api/v1/tasks/t-1").await.body["assignee"]["agentId"].is_null());
    });
}
