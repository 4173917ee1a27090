//! The OpenAPI document describes exactly the routes the router serves.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::harness::Api;

/// Every (method, path) of the document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_owned(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn document_is_openapi_3_1_and_every_operation_is_routed() {
    let api = Api::new(hearth_store_tests::sqlite().await).await;
    let reply = api
        .raw(
            Method::GET,
            "/api/v1/openapi.json",
            Body::empty(),
            None,
            false,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "served without credentials");
    let doc = reply.body;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["basic"]["scheme"],
        "basic"
    );

    let ops = operations(&doc);
    for expected in [
        ("patch", "/conversations/{id}"),
        ("post", "/contacts/inbound"),
        ("post", "/conversations/{id}/actions"),
        ("get", "/customer-profiles"),
        ("post", "/export/jobs"),
        ("delete", "/webhooks/{id}"),
    ] {
        assert!(
            ops.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} documented"
        );
    }
    let patch = &doc["paths"]["/conversations/{id}"]["patch"];
    assert_eq!(patch["parameters"][0]["name"], "id");
    assert_eq!(patch["parameters"][0]["in"], "path");
    assert!(patch["requestBody"]["content"]["application/json"].is_object());
    assert!(patch["responses"]["204"].is_object());
    assert!(
        doc["paths"]["/customer-profiles"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "email" && p["in"] == "query")
    );

    // Call each documented operation with a made-up id and an empty object: the router
    // must reach a handler (never the fallback or 405), and nothing may answer 5xx.
    let mut reached = 0;
    for (method, path) in &ops {
        if path == "/stream" {
            continue; // an endless event stream
        }
        let uri = format!(
            "/api/v1{}",
            path.split('/')
                .map(|s| if s.starts_with('{') { "nosuchid" } else { s })
                .collect::<Vec<_>>()
                .join("/")
        );
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = if method == Method::GET || method == Method::DELETE {
            None
        } else {
            Some(serde_json::json!({}))
        };
        let r = api.call(method.clone(), &uri, body).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        assert!(
            !r.status.is_server_error(),
            "{method} {uri}: {} {}",
            r.status,
            r.body
        );
        let fallback = r.status == StatusCode::NOT_FOUND
            && r.body["errors"][0]["detail"] == "no such endpoint";
        assert!(!fallback, "{method} {uri} is documented but not routed");
        reached += 1;
    }
    assert!(reached >= 70, "only {reached} operations documented");

    let page = api
        .raw(Method::GET, "/api/v1/docs", Body::empty(), None, false)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    assert!(
        html.contains("openapi.json") && !html.contains("https://"),
        "offline page"
    );
    api.db.cleanup().await;
}
