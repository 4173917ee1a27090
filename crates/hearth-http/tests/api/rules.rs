//! Rules (`/admin/rules`): saving and refusing them, each trigger that runs on a
//! conversation change and each action, before routing (R37), never on a closed
//! conversation (R67), recorded as AUTOMATION, with a dry run and a template
//! library.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin::with_if_match;
use crate::harness::Api;
use crate::{each_backend, each_backend_with_clock};

async fn rule(api: &Api, body: Value) -> String {
    let r = api.post("/api/v1/admin/rules", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn available(api: &Api, email: &str, groups: &[&str]) -> String {
    let auth = api.login(email).await;
    let r = api
        .call_as(
            &auth,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({"availableFor": groups})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    auth
}

async fn conversation(api: &Api, id: &str) -> Value {
    api.get(&format!("/api/v1/conversations/{id}")).await.body
}

async fn items(api: &Api, id: &str) -> Vec<Value> {
    api.get(&format!("/api/v1/conversations/{id}/items"))
        .await
        .body
        .as_array()
        .unwrap()
        .clone()
}

/// The conversation and contact events so far, from `/events`.
async fn events(api: &Api) -> Vec<Value> {
    let since = hearth_app::codec::fmt_ts(api.app.now() - time::Duration::days(1));
    let r = api
        .get(&format!(
            "/api/v1/events?startAt={}&entities=CONVERSATION&entities=CONTACT",
            since.replace(':', "%3A")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn id(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap().to_owned()
}

async fn inbox_ids(api: &Api) -> Vec<String> {
    api.get("/api/v1/admin/inboxes")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| id(i, "id"))
        .collect()
}

#[tokio::test]
async fn rules_are_saved_listed_changed_with_if_match_and_refused_with_the_field_named() {
    each_backend!(|api| {
        let billing = api.id_of("topic", "billing").await;
        let created = api
            .post(
                "/api/v1/admin/rules",
                json!({
                    "name": "Tag invoices",
                    "trigger": "COMMUNICATION_RECEIVED",
                    "conditions": [
                        {"field": "channel", "operator": "EQUALS", "value": "EMAIL"},
                        {"anyOf": [
                            {"field": "subject", "operator": "CONTAINS", "value": "invoice"},
                            {"field": "content", "operator": "MATCHES", "value": "(?i)refund|receipt"}
                        ]}
                    ],
                    "actions": [{"type": "ADD_TOPICS", "topicIds": [billing]}]
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let path = format!(
            "/api/v1/admin/rules/{}",
            created.body["id"].as_str().unwrap()
        );
        assert_eq!(created.body["enabled"], json!(true));
        assert_eq!(
            created.body["position"],
            json!(1),
            "the first rule goes first"
        );
        assert!(created.body["createdAt"].is_string());
        let second = rule(
            &api,
            json!({"name": "Second", "enabled": false, "trigger": {"type": "CONVERSATION_DUE", "offsetSeconds": -600}, "actions": [{"type": "ADD_NOTE", "body": "Due in ten minutes, {{customer.name}}"}]}),
        )
        .await;
        let listed = api.get("/api/v1/admin/rules").await.body;
        assert_eq!(listed.as_array().unwrap().len(), 2);
        let second_body = api.get(&format!("/api/v1/admin/rules/{second}")).await.body;
        assert_eq!(
            second_body["position"],
            json!(2),
            "a rule without a position goes last"
        );
        assert_eq!(second_body["trigger"], json!("CONVERSATION_DUE"));
        assert_eq!(second_body["offsetSeconds"], json!(-600));

        // PATCH with the ETag; a stale one is refused.
        let read = api.get(&path).await;
        let etag = read.headers["etag"].to_str().unwrap().to_owned();
        let item = path.trim_start_matches("/api/v1/admin/").to_owned();
        let patched =
            with_if_match(&api, Method::PATCH, &item, &etag, json!({"enabled": false})).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["enabled"], json!(false));
        assert_eq!(
            patched.body["conditions"][1]["anyOf"][1]["value"],
            json!("(?i)refund|receipt")
        );
        let stale =
            with_if_match(&api, Method::PATCH, &item, &etag, json!({"enabled": true})).await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            stale.body
        );

        // Bad input names its field.
        let refused = [
            (
                json!({"name": "x", "trigger": "SOMETIMES", "actions": [{"type": "UNASSIGN"}]}),
                "trigger",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "offsetSeconds": 60, "actions": [{"type": "UNASSIGN"}]}),
                "offsetSeconds",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "actions": []}),
                "actions",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "conditions": [{"field": "mood", "operator": "EQUALS", "value": "sad"}], "actions": [{"type": "UNASSIGN"}]}),
                "conditions[0].field",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "conditions": [{"field": "subject", "operator": "MATCHES", "value": "(unclosed"}], "actions": [{"type": "UNASSIGN"}]}),
                "conditions[0].value",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "conditions": [{"field": "content", "operator": "MATCHES", "value": "\\w{300}\\w{300}"}], "actions": [{"type": "UNASSIGN"}]}),
                "conditions[0].value",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "conditions": [{"anyOf": [{"field": "hasReply", "operator": "CONTAINS", "value": "x"}, {"field": "subject", "operator": "IS_EMPTY"}]}], "actions": [{"type": "UNASSIGN"}]}),
                "conditions[0].anyOf[0].operator",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "actions": [{"type": "TRANSFER", "inboxId": "gone"}]}),
                "actions[0].inboxId",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "actions": [{"type": "ADD_TOPICS", "topicIds": ["deleted-topic"]}]}),
                "actions[0].topicIds",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "conditions": [{"field": "inboxId", "operator": "EQUALS", "value": "gone"}], "actions": [{"type": "UNASSIGN"}]}),
                "conditions[0].value",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "actions": [{"type": "SEND_AUTO_REPLY", "body": "Hi {{customer.password}}"}]}),
                "actions[0].body",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "actions": [{"type": "SET_PRIORITY_BOOST", "score": 5000}]}),
                "actions[0].score",
            ),
            (
                json!({"name": "x", "trigger": "COMMUNICATION_RECEIVED", "actions": [{"type": "CLOSE_CONVERSATION"}, {"type": "CLOSE_CONVERSATION"}]}),
                "actions",
            ),
        ];
        for (body, attr) in refused {
            let r = api.post("/api/v1/admin/rules", body.clone()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
            assert_eq!(r.error().1.as_deref(), Some(attr), "{body}: {}", r.body);
        }

        // An inbox a rule names cannot be deleted; the rule can.
        let inboxes = inbox_ids(&api).await;
        let spare = api
            .post(
                "/api/v1/admin/inboxes",
                json!({"name": "Spare", "slaSeconds": 3600}),
            )
            .await;
        assert_eq!(spare.status, StatusCode::CREATED, "{}", spare.body);
        let spare = id(&spare.body, "id");
        let mover = rule(
            &api,
            json!({"name": "Mover", "trigger": "TOPICS_ADDED", "actions": [{"type": "TRANSFER", "inboxId": spare}]}),
        )
        .await;
        let in_use = api
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/inboxes/{spare}"),
                None,
            )
            .await;
        assert_eq!(in_use.status, StatusCode::BAD_REQUEST, "{}", in_use.body);
        assert_eq!(in_use.error().2.as_deref(), Some("in_use"));
        assert!(in_use.body.to_string().contains("rules"), "{}", in_use.body);
        let gone = api
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/rules/{mover}"),
                None,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        let deleted = api
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/inboxes/{spare}"),
                None,
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        assert!(!inboxes.is_empty());

        // Only admins manage rules.
        let alice = api.login("alice@example.com").await;
        let denied = api
            .call_as(&alice, Method::GET, "/api/v1/admin/rules", None)
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let templates = api.get("/api/v1/admin/rule-templates").await.body;
        for t in templates.as_array().unwrap() {
            let created = api.post("/api/v1/admin/rules", t["rule"].clone()).await;
            assert_eq!(
                created.status,
                StatusCode::CREATED,
                "template {}: {}",
                t["key"],
                created.body
            );
            assert_eq!(
                created.body["enabled"],
                json!(false),
                "templates start disabled"
            );
        }
    });
}

