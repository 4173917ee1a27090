//! The real `hearth` binary: first-start output, an inbound contact end to end over
//! HTTP, graceful shutdown on SIGTERM, `rebuild --verify`, token commands, restarts
//! and `--no-demo`, on SQLite and (when configured) PostgreSQL.

mod bench;
mod browser;
mod chat;
mod email;
mod flood;
mod imap;
mod server;

use serde_json::{Value, json};
use server::{Server, hearth};

fn token_line_ok(line: &str) -> Option<String> {
    let token = line.strip_prefix("API token for admin@example.com: ")?;
    (token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| token.to_owned())
}

/// A scripted mix of contacts on every channel, with replies, closes and reopens.
async fn scripted_mix(s: &Server) -> Vec<Value> {
    let mut created = Vec::new();
    let inbound = [
        json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "jane@example.com", "name": "Jane"}, "content": {"subject": "Order 1", "content": "Late?"}, "providerMessageId": "<m1@example.com>"}),
        json!({"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550111"}, "content": {"content": "hi"}}),
        json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "visitor-1"}, "sessionId": "s1", "content": {"content": "hello?"}}),
        json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550122"}}),
        json!({"channel": "VOICEMAIL", "entryPoint": "+12065550100", "from": {"address": "+12065550133"}, "content": {"recordingDuration": 31}}),
        json!({"channel": "WHATSAPP", "entryPoint": "+12065550100", "from": {"address": "+12065550144"}, "content": {"content": "ola"}}),
        json!({"channel": "FACEBOOK_MESSAGE", "entryPoint": "support", "from": {"address": "fb-user-1"}, "content": {"content": "hey"}}),
        json!({"channel": "INSTAGRAM_DIRECT", "entryPoint": "support", "from": {"address": "ig-user-1"}, "content": {"content": "hey"}}),
        json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "jane@example.com"}, "content": {"subject": "Order 1", "content": "Also..."}}),
    ];
    for body in inbound {
        let (status, value) = s.post("/api/v1/contacts/inbound", body).await;
        assert_eq!(status, 201, "{value}");
        created.push(value);
    }
    // Reply to the email and the SMS, end the call, close the chat without a reply.
    let (status, _) = s
        .post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                created[0]["itemId"].as_str().unwrap()
            ),
            json!({"content": {"type": "EMAIL", "body": "Shipping today"}}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = s
        .post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                created[1]["itemId"].as_str().unwrap()
            ),
            json!({"content": {"type": "SMS", "body": "hello"}}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = s
        .post(
            &format!(
                "/api/v1/contacts/{}/end",
                created[3]["contactId"].as_str().unwrap()
            ),
            json!({"reason": "CUSTOMER_ENDED"}),
        )
        .await;
    assert_eq!(status, 204);
    let chat = format!(
        "/api/v1/conversations/{}",
        created[2]["conversationId"].as_str().unwrap()
    );
    assert_eq!(
        s.patch(&chat, json!({"status": {"value": "CLOSED", "force": true}}))
            .await
            .0,
        204
    );
    assert_eq!(
        s.patch(&chat, json!({"status": {"value": "OPEN"}})).await.0,
        204
    );
    created
}

