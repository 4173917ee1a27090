//! Webhooks (`GLADLY-API.md` 2.12 and section 5, DESIGN section 5): management with
//! Gladly's rules (at most 20, disabled unless enabled, a PING that must get a 200
//! on enabling or a URL change, delete only when disabled), and delivery from the
//! event log through a persistent outbox: at least once, retried on the configured
//! pauses, then the webhook is disabled (`disabledAtDueToRetryLimit`).
//!
//! Every delivery is also signed: `Hearth-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "t.body">` with the webhook's secret, returned once when it is created. HTTP
//! calls happen outside database transactions: a delivery is claimed (leased) in
//! one short transaction, sent, and its outcome recorded in another.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use hearth_domain::{DomainError, Duration, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::credentials::Caller;
use super::permissions::may_read_everything;
use crate::app::{App, read_tx, write_tx};
use crate::clock::{new_id, new_token};
use crate::codec::{self, SettingsDoc, fmt_ts, from_ms, to_ms};
use crate::error::AppError;
use crate::gladly::events::ping_body;
pub use crate::ports::WebhookPolicy;
use crate::ports::{DeliveryRow, ResourceRow, StoreTx, WebhookSender};
use crate::unit_of_work::{SETTINGS_ID, kind};

/// Resource kind of webhooks and of the fan-out cursor.
const WEBHOOK: &str = "webhook";
const CURSOR: &str = "cursor";
const CURSOR_ID: &str = "webhooks";
/// At most this many webhooks (Gladly's limit).
pub const MAX_WEBHOOKS: usize = 20;
/// Deliveries sent per round.
const BATCH: i64 = 20;

/// The event types a webhook may subscribe to (Gladly's list, `PING` implicit).
pub const EVENT_TYPES: &[&str] = &[
    "AGENT_AVAILABILITY/UPDATED",
    "AUTOMATION/MESSAGE_RECEIVED",
    "AGENT_STATUS/LOGGED_IN",
    "AGENT_STATUS/LOGGED_OUT",
    "AGENT_STATUS/WENT_AWAY",
    "AGENT_STATUS/RETURNED_FROM_AWAY",
    "AGENT_STATUS/CHANGED_ACTIVE_REASON",
    "CONTACT/STARTED",
    "CONTACT/OFFERED",
    "CONTACT/OFFER_ACCEPTED",
    "CONTACT/OFFER_REJECTED",
    "CONTACT/JOINED",
    "CONTACT/MESSAGE_RECEIVED",
    "CONTACT/MESSAGE_SENT",
    "CONTACT/TRANSFERRED",
    "CONTACT/HOLD_STARTED",
    "CONTACT/HOLD_ENDED",
    "CONTACT/FULFILLED",
    "CONTACT/ENDED",
    // Hearth's additions: a contact's due date comes soon, or passed.
    "CONTACT/DUE_SOON",
    "CONTACT/OVERDUE",
    "CONVERSATION/CREATED",
    "CONVERSATION/CLOSED",
    "CONVERSATION/REOPENED",
    "CONVERSATION/NOTE_CREATED",
    "CONVERSATION/TOPIC_ADDED",
    "CONVERSATION/TOPIC_REMOVED",
    "CONVERSATION/CUSTOM_ATTRIBUTE_ADDED",
    "CONVERSATION/CUSTOM_ATTRIBUTE_REMOVED",
    // Hearth's addition: an item's content was wiped.
    "CONVERSATION/ITEM_REDACTED",
    "CONVERSATION_ASSIGNEE/UPDATED",
    "CONVERSATION_STATUS/UPDATED",
    "CUSTOMER/MERGED",
    "CUSTOMER_PROFILE/MERGED",
    "CUSTOMER_PROFILE/CREATED",
    "CUSTOMER_PROFILE/UPDATED",
    "CUSTOMER_PROFILE/DELETED",
    "EXPORT_JOB/COMPLETED",
    "EXPORT_JOB/FAILED",
    "PAYMENT_REQUEST/CREATED",
    "PAYMENT_REQUEST/VIEWED",
    "PAYMENT_REQUEST/STATUS_CHANGED",
    "TASK/CREATED",
    "TASK/CLOSED",
    "TASK/REOPENED",
    "TASK/CONTENT_UPDATED",
    "TASK/ASSIGNEE_UPDATED",
    "TASK/COMMENT_ADDED",
    "TASK/DUE_DATE_UPDATED",
    "TASK/FOLLOWER_ADDED",
    "TASK/FOLLOWER_REMOVED",
];