/// The spam rule closes an email before routing sees it: the available agent is
/// offered nothing, the events say AUTOMATION and the rule, the routing explanation
/// names the rule, and later rules do not act on the closed conversation (R67).
#[tokio::test]
async fn a_rule_closes_spam_before_routing_and_later_rules_leave_it_alone() {
    each_backend!(|api| {
        let alice_id = api.id_of("agent", "alice@example.com").await;
        let spam = rule(
            &api,
            json!({"name": "Spam", "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "content", "operator": "MATCHES", "value": "(?i)\\bunsubscribe\\b"}],
                   "actions": [{"type": "MARK_NO_REPLY_NEEDED"}, {"type": "CLOSE_CONVERSATION"}]}),
        )
        .await;
        rule(
            &api,
            json!({"name": "Note everything", "trigger": "COMMUNICATION_RECEIVED",
                   "actions": [{"type": "ADD_NOTE", "body": "Seen by the rules"}]}),
        )
        .await;

        let closed = api
            .email_from("promo@example.com", "Click here to Unsubscribe")
            .await;
        let closed = id(&closed, "conversationId");
        let conv = conversation(&api, &closed).await;
        assert_eq!(conv["status"], json!("CLOSED"), "{conv}");
        assert!(conv["agentId"].is_null(), "nobody was offered it: {conv}");
        assert!(
            !items(&api, &closed)
                .await
                .iter()
                .any(|i| i["content"]["type"] == "CONVERSATION_NOTE"),
            "the second rule did not act on the closed conversation"
        );
        let explained = api
            .get(&format!("/api/v1/conversations/{closed}/routing"))
            .await
            .body;
        assert!(
            explained
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["rule"] == json!(format!("RULE:{spam}")) && d["outcome"] == "SKIPPED"),
            "{explained}"
        );
        let feed = events(&api).await;
        let closing = feed
            .iter()
            .find(|e| {
                e["type"] == "CONVERSATION/CLOSED"
                    && e["content"]["conversationId"] == json!(closed)
            })
            .cloned()
            .unwrap_or_else(|| panic!("no close event in {feed:?}"));
        assert_eq!(
            closing["initiator"]["type"],
            json!("AUTOMATION"),
            "{closing}"
        );
        assert_eq!(closing["initiator"]["id"], json!(spam), "{closing}");

        // An ordinary email goes through both rule checks and on to routing.
        let kept = api
            .email_from("jane@example.com", "Where is my parcel?")
            .await;
        let kept = id(&kept, "conversationId");
        // The agent who becomes available is pushed it, never the closed one.
        available(&api, "alice@example.com", &["MAIL", "TASK"]).await;
        let conv = conversation(&api, &kept).await;
        assert_eq!(conv["status"], json!("OPEN"));
        assert_eq!(
            conv["agentId"],
            json!(alice_id),
            "routing pushed it: {conv}"
        );
        let notes: Vec<Value> = items(&api, &kept)
            .await
            .into_iter()
            .filter(|i| i["content"]["type"] == "CONVERSATION_NOTE")
            .collect();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["initiator"]["type"], json!("AUTOMATION"));
    });
}

