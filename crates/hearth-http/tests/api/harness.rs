//! A Hearth router over a fresh database with the demo organization, and typed
//! request helpers.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine as _;
use hearth_app::{App, SystemClock};
use hearth_store_tests::TestDb;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct Api {
    pub app: App,
    pub limiter: Arc<hearth_http::ratelimit::RateLimiter>,
    pub router: Router,
    pub db: TestDb,
    /// The live streams' reader and channel.
    pub events: Arc<hearth_http::push::Notifier>,
    auth: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The first error's code, attr and meta.reason.
    pub fn error(&self) -> (String, Option<String>, Option<String>) {
        let e = &self.body["errors"][0];
        (
            e["code"].as_str().unwrap_or_default().to_owned(),
            e["attr"].as_str().map(str::to_owned),
            e["meta"]["reason"].as_str().map(str::to_owned),
        )
    }
}

pub const MAX_BODY: usize = 64 * 1024;

impl Api {
    pub async fn new(db: TestDb) -> Api {
        Api::with_clock(db, Arc::new(SystemClock)).await
    }

    /// An API whose clock the test moves by hand.
    pub async fn with_clock(db: TestDb, clock: Arc<dyn hearth_app::Clock>) -> Api {
        let sender = hearth_http::outbound::ReqwestSender::new(true).expect("webhook client");
        let policy = hearth_app::service::webhooks::WebhookPolicy {
            allow_insecure: true,
        };
        let app = App::new(db.store.clone(), clock).with_webhooks(Arc::new(sender), policy);
        let info = app.start(true).await.expect("demo organization");
        let token = info.admin_token.expect("admin token");
        let state = hearth_http::AppState::new(app, MAX_BODY);
        let app = state.app.clone();
        let limiter = state.limiter.clone();
        let events = state.events.clone();
        let router = hearth_http::router(state);
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("admin@example.com:{token}"))
        );
        Api {
            app,
            limiter,
            router,
            db,
            events,
            auth,
        }
    }

    /// A Basic authorization header for an agent, with a fresh token.
    pub async fn login(&self, email: &str) -> String {
        let token = self.app.create_token(email).await.expect("token");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))
        )
    }

    /// A request as the agent behind `auth`.
    pub async fn call_as(
        &self,
        auth: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.raw(method, path, body, Some(auth), true).await
    }

    /// The admin's Basic authorization header.
    pub fn auth_header(&self) -> String {
        self.auth.clone()
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Body,
        auth: Option<&str>,
        content_type: bool,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        if content_type {
            req = req.header("content-type", "application/json");
        }
        let response = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.raw(method, path, body, Some(&self.auth.clone()), true)
            .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// An inbound message; returns the 201 body.
    pub async fn inbound(&self, body: Value) -> Value {
        let r = self.post("/api/v1/contacts/inbound", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "inbound failed: {}", r.body);
        r.body
    }

    pub async fn email_from(&self, address: &str, text: &str) -> Value {
        self.inbound(json!({
            "channel": "EMAIL",
            "entryPoint": "support@example.com",
            "from": {"address": address, "name": "Jane Doe"},
            "content": {"subject": "Where is my order?", "content": text}
        }))
        .await
    }

    pub async fn id_of(&self, kind: &str, key: &str) -> String {
        let mut tx = self.db.store.read().await.unwrap();
        tx.resource_by_key(kind, key)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{kind} {key}"))
            .id
    }
}

/// Runs `body` against every configured backend with a manual clock.
#[macro_export]
macro_rules! each_backend_with_clock {
    (|$api:ident, $clock:ident| $body:block) => {
        for db in hearth_store_tests::backends().await {
            let $clock = std::sync::Arc::new(hearth_app::clock::ManualClock::new(time::macros::datetime!(2030-01-01 09:00 UTC)));
            let $api = $crate::harness::Api::with_clock(db, $clock.clone()).await;
            $body
            $api.db.cleanup().await;
        }
    };
}

/// Runs `body` against every configured backend.
#[macro_export]
macro_rules! each_backend {
    (|$api:ident| $body:block) => {
        for db in hearth_store_tests::backends().await {
            let $api = $crate::harness::Api::new(db).await;
            $body
            $api.db.cleanup().await;
        }
    };
}
