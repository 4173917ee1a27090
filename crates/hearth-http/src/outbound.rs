//! Outbound HTTP: the webhook sender (reqwest on rustls with the ring provider).
//!
//! Unless local targets are allowed, the sender connects only to public addresses:
//! its resolver drops the addresses [`forbidden_address`] names, so a name that
//! resolved to a public address when the webhook was saved and to a private one
//! now (DNS rebinding) gets no connection; an address written in the URL is
//! checked before sending. No proxy from the environment is used, redirects are
//! not followed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hearth_app::error::with_causes;
use hearth_app::ports::WebhookSender;
use hearth_app::service::webhooks::forbidden_address;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The system resolver, keeping only addresses a webhook may reach.
#[derive(Debug)]
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| forbidden_address(a.ip()).is_none())
                .collect();
            if public.is_empty() {
                let shown: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
                return Err(format!(
                    "{host} resolves only to local addresses ({}); webhooks are not sent there",
                    shown.join(", ")
                )
                .into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Sends webhook requests.
#[derive(Debug, Clone)]
pub struct ReqwestSender {
    client: reqwest::Client,
    allow_local: bool,
}

impl ReqwestSender {
    /// A sender with its own connection pool; redirects are not followed (a
    /// receiver answers itself or the delivery fails). `allow_local` (the policy
    /// `HEARTH_WEBHOOKS_ALLOW_INSECURE=1`) lets it reach this machine and private
    /// networks.
    pub fn new(allow_local: bool) -> Result<ReqwestSender, String> {
        // reqwest is built without a TLS provider of its own; ring is ours. A second
        // install (tests build several senders) keeps the first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("Hearth-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_local {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(ReqwestSender {
            client,
            allow_local,
        })
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
        if !self.allow_local {
            // An address in the URL is not resolved, so it is checked here.
            let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = literal
                && let Some(kind) = forbidden_address(ip)
            {
                return Err(format!("{ip} is {kind}; webhooks are not sent there"));
            }
        }
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
        let response = req.send().await.map_err(|e| with_causes(&e))?;
        Ok(response.status().as_u16())
    }

    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
        tokio::net::lookup_host((host, port))
            .await
            .map(|found| found.map(|a| a.ip()).collect())
            .map_err(|e| e.to_string())
    }
}