/// TRANSFER with an agent assigns without routing (R20, R37); a rule whose action
/// cannot be done stops, keeps its error for the admin, and the contact is routed.
#[tokio::test]
async fn a_transfer_rule_assigns_past_routing_and_a_failing_rule_reports_its_error() {
    each_backend!(|api| {
        let inboxes = inbox_ids(&api).await;
        let bob_id = api.id_of("agent", "bob@example.com").await;
        let vip = rule(
            &api,
            json!({"name": "Invoices to Bob", "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "subject", "operator": "STARTS_WITH", "value": "invoice"}],
                   "actions": [{"type": "TRANSFER", "inboxId": inboxes[0], "agentId": bob_id}]}),
        )
        .await;
        let created = api
            .inbound(
                json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                            "from": {"address": "acme@example.com"},
                            "content": {"subject": "Invoice 42", "content": "see attached"}}),
            )
            .await;
        let conv_id = id(&created, "conversationId");
        let conv = conversation(&api, &conv_id).await;
        assert_eq!(
            conv["agentId"],
            json!(bob_id),
            "assigned by the rule, not to the available Alice: {conv}"
        );
        let explained = api
            .get(&format!("/api/v1/conversations/{conv_id}/routing"))
            .await
            .body;
        let by_rule = explained
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == json!(format!("RULE:{vip}")))
            .unwrap_or_else(|| panic!("{explained}"));
        assert_eq!(by_rule["outcome"], json!("ASSIGNED"));
        assert_eq!(by_rule["winnerAgentId"], json!(bob_id));

        // Bob disabled: the rule cannot assign him; it says so and routing takes over.
        let disabled = api
            .patch(
                &format!("/api/v1/admin/agents/{bob_id}"),
                json!({"disabled": true}),
            )
            .await;
        assert!(disabled.status.is_success(), "{}", disabled.body);
        let next = api
            .inbound(
                json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                            "from": {"address": "other@example.com"},
                            "content": {"subject": "Invoice 43", "content": "again"}}),
            )
            .await;
        let conv = conversation(&api, &id(&next, "conversationId")).await;
        assert_eq!(conv["queueState"], json!("NEW"), "left to routing: {conv}");

        let shown = api.get(&format!("/api/v1/admin/rules/{vip}")).await.body;
        let error = &shown["lastError"];
        assert!(
            error["detail"].as_str().unwrap().contains("TRANSFER"),
            "{shown}"
        );
        assert_eq!(error["conversationId"], conv["id"]);
        // Renaming or moving it keeps the failure; changing what it does clears it.
        let renamed = api
            .patch(
                &format!("/api/v1/admin/rules/{vip}"),
                json!({"name": "Invoices", "position": 5}),
            )
            .await;
        assert!(renamed.body["lastError"].is_object(), "{}", renamed.body);
        let read = api.get(&format!("/api/v1/admin/rules/{vip}")).await.body;
        assert!(read["lastError"].is_object(), "{read}");
        let changed = api
            .patch(
                &format!("/api/v1/admin/rules/{vip}"),
                json!({"actions": [{"type": "TRANSFER", "inboxId": inboxes[0]}]}),
            )
            .await;
        assert!(changed.body.get("lastError").is_none(), "{}", changed.body);
        let read = api.get(&format!("/api/v1/admin/rules/{vip}")).await.body;
        assert!(read.get("lastError").is_none(), "{read}");
    });
}

