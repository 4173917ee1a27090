//! Persisted timers on a manual clock: offer timeouts, routing delays and the
//! same-agent limit, fired explicitly (as the binary's scheduler does) and surviving
//! a restart of the application.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use hearth_app::App;
use hearth_domain::Duration;
use serde_json::json;

use crate::each_backend_with_clock;

async fn set_available(api: &crate::harness::Api, auth: &str, groups: &[&str]) {
    let r = api
        .call_as(
            auth,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({"availableFor": groups})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn an_unanswered_offer_times_out_and_goes_to_the_next_agent() {
    each_backend_with_clock!(|api, clock| {
        let alice = api.login("alice@example.com").await;
        let bob = api.login("bob@example.com").await;
        set_available(&api, &alice, &["VOICE"]).await;
        clock.advance(Duration::seconds(5));
        set_available(&api, &bob, &["VOICE"]).await;
        let call = api.inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550188"}})).await;
        let offers = api
            .call_as(&alice, Method::GET, "/api/v1/offers", None)
            .await
            .body;
        assert_eq!(
            offers.as_array().map(Vec::len),
            Some(1),
            "alice, idle longest, is offered the call"
        );
        assert_eq!(
            api.app.fire_due_timers().await.unwrap(),
            0,
            "nothing is due yet"
        );

        clock.advance(Duration::seconds(45));
        assert_eq!(api.app.fire_due_timers().await.unwrap(), 1);
        assert!(
            api.call_as(&alice, Method::GET, "/api/v1/offers", None)
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );
        let bob_offers = api
            .call_as(&bob, Method::GET, "/api/v1/offers", None)
            .await
            .body;
        assert_eq!(
            bob_offers[0]["conversationId"], call["conversationId"],
            "the missed call rings bob"
        );
        let decisions = api
            .get(&format!(
                "/api/v1/conversations/{}/routing",
                call["conversationId"].as_str().unwrap()
            ))
            .await
            .body;
        let outcomes: Vec<&str> = decisions
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["OFFERED", "OFFER_MISSED", "OFFERED"]);
    });
}

#[tokio::test]
async fn a_silent_chat_session_ends_after_the_same_agent_limit_and_frees_capacity() {
    each_backend_with_clock!(|api, clock| {
        let alice = api.login("alice@example.com").await;
        set_available(&api, &alice, &["MESSAGING"]).await;
        let c1 = api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "v1"}, "sessionId": "s1", "content": {"content": "hi"}})).await;
        let c2 = api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "v2"}, "sessionId": "s2", "content": {"content": "hi"}})).await;
        let c3 = api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "v3"}, "sessionId": "s3", "content": {"content": "hi"}})).await;
        let conv = |c: &serde_json::Value| {
            format!(
                "/api/v1/conversations/{}",
                c["conversationId"].as_str().unwrap()
            )
        };
        assert_eq!(
            api.get(&conv(&c3)).await.body["queueState"],
            "NEW",
            "alice is at standard capacity"
        );
        api.post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                c1["itemId"].as_str().unwrap()
            ),
            json!({"content": {"type": "CHAT_MESSAGE", "body": "hello"}}),
        )
        .await;

        clock.advance(Duration::minutes(14));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(
            api.get(&conv(&c1)).await.body["status"],
            "OPEN",
            "not silent long enough yet"
        );
        clock.advance(Duration::minutes(1));
        assert_eq!(
            api.app.fire_due_timers().await.unwrap(),
            1,
            "the answered session auto-ends after 15 silent minutes"
        );
        let first = api.get(&conv(&c1)).await.body;
        assert_eq!(
            first["status"], "WAITING",
            "auto-ending never closes (T9): {first}"
        );
        assert_eq!(
            api.get(&conv(&c2)).await.body["status"],
            "OPEN",
            "a customer still waiting for an answer is not silent"
        );
        // The freed capacity is given after the next-message delay (15 s).
        assert_eq!(api.get(&conv(&c3)).await.body["queueState"], "NEW");
        clock.advance(Duration::seconds(15));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(
            api.get(&conv(&c3)).await.body["queueState"],
            "ASSIGNED",
            "the waiting chat is pushed when the delay ends"
        );
    });
}