/// Basic credentials for the receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
}

/// The stored webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDoc {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub signing_secret: String,
    /// The secret before the last rotation, still signed with until
    /// `previous_secret_until` (ms since the epoch), so receivers can switch over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at_due_to_retry_limit: Option<String>,
}

/// A webhook with its times, as the use cases return it; `new_secret` is its
/// signing secret, present only in the answer to its creation.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub doc: WebhookDoc,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub new_secret: Option<String>,
}

impl Webhook {
    fn of(doc: WebhookDoc, row: &ResourceRow) -> Self {
        Webhook {
            doc,
            created_at: from_ms(row.created_at),
            updated_at: from_ms(row.updated_at),
            new_secret: None,
        }
    }
}

/// A webhook created or changed: each field left out keeps its value,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookChange {
    pub name: Option<Option<String>>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub credentials: Option<Option<Credentials>>,
    pub headers: Option<BTreeMap<String, String>>,
}

/// The fan-out's position in the event log.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Cursor {
    #[serde(default)]
    seq: i64,
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`.
pub fn signature(secret: &str, unix: i64, body: &str) -> String {
    format!("t={unix},v1={}", mac_hex(secret, unix, body))
}

/// The hex HMAC-SHA256 of `"<unix>.<body>"` under `secret`.
fn mac_hex(secret: &str, unix: i64, body: &str) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        unreachable_mac()
    };
    mac.update(format!("{unix}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[allow(clippy::panic)]
fn unreachable_mac() -> ! {
    // HMAC accepts keys of any length; this cannot happen.
    panic!("HMAC refused a key")
}

/// A host name the webhook's URL names, to be resolved and checked before it is
/// saved; `None` when the URL names an address (already checked) or when the
/// policy allows any target.
type NamedHost = Option<(String, u16)>;

/// Checks a webhook URL as a browser would read it (so `0x7f000001`, `2130706433`
/// and `[::ffff:127.0.0.1]` are the addresses they are): http(s) only, no
/// credentials in it, and unless the policy allows it, https to a host that is not
/// this machine or its networks.
fn check_url(attr: &str, url: &str, policy: WebhookPolicy) -> Result<NamedHost, DomainError> {
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(DomainError::invalid(
            attr,
            "must be an absolute URL of at most 2,000 characters without spaces",
        ));
    }
    let parsed = url::Url::parse(url)
        .map_err(|e| DomainError::invalid(attr, format!("must be an absolute URL ({e})")))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(DomainError::invalid(attr, "must be an http(s) URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(DomainError::invalid(
            attr,
            "must not carry a user or password; set them as the webhook's credentials",
        ));
    }
    let Some(host) = parsed.host() else {
        return Err(DomainError::invalid(
            attr,
            "must be an absolute URL with a host",
        ));
    };
    if policy.allow_insecure {
        return Ok(None);
    }
    let refuse = |why: String| {
        Err(DomainError::invalid(
            attr,
            format!("{why} (set HEARTH_WEBHOOKS_ALLOW_INSECURE=1 to allow http and local targets)"),
        ))
    };
    if parsed.scheme() != "https" {
        return refuse("must be an https URL".into());
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    match host {
        url::Host::Ipv4(ip) => match forbidden_address(IpAddr::V4(ip)) {
            Some(kind) => refuse(format!("must not point at {ip}, which is {kind}")),
            None => Ok(None),
        },
        url::Host::Ipv6(ip) => match forbidden_address(IpAddr::V6(ip)) {
            Some(kind) => refuse(format!("must not point at {ip}, which is {kind}")),
            None => Ok(None),
        },
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name.is_empty() || name == "localhost" || name.ends_with(".localhost") {
                return refuse("must not point at this machine".into());
            }
            Ok(Some((name, port)))
        }
    }
}

/// Why an address may not receive webhooks, if it may not (words that follow
/// "is"): this machine, its
/// private networks, link-local (cloud metadata) and other ranges no public
/// receiver lives in. IPv4 written inside IPv6 is refused too.
pub fn forbidden_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if a == 0 {
                Some("unspecified")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if a == 100 && (64..128).contains(&b) {
                Some("carrier-grade NAT space")
            } else if a == 192 && b == 0 && c == 0 {
                Some("special-purpose")
            } else if a == 198 && (b == 18 || b == 19) {
                Some("benchmarking space")
            } else if v4.is_multicast() || a >= 240 {
                Some("multicast or reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.to_ipv4_mapped().is_some() {
                Some("IPv4-mapped")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if v6.segments()[..6] == [0; 6]
                || v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            {
                // IPv4-compatible (deprecated) and NAT64: an IPv4 address inside.
                let [.., hi, lo] = v6.segments();
                let inner = std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
                forbidden_address(IpAddr::V4(inner)).map(|_| "a local IPv4 address inside IPv6")
            } else {
                None
            }
        }
    }
}

fn webhook_doc(row: &ResourceRow) -> Result<WebhookDoc, AppError> {
    Ok(codec::read(&row.doc)?)
}

async fn webhook_settings(tx: &mut dyn StoreTx) -> Result<SettingsDoc, AppError> {
    match tx.resource(kind::SETTINGS, SETTINGS_ID).await? {
        Some(row) => Ok(codec::read(&row.doc)?),
        None => Ok(SettingsDoc::of(
            &hearth_domain::config::OrgSettings::default(),
        )),
    }
}

impl App {
    /// The same application, sending webhooks with `sender` under `policy`.
    pub fn with_webhooks(mut self, sender: Arc<dyn WebhookSender>, policy: WebhookPolicy) -> Self {
        self.webhooks = Some((sender, policy));
        self
    }

    fn sender(&self) -> Result<(&Arc<dyn WebhookSender>, WebhookPolicy), AppError> {
        self.webhooks
            .as_ref()
            .map(|(s, p)| (s, *p))
            .ok_or_else(|| AppError::internal("no webhook sender configured"))
    }

    /// Sends the PING a webhook must answer with 200 before it is enabled.
    async fn ping(&self, doc: &WebhookDoc, timeout: std::time::Duration) -> Result<(), AppError> {
        let (sender, _) = self.sender()?;
        let body = ping_body(self.now());
        let (basic, headers) = request_parts(doc, &body, self.now().unix_timestamp());
        match sender.post(&doc.url, basic, headers, body, timeout).await {
            Ok(200) => Ok(()),
            Ok(status) => Err(DomainError::invalid(
                "url",
                format!("the PING was answered with {status}, not 200"),
            )
            .into()),
            Err(e) => {
                Err(DomainError::invalid("url", format!("the PING got no answer: {e}")).into())
            }
        }
    }

    /// Every webhook.
    pub async fn webhooks(&self, caller: &Caller) -> Result<Vec<Webhook>, AppError> {
        may_read_everything(caller)?;
        read_tx!(self, |tx| tx
            .resources(WEBHOOK)
            .await?
            .iter()
            .map(|r| Ok(Webhook::of(webhook_doc(r)?, r)))
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// One webhook.
    pub async fn webhook(&self, caller: &Caller, id: &str) -> Result<Webhook, AppError> {
        may_read_everything(caller)?;
        read_tx!(self, |tx| {
            let row = tx
                .resource(WEBHOOK, id)
                .await?
                .ok_or_else(|| AppError::not_found("webhook", id))?;
            Ok(Webhook::of(webhook_doc(&row)?, &row))
        })
    }

    /// Lays a change over `doc` and checks the result: a name of at most 200
    /// characters, an allowed URL, known event types (each once), header names
    /// that may be set; a URL and at least one event type are required.
    async fn apply_change(
        &self,
        doc: &mut WebhookDoc,
        change: WebhookChange,
    ) -> Result<(), AppError> {
        let (sender, policy) = self.sender()?;
        if let Some(name) = change.name {
            if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
                return Err(DomainError::too_long("name", "must be at most 200 characters").into());
            }
            doc.name = name;
        }
        if let Some(url) = change.url {
            if let Some((host, port)) = check_url("url", &url, policy)? {
                // Where the name leads now. A name that does not resolve is kept
                // (deliveries retry); every delivery checks the addresses again.
                if let Ok(addresses) = sender.addresses(&host, port).await
                    && let Some((ip, kind)) = addresses
                        .iter()
                        .find_map(|ip| forbidden_address(*ip).map(|k| (ip, k)))
                {
                    return Err(DomainError::invalid(
                        "url",
                        format!(
                            "{host} resolves to {ip}, which is {kind} (set HEARTH_WEBHOOKS_ALLOW_INSECURE=1 to allow local targets)"
                        ),
                    )
                    .into());
                }
            }
            doc.url = url;
        }
        if let Some(list) = change.events {
            let mut events: Vec<String> = Vec::new();
            for name in list {
                if !EVENT_TYPES.contains(&name.as_str()) {
                    return Err(DomainError::invalid(
                        "events",
                        format!("unknown event type '{name}'"),
                    )
                    .into());
                }
                if !events.contains(&name) {
                    events.push(name);
                }
            }
            doc.events = events;
        }
        if let Some(enabled) = change.enabled {
            doc.enabled = enabled;
        }
        if let Some(credentials) = change.credentials {
            doc.credentials = credentials;
        }
        if let Some(headers) = change.headers {
            doc.headers = headers;
            for name in doc.headers.keys() {
                let reserved = [
                    "content-type",
                    "content-length",
                    "host",
                    "authorization",
                    "hearth-signature",
                ];
                if name.is_empty()
                    || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    || reserved.contains(&name.to_lowercase().as_str())
                {
                    return Err(
                        DomainError::invalid("headers", format!("'{name}' cannot be set")).into(),
                    );
                }
            }
        }
        if doc.url.is_empty() {
            return Err(DomainError::blank("url", "is required").into());
        }
        if doc.events.is_empty() {
            return Err(
                DomainError::blank("events", "subscribe to at least one event type").into(),
            );
        }
        Ok(())
    }

    /// Creates a webhook; enabling it sends a PING first. Returns it with its
    /// signing secret (shown only now).
    pub async fn create_webhook(
        &self,
        caller: &Caller,
        change: WebhookChange,
    ) -> Result<Webhook, AppError> {
        may_read_everything(caller)?;
        let secret = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let mut doc = WebhookDoc {
            id: new_id(),
            name: None,
            url: String::new(),
            events: Vec::new(),
            enabled: false,
            credentials: None,
            headers: BTreeMap::new(),
            signing_secret: secret.clone(),
            previous_secret: None,
            previous_secret_until: None,
            disabled_at_due_to_retry_limit: None,
        };
        self.apply_change(&mut doc, change).await?;
        let timeout = self.webhook_timeout().await?;
        if doc.enabled {
            self.ping(&doc, timeout).await?;
        }
        let now = to_ms(self.now());
        let mut created = write_tx!(self, |tx| {
            let all = tx.resources(WEBHOOK).await?;
            if all.len() >= MAX_WEBHOOKS {
                return Err(DomainError::InUse(format!(
                    "an organization has at most {MAX_WEBHOOKS} webhooks"
                ))
                .into());
            }
            for other in &all {
                if webhook_doc(other)?.url == doc.url {
                    return Err(AppError::Taken {
                        attr: "url".into(),
                        holder_kind: "webhook",
                        holder_id: other.id.clone(),
                    });
                }
            }
            let row = ResourceRow {
                kind: WEBHOOK.into(),
                id: doc.id.clone(),
                unique_key: None,
                doc: codec::write(&doc)?,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            tx.put_resource(&row).await?;
            self.start_cursor(tx).await?;
            Ok::<_, AppError>(Webhook::of(doc.clone(), &row))
        })?;
        created.new_secret = Some(secret);
        Ok(created)
    }

    /// Updates a webhook; enabling it or changing its URL sends a PING first.
    pub async fn update_webhook(
        &self,
        caller: &Caller,
        id: &str,
        change: WebhookChange,
    ) -> Result<Webhook, AppError> {
        may_read_everything(caller)?;
        let (row, before) = read_tx!(self, |tx| {
            let row = tx
                .resource(WEBHOOK, id)
                .await?
                .ok_or_else(|| AppError::not_found("webhook", id))?;
            let doc = webhook_doc(&row)?;
            Ok::<_, AppError>((row, doc))
        })?;
        let mut doc = before.clone();
        self.apply_change(&mut doc, change).await?;
        if doc.enabled && (!before.enabled || doc.url != before.url) {
            self.ping(&doc, self.webhook_timeout().await?).await?;
            doc.disabled_at_due_to_retry_limit = None;
        }
        let now = to_ms(self.now());
        write_tx!(self, |tx| {
            for other in tx.resources(WEBHOOK).await? {
                if other.id != id && webhook_doc(&other)?.url == doc.url {
                    return Err(AppError::Taken {
                        attr: "url".into(),
                        holder_kind: "webhook",
                        holder_id: other.id.clone(),
                    });
                }
            }
            let updated = ResourceRow {
                doc: codec::write(&doc)?,
                updated_at: now,
                ..row.clone()
            };
            tx.put_resource(&updated).await?;
            Ok::<_, AppError>(Webhook::of(doc.clone(), &updated))
        })
    }

    /// Gives a webhook a new signing secret, returned once. For `overlap` the old
    /// secret signs too (each delivery then carries two `v1` signatures), so a
    /// receiver can take the new secret without missing a delivery; at most seven
    /// days, zero drops the old one at once.
    pub async fn rotate_webhook_secret(
        &self,
        caller: &Caller,
        id: &str,
        overlap: Duration,
    ) -> Result<Webhook, AppError> {
        may_read_everything(caller)?;
        if overlap.is_negative() || overlap > Duration::days(7) {
            return Err(DomainError::invalid(
                "previousSecretValidSeconds",
                "must be between 0 and 604800 (seven days)",
            )
            .into());
        }
        let secret = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let now = to_ms(self.now());
        let until = to_ms(self.now() + overlap);
        let mut rotated = write_tx!(self, |tx| {
            let row = tx
                .resource(WEBHOOK, id)
                .await?
                .ok_or_else(|| AppError::not_found("webhook", id))?;
            let mut doc = webhook_doc(&row)?;
            let old = std::mem::replace(&mut doc.signing_secret, secret.clone());
            (doc.previous_secret, doc.previous_secret_until) = if overlap.is_zero() {
                (None, None)
            } else {
                (Some(old), Some(until))
            };
            let updated = ResourceRow {
                doc: codec::write(&doc)?,
                updated_at: now,
                ..row.clone()
            };
            tx.put_resource(&updated).await?;
            Ok::<_, AppError>(Webhook::of(doc, &updated))
        })?;
        rotated.new_secret = Some(secret);
        Ok(rotated)
    }

    /// Deletes a disabled webhook (an enabled one must be disabled first).
    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        may_read_everything(caller)?;
        write_tx!(self, |tx| {
            let row = tx
                .resource(WEBHOOK, id)
                .await?
                .ok_or_else(|| AppError::not_found("webhook", id))?;
            if webhook_doc(&row)?.enabled {
                return Err(
                    DomainError::InUse("disable the webhook before deleting it".into()).into(),
                );
            }
            tx.delete_resource(WEBHOOK, id).await?;
            Ok(())
        })
    }

    /// A webhook's latest deliveries (at most 100), newest first.
    pub async fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<Vec<DeliveryRow>, AppError> {
        may_read_everything(caller)?;
        read_tx!(self, |tx| {
            if tx.resource(WEBHOOK, id).await?.is_none() {
                return Err(AppError::not_found("webhook", id));
            }
            Ok(tx.deliveries_of(id, 100).await?)
        })
    }

    async fn webhook_timeout(&self) -> Result<std::time::Duration, AppError> {
        let settings = read_tx!(self, |tx| webhook_settings(tx).await)?;
        Ok(std::time::Duration::from_secs(
            u64::try_from(settings.webhook_timeout_seconds).unwrap_or(15),
        ))
    }

    /// The fan-out starts at the end of the log when the first webhook appears:
    /// webhooks receive what happens from their creation on.
    async fn start_cursor(&self, tx: &mut dyn StoreTx) -> Result<(), AppError> {
        if tx.resource(CURSOR, CURSOR_ID).await?.is_none() {
            let seq = tx.last_event_seq().await?;
            let now = to_ms(self.now());
            tx.put_resource(&ResourceRow {
                kind: CURSOR.into(),
                id: CURSOR_ID.into(),
                unique_key: None,
                doc: codec::write(&Cursor { seq })?,
                created_at: now,
                updated_at: now,
                version: 1,
            })
            .await?;
        }
        Ok(())
    }

    /// Turns new events into deliveries for the enabled webhooks that subscribe to
    /// them; returns how many events it looked at (0: caught up).
    pub async fn fan_out_webhooks(&self) -> Result<usize, AppError> {
        write_tx!(self, |tx| {
            let Some(cursor_row) = tx.resource(CURSOR, CURSOR_ID).await? else {
                return Ok(0);
            };
            let after = codec::read::<Cursor>(&cursor_row.doc)?.seq;
            let page = tx.events_page(after, 500).await?;
            let Some(last) = page.last() else {
                return Ok(0);
            };
            let last_seq = last.seq;
            let hooks: Vec<WebhookDoc> = tx
                .resources(WEBHOOK)
                .await?
                .iter()
                .map(webhook_doc)
                .collect::<Result<_, _>>()?;
            let now = to_ms(self.now());
            let mut queued = 0;
            for stored in &page {
                let Some(event) = crate::gladly::events::to_gladly(&stored.event)? else {
                    continue;
                };
                let kind = event.kind().to_owned();
                for hook in hooks
                    .iter()
                    .filter(|h| h.enabled && h.events.contains(&kind))
                {
                    tx.insert_delivery(&DeliveryRow {
                        id: new_id(),
                        webhook_id: hook.id.clone(),
                        event_id: stored.event.id.clone(),
                        event_type: kind.clone(),
                        body: event.to_string(),
                        status: "PENDING".into(),
                        attempts: 0,
                        next_attempt_at: Some(now),
                        last_status: None,
                        last_error: None,
                        created_at: now,
                        updated_at: now,
                    })
                    .await?;
                    queued += 1;
                }
            }
            tx.put_resource(&ResourceRow {
                doc: codec::write(&Cursor { seq: last_seq })?,
                updated_at: now,
                ..cursor_row.clone()
            })
            .await?;
            tracing::debug!(events = page.len(), deliveries = queued, "webhook fan-out");
            Ok::<_, AppError>(page.len())
        })
    }

    /// Sends the deliveries that are due; returns how many were attempted.
    pub async fn send_due_webhooks(&self) -> Result<usize, AppError> {
        let (sender, _) = self.sender()?;
        let sender = sender.clone();
        // Claim: lease the due deliveries for longer than a send can take, so that
        // another instance (or round) does not send them meanwhile.
        let (claimed, settings, hooks) = write_tx!(self, |tx| {
            let settings = webhook_settings(tx).await?;
            let now = to_ms(self.now());
            let lease = now + (settings.webhook_timeout_seconds + 5) * 1000;
            let due = tx.due_deliveries(now, BATCH).await?;
            let mut hooks = BTreeMap::new();
            for d in &due {
                let leased = DeliveryRow {
                    next_attempt_at: Some(lease),
                    updated_at: now,
                    ..d.clone()
                };
                tx.update_delivery(&leased).await?;
                if let Some(row) = tx.resource(WEBHOOK, &d.webhook_id).await? {
                    hooks.insert(d.webhook_id.clone(), webhook_doc(&row)?);
                }
            }
            Ok::<_, AppError>((due, settings, hooks))
        })?;
        let timeout = std::time::Duration::from_secs(
            u64::try_from(settings.webhook_timeout_seconds).unwrap_or(15),
        );
        for d in &claimed {
            let Some(hook) = hooks.get(&d.webhook_id).filter(|h| h.enabled) else {
                self.finish_delivery(
                    d,
                    None,
                    Some("the webhook is disabled or gone".into()),
                    &settings,
                    true,
                )
                .await?;
                continue;
            };
            let (basic, headers) = request_parts(hook, &d.body, self.now().unix_timestamp());
            let outcome = sender
                .post(&hook.url, basic, headers, d.body.clone(), timeout)
                .await;
            match outcome {
                Ok(status) if (200..300).contains(&status) => {
                    self.finish_delivery(d, Some(status), None, &settings, false)
                        .await?
                }
                Ok(status) => {
                    self.finish_delivery(
                        d,
                        Some(status),
                        Some(format!("answered {status}")),
                        &settings,
                        false,
                    )
                    .await?
                }
                Err(e) => {
                    self.finish_delivery(d, None, Some(e), &settings, false)
                        .await?
                }
            }
        }
        Ok(claimed.len())
    }

    /// Records a send's outcome: delivered, retried after the next pause, or failed
    /// for good (disabling the webhook).
    async fn finish_delivery(
        &self,
        d: &DeliveryRow,
        status: Option<u16>,
        error: Option<String>,
        settings: &SettingsDoc,
        drop_it: bool,
    ) -> Result<(), AppError> {
        let now = to_ms(self.now());
        let attempts = d.attempts + 1;
        let retries = &settings.webhook_retry_seconds;
        let (state, next) = match (&error, drop_it) {
            (None, _) => ("DELIVERED", None),
            (Some(_), true) => ("FAILED", None),
            (Some(_), false) => {
                match retries.get(usize::try_from(attempts - 1).unwrap_or(usize::MAX)) {
                    Some(pause) => ("PENDING", Some(now + pause * 1000)),
                    None => ("FAILED", None),
                }
            }
        };
        let row = DeliveryRow {
            status: state.into(),
            attempts,
            next_attempt_at: next,
            last_status: status.map(i64::from),
            last_error: error,
            updated_at: now,
            ..d.clone()
        };
        write_tx!(self, |tx| {
            tx.update_delivery(&row).await?;
            if state == "FAILED"
                && !drop_it
                && let Some(hook_row) = tx.resource(WEBHOOK, &d.webhook_id).await?
            {
                let mut hook = webhook_doc(&hook_row)?;
                hook.enabled = false;
                hook.disabled_at_due_to_retry_limit = Some(fmt_ts(self.now()));
                tx.put_resource(&ResourceRow {
                    doc: codec::write(&hook)?,
                    updated_at: now,
                    ..hook_row.clone()
                })
                .await?;
                tracing::warn!(webhook = %hook.id, "webhook disabled after its retry limit");
            }
            Ok::<_, AppError>(())
        })
    }
}

/// Request headers as `(name, value)`.
type Headers = Vec<(String, String)>;

/// Basic credentials and headers (custom ones plus the signature) of a request.
fn request_parts(hook: &WebhookDoc, body: &str, unix: i64) -> (Option<(String, String)>, Headers) {
    let basic = hook
        .credentials
        .as_ref()
        .map(|c| (c.username.clone(), c.password.clone()));
    let mut headers: Vec<(String, String)> = hook
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut signed = signature(&hook.signing_secret, unix, body);
    // During a rotation the old secret signs too: `t=..,v1=<new>,v1=<old>`.
    if let (Some(old), Some(until)) = (&hook.previous_secret, hook.previous_secret_until)
        && unix.saturating_mul(1000) < until
    {
        signed.push_str(",v1=");
        signed.push_str(&mac_hex(old, unix, body));
    }
    headers.push(("Hearth-Signature".into(), signed));
    (basic, headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_dot_body() {
        // HMAC-SHA256(key "key", message "1700000000.{}"), computed with Python's hmac.
        assert_eq!(
            signature("key", 1_700_000_000, "{}"),
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        assert_ne!(
            signature("key", 1_700_000_000, "{}"),
            signature("other", 1_700_000_000, "{}")
        );
    }

    #[test]
    fn targets_must_be_https_and_not_this_machine_unless_allowed() {
        let strict = WebhookPolicy {
            allow_insecure: false,
        };
        let lax = WebhookPolicy {
            allow_insecure: true,
        };
        assert_eq!(
            check_url("url", "https://hooks.example.com/gladly", strict).unwrap(),
            Some(("hooks.example.com".to_owned(), 443))
        );
        assert_eq!(
            check_url("url", "https://93.184.215.14:8443/x", strict).unwrap(),
            None
        );
        for bad in [
            "http://hooks.example.com/x",
            "https://127.0.0.1:9000/x",
            "https://localhost/x",
            "https://[::1]:80/",
            "ftp://x.example.com",
            "hooks.example.com",
            // Each of these is this machine or its networks, written some other way.
            "https://[::ffff:127.0.0.1]/x",
            "https://0/x",
            "https://2130706433/x",
            "https://0x7f000001/x",
            "https://localhost./x",
            "https://api.localhost/x",
            "https://user@127.0.0.1/x",
            "https://user:pw@hooks.example.com/x",
            "https://[0:0:0:0:0:0:0:1]/x",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.8/x",
            "https://172.16.4.1/x",
            "https://192.168.1.1/x",
            "https://100.64.0.1/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::127.0.0.1]/x",
            "https://[64:ff9b::a9fe:a9fe]/x",
            "https://0177.0.0.1/x",
        ] {
            assert!(check_url("url", bad, strict).is_err(), "{bad}");
        }
        assert!(check_url("url", "http://127.0.0.1:9000/x", lax).is_ok());
        // Credentials in the URL are refused even where local targets are allowed.
        assert!(check_url("url", "http://u:p@127.0.0.1:9000/x", lax).is_err());
    }

    #[test]
    fn public_addresses_pass_and_local_ones_name_their_kind() {
        for (ip, kind) in [
            ("127.0.0.2", Some("loopback")),
            ("0.0.0.0", Some("unspecified")),
            ("10.1.2.3", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("::ffff:8.8.8.8", Some("IPv4-mapped")),
            ("fc00::5", Some("private (unique local)")),
            ("8.8.8.8", None),
            ("2606:4700::1111", None),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden_address(ip), kind, "{ip}");
        }
    }
}
