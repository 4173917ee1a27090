//! The routing an agent can observe over HTTP: availability, pushes, Next, the six
//! finishing actions and their refusals, offers, and the routing explanation.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::{Api, Reply};

struct Agent<'a> {
    api: &'a Api,
    auth: String,
}

impl Agent<'_> {
    async fn get(&self, path: &str) -> Reply {
        self.api.call_as(&self.auth, Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> Reply {
        self.api
            .call_as(&self.auth, Method::POST, path, Some(body))
            .await
    }
    async fn available(&self, groups: &[&str]) -> Reply {
        let r = self
            .api
            .call_as(
                &self.auth,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": groups})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r
    }
    async fn next(&self) -> Value {
        let r = self
            .post("/api/v1/me/next", json!({"source": "AVAILABILITY_BAR"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["next"].clone()
    }
    async fn act(&self, conversation: &str, action: &str, confirm: bool) -> Reply {
        self.post(
            &format!("/api/v1/conversations/{conversation}/actions"),
            json!({"action": action, "confirmNoReply": confirm}),
        )
        .await
    }
    async fn read(&self, conversation: &str) {
        assert_eq!(
            self.get(&format!("/api/v1/conversations/{conversation}/items"))
                .await
                .status,
            StatusCode::OK
        );
    }
}

async fn agent<'a>(api: &'a Api, email: &str) -> Agent<'a> {
    Agent {
        api,
        auth: api.login(email).await,
    }
}

async fn email(api: &Api, from: &str) -> String {
    api.email_from(from, "help please").await["conversationId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn chat(api: &Api, visitor: &str) -> Value {
    api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": visitor}, "sessionId": format!("s-{visitor}"), "content": {"content": "hi"}}))
        .await
}

async fn conversation(api: &Api, id: &str) -> Value {
    api.get(&format!("/api/v1/conversations/{id}")).await.body
}

#[tokio::test]
async fn close_and_next_without_a_reply_needs_confirmation_then_lands_the_next_customer() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        alice.available(&["MAIL", "TASK"]).await;
        let jane = email(&api, "jane@example.com").await;
        let john = email(&api, "john@example.com").await;
        let next = alice.next().await;
        assert_eq!(next["id"], json!(jane), "the earliest due customer first");
        assert_eq!(conversation(&api, &jane).await["agentId"], json!(alice_id));

        let menu = alice
            .get(&format!("/api/v1/conversations/{jane}/actions"))
            .await
            .body;
        assert_eq!(
            menu["primary"]["action"], "NEXT",
            "a reply is expected, so the label flips to Next"
        );
        assert_eq!(menu["replyMissing"], true);
        let more: Vec<&str> = menu["more"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["action"].as_str().unwrap())
            .collect();
        assert_eq!(more, ["CLOSE_AND_NEXT", "CLOSE", "NO_REPLY_NEEDED"]);

        let refused = alice.act(&jane, "CLOSE_AND_NEXT", false).await;
        assert_eq!(
            refused.error(),
            (
                "invalid_state".into(),
                Some("status.force".into()),
                Some("reply_missing".into())
            )
        );
        assert_eq!(
            conversation(&api, &jane).await["status"],
            "OPEN",
            "a refused action changes nothing"
        );

        let done = alice.act(&jane, "CLOSE_AND_NEXT", true).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(done.body["conversation"]["status"], "CLOSED");
        assert_eq!(
            done.body["next"]["id"],
            json!(john),
            "Close & Next hands out the next customer at once"
        );
        assert_eq!(conversation(&api, &john).await["agentId"], json!(alice_id));
        let mine: Vec<String> = alice
            .get("/api/v1/me/customers")
            .await
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            mine,
            vec![john.as_str()],
            "the closed conversation left My Customers"
        );
    });
}

