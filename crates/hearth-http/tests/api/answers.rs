//! Answers as Gladly's `add-and-update-answers` example drives them: create,
//! a duplicate name answered with the existing answer's id, update, texts per
//! language and use with their HTML made safe, audiences, delete.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::each_backend;

#[tokio::test]
async fn answers_are_created_updated_given_texts_and_deleted_like_gladlys_example() {
    each_backend!(|api| {
        let audience = api
            .post("/api/v1/admin/audiences", json!({"name": "Customers"}))
            .await;
        assert_eq!(audience.status, StatusCode::CREATED, "{}", audience.body);
        let audience_id = audience.body["id"].as_str().unwrap().to_owned();
        assert_eq!(
            api.get("/api/v1/audiences").await.body,
            json!([{"id": audience_id, "name": "Customers"}])
        );

        let created = api
            .post(
                "/api/v1/answers",
                json!({"name": "Return policy", "description": "How returns work", "audienceIds": [audience_id]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        assert_eq!(created.body["audienceIds"], json!([audience_id]));
        assert!(created.body["createdAt"].is_string());

        // The example looks for the existing answer's id in the error's meta.
        let again = api
            .post("/api/v1/answers", json!({"name": "RETURN POLICY"}))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(
            again.body["errors"][0]["meta"]["existingAnswerId"],
            json!(id)
        );
        assert_eq!(again.error().1.as_deref(), Some("name"));

        let path = format!("/api/v1/answers/{id}");
        let changed = api
            .patch(&path, json!({"description": "Thirty days, no questions"}))
            .await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.body);
        let read = api.get(&path).await.body;
        assert_eq!(read["description"], "Thirty days, no questions");
        assert_eq!(read["name"], "Return policy");

        let public = format!("{path}/languages/en-us/type/public");
        let put = api
            .call(
                Method::PUT,
                &public,
                Some(json!({"title": "Returns", "bodyHtml": "<p onclick=\"steal()\">Send it back within <b>30 days</b>.</p><script>alert(1)</script>"})),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(
            put.body["bodyHtml"], "<p>Send it back within <b>30 days</b>.</p>",
            "scripts and handlers are never stored"
        );
        assert_eq!(put.body["title"], "Returns");
        assert_eq!(api.get(&public).await.body, put.body);
        let email = api
            .call(
                Method::PUT,
                &format!("{path}/languages/en-us/type/email"),
                Some(
                    json!({"subject": "Your return", "bodyHtml": "Hi {{customer.firstName}}, ..."}),
                ),
            )
            .await;
        assert_eq!(email.body["subject"], "Your return", "{}", email.body);

        // Refusals name their field.
        for (path, body, attr) in [
            (
                format!("{path}/languages/english/type/public"),
                json!({"title": "x", "bodyHtml": "x"}),
                "language",
            ),
            (
                format!("{path}/languages/en-us/type/sms"),
                json!({"bodyHtml": "x"}),
                "type",
            ),
            (public.clone(), json!({"bodyHtml": "x"}), "title"),
            (
                public.clone(),
                json!({"title": "x", "bodyHtml": "<script>only</script>"}),
                "bodyHtml",
            ),
        ] {
            let r = api.call(Method::PUT, &path, Some(body)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
            assert_eq!(r.error().1.as_deref(), Some(attr), "{path}: {}", r.body);
        }
        let r = api
            .post(
                "/api/v1/answers",
                json!({"name": "x", "audienceIds": ["nobody"]}),
            )
            .await;
        assert_eq!(r.error().1.as_deref(), Some("audienceIds"));
        let r = api
            .post("/api/v1/answers", json!({"name": "x", "nmae": "y"}))
            .await;
        assert_eq!(r.error().1.as_deref(), Some("nmae"));

        // An audience in use stays.
        let r = api
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/audiences/{audience_id}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

        assert_eq!(
            api.call(Method::DELETE, &public, None).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(api.get(&public).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            api.call(Method::DELETE, &path, None).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(api.get(&path).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            api.get(&format!("{path}/languages/en-us/type/email"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "its texts went with it"
        );
        assert_eq!(api.get("/api/v1/answers").await.body, json!([]));
    });
}