/// Topics added by a rule or an agent set off TOPICS_ADDED rules; a chain of rules
/// that would re-trigger each other runs each rule once and ends.
#[tokio::test]
async fn topic_rules_chain_once_each_and_an_agents_topic_triggers_them() {
    each_backend!(|api| {
        let billing = api.id_of("topic", "billing").await;
        let topics = api.get("/api/v1/topics").await.body;
        let other = topics
            .as_array()
            .unwrap()
            .iter()
            .map(|t| id(t, "id"))
            .find(|t| *t != billing)
            .unwrap();
        rule(
            &api,
            json!({"name": "Refunds are billing", "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "content", "operator": "CONTAINS", "value": "refund"}],
                   "actions": [{"type": "ADD_TOPICS", "topicIds": [billing]}]}),
        )
        .await;
        rule(
            &api,
            json!({"name": "Billing gets a note", "trigger": "TOPICS_ADDED",
                   "conditions": [{"field": "topicIds", "operator": "CONTAINS", "value": billing}],
                   "actions": [{"type": "ADD_NOTE", "body": "Billing case for {{customer.firstName}} in {{inbox.name}}"},
                               {"type": "ADD_TOPICS", "topicIds": [other]}]}),
        )
        .await;
        // Would loop with the rule above: removes and adds back.
        rule(
            &api,
            json!({"name": "Back again", "trigger": "TOPICS_ADDED",
                   "conditions": [{"field": "topicIds", "operator": "CONTAINS", "value": other}],
                   "actions": [{"type": "REMOVE_TOPICS", "topicIds": [billing]}, {"type": "ADD_TOPICS", "topicIds": [billing]}]}),
        )
        .await;
        let created = api
            .inbound(
                json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                            "from": {"address": "ann@example.com", "name": "Ann Lee"},
                            "content": {"subject": "Money", "content": "I want a refund"}}),
            )
            .await;
        let conv_id = id(&created, "conversationId");
        let conv = conversation(&api, &conv_id).await;
        let mut has: Vec<String> = conv["topicIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        has.sort();
        let mut want = vec![billing.clone(), other.clone()];
        want.sort();
        assert_eq!(has, want, "{conv}");
        let notes: Vec<Value> = items(&api, &conv_id)
            .await
            .into_iter()
            .filter(|i| i["content"]["type"] == "CONVERSATION_NOTE")
            .collect();
        assert_eq!(notes.len(), 1, "each rule ran once: {notes:?}");
        assert_eq!(
            notes[0]["content"]["body"],
            json!("Billing case for Ann in Support"),
            "{notes:?}"
        );

        // An agent's topic sets off TOPICS_ADDED too.
        let plain = api.email_from("joe@example.com", "hello").await;
        let plain_id = id(&plain, "conversationId");
        let added = api
            .post(
                &format!("/api/v1/conversations/{plain_id}/topics"),
                json!({"topicIds": [billing]}),
            )
            .await;
        assert!(added.status.is_success(), "{}", added.body);
        let notes = items(&api, &plain_id)
            .await
            .into_iter()
            .filter(|i| i["content"]["type"] == "CONVERSATION_NOTE")
            .count();
        assert_eq!(notes, 1);
    });
}