#[tokio::test]
async fn next_keeps_the_conversation_open_and_close_gives_no_new_work() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        alice.available(&["MAIL"]).await;
        let first = email(&api, "a@example.com").await;
        let second = email(&api, "b@example.com").await;
        let third = email(&api, "c@example.com").await;
        assert_eq!(alice.next().await["id"], json!(first));
        alice.read(&first).await;
        let after_next = alice.act(&first, "NEXT", false).await;
        assert_eq!(after_next.status, StatusCode::OK, "{}", after_next.body);
        assert_eq!(
            after_next.body["conversation"]["status"], "OPEN",
            "Next closes nothing"
        );
        assert_eq!(after_next.body["next"]["id"], json!(second));
        let mine = alice.get("/api/v1/me/customers").await.body;
        assert_eq!(
            mine.as_array().map(Vec::len),
            Some(2),
            "both stay in My Customers: {mine}"
        );

        alice.read(&second).await;
        let closed = alice.act(&second, "CLOSE", true).await;
        assert_eq!(closed.body["next"], Value::Null, "Close gives no new work");
        assert_eq!(
            conversation(&api, &third).await["queueState"],
            "NEW",
            "the third customer still waits"
        );
    });
}

#[tokio::test]
async fn end_and_close_keeps_the_agent_receiving_chats_up_to_standard_capacity() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        alice.available(&["MESSAGING"]).await;
        let c1 = chat(&api, "v1").await;
        let c2 = chat(&api, "v2").await;
        let c3 = chat(&api, "v3").await;
        for c in [&c1, &c2] {
            assert_eq!(
                conversation(&api, c["conversationId"].as_str().unwrap()).await["agentId"],
                json!(alice_id),
                "pushed up to standard capacity 2"
            );
        }
        let third = c3["conversationId"].as_str().unwrap();
        assert_eq!(
            conversation(&api, third).await["queueState"],
            "NEW",
            "the third waits beyond standard capacity"
        );

        let first = c1["conversationId"].as_str().unwrap();
        let menu = alice
            .get(&format!("/api/v1/conversations/{first}/actions"))
            .await
            .body;
        assert_eq!(menu["primary"]["action"], "END_AND_CLOSE");
        api.post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                c1["itemId"].as_str().unwrap()
            ),
            json!({"content": {"type": "CHAT_MESSAGE", "body": "hello!"}}),
        )
        .await;
        let ended = alice.act(first, "END_AND_CLOSE", false).await;
        assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
        assert_eq!(ended.body["conversation"]["status"], "CLOSED");
        assert_eq!(
            alice.get("/api/v1/me/availability").await.body["availableFor"],
            json!(["MESSAGING"]),
            "still available for messaging"
        );
        // Capacity freed after the next-message delay (15 s by default) gives the
        // waiting chat at the next routing event; the maximum is reachable with Next.
        for c in [first, c2["conversationId"].as_str().unwrap()] {
            alice.read(c).await;
        }
        assert_eq!(
            alice.next().await["id"],
            json!(third),
            "Next pulls up to maximum capacity"
        );
    });
}

#[tokio::test]
async fn no_reply_needed_clears_the_due_date_and_leaves_the_conversation_waiting() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        alice.available(&["MAIL"]).await;
        let spam = email(&api, "spam@example.com").await;
        assert_eq!(alice.next().await["id"], json!(spam));
        let r = alice.act(&spam, "NO_REPLY_NEEDED", false).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let conv = conversation(&api, &spam).await;
        assert_eq!(conv["status"], "WAITING");
        assert!(conv.get("dueAt").is_none(), "the SLA is cleared");
        assert_eq!(conv["queueState"], "ASSIGNED", "the agent keeps it (Q14)");
        let bob = agent(&api, "bob@example.com").await;
        bob.available(&["MAIL"]).await;
        assert_eq!(bob.next().await, Value::Null, "it is in no queue");
    });
}

#[tokio::test]
async fn own_unseen_updates_come_before_new_customers() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        alice.available(&["MAIL"]).await;
        let mine = email(&api, "jane@example.com").await;
        assert_eq!(alice.next().await["id"], json!(mine));
        alice.read(&mine).await;
        let waiting = email(&api, "new@example.com").await;
        // Jane writes again: her line gets the unseen dot and comes first.
        email(&api, "jane@example.com").await;
        let lines = alice.get("/api/v1/me/customers").await.body;
        assert_eq!(lines[0]["unseen"], true, "{lines}");
        assert_eq!(
            alice.next().await["id"],
            json!(mine),
            "own unseen work first (R25)"
        );
        alice.read(&mine).await;
        assert_eq!(alice.next().await["id"], json!(waiting));
    });
}

