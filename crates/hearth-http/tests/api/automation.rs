//! Message automation as Gladly's `backend-chatbot` example drives it: a chat at an
//! entry point a bot answers first reaches the bot as AUTOMATION/MESSAGE_RECEIVED,
//! not the agents; the bot answers through the session's messages, and hands the
//! customer over when they ask for a person (routing takes over) or closes.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::Api;
use crate::webhooks::Receiver;

async fn bot_events(api: &Api, receiver: &Receiver) -> Vec<Value> {
    api.app.fan_out_webhooks().await.unwrap();
    api.app.send_due_webhooks().await.unwrap();
    receiver
        .received()
        .into_iter()
        .map(|(_, b)| b)
        .filter(|b| b["type"] == "AUTOMATION/MESSAGE_RECEIVED")
        .collect()
}

async fn chat(api: &Api, session: &str, visitor: &str, text: &str) -> Value {
    api.inbound(
        json!({"channel": "CHAT", "entryPoint": "chat", "sessionId": session,
                       "from": {"address": visitor}, "content": {"content": text}}),
    )
    .await
}

#[tokio::test]
async fn a_bot_answers_first_then_hands_over_to_an_agent_or_closes() {
    each_backend!(|api| {
        // Alice is available for chats: without the bot she would get this one.
        let alice = api.login("alice@example.com").await;
        let available = api
            .call_as(
                &alice,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MESSAGING"]})),
            )
            .await;
        assert_eq!(available.status, StatusCode::OK, "{}", available.body);
        let entry = api.get("/api/v1/admin/entry-points").await.body;
        let chat_entry = entry
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["channel"] == "CHAT")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let email_entry = entry
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["channel"] == "EMAIL")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let on = api
            .patch(
                &format!("/api/v1/admin/entry-points/{chat_entry}"),
                json!({"automation": true}),
            )
            .await;
        assert!(on.status.is_success(), "{}", on.body);
        let refused = api
            .patch(
                &format!("/api/v1/admin/entry-points/{email_entry}"),
                json!({"automation": true}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.error().1.as_deref(), Some("automation"));

        let (receiver, url) = Receiver::start().await;
        let hook = api
            .post(
                "/api/v1/webhooks",
                json!({"name": "Bot", "url": url, "events": ["AUTOMATION/MESSAGE_RECEIVED"]}),
            )
            .await;
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

        // The customer writes: the bot hears it, nobody is offered the chat.
        let first = chat(&api, "bot-1", "visitor-1", "Where is my parcel?").await;
        let conversation = first["conversationId"].as_str().unwrap().to_owned();
        let conv = api
            .get(&format!("/api/v1/conversations/{conversation}"))
            .await
            .body;
        assert!(conv["agentId"].is_null(), "{conv}");
        assert_eq!(conv["queueState"], "NONE", "held from routing: {conv}");
        let heard = bot_events(&api, &receiver).await;
        assert_eq!(heard.len(), 1, "{heard:?}");
        let content = &heard[0]["content"];
        assert_eq!(content["channelType"], "CHAT");
        assert_eq!(content["conversationId"], json!(conversation));
        assert_eq!(content["customerId"], first["customerId"]);
        assert_eq!(content["companyAddress"], "chat");
        assert_eq!(content["message"]["type"], "TEXT");
        assert_eq!(content["message"]["content"]["body"], "Where is my parcel?");
        assert_eq!(content["message"]["id"], first["itemId"]);
        let session = content["sessionId"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/message-automation/sessions/{session}");
        let read = api.get(&path).await.body;
        assert_eq!(read["target"], json!({"targetType": "AUTOMATION"}));
        assert_eq!(read["conversationId"], json!(conversation));
        assert_eq!(read["endpointType"], "CHAT");

        // The bot answers, as the example does, with text and a menu.
        let sent = api
            .post(&format!("{path}/messages"), json!({"type": "TEXT", "content": {"value": "Hi, I can track parcels. Type 'agent' for a person."}}))
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert_eq!(sent.body["from"]["type"], "AUTOMATION");
        assert_eq!(sent.body["sessionId"], json!(session));
        let menu = api
            .post(&format!("{path}/messages"), json!({"type": "MENU", "content": {"prompt": "Pick one", "menuItems": [{"id": "track", "label": "Track"}, {"id": "agent", "label": "A person"}]}}))
            .await;
        assert_eq!(menu.status, StatusCode::OK, "{}", menu.body);
        assert_eq!(
            menu.body["content"]["menuItems"][1],
            json!({"id": "agent", "label": "A person"})
        );
        let typing = api
            .post(
                &format!("{path}/typing-indicators"),
                json!({"state": "STARTED"}),
            )
            .await;
        assert_eq!(typing.status, StatusCode::NO_CONTENT);
        for (body, attr) in [
            (json!({"type": "VIDEO", "content": {"value": "x"}}), "type"),
            (
                json!({"type": "TEXT", "content": {"value": " "}}),
                "content.value",
            ),
            (
                json!({"type": "MENU", "content": {"prompt": "p", "menuItems": []}}),
                "content.menuItems",
            ),
            (
                json!({"type": "TEXT", "content": {"value": "x"}, "extra": 1}),
                "extra",
            ),
        ] {
            let bad = api.post(&format!("{path}/messages"), body.clone()).await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}: {}", bad.body);
            assert_eq!(bad.error().1.as_deref(), Some(attr), "{body}: {}", bad.body);
        }
        // The bot's lines belong to the customer's chat session, as the widget reads it.
        let items = api
            .get(&format!("/api/v1/conversations/{conversation}/items"))
            .await
            .body;
        let bot_line = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["initiator"]["type"] == "AUTOMATION")
            .unwrap_or_else(|| panic!("{items}"));
        assert_eq!(bot_line["content"]["type"], "CHAT_MESSAGE");
        assert_eq!(bot_line["content"]["sessionId"], "bot-1");

        // "agent": the bot hands over; routing gives Alice the chat at once.
        chat(&api, "bot-1", "visitor-1", "agent").await;
        assert_eq!(bot_events(&api, &receiver).await.len(), 2);
        let handed = api
            .post(
                &format!("{path}/handoff"),
                json!({"description": "The customer asked for a person"}),
            )
            .await;
        assert_eq!(handed.status, StatusCode::NO_CONTENT, "{}", handed.body);
        assert_eq!(
            api.get(&path).await.body["target"],
            json!({"targetType": "AGENT"})
        );
        let conv = api
            .get(&format!("/api/v1/conversations/{conversation}"))
            .await
            .body;
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(
            conv["agentId"],
            json!(alice_id),
            "routing took over: {conv}"
        );
        let items = api
            .get(&format!("/api/v1/conversations/{conversation}/items"))
            .await
            .body;
        assert!(
            items
                .to_string()
                .contains("The bot handed over: The customer asked for a person"),
            "{items}"
        );
        let late = api
            .post(
                &format!("{path}/messages"),
                json!({"type": "TEXT", "content": {"value": "Still here"}}),
            )
            .await;
        assert_eq!(
            late.status,
            StatusCode::BAD_REQUEST,
            "the bot let go: {}",
            late.body
        );
        chat(&api, "bot-1", "visitor-1", "Hello Alice").await;
        assert_eq!(
            bot_events(&api, &receiver).await.len(),
            2,
            "after the handover the bot hears nothing"
        );
        let messages = api.get(&format!("{path}/messages")).await.body;
        let from: Vec<&str> = messages
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["from"]["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            from,
            [
                "CUSTOMER",
                "AUTOMATION",
                "AUTOMATION",
                "CUSTOMER",
                "CUSTOMER"
            ]
        );
        let one = messages[1]["id"].as_str().unwrap();
        assert_eq!(
            api.get(&format!("{path}/messages/{one}")).await.body,
            messages[1]
        );
        assert_eq!(
            api.get(&format!("{path}/messages/nope")).await.status,
            StatusCode::NOT_FOUND
        );

        // Another customer: the bot solves it and closes the session.
        let second = chat(&api, "bot-2", "visitor-2", "Opening hours?").await;
        let heard = bot_events(&api, &receiver).await;
        let other = heard.last().unwrap()["content"]["sessionId"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(other, session);
        let other_path = format!("/api/v1/message-automation/sessions/{other}");
        api.post(&format!("{other_path}/messages"), json!({"type": "HTML", "content": {"value": "<p>We open at <b>nine</b>.</p><script>x()</script>"}}))
            .await;
        let closed = api
            .post(
                &format!("{other_path}/close"),
                json!({"description": "Answered by the bot"}),
            )
            .await;
        assert_eq!(closed.status, StatusCode::NO_CONTENT, "{}", closed.body);
        let conv = api
            .get(&format!(
                "/api/v1/conversations/{}",
                second["conversationId"].as_str().unwrap()
            ))
            .await
            .body;
        assert_eq!(conv["status"], "CLOSED", "{conv}");
        assert!(conv["agentId"].is_null());
        let said = api.get(&format!("{other_path}/messages")).await.body;
        assert_eq!(said[1]["content"]["value"], "We open at nine.");
        assert!(api.get(&other_path).await.body["closedAt"].is_string());
        assert_eq!(
            api.get("/api/v1/message-automation/sessions/nope")
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // A supervisor gives a held chat to Alice: the bot lets go.
        let third = chat(&api, "bot-3", "visitor-3", "Can I speak to Alice?").await;
        let held_conv = third["conversationId"].as_str().unwrap().to_owned();
        let heard = bot_events(&api, &receiver).await;
        let third_path = format!(
            "/api/v1/message-automation/sessions/{}",
            heard.last().unwrap()["content"]["sessionId"]
                .as_str()
                .unwrap()
        );
        assert_eq!(
            api.get(&third_path).await.body["target"],
            json!({"targetType": "AUTOMATION"})
        );
        let inbox = api
            .get(&format!("/api/v1/conversations/{held_conv}"))
            .await
            .body["inboxId"]
            .clone();
        let given = api
            .patch(
                &format!("/api/v1/conversations/{held_conv}"),
                json!({"assignee": {"inboxId": inbox, "agentId": alice_id}}),
            )
            .await;
        assert!(given.status.is_success(), "{}", given.body);
        assert_eq!(
            api.get(&format!("/api/v1/conversations/{held_conv}"))
                .await
                .body["agentId"],
            json!(alice_id)
        );
        assert_eq!(
            api.get(&third_path).await.body["target"],
            json!({"targetType": "AGENT"})
        );
        let refused = api
            .post(
                &format!("{third_path}/messages"),
                json!({"type": "TEXT", "content": {"value": "Still me"}}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        let before = bot_events(&api, &receiver).await.len();
        chat(&api, "bot-3", "visitor-3", "Hi Alice").await;
        assert_eq!(
            bot_events(&api, &receiver).await.len(),
            before,
            "the bot hears no more"
        );

        // SMS too; and when the customer calls meanwhile, the bot hands over.
        let sms_entry = entry
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["channel"] == "SMS")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let on = api
            .patch(
                &format!("/api/v1/admin/entry-points/{sms_entry}"),
                json!({"automation": true}),
            )
            .await;
        assert!(on.status.is_success(), "{}", on.body);
        let text = api
            .inbound(json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550177"}, "content": {"content": "Can I change my order?"}}))
            .await;
        let texted = text["conversationId"].as_str().unwrap().to_owned();
        let heard = bot_events(&api, &receiver).await;
        let sms_session = heard.last().unwrap()["content"].clone();
        assert_eq!(sms_session["channelType"], "SMS");
        assert_eq!(
            sms_session["message"]["content"]["body"],
            "Can I change my order?"
        );
        let sms_path = format!(
            "/api/v1/message-automation/sessions/{}",
            sms_session["sessionId"].as_str().unwrap()
        );
        let reply = api
            .post(&format!("{sms_path}/messages"), json!({"type": "MENU", "content": {"prompt": "What would you like?", "menuItems": [{"id": "a", "label": "Change the address"}, {"id": "b", "label": "Cancel"}]}}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let items = api
            .get(&format!("/api/v1/conversations/{texted}/items"))
            .await
            .body;
        assert!(
            items
                .to_string()
                .contains("What would you like?\\n1. Change the address\\n2. Cancel"),
            "{items}"
        );
        assert_eq!(
            api.get(&format!("/api/v1/conversations/{texted}"))
                .await
                .body["queueState"],
            "NONE"
        );
        api.inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550177"}}))
            .await;
        assert_eq!(
            api.get(&sms_path).await.body["target"],
            json!({"targetType": "AGENT"})
        );
        assert_eq!(
            api.get(&format!("/api/v1/conversations/{texted}"))
                .await
                .body["queueState"],
            "NEW",
            "the call and the text wait for agents"
        );
    });
}

/// The entry point form turns the bot on for a chat, and the admin API refuses it
/// for channels a bot cannot answer.
#[tokio::test]
async fn an_admin_lets_a_bot_answer_a_chat_entry_point_first() {
    use crate::ui::{get, post, sign_in, version_of};
    each_backend!(|api| {
        let chat = api.get("/api/v1/admin/entry-points").await.body;
        let chat = chat
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["channel"] == "CHAT")
            .unwrap()
            .clone();
        let id = chat["id"].as_str().unwrap();
        let (cookies, csrf) = sign_in(&api, "admin@example.com").await;
        let page = get(&api, &cookies, &format!("/ui/admin/entry-points/{id}")).await;
        assert!(page.html.contains("A bot answers first"), "{}", page.html);
        let v = version_of(&page);
        let inbox = chat["inboxId"].as_str().unwrap();
        let saved = post(
            &api,
            &cookies,
            &format!("/ui/admin/entry-points/{id}"),
            &format!(
                "csrf={csrf}&version={v}&channel=CHAT&address=chat&inboxId={inbox}&automation=on"
            ),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        assert_eq!(
            api.get(&format!("/api/v1/admin/entry-points/{id}"))
                .await
                .body["automation"],
            true
        );
    });
}