async fn first_start_and_end_to_end(database_url: Option<&str>) {
    let dir = server::temp_dir();
    let s = Server::start(&dir, database_url, &[]).await;
    let lines = &s.banner;
    assert!(
        lines[0].starts_with("Hearth ") && lines[0].contains(&format!("running at {}/", s.base)),
        "{lines:?}"
    );
    for email in ["admin@example.com", "alice@example.com", "bob@example.com"] {
        assert!(
            lines
                .iter()
                .any(|l| l.trim_start().starts_with(email) && l.contains("password: ")),
            "{email} login missing: {lines:?}"
        );
    }
    let token = token_line_ok(lines.last().unwrap())
        .expect("the last line is exactly the admin token line");
    assert_eq!(token, s.token);

    // An inbound contact answers with a new OPEN unassigned conversation whose items and
    // due date read back through the API.
    let created = scripted_mix(&s).await;
    let (status, conv) = s
        .get(&format!(
            "/api/v1/conversations/{}",
            created[5]["conversationId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (conv["status"].as_str(), conv["queueState"].as_str()),
        (Some("OPEN"), Some("NEW"))
    );
    assert!(
        conv.get("agentId").is_none() && conv.get("dueAt").is_some(),
        "{conv}"
    );
    let (_, items) = s
        .get(&format!(
            "/api/v1/conversations/{}/items",
            created[5]["conversationId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(items[0]["content"]["type"], "WHATSAPP");
    assert_eq!(s.get_status("/readyz").await, 200);

    let exit = s.stop().await;
    assert!(exit.success(), "SIGTERM ends the server cleanly: {exit:?}");

    let migrate = hearth(&["migrate"], &dir, database_url);
    assert!(
        migrate.status.success()
            && String::from_utf8_lossy(&migrate.stdout).contains("Migrations applied")
    );
    if database_url.is_none() {
        // A backup is a consistent, usable copy of the whole database.
        let copy = dir.join("backup.db");
        let backup = hearth(&["backup", "--to", copy.to_str().unwrap()], &dir, None);
        assert!(
            backup.status.success(),
            "{}",
            String::from_utf8_lossy(&backup.stderr)
        );
        let copy_url = format!("sqlite://{}", copy.display());
        let from_copy = hearth(&["rebuild", "--verify"], &dir, Some(&copy_url));
        assert!(
            String::from_utf8_lossy(&from_copy.stdout).contains("No differences"),
            "{}",
            String::from_utf8_lossy(&from_copy.stdout)
        );
    }
    let verify = hearth(&["rebuild", "--verify"], &dir, database_url);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(out.contains("No differences"), "{out}");
    assert!(
        out.contains("8 conversations"),
        "eight customers, eight conversations: {out}"
    );

    // A restart keeps the data and prints a fresh start-up token. On SQLite (one
    // instance per database) it revokes the old one; on PostgreSQL an instance on
    // another address is another instance, and the first one's token stays.
    let s2 = Server::start(&dir, database_url, &[]).await;
    assert!(
        s2.banner.iter().all(|l| !l.contains("password: ")),
        "passwords are printed only on first start"
    );
    assert!(token_line_ok(s2.banner.last().unwrap()).is_some());
    assert_ne!(s2.token, token);
    assert_eq!(
        s2.get_status_as(
            "/api/v1/customer-profiles?email=jane%40example.com",
            "admin@example.com",
            &token
        )
        .await,
        if database_url.is_some() { 200 } else { 401 }
    );
    let (status, found) = s2
        .get("/api/v1/customer-profiles?email=jane%40example.com")
        .await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().map(Vec::len), Some(1));

    // `hearth token create` prints only a token, which works for that agent.
    let created_token = hearth(
        &["token", "create", "--email", "alice@example.com"],
        &dir,
        database_url,
    );
    assert!(created_token.status.success());
    let alice = String::from_utf8_lossy(&created_token.stdout)
        .trim()
        .to_owned();
    assert_eq!(alice.len(), 43, "{alice:?}");
    assert_eq!(
        s2.get_status_as(
            "/api/v1/customer-profiles?email=x%40example.com",
            "alice@example.com",
            &alice
        )
        .await,
        200
    );
    let unknown = hearth(
        &["token", "create", "--email", "nobody@example.com"],
        &dir,
        database_url,
    );
    assert!(!unknown.status.success());
    assert!(s2.stop().await.success());
}

async fn no_demo_creates_only_the_admin(database_url: Option<&str>) {
    let dir = server::temp_dir();
    let s = Server::start(&dir, database_url, &["--no-demo"]).await;
    assert!(
        s.banner
            .iter()
            .any(|l| l.contains("admin@example.com") && l.contains("password: ")),
        "{:?}",
        s.banner
    );
    assert!(!s.banner.iter().any(|l| l.contains("alice@example.com")));
    assert!(token_line_ok(s.banner.last().unwrap()).is_some());
    let (status, err) = s
        .post("/api/v1/contacts/inbound", json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "a@example.com"}}))
        .await;
    assert_eq!(status, 400, "no demo entry points exist: {err}");
    assert_eq!(err["errors"][0]["attr"], "entryPoint");
    assert!(s.stop().await.success());
}

#[tokio::test]
async fn sqlite_first_start_serves_an_inbound_contact_end_to_end() {
    first_start_and_end_to_end(None).await;
}

#[tokio::test]
async fn sqlite_no_demo_creates_only_the_admin() {
    no_demo_creates_only_the_admin(None).await;
}

#[tokio::test]
async fn postgres_first_start_serves_an_inbound_contact_end_to_end() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    first_start_and_end_to_end(Some(&db.url)).await;
    db.cleanup().await;
}

