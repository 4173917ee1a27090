//! Administration (`/api/v1/admin/...`, role ADMIN): agents and their API tokens,
//! inboxes with routing settings, teams, entry points, business hours (stored only)
//! and the organization settings.
//!
//! A PATCH is the stored resource with the body's fields laid over it, validated as
//! a whole; every write that routing cares about (an agent's inboxes, capacity or
//! `disabled`, an inbox's routing settings) is also a routing input. Versions back
//! `ETag`/`If-Match`.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::config::{
    Agent, Inbox, MessagingCapacity, Role, Selection, Team, duration_setting,
};
use hearth_domain::conversation::{AssignReason, Command};
use hearth_domain::customer::{EmailAddress, PhoneNumber};
use hearth_domain::id::validate_id;
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_routing::Input;
use serde_json::{Map, Value, json};

use super::credentials::Caller;
use super::credentials::hash_password;
use crate::app::{App, read_tx, write_tx};
use crate::clock::{new_id, new_token, token_hash};
use crate::codec::{
    self, AgentDoc, CapacityDto, EntryPointDoc, InboxDoc, RoutingDto, SettingsDoc, TeamDoc,
};
use crate::error::AppError;
use crate::ports::{ResourceRow, StoreTx};
use crate::unit_of_work::{SETTINGS_ID, conversation_of_row, kind, load_settings};

/// The administered collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminKind {
    Agents,
    Inboxes,
    Teams,
    EntryPoints,
    BusinessHours,
}

impl AdminKind {
    /// Parses the path segment.
    pub fn parse(segment: &str) -> Option<AdminKind> {
        Some(match segment {
            "agents" => AdminKind::Agents,
            "inboxes" => AdminKind::Inboxes,
            "teams" => AdminKind::Teams,
            "entry-points" => AdminKind::EntryPoints,
            "business-hours" => AdminKind::BusinessHours,
            _ => return None,
        })
    }

    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            AdminKind::Agents => "agents",
            AdminKind::Inboxes => "inboxes",
            AdminKind::Teams => "teams",
            AdminKind::EntryPoints => "entry-points",
            AdminKind::BusinessHours => "business-hours",
        }
    }

    fn store_kind(self) -> &'static str {
        match self {
            AdminKind::Agents => kind::AGENT,
            AdminKind::Inboxes => kind::INBOX,
            AdminKind::Teams => kind::TEAM,
            AdminKind::EntryPoints => kind::ENTRY_POINT,
            AdminKind::BusinessHours => "business_hours",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            AdminKind::Agents => "agent",
            AdminKind::Inboxes => "inbox",
            AdminKind::Teams => "team",
            AdminKind::EntryPoints => "entry point",
            AdminKind::BusinessHours => "business hours",
        }
    }
}

/// A resource as the admin API shows it, with its version for `ETag`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminResource {
    pub body: Value,
    pub version: i64,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn admin_only(caller: &Caller) -> Result<(), AppError> {
    caller.require(Role::Admin)
}

fn wire(row: &ResourceRow) -> Result<AdminResource, AppError> {
    let mut body: Value = codec::read(&row.doc)?;
    if let Some(map) = body.as_object_mut() {
        map.remove("passwordHash");
        map.insert(
            "createdAt".into(),
            Value::String(codec::fmt_ts(codec::from_ms(row.created_at))),
        );
        map.insert(
            "updatedAt".into(),
            Value::String(codec::fmt_ts(codec::from_ms(row.updated_at))),
        );
    }
    Ok(AdminResource {
        body,
        version: row.version,
    })
}

fn str_field(
    m: &Map<String, Value>,
    key: &str,
    required: bool,
    max: usize,
) -> Result<Option<String>, DomainError> {
    match m.get(key) {
        None | Some(Value::Null) if required => Err(DomainError::blank(key, "is required")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if required && s.trim().is_empty() => {
            Err(DomainError::blank(key, "must not be blank"))
        }
        Some(Value::String(s)) if s.chars().count() > max => Err(DomainError::too_long(
            key,
            format!("must be at most {max} characters"),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(DomainError::invalid(key, "must be a string")),
    }
}

fn int_field(m: &Map<String, Value>, key: &str) -> Result<Option<i64>, DomainError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_a_number(key)),
        Some(_) => Err(not_a_number(key)),
    }
}

