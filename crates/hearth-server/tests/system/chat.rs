//! The chat socket with a real WebSocket client against the real binary: a
//! customer says hello and writes; the chat is pushed to the agent available for
//! messaging; the agent's reply reaches the socket with their first name; the
//! customer drops the connection and rejoins with the resume token, history and
//! all; End & Close reaches the customer as `ended`. Bad frames get `error` frames.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

use crate::server::{self, Server, hearth};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(s: &Server) -> Socket {
    let url = format!(
        "{}/chat/ws?entryPoint=chat",
        s.base.replace("http://", "ws://")
    );
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn say(socket: &mut Socket, frame: Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// The next frame (pings and pongs skipped); panics after ten seconds.
async fn hear(socket: &mut Socket) -> Value {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within ten seconds")
            .expect("the socket is open")
            .unwrap();
        match next {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(_) => return json!({"type": "closed"}),
            _ => continue,
        }
    }
}

/// A token for `email`, who is then available for Messaging on `s`.
async fn available_for_messaging(
    s: &Server,
    dir: &std::path::Path,
    database_url: Option<&str>,
    email: &str,
) -> String {
    let out = hearth(&["token", "create", "--email", email], dir, database_url);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let status = s
        .put_as(
            "/api/v1/me/availability",
            email,
            &token,
            json!({"availableFor": ["MESSAGING"]}),
        )
        .await
        .0;
    assert_eq!(status, 200);
    token
}

async fn chat_end_to_end(database_url: Option<&str>) {
    let dir = server::temp_dir();
    let s = Server::start(&dir, database_url, &[]).await;
    let alice = available_for_messaging(&s, &dir, database_url, "alice@example.com").await;

    let mut socket = connect(&s).await;
    // Anything before hello is refused.
    say(
        &mut socket,
        json!({"type": "message", "clientId": "x", "content": "hi"}),
    )
    .await;
    assert_eq!(hear(&mut socket).await["code"], "hello_first");

    let mut socket = connect(&s).await;
    say(
        &mut socket,
        json!({"type": "hello", "customer": {"name": "Cleo"}}),
    )
    .await;
    let welcome = hear(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["history"], json!([]));
    let resume = welcome["resume"].as_str().unwrap().to_owned();
    assert_eq!(resume.len(), 43, "an unguessable token");

    say(&mut socket, json!({"type": "dance"})).await;
    assert_eq!(hear(&mut socket).await["code"], "unknown_type");
    say(
        &mut socket,
        json!({"type": "message", "clientId": "m1", "content": "Is my order late?"}),
    )
    .await;
    let echo = hear(&mut socket).await;
    assert_eq!(
        (
            echo["type"].as_str(),
            echo["from"].as_str(),
            echo["clientId"].as_str()
        ),
        (Some("message"), Some("customer"), Some("m1")),
        "{echo}"
    );

    // The chat was pushed to Alice: it is hers now.
    let mut conversation = Value::Null;
    for _ in 0..100 {
        let (_, mine) = s
            .get_as("/api/v1/me/customers", "alice@example.com", &alice)
            .await;
        if let Some(first) = mine.as_array().and_then(|a| a.first()) {
            conversation = first.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let conversation_id = conversation["conversationId"]
        .as_str()
        .or_else(|| conversation["id"].as_str())
        .unwrap_or_else(|| panic!("the chat was not pushed to Alice: {conversation}"))
        .to_owned();

    // Alice answers: the customer sees it, with her first name.
    let client = server::http_client();
    let reply = client
        .post(format!(
            "{}/api/v1/conversation-items/{}/reply",
            s.base,
            echo["id"].as_str().unwrap()
        ))
        .basic_auth("alice@example.com", Some(&alice))
        .json(&json!({"content": {"type": "CHAT_MESSAGE", "body": "Let me check."}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.status().as_u16(),
        201,
        "{}",
        reply.text().await.unwrap()
    );
    let answer = hear(&mut socket).await;
    assert_eq!(
        (
            answer["from"].as_str(),
            answer["agentName"].as_str(),
            answer["content"].as_str()
        ),
        (Some("agent"), Some("Alice"), Some("Let me check.")),
        "{answer}"
    );

    // The connection drops; the resume token rejoins the same session.
    drop(socket);
    let mut socket = connect(&s).await;
    say(&mut socket, json!({"type": "hello", "resume": resume})).await;
    let again = hear(&mut socket).await;
    assert_eq!(again["sessionId"], welcome["sessionId"], "{again}");
    assert_eq!(again["history"].as_array().unwrap().len(), 2, "{again}");
    let mut forged = connect(&s).await;
    say(
        &mut forged,
        json!({"type": "hello", "resume": "A".repeat(43)}),
    )
    .await;
    assert_eq!(hear(&mut forged).await["code"], "resume_invalid");
    drop(forged);
    // A message past the limit is refused with an error frame; the socket stays.
    say(
        &mut socket,
        json!({"type": "message", "clientId": "big", "content": "x".repeat(2049)}),
    )
    .await;
    let refused = hear(&mut socket).await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("invalid")),
        "{refused}"
    );
    // A flood is slowed down: past the burst, messages are refused for a while.
    let mut limited = false;
    for n in 0..15 {
        say(
            &mut socket,
            json!({"type": "message", "clientId": format!("f{n}"), "content": "spam"}),
        )
        .await;
        let frame = hear(&mut socket).await;
        if frame["code"] == "rate_limited" {
            limited = true;
            break;
        }
    }
    assert!(limited, "fifteen messages at once hit the rate limit");

    // End & Close: the customer sees the chat end.
    let act = client
        .post(format!(
            "{}/api/v1/conversations/{conversation_id}/actions",
            s.base
        ))
        .basic_auth("alice@example.com", Some(&alice))
        .json(&json!({"action": "END_AND_CLOSE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(act.status().as_u16(), 200, "{}", act.text().await.unwrap());
    let ended = hear(&mut socket).await;
    assert_eq!(
        (ended["type"].as_str(), ended["by"].as_str()),
        (Some("ended"), Some("agent")),
        "{ended}"
    );
    assert!(s.stop().await.success());
}

#[tokio::test]
async fn sqlite_chat_over_a_real_websocket() {
    chat_end_to_end(None).await;
}

#[tokio::test]
async fn postgres_chat_over_a_real_websocket() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    chat_end_to_end(Some(&db.url)).await;
    db.cleanup().await;
}

/// Two instances on one PostgreSQL: the customer's socket is on one, the agent
/// works on the other; the agent's answer and End & Close still reach the socket.
#[tokio::test]
async fn postgres_chat_across_two_instances() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    let (dir_a, dir_b) = (server::temp_dir(), server::temp_dir());
    let a = Server::start(&dir_a, Some(&db.url), &[]).await;
    let b = Server::start(&dir_b, Some(&db.url), &[]).await;
    let bob = available_for_messaging(&b, &dir_b, Some(&db.url), "bob@example.com").await;

    let mut socket = connect(&a).await;
    say(&mut socket, json!({"type": "hello", "customer": {"name": "Dara", "emailAddress": "dara@customer.example"}})).await;
    assert_eq!(hear(&mut socket).await["type"], "welcome");
    say(
        &mut socket,
        json!({"type": "message", "clientId": "d1", "content": "Hello from instance A"}),
    )
    .await;
    let echo = hear(&mut socket).await;
    assert_eq!(echo["clientId"], "d1", "{echo}");

    // The chat customer is the customer of that email address.
    let (_, found) = b
        .get("/api/v1/customer-profiles?email=dara@customer.example")
        .await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");

    let client = server::http_client();
    let reply = client
        .post(format!(
            "{}/api/v1/conversation-items/{}/reply",
            b.base,
            echo["id"].as_str().unwrap()
        ))
        .basic_auth("bob@example.com", Some(&bob))
        .json(&json!({"content": {"type": "CHAT_MESSAGE", "body": "Bob here, on B."}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.status().as_u16(),
        201,
        "{}",
        reply.text().await.unwrap()
    );
    let answer = hear(&mut socket).await;
    assert_eq!(
        (answer["agentName"].as_str(), answer["content"].as_str()),
        (Some("Bob"), Some("Bob here, on B.")),
        "{answer}"
    );
    let conversation = reply_conversation(&b, echo["id"].as_str().unwrap()).await;
    let act = client
        .post(format!(
            "{}/api/v1/conversations/{conversation}/actions",
            b.base
        ))
        .basic_auth("bob@example.com", Some(&bob))
        .json(&json!({"action": "END_AND_CLOSE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(act.status().as_u16(), 200, "{}", act.text().await.unwrap());
    assert_eq!(hear(&mut socket).await["type"], "ended");
    drop(a);
    drop(b);
    db.cleanup().await;
}

/// The conversation of an item.
async fn reply_conversation(s: &Server, item: &str) -> String {
    let (_, item) = s.get(&format!("/api/v1/conversation-items/{item}")).await;
    item["conversationId"].as_str().unwrap().to_owned()
}

/// A chat entry point that names its sites refuses sockets from other pages.
#[tokio::test]
async fn only_the_entry_points_sites_may_open_its_chats() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &[]).await;
    let chat = s.entry_point("CHAT").await;
    let (status, body) = s
        .patch(
            &format!(
                "/api/v1/admin/entry-points/{}",
                chat["id"].as_str().unwrap()
            ),
            json!({"allowedOrigins": ["https://Shop.example/"]}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let url = format!(
        "{}/chat/ws?entryPoint=chat",
        s.base.replace("http://", "ws://")
    );
    let with_origin = |origin: &str| {
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        req
    };
    let refused = tokio_tungstenite::connect_async(with_origin("https://evil.example")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403)
        }
        other => panic!("a foreign page was let in: {other:?}"),
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(with_origin("https://shop.example"))
        .await
        .unwrap();
    say(&mut socket, json!({"type": "hello"})).await;
    assert_eq!(hear(&mut socket).await["type"], "welcome");
    assert!(s.stop().await.success());
}

/// One address may hold twenty chat sockets open; the next is refused.
#[tokio::test]
async fn an_address_holds_a_bounded_number_of_chat_sockets() {
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &[]).await;
    let mut open = Vec::new();
    for _ in 0..20 {
        open.push(connect(&s).await);
    }
    let url = format!(
        "{}/chat/ws?entryPoint=chat",
        s.base.replace("http://", "ws://")
    );
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429)
        }
        other => panic!("the 21st socket was let in: {other:?}"),
    }
    // Closing one frees its place.
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        if let Ok((socket, _)) = tokio_tungstenite::connect_async(url.as_str()).await {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a freed place is taken again");
    assert!(s.stop().await.success());
}

/// A chat entry point's pre-chat form: the widget reads it from /chat/config, and
/// the socket refuses a hello without what the form requires.
#[tokio::test]
async fn the_pre_chat_form_is_published_and_enforced() {
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &[]).await;
    let client = server::http_client();
    let config = |entry: &str| {
        client
            .get(format!("{}/chat/config?entryPoint={entry}", s.base))
            .send()
    };
    let none: Value = config("chat").await.unwrap().json().await.unwrap();
    assert_eq!(none, json!({"preChat": null}));
    assert_eq!(config("nowhere").await.unwrap().status().as_u16(), 404);
    let chat = s.entry_point("CHAT").await;
    let path = format!(
        "/api/v1/admin/entry-points/{}",
        chat["id"].as_str().unwrap()
    );
    let (status, body) = s
        .patch(
            &path,
            json!({"preChat": {"name": "optional", "email": "REQUIRED"}}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let form: Value = config("chat").await.unwrap().json().await.unwrap();
    assert_eq!(
        form,
        json!({"preChat": {"name": "OPTIONAL", "email": "REQUIRED"}})
    );

    let mut socket = connect(&s).await;
    say(
        &mut socket,
        json!({"type": "hello", "customer": {"name": "Eli"}}),
    )
    .await;
    let refused = hear(&mut socket).await;
    assert_eq!(refused["code"], "invalid", "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("email"),
        "{refused}"
    );
    let mut socket = connect(&s).await;
    say(
        &mut socket,
        json!({"type": "hello", "customer": {"emailAddress": "eli@customer.example"}}),
    )
    .await;
    assert_eq!(hear(&mut socket).await["type"], "welcome");
    assert!(s.stop().await.success());
}

/// End and No Reply Needed end the session as End & Close does: the customer's
/// socket hears `ended`.
#[tokio::test]
async fn end_and_no_reply_needed_end_the_customers_chat() {
    let client = server::http_client();
    // A fresh server each: after End, a routing delay holds the next push (R31).
    for (n, action) in ["END", "NO_REPLY_NEEDED"].into_iter().enumerate() {
        let dir = server::temp_dir();
        let s = Server::start(&dir, None, &[]).await;
        let alice = available_for_messaging(&s, &dir, None, "alice@example.com").await;
        let mut socket = connect(&s).await;
        say(
            &mut socket,
            json!({"type": "hello", "customer": {"emailAddress": format!("c{n}@customer.example")}}),
        )
        .await;
        assert_eq!(hear(&mut socket).await["type"], "welcome");
        say(
            &mut socket,
            json!({"type": "message", "clientId": "m", "content": "Hello"}),
        )
        .await;
        let echo = hear(&mut socket).await;
        let (_, item) = s
            .get(&format!(
                "/api/v1/conversation-items/{}",
                echo["id"].as_str().unwrap()
            ))
            .await;
        let conversation = item["conversationId"].as_str().unwrap().to_owned();
        // Routing pushes it to Alice (the first may still hold her capacity briefly).
        let mut assigned = false;
        for _ in 0..100 {
            let (_, now) = s
                .get(&format!("/api/v1/conversations/{conversation}"))
                .await;
            if now.get("agentId").is_some() {
                assigned = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(assigned, "{action}: the chat was not pushed to Alice");
        let act = client
            .post(format!(
                "{}/api/v1/conversations/{conversation}/actions",
                s.base
            ))
            .basic_auth("alice@example.com", Some(&alice))
            .json(&json!({"action": action, "confirmNoReply": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            act.status().as_u16(),
            200,
            "{action}: {}",
            act.text().await.unwrap()
        );
        let ended = hear(&mut socket).await;
        assert_eq!(
            (ended["type"].as_str(), ended["by"].as_str()),
            (Some("ended"), Some("agent")),
            "{action}: {ended}"
        );
        assert!(s.stop().await.success());
    }
}