#[tokio::test]
async fn focus_stops_pushes_refuses_next_and_leaves_only_close() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let r = api
            .call_as(
                &alice.auth,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MESSAGING", "MAIL"], "focus": true})),
            )
            .await;
        assert_eq!(
            r.body,
            json!({"availableFor": ["MESSAGING", "MAIL"], "focus": true, "away": false})
        );
        let c = chat(&api, "v9").await;
        assert_eq!(
            conversation(&api, c["conversationId"].as_str().unwrap()).await["queueState"],
            "NEW",
            "no push in Focus"
        );
        let refused = alice
            .post("/api/v1/me/next", json!({"source": "PROFILE"}))
            .await;
        assert_eq!(refused.error().2.as_deref(), Some("focus_mode"));

        // A conversation she holds: only Close is enabled.
        let id = c["conversationId"].as_str().unwrap();
        let alice_id = api.id_of("agent", "alice@example.com").await;
        let inbox = conversation(&api, id).await["inboxId"].clone();
        api.patch(
            &format!("/api/v1/conversations/{id}"),
            json!({"assignee": {"inboxId": inbox, "agentId": alice_id}}),
        )
        .await;
        let menu = alice
            .get(&format!("/api/v1/conversations/{id}/actions"))
            .await
            .body;
        assert_eq!(
            (
                menu["primary"]["action"].as_str(),
                menu["primary"]["enabled"].as_bool()
            ),
            (Some("CLOSE"), Some(true))
        );
        assert!(
            menu["more"]
                .as_array()
                .unwrap()
                .iter()
                .all(|b| b["enabled"] == false && b["disabledReason"] == "focus_mode")
        );
        assert_eq!(
            alice.act(id, "END", false).await.error().2.as_deref(),
            Some("focus_mode")
        );
        assert_eq!(alice.act(id, "CLOSE", true).await.status, StatusCode::OK);
    });
}

#[tokio::test]
async fn becoming_available_for_mail_pushes_one_item_and_the_bar_next_needs_availability() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let refused = alice
            .post("/api/v1/me/next", json!({"source": "AVAILABILITY_BAR"}))
            .await;
        assert_eq!(
            refused.error(),
            ("invalid_state".into(), None, Some("not_available".into()))
        );
        let first = email(&api, "one@example.com").await;
        let second = email(&api, "two@example.com").await;
        alice.available(&["MAIL", "TASK"]).await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(
            conversation(&api, &first).await["agentId"],
            json!(alice_id),
            "one item is pushed"
        );
        assert_eq!(
            conversation(&api, &second).await["queueState"],
            "NEW",
            "only one"
        );
    });
}

#[tokio::test]
async fn a_call_is_offered_and_accepting_answers_it() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        alice.available(&["VOICE"]).await;
        let call = api.inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550199"}})).await;
        let id = call["conversationId"].as_str().unwrap();
        let offers = alice.get("/api/v1/offers").await.body;
        assert_eq!(offers.as_array().map(Vec::len), Some(1), "{offers}");
        assert_eq!(
            (
                offers[0]["conversationId"].as_str(),
                offers[0]["channel"].as_str()
            ),
            (Some(id), Some("PHONE_CALL"))
        );
        assert_eq!(
            conversation(&api, id).await["queueState"],
            "NEW",
            "offered, not yet assigned"
        );
        let bob = agent(&api, "bob@example.com").await;
        let foreign = bob
            .post(
                &format!(
                    "/api/v1/offers/{}/accept",
                    offers[0]["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(
            foreign.status,
            StatusCode::NOT_FOUND,
            "only the offered agent can answer"
        );
        let accepted = alice
            .post(
                &format!(
                    "/api/v1/offers/{}/accept",
                    offers[0]["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(accepted.body["agentId"], json!(alice_id));
        assert!(
            accepted.body.get("dueAt").is_none(),
            "answering the call fulfils its SLA"
        );
        assert!(
            alice
                .get("/api/v1/offers")
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );
    });
}

#[tokio::test]
async fn the_routing_explanation_shows_candidates_and_needs_a_supervisor() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        alice.available(&["MESSAGING"]).await;
        let c = chat(&api, "v5").await;
        let id = c["conversationId"].as_str().unwrap();
        let decisions = api
            .get(&format!("/api/v1/conversations/{id}/routing"))
            .await;
        assert_eq!(decisions.status, StatusCode::OK);
        let d = &decisions.body[0];
        assert_eq!(
            (d["outcome"].as_str(), d["rule"].as_str()),
            (Some("ASSIGNED"), Some("PUSH_LONGEST_IDLE"))
        );
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(d["winnerAgentId"], json!(alice_id));
        let candidates = d["candidates"].as_array().unwrap();
        assert_eq!(
            candidates.len(),
            3,
            "every member of Support is a candidate: {candidates:?}"
        );
        assert!(
            candidates
                .iter()
                .any(|c| c["eligible"] == false && c["reasons"] == json!(["NOT_AVAILABLE"]))
        );
        let forbidden = alice
            .get(&format!("/api/v1/conversations/{id}/routing"))
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert_eq!(forbidden.error().0, "forbidden");
    });
}