/// A priority boost orders routing (higher first, before due dates); UNASSIGN and
/// MARK_NO_REPLY_NEEDED on an agent's topic.
#[tokio::test]
async fn a_priority_boost_routes_first_and_unassign_sends_work_back() {
    each_backend!(|api| {
        rule(
            &api,
            json!({"name": "VIP", "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "from", "operator": "MATCHES", "value": "(?i)@vip\\.example$"}],
                   "actions": [{"type": "SET_PRIORITY_BOOST", "score": 100}]}),
        )
        .await;
        let first = api.email_from("early@example.com", "first in line").await;
        let vip = api.email_from("boss@VIP.example", "second in line").await;
        let alice = available(&api, "alice@example.com", &["MAIL", "TASK"]).await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        let vip_conv = conversation(&api, &id(&vip, "conversationId")).await;
        assert_eq!(
            vip_conv["agentId"],
            json!(alice_id),
            "the boosted one is pushed first: {vip_conv}"
        );
        assert!(conversation(&api, &id(&first, "conversationId")).await["agentId"].is_null());

        let billing = api.id_of("topic", "billing").await;
        rule(
            &api,
            json!({"name": "Billing goes back", "trigger": "TOPICS_ADDED",
                   "conditions": [{"field": "topicIds", "operator": "CONTAINS", "value": billing},
                                  {"field": "agentId", "operator": "EQUALS", "value": alice_id}],
                   "actions": [{"type": "UNASSIGN"}]}),
        )
        .await;
        let vip_id = id(&vip, "conversationId");
        let added = api
            .call_as(
                &alice,
                Method::POST,
                &format!("/api/v1/conversations/{vip_id}/topics"),
                Some(json!({"topicIds": [billing]})),
            )
            .await;
        assert!(added.status.is_success(), "{}", added.body);
        let conv = conversation(&api, &vip_id).await;
        // Unassigned, then routing gives the free agent the highest boost again.
        assert_eq!(conv["status"], json!("OPEN"), "{conv}");
        let explained = api
            .get(&format!("/api/v1/conversations/{vip_id}/routing"))
            .await
            .body;
        assert!(
            explained
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["input"] == "RULE" && d["outcome"] == "NOTHING"),
            "{explained}"
        );
        let list = events(&api).await;
        assert!(
            list.iter()
                .any(|e| e["type"] == "CONVERSATION_ASSIGNEE/UPDATED"
                    && e["initiator"]["type"] == "AUTOMATION"
                    && e["content"]["conversationId"] == json!(vip_id)),
            "the unassignment is the rule's"
        );
    });
}

