//! Server time of the agent desktop's customer page with a long timeline: one
//! customer with 200 items (an email, then 199 notes), an agent signed in with a
//! session cookie, and `GET /ui/conversations/{id}` through the whole router
//! (session, shell, view, pane, rendering) on SQLite.
//!
//! Target (issue 13): ≤ 20 ms p95. Run: `cargo bench -p hearth-http --bench customer_page`.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use divan::Bencher;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn main() {
    divan::main();
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: Router,
    path: String,
    cookies: String,
    _db: hearth_store_tests::TestDb,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let (router, path, cookies, db) = runtime.block_on(async {
            let db = hearth_store_tests::sqlite().await;
            let app = hearth_app::App::new(db.store.clone(), Arc::new(hearth_app::SystemClock));
            app.start(true).await.expect("demo organization");
            let state = hearth_http::AppState::new(app, 64 * 1024);
            let app = state.app.clone();
            let router = hearth_http::router(state);
            let password = app.reset_password("alice@example.com").await.unwrap();
            let (alice, credential) = app.login("alice@example.com", &password).await.unwrap();
            let body: serde_json::Map<String, serde_json::Value> = serde_json::from_value(
                serde_json::json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                    "from": {"address": "long@example.com", "name": "Long History"},
                    "content": {"subject": "Order 5521", "content": "Where is it?"}}),
            )
            .unwrap();
            let request = hearth_app::gladly::inbound::inbound_request(&body, app.now()).unwrap();
            let (got, _) = app.inbound(request).await.unwrap();
            let conv = got.conversation_id;
            for i in 1..200 {
                app.add_note(
                    &alice,
                    &conv,
                    &format!("Note {i}: checked the warehouse again."),
                )
                .await
                .unwrap();
            }
            let path = format!("/ui/conversations/{conv}");
            let cookies = format!("hearth_session={credential}; hearth_csrf=bench");
            (router, path, cookies, db)
        });
        Fixture {
            runtime,
            router,
            path,
            cookies,
            _db: db,
        }
    })
}

#[divan::bench(sample_count = 400, sample_size = 1)]
fn customer_page_with_200_items(bencher: Bencher) {
    let f = fixture();
    bencher.bench(|| {
        f.runtime.block_on(async {
            let req = Request::get(&f.path)
                .header("cookie", &f.cookies)
                .body(Body::empty())
                .unwrap();
            let response = f.router.clone().oneshot(req).await.unwrap();
            assert_eq!(response.status(), 200);
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            divan::black_box(bytes.len())
        })
    });
}
