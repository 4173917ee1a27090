//! Webhooks against a real HTTP receiver on loopback: management rules, the PING,
//! signed deliveries from the event log, retries and disabling.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode};
use hearth_domain::Duration;
use serde_json::{Value, json};

use crate::each_backend_with_clock;

#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    answer: Arc<Mutex<u16>>,
}

impl Receiver {
    /// Starts a receiver on a port the OS picks; returns it and its URL.
    pub(crate) async fn start() -> (Receiver, String) {
        let receiver = Receiver {
            answer: Arc::new(Mutex::new(200)),
            ..Default::default()
        };
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state.got.lock().unwrap().push((
                        headers,
                        serde_json::from_str(&body).unwrap_or(Value::String(body)),
                    ));
                    StatusCode::from_u16(*state.answer.lock().unwrap()).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, format!("http://{addr}/hook"))
    }

    fn answer(&self, status: u16) {
        *self.answer.lock().unwrap() = status;
    }

    pub(crate) fn received(&self) -> Vec<(HeaderMap, Value)> {
        self.got.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn webhooks_follow_gladlys_rules_and_deliveries_are_signed() {
    each_backend_with_clock!(|api, clock| {
        let (receiver, url) = Receiver::start().await;
        let created = api
            .post("/api/v1/webhooks", json!({"name": "CRM", "url": url, "events": ["CONVERSATION/CREATED", "CONTACT/MESSAGE_RECEIVED"], "credentials": {"username": "crm", "password": "s3cret"}, "headers": {"X-Tenant": "acme"}}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["enabled"], false, "disabled unless enabled");
        let secret = created.body["signingSecret"].as_str().unwrap().to_owned();
        let id = created.body["id"].as_str().unwrap().to_owned();
        assert!(
            receiver.received().is_empty(),
            "no PING for a disabled webhook"
        );
        let read = api.get(&format!("/api/v1/webhooks/{id}")).await.body;
        assert!(
            read.get("signingSecret").is_none()
                && read.get("credentials").is_none()
                && read.get("headers").is_none(),
            "{read}"
        );
        assert_eq!(
            (read["hasCredentials"].as_bool(), read["headerKeys"].clone()),
            (Some(true), json!(["X-Tenant"]))
        );

        receiver.answer(500);
        let refused = api
            .patch(&format!("/api/v1/webhooks/{id}"), json!({"enabled": true}))
            .await;
        assert_eq!(
            refused.error().1.as_deref(),
            Some("url"),
            "a PING answered with 500 aborts the update"
        );
        assert_eq!(
            api.get(&format!("/api/v1/webhooks/{id}")).await.body["enabled"],
            false
        );
        receiver.answer(200);
        assert_eq!(
            api.patch(&format!("/api/v1/webhooks/{id}"), json!({"enabled": true}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let pings: Vec<_> = receiver
            .received()
            .into_iter()
            .filter(|(_, b)| b["type"] == "PING")
            .collect();
        assert_eq!(pings.len(), 2, "one PING per enabling attempt");

        let mail = api.email_from("hooked@example.com", "hello").await;
        assert!(api.app.fan_out_webhooks().await.unwrap() > 0);
        assert_eq!(api.app.send_due_webhooks().await.unwrap(), 2);
        let events: Vec<_> = receiver
            .received()
            .into_iter()
            .filter(|(_, b)| b["type"] != "PING")
            .collect();
        let types: Vec<&str> = events
            .iter()
            .map(|(_, b)| b["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["CONVERSATION/CREATED", "CONTACT/MESSAGE_RECEIVED"],
            "only subscribed types"
        );
        let (headers, body) = &events[0];
        assert_eq!(body["content"]["conversationId"], mail["conversationId"]);
        use base64::Engine as _;
        assert_eq!(
            headers["authorization"],
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("crm:s3cret")
            )
            .as_str()
        );
        assert_eq!(headers["x-tenant"], "acme");
        let sig = headers["hearth-signature"].to_str().unwrap();
        let t: i64 = sig
            .trim_start_matches("t=")
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            sig,
            hearth_app::service::webhooks::signature(&secret, t, &body.to_string()),
            "the signature covers t and the exact body"
        );
        let log = api
            .get(&format!("/api/v1/webhooks/{id}/deliveries"))
            .await
            .body;
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .all(|d| d["status"] == "DELIVERED"),
            "{log}"
        );

        // Management rules.
        assert_eq!(
            api.call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), None)
                .await
                .error()
                .2
                .as_deref(),
            Some("in_use"),
            "disable first"
        );
        let dup = api
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["TASK/CREATED"]}),
            )
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
        assert_eq!(
            api.post(
                "/api/v1/webhooks",
                json!({"url": "https://x.example.com/h", "events": ["NOPE/NOPE"]})
            )
            .await
            .error()
            .1
            .as_deref(),
            Some("events")
        );
        assert_eq!(
            api.post(
                "/api/v1/webhooks",
                json!({"url": "https://x.example.com/h", "events": []})
            )
            .await
            .error()
            .0,
            "blank"
        );
        for i in 0..19 {
            assert_eq!(api.post("/api/v1/webhooks", json!({"url": format!("https://h{i}.example.com/x"), "events": ["TASK/CREATED"]})).await.status, StatusCode::CREATED);
        }
        let over = api
            .post(
                "/api/v1/webhooks",
                json!({"url": "https://one-too-many.example.com/x", "events": ["TASK/CREATED"]}),
            )
            .await;
        assert_eq!(
            over.error().2.as_deref(),
            Some("in_use"),
            "at most 20 webhooks"
        );
        let _ = clock;
    });
}