#[tokio::test]
async fn bad_agent_requests_are_refused_precisely_and_change_nothing() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let bob = agent(&api, "bob@example.com").await;
        let r = api
            .call_as(
                &alice.auth,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["PHONE"]})),
            )
            .await;
        assert_eq!(
            r.error(),
            ("invalid".into(), Some("availableFor".into()), None)
        );
        let r = api
            .call_as(
                &alice.auth,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": [], "focus": true})),
            )
            .await;
        assert_eq!(r.error(), ("invalid".into(), Some("focus".into()), None));
        let r = alice
            .post("/api/v1/me/next", json!({"source": "SOMEWHERE"}))
            .await;
        assert_eq!(r.error().1.as_deref(), Some("source"));

        alice.available(&["MAIL"]).await;
        let id = email(&api, "x@example.com").await;
        alice.next().await;
        let r = alice.act(&id, "DANCE", false).await;
        assert_eq!(r.error(), ("invalid".into(), Some("action".into()), None));
        let r = bob.act(&id, "CLOSE", true).await;
        assert_eq!(r.error().2.as_deref(), Some("not_assignee"));
        let r = alice.act(&id, "END", false).await;
        assert_eq!(
            r.error().2.as_deref(),
            Some("action_not_available"),
            "End needs a live chat or call"
        );
        alice.act(&id, "CLOSE", true).await;
        let r = alice.act(&id, "CLOSE", true).await;
        assert_eq!(r.error().2.as_deref(), Some("conversation_closed"));
        assert_eq!(
            alice.get("/api/v1/conversations/nope/actions").await.status,
            StatusCode::NOT_FOUND
        );
    });
}

#[tokio::test]
async fn me_describes_the_caller() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let me = alice.get("/api/v1/me").await.body;
        assert_eq!(me["emailAddress"], "alice@example.com");
        assert_eq!(me["roles"], json!(["AGENT", "API_USER"]));
        assert_eq!(
            me["messagingCapacity"],
            json!({"standard": 2, "maximum": 3})
        );
        assert_eq!(
            alice.get("/api/v1/me/availability").await.body,
            json!({"availableFor": [], "focus": false, "away": false}),
            "agents start unavailable"
        );
    });
}

#[tokio::test]
async fn the_supervisor_queue_lists_waiting_work_in_routing_order() {
    each_backend!(|api| {
        let late = email(&api, "late@example.com").await;
        let c = chat(&api, "v-q").await;
        let queue = api.get("/api/v1/queue").await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
        let ids: Vec<&str> = queue
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [c["conversationId"].as_str().unwrap(), late.as_str()],
            "messaging outranks mail"
        );
        assert_eq!(queue.body[0]["group"], "MESSAGING");
        assert_eq!(queue.body[0]["channel"], "CHAT");
        assert!(queue.body[1]["dueAt"].is_string() && queue.body[1]["waitingSeconds"].is_number());
        let only_mail = api.get("/api/v1/queue?channel=EMAIL&limit=10").await.body;
        assert_eq!(only_mail.as_array().map(Vec::len), Some(1));
        assert_eq!(
            api.get("/api/v1/queue?limit=0").await.error().1.as_deref(),
            Some("limit")
        );
        let alice = agent(&api, "alice@example.com").await;
        assert_eq!(
            alice.get("/api/v1/queue").await.status,
            StatusCode::FORBIDDEN,
            "supervisors only"
        );
    });
}

