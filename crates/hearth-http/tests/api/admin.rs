//! Administration: collections, validation, uniqueness, versions, tokens, role
//! checks, and the routing effects of configuration.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::{Api, Reply};

async fn admin(api: &Api, method: Method, path: &str, body: Option<Value>) -> Reply {
    api.call(method, &format!("/api/v1/admin/{path}"), body)
        .await
}

pub(crate) async fn with_if_match(
    api: &Api,
    method: Method,
    path: &str,
    etag: &str,
    body: Value,
) -> Reply {
    let req = axum::http::Request::builder()
        .method(method)
        .uri(format!("/api/v1/admin/{path}"))
        .header("authorization", api.auth_header())
        .header("if-match", etag)
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(api.router.clone(), req)
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    Reply {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn inboxes_entry_points_teams_and_business_hours_follow_the_collection_contract() {
    each_backend!(|api| {
        let created = admin(
            &api,
            Method::POST,
            "inboxes",
            Some(
                json!({"name": "Billing", "slaSeconds": 7200, "routing": {"acceptDecline": true}}),
            ),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        assert_eq!(
            created.headers["location"],
            format!("/api/v1/admin/inboxes/{id}").as_str()
        );
        assert_eq!(created.headers["etag"], "\"1\"");
        assert_eq!(created.body["routing"]["acceptDecline"], true);
        assert_eq!(
            created.body["routing"]["offerTimeoutSeconds"], 45,
            "defaults fill what was not given"
        );
        assert!(created.body.get("createdAt").is_some() && created.body.get("updatedAt").is_some());

        let patched = admin(
            &api,
            Method::PATCH,
            &format!("inboxes/{id}"),
            Some(json!({"routing": {"offerTimeoutSeconds": 20}})),
        )
        .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(
            (
                patched.body["routing"]["offerTimeoutSeconds"].as_i64(),
                patched.body["routing"]["acceptDecline"].as_bool()
            ),
            (Some(20), Some(true)),
            "PATCH is partial, nested too"
        );
        assert_eq!(patched.headers["etag"], "\"2\"");
        let stale = with_if_match(
            &api,
            Method::PATCH,
            &format!("inboxes/{id}"),
            "\"1\"",
            json!({"name": "X"}),
        )
        .await;
        assert_eq!(
            (stale.status, stale.body["errors"][0]["code"].as_str()),
            (StatusCode::PRECONDITION_FAILED, Some("version_outdated"))
        );
        let fresh = with_if_match(
            &api,
            Method::PATCH,
            &format!("inboxes/{id}"),
            "\"2\"",
            json!({"name": "Billing & Refunds"}),
        )
        .await;
        assert_eq!(fresh.status, StatusCode::OK);

        for (body, code, attr) in [
            (json!({"name": "No SLA"}), "blank", "slaSeconds"),
            (
                json!({"name": "Bad", "slaSeconds": "soon"}),
                "not_a_number",
                "slaSeconds",
            ),
            (
                json!({"name": "Bad", "slaSeconds": 60, "routing": {"offerTimeoutSeconds": 0}}),
                "invalid",
                "routing.offerTimeoutSeconds",
            ),
            (
                json!({"name": "Bad", "slaSeconds": 60, "routing": {"nextMessageDelaySeconds": -1}}),
                "invalid",
                "routing.nextMessageDelaySeconds",
            ),
            (
                json!({"name": "Bad", "slaSeconds": 60, "routing": {"selection": "RANDOM"}}),
                "invalid",
                "routing.selection",
            ),
            (json!({"name": " ", "slaSeconds": 60}), "blank", "name"),
        ] {
            let r = admin(&api, Method::POST, "inboxes", Some(body.clone())).await;
            assert_eq!(
                r.error(),
                (code.to_owned(), Some(attr.to_owned()), None),
                "{body}"
            );
        }

        let ep = admin(&api, Method::POST, "entry-points", Some(json!({"channel": "EMAIL", "address": "Billing@Example.com", "inboxId": id, "slaSeconds": 600}))).await;
        assert_eq!(ep.status, StatusCode::CREATED, "{}", ep.body);
        assert_eq!(ep.body["address"], "billing@example.com");
        let dup = admin(
            &api,
            Method::POST,
            "entry-points",
            Some(json!({"channel": "EMAIL", "address": "billing@example.com", "inboxId": id})),
        )
        .await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
        assert_eq!(dup.error().0, "taken");
        assert_eq!(
            dup.body["errors"][0]["meta"]["id"], ep.body["id"],
            "meta names the holder"
        );
        let ghost = admin(
            &api,
            Method::POST,
            "entry-points",
            Some(json!({"channel": "SMS", "address": "+12065550199", "inboxId": "nope"})),
        )
        .await;
        assert_eq!(ghost.error().1.as_deref(), Some("inboxId"));
        let in_use = admin(&api, Method::DELETE, &format!("inboxes/{id}"), None).await;
        assert_eq!(in_use.error().2.as_deref(), Some("in_use"));

        // Mail to the new entry point lands in the new inbox with its own SLA.
        let mail = api.inbound(json!({"channel": "EMAIL", "entryPoint": "billing@example.com", "from": {"address": "payer@example.com"}, "content": {"content": "refund?"}})).await;
        let conv = api
            .get(&format!(
                "/api/v1/conversations/{}",
                mail["conversationId"].as_str().unwrap()
            ))
            .await
            .body;
        assert_eq!(conv["inboxId"], json!(id));

        let team = admin(&api, Method::POST, "teams", Some(json!({"name": "Tier 1", "agentIds": [api.id_of("agent", "alice@example.com").await]}))).await;
        assert_eq!(team.status, StatusCode::CREATED);
        let bad_team = admin(
            &api,
            Method::POST,
            "teams",
            Some(json!({"name": "Ghosts", "agentIds": ["nobody"]})),
        )
        .await;
        assert_eq!(bad_team.error().1.as_deref(), Some("agentIds"));

        let hours = admin(&api, Method::POST, "business-hours", Some(json!({"name": "Office", "timeZone": "Europe/Berlin", "weekly": [{"day": "MONDAY", "start": "09:00", "end": "17:30"}], "holidays": ["2030-12-25"]}))).await;
        assert_eq!(hours.status, StatusCode::CREATED, "{}", hours.body);
        // A night shift runs past midnight; a date may have hours of its own.
        let nights = admin(&api, Method::POST, "business-hours", Some(json!({"name": "Nights", "timeZone": "America/New_York", "weekly": [{"day": "MONDAY", "start": "22:00", "end": "06:00"}, {"day": "TUESDAY", "start": "20:00", "end": "24:00"}], "exceptions": [{"date": "2030-12-24", "hours": [{"start": "09:00", "end": "12:00"}]}, {"date": "2030-12-31", "hours": []}]}))).await;
        assert_eq!(nights.status, StatusCode::CREATED, "{}", nights.body);
        assert_eq!(nights.body["exceptions"][0]["hours"][0]["end"], "12:00");
        let week = json!([{"day": "MONDAY", "start": "09:00", "end": "17:00"}]);
        for (body, attr) in [
            (
                json!({"name": "X", "timeZone": "Mars/Olympus", "weekly": week}),
                "timeZone",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": []}),
                "weekly",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": [{"day": "FUNDAY", "start": "09:00", "end": "10:00"}]}),
                "weekly.day",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": [{"day": "MONDAY", "start": "09:00", "end": "17:00"}, {"day": "MONDAY", "start": "16:00", "end": "18:00"}]}),
                "weekly",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": [{"day": "SUNDAY", "start": "22:00", "end": "10:00"}, {"day": "MONDAY", "start": "09:00", "end": "17:00"}]}),
                "weekly",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": [{"day": "MONDAY", "start": "9:60", "end": "17:00"}]}),
                "weekly.start",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": week, "holidays": ["25/12/2030"]}),
                "holidays",
            ),
            (
                json!({"name": "X", "timeZone": "UTC", "weekly": week, "exceptions": [{"date": "2030-12-24", "hours": [{"start": "12:00", "end": "09:00"}]}]}),
                "exceptions",
            ),
        ] {
            let r = admin(&api, Method::POST, "business-hours", Some(body.clone())).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(r.error().1.as_deref(), Some(attr), "{body}: {}", r.body);
        }
        let list = admin(&api, Method::GET, "inboxes", None).await.body;
        assert_eq!(list.as_array().map(Vec::len), Some(2));
        assert_eq!(
            admin(&api, Method::GET, "parrots", None).await.status,
            StatusCode::NOT_FOUND
        );
        let team_id = team.body["id"].as_str().unwrap();
        assert_eq!(
            admin(&api, Method::DELETE, &format!("teams/{team_id}"), None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            admin(&api, Method::GET, &format!("teams/{team_id}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    });
}

#[tokio::test]
async fn agents_their_tokens_and_deactivation() {
    each_backend!(|api| {
        let inbox = admin(&api, Method::GET, "inboxes", None).await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let carol = admin(&api, Method::POST, "agents", Some(json!({"name": "Carol", "emailAddress": "carol@example.com", "password": "correct horse", "roles": ["AGENT", "API_USER"], "inboxIds": [inbox], "messagingCapacity": {"standard": 1, "maximum": 2}}))).await;
        assert_eq!(carol.status, StatusCode::CREATED, "{}", carol.body);
        assert!(
            carol.body.get("passwordHash").is_none() && carol.body.get("password").is_none(),
            "secrets never leave"
        );
        let carol_id = carol.body["id"].as_str().unwrap().to_owned();
        let dup = admin(
            &api,
            Method::POST,
            "agents",
            Some(json!({"name": "Other", "emailAddress": "CAROL@example.com", "roles": ["AGENT"]})),
        )
        .await;
        assert_eq!(
            (dup.status, dup.error().1.as_deref()),
            (StatusCode::CONFLICT, Some("emailAddress"))
        );
        for (body, attr) in [
            (
                json!({"name": "X", "emailAddress": "x@example.com", "roles": ["AGENT"], "messagingCapacity": {"standard": 3, "maximum": 2}}),
                "messagingCapacity.maximum",
            ),
            (
                json!({"name": "X", "emailAddress": "x@example.com", "roles": ["KING"]}),
                "roles",
            ),
            (
                json!({"name": "X", "emailAddress": "x@example.com", "roles": []}),
                "roles",
            ),
            (
                json!({"name": "X", "emailAddress": "not-an-email", "roles": ["AGENT"]}),
                "emailAddress",
            ),
            (
                json!({"name": "X", "emailAddress": "x@example.com", "roles": ["AGENT"], "password": "short"}),
                "password",
            ),
        ] {
            assert_eq!(
                admin(&api, Method::POST, "agents", Some(body.clone()))
                    .await
                    .error()
                    .1
                    .as_deref(),
                Some(attr),
                "{body}"
            );
        }

        let token = admin(
            &api,
            Method::POST,
            &format!("agents/{carol_id}/api-tokens"),
            Some(json!({})),
        )
        .await;
        assert_eq!(token.status, StatusCode::CREATED);
        let secret = token.body["token"].as_str().unwrap().to_owned();
        assert_eq!(secret.len(), 43);
        use base64::Engine as _;
        let carol_auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("carol@example.com:{secret}"))
        );
        assert_eq!(
            api.call_as(&carol_auth, Method::GET, "/api/v1/me", None)
                .await
                .status,
            StatusCode::OK
        );
        let listed = admin(
            &api,
            Method::GET,
            &format!("agents/{carol_id}/api-tokens"),
            None,
        )
        .await
        .body;
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert!(listed[0].get("token").is_none(), "listing shows no secret");

        // Carol takes a chat, then is disabled: tokens revoked, work back to the queue.
        let put = api
            .call_as(
                &carol_auth,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["MESSAGING"]})),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK);
        let chat = api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "v-c"}, "sessionId": "s-c", "content": {"content": "hi"}})).await;
        let path = format!(
            "/api/v1/conversations/{}",
            chat["conversationId"].as_str().unwrap()
        );
        assert_eq!(api.get(&path).await.body["agentId"], json!(carol_id));
        let disabled = admin(
            &api,
            Method::PATCH,
            &format!("agents/{carol_id}"),
            Some(json!({"disabled": true})),
        )
        .await;
        assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
        assert_eq!(
            api.call_as(&carol_auth, Method::GET, "/api/v1/me", None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let conv = api.get(&path).await.body;
        assert!(conv.get("agentId").is_none(), "{conv}");
        assert_eq!(conv["queueState"], "NEW", "re-routed");
        let decisions = api.get(&format!("{path}/routing")).await.body;
        assert!(decisions.as_array().unwrap().len() >= 2);

        let revoke_missing = admin(
            &api,
            Method::DELETE,
            &format!("agents/{carol_id}/api-tokens/nope"),
            None,
        )
        .await;
        assert_eq!(revoke_missing.status, StatusCode::NOT_FOUND);
        let me = api.id_of("agent", "admin@example.com").await;
        assert_eq!(
            admin(&api, Method::DELETE, &format!("agents/{me}"), None)
                .await
                .error()
                .2
                .as_deref(),
            Some("in_use")
        );
    });
}

#[tokio::test]
async fn only_admins_administer_and_settings_are_validated() {
    each_backend!(|api| {
        let alice = api.login("alice@example.com").await;
        for (method, path) in [
            (Method::GET, "agents"),
            (Method::POST, "inboxes"),
            (Method::GET, "settings"),
        ] {
            let r = api
                .call_as(
                    &alice,
                    method.clone(),
                    &format!("/api/v1/admin/{path}"),
                    Some(json!({})),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path}");
        }
        let settings = admin(&api, Method::GET, "settings", None).await;
        assert_eq!(settings.body["reopenWindowSeconds"], 86400);
        assert_eq!(settings.body["requireTopic"], false);
        let r = admin(
            &api,
            Method::PATCH,
            "settings",
            Some(json!({"requireTopic": true, "reopenWindowSeconds": 3600})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            (
                r.body["requireTopic"].as_bool(),
                r.body["reopenWindowSeconds"].as_i64(),
                r.body["eventRetentionDays"].as_i64()
            ),
            (Some(true), Some(3600), Some(14))
        );
        for (body, attr) in [
            (
                json!({"reopenWindowSeconds": 31 * 86400}),
                "reopenWindowSeconds",
            ),
            (json!({"eventRetentionDays": 0}), "eventRetentionDays"),
            (json!({"maxMessageBytes": 10}), "maxMessageBytes"),
            (json!({"chatRejoinSeconds": "x"}), "chatRejoinSeconds"),
        ] {
            assert_eq!(
                admin(&api, Method::PATCH, "settings", Some(body.clone()))
                    .await
                    .error()
                    .1
                    .as_deref(),
                Some(attr),
                "{body}"
            );
        }
        // requireTopic now guards closing (R32).
        let created = api.email_from("jane@example.com", "hi").await;
        let path = format!(
            "/api/v1/conversations/{}",
            created["conversationId"].as_str().unwrap()
        );
        let refused = api
            .patch(&path, json!({"status": {"value": "CLOSED", "force": true}}))
            .await;
        assert_eq!(refused.error().2.as_deref(), Some("topics_required"));
    });
}

#[tokio::test]
async fn turning_on_accept_decline_makes_chats_offers() {
    each_backend!(|api| {
        let inbox = admin(&api, Method::GET, "inboxes", None).await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = admin(
            &api,
            Method::PATCH,
            &format!("inboxes/{inbox}"),
            Some(json!({"routing": {"acceptDecline": true}})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let alice = api.login("alice@example.com").await;
        api.call_as(
            &alice,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({"availableFor": ["MESSAGING"]})),
        )
        .await;
        let chat = api.inbound(json!({"channel": "CHAT", "entryPoint": "chat", "from": {"address": "v-o"}, "sessionId": "s-o", "content": {"content": "hi"}})).await;
        let offers = api
            .call_as(&alice, Method::GET, "/api/v1/offers", None)
            .await
            .body;
        assert_eq!(offers[0]["conversationId"], chat["conversationId"]);
        let declined = api
            .call_as(
                &alice,
                Method::POST,
                &format!(
                    "/api/v1/offers/{}/decline",
                    offers[0]["id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(declined.status, StatusCode::NO_CONTENT);
        let conv = api
            .get(&format!(
                "/api/v1/conversations/{}",
                chat["conversationId"].as_str().unwrap()
            ))
            .await
            .body;
        assert_eq!(
            conv["queueState"], "NEW",
            "a declined chat goes back to the queue"
        );
    });
}

/// An EMAIL entry point's IMAP mailbox: checked, its password write-only and kept
/// when a change leaves it out; other channels have none.
#[tokio::test]
async fn an_email_entry_points_imap_mailbox_keeps_its_password_out_of_sight() {
    each_backend!(|api| {
        let inbox = admin(&api, Method::GET, "inboxes", None).await.body[0]["id"].clone();
        let chat = admin(
            &api,
            Method::POST,
            "entry-points",
            Some(
                json!({"channel": "CHAT", "address": "web", "inboxId": inbox,
                "imap": {"url": "imap://127.0.0.1", "username": "u"}}),
            ),
        )
        .await;
        assert_eq!(chat.status, StatusCode::BAD_REQUEST, "{}", chat.body);
        assert_eq!(chat.body["errors"][0]["attr"], "imap");
        for (imap, attr) in [
            (
                json!({"url": "pop3://mail.example.com", "username": "u"}),
                "imap.url",
            ),
            (
                json!({"url": "imap://mail.example.com:0", "username": "u"}),
                "imap.url",
            ),
            (json!({"url": "imap://mail.example.com"}), "imap.username"),
            (
                json!({"url": "imaps://mail.example.com", "username": "u", "pollSeconds": 0}),
                "imap.pollSeconds",
            ),
        ] {
            let bad = admin(
                &api,
                Method::POST,
                "entry-points",
                Some(json!({"channel": "EMAIL", "address": "help@example.com", "inboxId": inbox, "imap": imap})),
            )
            .await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{imap}: {}", bad.body);
            assert_eq!(bad.body["errors"][0]["attr"], attr, "{}", bad.body);
        }
        let made = admin(
            &api,
            Method::POST,
            "entry-points",
            Some(json!({"channel": "EMAIL", "address": "help@example.com", "inboxId": inbox,
                "imap": {"url": "imaps://mail.example.com", "username": "help", "password": "s3cret"}})),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert!(!made.body.to_string().contains("s3cret"), "{}", made.body);
        assert_eq!(made.body["imap"]["passwordSet"], true);
        assert_eq!(made.body["imap"]["mailbox"], "INBOX");
        assert_eq!(made.body["imap"]["pollSeconds"], 60);
        let path = format!("entry-points/{}", made.body["id"].as_str().unwrap());
        let changed = admin(
            &api,
            Method::PATCH,
            &path,
            Some(json!({"imap": {"url": "imaps://mail.example.com", "username": "help", "mailbox": "Support"}})),
        )
        .await;
        assert!(changed.status.is_success(), "{}", changed.body);
        let shown = admin(&api, Method::GET, &path, None).await.body;
        assert_eq!(shown["imap"]["mailbox"], "Support");
        assert_eq!(
            shown["imap"]["passwordSet"], true,
            "left out, the password stays"
        );
        let listed = admin(&api, Method::GET, "entry-points", None).await.body;
        assert!(!listed.to_string().contains("s3cret"), "{listed}");
        let mailboxes = api.app.imap_mailboxes().await.unwrap();
        assert_eq!(mailboxes.len(), 1);
        assert_eq!(
            (
                mailboxes[0].password.as_str(),
                mailboxes[0].mailbox.as_str()
            ),
            ("s3cret", "Support")
        );
    });
}

/// A chat entry point's allowed origins are origins; other channels have none.
#[tokio::test]
async fn chat_entry_points_name_their_sites_as_origins() {
    each_backend!(|api| {
        let inbox = admin(&api, Method::GET, "inboxes", None).await.body[0]["id"].clone();
        for (body, attr) in [
            (
                json!({"channel": "CHAT", "address": "web", "inboxId": inbox, "allowedOrigins": ["shop.example"]}),
                "allowedOrigins",
            ),
            (
                json!({"channel": "CHAT", "address": "web", "inboxId": inbox, "allowedOrigins": "https://shop.example"}),
                "allowedOrigins",
            ),
            (
                json!({"channel": "EMAIL", "address": "x@example.com", "inboxId": inbox, "allowedOrigins": ["https://shop.example"]}),
                "allowedOrigins",
            ),
        ] {
            let bad = admin(&api, Method::POST, "entry-points", Some(body.clone())).await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}: {}", bad.body);
            assert_eq!(bad.body["errors"][0]["attr"], attr, "{}", bad.body);
        }
        let made = admin(
            &api,
            Method::POST,
            "entry-points",
            Some(
                json!({"channel": "CHAT", "address": "web", "inboxId": inbox,
                "allowedOrigins": ["https://Shop.example/", "http://localhost:3000"]}),
            ),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(
            made.body["allowedOrigins"],
            json!(["https://shop.example", "http://localhost:3000"])
        );
        assert_eq!(
            api.app.chat_origins("web").await.unwrap(),
            Some(vec![
                "https://shop.example".to_owned(),
                "http://localhost:3000".to_owned()
            ])
        );
        assert_eq!(api.app.chat_origins("nowhere").await.unwrap(), None);
    });
}

/// The pre-chat form belongs to chat entry points and names each field's rule.
#[tokio::test]
async fn a_chat_entry_points_pre_chat_form_is_checked() {
    each_backend!(|api| {
        let inbox = admin(&api, Method::GET, "inboxes", None).await.body[0]["id"].clone();
        for (body, attr) in [
            (
                json!({"channel": "EMAIL", "address": "y@example.com", "inboxId": inbox, "preChat": {"name": "REQUIRED"}}),
                "preChat",
            ),
            (
                json!({"channel": "CHAT", "address": "web2", "inboxId": inbox, "preChat": {"email": "MAYBE"}}),
                "preChat.email",
            ),
        ] {
            let bad = admin(&api, Method::POST, "entry-points", Some(body.clone())).await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}: {}", bad.body);
            assert_eq!(bad.body["errors"][0]["attr"], attr, "{}", bad.body);
        }
        let made = admin(
            &api,
            Method::POST,
            "entry-points",
            Some(json!({"channel": "CHAT", "address": "web2", "inboxId": inbox, "preChat": {"name": "required"}})),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(
            made.body["preChat"],
            json!({"name": "REQUIRED", "email": "OFF"})
        );
        let nameless = api.app.open_chat("web2", None, None).await;
        assert!(nameless.is_err(), "the name is required");
        assert!(api.app.open_chat("web2", Some("Kai"), None).await.is_ok());
    });
}

/// A start that stopped after creating the organization but before printing its
/// logins loses nothing: until the logins are recorded as shown, every start gives
/// them new passwords and returns them. And an instance's start replaces only its
/// own start-up token, not the one another instance printed.
#[tokio::test]
async fn starts_show_unshown_logins_again_and_keep_other_instances_tokens() {
    crate::each_backend!(|api| {
        // The harness started the organization and never showed its logins.
        let again = api.app.start_as(true, "host/10.0.0.1:8080").await.unwrap();
        let emails: Vec<&str> = again.created.iter().map(|l| l.email.as_str()).collect();
        assert_eq!(
            emails,
            ["admin@example.com", "alice@example.com", "bob@example.com"]
        );
        for login in &again.created {
            assert!(
                api.app.login(&login.email, &login.password).await.is_ok(),
                "{}'s new password opens a session",
                login.email
            );
        }
        api.app.first_start_shown().await.unwrap();
        let one = api.app.start_as(true, "host/10.0.0.1:8080").await.unwrap();
        assert!(one.created.is_empty(), "shown once, not again");
        let one_token = one.admin_token.unwrap();

        let two = api.app.start_as(true, "host/10.0.0.2:8080").await.unwrap();
        let two_token = two.admin_token.unwrap();
        assert!(
            api.app
                .authenticate("admin@example.com", &one_token)
                .await
                .is_ok(),
            "another instance's start leaves the first one's token"
        );
        let one_again = api.app.start_as(true, "host/10.0.0.1:8080").await.unwrap();
        assert!(
            api.app
                .authenticate("admin@example.com", &one_token)
                .await
                .is_err(),
            "the instance's own restart replaces its token"
        );
        for token in [two_token, one_again.admin_token.unwrap()] {
            assert!(
                api.app
                    .authenticate("admin@example.com", &token)
                    .await
                    .is_ok()
            );
        }
    });
}