#[tokio::test]
async fn a_failing_receiver_is_retried_on_schedule_then_its_webhook_is_disabled() {
    each_backend_with_clock!(|api, clock| {
        let (receiver, url) = Receiver::start().await;
        let created = api
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["CONVERSATION/CREATED"], "enabled": true}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        receiver.answer(503);
        api.email_from("retry@example.com", "hi").await;
        api.app.fan_out_webhooks().await.unwrap();
        assert_eq!(api.app.send_due_webhooks().await.unwrap(), 1);
        // Gladly's schedule: 30 s, 5 min, 30 min, 1 h; then the webhook is disabled.
        for (pause, tries) in [(29, 0), (1, 1), (300, 1), (1800, 1), (3600, 1)] {
            clock.advance(Duration::seconds(pause));
            assert_eq!(
                api.app.send_due_webhooks().await.unwrap(),
                tries,
                "after {pause} s"
            );
        }
        let attempts = receiver
            .received()
            .iter()
            .filter(|(_, b)| b["type"] == "CONVERSATION/CREATED")
            .count();
        assert_eq!(attempts, 5, "the first try and four retries");
        let hook = api.get(&format!("/api/v1/webhooks/{id}")).await.body;
        assert_eq!(hook["enabled"], false);
        assert!(hook["disabledAtDueToRetryLimit"].is_string(), "{hook}");
        let log = api
            .get(&format!("/api/v1/webhooks/{id}/deliveries"))
            .await
            .body;
        assert_eq!(
            (
                log[0]["status"].as_str(),
                log[0]["attempts"].as_i64(),
                log[0]["lastStatusCode"].as_i64()
            ),
            (Some("FAILED"), Some(5), Some(503))
        );
        assert_eq!(
            api.call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
    });
}