#[tokio::test]
async fn reopen_and_create_new_hold_the_conversation_for_the_agent() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        let id = email(&api, "jane@example.com").await;
        let open = alice
            .post(
                &format!("/api/v1/conversations/{id}/reopen"),
                json!({"mode": "REOPEN"}),
            )
            .await;
        assert_eq!(
            open.error().2.as_deref(),
            Some("conversation_open"),
            "{} {}",
            open.status,
            open.body
        );
        api.patch(
            &format!("/api/v1/conversations/{id}"),
            json!({"status": {"value": "CLOSED", "force": true}}),
        )
        .await;
        let reopened = alice
            .post(
                &format!("/api/v1/conversations/{id}/reopen"),
                json!({"mode": "REOPEN"}),
            )
            .await;
        assert_eq!(reopened.status, StatusCode::OK, "{}", reopened.body);
        assert_eq!(
            (
                reopened.body["status"].as_str(),
                reopened.body["queueState"].as_str()
            ),
            (Some("OPEN"), Some("ASSIGNED"))
        );
        assert_eq!(reopened.body["agentId"], json!(alice_id));
        assert_eq!(conversation(&api, &id).await["status"], "OPEN", "stored");
        let twice = alice
            .post(
                &format!("/api/v1/conversations/{id}/reopen"),
                json!({"mode": "CREATE_NEW"}),
            )
            .await;
        assert_eq!(
            twice.error().2.as_deref(),
            Some("conversation_open"),
            "{} {}",
            twice.status,
            twice.body
        );

        alice.act(&id, "CLOSE", true).await;
        let fresh = alice
            .post(
                &format!("/api/v1/conversations/{id}/reopen"),
                json!({"mode": "CREATE_NEW"}),
            )
            .await;
        assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
        assert_ne!(fresh.body["id"], json!(id), "a new conversation");
        assert_eq!(fresh.body["agentId"], json!(alice_id));
        assert_eq!(
            conversation(&api, &id).await["status"],
            "CLOSED",
            "the old one stays closed"
        );
        let bad = alice
            .post(
                &format!("/api/v1/conversations/{id}/reopen"),
                json!({"mode": "AGAIN"}),
            )
            .await;
        assert_eq!(bad.error().1.as_deref(), Some("mode"));

        // The new conversation waits for Alice's own message (R54): she writes first.
        let new_id = fresh.body["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/conversations/{new_id}/messages");
        for (body, attr) in [
            (
                json!({"content": {"type": "CHAT_MESSAGE", "body": "hi"}}),
                "content.type",
            ),
            (
                json!({"content": {"type": "EMAIL", "body": "hi"}}),
                "content.subject",
            ),
            (
                json!({"content": {"type": "EMAIL", "subject": "Hello"}}),
                "content.body",
            ),
            (json!({}), "content"),
        ] {
            let refused = alice.post(&path, body.clone()).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(refused.error().1.as_deref(), Some(attr), "{body}");
        }
        let no_phone = alice
            .post(&path, json!({"content": {"type": "SMS", "body": "hi"}}))
            .await;
        assert_eq!(
            no_phone.status,
            StatusCode::BAD_REQUEST,
            "{}",
            no_phone.body
        );
        assert!(
            no_phone.body.to_string().contains("no phone number"),
            "{}",
            no_phone.body
        );
        let sent = alice
            .post(
                &path,
                json!({"content": {"type": "EMAIL", "subject": "Following up", "body": "Did the parcel arrive?"}}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        assert_eq!(sent.body["content"]["to"], json!(["jane@example.com"]));
        assert_eq!(sent.body["content"]["from"], "support@example.com");
        assert_eq!(sent.body["content"]["subject"], "Following up");
        let items = api
            .get(&format!("/api/v1/conversations/{new_id}/items"))
            .await
            .body;
        assert_eq!(items.as_array().map(Vec::len), Some(1));
        let now = conversation(&api, &new_id).await;
        assert_eq!(
            (now["status"].as_str(), now["agentId"].clone()),
            (Some("OPEN"), json!(alice_id))
        );
        // A closed conversation takes no new message.
        let closed = alice
            .post(
                &format!("/api/v1/conversations/{id}/messages"),
                json!({"content": {"type": "EMAIL", "subject": "x", "body": "y"}}),
            )
            .await;
        assert_eq!(closed.status, StatusCode::BAD_REQUEST);
        assert_eq!(closed.error().0, "invalid_state", "{}", closed.body);
    });
}