fn not_a_number(key: &str) -> DomainError {
    DomainError::Invalid {
        attr: key.to_owned(),
        code: hearth_domain::error::InvalidCode::NotANumber,
        detail: "must be an integer".into(),
    }
}

fn bool_field(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, DomainError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(DomainError::invalid(key, "must be a boolean")),
    }
}

fn string_list(m: &Map<String, Value>, key: &str) -> Result<Vec<String>, DomainError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| DomainError::invalid(key, "must be an array of strings"))
            })
            .collect(),
        Some(_) => Err(DomainError::invalid(key, "must be an array of strings")),
    }
}

fn object<'a>(
    m: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, DomainError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(DomainError::invalid(key, "must be an object")),
    }
}

/// Lays `patch` over `base`, one level deep for nested objects.
fn merge(base: &Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.clone();
    for (k, v) in patch {
        match (out.get_mut(k), v) {
            (Some(Value::Object(inner)), Value::Object(p)) => {
                for (ik, iv) in p {
                    inner.insert(ik.clone(), iv.clone());
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    // Read-only fields a client may send back are ignored.
    for read_only in ["id", "createdAt", "updatedAt"] {
        out.remove(read_only);
        if let Some(v) = base.get(read_only) {
            out.insert(read_only.to_owned(), v.clone());
        }
    }
    out
}

fn prefixed(attr: &str, e: DomainError) -> DomainError {
    match e {
        DomainError::Invalid {
            attr: inner,
            code,
            detail,
        } => DomainError::Invalid {
            attr: format!("{attr}.{inner}"),
            code,
            detail,
        },
        other => other,
    }
}

async fn must_exist(
    tx: &mut dyn StoreTx,
    store_kind: &str,
    attr: &str,
    id: &str,
) -> Result<(), AppError> {
    if tx.resource(store_kind, id).await?.is_none() {
        return Err(DomainError::invalid(attr, format!("{id} does not exist")).into());
    }
    Ok(())
}

/// The resource as stored after a write (with its new version and times).
async fn read_back(
    tx: &mut dyn StoreTx,
    store_kind: &str,
    id: &str,
) -> Result<AdminResource, AppError> {
    let row = tx
        .resource(store_kind, id)
        .await?
        .ok_or_else(|| AppError::internal(format!("{store_kind} {id} vanished after a write")))?;
    wire(&row)
}

/// A validated document and its unique key.
struct Validated {
    doc: Value,
    key: Option<String>,
}

impl App {
    /// Every agent (`GET /agents`).
    pub async fn directory_agents(&self) -> Result<Vec<Agent>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::AGENT)
            .await?
            .iter()
            .map(|r| Ok(codec::read::<AgentDoc>(&r.doc)?.to_domain()?))
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// Every inbox (`GET /inboxes`).
    pub async fn directory_inboxes(&self) -> Result<Vec<Inbox>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::INBOX)
            .await?
            .iter()
            .map(|r| Ok(codec::read::<InboxDoc>(&r.doc)?.to_domain()?))
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// Every team (`GET /teams`).
    pub async fn directory_teams(&self) -> Result<Vec<Team>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::TEAM)
            .await?
            .iter()
            .map(|r| Ok(codec::read::<TeamDoc>(&r.doc)?.to_domain()))
            .collect::<Result<Vec<_>, AppError>>())
    }

    async fn validate(
        &self,
        tx: &mut dyn StoreTx,
        kind: AdminKind,
        id: &str,
        m: &Map<String, Value>,
        old_hash: Option<String>,
    ) -> Result<Validated, AppError> {
        match kind {
            AdminKind::Agents => {
                let name = str_field(m, "name", true, 200)?.unwrap_or_default();
                let email = EmailAddress::parse(
                    "emailAddress",
                    &str_field(m, "emailAddress", true, 254)?.unwrap_or_default(),
                )?;
                let raw_roles = string_list(m, "roles")?;
                let mut roles = Vec::new();
                for r in &raw_roles {
                    let role = Role::parse(r).ok_or_else(|| {
                        DomainError::invalid("roles", format!("unknown role '{r}'"))
                    })?;
                    if !roles.contains(&role) {
                        roles.push(role);
                    }
                }
                if roles.is_empty() {
                    return Err(
                        DomainError::blank("roles", "an agent needs at least one role").into(),
                    );
                }
                let inbox_ids = string_list(m, "inboxIds")?;
                for inbox in &inbox_ids {
                    must_exist(tx, kind::INBOX, "inboxIds", inbox).await?;
                }
                let capacity = match object(m, "messagingCapacity")? {
                    Some(c) => {
                        let standard = int_field(c, "standard")
                            .map_err(|e| prefixed("messagingCapacity", e))?
                            .unwrap_or(2);
                        let maximum = int_field(c, "maximum")
                            .map_err(|e| prefixed("messagingCapacity", e))?
                            .unwrap_or(standard.max(3));
                        let bound = |v: i64, f: &str| {
                            u32::try_from(v).ok().filter(|v| *v <= 100).ok_or_else(|| {
                                DomainError::invalid(
                                    format!("messagingCapacity.{f}"),
                                    "must be between 0 and 100",
                                )
                            })
                        };
                        MessagingCapacity::new(
                            bound(standard, "standard")?,
                            bound(maximum, "maximum")?,
                        )?
                    }
                    None => MessagingCapacity::new(2, 3)?,
                };
                let password_hash = match str_field(m, "password", false, 200)? {
                    Some(p) if p.chars().count() < 8 => {
                        return Err(DomainError::invalid(
                            "password",
                            "must be at least 8 characters",
                        )
                        .into());
                    }
                    Some(p) => Some(hash_password(&p)?),
                    None => old_hash,
                };
                let doc = AgentDoc {
                    id: id.to_owned(),
                    name,
                    email_address: email.original().to_owned(),
                    roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
                    inbox_ids,
                    messaging_capacity: CapacityDto {
                        standard: capacity.standard,
                        maximum: capacity.maximum,
                    },
                    disabled: bool_field(m, "disabled")?.unwrap_or(false),
                    password_hash,
                };
                Ok(Validated {
                    doc: serde_json::to_value(&doc)?,
                    key: Some(email.normalized().to_owned()),
                })
            }
            AdminKind::Inboxes => {
                let name = str_field(m, "name", true, 200)?.unwrap_or_default();
                let sla = int_field(m, "slaSeconds")?.ok_or_else(|| {
                    DomainError::blank("slaSeconds", "every inbox needs an SLA (R48)")
                })?;
                let sla = duration_setting("slaSeconds", sla, 1)?;
                let business_hours_id = str_field(m, "businessHoursId", false, 50)?;
                if let Some(bh) = &business_hours_id {
                    must_exist(tx, "business_hours", "businessHoursId", bh).await?;
                }
                let defaults = RoutingDto::of(&hearth_domain::config::InboxRouting::default());
                let r = object(m, "routing")?.cloned().unwrap_or_default();
                let attr = |f: &str| format!("routing.{f}");
                let secs = |f: &str, default: i64, min: i64| -> Result<i64, DomainError> {
                    let v = int_field(&r, f)
                        .map_err(|e| prefixed("routing", e))?
                        .unwrap_or(default);
                    duration_setting(&attr(f), v, min).map(|d| d.whole_seconds())
                };
                let selection = str_field(&r, "selection", false, 40)
                    .map_err(|e| prefixed("routing", e))?
                    .unwrap_or(defaults.selection.clone());
                if Selection::parse(&selection).is_none() {
                    return Err(DomainError::invalid(
                        attr("selection"),
                        "must be LONGEST_IDLE, ROUND_ROBIN, MOST_SPARE_CAPACITY or FEWEST_OPEN",
                    )
                    .into());
                }
                let routing = RoutingDto {
                    selection,
                    accept_decline: bool_field(&r, "acceptDecline")
                        .map_err(|e| prefixed("routing", e))?
                        .unwrap_or(defaults.accept_decline),
                    offer_timeout_seconds: secs(
                        "offerTimeoutSeconds",
                        defaults.offer_timeout_seconds,
                        1,
                    )?,
                    next_message_delay_seconds: secs(
                        "nextMessageDelaySeconds",
                        defaults.next_message_delay_seconds,
                        0,
                    )?,
                    same_agent_limit_seconds: secs(
                        "sameAgentLimitSeconds",
                        defaults.same_agent_limit_seconds,
                        1,
                    )?,
                    mail_to_same_agent: bool_field(&r, "mailToSameAgent")
                        .map_err(|e| prefixed("routing", e))?
                        .unwrap_or(defaults.mail_to_same_agent),
                    after_call_work_seconds: secs(
                        "afterCallWorkSeconds",
                        defaults.after_call_work_seconds,
                        0,
                    )?,
                };
                let doc = InboxDoc {
                    id: id.to_owned(),
                    name,
                    sla_seconds: sla.whole_seconds(),
                    business_hours_id,
                    routing,
                    disabled: bool_field(m, "disabled")?.unwrap_or(false),
                };
                Ok(Validated {
                    doc: serde_json::to_value(&doc)?,
                    key: None,
                })
            }
            AdminKind::Teams => {
                let agent_ids = string_list(m, "agentIds")?;
                for agent in &agent_ids {
                    must_exist(tx, kind::AGENT, "agentIds", agent).await?;
                }
                let doc = TeamDoc {
                    id: id.to_owned(),
                    name: str_field(m, "name", true, 200)?.unwrap_or_default(),
                    description: str_field(m, "description", false, 2000)?.unwrap_or_default(),
                    agent_ids,
                };
                Ok(Validated {
                    doc: serde_json::to_value(&doc)?,
                    key: None,
                })
            }
            AdminKind::EntryPoints => {
                let raw = str_field(m, "channel", true, 40)?.unwrap_or_default();
                let channel = Channel::parse(&raw).ok_or_else(|| {
                    DomainError::invalid("channel", format!("unknown channel '{raw}'"))
                })?;
                let address = str_field(m, "address", true, 320)?.unwrap_or_default();
                let address = match channel {
                    Channel::Email => EmailAddress::parse("address", &address)?
                        .normalized()
                        .to_owned(),
                    c if c.identifies_by_phone() => PhoneNumber::parse("address", &address, None)?
                        .e164()
                        .to_owned(),
                    _ => address,
                };
                let inbox_id = str_field(m, "inboxId", true, 50)?.unwrap_or_default();
                must_exist(tx, kind::INBOX, "inboxId", &inbox_id).await?;
                let sla_seconds = match int_field(m, "slaSeconds")? {
                    Some(s) => Some(duration_setting("slaSeconds", s, 1)?.whole_seconds()),
                    None => None,
                };
                let doc = EntryPointDoc {
                    id: id.to_owned(),
                    channel: channel.as_str().to_owned(),
                    address: address.clone(),
                    inbox_id,
                    sla_seconds,
                };
                Ok(Validated {
                    doc: serde_json::to_value(&doc)?,
                    key: Some(EntryPointDoc::key(channel, &address)),
                })
            }
            AdminKind::BusinessHours => {
                let name = str_field(m, "name", true, 200)?.unwrap_or_default();
                let zone = str_field(m, "timeZone", true, 64)?.unwrap_or_default();
                let zone_ok = zone == "UTC"
                    || (zone.contains('/')
                        && zone
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c)));
                if !zone_ok {
                    return Err(DomainError::invalid(
                        "timeZone",
                        "must be an IANA time zone such as Europe/Berlin",
                    )
                    .into());
                }
                let days = [
                    "MONDAY",
                    "TUESDAY",
                    "WEDNESDAY",
                    "THURSDAY",
                    "FRIDAY",
                    "SATURDAY",
                    "SUNDAY",
                ];
                let hm = |s: &str| -> Option<u32> {
                    let (h, m) = s.split_once(':')?;
                    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                    (h <= 24
                        && m < 60
                        && h * 60 + m <= 24 * 60
                        && h.to_string().len() <= 2
                        && m.to_string().len() <= 2)
                        .then_some(h * 60 + m)
                };
                let mut weekly = Vec::new();
                match m.get("weekly") {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(entries)) => {
                        for e in entries {
                            let o = e.as_object().ok_or_else(|| {
                                DomainError::invalid("weekly", "entries must be objects")
                            })?;
                            let day = str_field(o, "day", true, 10)
                                .map_err(|e| prefixed("weekly", e))?
                                .unwrap_or_default();
                            if !days.contains(&day.as_str()) {
                                return Err(DomainError::invalid(
                                    "weekly.day",
                                    format!("'{day}' is not a weekday name such as MONDAY"),
                                )
                                .into());
                            }
                            let start = str_field(o, "start", true, 5)
                                .map_err(|e| prefixed("weekly", e))?
                                .unwrap_or_default();
                            let end = str_field(o, "end", true, 5)
                                .map_err(|e| prefixed("weekly", e))?
                                .unwrap_or_default();
                            match (hm(&start), hm(&end)) {
                                (Some(s), Some(e)) if s < e => {}
                                _ => {
                                    return Err(DomainError::invalid(
                                        "weekly",
                                        format!(
                                            "{day} {start}-{end} is not a time range HH:MM-HH:MM"
                                        ),
                                    )
                                    .into());
                                }
                            }
                            weekly.push(json!({ "day": day, "start": start, "end": end }));
                        }
                    }
                    Some(_) => {
                        return Err(DomainError::invalid("weekly", "must be an array").into());
                    }
                }
                let holidays = string_list(m, "holidays")?;
                let date = time::macros::format_description!("[year]-[month]-[day]");
                for h in &holidays {
                    time::Date::parse(h, &date).map_err(|_| {
                        DomainError::invalid("holidays", format!("'{h}' is not a YYYY-MM-DD date"))
                    })?;
                }
                Ok(Validated {
                    doc: json!({ "id": id, "name": name, "timeZone": zone, "weekly": weekly, "holidays": holidays }),
                    key: None,
                })
            }
        }
    }

    /// Tells routing about an agent or inbox that changed.
    async fn reconfigure(
        &self,
        tx: &mut dyn StoreTx,
        kind: AdminKind,
        doc: &Value,
    ) -> Result<(), AppError> {
        let input = match kind {
            AdminKind::Agents => crate::route::translate::agent_input(
                &serde_json::from_value::<AgentDoc>(doc.clone())?.to_domain()?,
            ),
            AdminKind::Inboxes => {
                let inbox: InboxDoc = serde_json::from_value(doc.clone())?;
                Input::InboxConfigured {
                    inbox: hearth_domain::id::InboxId::from_trusted(&inbox.id),
                    policy: crate::route::translate::inbox_policy(&inbox)?,
                }
            }
            _ => return Ok(()),
        };
        self.route(tx, vec![input]).await.map(|_| ())
    }

    /// A disabled agent loses its tokens, and its open work goes back to routing
    /// with reason USER_DEACTIVATION.
    async fn deactivate(&self, tx: &mut dyn StoreTx, agent_id: &str) -> Result<(), AppError> {
        tx.revoke_all_tokens(agent_id, codec::to_ms(self.now()))
            .await?;
        for row in tx.open_conversations_of_agent(agent_id).await? {
            let conv = conversation_of_row(&row)?;
            let command = Command::Assign {
                initiator: Initiator {
                    kind: InitiatorType::System,
                    id: None,
                },
                inbox_id: conv.inbox_id.clone(),
                agent_id: None,
                reason: AssignReason::UserDeactivation,
                inbox_sla: hearth_domain::Duration::ZERO,
            };
            self.run(tx, &conv, vec![command]).await?;
        }
        Ok(())
    }

    /// Every resource of a collection, oldest first.
    pub async fn admin_list(
        &self,
        caller: &Caller,
        kind: AdminKind,
    ) -> Result<Vec<AdminResource>, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| tx
            .resources(kind.store_kind())
            .await?
            .iter()
            .map(wire)
            .collect::<Result<Vec<_>, _>>())
    }

    /// One resource.
    pub async fn admin_get(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: &str,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| {
            let row = tx
                .resource(kind.store_kind(), id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.noun(), id))?;
            wire(&row)
        })
    }

    /// Creates a resource (a client may bring its own id).
    pub async fn admin_create(
        &self,
        caller: &Caller,
        kind: AdminKind,
        body: Map<String, Value>,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        let id = match str_field(&body, "id", false, 50)? {
            Some(id) => {
                validate_id("id", &id)?;
                id
            }
            None => new_id(),
        };
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if tx.resource(kind.store_kind(), &id).await?.is_some() {
                return Err(AppError::Taken {
                    attr: "id".into(),
                    holder_kind: kind.noun(),
                    holder_id: id.clone(),
                });
            }
            let v = self.validate(tx, kind, &id, &body, None).await?;
            let row = ResourceRow {
                kind: kind.store_kind().into(),
                id: id.clone(),
                unique_key: v.key.clone(),
                doc: v.doc.to_string(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            self.put(tx, kind, &row).await?;
            self.reconfigure(tx, kind, &v.doc).await?;
            read_back(tx, kind.store_kind(), &id).await
        })
    }

    async fn put(
        &self,
        tx: &mut dyn StoreTx,
        kind: AdminKind,
        row: &ResourceRow,
    ) -> Result<(), AppError> {
        match tx.put_resource(row).await {
            Err(crate::ports::StoreError::Conflict { holder, .. }) => {
                let attr = if kind == AdminKind::Agents {
                    "emailAddress"
                } else {
                    "address"
                };
                Err(AppError::Taken {
                    attr: attr.into(),
                    holder_kind: kind.noun(),
                    holder_id: holder,
                })
            }
            other => other.map_err(AppError::from),
        }
    }

    /// Updates a resource with the given fields; `if_match` guards against a stale
    /// version (412 `version_outdated`).
    pub async fn admin_update(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: &str,
        patch: Map<String, Value>,
        if_match: Option<i64>,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx
                .resource(kind.store_kind(), id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.noun(), id))?;
            if if_match.is_some_and(|v| v != row.version) {
                return Err(AppError::VersionOutdated);
            }
            let base: Map<String, Value> = codec::read(&row.doc)?;
            let old_hash = base
                .get("passwordHash")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let was_disabled = base
                .get("disabled")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mut base = base;
            base.remove("passwordHash");
            let merged = merge(&base, &patch);
            let v = self.validate(tx, kind, id, &merged, old_hash).await?;
            let updated = ResourceRow {
                unique_key: v.key.clone(),
                doc: v.doc.to_string(),
                updated_at: now,
                ..row.clone()
            };
            self.put(tx, kind, &updated).await?;
            self.reconfigure(tx, kind, &v.doc).await?;
            if kind == AdminKind::Agents
                && !was_disabled
                && v.doc.get("disabled").and_then(Value::as_bool) == Some(true)
            {
                self.deactivate(tx, id).await?;
            }
            read_back(tx, kind.store_kind(), id).await
        })
    }

    /// Deletes a resource that nothing depends on.
    pub async fn admin_delete(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        admin_only(caller)?;
        write_tx!(self, |tx| {
            let row = tx
                .resource(kind.store_kind(), id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.noun(), id))?;
            if if_match.is_some_and(|v| v != row.version) {
                return Err(AppError::VersionOutdated);
            }
            let in_use = |what: &str| -> AppError {
                DomainError::InUse(format!("the {} is still used by {what}", kind.noun())).into()
            };
            match kind {
                AdminKind::Agents => {
                    if id == caller.agent.id.as_str() {
                        return Err(DomainError::InUse("you cannot delete yourself".into()).into());
                    }
                    if !tx.open_conversations_of_agent(id).await?.is_empty() {
                        return Err(in_use("open conversations; disable the agent first"));
                    }
                    tx.revoke_all_tokens(id, codec::to_ms(self.now())).await?;
                    let mut gone: AgentDoc = codec::read(&row.doc)?;
                    gone.disabled = true;
                    gone.inbox_ids.clear();
                    self.route(
                        tx,
                        vec![crate::route::translate::agent_input(&gone.to_domain()?)],
                    )
                    .await?;
                }
                AdminKind::Inboxes => {
                    for ep in tx.resources(kind::ENTRY_POINT).await? {
                        if codec::read::<EntryPointDoc>(&ep.doc)?.inbox_id == id {
                            return Err(in_use("entry points"));
                        }
                    }
                    for agent in tx.resources(kind::AGENT).await? {
                        if codec::read::<AgentDoc>(&agent.doc)?
                            .inbox_ids
                            .iter()
                            .any(|i| i == id)
                        {
                            return Err(in_use("agents"));
                        }
                    }
                }
                AdminKind::BusinessHours => {
                    for inbox in tx.resources(kind::INBOX).await? {
                        if codec::read::<InboxDoc>(&inbox.doc)?
                            .business_hours_id
                            .as_deref()
                            == Some(id)
                        {
                            return Err(in_use("inboxes"));
                        }
                    }
                }
                AdminKind::Teams | AdminKind::EntryPoints => {}
            }
            tx.delete_resource(kind.store_kind(), id).await?;
            Ok::<_, AppError>(())
        })
    }

    /// The organization settings with their version.
    pub async fn admin_settings(&self, caller: &Caller) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        read_tx!(
            self,
            |tx| match tx.resource(kind::SETTINGS, SETTINGS_ID).await? {
                Some(row) => wire(&row),
                None => Ok(AdminResource {
                    body: serde_json::to_value(SettingsDoc::of(&load_settings(tx).await?))?,
                    version: 0
                }),
            }
        )
    }

    /// Changes organization settings.
    pub async fn admin_update_settings(
        &self,
        caller: &Caller,
        patch: Map<String, Value>,
        if_match: Option<i64>,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx.resource(kind::SETTINGS, SETTINGS_ID).await?;
            if let (Some(v), Some(row)) = (if_match, &row)
                && v != row.version
            {
                return Err(AppError::VersionOutdated);
            }
            let current = match &row {
                Some(r) => serde_json::to_value(codec::read::<SettingsDoc>(&r.doc)?)?,
                None => serde_json::to_value(SettingsDoc::of(&load_settings(tx).await?))?,
            };
            let base = current.as_object().cloned().unwrap_or_default();
            let m = merge(&base, &patch);
            let int = |k: &str| {
                int_field(&m, k).and_then(|v| v.ok_or_else(|| DomainError::blank(k, "is required")))
            };
            let retries = match m.get("webhookRetrySeconds") {
                Some(Value::Array(list)) if (1..=10).contains(&list.len()) => list
                    .iter()
                    .map(|v| {
                        v.as_i64()
                            .ok_or_else(|| not_a_number("webhookRetrySeconds"))
                            .and_then(|s| {
                                duration_setting("webhookRetrySeconds", s, 0)
                                    .map(|d| d.whole_seconds())
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                _ => {
                    return Err(DomainError::invalid(
                        "webhookRetrySeconds",
                        "must list 1 to 10 pauses in seconds",
                    )
                    .into());
                }
            };
            let timeout = int("webhookTimeoutSeconds")?;
            if !(1..=300).contains(&timeout) {
                return Err(DomainError::invalid(
                    "webhookTimeoutSeconds",
                    "must be between 1 and 300",
                )
                .into());
            }
            let rate = int("rateLimitPerSecond")?;
            if !(0..=100_000).contains(&rate) {
                return Err(DomainError::invalid(
                    "rateLimitPerSecond",
                    "must be between 0 (no limit) and 100000",
                )
                .into());
            }
            let doc = SettingsDoc {
                webhook_retry_seconds: retries,
                webhook_timeout_seconds: timeout,
                rate_limit_per_second: rate,
                reopen_window_seconds: duration_setting(
                    "reopenWindowSeconds",
                    int("reopenWindowSeconds")?,
                    0,
                )?
                .whole_seconds(),
                require_topic: bool_field(&m, "requireTopic")?.unwrap_or(false),
                chat_rejoin_seconds: duration_setting(
                    "chatRejoinSeconds",
                    int("chatRejoinSeconds")?,
                    0,
                )?
                .whole_seconds(),
                time_until_away_seconds: duration_setting(
                    "timeUntilAwaySeconds",
                    int("timeUntilAwaySeconds")?,
                    0,
                )?
                .whole_seconds(),
                export_interval_seconds: duration_setting(
                    "exportIntervalSeconds",
                    int("exportIntervalSeconds")?,
                    60,
                )?
                .whole_seconds(),
                event_retention_days: u32::try_from(int("eventRetentionDays")?)
                    .ok()
                    .filter(|d| (1..=365).contains(d))
                    .ok_or_else(|| {
                        DomainError::invalid("eventRetentionDays", "must be between 1 and 365")
                    })?,
                max_message_bytes: u64::try_from(int("maxMessageBytes")?)
                    .ok()
                    .filter(|b| (1024..=100 * 1024 * 1024).contains(b))
                    .ok_or_else(|| {
                        DomainError::invalid("maxMessageBytes", "must be between 1 KiB and 100 MiB")
                    })?,
            };
            let created_at = row.as_ref().map_or(now, |r| r.created_at);
            let updated = ResourceRow {
                kind: kind::SETTINGS.into(),
                id: SETTINGS_ID.into(),
                unique_key: None,
                doc: codec::write(&doc)?,
                created_at,
                updated_at: now,
                version: 1,
            };
            tx.put_resource(&updated).await?;
            read_back(tx, kind::SETTINGS, SETTINGS_ID).await
        })
    }

    /// Creates an API token for an agent; the token is returned once.
    pub async fn admin_create_token(
        &self,
        caller: &Caller,
        agent_id: &str,
    ) -> Result<(String, String), AppError> {
        admin_only(caller)?;
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = token_hash(&token);
        let token_id = new_id();
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx
                .resource(kind::AGENT, agent_id)
                .await?
                .ok_or_else(|| AppError::not_found("agent", agent_id))?;
            if codec::read::<AgentDoc>(&row.doc)?.disabled {
                return Err(DomainError::InUse("a disabled agent gets no tokens".into()).into());
            }
            tx.insert_token(&token_id, agent_id, &hash, "api", now)
                .await?;
            Ok::<_, AppError>(())
        })?;
        Ok((token_id, token))
    }

    /// An agent's tokens, without secrets.
    pub async fn admin_tokens(
        &self,
        caller: &Caller,
        agent_id: &str,
    ) -> Result<Vec<TokenInfo>, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| {
            if tx.resource(kind::AGENT, agent_id).await?.is_none() {
                return Err(AppError::not_found("agent", agent_id));
            }
            Ok(tx
                .tokens_of(agent_id)
                .await?
                .into_iter()
                .map(|(id, label, created_at, revoked_at)| TokenInfo {
                    id,
                    label,
                    created_at,
                    revoked_at,
                })
                .collect())
        })
    }

    /// Revokes one token of an agent.
    pub async fn admin_revoke_token(
        &self,
        caller: &Caller,
        agent_id: &str,
        token_id: &str,
    ) -> Result<(), AppError> {
        admin_only(caller)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if tx.revoke_token(agent_id, token_id, now).await? {
                Ok(())
            } else {
                Err(AppError::not_found("api token", token_id))
            }
        })
    }
}