/// DESIGN section 3: events and export never return deleted data. Every table of
/// the database (read from its catalogue, so a table added later is searched too)
/// is searched for the customer's name, address and words after erasure; a table
/// that keeps customer data and that erasure does not cover fails this test.
#[tokio::test]
async fn erasure_leaves_no_trace_of_the_customer_in_any_table() {
    each_backend_with_clock!(|api, clock| {
        let (_receiver, url) = Receiver::start().await;
        let hook = api
            .post(
                "/api/v1/webhooks",
                json!({"name": "CRM", "url": url, "enabled": true, "events": [
                    "CONVERSATION/CREATED", "CONTACT/MESSAGE_RECEIVED", "CONVERSATION/CLOSED",
                    "CUSTOMER_PROFILE/CREATED", "CUSTOMER_PROFILE/UPDATED", "TASK/CREATED"
                ]}),
            )
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
        let start = hearth_app::codec::fmt_ts(api.app.now() - time::Duration::seconds(1));

        let mail = api
            .inbound(json!({
                "channel": "EMAIL",
                "entryPoint": "support@example.com",
                "from": {"address": "zelda.quasimodo@example.com", "name": "Zelda Quasimodo"},
                "content": {"subject": "Xylophone order", "content": "My xylophone never came."}
            }))
            .await;
        let customer = mail["customerId"].as_str().unwrap().to_owned();
        let conv = mail["conversationId"].as_str().unwrap().to_owned();
        let item = mail["itemId"].as_str().unwrap().to_owned();
        let reply = api
            .post(
                &format!("/api/v1/conversation-items/{item}/reply"),
                json!({"content": {"type": "EMAIL", "body": "Your xylophone ships today."}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        api.post(
            &format!("/api/v1/conversations/{conv}/notes"),
            json!({"content": {"body": "Xylophone customer, be kind"}}),
        )
        .await;
        let inbox = api.get("/api/v1/inboxes").await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let task = api
            .post(
                &format!("/api/v1/customers/{customer}/tasks"),
                json!({"assignee": {"inboxId": inbox}, "body": "Check the xylophone tracking",
                       "dueAt": hearth_app::codec::fmt_ts(api.app.now() + time::Duration::days(1))}),
            )
            .await;
        assert_eq!(task.status, StatusCode::CREATED, "{}", task.body);
        api.patch(
            &format!("/api/v1/tasks/{}", task.body["id"].as_str().unwrap()),
            json!({"status": "CLOSED"}),
        )
        .await;
        api.patch(
            &format!("/api/v1/conversations/{conv}"),
            json!({"status": {"value": "CLOSED", "force": true}}),
        )
        .await;
        assert!(api.app.fan_out_webhooks().await.unwrap() > 0);
        assert!(api.app.send_due_webhooks().await.unwrap() > 0);
        clock.advance(Duration::seconds(1));
        let job = api
            .post("/api/v1/export/jobs", json!({"startAt": start}))
            .await;
        assert_eq!(job.body["status"], "COMPLETED", "{}", job.body);

        let words = ["Quasimodo", "zelda.quasimodo", "xylophone"];
        for word in words {
            assert!(
                !api.db.tables_containing(word).await.is_empty(),
                "before erasure the story left '{word}' somewhere (else this test proves nothing)"
            );
        }
        let erased = api
            .call(
                Method::DELETE,
                &format!("/api/v1/customer-profiles/{customer}"),
                None,
            )
            .await;
        assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);
        for word in words {
            assert_eq!(
                api.db.tables_containing(word).await,
                Vec::<String>::new(),
                "'{word}' is still stored after erasure ({})",
                api.db.name
            );
        }
    });
}

/// A loopback listener that counts the connections it gets.
async fn counting_listener() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, count)
}

