//! Tasks: the Gladly endpoints, their refusals, and tasks routed like mail (R57).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::each_backend;
use crate::harness::Api;

fn in_days(api: &Api, days: i64) -> String {
    hearth_app::codec::fmt_ts(api.app.now() + time::Duration::days(days))
}

async fn inbox(api: &Api) -> String {
    api.call(Method::GET, "/api/v1/admin/inboxes", None)
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn tasks_are_created_read_updated_and_commented() {
    each_backend!(|api| {
        let inbox = inbox(&api).await;
        let body = json!({"id": "task-1", "assignee": {"inboxId": inbox, "agentId": null}, "body": "Call back about the refund", "dueAt": in_days(&api, 1), "customer": {"emailAddress": "ann@example.com"}});
        let created = api.post("/api/v1/tasks", body.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.headers["location"], "/api/v1/tasks/task-1");
        assert_eq!(
            api.post("/api/v1/tasks", body).await.status,
            StatusCode::CONFLICT,
            "a reused id is taken"
        );
        let task = api.get("/api/v1/tasks/task-1").await.body;
        assert_eq!(
            (task["status"].as_str(), task["body"].as_str()),
            (Some("OPEN"), Some("Call back about the refund"))
        );
        assert_eq!(task["assignee"], json!({"inboxId": inbox}));
        assert_eq!(task["createdBy"]["type"], "API");
        let customer = task["customerId"].as_str().unwrap().to_owned();
        assert_eq!(
            api.get("/api/v1/customer-profiles?email=ann%40example.com")
                .await
                .body[0]["id"],
            json!(customer),
            "the customer was created"
        );

        for (body, code, attr) in [
            (
                json!({"assignee": {"inboxId": inbox}, "body": "x", "dueAt": "2001-01-01T00:00:00Z", "customer": {"emailAddress": "a@example.com"}}),
                "invalid",
                "dueAt",
            ),
            (
                json!({"assignee": {"inboxId": inbox}, "body": " ", "dueAt": in_days(&api, 1), "customer": {"emailAddress": "a@example.com"}}),
                "blank",
                "body",
            ),
            (
                json!({"assignee": {"inboxId": "nope"}, "body": "x", "dueAt": in_days(&api, 1), "customer": {"emailAddress": "a@example.com"}}),
                "invalid",
                "assignee.inboxId",
            ),
            (
                json!({"assignee": {"inboxId": inbox}, "body": "x", "dueAt": in_days(&api, 1), "customer": {}}),
                "blank",
                "customer",
            ),
            (
                json!({"assignee": {"inboxId": inbox}, "body": "x".repeat(10_001), "dueAt": in_days(&api, 1), "customer": {"emailAddress": "a@example.com"}}),
                "too_long",
                "body",
            ),
            (
                json!({"body": "x", "dueAt": in_days(&api, 1), "customer": {"mobilePhone": "+12065550123"}}),
                "blank",
                "assignee",
            ),
        ] {
            let r = api.post("/api/v1/tasks", body.clone()).await;
            assert_eq!(
                r.error(),
                (code.to_owned(), Some(attr.to_owned()), None),
                "{body}"
            );
        }

        let alice = api.id_of("agent", "alice@example.com").await;
        let comment = api
            .post(
                "/api/v1/tasks/task-1/comments",
                json!({"agentId": alice, "comment": "Left a voicemail"}),
            )
            .await;
        assert_eq!(comment.status, StatusCode::CREATED, "{}", comment.body);
        let location = comment.headers["location"].to_str().unwrap().to_owned();
        assert_eq!(api.get(&location).await.body["comment"], "Left a voicemail");
        assert_eq!(
            api.patch("/api/v1/tasks/task-1", json!({"status": "CLOSED"}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let refused = api
            .post(
                "/api/v1/tasks/task-1/comments",
                json!({"agentId": alice, "comment": "late"}),
            )
            .await;
        assert_eq!(
            refused.error().2.as_deref(),
            Some("task_closed"),
            "closed tasks take no comments"
        );
        assert_eq!(
            api.get(&format!("/api/v1/customers/{customer}/tasks?status=OPEN"))
                .await
                .body,
            json!([])
        );
        api.patch(
            "/api/v1/tasks/task-1",
            json!({"status": "OPEN", "body": "Call back again", "dueAt": in_days(&api, 1)}),
        )
        .await;
        let listed = api
            .get(&format!("/api/v1/customers/{customer}/tasks?status=OPEN"))
            .await
            .body;
        assert_eq!(listed[0]["body"], "Call back again");
        assert_eq!(
            api.get("/api/v1/tasks/task-1/comments")
                .await
                .body
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(
            api.patch("/api/v1/tasks/task-1", json!({"status": "DONE"}))
                .await
                .error()
                .1
                .as_deref(),
            Some("status")
        );
        assert_eq!(
            api.get("/api/v1/tasks/nope").await.status,
            StatusCode::NOT_FOUND
        );

        let events = {
            let mut tx = api.db.store.read().await.unwrap();
            tx.events_page(0, 1000).await.unwrap()
        };
        let kinds: Vec<&str> = events
            .iter()
            .filter(|e| e.event.aggregate_type == "task")
            .map(|e| e.event.event_type.as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "TASK/CREATED",
                "TASK/COMMENT_ADDED",
                "TASK/CLOSED",
                "TASK/CONTENT_UPDATED",
                "TASK/DUE_DATE_UPDATED",
                "TASK/REOPENED"
            ]
        );
        let report = api.app.verify_projections().await.unwrap();
        assert!(
            report.differences.is_empty() && report.tasks == 1,
            "{report:?}"
        );
    });
}

#[tokio::test]
async fn tasks_are_routed_like_mail_and_appear_in_my_customers() {
    each_backend!(|api| {
        let inbox = inbox(&api).await;
        let make = |id: &str, days: i64| json!({"id": id, "assignee": {"inboxId": inbox}, "body": "Follow up", "dueAt": in_days(&api, days), "customer": {"mobilePhone": "+12065550170"}});
        api.post("/api/v1/tasks", make("later", 3)).await;
        api.post("/api/v1/tasks", make("sooner", 1)).await;
        let alice = api.login("alice@example.com").await;
        let put = api
            .call_as(
                &alice,
                Method::PUT,
                "/api/v1/me/availability",
                Some(json!({"availableFor": ["TASK"]})),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK);
        let alice_id = api.id_of("agent", "alice@example.com").await;
        assert_eq!(
            api.get("/api/v1/tasks/sooner").await.body["assignee"]["agentId"],
            json!(alice_id),
            "one task is pushed, the earliest due (R57)"
        );
        let lines = api
            .call_as(&alice, Method::GET, "/api/v1/me/customers", None)
            .await
            .body;
        assert_eq!(
            (
                lines[0]["type"].as_str(),
                lines[0]["id"].as_str(),
                lines[0]["unseen"].as_bool()
            ),
            (Some("TASK"), Some("sooner"), Some(true))
        );
        api.call_as(&alice, Method::GET, "/api/v1/tasks/sooner", None)
            .await;
        let next = api
            .call_as(
                &alice,
                Method::POST,
                "/api/v1/me/next",
                Some(json!({"source": "AVAILABILITY_BAR"})),
            )
            .await
            .body;
        assert_eq!(
            (next["next"]["type"].as_str(), next["next"]["id"].as_str()),
            (Some("TASK"), Some("later"))
        );
        assert!(
            next["next"]["customerId"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        );
        // Closing a task releases it from My Customers.
        api.patch("/api/v1/tasks/sooner", json!({"status": "CLOSED"}))
            .await;
        let ids: Vec<Value> = api
            .call_as(&alice, Method::GET, "/api/v1/me/customers", None)
            .await
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].clone())
            .collect();
        assert_eq!(ids, [json!("later")]);
    });
}
