//! Outbound HTTP: the webhook sender (reqwest on rustls with the ring provider).

use std::time::Duration;

use async_trait::async_trait;
use hearth_app::ports::WebhookSender;

/// Sends webhook requests.
#[derive(Debug, Clone)]
pub struct ReqwestSender {
    client: reqwest::Client,
}

impl ReqwestSender {
    /// A sender with its own connection pool; redirects are not followed (a
    /// receiver answers itself or the delivery fails).
    pub fn new() -> Result<ReqwestSender, String> {
        // reqwest is built without a TLS provider of its own; ring is ours. A second
        // install (tests build several senders) keeps the first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Hearth-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(ReqwestSender { client })
    }
}

#[async_trait]
impl WebhookSender for ReqwestSender {
    async fn post(
        &self,
        url: &str,
        basic: Option<(String, String)>,
        headers: Vec<(String, String)>,
        body: String,
        timeout: Duration,
    ) -> Result<u16, String> {
        let mut req = self
            .client
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .body(body);
        if let Some((user, password)) = basic {
            req = req.basic_auth(user, Some(password));
        }
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let response = req.send().await.map_err(|e| e.to_string())?;
        Ok(response.status().as_u16())
    }
}
