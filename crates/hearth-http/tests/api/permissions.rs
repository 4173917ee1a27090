//! Who may act on which work, as a table: caller (a person, a supervisor outside
//! the inbox, an integration user, the administrator) × where the work is (another
//! agent's in the caller's inbox, nobody's in it, nobody's in an inbox the caller
//! does not belong to) × endpoint family (reply, note, topics, message, close,
//! assign, the agent actions, task update and comment, the organization-wide
//! feeds). Each row runs on fresh work, through the HTTP API, on every backend.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::{Api, Reply};

/// Where the work lies, seen from Alice (a member of Support only).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    /// In Support, assigned to Bob.
    Others,
    /// In Support, assigned to nobody.
    Nobodys,
    /// In Billing (Alice is not a member), assigned to nobody.
    Elsewhere,
}

#[derive(Debug, Clone, Copy)]
enum Family {
    Reply,
    Note,
    Topics,
    Message,
    Close,
    AssignToSelf,
    Action,
    TaskUpdate,
    TaskComment,
    TaskCommentAsBob,
}

struct World {
    support: String,
    billing: String,
    bob: String,
    topic: String,
    /// (name, authorization, agent id)
    callers: Vec<(&'static str, String, String)>,
}

async fn world(api: &Api) -> World {
    let inboxes = api.get("/api/v1/admin/inboxes").await.body;
    let support = inboxes[0]["id"].as_str().unwrap().to_owned();
    let billing = api
        .post(
            "/api/v1/admin/inboxes",
            json!({"name": "Billing", "slaSeconds": 3600}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let topic = api
        .post("/api/v1/topics", json!({"name": "Refund"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Closing without topics is allowed here: the rows test permissions only.
    let r = api
        .patch("/api/v1/admin/settings", json!({"requireTopic": false}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    for (name, email, roles, inboxes) in [
        (
            "Sue",
            "sue@example.com",
            json!(["SUPERVISOR", "AGENT", "API_USER"]),
            json!([billing]),
        ),
        // Like Gladly's bots, a member of the inbox it works in.
        (
            "Bot",
            "bot@example.com",
            json!(["API_USER"]),
            json!([support]),
        ),
    ] {
        let r = api
            .post(
                "/api/v1/admin/agents",
                json!({"name": name, "emailAddress": email, "roles": roles, "inboxIds": inboxes}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mut callers = Vec::new();
    for (name, email) in [
        ("Alice (agent)", "alice@example.com"),
        ("Sue (supervisor, not in Support)", "sue@example.com"),
        ("Bot (integration user)", "bot@example.com"),
        ("Admin", "admin@example.com"),
    ] {
        callers.push((
            name,
            api.login(email).await,
            api.id_of("agent", email).await,
        ));
    }
    World {
        support,
        billing,
        bob: api.id_of("agent", "bob@example.com").await,
        topic,
        callers,
    }
}

/// A fresh email conversation at `place`: its id and the customer's item id.
async fn conversation_at(api: &Api, w: &World, n: usize, place: Place) -> (String, String) {
    let created = api
        .email_from(&format!("row{n}@example.com"), "Where is my refund?")
        .await;
    let id = created["conversationId"].as_str().unwrap().to_owned();
    let item = created["itemId"].as_str().unwrap().to_owned();
    let assignee = match place {
        Place::Others => json!({"inboxId": w.support, "agentId": w.bob}),
        Place::Nobodys => json!({"inboxId": w.support, "agentId": null}),
        Place::Elsewhere => json!({"inboxId": w.billing, "agentId": null}),
    };
    let r = api
        .patch(
            &format!("/api/v1/conversations/{id}"),
            json!({"assignee": assignee}),
        )
        .await;
    assert!(
        r.status.is_success(),
        "placing the conversation: {}",
        r.body
    );
    (id, item)
}

/// A fresh task at `place`.
async fn task_at(api: &Api, w: &World, n: usize, place: Place) -> String {
    let (inbox, agent) = match place {
        Place::Others => (&w.support, json!(w.bob)),
        Place::Nobodys => (&w.support, Value::Null),
        Place::Elsewhere => (&w.billing, Value::Null),
    };
    let due = hearth_app::codec::fmt_ts(api.app.now() + time::Duration::days(1));
    let r = api
        .post(
            "/api/v1/tasks",
            json!({"assignee": {"inboxId": inbox, "agentId": agent}, "body": "Call back", "dueAt": due, "customer": {"emailAddress": format!("task{n}@example.com")}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn attempt(
    api: &Api,
    w: &World,
    n: usize,
    (auth, me): (&str, &str),
    place: Place,
    family: Family,
) -> Reply {
    let call = |method: Method, path: String, body: Value| async move {
        api.call_as(auth, method, &path, Some(body)).await
    };
    match family {
        Family::TaskUpdate | Family::TaskComment | Family::TaskCommentAsBob => {
            let task = task_at(api, w, n, place).await;
            return match family {
                Family::TaskUpdate => {
                    call(
                        Method::PATCH,
                        format!("/api/v1/tasks/{task}"),
                        json!({"status": "CLOSED"}),
                    )
                    .await
                }
                Family::TaskComment => {
                    call(
                        Method::POST,
                        format!("/api/v1/tasks/{task}/comments"),
                        json!({"agentId": me, "comment": "Left a voicemail"}),
                    )
                    .await
                }
                _ => {
                    call(
                        Method::POST,
                        format!("/api/v1/tasks/{task}/comments"),
                        json!({"agentId": w.bob, "comment": "As Bob"}),
                    )
                    .await
                }
            };
        }
        _ => {}
    }
    let (id, item) = conversation_at(api, w, n, place).await;
    let inbox = if place == Place::Elsewhere {
        &w.billing
    } else {
        &w.support
    };
    match family {
        Family::Reply => {
            call(
                Method::POST,
                format!("/api/v1/conversation-items/{item}/reply"),
                json!({"content": {"type": "EMAIL", "body": "On its way."}}),
            )
            .await
        }
        Family::Note => {
            call(
                Method::POST,
                format!("/api/v1/conversations/{id}/notes"),
                json!({"content": {"body": "Checked the courier."}}),
            )
            .await
        }
        Family::Topics => {
            call(
                Method::POST,
                format!("/api/v1/conversations/{id}/topics"),
                json!({"topicIds": [w.topic]}),
            )
            .await
        }
        Family::Message => call(
            Method::POST,
            format!("/api/v1/conversations/{id}/messages"),
            json!({"content": {"type": "EMAIL", "subject": "Your refund", "body": "Sent today."}}),
        )
        .await,
        Family::Close => {
            call(
                Method::PATCH,
                format!("/api/v1/conversations/{id}"),
                json!({"status": {"value": "CLOSED", "force": true}}),
            )
            .await
        }
        Family::AssignToSelf => {
            call(
                Method::PATCH,
                format!("/api/v1/conversations/{id}"),
                json!({"assignee": {"inboxId": inbox, "agentId": me}}),
            )
            .await
        }
        Family::Action => {
            call(
                Method::POST,
                format!("/api/v1/conversations/{id}/actions"),
                json!({"action": "CLOSE", "confirmNoReply": true}),
            )
            .await
        }
        Family::TaskUpdate | Family::TaskComment | Family::TaskCommentAsBob => unreachable!(),
    }
}

#[tokio::test]
async fn a_person_acts_only_in_their_inboxes_and_on_work_that_is_theirs_or_nobodys() {
    use Family::*;
    use Place::*;
    each_backend!(|api| {
        let w = world(&api).await;
        // (caller index, place, family, allowed)
        let rows: Vec<(usize, Place, Family, bool)> = vec![
            // Alice outside her inboxes: nothing.
            (0, Elsewhere, Reply, false),
            (0, Elsewhere, Note, false),
            (0, Elsewhere, Topics, false),
            (0, Elsewhere, Message, false),
            (0, Elsewhere, Close, false),
            (0, Elsewhere, AssignToSelf, false),
            (0, Elsewhere, TaskUpdate, false),
            (0, Elsewhere, TaskComment, false),
            // Bob's work in her inbox: she may annotate it, not answer or take it.
            (0, Others, Reply, false),
            (0, Others, Note, true),
            (0, Others, Topics, true),
            (0, Others, Message, false),
            (0, Others, Close, false),
            (0, Others, AssignToSelf, false),
            (0, Others, TaskUpdate, false),
            (0, Others, TaskComment, true),
            (0, Others, TaskCommentAsBob, false),
            // Nobody's work in her inbox: hers to take.
            (0, Nobodys, Reply, true),
            (0, Nobodys, Message, true),
            (0, Nobodys, Close, true),
            (0, Nobodys, AssignToSelf, true),
            (0, Nobodys, TaskUpdate, true),
            // A supervisor outside the inbox may do all of it.
            (1, Elsewhere, Reply, true),
            (1, Others, Reply, true),
            (1, Others, Close, true),
            (1, Others, TaskUpdate, true),
            (1, Others, TaskCommentAsBob, true),
            // An integration user acts for the organization (Gladly's bot flow:
            // take nobody's conversation, answer it).
            (2, Nobodys, AssignToSelf, true),
            (2, Nobodys, Reply, true),
            (2, Others, Close, true),
            (2, Elsewhere, TaskUpdate, true),
            // The administrator too.
            (3, Elsewhere, Reply, true),
            (3, Others, Close, true),
        ];
        let mut wrong = Vec::new();
        for (n, (who, place, family, allowed)) in rows.into_iter().enumerate() {
            let (name, auth, me) = &w.callers[who];
            let r = attempt(&api, &w, n, (auth, me), place, family).await;
            let ok = if allowed {
                r.status.is_success()
            } else {
                r.status == StatusCode::FORBIDDEN && r.body["errors"][0]["code"] == "forbidden"
            };
            if !ok {
                wrong.push(format!(
                    "{name}, {place:?}, {family:?}: expected {}, got {} {}",
                    if allowed { "success" } else { "403 forbidden" },
                    r.status,
                    r.body
                ));
            }
        }
        // The agent actions keep their own refusal for work that is not the
        // caller's (400 not_assignee) ahead of the inbox check.
        let (alice, me) = (&w.callers[0].1, &w.callers[0].2);
        for (n, place) in [(100, Elsewhere), (101, Others)] {
            let r = attempt(&api, &w, n, (alice, me), place, Action).await;
            if r.body["errors"][0]["meta"]["reason"] != "not_assignee" {
                wrong.push(format!(
                    "Alice, {place:?}, Action: got {} {}",
                    r.status, r.body
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "{} rows wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    });
}

#[tokio::test]
async fn event_feeds_exports_and_webhooks_are_for_administrators_and_integration_users() {
    each_backend!(|api| {
        let w = world(&api).await;
        let start = hearth_app::codec::fmt_ts(api.app.now() - time::Duration::hours(1));
        let paths = [
            format!("/api/v1/events?startAt={start}&entities=CONVERSATION"),
            "/api/v1/export/jobs".to_owned(),
            "/api/v1/export/schedules".to_owned(),
            "/api/v1/webhooks".to_owned(),
        ];
        for (name, auth, _) in &w.callers {
            let allowed = name.starts_with("Bot") || name.starts_with("Admin");
            for path in &paths {
                let r = api.call_as(auth, Method::GET, path, None).await;
                if allowed {
                    assert_eq!(r.status, StatusCode::OK, "{name} {path}: {}", r.body);
                } else {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{name} {path}: {}", r.body);
                    assert_eq!(r.body["errors"][0]["code"], "forbidden");
                }
            }
        }
    });
}