#[tokio::test]
async fn an_answered_email_goes_waiting_when_the_same_agent_limit_expires() {
    each_backend_with_clock!(|api, clock| {
        let created = api.email_from("jane@example.com", "hi").await;
        api.post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                created["itemId"].as_str().unwrap()
            ),
            json!({"content": {"type": "EMAIL", "body": "hello"}}),
        )
        .await;
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        assert_eq!(api.get(&path).await.body["status"], "OPEN");
        clock.advance(Duration::minutes(15));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(api.get(&path).await.body["status"], "WAITING", "T8");
    });
}

#[tokio::test]
async fn timers_and_routing_survive_a_restart() {
    each_backend_with_clock!(|api, clock| {
        let alice = api.login("alice@example.com").await;
        let bob = api.login("bob@example.com").await;
        set_available(&api, &alice, &["VOICE"]).await;
        clock.advance(Duration::seconds(5));
        set_available(&api, &bob, &["VOICE"]).await;
        let call = api.inbound(json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550177"}})).await;
        // A new application over the same database: its routing state is rebuilt
        // from the routing log, and the persisted offer timer still fires.
        let restarted = App::new(
            api.db.store.clone(),
            clock.clone() as Arc<dyn hearth_app::Clock>,
        );
        assert_eq!(
            restarted.next_timer_due().await.unwrap(),
            Some(clock.now_for_tests() + Duration::seconds(45))
        );
        clock.advance(Duration::seconds(45));
        assert_eq!(restarted.fire_due_timers().await.unwrap(), 1);
        let bob_offers = api
            .call_as(&bob, Method::GET, "/api/v1/offers", None)
            .await
            .body;
        assert_eq!(bob_offers[0]["conversationId"], call["conversationId"]);
    });
}

#[tokio::test]
async fn an_idle_agent_goes_away_when_the_organization_sets_a_time_until_away() {
    each_backend_with_clock!(|api, clock| {
        let alice = api.login("alice@example.com").await;
        set_available(&api, &alice, &["MESSAGING"]).await;
        clock.advance(Duration::hours(1));
        api.app.fire_due_timers().await.unwrap();
        let me = api
            .call_as(&alice, Method::GET, "/api/v1/me/availability", None)
            .await
            .body;
        assert_eq!(me["away"], false, "automatic Away is off by default");

        api.call(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(json!({"timeUntilAwaySeconds": 300})),
        )
        .await;
        set_available(&api, &alice, &["MESSAGING"]).await;
        clock.advance(Duration::seconds(200));
        api.call_as(&alice, Method::GET, "/api/v1/me", None).await;
        clock.advance(Duration::seconds(200));
        api.app.fire_due_timers().await.unwrap();
        assert_eq!(
            api.call_as(&alice, Method::GET, "/api/v1/me/availability", None)
                .await
                .body["away"],
            false,
            "activity postponed it"
        );
        clock.advance(Duration::seconds(301));
        api.app.fire_due_timers().await.unwrap();
        let me = api
            .call_as(&alice, Method::GET, "/api/v1/me/availability", None)
            .await
            .body;
        assert_eq!(
            (me["away"].as_bool(), me["availableFor"].clone()),
            (Some(true), json!(["MESSAGING"])),
            "idle: Away, availability kept"
        );
        let chat = api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "v-idle"}, "sessionId": "s", "content": {"content": "hi"}})).await;
        assert_eq!(
            api.get(&format!(
                "/api/v1/conversations/{}",
                chat["conversationId"].as_str().unwrap()
            ))
            .await
            .body["queueState"],
            "NEW",
            "no routing while Away"
        );
    });
}
