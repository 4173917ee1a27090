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
            // A placeholder Hearth can never fill would reach customers raw.
            (
                format!("{path}/languages/en-us/type/messaging"),
                json!({"bodyHtml": "Hi {{customer.frstName}}"}),
                "bodyHtml",
            ),
            (
                format!("{path}/languages/en-us/type/email"),
                json!({"subject": "Order {{order.id}}", "bodyHtml": "Hi"}),
                "subject",
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

/// Puts a text on an answer as the admin.
async fn put_text(
    api: &crate::harness::Api,
    id: &str,
    language: &str,
    kind: &str,
    body: serde_json::Value,
) {
    let put = api
        .call(
            Method::PUT,
            &format!("/api/v1/answers/{id}/languages/{language}/type/{kind}"),
            Some(body),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
}

async fn new_answer(api: &crate::harness::Api, body: serde_json::Value) -> String {
    let created = api.post("/api/v1/answers", body).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

fn names(reply: &serde_json::Value) -> Vec<&str> {
    reply
        .as_array()
        .unwrap_or_else(|| panic!("a list: {reply}"))
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect()
}

/// Gladly's public answers: no token, CORS for any page, only public texts; the
/// search finds names and bodies, forgives a typo, filters by language and
/// audience, and keeps in step as answers are renamed and texts deleted.
#[tokio::test]
async fn public_answers_are_searched_and_read_without_a_token() {
    use axum::body::Body;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    each_backend!(|api| {
        let audience = api
            .post("/api/v1/admin/audiences", json!({"name": "Members"}))
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Its name holds "refund"; the shipping answer's body does.
        let returns = new_answer(&api, json!({"name": "Refund policy"})).await;
        put_text(&api, &returns, "en-us", "public", json!({"title": "Returning an order", "bodyHtml": "<p>Send it back within <b>30 days</b> for a full refund.</p>"})).await;
        put_text(&api, &returns, "fr", "public", json!({"title": "Retourner une commande", "bodyHtml": "<p>Renvoyez-le sous 30 jours.</p>"})).await;
        let shipping = new_answer(
            &api,
            json!({"name": "Shipping times", "audienceIds": [audience]}),
        )
        .await;
        put_text(&api, &shipping, "en-us", "public", json!({"title": "Shipping times", "bodyHtml": "<p>Orders ship in two days; refunds are not shipped.</p>"})).await;
        // Only for agents: never public.
        let internal = new_answer(&api, json!({"name": "Refund override"})).await;
        put_text(
            &api,
            &internal,
            "en-us",
            "reference",
            json!({"bodyHtml": "Supervisors may refund anything.", "internal": true}),
        )
        .await;

        let public = |path: String| {
            let api = &api;
            async move {
                api.raw(Method::GET, &path, Body::empty(), None, false)
                    .await
            }
        };
        let search = public("/api/v1/orgs/acme/answers-search?q=refund&lng=en-us".into()).await;
        assert_eq!(search.status, StatusCode::OK, "{}", search.body);
        assert_eq!(
            names(&search.body),
            ["Returning an order", "Shipping times"],
            "public texts only, a name match first"
        );
        assert_eq!(search.body[0]["id"], json!(returns));
        assert_eq!(
            names(
                &public("/api/v1/orgs/acme/answers-search?q=shiping%20tmes".into())
                    .await
                    .body
            ),
            ["Shipping times"],
            "typos are forgiven"
        );
        assert_eq!(
            names(
                &public("/api/v1/orgs/acme/answers-search?q=ret&lng=en".into())
                    .await
                    .body
            ),
            ["Returning an order"],
            "the last word is read as typed so far"
        );
        assert_eq!(
            names(
                &public(format!(
                    "/api/v1/orgs/acme/answers-search?q=refund&audienceId={audience}"
                ))
                .await
                .body
            ),
            ["Shipping times"]
        );
        assert_eq!(
            names(
                &public("/api/v1/orgs/acme/answers-search?q=renvoyez&lng=fr".into())
                    .await
                    .body
            ),
            ["Retourner une commande"]
        );
        assert!(
            public("/api/v1/orgs/acme/answers-search?q=renvoyez&lng=en".into())
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );
        let bad = public("/api/v1/orgs/acme/answers-search?q=x&lng=english!".into()).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.error().1.as_deref(), Some("language"));

        let list = public("/api/v1/orgs/acme/answers?lng=en".into()).await;
        assert_eq!(names(&list.body), ["Returning an order", "Shipping times"]);
        assert_eq!(list.body[0]["language"], "en-us");
        assert_eq!(
            list.body[0]["bodyHtml"],
            "<p>Send it back within <b>30 days</b> for a full refund.</p>"
        );
        let one = public(format!("/api/v1/orgs/acme/answers/{returns}?lng=fr")).await;
        assert_eq!(one.body["name"], "Retourner une commande", "{}", one.body);
        assert!(one.body["updatedAt"].is_string());
        assert_eq!(
            public(format!("/api/v1/orgs/acme/answers/{internal}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "an answer without a public text is not shown"
        );
        assert_eq!(
            names(
                &public(format!(
                    "/api/v1/orgs/acme/help-center/{audience}/answer-titles"
                ))
                .await
                .body
            ),
            ["Shipping times"]
        );
        assert_eq!(
            names(
                &public("/api/v1/orgs/acme/help-center/default/answer-titles?lng=en-us".into())
                    .await
                    .body
            ),
            ["Returning an order", "Shipping times"]
        );
        assert_eq!(
            public("/api/v1/orgs/acme/help-center/nobody/answer-titles".into())
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Any page may read them.
        let response = api
            .router
            .clone()
            .oneshot(
                axum::http::Request::get("/api/v1/orgs/acme/answers-search?q=refund&lng=en")
                    .header("origin", "https://shop.example")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains("Returning an order"));
        let preflight = api
            .router
            .clone()
            .oneshot(
                axum::http::Request::options("/api/v1/orgs/acme/answers")
                    .header("origin", "https://shop.example")
                    .header("access-control-request-method", "GET")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(preflight.status().is_success(), "{}", preflight.status());
        assert!(
            preflight.headers()["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("GET")
        );
        // The rest of the API stays closed to pages.
        let closed = api
            .router
            .clone()
            .oneshot(
                axum::http::Request::get("/api/v1/answers")
                    .header("origin", "https://shop.example")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(closed.status(), StatusCode::UNAUTHORIZED);
        assert!(!closed.headers().contains_key("access-control-allow-origin"));

        // Renamed: found by the new name only. A text deleted: no longer found.
        let renamed = api
            .patch(
                &format!("/api/v1/answers/{shipping}"),
                json!({"name": "Delivery"}),
            )
            .await;
        assert_eq!(renamed.status, StatusCode::NO_CONTENT);
        put_text(
            &api,
            &shipping,
            "en-us",
            "public",
            json!({"title": "Delivery", "bodyHtml": "<p>Orders arrive in two days.</p>"}),
        )
        .await;
        assert!(
            public("/api/v1/orgs/acme/answers-search?q=shipping".into())
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            names(
                &public("/api/v1/orgs/acme/answers-search?q=delivery".into())
                    .await
                    .body
            ),
            ["Delivery"]
        );
        let deleted = api
            .call(
                Method::DELETE,
                &format!("/api/v1/answers/{returns}/languages/fr/type/public"),
                None,
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert!(
            public("/api/v1/orgs/acme/answers-search?q=renvoyez".into())
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );
        let gone = api
            .call(Method::DELETE, &format!("/api/v1/answers/{returns}"), None)
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        assert_eq!(
            names(&public("/api/v1/orgs/acme/answers".into()).await.body),
            ["Delivery"]
        );
    });
}

/// The composer's answers: filled in for the conversation's customer and the
/// agent, for the reply's use only, the most used first; a reply that still holds
/// a placeholder is refused even when the page's script is bypassed.
#[tokio::test]
async fn the_composer_offers_answers_filled_in_and_most_used_first() {
    use crate::ui::{encode, followed, sign_in, visit};
    each_backend!(|api| {
        let timing = new_answer(&api, json!({"name": "Refund timing"})).await;
        put_text(&api, &timing, "en-us", "email", json!({"bodyHtml": "<p>Hi {{customer.firstName}},</p><p>Five days. {{agent.firstName}}</p>"})).await;
        let exceptions = new_answer(&api, json!({"name": "Refund exceptions"})).await;
        put_text(
            &api,
            &exceptions,
            "en-us",
            "email",
            json!({"bodyHtml": "Sale items: store credit, {{customer.customAttributes.tier}}."}),
        )
        .await;
        let chat_only = new_answer(&api, json!({"name": "Refund by chat"})).await;
        put_text(
            &api,
            &chat_only,
            "en-us",
            "messaging",
            json!({"bodyHtml": "Refunds take 5 days."}),
        )
        .await;
        let mail = api.email_from("jane@example.com", "Refund?").await;
        let conv = mail["conversationId"].as_str().unwrap().to_owned();
        let (cookies, csrf) = sign_in(&api, "alice@example.com").await;
        let find = |q: &str| {
            let api = &api;
            let cookies = cookies.clone();
            let path = format!(
                "/ui/conversations/{conv}/answers?kind=email&q={}",
                encode(q)
            );
            async move {
                let page = visit(api, Method::GET, &path, &cookies, None).await;
                assert_eq!(page.status, StatusCode::OK, "{}", page.html);
                serde_json::from_str::<serde_json::Value>(&page.html).unwrap()["answers"].clone()
            }
        };
        let found = find("refund").await;
        let names: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "email texts only: {found}");
        let timing_found = found
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == json!(timing))
            .unwrap();
        assert_eq!(timing_found["text"], "Hi Jane,\n\nFive days. Alice");
        assert_eq!(timing_found["unfilled"], json!([]));
        let exceptions_found = found
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == json!(exceptions))
            .unwrap();
        assert_eq!(
            exceptions_found["unfilled"],
            json!(["{{customer.customAttributes.tier}}"])
        );

        // Used twice, "Refund exceptions" comes first, for a search and without one.
        for _ in 0..2 {
            let used = visit(
                &api,
                Method::POST,
                &format!("/ui/answers/{exceptions}/used"),
                &cookies,
                Some(&format!("csrf={csrf}")),
            )
            .await;
            assert_eq!(used.status, StatusCode::NO_CONTENT, "{}", used.html);
        }
        assert_eq!(find("refund").await[0]["id"], json!(exceptions));
        assert_eq!(find("").await[0]["id"], json!(exceptions));
        assert_eq!(find("").await[0]["uses"], 2);
        let forged = visit(
            &api,
            Method::POST,
            &format!("/ui/answers/{exceptions}/used"),
            &cookies,
            Some("csrf=wrong"),
        )
        .await;
        assert_ne!(
            forged.status,
            StatusCode::NO_CONTENT,
            "a use needs the page's CSRF value"
        );

        // A raw placeholder never goes out.
        let item = mail["itemId"].as_str().unwrap();
        let refused = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&format!(
                "csrf={csrf}&mode=reply&channel=reply&replyTo={item}&body={}",
                encode("Sale items: store credit, {{customer.customAttributes.tier}}.")
            )),
        )
        .await;
        let refused = followed(&api, &cookies, refused).await;
        assert!(
            refused
                .html
                .contains("Fill in {{customer.customAttributes.tier}} before sending"),
            "{}",
            refused.html
        );
        let items = api.app.conversation_items(&conv).await.unwrap().items;
        assert_eq!(items.len(), 1, "nothing was sent");
        let bad = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}/answers?kind=fax"),
            &cookies,
            None,
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    });
}

/// The public help center: server-rendered pages per audience, searched with typos
/// forgiven, one page per answer, nothing for those who are not public, and no
/// cookies, scripts or referrers.
#[tokio::test]
async fn the_help_center_lists_searches_and_shows_public_answers_privately() {
    use crate::ui::visit;
    each_backend!(|api| {
        let members = api
            .post("/api/v1/admin/audiences", json!({"name": "Members"}))
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let returns = new_answer(&api, json!({"name": "Returns"})).await;
        put_text(&api, &returns, "en-us", "public", json!({"title": "Returning an order <script>", "bodyHtml": "<p>Send it back within <b>30 days</b>.</p><script>steal()</script>"})).await;
        let shipping =
            new_answer(&api, json!({"name": "Shipping", "audienceIds": [members]})).await;
        put_text(&api, &shipping, "en-us", "public", json!({"title": "Shipping times", "bodyHtml": "<p>Members' orders ship the same day.</p>"})).await;
        let internal = new_answer(&api, json!({"name": "Override"})).await;
        put_text(
            &api,
            &internal,
            "en-us",
            "reference",
            json!({"bodyHtml": "Supervisors only."}),
        )
        .await;

        let home = visit(&api, Method::GET, "/help", "", None).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.set_cookies.is_empty(), "no cookies");
        assert!(
            home.html.contains("Returning an order &#60;script&#62;"),
            "titles are escaped: {}",
            home.html
        );
        assert!(home.html.contains("Shipping times"));
        assert!(
            home.html.contains("Send it back within 30 days."),
            "a line of each answer"
        );
        assert!(!home.html.contains("Supervisors only"));
        assert!(!home.html.contains("<script"), "no scripts at all");
        let raw = api
            .raw(Method::GET, "/help", axum::body::Body::empty(), None, false)
            .await;
        let csp = raw.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert_eq!(raw.headers["referrer-policy"], "no-referrer");

        let search = visit(&api, Method::GET, "/help?q=shiping+tims", "", None).await;
        assert_eq!(search.status, StatusCode::OK);
        assert!(
            search.html.contains("1 answer for “shiping tims”"),
            "{}",
            search.html
        );
        assert!(search.html.contains(&format!("/help/answer/{shipping}")));
        let members_page = visit(&api, Method::GET, &format!("/help/{members}"), "", None).await;
        assert!(members_page.html.contains("Help for Members"));
        assert!(members_page.html.contains("Shipping times"));
        assert!(!members_page.html.contains("Returning an order"));
        let none = visit(
            &api,
            Method::GET,
            &format!("/help/{members}?q=returning"),
            "",
            None,
        )
        .await;
        assert!(none.html.contains("No answer matches"), "{}", none.html);

        let one = visit(
            &api,
            Method::GET,
            &format!("/help/answer/{returns}"),
            "",
            None,
        )
        .await;
        assert_eq!(one.status, StatusCode::OK);
        assert!(
            one.html
                .contains("<p>Send it back within <b>30 days</b>.</p>"),
            "{}",
            one.html
        );
        assert!(!one.html.contains("steal()"));
        for missing in [
            format!("/help/answer/{internal}"),
            "/help/answer/nope".into(),
            "/help/nobody".into(),
        ] {
            let page = visit(&api, Method::GET, &missing, "", None).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
            assert!(
                page.html
                    .contains("There is no public answer at this address.")
            );
        }
        let long = visit(
            &api,
            Method::GET,
            &format!("/help?q={}", "a".repeat(501)),
            "",
            None,
        )
        .await;
        assert_eq!(long.status, StatusCode::BAD_REQUEST);
        assert!(long.html.contains("role=\"alert\""), "{}", long.html);
    });
}

/// The admin's answers page: an answer added, a text written in Markdown (kept to
/// edit again, shown as safe HTML), a refusal that keeps what was typed, audiences,
/// and deletion; agents are turned away.
#[tokio::test]
async fn admins_write_answers_in_markdown_on_their_page() {
    use crate::ui::{encode, followed, sign_in, visit};
    each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "admin@example.com").await;
        let post = |path: &str, form: String| {
            let api = &api;
            let cookies = cookies.clone();
            let path = path.to_owned();
            async move { visit(api, Method::POST, &path, &cookies, Some(&form)).await }
        };
        let audience = post("/ui/admin/audiences", format!("csrf={csrf}&name=Members")).await;
        assert_eq!(audience.status, StatusCode::SEE_OTHER, "{}", audience.html);
        let audience_id = api.get("/api/v1/audiences").await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let created = post(
            "/ui/admin/answers",
            format!("csrf={csrf}&name=Refund+timing&description=When+money+comes+back"),
        )
        .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
        let page = followed(&api, &cookies, created).await;
        assert!(page.html.contains("Answer added."), "{}", page.html);
        let id = api.get("/api/v1/answers").await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let again = post(
            "/ui/admin/answers",
            format!("csrf={csrf}&name=refund+TIMING"),
        )
        .await;
        let again = followed(&api, &cookies, again).await;
        assert!(
            again.html.contains("Another answer has this name already."),
            "{}",
            again.html
        );

        let saved = post(&format!("/ui/admin/answers/{id}"), format!("csrf={csrf}&name=Refund+timing&description=When+money+comes+back&audienceIds={audience_id}")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(
            api.get(&format!("/api/v1/answers/{id}")).await.body["audienceIds"],
            json!([audience_id])
        );

        let markdown = "Hi {{customer.firstName}},\n\nRefunds take **5 days**.\n\n- Card: back to the card\n- <img src=x onerror=steal()>";
        let text = post(
            &format!("/ui/admin/answers/{id}/text"),
            format!(
                "csrf={csrf}&type=email&language=en-us&subject=Your+refund&format=markdown&body={}",
                encode(markdown)
            ),
        )
        .await;
        assert_eq!(text.status, StatusCode::SEE_OTHER, "{}", text.html);
        let stored = api
            .get(&format!("/api/v1/answers/{id}/languages/en-us/type/email"))
            .await
            .body;
        let html = stored["bodyHtml"].as_str().unwrap();
        assert!(html.contains("<strong>5 days</strong>"), "{html}");
        assert!(html.contains("<li>Card: back to the card</li>"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert_eq!(stored["markdown"], markdown);
        assert_eq!(stored["subject"], "Your refund");
        let edit = visit(
            &api,
            Method::GET,
            &format!("/ui/admin/answers/{id}?language=en-us&type=email"),
            &cookies,
            None,
        )
        .await;
        assert!(
            edit.html.contains("Refunds take **5 days**."),
            "the Markdown comes back to edit"
        );

        // A help-center article needs a title: refused, the text kept as typed.
        let refused = post(
            &format!("/ui/admin/answers/{id}/text"),
            format!(
                "csrf={csrf}&type=public&language=en-us&format=markdown&body=Five+days+for+everyone"
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.html.contains("A public answer needs a title."),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("Five days for everyone"));
        let bad_language = post(
            &format!("/ui/admin/answers/{id}/text"),
            format!("csrf={csrf}&type=email&language=english!&format=html&body=x"),
        )
        .await;
        assert_eq!(bad_language.status, StatusCode::BAD_REQUEST);
        assert!(
            bad_language.html.contains("id=\"t-language-error\""),
            "{}",
            bad_language.html
        );

        let list = visit(
            &api,
            Method::GET,
            "/ui/admin/answers?q=refnd",
            &cookies,
            None,
        )
        .await;
        assert!(list.html.contains("Refund timing"), "{}", list.html);
        assert!(list.html.contains("Email reply (en-us)"));

        let (agent, _) = sign_in(&api, "alice@example.com").await;
        let turned = visit(&api, Method::GET, "/ui/admin/answers", &agent, None).await;
        assert_eq!(turned.status, StatusCode::FORBIDDEN);

        let gone_text = post(
            &format!("/ui/admin/answers/{id}/text/delete"),
            format!("csrf={csrf}&language=en-us&type=email"),
        )
        .await;
        assert_eq!(gone_text.status, StatusCode::SEE_OTHER);
        assert_eq!(
            api.get(&format!("/api/v1/answers/{id}/languages/en-us/type/email"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let gone = post(
            &format!("/ui/admin/answers/{id}/delete"),
            format!("csrf={csrf}"),
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER);
        assert_eq!(
            api.get(&format!("/api/v1/answers/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    });
}