/// SEND_AUTO_REPLY out of hours: one email to the customer through the outbox,
/// not again within the hour, again after it; it fulfils no SLA.
#[tokio::test]
async fn an_out_of_hours_auto_reply_goes_once_an_hour() {
    each_backend_with_clock!(|api, clock| {
        let hours = api
            .post(
                "/api/v1/admin/business-hours",
                json!({"name": "Never on weekends", "timeZone": "UTC", "weekly": [
                    {"day": "SATURDAY", "start": "00:00", "end": "00:01"}
                ]}),
            )
            .await;
        assert_eq!(hours.status, StatusCode::CREATED, "{}", hours.body);
        let inboxes = inbox_ids(&api).await;
        for inbox in &inboxes {
            let r = api
                .patch(
                    &format!("/api/v1/admin/inboxes/{inbox}"),
                    json!({"businessHoursId": hours.body["id"]}),
                )
                .await;
            assert!(r.status.is_success(), "{}", r.body);
        }
        let templates = api.get("/api/v1/admin/rule-templates").await.body;
        let mut body = templates
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "out-of-hours")
            .unwrap()["rule"]
            .clone();
        body["enabled"] = json!(true);
        rule(&api, body).await;

        let first = api.email_from("ann@example.com", "are you there?").await;
        let customer = id(&first, "customerId");
        let claim = || async {
            api.app
                .claim_outgoing(
                    hearth_domain::channel::Channel::Email,
                    10,
                    time::Duration::days(1),
                    "example.com",
                )
                .await
                .unwrap()
        };
        let sent = claim().await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        let item = api
            .get(&format!("/api/v1/conversation-items/{}", sent[0].item.id))
            .await
            .body;
        assert_eq!(item["customerId"], json!(customer));
        assert_eq!(item["initiator"]["type"], json!("AUTOMATION"), "{item}");
        assert_eq!(item["content"]["type"], json!("EMAIL"));
        assert_eq!(item["content"]["to"], json!(["ann@example.com"]));
        assert_eq!(item["content"]["subject"], json!("Re: Where is my order?"));
        assert!(
            item["content"]["content"]
                .as_str()
                .unwrap()
                .starts_with("Hi Jane, thank you for writing to Support."),
            "{item}"
        );
        let conv = conversation(&api, &id(&first, "conversationId")).await;
        assert!(
            conv["dueAt"].is_string(),
            "the auto-reply fulfils nothing: {conv}"
        );

        api.email_from("ann@example.com", "hello?").await;
        assert!(claim().await.is_empty(), "not twice within the hour");
        clock.advance(time::Duration::minutes(61));
        api.email_from("ann@example.com", "still nobody?").await;
        assert_eq!(claim().await.len(), 1, "again after the hour");
    });
}

/// The dry run says which conditions held and what would happen, and does nothing.
#[tokio::test]
async fn a_dry_run_explains_without_acting() {
    each_backend!(|api| {
        let inboxes = inbox_ids(&api).await;
        let spam = rule(
            &api,
            json!({"name": "Spam", "enabled": false, "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "channel", "operator": "EQUALS", "value": "EMAIL"},
                                  {"anyOf": [{"field": "subject", "operator": "CONTAINS", "value": "lottery"},
                                             {"field": "content", "operator": "CONTAINS", "value": "unsubscribe"}]}],
                   "actions": [{"type": "CLOSE_CONVERSATION"}, {"type": "TRANSFER", "inboxId": inboxes[0]}]}),
        )
        .await;
        let path = format!("/api/v1/admin/rules/{spam}/test");
        let hit = api
            .post(
                &path,
                json!({"channel": "EMAIL", "subject": "Hi", "content": "Unsubscribe me"}),
            )
            .await;
        assert_eq!(hit.status, StatusCode::OK, "{}", hit.body);
        assert_eq!(hit.body["matched"], json!(true), "{}", hit.body);
        assert_eq!(hit.body["enabled"], json!(false));
        assert_eq!(
            hit.body["conditions"][1]["anyOf"][0]["matched"],
            json!(false)
        );
        assert_eq!(
            hit.body["conditions"][1]["anyOf"][1]["matched"],
            json!(true)
        );
        assert_eq!(
            hit.body["actions"][0]["wouldDo"],
            json!("close the conversation")
        );
        assert_eq!(
            hit.body["actions"][1]["wouldDo"],
            json!("transfer to Support for routing")
        );
        let miss = api
            .post(&path, json!({"channel": "SMS", "content": "unsubscribe"}))
            .await;
        assert_eq!(miss.body["matched"], json!(false));
        assert_eq!(miss.body["conditions"][0]["matched"], json!(false));
        let bad = api.post(&path, json!({"channel": "PIGEON"})).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.error().1.as_deref(), Some("channel"));
        assert_eq!(
            api.post("/api/v1/admin/rules/nope/test", json!({}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    });
}

/// AGENT_STATUS_CHANGED: an agent who goes Offline (or Away) has the rule run on
/// each assigned conversation; here the work goes back to routing.
#[tokio::test]
async fn an_agent_going_offline_sets_off_status_rules_on_their_conversations() {
    each_backend!(|api| {
        rule(
            &api,
            json!({"name": "Offline hands back", "trigger": "AGENT_STATUS_CHANGED",
                   "actions": [{"type": "UNASSIGN"}, {"type": "ADD_NOTE", "body": "Handed back: the agent left"}]}),
        )
        .await;
        let created = api.email_from("jane@example.com", "hello").await;
        let conv_id = id(&created, "conversationId");
        let alice = available(&api, "alice@example.com", &["MAIL", "TASK"]).await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(
            conversation(&api, &conv_id).await["agentId"],
            json!(alice_id)
        );
        let off = api
            .call_as(
                &alice,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": []})),
            )
            .await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.body);
        let conv = conversation(&api, &conv_id).await;
        assert!(conv["agentId"].is_null(), "{conv}");
        assert_eq!(conv["queueState"], json!("NEW"), "{conv}");
        assert!(
            items(&api, &conv_id)
                .await
                .iter()
                .any(|i| i["content"]["body"] == "Handed back: the agent left")
        );
        // Back online: nothing runs; Bob takes the customer.
        available(&api, "bob@example.com", &["MAIL", "TASK"]).await;
        let bob_id = api.id_of("agent", "bob@example.com").await;
        assert_eq!(conversation(&api, &conv_id).await["agentId"], json!(bob_id));
    });
}