/// Without `HEARTH_WEBHOOKS_ALLOW_INSECURE`, nothing reaches this machine: not at
/// registration, however the address is written, and not at delivery, when a name
/// leads to a local address only then (the sender's resolver drops it before any
/// connection is made). The only traffic is to a loopback listener that must see
/// none of it.
#[tokio::test]
async fn webhooks_never_reach_this_machine_unless_allowed() {
    use hearth_app::ports::WebhookSender;
    use hearth_http::outbound::ReqwestSender;

    let (port, connections) = counting_listener().await;
    let strict = ReqwestSender::new(false).expect("client");
    for url in [
        format!("https://localhost.:{port}/hook"),
        format!("https://localhost:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("https://[::ffff:127.0.0.1]:{port}/hook"),
        format!("https://2130706433:{port}/hook"),
        format!("https://0x7f000001:{port}/hook"),
        format!("https://0:{port}/hook"),
        format!("https://127.0.0.1:{port}/hook"),
    ] {
        let sent = strict
            .post(
                &url,
                None,
                Vec::new(),
                "{}".into(),
                std::time::Duration::from_secs(5),
            )
            .await;
        let why = sent.expect_err(&url);
        // A name the resolver found only local addresses for says so; an address
        // in the URL is refused before any lookup.
        if url.starts_with("https://localhost:") {
            assert!(
                why.contains("resolves only to local addresses"),
                "{url}: {why}"
            );
        }
        if url.contains("//127.0.0.1") || url.contains("0x7f") || url.contains("2130706433") {
            assert!(why.contains("127.0.0.1 is loopback"), "{url}: {why}");
        }
    }
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
    // The sender resolves names for the registration check.
    let addresses = strict.addresses("localhost", 443).await.expect("resolves");
    assert!(addresses.iter().all(|ip| ip.is_loopback()), "{addresses:?}");

    // The same sender allowed local targets does connect.
    let lax = ReqwestSender::new(true).expect("client");
    let _ = lax
        .post(
            &format!("http://127.0.0.1:{port}/hook"),
            None,
            Vec::new(),
            "{}".into(),
            std::time::Duration::from_secs(5),
        )
        .await;
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Registration through the API, on an application that does not allow local
    // targets: a name that resolves to this machine is refused with 400 `invalid`.
    let db = hearth_store_tests::sqlite().await;
    let app = hearth_app::App::new(db.store.clone(), Arc::new(hearth_app::SystemClock))
        .with_webhooks(
            Arc::new(strict),
            hearth_app::service::webhooks::WebhookPolicy {
                allow_insecure: false,
            },
        );
    let admin = app
        .start(true)
        .await
        .expect("demo organization")
        .admin_token
        .expect("token");
    let state = hearth_http::AppState::new(app, 1 << 20);
    let router = hearth_http::router(state);
    for url in [
        format!("https://localhost.:{port}/hook"),
        "https://[::ffff:7f00:1]/hook".to_owned(),
        "https://169.254.169.254/latest".to_owned(),
        "https://user@10.0.0.1/hook".to_owned(),
    ] {
        let request = axum::http::Request::post("/api/v1/webhooks")
            .header("content-type", "application/json")
            .header(
                "authorization",
                format!(
                    "Basic {}",
                    base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        format!("admin@example.com:{admin}")
                    )
                ),
            )
            .body(axum::body::Body::from(
                json!({"url": url, "events": ["CONVERSATION_CLOSED"], "enabled": false})
                    .to_string(),
            ))
            .unwrap();
        let response = tower::ServiceExt::oneshot(router.clone(), request)
            .await
            .unwrap();
        let status = response.status();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(body["errors"][0]["code"], "invalid", "{url}: {body}");
        assert_eq!(body["errors"][0]["attr"], "url", "{url}: {body}");
    }
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A secret is rotated without a receiver missing a delivery: for the overlap the
/// signature header carries one `v1` for the new secret and one for the old, then
/// only the new one.
#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_old_one_for_the_overlap() {
    use hearth_app::service::webhooks::signature;
    each_backend_with_clock!(|api, clock| {
        let (receiver, url) = Receiver::start().await;
        let created = api
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["CONVERSATION/CREATED"], "enabled": true}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let old = created.body["signingSecret"].as_str().unwrap().to_owned();
        let id = created.body["id"].as_str().unwrap().to_owned();

        let bad = api
            .post(
                &format!("/api/v1/webhooks/{id}/rotate-secret"),
                json!({"previousSecretValidSeconds": -1}),
            )
            .await;
        assert_eq!(bad.error().1.as_deref(), Some("previousSecretValidSeconds"));
        let rotated = api
            .post(
                &format!("/api/v1/webhooks/{id}/rotate-secret"),
                json!({"previousSecretValidSeconds": 3600}),
            )
            .await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
        let new = rotated.body["signingSecret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(
            api.get(&format!("/api/v1/webhooks/{id}"))
                .await
                .body
                .get("signingSecret")
                .is_none(),
            "shown once"
        );

        // Within the hour: both signatures, the new one first.
        let signed_with = |n: usize| {
            let got = receiver.received();
            let (headers, body) = got
                .iter()
                .filter(|(_, b)| b["type"] != "PING")
                .nth(n)
                .cloned()
                .expect("a delivery");
            let sig = headers["hearth-signature"].to_str().unwrap().to_owned();
            let t: i64 = sig[2..].split(',').next().unwrap().parse().unwrap();
            (sig, t, body.to_string())
        };
        api.email_from("rotated-1@example.com", "hello").await;
        api.app.fan_out_webhooks().await.unwrap();
        api.app.send_due_webhooks().await.unwrap();
        let (sig, t, body) = signed_with(0);
        let v1 = |secret: &str| {
            signature(secret, t, &body)
                .split_once(",v1=")
                .unwrap()
                .1
                .to_owned()
        };
        assert_eq!(sig, format!("t={t},v1={},v1={}", v1(&new), v1(&old)));

        // After the hour: only the new one.
        clock.advance(time::Duration::hours(2));
        api.email_from("rotated-2@example.com", "hello").await;
        api.app.fan_out_webhooks().await.unwrap();
        api.app.send_due_webhooks().await.unwrap();
        let (sig, t, body) = signed_with(1);
        assert_eq!(sig, signature(&new, t, &body));
    });
}