#[tokio::test]
async fn a_transfer_moves_the_conversation_and_its_due_date() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        alice.available(&["MAIL"]).await;
        let id = email(&api, "jane@example.com").await;
        alice.next().await;
        let billing = api
            .call(
                Method::POST,
                "/api/v1/admin/inboxes",
                Some(json!({"name": "Billing", "slaSeconds": 14400})),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let bob = agent(&api, "bob@example.com").await;
        assert_eq!(
            bob.post(
                &format!("/api/v1/conversations/{id}/transfer"),
                json!({"inboxId": billing})
            )
            .await
            .error()
            .2
            .as_deref(),
            Some("not_assignee")
        );
        let alice_id = api.id_of("agent", "alice@example.com").await;
        let outsider = alice
            .post(
                &format!("/api/v1/conversations/{id}/transfer"),
                json!({"inboxId": billing, "agentId": alice_id}),
            )
            .await;
        assert_eq!(outsider.error().2.as_deref(), Some("agent_not_in_inbox"));
        let moved = alice
            .post(
                &format!("/api/v1/conversations/{id}/transfer"),
                json!({"inboxId": billing}),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert_eq!(moved.body["inboxId"], json!(billing));
        assert_eq!(
            moved.body["queueState"], "NEW",
            "without an agent it waits in the new inbox"
        );
        let created =
            hearth_app::codec::parse_ts(moved.body["createdAt"].as_str().unwrap()).unwrap();
        let due = hearth_app::codec::parse_ts(moved.body["dueAt"].as_str().unwrap()).unwrap();
        assert!(
            due - created >= time::Duration::hours(4) - time::Duration::seconds(5),
            "the due date follows the new inbox's SLA (R50)"
        );
    });
}

#[tokio::test]
async fn the_stream_pushes_the_agents_events_and_resumes_from_last_event_id() {
    use http_body_util::BodyExt;
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let open = |last: Option<&str>| {
            let mut req = axum::http::Request::get("/api/v1/stream")
                .header("authorization", alice.auth.clone());
            if let Some(id) = last {
                req = req.header("last-event-id", id);
            }
            tower::ServiceExt::oneshot(
                api.router.clone(),
                req.body(axum::body::Body::empty()).unwrap(),
            )
        };
        let response = open(None).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut body = response.into_body();
        alice.available(&["MESSAGING"]).await;
        let c = chat(&api, "v-s").await;
        let wanted = c["conversationId"].as_str().unwrap().to_owned();
        let mut text = String::new();
        let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    text.push_str(&String::from_utf8_lossy(&data));
                    if text.contains("CONVERSATION_ASSIGNEE/UPDATED") && text.contains(&wanted) {
                        return true;
                    }
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "the assignment reached the stream: {text}");
        assert!(text.contains("AGENT_AVAILABILITY/UPDATED"), "{text}");
        assert!(!text.contains("v-s\""), "only ids travel");

        // Resuming from an earlier id replays what came after it.
        let first_id = text
            .lines()
            .find_map(|l| l.strip_prefix("id:"))
            .map(|s| s.trim().to_owned())
            .unwrap();
        let mut replay = open(Some(&first_id)).await.unwrap().into_body();
        let mut again = String::new();
        let replayed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(frame) = replay.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    again.push_str(&String::from_utf8_lossy(&data));
                    if again.contains("CONVERSATION_ASSIGNEE/UPDATED") {
                        return true;
                    }
                }
            }
            false
        })
        .await;
        assert_eq!(replayed, Ok(true), "{again}");
        assert!(
            !again.contains(&format!("id:{first_id}\n"))
                && !again.contains(&format!("id: {first_id}\n")),
            "the resumed stream starts after the given id"
        );
        let bad = open(Some("yesterday")).await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    });
}