#[tokio::test]
async fn postgres_no_demo_creates_only_the_admin() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    no_demo_creates_only_the_admin(Some(&db.url)).await;
    db.cleanup().await;
}

/// Two `hearth serve` processes on one PostgreSQL database: agents on both press
/// Next concurrently over a shared queue; no conversation is handed to two agents.
#[tokio::test]
async fn postgres_two_instances_never_assign_a_conversation_twice() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    let dir_a = server::temp_dir();
    let dir_b = server::temp_dir();
    let mut a = Server::start(&dir_a, Some(&db.url), &[]).await;
    let b = Server::start(&dir_b, Some(&db.url), &[]).await;
    // The second start revoked the first start-up token; both share the newest.
    a.token = b.token.clone();

    // Tokens for alice and bob, who work on different instances.
    let token = |email: &str| {
        let out = hearth(
            &["token", "create", "--email", email],
            &dir_a,
            Some(&db.url),
        );
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let agents = [
        ("alice@example.com", token("alice@example.com")),
        ("bob@example.com", token("bob@example.com")),
        ("admin@example.com", token("admin@example.com")),
    ];

    const EMAILS: usize = 30;
    for i in 0..EMAILS {
        let (status, body) = a
            .post("/api/v1/contacts/inbound", json!({"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": format!("c{i}@example.com")}, "content": {"subject": "s", "content": "x"}}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    for (i, (email, token)) in agents.iter().enumerate() {
        let server = if i % 2 == 0 { &a } else { &b };
        let status = server
            .put_as(
                "/api/v1/me/availability",
                email,
                token,
                json!({"availableFor": ["MAIL"]}),
            )
            .await
            .0;
        assert_eq!(status, 200);
    }

    // Each agent keeps pressing Next on its instance, marking what it got as seen
    // so that Next pulls new work, until nothing is left.
    let mut tasks = Vec::new();
    for (i, (email, token)) in agents.iter().enumerate() {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (email, token) = (email.to_string(), token.clone());
        tasks.push(tokio::spawn(async move {
            let client = server::http_client();
            let mut got = Vec::new();
            loop {
                let resp = client
                    .post(format!("{base}/api/v1/me/next"))
                    .basic_auth(&email, Some(&token))
                    .json(&json!({"source": "AVAILABILITY_BAR"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200);
                let body: Value = resp.json().await.unwrap();
                let Some(id) = body["next"]["id"].as_str().map(str::to_owned) else {
                    break;
                };
                let seen = client
                    .get(format!("{base}/api/v1/conversations/{id}/items"))
                    .basic_auth(&email, Some(&token))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(seen.status().as_u16(), 200);
                got.push(id);
            }
            (email, got)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        let (email, got) = t.await.unwrap();
        assert!(!got.is_empty(), "{email} got work");
        all.extend(got.into_iter().map(|id| (id, email.clone())));
    }
    let mut ids: Vec<&String> = all.iter().map(|(id, _)| id).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(
        ids.len(),
        before,
        "a conversation was handed out twice: {all:?}"
    );
    assert_eq!(
        ids.len(),
        EMAILS,
        "every conversation was handed out exactly once"
    );
    // And the stored assignee is the agent who received it.
    for (id, email) in &all {
        let (_, conv) = a.get(&format!("/api/v1/conversations/{id}")).await;
        let (_, me) = a
            .get_as(
                "/api/v1/me",
                email,
                &agents.iter().find(|(e, _)| e == email).unwrap().1,
            )
            .await;
        assert_eq!(conv["agentId"], me["id"], "{id}");
    }
    assert!(a.stop().await.success());
    assert!(b.stop().await.success());
    db.cleanup().await;
}