/// TRANSFER without an agent moves the conversation to another inbox for routing
/// there (its due date counted afresh, R50); REMOVE_TOPICS takes a topic off; an
/// agent going Away (not only Offline) sets off AGENT_STATUS_CHANGED.
#[tokio::test]
async fn a_transfer_rule_moves_work_to_another_inbox_and_away_counts_as_a_status_change() {
    each_backend!(|api| {
        let billing = api.id_of("topic", "billing").await;
        let second = api
            .post(
                "/api/v1/admin/inboxes",
                json!({"name": "Billing desk", "slaSeconds": 600}),
            )
            .await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
        let billing_desk = id(&second.body, "id");
        rule(
            &api,
            json!({"name": "Invoices to billing", "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "subject", "operator": "CONTAINS", "value": "invoice"}],
                   "actions": [{"type": "TRANSFER", "inboxId": billing_desk}]}),
        )
        .await;
        let created = api
            .inbound(
                json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                            "from": {"address": "acme@example.com"},
                            "content": {"subject": "Invoice 7", "content": "attached"}}),
            )
            .await;
        let conv_id = id(&created, "conversationId");
        let conv = conversation(&api, &conv_id).await;
        assert_eq!(conv["inboxId"], json!(billing_desk), "{conv}");
        assert_eq!(conv["queueState"], json!("NEW"));
        let created_at = hearth_app::codec::parse_ts(conv["createdAt"].as_str().unwrap()).unwrap();
        let due = hearth_app::codec::parse_ts(conv["dueAt"].as_str().unwrap()).unwrap();
        assert!(
            due - created_at <= time::Duration::seconds(601),
            "due within the billing desk's ten minutes: {conv}"
        );

        // Away: the rule takes the billing topic off the agent's conversations.
        rule(
            &api,
            json!({"name": "Away drops billing", "trigger": "AGENT_STATUS_CHANGED",
                   "conditions": [{"field": "topicIds", "operator": "CONTAINS", "value": billing}],
                   "actions": [{"type": "REMOVE_TOPICS", "topicIds": [billing]}]}),
        )
        .await;
        let plain = api.email_from("joe@example.com", "hello").await;
        let plain_id = id(&plain, "conversationId");
        let alice = available(&api, "alice@example.com", &["MAIL", "TASK"]).await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(
            conversation(&api, &plain_id).await["agentId"],
            json!(alice_id)
        );
        let added = api
            .post(
                &format!("/api/v1/conversations/{plain_id}/topics"),
                json!({"topicIds": [billing]}),
            )
            .await;
        assert!(added.status.is_success(), "{}", added.body);
        let away = api
            .call_as(
                &alice,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MAIL", "TASK"], "away": true})),
            )
            .await;
        assert_eq!(away.status, StatusCode::OK, "{}", away.body);
        let conv = conversation(&api, &plain_id).await;
        assert_eq!(conv["topicIds"], json!([]), "{conv}");
        assert_eq!(
            conv["agentId"],
            json!(alice_id),
            "still hers: the rule only took the topic"
        );
    });
}