/// Reads an SSE body until `done` holds for what came so far (or ten seconds).
async fn read_until(body: &mut axum::body::Body, done: impl Fn(&str) -> bool) -> (bool, String) {
    use http_body_util::BodyExt;
    let mut text = String::new();
    let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
                if done(&text) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    (found == Ok(true), text)
}

/// Many streams, one reader: five streams of two agents all listen on the one
/// channel the instance's reader fills; each carries only its own agent's events,
/// and the reader stops once the last stream has closed.
#[tokio::test]
async fn open_streams_share_one_reader_and_keep_to_their_agent() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let bob = agent(&api, "bob@example.com").await;
        let open = |auth: String| {
            tower::ServiceExt::oneshot(
                api.router.clone(),
                axum::http::Request::get("/api/v1/stream")
                    .header("authorization", auth)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
        };
        let mut streams = Vec::new();
        for auth in [&alice.auth, &alice.auth, &alice.auth, &bob.auth, &bob.auth] {
            streams.push(open(auth.clone()).await.unwrap().into_body());
        }
        assert_eq!(api.events.listeners(), 5);
        assert!(api.events.reading());
        // Only Alice takes chats: the chat is hers.
        alice.available(&["MESSAGING"]).await;
        let c = chat(&api, "v-shared").await;
        let wanted = c["conversationId"].as_str().unwrap().to_owned();
        // Then Bob changes his availability: an event of his alone.
        bob.available(&["VOICE"]).await;
        let bob_id = api.id_of("agent", "bob@example.com").await;
        for (n, body) in streams.iter_mut().enumerate() {
            let (found, text) = read_until(body, |t| {
                t.contains(&format!("\"agentId\":\"{bob_id}\"")) || t.contains(&wanted)
            })
            .await;
            assert!(found, "stream {n} got nothing: {text}");
            if n < 3 {
                assert!(text.contains(&wanted), "Alice's stream {n}: {text}");
                assert!(
                    !text.contains(&bob_id),
                    "Alice's stream {n} saw Bob: {text}"
                );
            } else {
                assert!(text.contains(&bob_id), "Bob's stream {n}: {text}");
                assert!(
                    !text.contains(&wanted),
                    "Bob's stream {n} saw Alice's chat: {text}"
                );
            }
        }
        drop(streams);
        assert_eq!(api.events.listeners(), 0);
        // The reader notices within its poll of a second and stops.
        let mut stopped = false;
        for _ in 0..50 {
            if !api.events.reading() {
                stopped = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(stopped, "the reader still runs with no stream open");
    });
}

#[tokio::test]
async fn away_agents_and_non_members_get_nothing_and_close_and_next_overrides_after_call_work() {
    each_backend!(|api| {
        let alice = agent(&api, "alice@example.com").await;
        let bob = agent(&api, "bob@example.com").await;
        let r = api
            .call_as(
                &alice.auth,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MESSAGING", "VOICE"], "away": true})),
            )
            .await;
        assert_eq!(r.body["away"], true);
        // Bob is moved out of Support: not a member, no work.
        let bob_id = api.id_of("agent", "bob@example.com").await;
        let other = api
            .call(
                Method::POST,
                "/api/v1/admin/inboxes",
                Some(json!({"name": "Other", "slaSeconds": 60})),
            )
            .await
            .body["id"]
            .clone();
        api.call(
            Method::PATCH,
            &format!("/api/v1/admin/agents/{bob_id}"),
            Some(json!({"inboxIds": [other]})),
        )
        .await;
        bob.available(&["MESSAGING", "VOICE"]).await;
        let c = chat(&api, "v-away").await;
        let id = c["conversationId"].as_str().unwrap();
        assert_eq!(
            conversation(&api, id).await["queueState"],
            "NEW",
            "away and non-member agents get nothing"
        );
        // Back from away: the waiting chat is pushed at once.
        alice.available(&["MESSAGING", "VOICE"]).await;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(conversation(&api, id).await["agentId"], json!(alice_id));

        // A call, answered and ended: after-call work holds the next call...
        let call1 = api.inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550101"}})).await;
        let offer = alice.get("/api/v1/offers").await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        alice
            .post(&format!("/api/v1/offers/{offer}/accept"), json!({}))
            .await;
        api.post(
            &format!(
                "/api/v1/contacts/{}/end",
                call1["contactId"].as_str().unwrap()
            ),
            json!({"reason": "CUSTOMER_ENDED"}),
        )
        .await;
        let call2 = api.inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550102"}})).await;
        assert!(
            alice
                .get("/api/v1/offers")
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty(),
            "after-call work (30 s) holds the next call"
        );
        // ...until Close & Next on the finished call overrides it.
        let first_call = call1["conversationId"].as_str().unwrap();
        alice.read(first_call).await;
        alice.read(id).await;
        let done = alice.act(first_call, "CLOSE_AND_NEXT", false).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let offers = alice.get("/api/v1/offers").await.body;
        assert_eq!(
            offers[0]["conversationId"], call2["conversationId"],
            "the next call rings at once: {offers}"
        );
    });
}

/// Routing snapshots: a second instance on the same database starts from the
/// newest snapshot and replays only the inputs after it, arriving at exactly the
/// state the first one holds; without a snapshot it replays the whole log.
#[tokio::test]
async fn a_start_reads_the_routing_snapshot_and_replays_only_the_tail() {
    each_backend!(|api| {
        let alice = api.login("alice@example.com").await;
        let r = api
            .call_as(
                &alice,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MESSAGING", "MAIL"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for n in 0..4 {
            api.email_from(&format!("snap{n}@example.com"), "hello")
                .await;
            api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "sessionId": format!("snap-{n}"),
                               "from": {"address": format!("visitor-snap-{n}")}, "content": {"content": "hi"}}))
                .await;
        }
        let fresh = |api: &crate::harness::Api| {
            hearth_app::App::new(
                api.db.store.clone(),
                std::sync::Arc::new(hearth_app::SystemClock),
            )
        };
        // Without a snapshot a new instance folds the whole log.
        let whole = fresh(&api);
        whole.catch_up_routing().await.unwrap();
        let all_inputs = whole.routing_replayed();
        assert!(all_inputs > 8, "{all_inputs}");
        api.app.catch_up_routing().await.unwrap();
        assert_eq!(
            whole.with_engine(Clone::clone),
            api.app.with_engine(Clone::clone)
        );

        let seq = api
            .app
            .snapshot_routing(1)
            .await
            .unwrap()
            .expect("a snapshot");
        assert_eq!(
            api.app.snapshot_routing(1).await.unwrap(),
            None,
            "nothing new since"
        );
        // Two more customers after the snapshot.
        api.email_from("after-snapshot@example.com", "hello").await;
        api.inbound(
            json!({"channel": "CHAT", "entryPoint": "chat", "sessionId": "snap-after",
                           "from": {"address": "visitor-after"}, "content": {"content": "hi"}}),
        )
        .await;
        let started = fresh(&api);
        started.catch_up_routing().await.unwrap();
        api.app.catch_up_routing().await.unwrap();
        let tail = started.routing_replayed();
        assert!(
            tail > 0 && tail < all_inputs,
            "replayed {tail} of more than {all_inputs}"
        );
        assert_eq!(
            started.with_engine(Clone::clone),
            api.app.with_engine(Clone::clone),
            "snapshot at {seq} plus the tail is the whole state"
        );
        // A snapshot the binary cannot read is passed over for the whole log.
        let mut tx = api.db.store.begin().await.unwrap();
        tx.put_routing_snapshot(seq + 1_000_000, 0, "{\"v\": 99}")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let careful = fresh(&api);
        careful.catch_up_routing().await.unwrap();
        assert_eq!(
            careful.with_engine(Clone::clone),
            api.app.with_engine(Clone::clone)
        );
    });
}
